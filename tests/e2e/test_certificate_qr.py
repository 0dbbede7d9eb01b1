"""Browser test at phone size: the learner downloads the certificate of a credential from *my
credentials*; the QR code decoded from the rendered PDF page leads to the public verification
page, which a person who is not signed in opens and sees "Valid"; after HR revokes the
credential, the same address says "Revoked"."""

import datetime
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from certificates.services import lifecycle
from tests.e2e.conftest import PHONE
from tests.e2e.test_sign_in import HOME, expect_no_sideways_scroll, submit_password
from tests.factories.certificates import CredentialTypeFactory, record_external, verify

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
DAY = datetime.timedelta(days=1)


def held(city, *, name: str, slug: str, issued_on, expires_on):
    credential = record_external(
        holder=city.user("learner"),
        credential_type=CredentialTypeFactory(name=name, slug=slug),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    verify(credential=credential, actor=city.user("hr"))
    credential.refresh_from_db()
    return credential


def qr_codes(pdf: Path) -> list[str]:
    """The texts of the QR codes on the PDF's first page, rendered at 200 dpi."""
    stem = pdf.with_suffix("")
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: apt-get install poppler-utils"
    subprocess.run(  # noqa: S603 - a fixed program on a file this test wrote
        [pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
        check=True,
        capture_output=True,
    )
    with Image.open(stem.with_suffix(".png")) as image:
        return [
            code.text
            for code in zxingcpp.read_barcodes(image)
            if code.format == zxingcpp.BarcodeFormat.QRCode
        ]


def status_heading(page: Page, word: str):
    return page.get_by_role("heading", name=word, exact=True)


def test_the_qr_code_of_a_certificate_leads_to_a_page_that_says_valid(
    page: Page, browser: Browser, e2e_city, live_server, settings, shoot, tmp_path
):
    # The certificate prints the site's address: here, the live server's.
    settings.SITE_URL = live_server.url
    today = e2e_city.department.today()
    naloxone = held(
        e2e_city,
        name="Naloxone administration",
        slug="naloxone",
        issued_on=today - 40 * DAY,
        expires_on=today + 300 * DAY,
    )
    held(
        e2e_city,
        name="Mental Health First Aid (Adult)",
        slug="mhfa",
        issued_on=today - 700 * DAY,
        expires_on=today + 30 * DAY,
    )
    learner = e2e_city.user("learner")

    submit_password(page, learner.email)
    expect(page).to_have_url(HOME)
    page.goto("/credentials/")
    expect(page.get_by_role("heading", name="My credentials")).to_be_visible()
    card = page.locator("article.credential-card").filter(has_text="Naloxone administration")
    expect(card).to_have_count(1)
    expect(page.get_by_role("link", name="Certificate (PDF)")).to_have_count(2)
    with page.expect_download() as download_info:
        card.get_by_role("link", name="Certificate (PDF)").click()
    pdf = tmp_path / "certificate.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    codes = qr_codes(pdf)
    assert codes == [f"{live_server.url}/verify/{naloxone.public_id}/"]

    # Whoever scans it is not signed in: a fresh browser context, no cookies.
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    scanner = context.new_page()
    try:
        response = scanner.goto(codes[0])
        assert response.status == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-robots-tag"].startswith("noindex")
        expect(status_heading(scanner, "Valid")).to_be_visible()
        expect(scanner.get_by_text("This credential is valid today")).to_be_visible()
        expect(scanner.get_by_text("Naloxone administration")).to_be_visible()
        expect(scanner.get_by_text(learner.get_full_name())).to_be_visible()
        body = scanner.locator("body").inner_text()
        assert learner.email not in body
        assert e2e_city.learner.employee_id not in body
        shoot(scanner, "verify-valid")
        expect_no_sideways_scroll(scanner)

        # HR revokes it: the same address says so at once.
        lifecycle.credential_revoke(
            actor=e2e_city.user("hr"),
            credential=naloxone,
            reason="The training center withdrew the card.",
            request_key=uuid.uuid4(),
        )
        scanner.goto(codes[0])
        expect(status_heading(scanner, "Revoked")).to_be_visible()
        shoot(scanner, "verify-revoked", sizes=(("phone", PHONE),))

        # A mistyped address is a friendly page, not an error.
        response = scanner.goto(f"{live_server.url}/verify/{str(naloxone.public_id)[:-3]}/")
        assert response.status == 404
        expect(scanner.get_by_role("heading", name="No credential with this id")).to_be_visible()
        shoot(scanner, "verify-unknown", sizes=(("phone", PHONE),))
    finally:
        context.close()
