"""The HR-system import page (`/people/import/`): upload, summary, line-numbered report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lms.accounts.hris import COLUMNS, MAX_BYTES
from lms.accounts.models import StaffProfile, User
from lms.audit.models import AuditAction, AuditEvent

URL = reverse("accounts:hris_import")
HEADER = "employee_id,email,first_name,last_name,job_role,hire_date"


@pytest.fixture
def hr(client_for):
    return client_for("hr")


def upload(client, data: bytes, organisation, name="staff.csv"):
    return client.post(
        URL,
        {"organisation": organisation.pk, "file": SimpleUploadedFile(name, data, "text/csv")},
    )


def rows(*lines: str, header: str = HEADER) -> bytes:
    return "\r\n".join([header, *lines, ""]).encode()


def problems(response) -> list[tuple[str, str, str]]:
    """The error table as (line, column, problem) rows."""
    html = response.content.decode()
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = []
    for row in table.split("<tr>")[1:]:
        cells = [part.split(">", 1)[1].split("</", 1)[0] for part in row.split("<t")[1:]]
        found.append(tuple(cells[:3]))
    return found


def test_the_page_offers_the_organisations_in_reach_and_explains_the_columns(
    city, hr, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = hr.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert city.department.name in html
    assert city.sharing_cbo.name in html
    assert city.private_cbo.name not in html  # keeps its people from the city
    for name in COLUMNS:
        assert f"<code>{name}</code>" in html
    assert reverse("accounts:hris_sample") in html
    assert 'enctype="multipart/form-data"' in html
    assert "style=" not in html  # the CSP allows no inline style


@pytest.mark.parametrize(("role", "status"), [("supervisor", 403), ("learner", 403), ("fto", 403)])
def test_only_people_who_import_staff_see_the_page(city, client_for, role, status):
    client = client_for(role)

    assert client.get(URL).status_code == status
    assert client.get(reverse("accounts:hris_sample")).status_code == status


def test_the_sample_csv_has_every_column_and_imports_cleanly(city, hr):
    response = hr.get(reverse("accounts:hris_sample"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *examples = list(csv.reader(io.StringIO(response.content.decode())))
    assert header == list(COLUMNS)
    assert len(examples) == 2

    imported = upload(hr, response.content, city.department)

    assert imported.status_code == 200
    assert StaffProfile.objects.get(employee_id="E-10002").supervisor.email == (
        "jordan.rivera@example.org"
    )


def test_an_import_shows_what_changed_and_a_second_run_shows_nothing_did(city, hr):
    today = city.department.today()
    data = rows(
        f"N-1,n1@relay.test,Ana,Ruiz,,{today}",
        f"{city.learner.employee_id},,Lee,,{city.learner.job_role.name},",
    )

    first = upload(hr, data, city.department)

    assert first.status_code == 200
    html = first.content.decode()
    assert f"Imported into {city.department.name}" in html
    assert "2 of 2 people changed" in html
    assert "<dt>New people (hired)</dt><dd>1</dd>" in html
    assert "<dt>Other details updated</dt><dd>1</dd>" in html
    assert User.objects.get(email="n1@relay.test").staff_profile.organisation == city.department

    second = upload(hr, data, city.department)

    assert second.status_code == 200
    assert "Nothing changed: Relay already matched all 2 rows." in second.content.decode()


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(city, hr):
    data = "employee_id,email,last_name\nN-1,n1@relay.test,Muñoz\n".encode("latin-1")

    response = upload(hr, data, city.department)

    assert response.status_code == 400
    [(line, column, message)] = problems(response)
    assert (line, column) == ("Line 2", "—")
    assert "not UTF-8" in message
    assert "Nothing was changed" in response.content.decode()
    assert not User.objects.filter(email="n1@relay.test").exists()


def test_missing_and_unknown_columns_are_refused(city, hr):
    response = upload(hr, rows("n1@relay.test,7", header="email,badge"), city.department)

    assert response.status_code == 400
    found = problems(response)
    assert [(line, column) for line, column, _ in found] == [
        ("Line 1", "badge"),
        ("Line 1", "employee_id"),
    ]
    assert "missing" in found[1][2]


def test_every_problem_is_listed_and_nothing_is_imported(city, hr):
    today = city.department.today()
    data = rows(
        f"N-1,n1@relay.test,Ana,Ruiz,,{today}",
        f"N-2,n2@relay.test,Ben,Ito,Astronaut,{today}",
        f"N-1,n3@relay.test,Cy,Ng,,{today}",
        "N-4,n4@relay.test,Di,Ho,,04/03/2026",
    )

    response = upload(hr, data, city.department)

    assert response.status_code == 400
    assert [(line, column) for line, column, _ in problems(response)] == [
        ("Line 3", "job_role"),
        ("Line 4", "employee_id"),
        ("Line 5", "hire_date"),
    ]
    assert "3 problems in the file" in response.content.decode()
    assert not User.objects.filter(email__in=["n1@relay.test", "n3@relay.test"]).exists()


def test_user_typed_text_in_the_report_is_escaped(city, hr):
    data = rows("N-1,n1@relay.test,Ana,Ruiz,<script>alert(1)</script>,2026-01-05")

    response = upload(hr, data, city.department)

    assert response.status_code == 400
    assert b"<script>alert(1)" not in response.content
    assert b"&lt;script&gt;" in response.content


def test_an_organisation_out_of_reach_is_forbidden_and_audited(city, hr):
    data = rows("N-1,n1@relay.test,Ana,Ruiz,,2026-01-05")

    response = upload(hr, data, city.private_cbo)

    assert response.status_code == 403
    assert not User.objects.filter(email="n1@relay.test").exists()
    denied = AuditEvent.objects.get(action=AuditAction.ACCESS_DENIED)
    assert denied.target == f"organisation:{city.private_cbo.pk}"


def test_an_unknown_organisation_or_no_file_is_a_form_error(city, hr):
    assert hr.post(URL, {"organisation": 999999}).status_code == 400
    response = hr.post(URL, {"organisation": city.department.pk})
    assert response.status_code == 400
    assert b"This field is required." in response.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", b"The submitted file is empty."),
        (b"employee_id\n" + b"x" * MAX_BYTES, b"The file is larger than 5 MB"),
    ],
)
def test_an_empty_or_oversized_file_is_refused(city, hr, data, message):
    response = upload(hr, data, city.department)

    assert response.status_code == 400
    assert message in response.content
