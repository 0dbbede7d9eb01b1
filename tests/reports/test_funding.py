"""Headcount and hours per funding source: the position's source in SQL, the headcount day,
and a non-sharing organisation reported to HR by headcount alone."""

import datetime
from decimal import Decimal

from lms.accounts.models import FundingSource, StaffProfile
from lms.reports.selectors.common import ReportFilters, position_funding, report_scope
from lms.reports.selectors.funding import funding_report
from lms.reports.tables import NOT_SHARED, funding_page

from .conftest import END

FILTERS = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=END)
D = Decimal


def report_for(user, filters=FILTERS):
    return funding_report(scope=report_scope(user=user), filters=filters)


def test_position_funding_in_sql_is_the_property(city, world):
    rows = dict(
        StaffProfile.objects.annotate(funding=position_funding()).values_list("pk", "funding")
    )
    for profile in StaffProfile.objects.select_related("organisation"):
        assert rows[profile.pk] == profile.position_funding_source
    assert rows[city.learner.pk] == FundingSource.FEDERAL_GRANT
    assert rows[city.cbo_learner.pk] == FundingSource.STATE_GRANT


def test_hr_gets_headcount_everywhere_and_hours_where_shared(city, world):
    report = report_for(city.user("hr"))
    lines = {line.funding_source: line for line in report.by_source}
    assert {value: line.headcount for value, line in lines.items()} == {
        "general_fund": 6,  # the department's six, less the learner, plus the one who left later
        "state_grant": 2,
        "federal_grant": 1,
        "private": 1,  # the non-sharing CBO's learner: counted, never their hours
    }
    assert {value: line.hours.total for value, line in lines.items()} == {
        "general_fund": D("0.0"),
        "state_grant": D("1.5"),
        "federal_grant": D("21.0"),
        "private": D("0.0"),
    }
    assert report.headcount == 10
    assert report.headcount_only == ["Harbor Outreach Collective"]
    private = next(
        line for line in report.by_organisation if line.organisation_id == city.private_cbo.pk
    )
    assert (private.headcount, private.records) == (1, False)


def test_an_administrator_sees_the_private_hours(city, world):
    lines = {line.funding_source: line for line in report_for(city.user("admin")).by_source}
    assert lines["private"].hours.total == D("1.5")


def test_per_organisation_and_funding_source(city, world):
    report = report_for(city.user("hr"))
    rows = {
        (line.organisation, line.funding_source): (line.headcount, line.hours.total)
        for line in report.by_organisation
    }
    assert rows == {
        ("Eastside Peace Partners", "state_grant"): (2, D("1.5")),
        ("Harbor Outreach Collective", "private"): (1, D("0.0")),
        ("Office of Community Safety", "federal_grant"): (1, D("21.0")),
        ("Office of Community Safety", "general_fund"): (6, D("0.0")),
    }


def test_headcount_follows_the_end_date(city, world):
    """Before the July hire and the July separation the numbers differ; after, too."""
    august = ReportFilters(datetime.date(2026, 8, 1), datetime.date(2026, 8, 31))
    lines = {
        line.funding_source: line.headcount
        for line in report_for(city.user("hr"), august).by_source
    }
    # The July hire is in; the July leaver is out.
    assert lines["general_fund"] == 6


def test_a_supervisor_sees_only_their_organisation(city, world):
    report = report_for(city.user("cbo_supervisor"))
    assert {line.organisation_id for line in report.by_organisation} == {city.sharing_cbo.pk}
    assert report.headcount == 2
    assert report.headcount_only == []


def test_a_funding_source_filter_keeps_that_source_only(city, world):
    filters = ReportFilters(FILTERS.date_from, END, funding_source=FundingSource.PRIVATE)
    report = report_for(city.user("hr"), filters)
    assert [(line.funding_source, line.headcount) for line in report.by_source] == [("private", 1)]


def test_the_page_says_not_shared_rather_than_zero(city, world):
    page = funding_page(report=report_for(city.user("hr")))
    by_org = page.sections[2].table
    private = next(row for row in by_org.rows if row[0] == "Harbor Outreach Collective")
    assert private[1:3] == ["Private funding", 1]
    assert private[-1] == NOT_SHARED
    assert private[3:-1] == [None, None, None, None]
    exported = next(row for row in page.export.rows if row[0] == "Harbor Outreach Collective")
    assert exported[-1] is False
    assert exported[3:-1] == [None] * 5
