"""Training hours: the figures of the hand-counted world, by month, organisation, job role and
type; the range's edges in the city's time zone; the filters; who sees whose hours."""

import datetime
from decimal import Decimal

import pytest

from courses.selectors import transcript
from lms.accounts.models import FundingSource
from lms.reports.selectors.common import ReportFilters, job_role_names, report_scope
from lms.reports.selectors.hours import grand_total, hours_cells, totals_by
from lms.reports.tables import training_hours_page

from .conftest import END, at, complete_scenario

FILTERS = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=END)
D = Decimal


def cells_for(user, filters=FILTERS):
    scope = report_scope(user=user)
    return hours_cells(filters, scope.record_ids(filters.organisation_id))


def by_type(totals) -> dict[str, Decimal]:
    return {kind: totals.hours(kind) for kind in ("skills", "protocol", "scenario", "field")}


def test_hr_sees_the_hours_of_departments_and_sharing_organisations_only(city, world):
    total = grand_total(cells_for(city.user("hr")))
    assert by_type(total) == {
        "skills": D("3.0"),
        "protocol": D("0.0"),
        "scenario": D("1.0"),
        "field": D("18.5"),
    }
    assert total.total == D("22.5")


def test_an_administrator_sees_every_organisation(city, world):
    total = grand_total(cells_for(city.user("admin")))
    assert total.hours("skills") == D("4.5")
    assert total.total == D("24.0")


def test_a_supervisor_sees_their_own_organisation_and_a_cbo_supervisor_theirs(city, world):
    mine = grand_total(cells_for(city.user("supervisor")))
    assert by_type(mine) == {
        "skills": D("1.5"),
        "protocol": D("0.0"),
        "scenario": D("1.0"),
        "field": D("18.5"),
    }
    theirs = cells_for(city.user("cbo_supervisor"))
    assert {cell.organisation_id for cell in theirs} == {city.sharing_cbo.pk}
    assert grand_total(theirs).total == D("1.5")


def test_hours_by_month_and_type(city, world):
    months = totals_by(cells_for(city.user("hr")), lambda cell: cell.month)
    assert {month: totals.total for month, totals in months.items()} == {
        datetime.date(2026, 2, 1): D("1.5"),
        datetime.date(2026, 3, 1): D("2.5"),
        datetime.date(2026, 4, 1): D("12.5"),
        datetime.date(2026, 5, 1): D("6.0"),
    }
    assert months[datetime.date(2026, 3, 1)].hours("scenario") == D("1.0")


def test_hours_by_organisation_and_job_role(city, world):
    cells = cells_for(city.user("hr"))
    by_org = totals_by(cells, lambda cell: cell.organisation_id)
    assert {org: totals.total for org, totals in by_org.items()} == {
        city.department.pk: D("21.0"),
        city.sharing_cbo.pk: D("1.5"),
    }
    by_role = totals_by(cells, lambda cell: cell.job_role_id)
    assert by_role[city.learner.job_role_id].total == D("21.0")
    assert by_role[city.cbo_learner.job_role_id].total == D("1.5")


def test_module_hours_are_the_transcripts_figures(city, world):
    """The report adds up what each transcript shows (module completions), plus shifts."""
    cells = [
        cell for cell in cells_for(city.user("hr")) if cell.organisation_id == city.department.pk
    ]
    module_hours = sum((D(cell.module_minutes) / 60 for cell in cells), D(0))
    assert module_hours == transcript(user=city.learner.user).total_hours == D("2.5")


def test_the_range_runs_midnight_to_midnight_in_the_city(city, world):
    """A completion at 00:30 on the first day counts (07:30 UTC); one at 23:30 the night before
    does not, though it is already 1 January in UTC; the same at the other end; and months
    are the city's, summer time included."""
    from tests.factories.courses import module_page, program_page

    program = program_page("Edges")
    first = module_page(program, training_type="scenario", sections=0, n_questions=0)
    before = module_page(program, training_type="scenario", sections=0, n_questions=0)
    last = module_page(program, training_type="scenario", sections=0, n_questions=0)
    after = module_page(program, training_type="scenario", sections=0, n_questions=0)
    learner = city.cbo_learner
    complete_scenario(profile=learner, module=first, when=at(2026, 1, 1, 0, 30))
    complete_scenario(profile=learner, module=before, when=at(2025, 12, 31, 23, 30))
    complete_scenario(profile=learner, module=last, when=at(2026, 6, 30, 23, 30))
    complete_scenario(profile=learner, module=after, when=at(2026, 7, 1, 0, 30))
    # Daylight saving time: 23:30 on 31 March in Denver is already April in UTC.
    march = module_page(program, training_type="scenario", sections=0, n_questions=0)
    complete_scenario(profile=learner, module=march, when=at(2026, 3, 31, 23, 30))
    cells = [
        cell
        for cell in cells_for(city.user("hr"))
        if cell.organisation_id == city.sharing_cbo.pk and cell.training_type == "scenario"
    ]
    assert {cell.month: cell.module_minutes for cell in cells} == {
        datetime.date(2026, 1, 1): 45,
        datetime.date(2026, 3, 1): 45,
        datetime.date(2026, 6, 1): 45,
    }


def test_filters_by_organisation_funding_source_and_job_role(city, world):
    hr = city.user("hr")
    only_cbo = ReportFilters(FILTERS.date_from, END, organisation_id=city.sharing_cbo.pk)
    assert grand_total(cells_for(hr, only_cbo)).total == D("1.5")
    federal = ReportFilters(FILTERS.date_from, END, funding_source=FundingSource.FEDERAL_GRANT)
    assert grand_total(cells_for(hr, federal)).total == D("21.0")
    general = ReportFilters(FILTERS.date_from, END, funding_source=FundingSource.GENERAL_FUND)
    assert cells_for(hr, general) == []
    role = ReportFilters(FILTERS.date_from, END, job_role_id=city.cbo_learner.job_role_id)
    assert grand_total(cells_for(hr, role)).total == D("1.5")
    april = ReportFilters(datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))
    assert by_type(grand_total(cells_for(hr, april)))["field"] == D("12.5")


def test_a_private_organisation_filter_gives_hr_nothing(city, world):
    """The view refuses the choice; the selector, given it anyway, sums nothing."""
    private = ReportFilters(FILTERS.date_from, END, organisation_id=city.private_cbo.pk)
    assert cells_for(city.user("hr"), private) == []


@pytest.mark.parametrize("role", ["learner", "fto", "author"])
def test_people_without_the_permission_have_no_reach(city, world, role):
    scope = report_scope(user=city.user(role))
    assert scope.organisations == ()
    assert hours_cells(FILTERS, scope.record_ids()) == []


def test_the_page_tables_hold_the_same_figures(city, world):
    hr = city.user("hr")
    scope = report_scope(user=hr)
    page = training_hours_page(
        cells=cells_for(hr), filters=FILTERS, scope=scope, job_roles=job_role_names()
    )
    months = page.sections[0].table
    assert [row[0] for row in months.rows] == [
        "Jan 2026",
        "Feb 2026",
        "Mar 2026",
        "Apr 2026",
        "May 2026",
        "Jun 2026",
    ]
    assert months.rows[3][1:] == [D("0.0"), D("0.0"), D("0.0"), D("12.5"), D("12.5")]
    assert months.footer == ["All months", D("3.0"), D("0.0"), D("1.0"), D("18.5"), D("22.5")]
    assert page.notes == [
        "Hours leave out the organisations that share only their headcount with the city: "
        "Harbor Outreach Collective."
    ]
    organisations = page.sections[1].table
    assert [row[0] for row in organisations.rows] == [
        "Eastside Peace Partners",
        "Office of Community Safety",
    ]
    field_rows = [row for row in page.export.rows if row[4] == "Field"]
    assert [(row[0], row[6], row[7]) for row in field_rows] == [
        ("2026-04", D("12.5"), D("12.5")),
        ("2026-05", D("6.0"), D("6.0")),
    ]
