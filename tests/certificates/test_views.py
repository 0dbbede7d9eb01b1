"""The credential pages through the client: my credentials (and on a future date), recording
with evidence (and bad evidence), one credential and HR's decisions, the evidence file, the
verification queue, the compliance board and its CSV, CE, reminders and the calendar feed."""

import csv
import datetime
import io
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from certificates import ical, selectors
from certificates.models import (
    CalendarFeed,
    ContinuingEducation,
    Credential,
    CredentialDecision,
    CredentialState,
    ReminderPreference,
    Verification,
)
from certificates.services import calendar as calendar_services
from certificates.services import earning
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import StaffProfileFactory
from tests.factories.certificates import (
    CredentialTypeFactory,
    pdf_bytes,
    png_bytes,
    record_external,
    require,
    verify,
)

DAY = datetime.timedelta(days=1)


@pytest.fixture
def cpr(city):
    return CredentialTypeFactory(
        name="CPR/BLS provider", slug="cpr-bls", renewal_ce_hours=Decimal("8")
    )


def held(*, holder, credential_type, issued_on, expires_on, hr):
    """A verified external credential."""
    credential = record_external(
        holder=holder, credential_type=credential_type, issued_on=issued_on, expires_on=expires_on
    )
    verify(credential=credential, actor=hr)
    credential.refresh_from_db()
    return credential


def _file(data: bytes, name: str = "certificate.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _private_files() -> list[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- My credentials ---------------------------------------------------------------------------


def test_my_credentials_shows_status_days_window_renewal_and_history(city, cpr, today, client_for):
    hr = city.user("hr")
    learner = city.user("learner")
    old = held(
        holder=learner,
        credential_type=cpr,
        issued_on=today - 800 * DAY,
        expires_on=today - 70 * DAY,
        hr=hr,
    )
    current = held(
        holder=learner,
        credential_type=cpr,
        issued_on=today - 300 * DAY,
        expires_on=today + 20 * DAY,
        hr=hr,
    )
    assert current.previous_id == old.pk
    pending = record_external(holder=learner, issued_on=today - 10 * DAY)
    page = client_for("learner").get("/credentials/").content.decode()
    assert "CPR/BLS provider" in page
    assert "Renewal window open" in page  # a word, not colour alone
    assert "20 days left" in page
    assert f"opens {(today + 20 * DAY - 90 * DAY):%-d %b %Y}" in page
    assert "8 continuing-education hours" in page  # the type's renewal summary
    assert "0 of 8 hours" in page
    assert "Earlier instances (1)" in page
    assert "Renewed" in page
    assert "Awaiting verification (1)" in page
    assert pending.title in page
    assert 'href="/credentials/new/"' in page


def test_status_on_a_future_date(city, cpr, today, client_for):
    held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 100 * DAY,
        expires_on=today + 200 * DAY,
        hr=city.user("hr"),
    )
    client = client_for("learner")
    assert "Active" in client.get("/credentials/").content.decode()
    in_window = today + 150 * DAY
    page = client.get(f"/credentials/?on={in_window.isoformat()}").content.decode()
    assert f"Statuses on {in_window:%A %-d %B %Y}" in page
    assert "Renewal window open" in page
    assert "50 days left" in page
    page = client.get(f"/credentials/?on={(today + 215 * DAY).isoformat()}").content.decode()
    assert "Expired: in grace period" in page
    page = client.get(f"/credentials/?on={(today + 400 * DAY).isoformat()}").content.decode()
    assert "Expired 200 days ago" in page
    page = client.get("/credentials/?on=1-March").content.decode()
    assert "Give the date as YYYY-MM-DD" in page


def test_my_credentials_runs_constant_queries(
    city, cpr, today, client_for, django_assert_max_num_queries
):
    client = client_for("learner")
    learner, hr = city.user("learner"), city.user("hr")
    held(holder=learner, credential_type=cpr, issued_on=today - DAY, expires_on=today, hr=hr)
    with django_assert_max_num_queries(9):
        assert client.get("/credentials/").status_code == 200
    for n in range(6):
        kind = CredentialTypeFactory(renewal_ce_hours=Decimal(2), renewal_field_observations=1)
        held(
            holder=learner,
            credential_type=kind,
            issued_on=today - (n + 2) * DAY,
            expires_on=today + n * 30 * DAY,
            hr=hr,
        )
        record_external(holder=learner, credential_type=CredentialTypeFactory())
    with django_assert_max_num_queries(9):
        assert client.get("/credentials/").status_code == 200


def test_bulk_progress_matches_the_service(city, cpr, today):
    learner = city.user("learner")
    credential = held(
        holder=learner,
        credential_type=cpr,
        issued_on=today - 30 * DAY,
        expires_on=today + 300 * DAY,
        hr=city.user("hr"),
    )
    ContinuingEducation.objects.create(
        holder=learner,
        source="external",
        title="Refresher",
        hours=Decimal("3.5"),
        completed_on=today - DAY,
        created_at=credential.created_at,
    )
    ContinuingEducation.objects.create(
        holder=learner,
        source="external",
        title="Before the cycle",
        hours=Decimal("9"),
        completed_on=today - 60 * DAY,
        created_at=credential.created_at,
    )
    activity = selectors.holder_activity(
        user_ids=[learner.pk], program_ids=[], with_observations=True
    )[learner.pk]
    bulk = {
        p.name: (p.needed, p.done, p.met) for p in selectors.progress_parts(credential, activity)
    }
    service = {
        name: (part["needed"], part["done"], part["met"])
        for name, part in earning.renewal_progress(credential).items()
    }
    assert bulk == service == {"ce_hours": (Decimal(8), Decimal("3.5"), False)}


# --- Recording an external credential ---------------------------------------------------------


def _record_data(cpr, today, **overrides):
    return {
        "credential_type": cpr.pk,
        "issued_on": (today - 10 * DAY).isoformat(),
        "expires_on": (today + 700 * DAY).isoformat(),
        "certificate_number": "AHA-42",
        "request_key": str(uuid.uuid4()),
        "evidence": _file(pdf_bytes()),
        **overrides,
    }


def test_record_stores_the_credential_and_its_evidence_for_verification(
    city, cpr, today, client_for
):
    client = client_for("learner")
    form = client.get("/credentials/new/").content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert "CPR/BLS provider" in form
    data = _record_data(cpr, today)
    response = client.post("/credentials/new/", data)
    credential = Credential.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/credentials/{credential.public_id}/"
    assert credential.verification == Verification.PENDING
    assert credential.evidence_type == "application/pdf"
    assert credential.certificate_number == "AHA-42"
    assert len(_private_files()) == 1
    page = client.get(response["Location"]).content.decode()
    assert "awaits verification by HR" in page
    assert "Awaiting verification" in page
    # The same form sent twice (a double tap) records once.
    data["evidence"] = _file(pdf_bytes())
    assert client.post("/credentials/new/", data).status_code == 302
    assert Credential.objects.count() == 1


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        pytest.param(_file(EXE, "certificate.pdf"), "not a PDF, PNG or JPEG", id="exe-as-pdf"),
        pytest.param(_file(b"", "certificate.pdf"), "empty", id="empty"),
        pytest.param(
            _file(b"GIF89a\x01\x00\x01\x00" + b"\x00" * 40, "scan.png", "image/png"),
            "not a PDF, PNG or JPEG",
            id="wrong-type",
        ),
        pytest.param(_file(b"%PDF-1.4 no end", "broken.pdf"), "incomplete or damaged", id="pdf"),
    ],
)
def test_bad_evidence_is_refused_with_a_clear_message_and_nothing_stored(
    city, cpr, today, client_for, upload, message
):
    response = client_for("learner").post(
        "/credentials/new/", _record_data(cpr, today, evidence=upload)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Credential.objects.exists()
    assert not CredentialDecision.objects.exists()
    assert _private_files() == []


def test_oversized_evidence_is_refused(city, cpr, today, client_for, monkeypatch):
    monkeypatch.setattr("lms.uploads.MAX_EVIDENCE_BYTES", 1024 * 1024)
    big = pdf_bytes("x" * (1024 * 1024 + 10))
    response = client_for("learner").post(
        "/credentials/new/", _record_data(cpr, today, evidence=_file(big))
    )
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    assert not Credential.objects.exists()
    assert _private_files() == []


def test_expiry_before_issue_and_future_issue_are_refused(city, cpr, today, client_for):
    client = client_for("learner")
    response = client.post(
        "/credentials/new/",
        _record_data(cpr, today, expires_on=(today - 20 * DAY).isoformat()),
    )
    assert response.status_code == 400
    assert "The expiry date cannot be before the issue date." in response.content.decode()
    response = client.post(
        "/credentials/new/", _record_data(cpr, today, issued_on=(today + DAY).isoformat())
    )
    assert response.status_code == 400
    assert "The issue date cannot be in the future." in response.content.decode()
    assert not Credential.objects.exists()
    assert _private_files() == []


def test_png_evidence_is_accepted(city, cpr, today, client_for):
    response = client_for("learner").post(
        "/credentials/new/",
        _record_data(cpr, today, evidence=_file(png_bytes(), "photo.png", "image/png")),
    )
    assert response.status_code == 302
    assert Credential.objects.get().evidence_type == "image/png"


# --- One credential, its decisions and its evidence ---------------------------------------------


@pytest.fixture
def pending(city, cpr, today):
    return record_external(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 700 * DAY,
    )


def test_detail_is_for_the_holder_and_those_who_see_them(city, pending, client_for):
    url = f"/credentials/{pending.public_id}/"
    # One client each: a TOTP code is accepted once.
    clients = {role: client_for(role) for role in ("learner", "fto", "supervisor", "hr", "admin")}
    for role, client in clients.items():
        assert client.get(url).status_code == 200, role
    for role in ("author", "cbo_supervisor"):
        assert client_for(role).get(url).status_code == 404, role
    assert clients["learner"].get(f"/credentials/{uuid.uuid4()}/").status_code == 404
    holder_page = clients["learner"].get(url).content.decode()
    assert "Verify" not in holder_page.split("Signed decisions")[0]
    hr_page = clients["hr"].get(url).content.decode()
    assert 'action="/credentials/' in hr_page
    assert f'action="/credentials/{pending.public_id}/verify/"' in hr_page
    assert f'action="/credentials/{pending.public_id}/reject/"' in hr_page
    assert "Recorded by the holder" in hr_page
    assert "I hold this credential" in hr_page


def test_hr_verifies_and_the_decision_is_shown_signed(city, pending, client_for):
    client = client_for("hr")
    response = client.post(
        f"/credentials/{pending.public_id}/verify/",
        {"verify-request_key": str(uuid.uuid4()), "verify-reason": ""},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification == Verification.VERIFIED
    page = client.get(f"/credentials/{pending.public_id}/").content.decode()
    decision = CredentialDecision.objects.get(kind="verified")
    assert "Verified</strong> · signed by" in page
    assert decision.actor_name in page
    assert "HR" in page
    assert decision.record_hash[:16] in page
    assert "Active" in page


def test_reject_needs_a_reason(city, pending, client_for):
    client = client_for("hr")
    url = f"/credentials/{pending.public_id}/reject/"
    response = client.post(url, {"reject-request_key": str(uuid.uuid4())})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    pending.refresh_from_db()
    assert pending.verification == Verification.PENDING
    response = client.post(
        url, {"reject-request_key": str(uuid.uuid4()), "reject-reason": "Number unknown to AHA"}
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.verification == Verification.REJECTED
    page = client_for("learner").get(f"/credentials/{pending.public_id}/").content.decode()
    assert "Rejected" in page
    assert "Number unknown to AHA" in page


def test_nobody_verifies_their_own(city, cpr, today, client_for):
    own = record_external(holder=city.user("hr"), credential_type=cpr, issued_on=today)
    client = client_for("hr")
    page = client.get(f"/credentials/{own.public_id}/").content.decode()
    assert f"/credentials/{own.public_id}/verify/" not in page
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    response = client.post(
        f"/credentials/{own.public_id}/verify/", {"verify-request_key": str(uuid.uuid4())}
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.verification == Verification.PENDING
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 1
    # Nor does anyone see it in their own queue.
    assert own.title not in client.get("/credentials/verify/").content.decode()


def test_others_cannot_decide(city, pending, client_for):
    data = {"verify-request_key": str(uuid.uuid4())}
    url = f"/credentials/{pending.public_id}/verify/"
    assert client_for("learner").post(url, data).status_code == 403
    assert client_for("supervisor").post(url, data).status_code == 403
    assert client_for("cbo_supervisor").post(url, data).status_code == 404
    assert client_for("hr").get(url).status_code == 405


def test_hr_suspends_reinstates_extends_and_revokes(city, cpr, today, client_for):
    credential = held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 10 * DAY,
        expires_on=today + 100 * DAY,
        hr=city.user("hr"),
    )
    client = client_for("hr")
    base = f"/credentials/{credential.public_id}"

    def post(action, **data):
        return client.post(
            f"{base}/{action}/",
            {f"{action}-request_key": str(uuid.uuid4())}
            | {f"{action}-{k}": v for k, v in data.items()},
        )

    assert post("suspend").status_code == 400  # the reason is required
    assert post("suspend", reason="Under review").status_code == 302
    credential.refresh_from_db()
    assert credential.state == CredentialState.SUSPENDED
    assert "Suspended" in client_for("learner").get("/credentials/").content.decode()
    assert post("reinstate", reason="Review closed").status_code == 302
    response = post("extend", expires_on=(today + 50 * DAY).isoformat(), reason="Late course")
    assert response.status_code == 400
    assert "An extension moves the expiry later." in response.content.decode()
    new = today + 160 * DAY
    assert post("extend", expires_on=new.isoformat(), reason="Course cancelled").status_code == 302
    credential.refresh_from_db()
    assert credential.expires_on == new
    assert credential.original_expires_on == today + 100 * DAY
    page = client.get(f"{base}/").content.decode()
    assert f"Expiry moved from {(today + 100 * DAY).isoformat()} to {new.isoformat()}" in page
    assert post("revoke", reason="Fraudulent").status_code == 302
    credential.refresh_from_db()
    assert credential.state == CredentialState.REVOKED
    # Revoked: no further action applies.
    assert post("suspend", reason="Again").status_code == 400
    kinds = list(credential.decisions.values_list("kind", flat=True))
    assert kinds == ["recorded", "verified", "suspended", "reinstated", "extended", "revoked"]


def test_evidence_is_served_privately_to_those_allowed(city, pending, client_for):
    url = f"/credentials/{pending.public_id}/evidence/"
    clients = {role: client_for(role) for role in ("learner", "supervisor", "hr", "admin")}
    for role, client in clients.items():
        response = client.get(url)
        assert response.status_code == 200, role
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        # Reading the stream to its end closes the file (the test client's wrapper); an extra
        # `response.close()` would fire request_finished and close the test's database
        # connection on PostgreSQL.
        assert b"".join(response.streaming_content) == pdf_bytes()
    before = AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count()
    for role in ("fto", "author", "cbo_supervisor"):
        assert client_for(role).get(url).status_code == 404, role
    assert AuditEvent.objects.filter(action=AuditAction.ACCESS_DENIED).count() == before + 3
    assert clients["hr"].get(f"/credentials/{uuid.uuid4()}/evidence/").status_code == 404


# --- Verification queue ------------------------------------------------------------------------


def test_verification_queue_lists_visible_pending_oldest_first(
    city, cpr, today, client_for, django_assert_max_num_queries
):
    first = record_external(holder=city.user("learner"), credential_type=cpr, issued_on=today)
    second = record_external(holder=city.user("cbo_learner"), issued_on=today)
    hidden = record_external(holder=city.user("private_cbo_learner"), issued_on=today)
    client = client_for("hr")
    with django_assert_max_num_queries(8):
        page = client.get("/credentials/verify/").content.decode()
    assert page.index(str(first.public_id)) < page.index(str(second.public_id))
    assert str(hidden.public_id) not in page
    assert "Waiting (2)" in page
    for _ in range(8):
        record_external(holder=StaffProfileFactory(organisation=city.department).user)
    with django_assert_max_num_queries(8):
        assert "Waiting (10)" in client.get("/credentials/verify/").content.decode()
    assert client_for("supervisor").get("/credentials/verify/").status_code == 403
    assert client_for("learner").get("/credentials/verify/").status_code == 403


# --- Compliance board --------------------------------------------------------------------------


@pytest.fixture
def board_state(city, cpr, today):
    """The learner's role requires CPR (which lapsed) and naloxone (never held); the FTO's CPR
    expires in 20 days; the sharing CBO's learner has one in grace."""
    hr = city.user("hr")
    naloxone = CredentialTypeFactory(name="Naloxone administration", slug="naloxone")
    require(city.learner.job_role, cpr, naloxone)
    held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 800 * DAY,
        expires_on=today - 100 * DAY,
        hr=hr,
    )
    held(
        holder=city.user("fto"),
        credential_type=cpr,
        issued_on=today - 300 * DAY,
        expires_on=today + 20 * DAY,
        hr=hr,
    )
    held(
        holder=city.user("cbo_learner"),
        credential_type=cpr,
        issued_on=today - 300 * DAY,
        expires_on=today - 5 * DAY,
        hr=hr,
    )
    return naloxone


def test_compliance_board_for_supervisor_is_their_organisation(
    city, board_state, client_for, today
):
    page = client_for("supervisor").get("/credentials/compliance/").content.decode()
    learner = city.user("learner").display_name
    assert "Not qualified for their role (1)" in page
    assert learner in page
    assert "Naloxone administration</strong>: not held" in page
    assert f"expired on {(today - 100 * DAY):%-d %b %Y}" in page
    assert "Expiring within 30 days (1)" in page
    assert city.user("fto").display_name in page
    assert city.user("cbo_learner").display_name not in page
    assert "Expired, in grace period (0)" in page
    assert '<meter class="bar__meter"' in page  # the chart, with its table
    assert "The chart&#x27;s figures" in page or "The chart's figures" in page


def test_compliance_board_for_hr_follows_data_sharing_and_filters(city, board_state, client_for):
    client = client_for("hr")
    page = client.get("/credentials/compliance/").content.decode()
    assert city.user("cbo_learner").display_name in page  # shares data with the city
    assert "Expired, in grace period (1)" in page
    assert city.user("private_cbo_learner").display_name not in page
    page = client.get(
        f"/credentials/compliance/?organisation={city.sharing_cbo.pk}"
    ).content.decode()
    assert "Expiring within 30 days (0)" in page
    assert "Expired, in grace period (1)" in page
    page = client.get(
        f"/credentials/compliance/?job_role={city.learner.job_role_id}"
    ).content.decode()
    assert "Not qualified for their role (1)" in page
    assert "Expired, in grace period (0)" in page
    assert client_for("learner").get("/credentials/compliance/").status_code == 403
    assert client_for("fto").get("/credentials/compliance/").status_code == 403


def test_compliance_csv_escapes_formulas(city, board_state, client_for):
    user = city.user("learner")
    user.first_name = "=HYPERLINK(1)"
    user.save(update_fields=["first_name"])
    response = client_for("supervisor").get("/credentials/compliance/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Name", "Email", "Employee id"]
    learner_rows = [row for row in rows if row[1] == user.email]
    assert {row[0] for row in learner_rows} == {f"'=HYPERLINK(1) {user.last_name}"}
    assert {row[5] for row in learner_rows} == {"CPR/BLS provider", "Naloxone administration"}
    assert all(row[-1] == "yes" for row in learner_rows)
    assert not any(row[0].startswith(("=", "+", "-", "@")) for row in rows)
    from lms.audit.models import AuditAction, AuditEvent

    export = AuditEvent.objects.get(action=AuditAction.EXPORTED)
    assert export.actor == city.user("supervisor")
    assert export.target == "credential_compliance_csv"
    assert export.data["rows"] == len(rows) - 1 or export.data["rows"] > 0


def test_compliance_board_runs_constant_queries(
    city, cpr, today, client_for, django_assert_max_num_queries
):
    client = client_for("hr")
    require(city.learner.job_role, cpr)
    with django_assert_max_num_queries(11):
        assert client.get("/credentials/compliance/").status_code == 200
    hr = city.user("hr")
    for n in range(10):
        profile = StaffProfileFactory(organisation=city.department, job_role=city.learner.job_role)
        held(
            holder=profile.user,
            credential_type=cpr,
            issued_on=today - 300 * DAY,
            expires_on=today + (n * 10 - 20) * DAY,
            hr=hr,
        )
    with django_assert_max_num_queries(11):
        page = client.get("/credentials/compliance/").content.decode()
    assert "Not qualified for their role (3)" in page  # the learner, and two expired
    # The board, and the export's audit row (on PostgreSQL the audit chain also takes its
    # advisory lock: one more query).
    with django_assert_max_num_queries(14):
        assert client.get("/credentials/compliance/?format=csv").status_code == 200


def test_qualification_gaps(city, board_state, today):
    gaps = selectors.qualification_gaps(city.learner, today)
    assert [(gap.name, gap.reason) for gap in gaps] == [
        ("CPR/BLS provider", f"expired on {(today - 100 * DAY):%-d %b %Y}"),
        ("Naloxone administration", "not held"),
    ]
    assert selectors.qualification_gaps(city.fto, today) == []
    assert selectors.qualification_gaps(city.learner, today)[0].credential is not None


# --- Continuing education, reminders, calendar ------------------------------------------------


def test_ce_ledger_and_recording_an_event(city, cpr, today, client_for):
    held(
        holder=city.user("learner"),
        credential_type=cpr,
        issued_on=today - 30 * DAY,
        expires_on=today + 300 * DAY,
        hr=city.user("hr"),
    )
    client = client_for("learner")
    data = {
        "request_key": str(uuid.uuid4()),
        "title": "Trauma-informed care, part 2",
        "provider": "State EMS office",
        "hours": "3.5",
        "completed_on": (today + DAY).isoformat(),
        "evidence": _file(pdf_bytes()),
    }
    response = client.post("/credentials/ce/new/", data)
    assert response.status_code == 400
    assert "A CE entry cannot be dated in the future." in response.content.decode()
    assert not ContinuingEducation.objects.exists()
    data |= {"completed_on": today.isoformat(), "evidence": _file(EXE, "cert.pdf")}
    response = client.post("/credentials/ce/new/", data)
    assert response.status_code == 400
    assert "not a PDF, PNG or JPEG" in response.content.decode()
    assert not ContinuingEducation.objects.exists()
    data["evidence"] = _file(pdf_bytes())
    assert client.post("/credentials/ce/new/", data).status_code == 302
    data["evidence"] = _file(pdf_bytes())
    assert client.post("/credentials/ce/new/", data).status_code == 302  # a double submit
    assert ContinuingEducation.objects.count() == 1
    page = client.get("/credentials/ce/").content.decode()
    assert "Trauma-informed care, part 2" in page
    assert "3.5 of 8 hours" in page
    assert "3.5 hours in all" in page
    entry = ContinuingEducation.objects.get()
    evidence_url = f"/credentials/ce/{entry.pk}/evidence/"
    assert evidence_url in page
    download = client.get(evidence_url)
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert client_for("cbo_supervisor").get(evidence_url).status_code == 404


def test_reminder_preference(city, client_for):
    client = client_for("learner")
    assert client.post("/credentials/preferences/", {}).status_code == 400
    assert client.post("/credentials/preferences/", {"channel": "in_app"}).status_code == 302
    assert ReminderPreference.objects.get(user=city.user("learner")).by_email is False
    page = client.get("/credentials/preferences/").content.decode()
    assert 'value="in_app" id="id_channel_1" required checked' in page


def test_calendar_feed_created_read_and_revoked(city, today, client_for):
    odd = CredentialTypeFactory(
        name="Crisis Intervention; 40-hour, \\ advanced", slug="cit", window_days=60
    )
    credential = held(
        holder=city.user("learner"),
        credential_type=odd,
        issued_on=today - 10 * DAY,
        expires_on=today + 400 * DAY,
        hr=city.user("hr"),
    )
    client = client_for("learner")
    page = client.post("/credentials/calendar/", {"action": "create"}).content.decode()
    feed = CalendarFeed.objects.get()
    url = page.split('id="feed-url" type="text" value="')[1].split('"')[0]
    path = url.split("testserver")[1]
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert feed.token_hash == calendar_services.token_hash(token)
    assert token not in feed.token_hash
    assert token not in client.get("/credentials/calendar/").content.decode()  # shown once

    response = Client().get(path)  # no sign-in: calendar apps cannot
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "X-WR-CALNAME:Relay credentials: " in body
    assert body.count("BEGIN:VEVENT") == 2
    expires = credential.expires_on
    assert f"DTSTART;VALUE=DATE:{expires:%Y%m%d}" in body
    assert f"DTSTART;VALUE=DATE:{(expires - 60 * DAY):%Y%m%d}" in body
    assert f"UID:{credential.public_id}-expiry@credentials.relay" in body
    assert "DTSTAMP:" in body
    unfolded = body.replace("\r\n ", "")
    assert "SUMMARY:Crisis Intervention\\; 40-hour\\, \\\\ advanced expires" in unfolded
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))

    assert client.post("/credentials/calendar/", {"action": "revoke"}).status_code == 302
    assert CalendarFeed.objects.get().revoked_at is not None
    assert Client().get(path).status_code == 404
    assert Client().get("/credentials/calendar/not-a-token.ics").status_code == 404


def test_ical_escaping_and_folding():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "DESCRIPTION:" + "é" * 100
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert "".join(part.removeprefix(" ") for part in parts) == line
    assert ical.fold("SHORT:x") == "SHORT:x"


def test_staff_detail_shows_the_supervisor_whether_the_person_is_qualified(city, client_for, cpr):
    require(city.learner.job_role, cpr)
    url = f"/people/{city.learner.pk}/"
    body = client_for("supervisor").get(url).content.decode()
    assert "Not qualified for their role" in body
    assert cpr.name in body
    assert "Qualified for their role?" not in client_for("learner").get(url).content.decode()


def test_an_earned_credential_under_way_shows_in_progress(city, client_for):
    from certificates.models import CredentialKind, CredentialRequirement, RequirementKind
    from tests.factories.certificates import CredentialTypeFactory
    from tests.factories.courses import assign, program_page

    program = program_page("Community responder academy")
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    earned = CredentialTypeFactory(
        name="Community responder certificate", slug="cr-cert", kind=CredentialKind.EARNED
    )
    CredentialRequirement.objects.create(
        credential_type=earned, kind=RequirementKind.PROGRAM, program=program
    )
    body = client_for("learner").get("/credentials/").content.decode()
    assert "In progress (1)" in body
    assert "Under way: Complete the program Community responder academy" in body
    assert "0 of 1 requirement met" in body
