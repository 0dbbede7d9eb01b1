"""The XSS corpus (tests/hostile/xss_payloads.txt, 300+ payloads) typed into every field where
people type text, through the real path (a form POST, the API, the HR import), then every
rendering that shows the value checked: HTML pages against the same page with harmless text
(`checks.assert_inert_html`: no injected element, attribute, handler or script URL, and the
payload visible as literal text), emails (plain text, no HTML alternative, payloads verbatim),
CSV/XLSX exports (formula-guarded by `lms.spreadsheets.safe_cell`, nothing else altered) and
PDFs (built without error, `pdftotext` shows the payload as typed: reportlab's paragraph markup
in user text is escaped, not interpreted).

Inventory of the fields where people type text ("yes": covered by a test below; "todo": not
yet, see the helper's report; "more: <word>": covered in `test_xss_fields_more.py` by the
test whose name has that word). Path = how the value is stored; renderings = what shows it.

| Who | Field (max chars) | Path | Renderings | Test |
|---|---|---|---|---|
| FTO | shift unit (60), notes (5000) | POST /field/<pk>/shifts/new | record, FTO home | yes |
| FTO | DOR most/least/comments (5000), | POST .../reports/new | DOR page, record, | yes |
| | category narratives (3000) | | DOR + task-book PDF | |
| FTO | task sign-off notes (5000) | POST .../tasks/<id>/ | record, PDF | yes |
| Trainee | DOR acknowledgement comment (3000) | POST .../acknowledge/ | DOR page, PDF | yes |
| Supervisor | phase extension reason (3000) | POST /field/<pk>/extend/ | record, supervise | yes |
| Learner | certificate number (80) | POST /credentials/new/ | credential page, | yes |
| | | | compliance CSV | |
| HR | verify note / reject reason (2000) | POST /credentials/<id>/... | credential page | yes |
| Learner | CE title (255), provider (200) | POST /credentials/ce/new/ | CE page | yes |
| Learner | reflection (rich) | POST .../debrief/ | debrief, review | more: reflections |
| Coach | feedback (rich) | POST /coach/attempts/<pk>/ | debrief, review | more: reflections |
| Coach | role-play notes (rich) | POST /coach/roleplay/new/ | list, form | more: roleplay |
| Supervisor | end reasons (500) | POST .../assignments/<pk>/end/ | training | more: unassignment |
| Supervisor | reset reasons (500) | POST .../progress/<pk>/reset/ | none shown | todo |
| HR | invitation first/last name (150) | POST /invitations/ | list, email | more: invitation |
| HR system | staff names (150) | HR import (CSV) | staff pages, readiness | more: import |
| | | | CSV/XLSX, welcome email, | |
| | | | error report | |
| API | staff names | POST /api/v1/staff | staff pages | more: api |
| Anyone | API token name (100) | POST /api/tokens/new/ | token list, audit | more: token |
| | | | page + CSV/XLSX | |
| Admin | organisation name | Wagtail admin (ORM) | readiness + compliance | more: organisation |
| | | | SVG charts, certificate | |
| Author | module title | Wagtail admin | progress-grid CSV | more: grid |

NUL characters are refused by Django's form fields (400), so NUL payloads are not stored. Names
(invitation form, HR import, API) refuse tabs, line breaks and other control characters, and
email subjects are made one line (`lms.accounts.tasks.one_line`): no BadHeaderError.
"""

import datetime
import uuid
from html import escape

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates.models import ContinuingEducation, Credential, CredentialDecision
from courses.models import (
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    TaskObservation,
)
from courses.services import field as field_services
from lms.sanitize import plain_text
from tests.factories.certificates import CredentialTypeFactory, pdf_bytes
from tests.factories.field import start
from tests.hostile.checks import (
    assert_formula_guarded,
    assert_inert_html,
    assert_pdf_shows,
    assert_shown_as_text,
    csv_cells,
    pdf_text,
)
from tests.hostile.corpus import chunks, load_payloads

PAYLOADS = load_payloads()
# Django's form fields refuse NUL ("Null characters are not allowed."): those payloads are
# checked to be refused, the others are stored.
NUL_PAYLOADS = [p for p in PAYLOADS if "\0" in p]
TYPED = [p for p in PAYLOADS if "\0" not in p]
HARMLESS = "Plain words"


def _ascii(payloads):
    """Payloads the PDF fonts can show glyph for glyph (pdftotext then gives them back)."""
    return [p for p in payloads if p.isascii() and p.isprintable() and p.strip()]


def _pages(client, urls):
    """Each page's HTML (after a first request that shows and clears the flash messages)."""
    client.get(urls[0])
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        pages[url] = response.content.decode()
    return pages


def _errors(response) -> str:
    """The form errors of a refused POST, for the assertion message."""
    root = lxml.html.document_fromstring(response.content.decode())
    found = root.xpath('//p[@class="error"]|//div[@class="form-errors"]')
    return " | ".join(" ".join(e.text_content().split()) for e in found)[:2000]


def _compare(hostile: dict, harmless: dict, *, rich=False):
    for url, html in hostile.items():
        assert_inert_html(html, harmless[url], rich=rich, where=url)


# --- field training ------------------------------------------------------------------------


@pytest.fixture
def training(city):
    return start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)


def _task_ids(training):
    return [task["id"] for phase in training.spec["phases"] for task in phase["tasks"]]


def test_field_training_text_is_inert_in_pages_and_pdfs(city, client_for, training):
    fto, learner, supervisor = client_for("fto"), client_for("learner"), client_for("supervisor")
    today = training.organisation.today()
    notes = chunks(TYPED, 5000)
    short = [p for p in TYPED if len(p) <= 60]
    # Shifts: unit and notes.
    for n, text in enumerate(notes):
        response = fto.post(
            f"/field/{training.pk}/shifts/new/",
            {
                "request_key": str(uuid.uuid4()),
                "shift_date": (today - datetime.timedelta(days=n + 1)).isoformat(),
                "start": "07:00",
                "end": "15:00",
                "unit": short[n],
                "notes": text,
            },
        )
        assert response.status_code == 302, _errors(response)
    rides = list(RideAlong.objects.filter(trainee=city.learner.user).order_by("shift_date"))
    assert len(rides) == len(notes)
    # One DOR carries every payload in its narratives; the trainee's comment carries them too.
    spec = field_services.spec_of(training)
    long_parts = chunks(TYPED, 3000)
    data = {
        "request_key": str(uuid.uuid4()),
        "ride_along": str(rides[0].pk),
        "most_satisfactory": notes[0],
        "least_satisfactory": notes[1],
        "comments": notes[2] if len(notes) > 2 else "",
    }
    for n, category in enumerate(spec.categories):
        data[f"rating-{category.id}"] = "4"
        data[f"narrative-{category.id}"] = long_parts[n % len(long_parts)]
    response = fto.post(f"/field/{training.pk}/reports/new/", data)
    assert response.status_code == 302, _errors(response)
    dor = ObservationReport.objects.get()
    response = learner.post(
        f"/field/reports/{dor.pk}/acknowledge/",
        {"request_key": str(uuid.uuid4()), "comment": long_parts[0]},
    )
    assert response.status_code == 302
    # Task sign-offs: notes.
    for n, text in enumerate(notes):
        response = fto.post(
            f"/field/{training.pk}/tasks/{_task_ids(training)[0]}/",
            {
                "request_key": str(uuid.uuid4()),
                "observed_on": (today - datetime.timedelta(days=1)).isoformat(),
                "satisfactory": "yes",
                "context": "ride_along",
                "ride_along": str(rides[n].pk),
                "notes": text,
            },
        )
        assert response.status_code == 302, _errors(response)
    assert TaskObservation.objects.count() == len(notes)
    # The supervisor extends the phase with a reason.
    response = supervisor.post(
        f"/field/{training.pk}/extend/",
        {"request_key": str(uuid.uuid4()), "days": "5", "reason": long_parts[1]},
    )
    assert response.status_code == 302, _errors(response)

    record, report = f"/field/{training.pk}/", f"/field/reports/{dor.pk}/"
    views = {
        "fto": (fto, [record, report, "/field/"]),
        "learner": (learner, [record, report]),
        "supervisor": (supervisor, [record, "/field/supervise/"]),
    }
    hostile = {who: _pages(client, urls) for who, (client, urls) in views.items()}
    assert_shown_as_text(hostile["fto"][report], TYPED, where="DOR page")
    assert_shown_as_text(hostile["learner"][record], short[: len(notes)], where="record units")
    dor_pdf = fto.get(f"{report}dor.pdf")
    book_pdf = supervisor.get(f"{record}task-book.pdf")
    assert dor_pdf.status_code == book_pdf.status_code == 200
    dor_bytes = b"".join(dor_pdf) if dor_pdf.streaming else dor_pdf.content
    book_bytes = b"".join(book_pdf) if book_pdf.streaming else book_pdf.content
    assert_pdf_shows(dor_bytes, _ascii(TYPED), where="DOR PDF")
    assert_pdf_shows(book_bytes, _ascii(TYPED), where="task-book PDF")

    # The same pages with harmless text in every field typed above.
    RideAlong.objects.update(unit="CR-1", notes=HARMLESS)
    ObservationReport.objects.update(
        most_satisfactory=HARMLESS, least_satisfactory=HARMLESS, comments=HARMLESS
    )
    dor.ratings.update(narrative=HARMLESS)
    TaskObservation.objects.update(notes=HARMLESS)
    Signoff.objects.update(comment=HARMLESS)
    PhaseExtension.objects.update(reason=HARMLESS)
    harmless = {who: _pages(client, urls) for who, (client, urls) in views.items()}
    for who in views:
        _compare(hostile[who], harmless[who])


# --- credentials ---------------------------------------------------------------------------


def _pdf_response_bytes(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response) if response.streaming else response.content


def test_credential_text_is_inert_in_pages_csv_and_transcript(city, client_for):
    cpr = CredentialTypeFactory(name="CPR/BLS provider", slug="cpr-bls", renewal_ce_hours=8)
    learner, hr = client_for("learner"), client_for("hr")
    today = city.department.today()
    reasons = chunks(TYPED, 2000)
    numbers = [p for p in TYPED if len(plain_text(p)) <= 80][: len(reasons)]
    # One pending credential at a time: HR rejects each with a reason, and verifies the last
    # with a note (CE is logged against it).
    for n, (number, reason) in enumerate(zip(numbers, reasons, strict=True)):
        response = learner.post(
            "/credentials/new/",
            {
                "credential_type": cpr.pk,
                "issued_on": (today - datetime.timedelta(days=10)).isoformat(),
                "expires_on": (today + datetime.timedelta(days=700)).isoformat(),
                "certificate_number": number,
                "request_key": str(uuid.uuid4()),
                "evidence": SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf"),
            },
        )
        assert response.status_code == 302, _errors(response)
        credential = Credential.objects.latest("pk")
        action = "verify" if n == len(numbers) - 1 else "reject"
        response = hr.post(
            f"/credentials/{credential.public_id}/{action}/",
            {f"{action}-request_key": str(uuid.uuid4()), f"{action}-reason": reason},
        )
        assert response.status_code == 302, _errors(response)
    credentials = list(Credential.objects.order_by("pk"))
    stored = [plain_text(reason) for reason in reasons]
    assert CredentialDecision.objects.filter(reason__in=stored).count() == len(reasons)
    # CE entries against the verified credential: course title and provider.
    for title, provider in zip(chunks(TYPED, 255), chunks(TYPED[::-1], 200), strict=False):
        response = learner.post(
            "/credentials/ce/new/",
            {
                "request_key": str(uuid.uuid4()),
                "title": title,
                "provider": provider,
                "hours": "1",
                "completed_on": today.isoformat(),
                "evidence": SimpleUploadedFile("c.pdf", pdf_bytes(), "application/pdf"),
            },
        )
        assert response.status_code == 302, _errors(response)
    assert ContinuingEducation.objects.count() == len(chunks(TYPED, 255))

    details = [f"/credentials/{c.public_id}/" for c in credentials]
    views = {
        "learner": (learner, ["/credentials/", "/credentials/ce/", *details]),
        "hr": (hr, details),
    }
    hostile = {who: _pages(client, urls) for who, (client, urls) in views.items()}
    for url, reason in zip(details, reasons, strict=True):
        assert_shown_as_text(hostile["learner"][url], [reason], where=url)
    assert_shown_as_text(hostile["learner"][details[-1]], numbers[-1:], where="certificate number")
    assert_shown_as_text(hostile["learner"]["/credentials/ce/"], TYPED, where="CE titles")
    board = csv_cells(b"".join(hr.get("/credentials/compliance/?format=csv")))
    assert_formula_guarded(board, numbers, where="compliance CSV")
    transcript = _pdf_response_bytes(learner.get("/credentials/transcript.pdf"))
    assert "Training transcript" in pdf_text(transcript)  # builds (CE entries are not listed)

    Credential.objects.update(certificate_number="AHA-1")
    CredentialDecision.objects.update(reason=HARMLESS)
    ContinuingEducation.objects.update(title=HARMLESS, provider=HARMLESS)
    harmless = {who: _pages(client, urls) for who, (client, urls) in views.items()}
    for who in views:
        _compare(hostile[who], harmless[who])


# --- the checks themselves -----------------------------------------------------------------


def test_the_html_check_catches_each_kind_of_injection():
    page = "<html><body><main><p>{}</p></main></body></html>"
    harmless = page.format(HARMLESS)
    escaped = page.format(escape("\n".join(plain_text(p) for p in TYPED)))
    assert_inert_html(escaped, harmless)
    assert_shown_as_text(escaped, TYPED)
    for raw in (
        "<script>__xss(1)</script>",
        "<img src=x onerror=__xss(2)>",
        '<a href="javascript:__xss(3)">x</a>',
        "<b onmouseover=__xss(4)>x</b>",
        "<span style=color:red>x</span>",
    ):
        with pytest.raises(AssertionError):
            assert_inert_html(page.format(raw), harmless)
