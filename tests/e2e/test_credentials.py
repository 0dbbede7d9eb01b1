"""Browser test at phone size: the learner records an external credential with a PDF (a bad
date first, refused with a message), sees it awaiting verification; HR opens the verification
queue and verifies it; the learner sees it active."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from certificates.models import Credential, CredentialDecision, Verification
from tests.conftest import totp_now
from tests.e2e.conftest import PHONE
from tests.e2e.test_sign_in import (
    HOME,
    expect_no_sideways_scroll,
    sign_out,
    submit_code,
    submit_password,
)
from tests.factories.certificates import CredentialTypeFactory, pdf_bytes, require

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_ONLY = (("phone", PHONE),)


def test_learner_records_an_external_credential_and_hr_verifies_it(page: Page, e2e_city, shoot):
    CredentialTypeFactory(
        name="CPR/BLS provider", slug="cpr-bls", issuer="American Heart Association"
    )
    require(
        e2e_city.learner.job_role,
        CredentialTypeFactory(name="Naloxone administration", slug="naloxone"),
    )
    today = e2e_city.department.today()
    issued = today - datetime.timedelta(days=20)
    expires = issued.replace(year=issued.year + 2)

    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto("/credentials/")
    expect(page.get_by_role("heading", name="My credentials")).to_be_visible()
    page.get_by_role("link", name="Record a credential").click()
    expect(page.get_by_role("heading", name="Record a credential")).to_be_visible()
    page.get_by_label("Credential").select_option(label="CPR/BLS provider")
    page.get_by_label("Issued on").fill(issued.isoformat())
    page.get_by_label("Expires on").fill((issued - datetime.timedelta(days=1)).isoformat())
    page.get_by_label("Certificate number").fill("AHA-2291-77")
    evidence = {"name": "cpr-card.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}
    page.get_by_label("Certificate file").set_input_files(evidence)
    page.get_by_role("button", name="Record the credential").click()
    expect(page.get_by_text("The expiry date cannot be before the issue date.")).to_be_visible()
    shoot(page, "credentials-record-error", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    assert not Credential.objects.exists()

    page.get_by_label("Expires on").fill(expires.isoformat())
    page.get_by_label("Certificate file").set_input_files(evidence)  # files are not kept
    shoot(page, "credentials-record-form", sizes=PHONE_ONLY)
    page.get_by_role("button", name="Record the credential").click()
    expect(
        page.get_by_text("CPR/BLS provider recorded. It now awaits verification")
    ).to_be_visible()
    expect(page.locator(".status--pending").first).to_have_text("Awaiting verification")
    shoot(page, "credentials-recorded", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    page.get_by_role("link", name="My credentials").first.click()
    expect(page.get_by_role("heading", name="Awaiting verification (1)")).to_be_visible()
    shoot(page, "credentials-mine-pending", sizes=PHONE_ONLY)
    sign_out(page)

    # HR opens the queue and verifies.
    submit_password(page, e2e_city.user("hr").email)
    submit_code(page, totp_now())
    expect(page).to_have_url(HOME)
    page.locator("summary.menu__toggle").click()
    page.get_by_role("navigation", name="Main (phone)").get_by_role(
        "link", name="Verify credentials"
    ).click()
    expect(page.get_by_role("heading", name="Credentials to verify")).to_be_visible()
    expect(page.get_by_role("heading", name="Waiting (1)")).to_be_visible()
    shoot(page, "credentials-queue", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    page.get_by_role("link", name="CPR/BLS provider").click()
    expect(page.get_by_role("heading", name="CPR/BLS provider", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="cpr-card.pdf")).to_be_visible()
    shoot(page, "credentials-detail-hr", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    verify_form = page.locator("#decide-verify")
    verify_form.get_by_label("Note (optional)").fill("Checked on the AHA eCard site.")
    verify_form.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("CPR/BLS provider: verified.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Verified · signed by .+ \(HR\)"))).to_be_visible()
    shoot(page, "credentials-verified-hr", sizes=PHONE_ONLY)
    # The learner's role also requires naloxone, which they do not hold.
    page.goto("/credentials/compliance/")
    expect(page.get_by_text("Not qualified for their role (1)")).to_be_visible()
    expect(page.get_by_text("Naloxone administration: not held")).to_be_visible()
    shoot(page, "credentials-compliance")
    expect_no_sideways_scroll(page)
    sign_out(page)

    # The learner sees it active.
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto("/credentials/")
    card = page.locator("article.credential-card")
    expect(card).to_have_count(1)
    expect(card.locator(".status")).to_have_text("Active")
    expect(card).to_contain_text(f"{(expires - today).days} days left")
    expect(page.get_by_text("Awaiting verification (1)")).to_have_count(0)
    shoot(page, "credentials-mine-active")
    expect_no_sideways_scroll(page)

    credential = Credential.objects.get()
    assert credential.verification == Verification.VERIFIED
    kinds = list(CredentialDecision.objects.order_by("sequence").values_list("kind", flat=True))
    assert kinds == ["recorded", "verified"]
