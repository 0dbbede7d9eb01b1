"""The demo field training: two published task books and eight trainees whose history was
written through the field services.

A small city (no generated staff: the field training does not depend on them) is seeded once
for the module, inside a transaction that is rolled back at the end; each test runs in a
savepoint within it.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import transaction

from courses.field.content import task_book_spec
from courses.field.engine import behind_on_hours, low_rating_streaks, phase_tasks_complete
from courses.models import (
    FieldTraining,
    FieldTrainingStatus,
    ModulePage,
    ModuleProgress,
    ObservationRating,
    ObservationReport,
    PhaseExtension,
    ProgressStatus,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskBookPage,
    TaskObservation,
    TrainingType,
)
from courses.services.field import satisfactory_counts, spec_of
from courses.services.signoff import signoff_verify_chain
from lms.accounts.models import User
from lms.demo.catalog import load_catalog
from lms.demo.field import load_field_training, seed_field_training
from lms.demo.people import DEMO_ANCHOR, OCS
from lms.demo.seed import seed_city

pytestmark = pytest.mark.django_db

TODAY = DEMO_ANCHOR
PROGRAMS = {
    "community_responder": "community-responder-academy",
    "violence_intervention": "violence-intervention-outreach",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_city(0, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _trainings() -> list[FieldTraining]:
    return list(
        FieldTraining.objects.select_related(
            "trainee", "primary_fto", "secondary_fto", "organisation", "module"
        ).order_by("pk")
    )


def _ratings_by_report(training: FieldTraining) -> list[dict[str, int | None]]:
    reports = []
    for report in training.reports.filter(supersedes__isnull=True).order_by("number"):
        reports.append(dict(report.ratings.values_list("category_id", "rating")))
    return reports


def _hours_in_phase(training: FieldTraining) -> Decimal:
    rides = RideAlong.objects.filter(training=training, phase_index=training.phase_index)
    return sum((ride.hours for ride in rides), Decimal(0))


def test_two_task_books_under_the_field_modules_of_their_programs(seeded):
    content = load_field_training()
    books = {book.slug: book for book in TaskBookPage.objects.live()}
    assert len(books) == 2
    for spec in content["task_books"]:
        page = books[spec["key"].replace("_", "-") + "-task-book"]
        module = page.get_parent().specific
        assert isinstance(module, ModulePage)
        assert module.training_type == TrainingType.FIELD
        assert module.get_parent().slug == PROGRAMS[spec["key"]]
        assert page.live_revision_id is not None
        book = task_book_spec(page)
        assert book.task_count == len(spec["tasks"]) >= 30
        assert [phase.name for phase in book.phases] == [p["name"] for p in spec["phases"]]
        assert all(task.competency for phase in book.phases for task in phase.tasks)
        assert len(book.categories) == len(content["dor_categories"]) == 18
        assert (book.scale.minimum, book.scale.maximum) == (1, 7)
        categories = [row.value["competency_category"] for row in page.evaluation_categories]
        assert all(category is not None for category in categories)
        assert [role.name for role in page.job_roles.all()] == [
            next(r["title"] for r in load_catalog()["roles"] if r["id"] == spec["job_role"])
        ]


def test_trainees_of_the_demo_ftos_organisation_started_by_the_demo_supervisor(seeded):
    trainings = _trainings()
    fto = User.objects.get(email="fto@relay.test")
    supervisor = User.objects.get(email="supervisor@relay.test")
    assert len(trainings) >= 6
    assert {t.task_book.slug for t in trainings} == {
        "community-responder-task-book",
        "violence-intervention-task-book",
    }
    assert all(t.organisation.slug == OCS for t in trainings)
    assert all(t.assigned_by == supervisor for t in trainings)
    assert sum(t.primary_fto == fto for t in trainings) > len(trainings) / 2
    seconds = [t for t in trainings if t.secondary_fto is not None]
    assert seconds
    assert any(t.secondary_fto != fto for t in seconds)
    for training in trainings:
        days = (TODAY - training.started_on).days
        if training.status == FieldTrainingStatus.ACTIVE:
            assert 14 <= days <= 42, training.trainee.email
        assert RideAlong.objects.filter(training=training).exists()


def test_demo_learner_is_in_phase_two_with_an_unacknowledged_latest_report(seeded):
    training = FieldTraining.objects.get(trainee__email="learner@relay.test")
    assert training.status == FieldTrainingStatus.ACTIVE
    assert training.phase_index == 1
    assert training.primary_fto.email == "fto@relay.test"
    reports = list(training.reports.order_by("number"))
    assert len(reports) >= 5
    latest = reports[-1]
    assert (TODAY - latest.shift_date).days <= 4
    acknowledged = set(
        Signoff.objects.filter(
            kind=SignoffKind.REPORT_ACKNOWLEDGEMENT, training=training
        ).values_list("subject_id", flat=True)
    )
    assert latest.pk not in acknowledged
    assert {report.pk for report in reports[:-1]} <= acknowledged
    assert any(report.phase_index == 1 for report in reports)


def test_a_recent_shift_of_the_demo_fto_awaits_its_report(seeded):
    waiting = RideAlong.objects.filter(
        reports__isnull=True, training__primary_fto__email="fto@relay.test"
    )
    assert waiting.count() == 1
    ride = waiting.get()
    assert ride.fto.email == "fto@relay.test"
    assert 1 <= (TODAY - ride.shift_date).days <= 4
    others = RideAlong.objects.exclude(pk=ride.pk).filter(reports__isnull=True)
    assert not others.exists()


def test_one_trainee_has_two_low_ratings_running_in_one_category(seeded):
    flagged = {}
    for training in _trainings():
        streaks = low_rating_streaks(_ratings_by_report(training), scale=spec_of(training).scale)
        if streaks:
            flagged[training.trainee.email] = streaks
    assert list(flagged) == ["keanu.makoa@alderbay.test"]
    training = FieldTraining.objects.get(trainee__email="keanu.makoa@alderbay.test")
    (category_id,) = flagged["keanu.makoa@alderbay.test"]
    low = ObservationRating.objects.filter(
        report__training=training, category_id=category_id, rating__lte=2
    )
    assert low.count() >= 2
    assert all(rating.narrative for rating in low)


def test_one_trainee_is_behind_on_hours(seeded):
    behind = []
    for training in _trainings():
        if training.status != FieldTrainingStatus.ACTIVE:
            continue
        phase = spec_of(training).phases[training.phase_index]
        days = sum(
            training.extensions.filter(phase_index=training.phase_index).values_list(
                "days", flat=True
            )
        )
        if behind_on_hours(
            phase,
            logged=_hours_in_phase(training),
            started_on=training.phase_started_on,
            extension_days=days,
            on=TODAY,
        ):
            behind.append(training.trainee.email)
    assert behind == ["ingrid.solheim@alderbay.test"]


def test_one_phase_is_recommended_and_awaits_the_supervisor(seeded):
    waiting = []
    for training in _trainings():
        recommended = Signoff.objects.filter(
            training=training,
            kind=SignoffKind.PHASE_RECOMMENDATION,
            phase_index=training.phase_index,
        ).exists()
        approved = Signoff.objects.filter(
            training=training, kind=SignoffKind.PHASE_APPROVAL, phase_index=training.phase_index
        ).exists()
        if recommended and not approved:
            waiting.append(training)
    assert len(waiting) == 1
    training = waiting[0]
    assert training.status == FieldTrainingStatus.ACTIVE
    assert phase_tasks_complete(
        spec_of(training), training.phase_index, satisfactory_counts(training)
    )


def test_one_trainee_has_a_phase_extension(seeded):
    extension = PhaseExtension.objects.select_related("training").get()
    assert extension.phase_index == extension.training.phase_index
    assert extension.reason
    assert extension.granted_by.email == "supervisor@relay.test"
    assert Signoff.objects.filter(
        kind=SignoffKind.PHASE_EXTENSION, subject_id=extension.pk
    ).exists()


def test_one_trainee_is_released_and_their_field_module_completed(seeded):
    training = FieldTraining.objects.get(status=FieldTrainingStatus.RELEASED)
    phases = len(spec_of(training).phases)
    approvals = Signoff.objects.filter(training=training, kind=SignoffKind.PHASE_APPROVAL)
    assert sorted(approvals.values_list("phase_index", flat=True)) == list(range(phases))
    release = Signoff.objects.get(training=training, kind=SignoffKind.RELEASE)
    assert release.reauthenticated_at is not None
    assert release.reauthenticated_at <= release.signed_at
    progress = ModuleProgress.objects.get(user=training.trainee, module=training.module)
    assert progress.status == ProgressStatus.COMPLETED
    assert release.signed_at.date() < TODAY


def test_shifts_reports_and_observations_look_real(seeded):
    rides = list(RideAlong.objects.select_related("training__organisation"))
    assert len(rides) >= 100
    for ride in rides:
        zone = ride.training.organisation.zone
        assert ride.started_at.astimezone(zone).weekday() < 5
        assert Decimal(8) <= ride.hours <= Decimal(10)
        assert 1 <= ride.call_types.count() <= 4
        assert ride.unit.startswith(("CR-", "CVI-"))
        assert ride.shift_date < TODAY
    assert ObservationReport.objects.count() >= len(rides) - 1
    ratings = ObservationRating.objects.filter(rating__isnull=False)
    extremes = ratings.filter(rating__lte=2) | ratings.filter(rating__gte=6)
    assert extremes.exists()
    assert not extremes.filter(narrative="").exists()
    middle = ratings.filter(rating__gte=3, rating__lte=5).count()
    assert middle > 0.8 * ratings.count()
    observations = TaskObservation.objects.all()
    assert observations.filter(ride_along__isnull=True).count() == 0
    assert set(observations.values_list("context", flat=True)) == {"ride_along"}
    assert observations.filter(satisfactory=False).count() < 0.15 * observations.count()
    acknowledgements = Signoff.objects.filter(kind=SignoffKind.REPORT_ACKNOWLEDGEMENT)
    assert acknowledgements.count() > 0.8 * ObservationReport.objects.count()
    assert acknowledgements.exclude(comment="").exists()


def test_every_signature_verifies_and_is_in_time_order(seeded):
    assert list(signoff_verify_chain()) == []
    times = list(Signoff.objects.order_by("sequence").values_list("signed_at", flat=True))
    assert times == sorted(times)
    zone = FieldTraining.objects.first().organisation.zone
    assert times[-1] < datetime.datetime.combine(TODAY, datetime.time(), tzinfo=zone)


def test_seeding_again_changes_nothing(seeded):
    before = Signoff.objects.count()
    summary = seed_field_training(
        load_catalog(), job_roles={}, organisations={}, today=TODAY + datetime.timedelta(days=2)
    )
    assert not summary.created
    assert summary.task_books == 2
    assert Signoff.objects.count() == before
