"""Field training built the way people build it: a task book page published under a field module
(Wagtail's own API), a supervisor starting the trainee on it, and FTOs signing through the
services, so every invariant holds (the signer really is the trainee's FTO)."""

import datetime
import uuid
from collections.abc import Sequence

from django.utils import timezone

from courses.field.engine import RatingInput
from courses.models import (
    FieldTraining,
    ModulePage,
    ObservationReport,
    RideAlong,
    TaskBookPage,
    TaskObservation,
)
from courses.services import field as field_services
from lms.accounts.models import StaffProfile

from .courses import CompetencyFactory, _add, _id, module_page, program_page


def task(number: str, title: str, *, competency_id: int, observations: int = 1, critical=False):
    return {
        "type": "item",
        "value": {
            "number": number,
            "title": title,
            "competency": competency_id,
            "standard": f"Performs {title.lower()} to the program standard.",
            "observations": observations,
            "critical": critical,
        },
        "id": _id(),
    }


def phase(name: str, tasks: Sequence[dict], *, weeks: int = 2, expected_hours: int = 80):
    return {
        "type": "phase",
        "value": {
            "name": name,
            "weeks": weeks,
            "expected_hours": expected_hours,
            "description": f"{name}: what happens in it.",
            "tasks": list(tasks),
        },
        "id": _id(),
    }


def category(name: str) -> dict:
    return {
        "type": "category",
        "value": {
            "name": name,
            "description": f"Acceptable {name.lower()}.",
            "competency_category": None,
        },
        "id": _id(),
    }


DEFAULT_CATEGORIES = ("Scene safety", "Verbal de-escalation", "Report writing")


def task_book_page(
    *,
    module: ModulePage | None = None,
    roles: Sequence = (),
    phases: Sequence[tuple[str, int]] = (("Shadow", 2), ("Lead", 1)),
    categories: Sequence[str] = DEFAULT_CATEGORIES,
    live: bool = True,
    title: str = "Community responder task book",
) -> TaskBookPage:
    """A task book with one phase per (name, number of tasks); each task needs 2 observations."""
    if module is None:
        module = module_page(program_page(), training_type="field", sections=0, n_questions=0)
    competency = CompetencyFactory()
    counter = iter(range(1, 1000))
    page = TaskBookPage(
        title=title,
        phases=[
            phase(
                name,
                [
                    task(f"T-{n:02d}", f"Task {n}", competency_id=competency.pk, observations=2)
                    for n in [next(counter) for _ in range(count)]
                ],
            )
            for name, count in phases
        ],
        evaluation_categories=[category(name) for name in categories],
    )
    page.job_roles = list(roles)
    return _add(module, page, live=live)


def start(
    *,
    trainee: StaffProfile,
    supervisor,
    fto,
    task_book: TaskBookPage | None = None,
    secondary_fto=None,
    started_on: datetime.date | None = None,
) -> FieldTraining:
    return field_services.field_training_start(
        actor=supervisor,
        profile=trainee,
        task_book=task_book or task_book_page(),
        primary_fto=fto,
        secondary_fto=secondary_fto,
        started_on=started_on,
    )


def shift(
    training: FieldTraining,
    *,
    fto=None,
    days_ago: int | None = None,
    hours: int = 8,
    unit: str = "CR-12",
    start_hour: int = 8,
) -> RideAlong:
    tz = training.organisation.zone
    if days_ago is None:  # the day before the trainee's earliest shift so far
        days_ago = RideAlong.objects.filter(trainee=training.trainee).count() + 1
    day = timezone.now().astimezone(tz).date() - datetime.timedelta(days=days_ago)
    started_at = datetime.datetime.combine(day, datetime.time(start_hour), tzinfo=tz)
    return field_services.ride_along_log(
        fto=fto or training.primary_fto,
        training=training,
        started_at=started_at,
        ended_at=started_at + datetime.timedelta(hours=hours),
        unit=unit,
        request_key=uuid.uuid4(),
    )


def ratings_for(training: FieldTraining, value: int = 4, narrative: str = "") -> list[RatingInput]:
    spec = field_services.spec_of(training)
    return [
        RatingInput(category_id=c.id, rating=value, narrative=narrative) for c in spec.categories
    ]


def report(
    training: FieldTraining, *, ride: RideAlong | None = None, value: int = 4, narrative: str = ""
) -> ObservationReport:
    return field_services.report_submit(
        fto=training.primary_fto,
        training=training,
        ride_along=ride or shift(training),
        ratings=ratings_for(training, value, narrative),
        most_satisfactory="Calm approach to an agitated man at the bus shelter.",
        least_satisfactory="Radio traffic was late on the second call.",
        request_key=uuid.uuid4(),
    )


def observe(
    training: FieldTraining, task_id: str, *, satisfactory: bool = True, days_ago: int = 1
) -> TaskObservation:
    today = training.organisation.today()
    return field_services.task_observation_sign(
        fto=training.primary_fto,
        training=training,
        task_id=task_id,
        observed_on=today - datetime.timedelta(days=days_ago),
        context="ride_along",
        satisfactory=satisfactory,
        request_key=uuid.uuid4(),
    )


def complete_phase(training: FieldTraining) -> None:
    """Two satisfactory observations of every task in the trainee's current phase."""
    spec = field_services.spec_of(training)
    for task_spec in spec.phases[training.phase_index].tasks:
        for _ in range(task_spec.observations):
            observe(training, task_spec.id)
