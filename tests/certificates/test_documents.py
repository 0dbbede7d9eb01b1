"""PDF certificates and transcripts: what they print (people's text as literal text), the same
bytes for the same data, the certificate kept until its data changes, who may download them,
bulk generation with progress, and query counts that do not grow."""

import dataclasses
import datetime
import shutil
import subprocess
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from reportlab.platypus import Paragraph, Table

from certificates.models import BatchStatus, CertificateBatch, CertificateDocument
from certificates.pdf import certificate as cert_pdf
from certificates.pdf.transcript import transcript_pdf, transcript_story
from certificates.services import documents, lifecycle
from tests.factories.certificates import CredentialTypeFactory, record_external, verify

HOSTILE = '<img src="/etc/passwd"/> <b>not bold</b> <font size=90>big</font> & co'
GENERATED_AT = datetime.datetime(2026, 3, 14, 16, 30, tzinfo=datetime.UTC)


def sample(**changes) -> cert_pdf.CertificateData:
    data = cert_pdf.CertificateData(
        public_id="3f2b8c1e-9a4d-4f6e-8b1a-2c3d4e5f6a7b",
        verify_url="https://relay.example/verify/3f2b8c1e-9a4d-4f6e-8b1a-2c3d4e5f6a7b/",
        organisation="Office of Community Safety",
        holder="Zoë O\N{RIGHT SINGLE QUOTATION MARK}Brien",
        title="Crisis Intervention Team 40-hour",
        issuer="City Office of Community Safety",
        issued_on=datetime.date(2026, 3, 14),
        expires_on=datetime.date(2028, 3, 14),
        certificate_number="",
        earned=True,
        signatory_label="Released to duty by",
        signatory_name="Marcus Bell",
        signatory_role="Field training supervisor, Office of Community Safety",
        paper="letter",
    )
    return dataclasses.replace(data, **changes)


def plain_texts(flowables) -> list[str]:
    found: list[str] = []

    def walk(item):
        if isinstance(item, Paragraph):
            found.append(item.getPlainText())
        elif isinstance(item, Table):
            for row in item._cellvalues:
                walk(row)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child)

    walk(flowables)
    return found


def pdf_text(data: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(  # noqa: S603 - a fixed tool on a file we wrote
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        check=True,
        text=True,
    ).stdout


# --- The certificate on paper (no database) ------------------------------------------------------


def test_the_same_data_gives_the_same_bytes_and_other_data_others():
    first = cert_pdf.certificate_pdf(sample())
    assert first.startswith(b"%PDF")
    assert cert_pdf.certificate_pdf(sample()) == first
    assert cert_pdf.certificate_pdf(sample(expires_on=datetime.date(2028, 9, 1))) != first


def test_hostile_text_prints_as_literal_text():
    data = sample(
        holder=HOSTILE,
        title=HOSTILE,
        issuer=HOSTILE,
        organisation=HOSTILE,
        signatory_name=HOSTILE,
        signatory_role=HOSTILE,
    )
    texts = {key: p.getPlainText() for key, p in cert_pdf.certificate_texts(data).items()}
    assert texts["holder"] == HOSTILE
    assert texts["title"] == HOSTILE
    assert texts["issuer"] == f"issued by {HOSTILE}"
    assert texts["organisation"] == HOSTILE.upper()
    assert texts["signatory"] == HOSTILE
    assert texts["signatory_role"] == HOSTILE
    assert cert_pdf.certificate_pdf(data).startswith(b"%PDF")  # and it renders


def test_the_certificate_prints_dates_id_signatory_and_the_verification_address(tmp_path):
    text = pdf_text(cert_pdf.certificate_pdf(sample()), tmp_path)
    for expected in [
        "OFFICE OF COMMUNITY SAFETY",
        "This certifies that",
        "Zoë O\N{RIGHT SINGLE QUOTATION MARK}Brien",
        "Crisis Intervention Team 40-hour",
        "Issued 14 March 2026 · Valid through 14 March 2028",
        "Marcus Bell",
        "Released to duty by",
        "https://relay.example/verify/3f2b8c1e-9a4d-4f6e-8b1a-2c3d4e5f6a7b/",
        "Credential ID 3f2b8c1e-9a4d-4f6e-8b1a-2c3d4e5f6a7b",
    ]:
        assert expected in text, expected
    no_expiry = pdf_text(cert_pdf.certificate_pdf(sample(expires_on=None)), tmp_path)
    assert "Does not expire" in no_expiry


def test_the_qr_code_drawn_is_the_code_of_the_address(tmp_path):
    """Rasterise the page and read each module's centre back: it matches the QR matrix."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    from PIL import Image
    from reportlab.lib.units import mm

    data = sample()
    path = tmp_path / "c.pdf"
    path.write_bytes(cert_pdf.certificate_pdf(data))
    dpi = 300
    subprocess.run(  # noqa: S603
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(tmp_path / "c")],  # noqa: S607
        check=True,
    )
    image = Image.open(tmp_path / "c.png").convert("L")
    width, height = data.pagesize
    size = 27 * mm
    x0 = width - 30 * mm - 38 * mm - size / 2
    y_top = 24 * mm + 9 * mm + size  # from the page's bottom
    matrix = cert_pdf.qr_matrix(data.verify_url)
    module = size / len(matrix)
    scale = dpi / 72
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            px = (x0 + (c + 0.5) * module) * scale
            py = (height - y_top + (r + 0.5) * module) * scale
            assert (image.getpixel((int(px), int(py))) < 128) == dark, (r, c)


# --- Data, signatory and caching ------------------------------------------------------------------


@pytest.fixture
def verified(city):
    credential = record_external(holder=city.user("learner"))
    verify(credential=credential, actor=city.user("hr"))
    credential.refresh_from_db()
    return credential


def test_a_verified_credential_is_signed_by_the_verifying_hr_person(city, verified, settings):
    settings.SITE_URL = "https://relay.city.gov/"
    data = cert_pdf.certificate_data(verified)
    hr = city.user("hr")
    assert data.signatory_label == "Verified by"
    assert data.signatory_name == (hr.get_full_name() or hr.email)
    assert data.signatory_role.endswith(f", {city.department.name}")
    assert data.verify_url == f"https://relay.city.gov/verify/{verified.public_id}/"
    assert data.holder == city.user("learner").display_name
    assert not data.earned


def test_a_credential_awaiting_verification_has_no_certificate(city):
    pending = record_external(holder=city.user("learner"))
    with pytest.raises(ValidationError):
        documents.certificate_document(credential=pending)


def test_the_certificate_is_kept_until_its_data_changes(
    city, verified, monkeypatch, django_capture_on_commit_callbacks
):
    renders = []
    real = documents.certificate_pdf
    monkeypatch.setattr(
        documents, "certificate_pdf", lambda data: renders.append(data) or real(data)
    )
    first = documents.certificate_document(credential=verified)
    assert first.pdf.read().startswith(b"%PDF")
    again = documents.certificate_document(credential=verified)
    assert (again.pk, again.data_sha256, again.rendered_at) == (
        first.pk,
        first.data_sha256,
        first.rendered_at,
    )
    assert len(renders) == 1
    old_name, storage = first.pdf.name, first.pdf.storage

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.credential_extend(
            actor=city.user("hr"),
            credential=verified,
            expires_on=verified.expires_on + datetime.timedelta(days=90),
            reason="Training postponed by the academy.",
            request_key=uuid.uuid4(),
        )
        verified.refresh_from_db()
        changed = documents.certificate_document(credential=verified)
    assert len(renders) == 2
    assert changed.pk == first.pk  # one certificate per credential, replaced
    assert changed.data_sha256 != first.data_sha256
    assert changed.pdf_sha256 != first.pdf_sha256
    assert CertificateDocument.objects.count() == 1
    assert not storage.exists(old_name)
    assert storage.exists(changed.pdf.name)


# --- Downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("learner", 200), ("supervisor", 200), ("hr", 200), ("fto", 200), ("author", 404)],
)
def test_who_may_download_a_certificate(city, verified, client_for, role, status):
    response = client_for(role).get(
        reverse("credentials:certificate_pdf", args=[verified.public_id])
    )
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_another_organisation_cannot_download_and_a_pending_one_has_none(
    city, verified, client_for
):
    url = reverse("credentials:certificate_pdf", args=[verified.public_id])
    assert client_for("cbo_supervisor").get(url).status_code == 404
    pending = record_external(holder=city.user("learner"))
    response = client_for("learner").get(
        reverse("credentials:certificate_pdf", args=[pending.public_id])
    )
    assert response.status_code == 404


def test_certificate_download_runs_constant_queries(
    city, verified, client_for, django_assert_max_num_queries
):
    client = client_for("supervisor")
    url = reverse("credentials:certificate_pdf", args=[verified.public_id])
    assert client.get(url).status_code == 200  # renders and stores
    for _ in range(3):
        record_external(holder=city.user("learner"))  # more records change nothing
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("learner", 200),
        ("supervisor", 200),
        ("hr", 200),
        ("admin", 200),
        ("fto", 403),
        ("author", 404),
        ("cbo_supervisor", 404),
    ],
)
def test_who_may_download_a_transcript(city, client_for, role, status):
    response = client_for(role).get(reverse("credentials:transcript_pdf", args=[city.learner.pk]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_my_transcript(city, client_for):
    response = client_for("learner").get(reverse("credentials:my_transcript_pdf"))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_the_transcript_prints_credentials_with_status_and_people_text_as_text(city, verified):
    verified.title = HOSTILE
    verified.save(update_fields=["title"])
    user = city.user("learner")
    user.first_name = HOSTILE
    user.save()
    story = transcript_story(city.learner, generated_at=GENERATED_AT)
    texts = plain_texts(story.flowables)
    assert HOSTILE in texts
    assert any(HOSTILE in text for text in texts if text.startswith("<img"))
    assert "Active" in texts
    assert "Hours by training type" in texts
    assert "Total" in texts
    for heading in ["Programs and modules", "Scenarios", "Field training", "Credentials"]:
        assert heading in texts
    same = transcript_pdf(city.learner, generated_at=GENERATED_AT)
    assert same == transcript_pdf(city.learner, generated_at=GENERATED_AT)


def test_transcript_runs_constant_queries(city, client_for, django_assert_max_num_queries):
    client = client_for("supervisor")
    url = reverse("credentials:transcript_pdf", args=[city.learner.pk])
    with django_assert_max_num_queries(40) as few:
        assert client.get(url).status_code == 200
    baseline = len(few.captured_queries)
    for _ in range(4):
        credential = record_external(holder=city.user("learner"))
        verify(credential=credential, actor=city.user("hr"))
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


# --- Bulk ---------------------------------------------------------------------------------------


@pytest.fixture
def cohort(city):
    """Three valid credentials of one type in the department, one awaiting verification, and one
    in another organisation."""
    kind = CredentialTypeFactory(name="Mental Health First Aid")
    valid = []
    for role in ("learner", "fto", "supervisor"):
        credential = record_external(holder=city.user(role), credential_type=kind)
        verify(credential=credential, actor=city.user("hr"))
        credential.refresh_from_db()
        valid.append(credential)
    record_external(holder=city.user("author"), credential_type=kind)
    record_external(holder=city.user("cbo_learner"), credential_type=kind)
    return kind, valid


def test_a_batch_renders_every_valid_certificate_with_progress(
    city, cohort, django_capture_on_commit_callbacks
):
    kind, valid = cohort
    with django_capture_on_commit_callbacks(execute=True):
        batch = documents.certificate_batch_create(
            actor=city.user("hr"), credential_type=kind, organisation=city.department
        )
    batch.refresh_from_db()
    assert sorted(batch.credential_ids) == sorted(c.pk for c in valid)
    assert (batch.total, batch.done, batch.failed, batch.status) == (3, 3, 0, BatchStatus.DONE)
    assert batch.finished_at is not None
    assert CertificateDocument.objects.filter(credential__in=valid).count() == 3


def test_a_batch_run_again_renders_nothing_twice(city, cohort, monkeypatch):
    kind, valid = cohort
    batch = documents.certificate_batch_create(
        actor=city.user("supervisor"), credential_type=kind, organisation=city.department
    )  # queued: the callback was not run
    assert batch.status == BatchStatus.QUEUED
    # As if a worker had rendered the first and then died.
    by_pk = {c.pk: c for c in valid}
    documents.certificate_document(credential=by_pk[batch.credential_ids[0]])
    CertificateBatch.objects.filter(pk=batch.pk).update(done=1, status=BatchStatus.RUNNING)
    calls = []
    real = documents.certificate_document
    monkeypatch.setattr(
        documents,
        "certificate_document",
        lambda *, credential, now=None: calls.append(credential.pk) or real(credential=credential),
    )
    documents.certificate_batch_run(batch_id=batch.pk)
    assert calls == batch.credential_ids[1:]
    documents.certificate_batch_run(batch_id=batch.pk)  # finished: nothing again
    assert calls == batch.credential_ids[1:]
    batch.refresh_from_db()
    assert (batch.done, batch.status) == (3, BatchStatus.DONE)


def test_a_failing_certificate_is_counted_and_the_batch_goes_on(city, cohort, monkeypatch):
    kind, _ = cohort
    batch = documents.certificate_batch_create(
        actor=city.user("hr"), credential_type=kind, organisation=city.department
    )
    real = documents.certificate_document

    def flaky(*, credential, now=None):
        if credential.pk == batch.credential_ids[0]:
            raise RuntimeError("disk full")
        return real(credential=credential)

    monkeypatch.setattr(documents, "certificate_document", flaky)
    documents.certificate_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (2, 1, BatchStatus.DONE)


def test_only_those_following_compliance_in_the_organisation_may_generate(city, cohort):
    kind, _ = cohort
    for role in ("learner", "fto", "author"):
        with pytest.raises(PermissionDenied):
            documents.certificate_batch_create(
                actor=city.user(role), credential_type=kind, organisation=city.department
            )
    with pytest.raises(PermissionDenied):  # a supervisor of another organisation
        documents.certificate_batch_create(
            actor=city.user("cbo_supervisor"), credential_type=kind, organisation=city.department
        )


def test_batch_pages(city, cohort, client_for, django_capture_on_commit_callbacks):
    kind, _ = cohort
    hr = client_for("hr")
    page = hr.get(reverse("credentials:certificate_batches"))
    assert page.status_code == 200
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = hr.post(
            reverse("credentials:certificate_batches"),
            {"organisation": city.department.pk, "credential_type": kind.pk},
        )
    assert response.status_code == 302
    batch = CertificateBatch.objects.get()
    assert response["Location"] == reverse("credentials:certificate_batch", args=[batch.pk])
    running = hr.get(response["Location"])
    assert running.status_code == 200
    assert b'http-equiv="refresh"' in running.content
    assert b"0 of 3 rendered" in running.content
    for callback in callbacks:
        callback()  # the immediate backend renders them now
    finished = hr.get(response["Location"])
    assert b'http-equiv="refresh"' not in finished.content
    assert b"3 of 3 rendered" in finished.content
    assert finished.content.count(b"/certificate.pdf") == 3
    assert client_for("learner").get(response["Location"]).status_code == 404
    assert client_for("cbo_supervisor").get(response["Location"]).status_code == 404
    assert client_for("learner").get(reverse("credentials:certificate_batches")).status_code == 403


def test_certificates_take_the_logo_and_colours_of_the_branding_setting(city, verified):
    from django.core.files.images import ImageFile
    from wagtail.images.models import Image

    from certificates.models import CertificateBranding
    from tests.factories.certificates import png_bytes

    plain = cert_pdf.certificate_data(verified)
    assert (plain.brand, plain.logo_sha256) == ("#0b5563", "")
    branding = CertificateBranding.load()
    branding.primary_colour = "#7a1f3d"
    import io

    logo = Image(title="City seal")
    logo.file.save("seal.png", ImageFile(io.BytesIO(png_bytes((120, 80))), name="seal.png"))
    logo.save()
    branding.logo = logo
    branding.save()
    branded = cert_pdf.certificate_data(verified)
    assert branded.brand == "#7a1f3d"
    assert len(branded.logo_sha256) == 64
    assert branded.canonical() != plain.canonical()  # a re-render, by the data hash
    rendered = cert_pdf.certificate_pdf(branded)
    assert b"/Subtype /Image" in rendered
    assert rendered == cert_pdf.certificate_pdf(cert_pdf.certificate_data(verified))
