"""Time from hire to field release: the days of a release signed through the services, the
median and 90th percentile of many, the first release only, the range's edges, and who is
still in training after N days on the last day."""

import datetime
import uuid

import pytest
from django.utils import timezone

from courses.models import FieldTraining, FieldTrainingStatus
from courses.services import field as field_services
from lms.accounts.models import StaffStatus
from lms.accounts.services import staff_separate
from lms.reports.selectors.common import ReportFilters, job_role_names, report_scope
from lms.reports.selectors.release import field_release
from lms.reports.tables import release_page
from tests.factories import JobRoleFactory, StaffProfileFactory
from tests.factories.field import task_book_page

from .conftest import END, TZ, at, sign_task

FILTERS = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=END)
DAY = datetime.timedelta(days=1)


def report_for(user, filters=FILTERS, beyond_days=180):
    return field_release(
        scope=report_scope(user=user),
        filters=filters,
        job_roles=job_role_names(),
        beyond_days=beyond_days,
    )


def release_through_services(city, training, *, when: datetime.datetime) -> None:
    """The second observation of the one task, the FTO's recommendation, the supervisor's
    approval and release (the first observations are the world's)."""
    field_services.phase_recommend(
        fto=city.fto.user, training=training, request_key=uuid.uuid4(), now=when - DAY
    )
    field_services.phase_approve(
        supervisor=city.supervisor.user,
        training=training,
        request_key=uuid.uuid4(),
        now=when - datetime.timedelta(hours=2),
    )
    field_services.training_release(
        supervisor=city.supervisor.user,
        training=training,
        reauthenticated_at=when,
        request_key=uuid.uuid4(),
        now=when,
    )


@pytest.fixture
def released(city):
    """`released(profile, at=...)`: a field training released at `at` (or, with
    `status=ACTIVE`, still under way). The sign-off path to a release is the field training's
    own tests (and `release_through_services` here, once); for the statistics only the moments
    matter, so these records are written directly."""
    books = {}

    def make(profile, *, at, task_book=None, status=FieldTrainingStatus.RELEASED):
        if task_book is None:
            if "main" not in books:
                books["main"] = task_book_page(title="Main book")
            task_book = books["main"]
        return _released(profile, at=at, task_book=task_book, status=status, fto=city.fto.user)

    return make


def _released(profile, *, at, task_book, status, fto):
    return FieldTraining.objects.create(
        trainee=profile.user,
        organisation=profile.organisation,
        task_book=task_book,
        module_id=task_book.get_parent().pk,
        revision_id=task_book.live_revision_id,
        title=task_book.title,
        spec={},
        primary_fto=fto,
        assigned_by=fto,
        started_on=profile.hire_date,
        phase_started_on=profile.hire_date,
        status=status,
        released_at=at if status == FieldTrainingStatus.RELEASED else None,
        created_at=timezone.now(),
    )


def test_a_release_signed_through_the_services(city, world):
    training = world.training
    sign_task(training, datetime.date(2026, 4, 10))  # the second of the two observations needed
    training.refresh_from_db()
    release_through_services(city, training, when=at(2026, 5, 20, 11))
    report = report_for(city.user("hr"))
    line = next(line for line in report.lines if line.job_role_id == city.learner.job_role_id)
    expected = (datetime.date(2026, 5, 20) - city.learner.hire_date).days
    assert line.days == (expected,)
    assert (line.released, line.median, line.p90, line.still_in_training) == (
        1,
        expected,
        expected,
        0,
    )


def test_median_and_90th_percentile(city, released):
    role = JobRoleFactory(name="Report taker")
    release_day = datetime.date(2026, 4, 15)
    for days in (10, 20, 30, 40, 50, 60, 70, 80, 90, 100):
        profile = StaffProfileFactory(
            organisation=city.department, job_role=role, hire_date=release_day - days * DAY
        )
        released(profile, at=at(2026, 4, 15, 10))
    report = report_for(city.user("hr"))
    line = next(line for line in report.lines if line.job_role_id == role.pk)
    assert (line.released, line.median, line.p90) == (10, 55.0, 90)
    page = release_page(report=report)
    row = next(row for row in page.sections[0].table.rows if row[1] == "Report taker")
    assert row[2:5] == [10, 55.0, 90]


def test_only_a_first_release_in_the_range_counts(city, released):
    role = JobRoleFactory(name="Report taker")
    twice = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=datetime.date(2025, 6, 1)
    )
    released(twice, at=at(2025, 12, 1))
    released(twice, at=at(2026, 3, 1), task_book=task_book_page(title="Second book"))
    once = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=datetime.date(2026, 1, 1)
    )
    released(once, at=at(2026, 6, 30, 23, 30))  # 1 July in UTC
    late = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=datetime.date(2026, 1, 1)
    )
    released(late, at=at(2026, 7, 1, 0, 30))
    line = next(line for line in report_for(city.user("hr")).lines if line.job_role_id == role.pk)
    assert line.days == (180,)


def test_still_in_training_after_n_days_on_the_last_day(city, world, released):
    role = JobRoleFactory(name="Transit ambassador")
    long_ago = StaffProfileFactory(
        organisation=city.department,
        job_role=role,
        hire_date=END - 200 * DAY,
        status=StaffStatus.TRAINEE,
    )
    released(long_ago, at=None, status=FieldTrainingStatus.ACTIVE)
    recent = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=END - 100 * DAY
    )
    released(recent, at=None, status=FieldTrainingStatus.ACTIVE)
    released_later = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=END - 300 * DAY
    )
    released(released_later, at=at(2026, 8, 1))  # in training on 30 June
    gone = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=END - 300 * DAY
    )
    released(gone, at=None, status=FieldTrainingStatus.ACTIVE)
    staff_separate(actor=city.user("admin"), profile=gone, on=END - 10 * DAY)

    def waiting(beyond_days):
        lines = report_for(city.user("hr"), beyond_days=beyond_days).lines
        return {line.job_role_id: line.still_in_training for line in lines}

    assert waiting(180)[role.pk] == 2
    assert waiting(250)[role.pk] == 1
    assert role.pk not in waiting(400)
    # The world's learner (hired March 2025, in training since March 2026) is waiting too.
    assert waiting(180)[city.learner.job_role_id] == 1


def test_other_organisations_are_not_counted(city, world, released):
    private = StaffProfileFactory(
        organisation=city.private_cbo, hire_date=datetime.date(2026, 1, 1)
    )
    released(private, at=at(2026, 3, 1))
    hr_orgs = {line.organisation_id for line in report_for(city.user("hr")).lines}
    assert city.private_cbo.pk not in hr_orgs
    admin_orgs = {line.organisation_id for line in report_for(city.user("admin")).lines}
    assert city.private_cbo.pk in admin_orgs
    cbo_orgs = {line.organisation_id for line in report_for(city.user("cbo_supervisor")).lines}
    assert cbo_orgs <= {city.sharing_cbo.pk}


def test_the_release_day_is_the_organisations(city, released):
    """Released at 23:30 in Denver (05:30 the next day in UTC): the local day counts."""
    role = JobRoleFactory(name="Night shift")
    profile = StaffProfileFactory(
        organisation=city.department, job_role=role, hire_date=datetime.date(2026, 3, 1)
    )
    released(profile, at=datetime.datetime(2026, 3, 31, 23, 30, tzinfo=TZ))
    line = next(line for line in report_for(city.user("hr")).lines if line.job_role_id == role.pk)
    assert line.days == (30,)
