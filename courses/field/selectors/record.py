"""Read models of one trainee's field training: the whole record, and the trends by category.
Each runs a fixed number of queries whatever the data size."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from courses.field.engine import (
    PhaseSpec,
    TaskBookSpec,
    TaskProgress,
    phase_tasks_complete,
    task_progress,
)
from courses.models import (
    FieldTraining,
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)


@dataclass
class TaskRow:
    progress: TaskProgress
    observations: list[TaskObservation]


@dataclass
class PhaseRecord:
    index: int
    spec: PhaseSpec
    tasks: list[TaskRow]
    hours: Decimal
    extensions: list[PhaseExtension]
    recommendation: Signoff | None
    approval: Signoff | None
    complete: bool

    @property
    def number(self) -> int:
        return self.index + 1


@dataclass
class FieldRecord:
    training: FieldTraining
    spec: TaskBookSpec
    phases: list[PhaseRecord]
    reports: list[ObservationReport]
    shifts: list[RideAlong]
    acknowledged: set[int]
    release: Signoff | None
    signatures: dict[tuple[str, int], Signoff]
    total_hours: Decimal

    @property
    def current(self) -> PhaseRecord:
        return self.phases[self.training.phase_index]

    @property
    def ready_for_release(self) -> bool:
        return all(phase.approval for phase in self.phases) and self.release is None


def field_record(*, training: FieldTraining) -> FieldRecord:
    """Everything about one trainee's field training, in a fixed number of queries."""
    spec = TaskBookSpec.from_json(training.spec)
    observations = list(
        TaskObservation.objects.filter(training=training)
        .select_related("fto")
        .order_by("observed_on", "pk")
    )
    superseded = {o.supersedes_id for o in observations if o.supersedes_id}
    by_task: dict[str, list[TaskObservation]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for observation in observations:
        observation.is_superseded = observation.pk in superseded
        by_task[observation.task_id].append(observation)
        if observation.satisfactory and not observation.is_superseded:
            counts[observation.task_id] += 1
    signoffs = list(Signoff.objects.filter(training=training).order_by("sequence"))
    signatures = {(s.kind, s.subject_id): s for s in signoffs}
    shifts = list(
        RideAlong.objects.filter(training=training)
        .select_related("fto")
        .prefetch_related("call_types")
        .order_by("-started_at")
    )
    hours_by_phase: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for ride in shifts:
        hours_by_phase[ride.phase_index] += ride.hours
    extensions: dict[int, list[PhaseExtension]] = defaultdict(list)
    for extension in PhaseExtension.objects.filter(training=training).select_related("granted_by"):
        extensions[extension.phase_index].append(extension)
    progress = task_progress(spec, counts)
    phases = []
    for index, phase in enumerate(spec.phases):
        decisions = {
            s.kind: s
            for s in signoffs
            if s.phase_index == index
            and s.kind in (SignoffKind.PHASE_RECOMMENDATION, SignoffKind.PHASE_APPROVAL)
        }
        phases.append(
            PhaseRecord(
                index=index,
                spec=phase,
                # Grouped by competency, in the author's order within each group.
                tasks=sorted(
                    (TaskRow(p, by_task.get(p.task.id, [])) for p in progress[index]),
                    key=lambda row: row.progress.task.competency,
                ),
                hours=hours_by_phase[index],
                extensions=extensions[index],
                recommendation=decisions.get(SignoffKind.PHASE_RECOMMENDATION),
                approval=decisions.get(SignoffKind.PHASE_APPROVAL),
                complete=phase_tasks_complete(spec, index, counts),
            )
        )
    reports = list(
        ObservationReport.objects.filter(training=training)
        .select_related("fto", "ride_along")
        .order_by("-shift_date", "-number")
    )
    acknowledged = {s.subject_id for s in signoffs if s.kind == SignoffKind.REPORT_ACKNOWLEDGEMENT}
    return FieldRecord(
        training=training,
        spec=spec,
        phases=phases,
        reports=reports,
        shifts=shifts,
        acknowledged=acknowledged,
        release=next((s for s in signoffs if s.kind == SignoffKind.RELEASE), None),
        signatures=signatures,
        total_hours=sum(hours_by_phase.values(), Decimal("0.00")),
    )


@dataclass
class TrendRow:
    category_id: str
    name: str
    ratings: list[int | None]

    @property
    def rated(self) -> list[int]:
        return [r for r in self.ratings if r is not None]

    @property
    def average(self) -> Decimal | None:
        rated = self.rated
        if not rated:
            return None
        return (Decimal(sum(rated)) / len(rated)).quantize(Decimal("0.1"))

    @property
    def latest(self) -> int | None:
        rated = self.rated
        return rated[-1] if rated else None


@dataclass
class Trends:
    training: FieldTraining
    spec: TaskBookSpec
    reports: list[dict]
    rows: list[TrendRow]


def trends(*, training: FieldTraining) -> Trends:
    """Ratings by category over the trainee's reports (corrected reports replaced by their
    corrections), oldest first: two queries."""
    spec = TaskBookSpec.from_json(training.spec)
    reports = list(
        ObservationReport.objects.filter(training=training, superseded_by__isnull=True)
        .order_by("shift_date", "number")
        .values("id", "number", "shift_date", "phase_index")
    )
    position = {report["id"]: index for index, report in enumerate(reports)}
    rows = {
        category.id: TrendRow(category.id, category.name, [None] * len(reports))
        for category in spec.categories
    }
    for report_id, category_id, rating in ObservationRating.objects.filter(
        report_id__in=list(position)
    ).values_list("report_id", "category_id", "rating"):
        if category_id in rows:
            rows[category_id].ratings[position[report_id]] = rating
    return Trends(training=training, spec=spec, reports=reports, rows=list(rows.values()))
