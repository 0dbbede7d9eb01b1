"""Recording xAPI statements: called by the curriculum, scenario and field-training services in
their own transaction, one call per learning event.

Recording is idempotent: the statement id and `source` are derived from the event, and the row
is inserted with ON CONFLICT DO NOTHING (PostgreSQL) / INSERT OR IGNORE (SQLite), so recording
an event again, or two transactions recording it at once, leaves exactly one statement. When a
Learning Record Store is configured, forwarding is queued once the transaction commits.
"""

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from courses.field.engine import TaskBookSpec
from lms.accounts.models import User

from . import events
from . import statements as xs
from .models import Statement, StatementStatus
from .selectors import lookups_load, lrs_configured

if TYPE_CHECKING:
    from courses.models import (
        Assignment,
        FieldTraining,
        ModuleProgress,
        ObservationReport,
        QuizAttempt,
        Signoff,
        TaskObservation,
    )
    from scenarios.models import ScenarioAttempt


def base_url() -> str:
    return settings.SITE_URL.rstrip("/")


def statement_row(spec: events.StatementSpec, *, now: datetime.datetime) -> Statement:
    """The unsaved row for an event, its id derived from the source."""
    url = base_url()
    statement_id = xs.statement_uuid(base_url=url, source=spec.source)
    payload = xs.build_statement(
        statement_id=statement_id,
        actor=xs.agent(base_url=url, user_id=spec.actor_id),
        verb=spec.verb,
        object=spec.object,
        timestamp=spec.timestamp,
        result=spec.result,
        context=spec.context,
    )
    return Statement(
        id=statement_id,
        source=spec.source,
        actor_id=spec.actor_id,
        verb=spec.verb.id,
        object_id=spec.object["id"],
        timestamp=spec.timestamp,
        stored=now,
        payload=payload,
        status=StatementStatus.PENDING,
        next_attempt_at=now,
    )


def statements_store(
    specs: Sequence[events.StatementSpec], *, now: datetime.datetime | None = None
) -> list[Statement]:
    """Insert the statements not stored yet (one query) and queue forwarding after commit."""
    if not specs:
        return []
    now = now or timezone.now()
    rows = [statement_row(spec, now=now) for spec in specs]
    # No savepoint: inside the caller's transaction this costs no extra query, and an INSERT
    # split into several (SQLite's parameter limit) still goes in whole or not at all.
    with transaction.atomic(savepoint=False):
        Statement.objects.bulk_create(rows, ignore_conflicts=True)
        if lrs_configured():
            from .tasks import forwarding_queue

            transaction.on_commit(forwarding_queue, robust=True)
    return rows


def statement_record(
    *,
    source: str,
    actor: User,
    verb: xs.Verb,
    object: dict,  # xAPI's own name for it
    timestamp: datetime.datetime,
    result: dict | None = None,
    context: dict | None = None,
    now: datetime.datetime | None = None,
) -> Statement:
    """Record one statement; recording the same `source` again changes nothing."""
    spec = events.StatementSpec(
        source=source,
        actor_id=actor.pk,
        verb=verb,
        object=object,
        timestamp=timestamp,
        result=result,
        context=context,
    )
    return statements_store([spec], now=now)[0]


def statements_retry_failed(*, now: datetime.datetime | None = None) -> int:
    """Give statements the LRS refused another go (after the cause was fixed). Returns how
    many are pending again."""
    now = now or timezone.now()
    with transaction.atomic():
        count = Statement.objects.filter(status=StatementStatus.FAILED).update(
            status=StatementStatus.PENDING, next_attempt_at=now, attempts=0
        )
        if count and lrs_configured():
            from .tasks import forwarding_queue

            transaction.on_commit(forwarding_queue, robust=True)
    return count


# --- One call per learning event (the hooks in the curriculum and field services) ---------------


def _store_one(spec: events.StatementSpec) -> Statement:
    return statements_store([spec])[0]


def statement_record_module_completion(*, progress: "ModuleProgress") -> Statement:
    lookups = lookups_load(page_ids=[progress.module_id], user_ids=[progress.user_id], depth=1)
    return _store_one(events.module_completion(progress, lookups=lookups, base_url=base_url()))


def statement_record_program_completion(*, assignment: "Assignment") -> Statement:
    lookups = lookups_load(user_ids=[assignment.user_id])
    return _store_one(events.program_completion(assignment, lookups=lookups, base_url=base_url()))


def statement_record_quiz_attempt(*, attempt: "QuizAttempt") -> Statement:
    lookups = lookups_load(page_ids=[attempt.module_id], user_ids=[attempt.user_id], depth=1)
    return _store_one(events.quiz_attempt(attempt, lookups=lookups, base_url=base_url()))


def statement_record_scenario_attempt(*, attempt: "ScenarioAttempt") -> Statement:
    lookups = lookups_load(page_ids=[attempt.scenario_id], user_ids=[attempt.user_id], depth=2)
    return _store_one(events.scenario_attempt(attempt, lookups=lookups, base_url=base_url()))


def _field(training: "FieldTraining") -> tuple[TaskBookSpec, events.Lookups]:
    return TaskBookSpec.from_json(training.spec), lookups_load(page_ids=[training.module_id])


def statement_record_observation_report(*, report: "ObservationReport") -> Statement:
    training = report.training
    spec, lookups = _field(training)
    return _store_one(
        events.observation_report(
            report,
            training=training,
            spec=spec,
            ratings=list(report.ratings.all()),
            lookups=lookups,
            base_url=base_url(),
        )
    )


def statement_record_task_observation(*, observation: "TaskObservation") -> Statement:
    training = observation.training
    spec, lookups = _field(training)
    return _store_one(
        events.task_observation(
            observation, training=training, spec=spec, lookups=lookups, base_url=base_url()
        )
    )


def statement_record_phase_approval(*, signoff: "Signoff") -> Statement:
    training = signoff.training
    spec, lookups = _field(training)
    return _store_one(
        events.phase_approval(
            signoff, training=training, spec=spec, lookups=lookups, base_url=base_url()
        )
    )


def statement_record_field_release(*, signoff: "Signoff") -> Statement:
    training = signoff.training
    lookups = lookups_load(page_ids=[training.module_id])
    return _store_one(
        events.field_release(signoff, training=training, lookups=lookups, base_url=base_url())
    )
