"""The readiness dashboard and the drill-down through the client: ranking, the chart and its
table, the exports (CSV and XLSX, audited, formulas neutralised), bad filters, who may see what,
and the query budgets."""

import csv
import datetime
import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from certificates.models import (
    CareerInterest,
    CredentialKind,
    CredentialRequirement,
    RequirementKind,
)
from lms.audit.models import AuditAction, AuditEvent
from lms.spreadsheets import safe_cell
from tests.certificates.test_readiness_board import held, person
from tests.factories.certificates import CredentialTypeFactory, JobRoleFactory, require
from tests.factories.courses import program_page

DAY = datetime.timedelta(days=1)
URL = "/careers/readiness/"
CANDIDATES = "Candidates, ranked"


@pytest.fixture
def target(db):
    return JobRoleFactory(name="Crisis counsellor II")


@pytest.fixture
def cpr(db):
    return CredentialTypeFactory(name="CPR/BLS provider", slug="cpr")


@pytest.fixture
def cit(db):
    return CredentialTypeFactory(name="Crisis intervention", slug="cit")


@pytest.fixture
def board_people(city, target, cpr, cit, today):
    """Ready (Readywell), one away (Oneaway, lacking CIT), further (Farther, holding nothing);
    Readywell is interested."""
    require(target, cpr, cit)
    hr = city.user("hr")
    people = {
        "Readywell": person(city.department, last_name="Readywell"),
        "Oneaway": person(city.sharing_cbo, last_name="Oneaway"),
        "Farther": person(city.department, last_name="Farther"),
    }
    for name, kinds in (("Readywell", (cpr, cit)), ("Oneaway", (cpr,))):
        for kind in kinds:
            held(
                holder=people[name].user,
                credential_type=kind,
                issued_on=today - 10 * DAY,
                expires_on=today + 300 * DAY,
                hr=hr,
            )
    CareerInterest.objects.create(
        user=people["Readywell"].user, role=target, created_at=timezone.now()
    )
    return people


def page_of(response) -> str:
    return response.content.decode()


# --- The dashboard --------------------------------------------------------------------------------


def test_without_a_role_the_page_explains_and_offers_the_roles(city, target, client_for):
    response = client_for("hr").get(URL)
    assert response.status_code == 200
    page = page_of(response)
    assert "Choose a target role" in page
    assert f'href="?role={target.pk}"' in page
    assert CANDIDATES not in page
    assert "Download CSV" not in page


def test_hr_sees_candidates_ranked_with_chart_table_and_interest(
    city, target, board_people, client_for
):
    response = client_for("hr").get(URL, {"role": target.pk})
    assert response.status_code == 200
    page = page_of(response)
    assert page.index("Readywell") < page.index("Oneaway") < page.index("Farther")
    assert "One requirement away" in page
    assert "2 of 2 (100%)" in page
    assert "1 of 2 (50%)" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page  # the chart...
    assert "figures: candidates by organisation and readiness" in page  # ...and its table
    table = page.split("figures: candidates by organisation")[1].split("</table>")[0]
    assert city.department.name in table
    assert city.sharing_cbo.name in table
    assert city.private_cbo.name not in page
    assert ">Interested</th>" in page
    assert '<span class="tag">Interested</span>' in page
    young = board_people["Readywell"]
    assert f"/careers/readiness/{target.pk}/people/{young.pk}/?on=" in page


def test_the_chart_escapes_organisation_names_and_labels_its_bands(
    city, target, board_people, client_for
):
    city.department.name = "Parks & <Rec>"
    city.department.save()
    page = page_of(client_for("hr").get(URL, {"role": target.pk}))
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert "Parks &amp; &lt;Rec&gt;" in svg
    assert "<Rec>" not in svg
    for label in ("Ready", "One requirement away", "Further"):
        assert f">{label}</text>" in svg  # the legend names each band beside its pattern
    assert 'fill="url(#rr-hatch)"' in svg


def test_filters_narrow_the_list(city, target, board_people, client_for):
    client = client_for("hr")
    page = page_of(client.get(URL, {"role": target.pk, "organisation": city.sharing_cbo.pk}))
    assert "Oneaway" in page
    assert "Readywell" not in page
    page = page_of(client.get(URL, {"role": target.pk, "minimum": 100}))
    assert "Readywell" in page
    assert "Oneaway" not in page
    page = page_of(client.get(URL, {"role": target.pk, "interested": "on"}))
    assert "Readywell" in page
    assert "Farther" not in page
    role = board_people["Farther"].job_role
    page = page_of(client.get(URL, {"role": target.pk, "job_role": role.pk}))
    assert "Farther" in page
    assert "Readywell" not in page


def test_a_later_date_counts_credentials_expiring_before_it_as_missing(
    city, target, board_people, client_for, today
):
    later = today + 301 * DAY
    page = page_of(client_for("hr").get(URL, {"role": target.pk, "on": later.isoformat()}))
    assert f"on {later:%-d %b %Y}" in page
    assert "2 of 2 (100%)" not in page  # Readywell's credentials have expired by then


def test_the_list_is_cut_at_the_page_limit_with_a_note(city, target, client_for, monkeypatch):
    monkeypatch.setattr("certificates.views.readiness.PAGE_LIMIT", 3)
    page = page_of(client_for("hr").get(URL, {"role": target.pk}))
    shown = page.split(CANDIDATES)[1].count('<th scope="row">')
    assert shown == 3
    assert "Showing the first 3 of" in page
    assert "download the CSV or Excel file for everyone" in page


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"role": "999999"}, "There is no such role"),
        ({"role": "abc"}, "There is no such role"),
        ({"organisation": "999999"}, "There is no such organisation"),
        ({"organisation": "1.5"}, "There is no such organisation"),
        ({"job_role": "x"}, "There is no such current role"),
        ({"on": "31/12/2026"}, "Give the date as YYYY-MM-DD"),
        ({"on": "2026-02-30"}, "Give the date as YYYY-MM-DD"),
        ({"on": "0001-01-01"}, "Give a date between"),
        ({"on": "9999-12-31"}, "Give a date between"),
        ({"minimum": "101"}, "from 0 to 100"),
        ({"minimum": "-1"}, "from 0 to 100"),
        ({"minimum": "half"}, "from 0 to 100"),
    ],
)
def test_bad_filters_show_a_clear_error_and_no_candidates(
    city, target, board_people, client_for, params, message
):
    query = {"role": target.pk} | params
    response = client_for("hr").get(URL, query)
    assert response.status_code == 400
    page = page_of(response)
    assert message in page
    assert 'role="alert"' in page
    assert CANDIDATES not in page
    assert "Readywell" not in page


def test_an_organisation_hr_may_not_see_is_refused_like_an_unknown_one(
    city, target, board_people, client_for
):
    response = client_for("hr").get(URL, {"role": target.pk, "organisation": city.private_cbo.pk})
    assert response.status_code == 400
    assert "There is no such organisation among the people you can see" in page_of(response)
    assert city.private_cbo.name not in page_of(response)


def test_a_bad_filter_exports_nothing_and_audits_nothing(city, target, board_people, client_for):
    client = client_for("hr")
    for params in ({"role": "nope", "format": "csv"}, {"format": "xlsx"}):
        response = client.get(URL, params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


@pytest.mark.parametrize(
    ("on", "message"),
    [("tomorrow", "Give the date as YYYY-MM-DD"), ("0001-01-02", "Give a date between")],
)
def test_the_person_page_refuses_a_bad_date(city, target, client_for, on, message):
    response = client_for("hr").get(
        f"/careers/readiness/{target.pk}/people/{city.learner.pk}/", {"on": on}
    )
    assert response.status_code == 400
    page = page_of(response)
    assert message in page
    assert "requirement" not in page.split("</form>")[1]


def test_the_pages_only_answer_get(city, target, client_for):
    client = client_for("hr")
    assert client.post(URL, {"role": target.pk}).status_code == 405
    person_url = f"/careers/readiness/{target.pk}/people/{city.learner.pk}/"
    assert client.post(person_url).status_code == 405


def test_unknown_role_or_person_is_not_found(city, target, client_for):
    client = client_for("hr")
    assert client.get(f"/careers/readiness/999999/people/{city.learner.pk}/").status_code == 404
    assert client.get(f"/careers/readiness/{target.pk}/people/999999/").status_code == 404


# --- Exports --------------------------------------------------------------------------------------


def test_csv_export_has_every_candidate_and_is_audited(
    city, target, board_people, client_for, today
):
    response = client_for("hr").get(URL, {"role": target.pk, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f'filename="readiness-crisis-counsellor-ii-{today.isoformat()}.csv"'
        in response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert header[:4] == ["Name", "Email", "Employee id", "Organisation"]
    assert header[-1] == "Interested"
    names = [row[0] for row in body]
    young = board_people["Readywell"].user.display_name
    assert names[0] == young
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    assert by_name[young]["Band"] == "Ready"
    assert by_name[young]["Readiness %"] == "100"
    assert by_name[young]["Interested"] == "yes"
    adams = by_name[board_people["Oneaway"].user.display_name]
    assert adams["Missing"] == "Crisis intervention"
    assert adams["Band"] == "One requirement away"
    assert city.private_cbo_learner.user.display_name not in names
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.actor == city.user("hr")
    assert event.target == "readiness_csv"
    assert event.data["rows"] == len(body)
    assert event.data["filters"]["role"] == target.pk


def test_xlsx_export_opens_with_typed_cells_and_is_audited(
    city, target, board_people, client_for, today
):
    response = client_for("hr").get(
        URL, {"role": target.pk, "format": "xlsx", "organisation": city.department.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.title == "Crisis counsellor II"
    rows = list(sheet.iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert sheet["A1"].font.bold
    assert header[0] == "Name"
    young = next(r for r in body if r[0] == board_people["Readywell"].user.display_name)
    record = dict(zip(header, young, strict=True))
    assert record["Readiness %"] == 100  # a number, not text
    assert record["Ready on"].date() == today
    assert {r[3] for r in body} == {city.department.name}
    event = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert event.target == "readiness_xlsx"
    assert event.data["filters"]["organisation"] == city.department.pk
    assert event.data["rows"] == len(body)


def test_exports_neutralise_formulas(city, target, client_for):
    sneaky = person(city.department, last_name="=HYPERLINK(1)", first_name="@SUM")
    sneaky.employee_id = "+1-555"
    sneaky.save()
    client = client_for("hr")
    body = client.get(URL, {"role": target.pk, "format": "csv"}).content.decode()
    row = next(r for r in csv.reader(io.StringIO(body)) if "HYPERLINK" in r[0])
    assert row[0] == "'@SUM =HYPERLINK(1)"
    assert row[2] == "'+1-555"
    response = client.get(URL, {"role": target.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = next(r for r in sheet.iter_rows(values_only=True) if "HYPERLINK" in str(r[0]))
    assert cells[0] == "'@SUM =HYPERLINK(1)"
    assert cells[2] == "'+1-555"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (-3, "'-3"),
        (12, "12"),
    ],
)
def test_safe_cell_keeps_the_behaviour_of_the_helpers_it_replaced(value, cell):
    assert safe_cell(value) == cell


# --- Who sees what --------------------------------------------------------------------------------


def test_learners_may_not_open_the_dashboard(city, target, client_for):
    client = client_for("learner")
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"role": target.pk, "format": "csv"}).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, target="careers:readiness"
    ).exists()


def test_a_supervisor_sees_their_organisation_and_no_interest(
    city, target, board_people, client_for
):
    client = client_for("supervisor")
    response = client.get(URL, {"role": target.pk, "interested": "on"})
    assert response.status_code == 200
    page = page_of(response)
    assert "Readywell" in page
    assert "Farther" in page  # "interested only" is not a filter a supervisor has
    assert "Oneaway" not in page  # the sharing CBO is another organisation
    assert city.sharing_cbo.name not in page
    assert ">Interested</th>" not in page
    assert "Only people interested" not in page
    assert "shown to HR only" in page
    body = client.get(URL, {"role": target.pk, "format": "csv"})
    header = next(csv.reader(io.StringIO(body.content.decode())))
    assert "Interested" not in header


def test_hr_does_not_see_people_of_a_private_contracted_organisation(
    city, target, board_people, client_for
):
    client = client_for("hr")
    page = page_of(client.get(URL, {"role": target.pk}))
    assert f"/people/{city.private_cbo_learner.pk}/" not in page
    assert city.private_cbo_learner.user.display_name not in page
    hidden = f"/careers/readiness/{target.pk}/people/{city.private_cbo_learner.pk}/"
    assert client.get(hidden).status_code == 404
    assert AuditEvent.objects.filter(
        action=AuditAction.ACCESS_DENIED, target=f"user:{city.private_cbo_learner.user_id}"
    ).exists()


def test_person_page_is_for_the_person_and_those_who_assess_them(city, target, client_for):
    url = f"/careers/readiness/{target.pk}/people/{city.learner.pk}/"
    assert client_for("learner").get(url).status_code == 200  # themself
    assert client_for("hr").get(url).status_code == 200
    assert client_for("supervisor").get(url).status_code == 200
    assert client_for("fto").get(url).status_code == 403  # sees the trainee, does not assess
    other = f"/careers/readiness/{target.pk}/people/{city.hr.pk}/"
    assert client_for("learner").get(other).status_code == 404  # cannot see HR's record at all
    assert client_for("cbo_supervisor").get(url).status_code == 404


# --- The drill-down -------------------------------------------------------------------------------


def test_the_drill_down_agrees_with_every_dashboard_row(
    city, target, board_people, client_for, today
):
    client = client_for("hr")
    page = page_of(client.get(URL, {"role": target.pk}))
    rows = re.findall(
        r'<a href="(/careers/readiness/\d+/people/\d+/\?on=[\d-]+)">[^<]*</a></th>\s*'
        r'<td data-label="Readiness"><span class="status status--(\w+)">[^<]*</span> '
        r"(\d+ of \d+ \(\d+%\))",
        page,
    )
    assert len(rows) >= 3
    for url, band, summary in rows:
        detail = page_of(client.get(url))
        assert f"status--{band}" in detail
        met, total, percent = re.match(r"(\d+) of (\d+) \((\d+)%\)", summary).groups()
        assert f"{met} of {total} requirement{'' if total == '1' else 's'} met ({percent}%)" in (
            detail
        )


def test_the_person_page_shows_details_preferred_notes_and_next_steps(
    city, target, cpr, cit, client_for, today
):
    require(target, cpr, cit)
    preferred = CredentialTypeFactory(name="Spanish interpreter", slug="spanish")
    require(target, preferred, level="preferred")
    target.education_notes = "Bachelor's degree in social work or related field"
    target.save()
    earned = CredentialTypeFactory(name="Naloxone", slug="naloxone", kind=CredentialKind.EARNED)
    require(target, earned)
    program = program_page("Naloxone administration")
    CredentialRequirement.objects.create(
        credential_type=earned, kind=RequirementKind.PROGRAM, program=program
    )
    refresher = program_page("CPR refresher")
    cpr.refresher_program = refresher
    cpr.save()
    held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 20 * DAY,
        hr=city.user("hr"),
    )
    later = today + 40 * DAY  # the CPR credential has lapsed by then
    url = f"/careers/readiness/{target.pk}/people/{city.learner.pk}/?on={later.isoformat()}"
    page = page_of(client_for("hr").get(url))
    assert "0 of 3 requirements met (0%)" in page
    assert "Further" in page
    assert f"{today + 20 * DAY:%-d %b %Y}, before this date" in page  # the pure rules' detail
    assert "✗ Missing" in page
    assert "Complete the program Naloxone administration" in page
    assert f'href="/team/training/{program.pk}/"' in page  # HR follows the program's progress
    assert "Complete the refresher program CPR refresher" in page
    assert f'href="/team/training/{refresher.pk}/"' in page
    assert "Recorded with evidence" in page
    assert 'href="/credentials/new/"' not in page  # only the person records their own
    assert "Spanish interpreter: not held" in page
    assert "Bachelor&#x27;s degree in social work" in page
    own = page_of(client_for("learner").get(url))
    assert 'href="/credentials/new/"' in own
    assert f'href="/learn/programs/{program.pk}/"' in own


def test_the_person_page_says_when_time_alone_makes_them_ready(city, target, client_for, today):
    target.minimum_months_in_role = 3
    target.save()
    profile = person(city.department, last_name="Newcomer", hire_date=today - 30 * DAY)
    page = page_of(client_for("hr").get(f"/careers/readiness/{target.pk}/people/{profile.pk}/"))
    assert "One requirement away" in page
    assert "when the time in role is reached" in page


# --- Query budgets --------------------------------------------------------------------------------


def test_dashboard_exports_and_person_page_run_constant_queries(
    city, target, cpr, cit, client_for, today, django_assert_max_num_queries
):
    require(target, cpr, cit)
    target.minimum_months_in_role = 6
    target.requires_field_release = True
    target.save()
    hr = city.user("hr")
    client = client_for("hr")

    def grow(n):
        for i in range(n):
            profile = person(city.department if i % 2 else city.sharing_cbo, last_name=f"Many{i}")
            held(
                holder=profile.user,
                credential_type=cpr if i % 3 else cit,
                issued_on=today - DAY,
                expires_on=today + 50 * DAY,
                hr=hr,
            )
            CareerInterest.objects.create(user=profile.user, role=target, created_at=timezone.now())

    def measure():
        # Session, user, permissions, the viewer's staff record and organisation (their
        # today), the roles, the organisations for the filter, the role's requirements, the
        # time zones (for the field release) and the candidates.
        with django_assert_max_num_queries(10):
            assert client.get(URL, {"role": target.pk}).status_code == 200
        # The same, and the export's audit row: a savepoint, the chain's last hash, the row
        # (and on PostgreSQL the chain's advisory lock).
        with django_assert_max_num_queries(15):
            assert client.get(URL, {"role": target.pk, "format": "csv"}).status_code == 200
        with django_assert_max_num_queries(15):
            assert client.get(URL, {"role": target.pk, "format": "xlsx"}).status_code == 200
        # Session, user, permissions, role, person, the FTO check, the viewer's today, the
        # requirements, the person's facts (two) and what closes the gaps (two).
        with django_assert_max_num_queries(13):
            url = f"/careers/readiness/{target.pk}/people/{city.learner.pk}/"
            assert client.get(url).status_code == 200

    grow(5)
    measure()
    grow(35)
    measure()
