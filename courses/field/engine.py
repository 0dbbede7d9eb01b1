"""Field training rules as plain functions over plain data (STYLE.md §2).

A task book revision becomes a `TaskBookSpec` (phases with their tasks, the evaluation
categories and the rating scale). The spec is snapshotted as JSON on the trainee's assignment,
so everything below works on what the trainee was assigned, never on today's page.
"""

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

MAX_SHIFT = datetime.timedelta(hours=24)


@dataclass(frozen=True)
class TaskSpec:
    id: str
    number: str
    title: str
    standard: str
    observations: int
    critical: bool = False
    competency_id: int | None = None
    competency: str = ""


@dataclass(frozen=True)
class PhaseSpec:
    id: str
    name: str
    weeks: int
    expected_hours: int
    description: str = ""
    tasks: tuple[TaskSpec, ...] = ()
    completes_module_id: int | None = None


@dataclass(frozen=True)
class CategorySpec:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class ScaleSpec:
    minimum: int = 1
    maximum: int = 7
    acceptable: int = 4
    narrative_at_or_below: int = 2
    narrative_at_or_above: int = 6

    def needs_narrative(self, rating: int) -> bool:
        return rating <= self.narrative_at_or_below or rating >= self.narrative_at_or_above

    @property
    def values(self) -> range:
        return range(self.minimum, self.maximum + 1)


@dataclass(frozen=True)
class TaskBookSpec:
    phases: tuple[PhaseSpec, ...]
    categories: tuple[CategorySpec, ...]
    scale: ScaleSpec = field(default_factory=ScaleSpec)

    def task(self, task_id: str) -> TaskSpec | None:
        for phase in self.phases:
            for task in phase.tasks:
                if task.id == task_id:
                    return task
        return None

    def phase_of_task(self, task_id: str) -> int | None:
        for index, phase in enumerate(self.phases):
            if any(task.id == task_id for task in phase.tasks):
                return index
        return None

    def category(self, category_id: str) -> CategorySpec | None:
        return next((c for c in self.categories if c.id == category_id), None)

    @property
    def task_count(self) -> int:
        return sum(len(phase.tasks) for phase in self.phases)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping) -> "TaskBookSpec":
        return cls(
            phases=tuple(
                PhaseSpec(
                    **{k: v for k, v in phase.items() if k != "tasks"},
                    tasks=tuple(TaskSpec(**task) for task in phase["tasks"]),
                )
                for phase in data["phases"]
            ),
            categories=tuple(CategorySpec(**category) for category in data["categories"]),
            scale=ScaleSpec(**data["scale"]),
        )


# --- Task progress and phases --------------------------------------------------------------


@dataclass(frozen=True)
class TaskProgress:
    task: TaskSpec
    satisfactory: int

    @property
    def complete(self) -> bool:
        return self.satisfactory >= self.task.observations

    @property
    def remaining(self) -> int:
        return max(0, self.task.observations - self.satisfactory)


def task_progress(
    spec: TaskBookSpec, satisfactory_counts: Mapping[str, int]
) -> list[list[TaskProgress]]:
    """Per phase, per task: satisfactory observed performances against the number needed."""
    return [
        [TaskProgress(task, satisfactory_counts.get(task.id, 0)) for task in phase.tasks]
        for phase in spec.phases
    ]


def phase_tasks_complete(spec: TaskBookSpec, phase_index: int, counts: Mapping[str, int]) -> bool:
    """A phase's tasks are complete when each has its number of satisfactory observations."""
    phase = spec.phases[phase_index]
    return all(counts.get(task.id, 0) >= task.observations for task in phase.tasks)


def outstanding_tasks(spec: TaskBookSpec, phase_index: int, counts: Mapping[str, int]) -> int:
    phase = spec.phases[phase_index]
    return sum(1 for task in phase.tasks if counts.get(task.id, 0) < task.observations)


def hours(started_at: datetime.datetime, ended_at: datetime.datetime) -> Decimal:
    """Shift length in hours, to two decimals."""
    seconds = Decimal((ended_at - started_at).total_seconds())
    return (seconds / Decimal(3600)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_hours_by_now(
    phase: PhaseSpec, *, started_on: datetime.date, extension_days: int, on: datetime.date
) -> Decimal:
    """The field hours a trainee on schedule would have in this phase by `on`: the phase's
    expected hours spread evenly over its weeks (plus any extension), capped at the total."""
    planned_days = max(1, phase.weeks * 7 + extension_days)
    elapsed = max(0, (on - started_on).days)
    share = min(Decimal(1), Decimal(elapsed) / Decimal(planned_days))
    return (Decimal(phase.expected_hours) * share).quantize(Decimal("0.01"))


# --- Validation of what an FTO records -------------------------------------------------------


@dataclass(frozen=True)
class RatingInput:
    category_id: str
    rating: int | None = None
    not_observed: bool = False
    not_responding: bool = False
    remedial_minutes: int = 0
    narrative: str = ""


def rating_errors(spec: TaskBookSpec, ratings: Sequence[RatingInput]) -> dict[str, str]:
    """Problems with a DOR's ratings, by category id (empty when they are all right).

    Every category gets a rating on the scale or "not observed" (not both); a rating at either
    extreme of the scale, "not responding to training" and remedial training each need a
    narrative; remedial minutes are whole and not negative."""
    errors: dict[str, str] = {}
    given = {rating.category_id: rating for rating in ratings}
    for category_id in given:
        if spec.category(category_id) is None:
            errors[category_id] = "This category is not on this task book's report."
    scale = spec.scale
    for category in spec.categories:
        rating = given.get(category.id)
        if rating is None or (rating.rating is None and not rating.not_observed):
            errors[category.id] = "Give a rating or mark it not observed."
            continue
        if rating.not_observed and rating.rating is not None:
            errors[category.id] = "A category is either rated or not observed, not both."
            continue
        if rating.rating is not None and not (scale.minimum <= rating.rating <= scale.maximum):
            errors[category.id] = (
                f"Ratings run from {scale.minimum} to {scale.maximum}; {rating.rating} is not one."
            )
            continue
        if rating.remedial_minutes < 0:
            errors[category.id] = "Remedial minutes cannot be negative."
            continue
        narrative = rating.narrative.strip()
        if rating.rating is not None and scale.needs_narrative(rating.rating) and not narrative:
            errors[category.id] = (
                f"A rating of {rating.rating} needs a narrative: say what you saw."
            )
        elif rating.not_responding and not narrative:
            errors[category.id] = "“Not responding to training” needs a narrative."
        elif rating.remedial_minutes and not narrative:
            errors[category.id] = "Say what remedial training you gave."
    return errors


def shift_errors(
    *,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    now: datetime.datetime,
    hire_date: datetime.date | None,
    local_date: datetime.date,
    others: Iterable[tuple[datetime.datetime, datetime.datetime]],
) -> list[str]:
    """Problems with a shift's times. `local_date` is the shift's start date in the
    organisation's time zone; `others` are the trainee's other shifts (start, end)."""
    errors = []
    if ended_at <= started_at:
        errors.append("The shift must end after it starts.")
    elif ended_at - started_at > MAX_SHIFT:
        errors.append("A shift cannot be longer than 24 hours.")
    if started_at > now or ended_at > now:
        errors.append("A shift cannot be in the future.")
    if hire_date is not None and local_date < hire_date:
        errors.append(f"The trainee was hired on {hire_date:%-d %B %Y}; this shift is before that.")
    for other_start, other_end in others:
        if started_at < other_end and other_start < ended_at:
            errors.append("This overlaps another shift already logged for this trainee.")
            break
    return errors


# --- Flags worth acting on ------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    kind: str
    message: str


def low_rating_streaks(
    reports: Sequence[Mapping[str, int | None]], *, scale: ScaleSpec, streak: int = 2
) -> list[str]:
    """Category ids rated at the low extreme (at or below the narrative threshold) in each of
    the last `streak` reports. `reports` are oldest first, each mapping category id → rating."""
    if len(reports) < streak:
        return []
    recent = reports[-streak:]
    low = []
    for category_id in recent[-1]:
        values = [report.get(category_id) for report in recent]
        if all(v is not None and v <= scale.narrative_at_or_below for v in values):
            low.append(category_id)
    return sorted(low)


def behind_on_hours(
    phase: PhaseSpec,
    *,
    logged: Decimal,
    started_on: datetime.date,
    extension_days: int,
    on: datetime.date,
    tolerance: Decimal = Decimal("0.8"),
) -> bool:
    """Behind when the hours logged in the phase are under 80% of those expected by now
    (and at least a week of the phase has passed, so a new phase is never flagged)."""
    if (on - started_on).days < 7:
        return False
    expected = expected_hours_by_now(
        phase, started_on=started_on, extension_days=extension_days, on=on
    )
    return logged < expected * tolerance
