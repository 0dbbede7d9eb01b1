"""Statements for records that exist without one (history loaded in bulk, such as the demo's, or
records from before xAPI): the same statements the services record, built batch by batch.

Each batch runs a constant number of queries: the records (keyset pagination by primary key),
their related rows, the lookups (titles, parents, organisations), the sources already stored,
and one INSERT ... ON CONFLICT DO NOTHING. Running it again creates nothing.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from courses.field.engine import TaskBookSpec
from courses.models import (
    Assignment,
    FieldTraining,
    ModuleProgress,
    ObservationRating,
    ObservationReport,
    ProgressStatus,
    QuizAttempt,
    Signoff,
    SignoffKind,
    TaskObservation,
)
from scenarios.models import AttemptStatus, ScenarioAttempt

from . import events
from .models import Statement
from .selectors import lookups_load
from .services import base_url, statements_store

DEFAULT_BATCH = 1000


@dataclass
class BackfillReport:
    created: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    @property
    def total(self) -> int:
        return sum(self.created.values())

    def lines(self) -> list[str]:
        parts = ", ".join(f"{kind.replace('_', ' ')} {n}" for kind, n in self.created.items())
        return [f"xAPI statements created: {self.total} ({parts})."]


def _batches(queryset: QuerySet, size: int) -> Iterator[list]:
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        rows = list(page[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _missing(kind: str, rows: list) -> list:
    sources = {events.source_of(kind, row.pk): row for row in rows}
    stored = set(
        Statement.objects.filter(source__in=list(sources)).values_list("source", flat=True)
    )
    return [row for source, row in sources.items() if source not in stored]


def _trainings(ids) -> dict[int, tuple[FieldTraining, TaskBookSpec]]:
    trainings = FieldTraining.objects.filter(pk__in=set(ids)).select_related("organisation")
    return {t.pk: (t, TaskBookSpec.from_json(t.spec)) for t in trainings}


# Per kind: the records, and how a batch of them becomes statement specs.


def _module_completions(rows, url):
    lookups = lookups_load(
        page_ids={r.module_id for r in rows}, user_ids={r.user_id for r in rows}, depth=1
    )
    return [events.module_completion(r, lookups=lookups, base_url=url) for r in rows]


def _program_completions(rows, url):
    lookups = lookups_load(user_ids={r.user_id for r in rows})
    return [events.program_completion(r, lookups=lookups, base_url=url) for r in rows]


def _quiz_attempts(rows, url):
    lookups = lookups_load(
        page_ids={r.module_id for r in rows}, user_ids={r.user_id for r in rows}, depth=1
    )
    return [events.quiz_attempt(r, lookups=lookups, base_url=url) for r in rows]


def _scenario_attempts(rows, url):
    lookups = lookups_load(
        page_ids={r.scenario_id for r in rows}, user_ids={r.user_id for r in rows}, depth=2
    )
    return [events.scenario_attempt(r, lookups=lookups, base_url=url) for r in rows]


def _field_specs(rows, url, build, *, with_spec=True, **extra):
    """Statement specs for field-training records: `build` is one of the events functions,
    given the record's training (and its task-book spec, unless `with_spec` is false)."""
    trainings = _trainings(r.training_id for r in rows)
    lookups = lookups_load(page_ids={t.module_id for t, _ in trainings.values()}, depth=1)
    specs = []
    for r in rows:
        training, spec = trainings[r.training_id]
        kwargs = {"spec": spec} if with_spec else {}
        kwargs.update({name: value(r) for name, value in extra.items()})
        specs.append(build(r, training=training, lookups=lookups, base_url=url, **kwargs))
    return specs


def _observation_reports(rows, url):
    return _field_specs(rows, url, events.observation_report, ratings=lambda r: r.ratings.all())


def _task_observations(rows, url):
    return _field_specs(rows, url, events.task_observation)


def _phase_approvals(rows, url):
    return _field_specs(rows, url, events.phase_approval)


def _field_releases(rows, url):
    return _field_specs(rows, url, events.field_release, with_spec=False)


_SIGNOFF_FIELDS = ("pk", "trainee_id", "training_id", "signer_id", "phase_index", "signed_at")


def _sources() -> list[tuple[str, Callable[[], QuerySet], Callable]]:
    ratings = Prefetch(
        "ratings", queryset=ObservationRating.objects.order_by("report_id", "position")
    )
    return [
        (
            events.MODULE_COMPLETION,
            lambda: ModuleProgress.objects.filter(status=ProgressStatus.COMPLETED).defer(
                "sections_viewed", "completion_evidence"
            ),
            _module_completions,
        ),
        (
            events.PROGRAM_COMPLETION,
            lambda: Assignment.objects.filter(completed_at__isnull=False),
            _program_completions,
        ),
        (events.QUIZ_ATTEMPT, lambda: QuizAttempt.objects.defer("answers"), _quiz_attempts),
        (
            events.SCENARIO_ATTEMPT,
            lambda: ScenarioAttempt.objects.filter(status=AttemptStatus.FINISHED).defer(
                "path", "reflection"
            ),
            _scenario_attempts,
        ),
        (
            events.OBSERVATION_REPORT,
            lambda: ObservationReport.objects.prefetch_related(ratings).only(
                "pk",
                "training_id",
                "trainee_id",
                "fto_id",
                "number",
                "shift_date",
                "phase_index",
                "supersedes_id",
                "created_at",
            ),
            _observation_reports,
        ),
        (
            events.TASK_OBSERVATION,
            lambda: TaskObservation.objects.defer("notes", "correction_reason"),
            _task_observations,
        ),
        (
            events.PHASE_APPROVAL,
            lambda: Signoff.objects.filter(kind=SignoffKind.PHASE_APPROVAL).only(
                *_SIGNOFF_FIELDS, "payload"
            ),
            _phase_approvals,
        ),
        (
            events.FIELD_RELEASE,
            lambda: Signoff.objects.filter(kind=SignoffKind.RELEASE).only(
                *_SIGNOFF_FIELDS, "payload"
            ),
            _field_releases,
        ),
    ]


def statements_backfill(
    *, batch_size: int = DEFAULT_BATCH, now: datetime.datetime | None = None
) -> BackfillReport:
    """Create the statements every recorded learning event should have and does not."""
    now = now or timezone.now()
    url = base_url()
    report = BackfillReport()
    for kind, records, build in _sources():
        report.created[kind] = 0
        for rows in _batches(records(), batch_size):
            report.batches += 1
            missing = _missing(kind, rows)
            if not missing:
                continue
            with transaction.atomic():
                statements_store(build(missing, url), now=now)
            report.created[kind] += len(missing)
    return report
