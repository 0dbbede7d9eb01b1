"""Browser test in the demo city for the integration and reporting issue, on a phone: HR
imports the sample HR-system file (then again: nothing changes), reads the funding-source report
(chart and table) and downloads it; an administrator creates an API token, sees its secret once,
reads staff with it, revokes it, and finds all of it in the audit log."""

import csv
import io
import re
from io import StringIO
from pathlib import Path

import pyotp
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from lms.accounts.models import StaffProfile
from lms.demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.e2e.test_sign_in import (
    HOME,
    expect_no_sideways_scroll,
    sign_out,
    submit_code,
    submit_password,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
SAMPLE = Path(__file__).resolve().parents[2] / "lms" / "demo" / "hris_sample.csv"


def _sign_in(page: Page, email: str) -> None:
    submit_password(page, email, DEMO_PASSWORD)
    submit_code(page, pyotp.TOTP(DEMO_TOTP_SECRET).now())
    expect(page).to_have_url(HOME)


def _menu(page: Page, name: str) -> None:
    page.locator("summary.menu__toggle").click()
    page.get_by_role("navigation", name="Main (phone)").get_by_role("link", name=name).click()


def test_demo_hr_imports_staff_and_reports_and_an_admin_uses_a_token(
    page: Page, live_server, shoot
):
    call_command("seed_demo", "--size", "150", stdout=StringIO())
    new_ids = [row["employee_id"] for row in csv.DictReader(SAMPLE.open())]

    _sign_in(page, "hr@relay.test")
    _menu(page, "Import staff")
    expect(page.get_by_role("heading", name="Import staff from the HR system")).to_be_visible()
    page.get_by_label("Organisation").select_option(label="Alder Bay Office of Community Safety")
    page.get_by_label("CSV file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Check and import").click()
    expect(
        page.get_by_role("heading", name="Imported into Alder Bay Office of Community Safety")
    ).to_be_visible()
    shoot(page, "hris-imported")
    expect_no_sideways_scroll(page)
    assert StaffProfile.objects.filter(employee_id__in=new_ids).count() == len(new_ids)

    page.get_by_label("Organisation").select_option(label="Alder Bay Office of Community Safety")
    page.get_by_label("CSV file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Check and import").click()
    expect(page.get_by_text("Nothing changed")).to_be_visible()

    _menu(page, "Reports")
    expect(page.get_by_role("heading", name="Program reports")).to_be_visible()
    page.locator(".report-index a").filter(has_text=re.compile("funding", re.I)).first.click()
    expect(page.locator(".report-figure svg").first).to_be_visible()
    expect(page.locator("table caption").first).to_be_visible()
    shoot(page, "report-funding")
    expect_no_sideways_scroll(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(rows) > 1
    sign_out(page)

    _sign_in(page, "admin@relay.test")
    _menu(page, "API tokens")
    page.get_by_role("link", name="New token").click()
    page.get_by_label("Name").fill("HRIS nightly sync")
    page.get_by_label("Read staff").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Secret (select it and copy)").input_value()
    assert secret.startswith("relay_")
    shoot(page, "api-token-created")
    answer = page.request.get(
        "/api/v1/staff?limit=5", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200
    assert len(answer.json()["items"]) == 5
    page.get_by_role("link", name="Done").click()
    expect(page.get_by_text(secret)).to_have_count(0)  # shown once only
    page.get_by_role("link", name=re.compile("^Revoke")).first.click()
    page.get_by_role("button", name=re.compile("Revoke")).click()
    refused = page.request.get("/api/v1/staff", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status == 401
    assert "message" in refused.json()

    _menu(page, "Audit log")
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    events = page.locator("table.audit-events")
    expect(events).to_contain_text("API token revoked")
    expect(events).to_contain_text("API token created")
    expect(events).to_contain_text("Staff imported from the HR system")
    shoot(page, "audit-log")
    expect_no_sideways_scroll(page)
