"""The hostile upload corpus (`tests.hostile.uploads`) through every place Relay takes a file:
the evidence check itself, the two evidence forms (external credential, CE event), the API's
base64 evidence, the HR-system CSV import and the Wagtail admin's image and document uploads.

Each hostile file is refused with a clear message and nothing is stored (no row, no file); the
few harmless ones are accepted with a clean display name and the type read from the content,
and come back as a download (`attachment`, `nosniff`, their sniffed type).
"""

import base64
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from certificates.models import ContinuingEducation, Credential
from lms.accounts.models import StaffProfile
from lms.uploads import MAX_NAME_CHARS, display_name, evidence_from_upload
from tests.api.conftest import ApiClient, make_token
from tests.factories.certificates import CredentialTypeFactory
from tests.hostile.uploads import Sample, corpus, harmless, plain_pdf

SAMPLES = corpus()
HOSTILE = [sample for sample in SAMPLES if not harmless(sample)]
SNIFFED = {b"%PDF-": "application/pdf", b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def sniffed(sample: Sample) -> str:
    return next(kind for head, kind in SNIFFED.items() if sample.data.startswith(head))


def stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def file_of(sample: Sample) -> SimpleUploadedFile:
    return SimpleUploadedFile(sample.filename, sample.data, sample.content_type)


def assert_clean_name(name: str) -> None:
    assert name
    assert len(name) <= MAX_NAME_CHARS
    assert not any(ord(c) < 32 or c in "/\\" for c in name), repr(name)


def check_download(client, url: str, sample: Sample) -> list[str]:
    response = client.get(url)
    problems = []
    disposition = response.get("Content-Disposition", "")
    if response.status_code != 200:
        problems.append(f"download answered {response.status_code}")
    if not disposition.startswith("attachment"):
        problems.append(f"download is not an attachment: {disposition!r}")
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("download lacks nosniff")
    if response.get("Content-Type") != sniffed(sample):
        problems.append(f"download type {response.get('Content-Type')!r}")
    if b"".join(response.streaming_content) != sample.data:
        problems.append("download differs from the upload")
    return problems


# --- The check itself ----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda sample: sample.key)
def test_the_evidence_check(sample):
    if harmless(sample):
        evidence = evidence_from_upload(file_of(sample))
        assert evidence.content_type == sniffed(sample)
        assert_clean_name(evidence.name)
        assert evidence.file.read() == sample.data
        return
    with pytest.raises(ValidationError) as refused:
        evidence_from_upload(file_of(sample))
    assert sample.refusal in " ".join(refused.value.messages)


def test_the_corpus_is_small_and_its_keys_unique():
    assert len({sample.key for sample in SAMPLES}) == len(SAMPLES)
    assert max(len(sample.data) for sample in SAMPLES) < 512 * 1024
    assert len(HOSTILE) >= 25


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("certificate.php\x00.pdf", "certificate.php.pdf"),
        ("C:\\Users\\me\\scan.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("cert\r\nX-Injected: 1.pdf", "certX-Injected: 1.pdf"),
        ("", "evidence"),
        ("...", "evidence"),
        ("x" * 300 + ".jpeg", "x" * (MAX_NAME_CHARS - 5) + ".jpeg"),
        ("y" * 300, "y" * MAX_NAME_CHARS),
    ],
)
def test_display_names(typed, shown):
    assert display_name(typed) == shown


# --- The evidence forms --------------------------------------------------------------------------


@pytest.fixture
def cpr(db):
    return CredentialTypeFactory(slug="cpr", name="CPR/BLS provider", validity_months=24)


def _record_form(cpr, today, sample):
    kind = CredentialTypeFactory(name=f"Corpus {sample.key}")  # one pending record per type
    return {
        "credential_type": kind.pk,
        "issued_on": today.isoformat(),
        "expires_on": today.replace(year=today.year + 2).isoformat(),
        "certificate_number": "AHA-42",
        "request_key": str(uuid.uuid4()),
        "evidence": file_of(sample),
    }


def _ce_form(cpr, today, sample):
    return {
        "request_key": str(uuid.uuid4()),
        "title": "Trauma-informed care",
        "provider": "State EMS office",
        "hours": "2",
        "completed_on": today.isoformat(),
        "evidence": file_of(sample),
    }


FORMS = {
    # name: (URL, form data, model, download URL of the stored record)
    "record": (
        "/credentials/new/",
        _record_form,
        Credential,
        lambda row: reverse("credentials:evidence", args=[row.public_id]),
    ),
    "ce_new": (
        "/credentials/ce/new/",
        _ce_form,
        ContinuingEducation,
        lambda row: reverse("credentials:ce_evidence", args=[row.pk]),
    ),
}


@pytest.mark.parametrize("form", FORMS)
def test_the_evidence_forms(city, cpr, client_for, form):
    url, data, model, download = FORMS[form]
    client = client_for("learner")
    today = city.learner.organisation.today()
    failures = []
    for sample in SAMPLES:
        before = set(model.objects.values_list("pk", flat=True))
        files_before = len(stored_files())
        response = client.post(url, data(cpr, today, sample))
        added = model.objects.exclude(pk__in=before)
        if harmless(sample):
            if response.status_code != 302 or added.count() != 1:
                errors = response.content.decode().split('class="errorlist', 1)[-1][:200]
                failures.append(f"{sample.key}: not accepted ({response.status_code}) {errors}")
                continue
            row = added.get()
            assert_clean_name(row.evidence_name)
            if row.evidence_type != sniffed(sample):
                failures.append(f"{sample.key}: stored as {row.evidence_type}")
            failures += [
                f"{sample.key}: {p}" for p in check_download(client, download(row), sample)
            ]
            continue
        page = response.content.decode()
        if response.status_code != 400:
            failures.append(f"{sample.key}: answered {response.status_code}")
        if escape(sample.refusal) not in page and sample.refusal not in page:
            failures.append(f"{sample.key}: no {sample.refusal!r} on the page")
        if added.exists() or len(stored_files()) != files_before:
            failures.append(f"{sample.key}: something was stored")
    assert failures == [], "\n".join(failures)


# --- The API's base64 evidence -------------------------------------------------------------------


def _api_payload(city, sample: Sample) -> dict:
    kind = CredentialTypeFactory(slug=f"corpus-{sample.key}", name=f"Corpus {sample.key}")
    return {
        "organisation": city.department.slug,
        "employee_id": city.learner.employee_id,
        "credential_type": kind.slug,
        "issued_on": "2025-10-01",
        "expires_on": "2027-10-01",
        "evidence": {
            "filename": sample.filename,
            "content_base64": base64.b64encode(sample.data).decode(),
        },
    }


def _api_refusal(sample: Sample) -> tuple[str, str] | None:
    """The field and message fragment the API answers for `sample`: its schema refuses an empty
    file, and file names with NUL or over 200 characters, before the evidence check runs."""
    if not sample.data:
        return "evidence.content_base64", "at least 4 characters"
    if "\x00" in sample.filename:
        return "evidence.filename", "NUL characters"
    if len(sample.filename) > MAX_NAME_CHARS:
        return "evidence.filename", "at most 200 characters"
    return None if harmless(sample) else ("evidence.content_base64", sample.refusal)


def test_the_api_evidence(city, cpr, client_for):
    api = ApiClient(make_token(city.user("hr")))
    holder = client_for("learner")
    failures, accepted = [], 0
    for sample in SAMPLES:
        before = set(Credential.objects.values_list("pk", flat=True))
        response = api.post("/api/v1/credentials/external", _api_payload(city, sample))
        stored = Credential.objects.exclude(pk__in=before)
        refusal = _api_refusal(sample)
        if refusal is None:
            if response.status_code != 201 or not stored.exists():
                failures.append(f"{sample.key}: not accepted ({response.status_code})")
                continue
            accepted += 1
            row = stored.get()
            assert_clean_name(row.evidence_name)
            url = reverse("credentials:evidence", args=[row.public_id])
            failures += [f"{sample.key}: {p}" for p in check_download(holder, url, sample)]
            continue
        body = response.json()
        field, fragment = refusal
        if response.status_code != 400 or body["field"] != field:
            failures.append(f"{sample.key}: answered {response.status_code} {body}")
        elif fragment not in body["message"]:
            failures.append(f"{sample.key}: message {body['message']!r}")
        if stored.exists():
            failures.append(f"{sample.key}: stored")
    assert failures == [], "\n".join(failures)
    assert accepted >= 3
    assert len(stored_files()) == accepted


def test_an_api_file_name_with_a_line_break_is_cleaned_and_downloads(city, cpr, client_for):
    api = ApiClient(make_token(city.user("hr")))
    sample = Sample("crlf", "cert\r\nSet-Cookie: x=1.pdf", "application/pdf", plain_pdf(), None)
    response = api.post("/api/v1/credentials/external", _api_payload(city, sample))
    assert response.status_code == 201, response.content
    credential = Credential.objects.get()
    assert credential.evidence_name == "certSet-Cookie: x=1.pdf"
    download = client_for("learner").get(
        reverse("credentials:evidence", args=[credential.public_id])
    )
    assert download.status_code == 200
    assert "\n" not in download["Content-Disposition"]
    assert "Set-Cookie" not in download.headers or "x=1" not in download.headers["Set-Cookie"]


# --- The HR-system import (CSV only) -------------------------------------------------------------


def test_the_hris_import_takes_none_of_the_corpus(city, client_for):
    client = client_for("hr")
    people = StaffProfile.objects.count()
    failures = []
    for sample in SAMPLES:
        response = client.post(
            reverse("accounts:hris_import"),
            {"organisation": city.department.pk, "file": file_of(sample)},
        )
        page = response.content.decode()
        if response.status_code != 400:
            failures.append(f"{sample.key}: answered {response.status_code}")
        elif "error" not in page.lower() and "empty" not in page:
            failures.append(f"{sample.key}: no message")
    assert failures == [], "\n".join(failures)
    assert StaffProfile.objects.count() == people


def test_the_hris_import_names_a_workbook_and_a_zip_bomb_as_such(city, client_for):
    client = client_for("hr")
    for key in ("zip-bomb", "xlsx-bomb", "docx-bomb"):
        sample = next(s for s in SAMPLES if s.key == key)
        response = client.post(
            reverse("accounts:hris_import"),
            {"organisation": city.department.pk, "file": file_of(sample)},
        )
        assert response.status_code == 400
        assert "spreadsheet workbook, not a CSV file" in response.content.decode()


# --- The Wagtail admin (authors and administrators only) ------------------------------------------


def test_the_cms_takes_no_svg_or_html_as_an_image(city, client_for):
    from wagtail.images import get_image_model

    client = client_for("admin")
    keys = ["svg-script", "svg-as-png", "html-as-pdf", "gif-js-polyglot", "png-100000x100000"]
    for sample in (s for s in SAMPLES if s.key in keys):
        response = client.post(
            reverse("wagtailimages:add"), {"title": sample.key, "file": file_of(sample)}
        )
        assert response.status_code == 200, sample.key  # the form again, with its error
        assert "error" in response.content.decode().lower(), sample.key
    assert not get_image_model().objects.exists()


def test_the_cms_takes_no_svg_or_html_as_a_document(city, client_for):
    from wagtail.documents import get_document_model

    client = client_for("admin")
    for sample in (s for s in SAMPLES if s.key in ("svg-script", "double-extension-html")):
        response = client.post(
            reverse("wagtaildocs:add"), {"title": sample.key, "file": file_of(sample)}
        )
        assert response.status_code == 200, sample.key
        assert "is not allowed. Allowed extensions are" in response.content.decode(), sample.key
    assert not get_document_model().objects.exists()
