"""From Relay's records to xAPI statements: one function per learning event.

Each function reads only the record, the records handed to it and `Lookups` (page titles and
parents, people's organisations), so the services (one event at a time) and the backfill (a
batch at a time, lookups loaded in a constant number of queries) build the very same statement.
Verbs and IRIs are documented in `lms.xapi.statements`.
"""

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from courses.field.engine import TaskBookSpec

from . import statements as xs

if TYPE_CHECKING:
    from courses.models import (
        Assignment,
        FieldTraining,
        ModuleProgress,
        ObservationRating,
        ObservationReport,
        QuizAttempt,
        Signoff,
        TaskObservation,
    )
    from scenarios.models import ScenarioAttempt


@dataclass(frozen=True)
class PageRef:
    id: int
    title: str


@dataclass(frozen=True)
class OrganisationRef:
    id: int
    slug: str
    name: str

    def as_dict(self) -> dict:
        return {"id": self.id, "slug": self.slug, "name": self.name}


@dataclass
class Lookups:
    """What statements need beyond their record, loaded by `lms.xapi.selectors.lookups_load`."""

    pages: dict[int, PageRef] = field(default_factory=dict)
    parents: dict[int, PageRef] = field(default_factory=dict)
    organisations: dict[int, OrganisationRef] = field(default_factory=dict)  # by user id

    def title(self, page_id: int) -> str:
        page = self.pages.get(page_id)
        return page.title if page else ""

    def parent(self, page_id: int | None) -> PageRef | None:
        return self.parents.get(page_id) if page_id is not None else None

    def organisation(self, user_id: int) -> dict | None:
        found = self.organisations.get(user_id)
        return found.as_dict() if found else None


@dataclass(frozen=True)
class StatementSpec:
    """One event, ready to be stored as a `Statement`."""

    source: str
    actor_id: int
    verb: xs.Verb
    object: dict
    timestamp: datetime.datetime
    result: dict | None = None
    context: dict | None = None


# --- Sources: the stable key of each event ------------------------------------------------------


def source_of(kind: str, pk: object) -> str:
    return f"{kind}:{pk}"


MODULE_COMPLETION = "module_completion"
PROGRAM_COMPLETION = "program_completion"
QUIZ_ATTEMPT = "quiz_attempt"
SCENARIO_ATTEMPT = "scenario_attempt"
OBSERVATION_REPORT = "observation_report"
TASK_OBSERVATION = "task_observation"
PHASE_APPROVAL = "phase_approval"
FIELD_RELEASE = "field_release"

KINDS = (
    MODULE_COMPLETION,
    PROGRAM_COMPLETION,
    QUIZ_ATTEMPT,
    SCENARIO_ATTEMPT,
    OBSERVATION_REPORT,
    TASK_OBSERVATION,
    PHASE_APPROVAL,
    FIELD_RELEASE,
)


# --- Activities --------------------------------------------------------------------------------


def _program(base_url: str, page: PageRef | None) -> list[dict]:
    if page is None:
        return []
    iri = xs.activity_iri(base_url, "program", page.id)
    return [xs.activity(iri=iri, name=page.title, type_iri=xs.ActivityType.COURSE)]


def _module(base_url: str, module_id: int, title: str) -> dict:
    iri = xs.activity_iri(base_url, "module", module_id)
    return xs.activity(iri=iri, name=title, type_iri=xs.ActivityType.MODULE)


def _task_book(base_url: str, training: "FieldTraining") -> dict:
    iri = xs.activity_iri(base_url, "task-book", training.task_book_id)
    return xs.activity(iri=iri, name=training.title, type_iri=xs.ActivityType.PERFORMANCE)


def _phase(base_url: str, training: "FieldTraining", spec: TaskBookSpec, index: int) -> dict:
    phase = spec.phases[index] if 0 <= index < len(spec.phases) else None
    phase_id = phase.id if phase else f"p{index}"
    name = phase.name if phase else f"Phase {index + 1}"
    iri = xs.activity_iri(base_url, "task-book", training.task_book_id, "phase", phase_id)
    return xs.activity(
        iri=iri, name=f"{name}: {training.title}", type_iri=xs.ActivityType.OBJECTIVE
    )


def _field_grouping(base_url: str, training: "FieldTraining", lookups: Lookups) -> list[dict]:
    module = lookups.pages.get(training.module_id) or PageRef(training.module_id, "")
    return [
        _module(base_url, module.id, module.title),
        *_program(base_url, lookups.parent(training.module_id)),
    ]


def _field_context(
    base_url: str,
    training: "FieldTraining",
    *,
    instructor_id: int,
    parent: list[dict],
    grouping: list[dict],
    supersedes: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict:
    org = training.organisation
    return xs.make_context(
        base_url=base_url,
        revision=training.revision_id,
        parent=parent,
        grouping=grouping,
        instructor_id=instructor_id,
        registration=xs.registration_uuid(base_url=base_url, key=f"field_training:{training.pk}"),
        statement_ref=(
            xs.statement_uuid(base_url=base_url, source=supersedes) if supersedes else None
        ),
        extensions={
            "organisation": {"id": org.pk, "slug": org.slug, "name": org.name},
            **(extensions or {}),
        },
    )


# --- Curriculum ----------------------------------------------------------------------------------


def module_completion(
    progress: "ModuleProgress", *, lookups: Lookups, base_url: str
) -> StatementSpec:
    title = progress.completed_title or lookups.title(progress.module_id)
    result: dict[str, Any] = {"completion": True}
    if progress.seconds_on_task:
        result["duration"] = xs.iso_duration(progress.seconds_on_task)
    return StatementSpec(
        source=source_of(MODULE_COMPLETION, progress.pk),
        actor_id=progress.user_id,
        verb=xs.COMPLETED,
        object=_module(base_url, progress.module_id, title),
        timestamp=progress.completed_at,
        result=result,
        context=xs.make_context(
            base_url=base_url,
            revision=progress.completed_revision_id,
            parent=_program(base_url, lookups.parent(progress.module_id)),
            extensions={
                "organisation": lookups.organisation(progress.user_id),
                "training-type": progress.completed_training_type,
                "completion-source": progress.completion_source,
                "ce-hours": float(progress.completed_ce_hours or 0) or None,
            },
        ),
    )


def program_completion(
    assignment: "Assignment", *, lookups: Lookups, base_url: str
) -> StatementSpec:
    title = assignment.program_title or lookups.title(assignment.program_id)
    return StatementSpec(
        source=source_of(PROGRAM_COMPLETION, assignment.pk),
        actor_id=assignment.user_id,
        verb=xs.COMPLETED,
        object=_program(base_url, PageRef(assignment.program_id, title))[0],
        timestamp=assignment.completed_at,
        result={"completion": True},
        context=xs.make_context(
            base_url=base_url,
            extensions={
                "organisation": lookups.organisation(assignment.user_id),
                "assignment-source": assignment.source,
            },
        ),
    )


def quiz_attempt(attempt: "QuizAttempt", *, lookups: Lookups, base_url: str) -> StatementSpec:
    module_title = lookups.title(attempt.module_id)
    iri = xs.activity_iri(base_url, "module", attempt.module_id, "knowledge-check")
    return StatementSpec(
        source=source_of(QUIZ_ATTEMPT, attempt.pk),
        actor_id=attempt.user_id,
        verb=xs.PASSED if attempt.passed else xs.FAILED,
        object=xs.activity(
            iri=iri,
            name=f"Knowledge check: {module_title}",
            type_iri=xs.ActivityType.ASSESSMENT,
        ),
        timestamp=attempt.submitted_at,
        result={
            "score": xs.make_score(raw=attempt.score, minimum=0, maximum=100),
            "success": bool(attempt.passed),
            "completion": True,
        },
        context=xs.make_context(
            base_url=base_url,
            revision=attempt.revision_id,
            parent=[_module(base_url, attempt.module_id, module_title)],
            grouping=_program(base_url, lookups.parent(attempt.module_id)),
            extensions={
                "organisation": lookups.organisation(attempt.user_id),
                "attempt": attempt.number,
                "pass-mark": attempt.pass_mark,
            },
        ),
    )


def scenario_attempt(
    attempt: "ScenarioAttempt", *, lookups: Lookups, base_url: str
) -> StatementSpec:
    """A finished play-through: `completed`, with the score and whether it passed."""
    module = lookups.parent(attempt.scenario_id)
    program = lookups.parent(module.id) if module else None
    result: dict[str, Any] = {"success": bool(attempt.passed), "completion": True}
    if attempt.percent is not None:
        result["score"] = xs.make_score(raw=attempt.percent, minimum=0, maximum=100)
    if attempt.finished_at and attempt.started_at:
        result["duration"] = xs.iso_duration(
            (attempt.finished_at - attempt.started_at).total_seconds()
        )
    extensions = {
        "points": attempt.total,
        "critical-errors": attempt.critical_errors,
        "outcome-step": attempt.current_step,
    }
    result["extensions"] = {
        xs.extension_iri(base_url, key): value
        for key, value in extensions.items()
        if value not in (None, "")
    }
    return StatementSpec(
        source=source_of(SCENARIO_ATTEMPT, attempt.pk),
        actor_id=attempt.user_id,
        verb=xs.COMPLETED,
        object=xs.activity(
            iri=xs.activity_iri(base_url, "scenario", attempt.scenario_id),
            name=lookups.title(attempt.scenario_id),
            type_iri=xs.ActivityType.SIMULATION,
        ),
        timestamp=attempt.finished_at,
        result=result,
        context=xs.make_context(
            base_url=base_url,
            revision=attempt.revision_id,
            parent=[_module(base_url, module.id, module.title)] if module else None,
            grouping=_program(base_url, program),
            extensions={
                "organisation": lookups.organisation(attempt.user_id),
                "attempt": attempt.number,
            },
        ),
    )


# --- Field training ------------------------------------------------------------------------------


def observation_report(
    report: "ObservationReport",
    *,
    training: "FieldTraining",
    spec: TaskBookSpec,
    ratings: Iterable["ObservationRating"],
    lookups: Lookups,
    base_url: str,
) -> StatementSpec:
    """The FTO's Daily Observation Report on one shift: the trainee `scored` (the mean of the
    rated categories on the task book's scale), the FTO as instructor. Narratives stay in
    Relay; the statement carries the ratings."""
    rows = sorted(ratings, key=lambda rating: rating.position)
    rated = [row.rating for row in rows if row.rating is not None]
    result: dict[str, Any] = {
        "extensions": {
            xs.extension_iri(base_url, "ratings"): [
                {
                    "category": row.category_name,
                    "rating": row.rating,
                    "not-observed": row.not_observed,
                    "not-responding": row.not_responding,
                    "remedial-minutes": row.remedial_minutes,
                }
                for row in rows
            ]
        }
    }
    if rated:
        result["score"] = xs.make_score(
            raw=sum(rated) / len(rated), minimum=spec.scale.minimum, maximum=spec.scale.maximum
        )
    return StatementSpec(
        source=source_of(OBSERVATION_REPORT, report.pk),
        actor_id=report.trainee_id,
        verb=xs.SCORED,
        object=_phase(base_url, training, spec, report.phase_index),
        timestamp=report.created_at,
        result=result,
        context=_field_context(
            base_url,
            training,
            instructor_id=report.fto_id,
            parent=[_task_book(base_url, training)],
            grouping=_field_grouping(base_url, training, lookups),
            supersedes=(
                source_of(OBSERVATION_REPORT, report.supersedes_id)
                if report.supersedes_id
                else None
            ),
            extensions={
                "report-number": report.number,
                "shift-date": report.shift_date.isoformat(),
                "acceptable-rating": spec.scale.acceptable,
            },
        ),
    )


def task_observation(
    observation: "TaskObservation",
    *,
    training: "FieldTraining",
    spec: TaskBookSpec,
    lookups: Lookups,
    base_url: str,
) -> StatementSpec:
    """A signed task performance: the trainee `demonstrated` the task, satisfactorily or not."""
    iri = xs.activity_iri(base_url, "task-book", training.task_book_id, "task", observation.task_id)
    name = " ".join(part for part in (observation.task_number, observation.task_title) if part)
    return StatementSpec(
        source=source_of(TASK_OBSERVATION, observation.pk),
        actor_id=observation.trainee_id,
        verb=xs.DEMONSTRATED,
        object=xs.activity(iri=iri, name=name, type_iri=xs.ActivityType.PERFORMANCE),
        timestamp=observation.created_at,
        result={"success": bool(observation.satisfactory)},
        context=_field_context(
            base_url,
            training,
            instructor_id=observation.fto_id,
            parent=[_phase(base_url, training, spec, observation.phase_index)],
            grouping=[
                _task_book(base_url, training),
                *_field_grouping(base_url, training, lookups),
            ],
            supersedes=(
                source_of(TASK_OBSERVATION, observation.supersedes_id)
                if observation.supersedes_id
                else None
            ),
            extensions={
                "observed-on": observation.observed_on.isoformat(),
                "observation-context": observation.context,
            },
        ),
    )


def phase_approval(
    signoff: "Signoff",
    *,
    training: "FieldTraining",
    spec: TaskBookSpec,
    lookups: Lookups,
    base_url: str,
) -> StatementSpec:
    """The supervisor approved the end of a phase: the trainee `satisfied` it."""
    return StatementSpec(
        source=source_of(PHASE_APPROVAL, signoff.pk),
        actor_id=signoff.trainee_id,
        verb=xs.SATISFIED,
        object=_phase(base_url, training, spec, signoff.phase_index or 0),
        timestamp=signoff.signed_at,
        result={"success": True, "completion": True},
        context=_field_context(
            base_url,
            training,
            instructor_id=signoff.signer_id,
            parent=[_task_book(base_url, training)],
            grouping=_field_grouping(base_url, training, lookups),
            extensions={"field-hours": _hours(signoff.payload)},
        ),
    )


def field_release(
    signoff: "Signoff", *, training: "FieldTraining", lookups: Lookups, base_url: str
) -> StatementSpec:
    """The final release to solo duty: the trainee `satisfied` the task book."""
    payload = signoff.payload or {}
    return StatementSpec(
        source=source_of(FIELD_RELEASE, signoff.pk),
        actor_id=signoff.trainee_id,
        verb=xs.SATISFIED,
        object=_task_book(base_url, training),
        timestamp=signoff.signed_at,
        result={"success": True, "completion": True},
        context=_field_context(
            base_url,
            training,
            instructor_id=signoff.signer_id,
            parent=_field_grouping(base_url, training, lookups)[:1],
            grouping=_field_grouping(base_url, training, lookups)[1:],
            extensions={
                "field-hours": _hours(payload),
                "reports": payload.get("reports"),
                "task-observations": payload.get("task_observations"),
            },
        ),
    )


def _hours(payload: Mapping | None) -> float | None:
    value = (payload or {}).get("field_hours")
    return float(value) if value not in (None, "") else None
