"""Credential compliance rate: who holds every credential their role requires, valid on the
last day, counted in SQL; and the same answer as the compliance board's per-person rule."""

import datetime

import pytest

from certificates.models import RequirementLevel
from certificates.selectors.compliance import qualification_gaps
from lms.accounts.models import StaffProfile, StaffStatus
from lms.reports.selectors.common import ReportFilters, job_role_names, report_scope
from lms.reports.selectors.compliance import credential_compliance, missing_required_credential
from lms.reports.tables import compliance_page
from tests.factories import JobRoleFactory, StaffProfileFactory
from tests.factories.certificates import CredentialTypeFactory, record_external, require, verify

from .conftest import END

FILTERS = ReportFilters(date_from=datetime.date(2026, 1, 1), date_to=END)
LONG_AGO = datetime.date(2025, 1, 10)
VALID_UNTIL = datetime.date(2027, 1, 10)


def report_for(user, filters=FILTERS):
    return credential_compliance(
        scope=report_scope(user=user), filters=filters, job_roles=job_role_names()
    )


@pytest.fixture
def responders(city):
    """Five responders of the department (one compliant) and one of the sharing CBO
    (compliant); the role requires CPR and CIT and prefers MHFA."""
    cpr = CredentialTypeFactory(name="CPR", slug="cpr")
    cit = CredentialTypeFactory(name="CIT", slug="cit")
    mhfa = CredentialTypeFactory(name="MHFA", slug="mhfa")
    role = JobRoleFactory(name="Responder")
    require(role, cpr, cit)
    require(role, mhfa, level=RequirementLevel.PREFERRED)
    hr = city.user("hr")

    def person(org, name, *holds, status=StaffStatus.ACTIVE):
        profile = StaffProfileFactory(
            organisation=org, job_role=role, status=status, user__last_name=name
        )
        for kind, issued, expires, verified in holds:
            credential = record_external(
                holder=profile.user, credential_type=kind, issued_on=issued, expires_on=expires
            )
            if verified:
                verify(credential=credential, actor=hr)
        return profile

    valid = (LONG_AGO, VALID_UNTIL, True)
    people = {
        "all": person(city.department, "All", (cpr, *valid), (cit, *valid)),
        "cpr_only": person(city.department, "CprOnly", (cpr, *valid)),
        "lapsed": person(
            city.department,
            "Lapsed",
            (cpr, *valid),
            (cit, LONG_AGO, datetime.date(2026, 6, 15), True),
        ),
        "pending": person(city.department, "Pending", (cpr, *valid), (cit, *valid[:2], False)),
        "issued_later": person(
            city.department,
            "Later",
            (cpr, *valid),
            (cit, datetime.date(2026, 7, 5), VALID_UNTIL, True),
        ),
        "on_leave": person(
            city.department,
            "OnLeave",
            (cpr, *valid),
            (cit, *valid),
            status=StaffStatus.ON_LEAVE,
        ),
        "cbo": person(city.sharing_cbo, "Cbo", (cpr, *valid), (cit, *valid)),
    }
    return role, people


def test_the_rate_per_organisation_and_role(city, responders):
    role, _people = responders
    report = report_for(city.user("hr"))
    line = next(
        line
        for line in report.lines
        if line.job_role_id == role.pk and line.organisation_id == city.department.pk
    )
    assert (line.staff, line.requiring, line.compliant, line.rate) == (5, 5, 1, 20.0)
    cbo = next(
        line
        for line in report.lines
        if line.organisation_id == city.sharing_cbo.pk and line.job_role_id == role.pk
    )
    assert (cbo.requiring, cbo.compliant, cbo.rate) == (1, 1, 100.0)


def test_roles_without_requirements_count_as_staff_only(city, responders):
    report = report_for(city.user("hr"))
    department = next(
        line for line in report.by_organisation if line.organisation_id == city.department.pk
    )
    # The city's six department people hold roles that require nothing.
    assert (department.staff, department.requiring, department.compliant) == (11, 5, 1)
    assert department.rate == 20.0
    total = report.total
    assert (total.staff, total.requiring, total.compliant) == (14, 6, 2)
    assert total.rate == 33.3


def test_the_sql_agrees_with_the_compliance_boards_rule(city, responders):
    """Everyone whose role requires credentials: compliant in SQL exactly when the compliance
    board's `qualification_gaps` finds nothing missing on the day."""
    _role, people = responders
    for day in (datetime.date(2026, 6, 1), END, datetime.date(2026, 7, 10)):
        compliant = set(
            StaffProfile.objects.exclude(missing_required_credential(day)).values_list(
                "pk", flat=True
            )
        )
        for profile in people.values():
            assert (profile.pk in compliant) == (not qualification_gaps(profile, day)), (
                profile.user.last_name,
                day,
            )


def test_the_day_is_the_last_of_the_range(city, responders):
    role, _people = responders
    july = ReportFilters(datetime.date(2026, 7, 1), datetime.date(2026, 7, 10))
    line = next(
        line
        for line in report_for(city.user("hr"), july).lines
        if line.job_role_id == role.pk and line.organisation_id == city.department.pk
    )
    assert line.compliant == 2  # the credential issued on 5 July now counts


def test_a_supervisor_sees_their_organisation_only(city, responders):
    assert {line.organisation_id for line in report_for(city.user("supervisor")).lines} == {
        city.department.pk
    }
    assert {line.organisation_id for line in report_for(city.user("cbo_supervisor")).lines} == {
        city.sharing_cbo.pk
    }
    hr_orgs = {line.organisation_id for line in report_for(city.user("hr")).lines}
    assert city.private_cbo.pk not in hr_orgs


def test_the_page_tables(city, responders):
    report = report_for(city.user("hr"))
    page = compliance_page(report=report, filters=FILTERS)
    organisations = page.sections[0].table
    assert organisations.footer == ["All organisations", 14, 6, 2, 33.3]
    assert "20%" in page.sections[0].chart
    assert page.export.header == [
        "Organisation",
        "Job role",
        "Staff",
        "Role requires credentials",
        "Holding every required credential",
        "Compliance rate (%)",
    ]
