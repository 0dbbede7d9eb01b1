"""The report pages through the client: who may open them, what they show, bad filters (a
clear 400, never a 500), the CSV and XLSX downloads (audited, formulas neutralised) and the
query budget of every page."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from courses.models import ModuleProgress
from lms.accounts.models import StaffStatus
from lms.accounts.roles import Role
from lms.accounts.services import staff_change_job_role
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import JobRoleFactory, StaffProfileFactory, UserFactory
from tests.factories.certificates import CredentialTypeFactory, record_external, require, verify
from tests.factories.field import start, task_book_page

from .conftest import RANGE, at, complete_scenario, complete_skills, log_shift, sign_task, write_dor

REPORTS = {
    "training-hours": "/reports/training-hours/",
    "funding": "/reports/funding/",
    "fto-workload": "/reports/fto-workload/",
    "field-release": "/reports/field-release/",
    "credential-compliance": "/reports/credential-compliance/",
}
URLS = list(REPORTS.values())


def exported(action_target: str) -> AuditEvent:
    return AuditEvent.objects.get(action=AuditAction.EXPORTED, target=action_target)


# --- Pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["supervisor", "hr", "admin", "cbo_supervisor"])
def test_the_index_lists_every_report(client_for, role):
    response = client_for(role).get("/reports/")
    assert response.status_code == 200
    for url in URLS:
        assert f'href="{url}"'.encode() in response.content


@pytest.mark.parametrize("role", ["learner", "fto", "author"])
def test_people_without_the_permission_are_refused_and_logged(city, client_for, role):
    client = client_for(role)
    for url in ["/reports/", *URLS]:
        assert client.get(url).status_code == 403
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.ACCESS_DENIED, target="reports", actor_id=city.user(role).pk
        ).count()
        == len(URLS) + 1
    )


def test_the_training_hours_page_shows_the_figures_and_the_defaults(client_for, world):
    client = client_for("hr")
    response = client.get(REPORTS["training-hours"], RANGE)
    body = response.content.decode()
    assert response.status_code == 200
    assert "22.5" in body
    assert "18.5" in body
    assert "<svg" in body
    assert "Harbor Outreach Collective." in body
    assert 'class="report-table"' in body
    assert 'role="region"' in body
    # Unfiltered: the last 12 months, written into the download links.
    response = client.get(REPORTS["training-hours"])
    assert response.status_code == 200
    assert b"date_from=" in response.content
    assert b"format=csv" in response.content


def test_the_funding_page_offers_hr_the_headcount_only_organisation(city, client_for, world):
    client = client_for("hr")
    response = client.get(REPORTS["funding"], {**RANGE, "organisation": city.private_cbo.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Not shared" in body
    assert "Private funding" in body
    # Its hours are nowhere else either.
    hours = client.get(REPORTS["training-hours"], {**RANGE, "organisation": city.private_cbo.pk})
    assert hours.status_code == 400
    assert b"no such organisation among those you can report on" in hours.content


@pytest.mark.parametrize("url", URLS)
def test_a_supervisor_cannot_ask_for_another_organisation(city, client_for, world, url):
    client = client_for("cbo_supervisor")
    for other in (city.department, city.private_cbo):
        response = client.get(url, {**RANGE, "organisation": other.pk})
        assert response.status_code == 400
    page = client.get(url, RANGE).content.decode()
    assert "Office of Community Safety" not in page
    assert "Harbor Outreach Collective" not in page


def test_each_report_page_renders_for_each_reader(client_for, world):
    for role in ("supervisor", "hr", "admin", "cbo_supervisor"):
        client = client_for(role)
        for url in URLS:
            response = client.get(url, RANGE)
            assert response.status_code == 200, (role, url)
            assert b"Download CSV" in response.content


def test_the_fto_and_release_pages(client_for, world):
    client = client_for("supervisor")
    body = client.get(REPORTS["fto-workload"], RANGE).content.decode()
    assert "Trainees now" in body
    assert "DORs written" in body
    body = client.get(REPORTS["field-release"], {**RANGE, "beyond_days": "30"}).content.decode()
    assert "Still in training after 30 days" in body


# --- Bad filters --------------------------------------------------------------------------------


BAD = [
    ({"date_from": "yesterday"}, "Give the date as YYYY-MM-DD"),
    ({"date_to": "2026-02-30"}, "Give the date as YYYY-MM-DD"),
    ({"date_from": "2026-07-01", "date_to": "2026-06-30"}, "must not come after the last"),
    ({"date_from": "2019-01-01", "date_to": "2026-06-30"}, "at most 5 years"),
    ({"date_from": "1066-10-14"}, "Give a date between 1900 and 2199"),
    ({"organisation": "abc"}, "no such organisation"),
    ({"organisation": "999999"}, "no such organisation"),
    ({"funding_source": "lottery"}, "no such funding source"),
    ({"job_role": "0"}, "no such job role"),
    ({"job_role": "1 OR 1=1"}, "no such job role"),
]


@pytest.mark.parametrize(("query", "message"), BAD)
def test_bad_filters_are_a_form_error(client_for, query, message):
    client = client_for("hr")
    for url in URLS:
        for wanted in ("", "csv"):
            response = client.get(url, {**query, **({"format": wanted} if wanted else {})})
            assert response.status_code == 400, (url, query)
            assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.parametrize("days", ["0", "-5", "ten", "99999"])
def test_bad_days_for_the_release_report(client_for, days):
    response = client_for("hr").get(REPORTS["field-release"], {"beyond_days": days})
    assert response.status_code == 400
    assert b"Give a whole number of days from 1 to 3650" in response.content


def test_an_unknown_download_format_is_refused(client_for):
    response = client_for("hr").get(REPORTS["funding"], {"format": "pdf"})
    assert response.status_code == 400
    assert b"Downloads come as CSV or XLSX" in response.content
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


# --- Downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", list(REPORTS))
def test_every_report_downloads_as_csv_and_xlsx_and_is_audited(city, client_for, world, slug):
    client = client_for("hr")
    csv_response = client.get(REPORTS[slug], {**RANGE, "format": "csv"})
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")
    assert (
        csv_response["Content-Disposition"]
        == f'attachment; filename="{slug}-2026-01-01-to-2026-06-30.csv"'
    )
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    event = exported(f"report_{slug}_csv")
    assert event.actor_id == city.user("hr").pk
    assert event.data["rows"] == len(rows) - 1
    assert event.data["filters"]["date_from"] == "2026-01-01"
    xlsx = client.get(REPORTS[slug], {**RANGE, "format": "xlsx"})
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(value) for value in cells[0]] == rows[0]
    assert len(cells) == len(rows)
    assert exported(f"report_{slug}_xlsx").data["rows"] == len(rows) - 1


def test_the_training_hours_download_has_the_detail(client_for, world):
    client = client_for("hr")
    response = client.get(REPORTS["training-hours"], {**RANGE, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "Month",
        "Organisation",
        "Job role",
        "Funding source",
        "Training type",
        "Module hours",
        "Field shift hours",
        "Hours",
    ]
    field = [row for row in rows[1:] if row[4] == "Field"]
    assert [(row[0], row[1], row[3], row[7]) for row in field] == [
        ("2026-04", "Office of Community Safety", "Federal grant", "12.5"),
        ("2026-05", "Office of Community Safety", "Federal grant", "6.0"),
    ]
    xlsx = client.get(REPORTS["training-hours"], {**RANGE, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    april = next(row for row in values if row[0] == "2026-04" and row[4] == "Field")
    assert april[7] == 12.5  # a number, not text


def test_a_download_neutralises_formulas(city, client_for, world):
    sneaky = JobRoleFactory(name='=HYPERLINK("http://evil.test","x")')
    staff_change_job_role(
        actor=city.user("admin"),
        profile=city.learner,
        job_role=sneaky,
        on=datetime.date(2026, 1, 1),
    )
    client = client_for("hr")
    response = client.get(REPORTS["training-hours"], {**RANGE, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    roles = {row[2] for row in rows[1:]}
    assert "'" + sneaky.name in roles
    assert sneaky.name not in roles
    xlsx = client.get(REPORTS["training-hours"], {**RANGE, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    names = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "'" + sneaky.name in names
    page = client.get(REPORTS["training-hours"], RANGE).content.decode()
    assert "=HYPERLINK(&quot;http://evil.test&quot;" in page  # escaped on the page


# --- Query budgets ------------------------------------------------------------------------------


def grow(city, *, people: int) -> None:
    """More of everything each report reads: people with completions, credentials, field
    training, shifts, DORs and sign-offs, in both organisations HR sees."""
    admin = city.user("admin")
    hr = city.user("hr")
    cpr = CredentialTypeFactory(name="CPR", slug="cpr")
    role = JobRoleFactory(name="Responder")
    if not role.credential_requirements.exists():
        require(role, cpr)
    from tests.factories.courses import module_page, program_page

    program = program_page()
    skills = module_page(program, training_type="skills", sections=1, n_questions=0)
    scenario = module_page(program, training_type="scenario", sections=0, n_questions=0)
    for org, supervisor in (
        (city.department, city.supervisor),
        (city.sharing_cbo, city.cbo_supervisor),
    ):
        officer = UserFactory(roles=[Role.FTO])
        StaffProfileFactory(user=officer, organisation=org, status=StaffStatus.ACTIVE)
        book = task_book_page(phases=(("Only", 1),))
        for index in range(people):
            profile = StaffProfileFactory(
                organisation=org, job_role=role, supervisor=supervisor.user
            )
            complete_skills(
                admin=admin, profile=profile, module=skills, when=at(2026, 2, 1 + index)
            )
            complete_scenario(profile=profile, module=scenario, when=at(2026, 3, 1 + index))
            credential = record_external(
                holder=profile.user,
                credential_type=cpr,
                issued_on=datetime.date(2025, 5, 1),
                expires_on=datetime.date(2027, 5, 1),
            )
            verify(credential=credential, actor=hr)
            training = start(
                trainee=profile,
                supervisor=supervisor.user,
                fto=officer,
                task_book=book,
                started_on=datetime.date(2026, 3, 1),
            )
            ride = log_shift(training, at(2026, 4, 1 + index, 8), 6)
            write_dor(training, ride)
            sign_task(training, datetime.date(2026, 4, 1 + index))
    assert ModuleProgress.objects.count() >= 2 * people


BUDGET = 12
EXPORT_BUDGET = 17


def test_every_report_runs_a_constant_number_of_queries(
    city, client_for, world, django_assert_max_num_queries
):
    client = client_for("hr")

    def measure():
        with django_assert_max_num_queries(4):  # session, user, permissions, staff record
            assert client.get("/reports/").status_code == 200
        for url in URLS:
            # Session, user, permissions, the viewer's staff record and organisation (their
            # today), the reach and the job roles: seven; then the report's own queries, at
            # most five (the FTO workload: officers, trainees now, shifts, DORs, sign-offs).
            with django_assert_max_num_queries(BUDGET):
                assert client.get(url, RANGE).status_code == 200
            # The same, and the export's audit row: a savepoint, the chain's last hash, the
            # row (and on PostgreSQL the chain's advisory lock).
            for wanted in ("csv", "xlsx"):
                with django_assert_max_num_queries(EXPORT_BUDGET):
                    assert client.get(url, {**RANGE, "format": wanted}).status_code == 200

    measure()
    grow(city, people=2)
    measure()
    grow(city, people=6)
    measure()
