"""FTO workload: trainees now, shifts, DORs and task sign-offs in the range, per month; an
officer of another organisation is reported to their own organisation only."""

import datetime

import pytest

from lms.accounts.roles import Role
from lms.reports.selectors.common import ReportFilters, report_scope
from lms.reports.selectors.fto import fto_workload
from lms.reports.tables import fto_page
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.field import start

from .conftest import END, at, log_shift

FILTERS = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=END)


def lines_for(user, filters=FILTERS):
    return {
        line.user_id: line
        for line in fto_workload(scope=report_scope(user=user), filters=filters).lines
    }


@pytest.fixture
def cbo_fto(city, world):
    """An FTO of the sharing CBO with one trainee and one shift in May."""
    officer = UserFactory(roles=[Role.FTO])
    StaffProfileFactory(user=officer, organisation=city.sharing_cbo)
    training = start(
        trainee=city.cbo_learner,
        supervisor=city.cbo_supervisor.user,
        fto=officer,
        started_on=datetime.date(2026, 5, 1),
    )
    log_shift(training, at(2026, 5, 4, 8), 5)
    return officer


def test_the_departments_fto(city, world):
    line = lines_for(city.user("hr"))[city.fto.user_id]
    assert (line.trainees, line.shifts, line.reports, line.signoffs) == (1, 3, 2, 2)
    assert line.organisation == "Office of Community Safety"
    # 181 days is 5.95 months.
    assert (line.shifts_per_month, line.reports_per_month, line.signoffs_per_month) == (
        0.5,
        0.3,
        0.3,
    )


def test_the_range_limits_the_work_counted_but_not_the_trainees(city, world):
    may = ReportFilters(datetime.date(2026, 5, 1), datetime.date(2026, 5, 31))
    line = lines_for(city.user("hr"), may)[city.fto.user_id]
    assert (line.trainees, line.shifts, line.reports, line.signoffs) == (1, 1, 0, 0)
    assert line.shifts_per_month == 1.0


def test_officers_are_seen_by_their_own_organisation(city, world, cbo_fto):
    assert set(lines_for(city.user("supervisor"))) == {city.fto.user_id}
    assert set(lines_for(city.user("cbo_supervisor"))) == {cbo_fto.pk}
    assert set(lines_for(city.user("hr"))) == {city.fto.user_id, cbo_fto.pk}
    theirs = lines_for(city.user("cbo_supervisor"))[cbo_fto.pk]
    assert (theirs.trainees, theirs.shifts) == (1, 1)


def test_an_idle_officer_is_listed_with_nothing(city, world):
    idle = UserFactory(roles=[Role.FTO])
    StaffProfileFactory(user=idle, organisation=city.department)
    line = lines_for(city.user("supervisor"))[idle.pk]
    assert (line.trainees, line.shifts, line.reports, line.signoffs) == (0, 0, 0, 0)


def test_filters_apply_to_the_officer(city, world, cbo_fto):
    only_cbo = ReportFilters(FILTERS.date_from, END, organisation_id=city.sharing_cbo.pk)
    assert set(lines_for(city.user("hr"), only_cbo)) == {cbo_fto.pk}
    role = ReportFilters(FILTERS.date_from, END, job_role_id=city.fto.job_role_id)
    assert set(lines_for(city.user("hr"), role)) == {city.fto.user_id}


def test_the_busiest_come_first_and_the_chart_skips_the_idle(city, world, cbo_fto):
    UserFactory(roles=[Role.FTO])  # no staff record: never a row
    idle = UserFactory(roles=[Role.FTO])
    StaffProfileFactory(user=idle, organisation=city.department)
    report = fto_workload(scope=report_scope(user=city.user("hr")), filters=FILTERS)
    assert [line.user_id for line in report.lines] == [city.fto.user_id, cbo_fto.pk, idle.pk]
    page = fto_page(report=report, filters=FILTERS)
    section = page.sections[0]
    assert section.chart.count('font-weight="600"') == 2  # one name per charted officer
    assert section.table.footer[:6] == ["All officers", "", 2, 4, 2, 2]
    assert page.export.header[:3] == ["Field training officer", "Email", "Organisation"]


def test_a_trainee_with_two_officers_counts_once_in_the_totals(city, world):
    first, second = UserFactory(roles=[Role.FTO]), UserFactory(roles=[Role.FTO])
    for officer in (first, second):
        StaffProfileFactory(user=officer, organisation=city.sharing_cbo)
    start(
        trainee=city.cbo_learner,
        supervisor=city.cbo_supervisor.user,
        fto=first,
        secondary_fto=second,
        started_on=datetime.date(2026, 5, 1),
    )
    report = fto_workload(scope=report_scope(user=city.user("cbo_supervisor")), filters=FILTERS)
    assert [line.trainees for line in report.lines] == [1, 1]
    assert report.trainees == 1
    page = fto_page(report=report, filters=FILTERS)
    assert page.sections[0].table.footer[2] == 1
    assert ("Trainees in field training now", "1") in page.summary
