"""The XSS corpus through the fields `test_xss_fields.py` left "todo" (its docstring has the
inventory): scenario reflections and coaching feedback (rich text through bleach), role-play
notes, unassignment and reset reasons, invitation names and the invitation email, staff names
from the HR import and the API (staff pages, reports' CSV/XLSX, the welcome email, the import's
error report, the audit page and its exports), API token names, organisation names in the SVG
charts and the certificate PDF; and names with line breaks kept out of email headers.

Same checks as there (`tests/hostile/checks.py`): HTML against the page with harmless text,
emails plain text with the payloads verbatim, spreadsheet cells formula-guarded, PDFs showing
the payload as text.
"""

import json

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lms.accounts.models import Invitation, Organisation, StaffProfile, User
from lms.api.models import ApiToken
from lms.sanitize import sanitize_html
from lms.spreadsheets import FORMULA_PREFIXES, safe_cell
from scenarios.models import CoachingReview, RoleplayAssessment, ScenarioAttempt
from tests.api.conftest import ApiClient, make_token
from tests.factories.courses import assign, module_page, program_page
from tests.hostile.checks import (
    assert_formula_guarded,
    assert_inert_html,
    assert_shown_as_text,
    assert_text_email,
    csv_cells,
    xlsx_cells,
)
from tests.hostile.corpus import chunks, load_payloads

PAYLOADS = load_payloads()
TYPED = [p for p in PAYLOADS if "\0" not in p]
# One-line payloads: what a name field takes (names refuse tabs, line breaks and other control
# characters, as the HR import does).
ONE_LINE = [p for p in PAYLOADS if p.isprintable() and p.strip() == p and p]
MULTI_LINE = [p.strip() for p in PAYLOADS if any(c in p.strip() for c in "\r\n")]
HARMLESS = "Plain words"


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _page(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _pages(client, urls) -> dict[str, str]:
    client.get(urls[0])  # shows and clears the flash messages
    return {url: _page(client, url) for url in urls}


def _compare(hostile: dict, harmless: dict, *, rich=False):
    for url, html in hostile.items():
        assert_inert_html(html, harmless[url], rich=rich, where=url)


def _rich_chunks(payloads: list[str], limit: int = 10_000) -> list[str]:
    """The payloads joined into pieces `sanitize_html` accepts (at most `limit` characters and
    at most 100 tags open at once): a piece it refuses is halved until it does."""
    out = []
    pending = chunks(payloads, limit)
    while pending:
        piece = pending.pop(0)
        try:
            sanitize_html(piece)
        except ValidationError:
            parts = piece.split("\n")
            half = len(parts) // 2
            assert half, piece
            pending[:0] = ["\n".join(parts[:half]), "\n".join(parts[half:])]
        else:
            out.append(piece)
    return out


def _assert_no_formula_cells(rows, where):
    for row in rows:
        for cell in row:
            assert not (isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)), (where, cell)


# --- scenario reflections, coaching feedback, role-play notes --------------------------------


@pytest.fixture
def scenario(city):
    from tests.factories.scenarios import scenario_page

    program = program_page()
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return page


def _play_to_a_critical_error(user, scenario):
    from scenarios.services import attempt_choose, attempt_start_or_resume

    attempt = attempt_start_or_resume(user=user, scenario=scenario)
    for choice in ("0", "1"):  # leaves the person alone: a critical error
        attempt = attempt_choose(
            user=user, attempt=attempt, step_id=attempt.current_step, choice_id=choice
        )
    return attempt


def test_reflections_and_coaching_feedback_are_cleaned_and_inert(city, client_for, scenario):
    learner, fto = client_for("learner"), client_for("fto")
    pieces = _rich_chunks(TYPED)
    attempts = []
    for piece in pieces:
        # Each attempt: the learner reflects, the coach reviews ("needs practice" grants the
        # next attempt).
        attempt = _play_to_a_critical_error(city.user("learner"), scenario)
        debrief = f"/learn/scenarios/attempts/{attempt.pk}/debrief/"
        assert learner.post(debrief, {"reflection": piece}).status_code == 302
        response = fto.post(
            f"/coach/attempts/{attempt.pk}/", {"feedback": piece, "verdict": "needs_practice"}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        attempts.append(attempt)
    assert CoachingReview.objects.count() == len(pieces)
    stored = {
        a.pk: a.reflection for a in ScenarioAttempt.objects.filter(pk__in=[a.pk for a in attempts])
    }
    debriefs = [f"/learn/scenarios/attempts/{a.pk}/debrief/" for a in attempts]
    reviews = [f"/coach/attempts/{a.pk}/" for a in attempts]
    hostile = {"learner": _pages(learner, debriefs), "fto": _pages(fto, reviews)}
    for attempt, debrief, review in zip(attempts, debriefs, reviews, strict=True):
        assert stored[attempt.pk]  # the cleaned text, shown as stored
        assert stored[attempt.pk] in hostile["learner"][debrief]
        assert stored[attempt.pk] in hostile["fto"][review]

    ScenarioAttempt.objects.update(reflection=f"<p>{HARMLESS}</p>")
    CoachingReview.objects.update(feedback=f"<p>{HARMLESS}</p>")
    harmless = {"learner": _pages(learner, debriefs), "fto": _pages(fto, reviews)}
    for who in hostile:
        _compare(hostile[who], harmless[who], rich=True)


def test_roleplay_notes_are_inert(city, client_for, scenario):
    from scenarios.models import RoleplayRubric, RubricCriterion, ScenarioRequirement
    from tests.factories import CompetencyFactory

    rubric = RoleplayRubric.objects.create(name="Overdose response", levels_description="1-4")
    criterion = RubricCriterion.objects.create(
        rubric=rubric,
        competency=CompetencyFactory(name="Scene safety"),
        level_1="missed",
        level_2="prompted",
        level_3="unprompted",
        level_4="coaches others",
    )
    ScenarioRequirement.objects.create(
        scenario=scenario, online_required=False, require_roleplay=True, rubric=rubric
    )
    fto = client_for("fto")
    url = f"/coach/roleplay/new/?trainee={city.learner.pk}&scenario={scenario.pk}"
    notes = chunks(TYPED, 10_000)
    for text in notes:
        response = fto.post(
            url, {f"criterion_{criterion.pk}": "2", "outcome": "not_yet", "notes": text}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    # The notes are rich text, kept as bleach cleaned them (no page shows them yet; the
    # person's data export has them as JSON).
    stored = sorted(RoleplayAssessment.objects.values_list("notes", flat=True))
    assert stored == sorted(sanitize_html(text) for text in notes)
    hostile = _pages(fto, ["/coach/roleplay/", url])
    RoleplayAssessment.objects.update(notes=HARMLESS)
    _compare(hostile, _pages(fto, ["/coach/roleplay/", url]))


# --- invitations ---------------------------------------------------------------------------


def _invitation(city, n, first, last):
    return {
        "first_name": first,
        "last_name": last,
        "email": f"invitee{n}@relay.test",
        "organisation": city.department.pk,
        "employee_id": f"INV-{n}",
        "hire_date": "2026-11-02",
        "role": "learner",
    }


def test_invitation_names_are_inert_in_the_list_and_verbatim_in_the_email(
    city, client_for, django_capture_on_commit_callbacks
):
    hr = client_for("hr")
    names = chunks(ONE_LINE, 150, sep=" ")
    pairs = list(zip(names[0::2], [*names[1::2], HARMLESS], strict=False))
    with django_capture_on_commit_callbacks(execute=True):
        for n, (first, last) in enumerate(pairs):
            response = hr.post("/invitations/", _invitation(city, n, first, last))
            assert response.status_code == 302, response.content.decode()[:2000]
    assert Invitation.objects.count() == len(pairs) == len(mail.outbox)
    for message, (first, _last) in zip(mail.outbox, pairs, strict=True):
        assert_text_email(message, [first])  # "Hello <first name>,"
        assert "\n" not in message.subject
        assert "\r" not in message.subject
    hostile = _pages(hr, ["/invitations/"])
    assert_shown_as_text(
        hostile["/invitations/"], [f"{first} {last}" for first, last in pairs], where="list"
    )
    Invitation.objects.update(first_name=HARMLESS, last_name=HARMLESS)
    _compare(hostile, _pages(hr, ["/invitations/"]))


def test_a_name_with_a_line_break_or_control_character_is_refused(city, client_for):
    hr = client_for("hr")
    for n, first in enumerate(
        ["Eve\r\nBcc: victim@example.org", "Eve\nSubject: x", "Eve\tTab", "Eve\x0bVT", "Eve\x7f"]
        + [p for p in MULTI_LINE if len(p) <= 150]
    ):
        response = hr.post("/invitations/", _invitation(city, n, first, "Okafor"))
        assert response.status_code == 200
        assert "control character" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_organisation_name_with_a_line_break_stays_out_of_email_headers(
    city, client_for, django_capture_on_commit_callbacks
):
    Organisation.objects.filter(pk=city.department.pk).update(
        name="Office\r\nBcc: victim@example.org\nof Safety"
    )
    hr = client_for("hr")
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post("/invitations/", _invitation(city, 1, "Nia", "Okafor"))
        assert response.status_code == 302
        rows = (
            "employee_id,email,first_name,last_name,hire_date\r\n"
            "W-1,w1@relay.test,Wes,Ode,2026-01-05\r\n"
        )
        imported = hr.post(
            "/people/import/",
            {
                "organisation": city.department.pk,
                "file": SimpleUploadedFile("staff.csv", rows.encode(), "text/csv"),
            },
        )
        assert imported.status_code == 200, imported.content.decode()[:2000]
    subjects = [message.subject for message in mail.outbox]
    assert len(subjects) == 2
    for sent in mail.outbox:
        assert sent.subject.endswith("Office Bcc: victim@example.org of Safety")
        message = sent.message()  # the headers Django would send (no BadHeaderError)
        assert "victim" not in message["To"]
        assert message["Bcc"] is None


# --- staff names from the HR import and the API; token names; the audit log -----------------


def _csv_bytes(header, rows) -> bytes:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _import(client, organisation, data: bytes):
    return client.post(
        "/people/import/",
        {"organisation": organisation.pk, "file": SimpleUploadedFile("s.csv", data, "text/csv")},
    )


def _audit(client) -> tuple[str, list, list]:
    """The audit page, and its CSV and XLSX exports, as cells."""
    html = _page(client, "/audit/")
    csv_rows = csv_cells(_content(client.get("/audit/", {"format": "csv"})))
    xlsx_rows = xlsx_cells(_content(client.get("/audit/", {"format": "xlsx"})))
    return html, csv_rows, xlsx_rows


def _details(rows) -> str:
    """Every audit row's details, decoded from the JSON cell (less a formula guard)."""
    header, *body = rows
    column = header.index("Details")
    found = []
    for row in body:
        cell = row[column] or ""
        found.append(
            json.dumps(json.loads(cell.removeprefix("'")), ensure_ascii=False) if cell else ""
        )
    return "\n".join(found)


def test_staff_names_from_the_import_are_inert_in_pages_exports_emails_and_the_error_report(
    city, client_for, django_capture_on_commit_callbacks
):
    from tests.factories.certificates import JobRoleFactory

    hr = client_for("hr")
    names = chunks(ONE_LINE, 150, sep=" ")
    header = ["employee_id", "email", "first_name", "last_name", "hire_date"]
    rows = [
        [f"X-{n}", f"x{n}@relay.test", first, names[-1 - n], "2026-01-05"]
        for n, first in enumerate(names)
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = _import(hr, city.department, _csv_bytes(header, rows))
    assert response.status_code == 200, response.content.decode()[:3000]
    people = list(StaffProfile.objects.filter(employee_id__startswith="X-").select_related("user"))
    assert len(people) == len(names)
    assert {p.user.first_name for p in people} == set(names)
    # The welcome emails: plain text, the first name verbatim, one-line subjects.
    welcome = {m.to[0]: m for m in mail.outbox}
    for person in people:
        assert_text_email(welcome[person.user.email], [person.user.first_name])
    # The import's summary, the staff list and some staff pages.
    urls = ["/people/", *[f"/people/{p.pk}/" for p in people[:5]]]
    hostile = _pages(hr, urls)
    assert_shown_as_text(response.content.decode(), [], where="import summary")
    assert_shown_as_text(hostile[f"/people/{people[0].pk}/"], [people[0].user.first_name])
    # The readiness board lists everyone in reach as a candidate: page, CSV and XLSX.
    job_role = JobRoleFactory(name="Crisis counsellor II")
    board = {"role": job_role.pk}
    hostile_board = _page(hr, "/careers/readiness/", board)
    for wanted, read in (("csv", csv_cells), ("xlsx", xlsx_cells)):
        cells = read(_content(hr.get("/careers/readiness/", {**board, "format": wanted})))
        found = assert_formula_guarded(
            cells, [p.user.display_name for p in people], where=f"readiness {wanted}"
        )
        assert found >= len(people) // 2, (wanted, found)
    # The error report: hostile job roles, statuses and column names come back as text.
    bad_header = [
        "employee_id",
        "email",
        "first_name",
        "last_name",
        "hire_date",
        "job_role",
        "status",
    ]
    bad_rows = [
        [f"Y-{n}", f"y{n}@relay.test", "Ana", "Ruiz", "2026-01-05", value, value[:60]]
        for n, value in enumerate(chunks(ONE_LINE, 120, sep=" "))
    ]
    refused = _import(hr, city.department, _csv_bytes(bad_header, bad_rows))
    assert refused.status_code == 400
    # ("No job role is called <the value's repr>.")
    assert_shown_as_text(refused.content.decode(), [repr(r[5]) for r in bad_rows], where="errors")
    harmless_rows = [
        [*row[:5], f"{HARMLESS} {n}", f"{HARMLESS} {n}"] for n, row in enumerate(bad_rows)
    ]
    assert_inert_html(
        refused.content.decode(),
        _import(hr, city.department, _csv_bytes(bad_header, harmless_rows)).content.decode(),
        where="import error report",
    )
    assert not StaffProfile.objects.filter(employee_id__startswith="Y-").exists()

    User.objects.filter(staff_profile__in=people).update(first_name=HARMLESS, last_name=HARMLESS)
    _compare(hostile, _pages(hr, urls))
    assert_inert_html(hostile_board, _page(hr, "/careers/readiness/", board), where="readiness")


def test_staff_names_from_the_api_are_inert_in_staff_pages(city, client_for):
    api = ApiClient(make_token(city.user("hr")))
    names = chunks(ONE_LINE, 150, sep=" ")
    staff = [
        {
            "employee_id": f"A-{n}",
            "email": f"a{n}@relay.test",
            "first_name": name,
            "last_name": names[-1 - n],
            "hire_date": "2026-01-05",
        }
        for n, name in enumerate(names)
    ]
    response = api.post("/api/v1/staff", {"organisation": city.department.slug, "staff": staff})
    assert response.status_code == 200, response.content[:2000]
    # Control characters are refused, item by item.
    broken = [{**staff[0], "employee_id": "B-1", "first_name": text} for text in MULTI_LINE[:20]]
    refused = api.post(
        "/api/v1/staff",
        {
            "organisation": city.department.slug,
            "staff": [{**s, "email": f"b{n}@relay.test"} for n, s in enumerate(broken)],
        },
    )
    assert refused.status_code == 400
    assert not StaffProfile.objects.filter(employee_id="B-1").exists()
    people = list(StaffProfile.objects.filter(employee_id__startswith="A-").select_related("user"))
    assert len(people) == len(names)
    assert {p.user.first_name for p in people} == set(names)  # stored as sent
    hr = client_for("hr")
    urls = ["/people/", *[f"/people/{p.pk}/" for p in people[:5]]]
    hostile = _pages(hr, urls)
    for person in people[:5]:
        assert_shown_as_text(hostile[f"/people/{person.pk}/"], [person.user.display_name])
    User.objects.filter(staff_profile__in=people).update(first_name=HARMLESS, last_name=HARMLESS)
    _compare(hostile, _pages(hr, urls))


def test_token_names_are_inert_in_the_token_list_and_the_audit_log(city, client_for):
    from lms.audit.models import AuditAction, AuditEvent

    hr, admin = client_for("hr"), client_for("admin")
    names = chunks(ONE_LINE, 100, sep=" ")
    # HR names its tokens with the payloads; an administrator makes as many, harmlessly named.
    for client, named in ((hr, names), (admin, [f"{HARMLESS} {n}" for n in range(len(names))])):
        for name in named:
            response = client.post("/api/tokens/new/", {"name": name, "scopes": ["staff:read"]})
            assert response.status_code in (200, 302), response.status_code
    stored = list(
        ApiToken.objects.filter(owner=city.user("hr")).order_by("pk").values_list("name", flat=True)
    )
    assert len(stored) == len(names)
    assert AuditEvent.objects.filter(data__name__in=stored).count() == len(stored)
    hostile = _pages(hr, ["/api/tokens/"])
    assert_shown_as_text(hostile["/api/tokens/"], stored, where="token list")
    # The audit page (each person's token events, same count) and the whole log's exports.
    action = {"action": AuditAction.API_TOKEN_CREATED}
    hostile_log = _page(hr, "/audit/", {**action, "actor": "hr@relay.test"})
    harmless_log = _page(hr, "/audit/", {**action, "actor": "admin@relay.test"})
    newest = stored[-50:]  # the page's 50 newest events
    assert_shown_as_text(hostile_log, [json.dumps(n, ensure_ascii=False) for n in newest])
    assert_inert_html(hostile_log, harmless_log, where="/audit/")
    for wanted, read in (("csv", csv_cells), ("xlsx", xlsx_cells)):
        rows = read(_content(hr.get("/audit/", {"format": wanted})))
        _assert_no_formula_cells(rows, wanted)
        details = _details(rows)
        missing = [name for name in stored if json.dumps(name, ensure_ascii=False) not in details]
        assert not missing, (wanted, missing[:3])
    ApiToken.objects.update(name=HARMLESS)
    _compare(hostile, _pages(hr, ["/api/tokens/"]))


# --- organisation names: SVG charts and the certificate PDF -----------------------------------

from tests.certificates.conftest import today  # noqa: E402, F401 - fixtures of the board
from tests.certificates.test_readiness_views import (  # noqa: E402, F401
    board_people,
    cit,
    cpr,
    target,
)


def test_organisation_names_are_inert_in_charts_and_literal_in_the_certificate(
    city,
    client_for,
    board_people,  # noqa: F811 - the readiness board's fixture
    target,  # noqa: F811
):
    from tests.factories.certificates import record_external, verify
    from tests.hostile.checks import assert_pdf_shows

    hr, learner = client_for("hr"), client_for("learner")
    credential = record_external(holder=city.user("learner"))
    verify(credential=credential, actor=city.user("hr"))
    certificate = f"/credentials/{credential.public_id}/certificate.pdf"
    pages = {
        "/careers/readiness/": {"role": target.pk},
        "/reports/credential-compliance/": {},
    }
    orgs = [city.department, city.sharing_cbo]

    def render():
        return {url: _page(hr, url, params) for url, params in pages.items()}

    for n, org in enumerate(orgs):
        Organisation.objects.filter(pk=org.pk).update(name=f"{HARMLESS} {n}")
    harmless = render()
    assert "<svg" in harmless["/careers/readiness/"]
    names = chunks(ONE_LINE, 160, sep=" ")
    for first in range(0, len(names), len(orgs)):
        batch = names[first : first + len(orgs)]
        for org, name in zip(orgs, batch, strict=False):
            Organisation.objects.filter(pk=org.pk).update(name=name)
        hostile = render()
        _compare(hostile, harmless)
        for html in hostile.values():
            assert_shown_as_text(html, batch, where="organisation names")
        pdf = _content(learner.get(certificate))
        assert_pdf_shows(pdf, [batch[0]], where="certificate")


# --- unassignment reasons; module titles in the progress grid's CSV ------------------------


def test_unassignment_reasons_are_inert_on_the_assign_page(city, client_for):
    from courses.models import Assignment

    supervisor = client_for("supervisor")
    reasons = chunks(TYPED, 500)
    for n, reason in enumerate(reasons):
        program = program_page(f"Program {n}")
        assignment = assign(actor=city.user("supervisor"), profile=city.learner, program=program)
        response = supervisor.post(f"/team/assignments/{assignment.pk}/end/", {"reason": reason})
        assert response.status_code == 302
    assert Assignment.objects.exclude(end_reason="").count() == len(reasons)
    url = f"/team/people/{city.learner.pk}/training/"
    hostile = _pages(supervisor, [url])
    # (Reasons are stored stripped, not through `plain_text`: a form feed or vertical tab stays
    # and shows as white space, so those payloads are left out of the text comparison.)
    clean = [p for p in TYPED if all(c.isprintable() or c in "\n\r\t" for c in p)]
    assert_shown_as_text(hostile[url], clean, where="end reasons")
    Assignment.objects.update(end_reason=HARMLESS)
    _compare(hostile, _pages(supervisor, [url]))


def test_module_titles_in_the_progress_grid_csv_are_formula_guarded(city, client_for):
    program = program_page("Community responder academy")
    titles = ['=HYPERLINK("http://evil.invalid","x")', "+1+1", "-2+3", "@SUM(A1)", "Plain title"]
    for title in titles:
        module_page(program, title=title, sections=1, n_questions=0)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    response = client_for("supervisor").get(f"/team/training/{program.pk}/", {"format": "csv"})
    header, *rows = csv_cells(_content(response))
    assert header[7:] == [safe_cell(title) for title in titles]
    assert header[7] == "'" + titles[0]
    _assert_no_formula_cells([header, *rows], "progress grid CSV")
