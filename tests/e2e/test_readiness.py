"""Browser test in the demo city: HR picks a target role on the readiness dashboard, reads the
ranked candidates (with the chart's table), narrows them to the interested ones, drills into a
person, and downloads the candidates as CSV. Then a learner opens My career."""

import csv
import io
import re
from io import StringIO

import pyotp
import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from lms.audit.models import AuditAction, AuditEvent
from lms.demo.people import DEMO_PASSWORD, DEMO_TOTP_SECRET
from tests.e2e.test_sign_in import (
    HOME,
    expect_no_sideways_scroll,
    sign_out,
    submit_code,
    submit_password,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROLE = "Community / behavioral health responder (non-licensed)"


def test_demo_hr_finds_candidates_drills_into_one_and_exports(page: Page, live_server, shoot):
    call_command("seed_demo", "--size", "150", stdout=StringIO())

    submit_password(page, "hr@relay.test", DEMO_PASSWORD)
    submit_code(page, pyotp.TOTP(DEMO_TOTP_SECRET).now())
    expect(page).to_have_url(HOME)
    page.locator("summary.menu__toggle").click()
    page.get_by_role("navigation", name="Main (phone)").get_by_role(
        "link", name="Readiness"
    ).click()
    expect(page.get_by_role("heading", name="Readiness for city roles")).to_be_visible()
    shoot(page, "readiness-pick-role")
    page.get_by_role("link", name=ROLE, exact=True).click()

    expect(page.get_by_role("heading", name=f"Readiness for {ROLE}")).to_be_visible()
    summary = page.get_by_role("heading", name=re.compile(r"^\d+ candidates? on "))
    total = int(summary.inner_text().split()[0])
    assert total > 0
    totals = page.locator(".readiness-totals")
    expect(totals).to_contain_text("Ready:")
    expect(totals).to_contain_text("One requirement away:")
    expect(page.locator(".readiness-figure svg")).to_be_visible()
    caption = page.locator("table.readiness-counts caption")
    expect(caption).to_contain_text("figures: candidates by organisation")
    rows = page.locator("table.readiness-table tbody tr")
    expect(rows.first).to_be_visible()
    # Ranked: every "Ready" row comes before the first row that is not.
    bands = [row.locator("td").first.inner_text() for row in rows.all()]
    ready = [band.startswith("Ready") for band in bands]
    assert ready == sorted(ready, reverse=True), bands
    shoot(page, "readiness-dashboard")
    expect_no_sideways_scroll(page)

    # HR alone may narrow to the people who said they are interested.
    page.get_by_label("Only people interested in the role").check()
    page.get_by_role("button", name="Show candidates").click()
    interested = page.locator("table.readiness-table tbody tr")
    for row in interested.all():
        expect(row).to_contain_text("Interested")

    # Drill into the first candidate of the unfiltered list.
    page.get_by_label("Only people interested in the role").uncheck()
    page.get_by_role("button", name="Show candidates").click()
    first = page.locator("table.readiness-table tbody tr").first.get_by_role("link")
    name = first.inner_text()
    cell = page.locator("table.readiness-table tbody tr").first.locator("td").first.inner_text()
    met, of = re.search(r"(\d+) of (\d+)", cell).groups()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    # The person's page, built with the pure rules, agrees with the dashboard's SQL.
    expect(page.locator(".readiness__summary")).to_contain_text(f"{met} of {of} requirement")
    shoot(page, "readiness-person")
    expect_no_sideways_scroll(page)
    page.go_back()

    # Export everyone the filters select, as CSV; the export is audited.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    content = download.value.path().read_text(encoding="utf-8-sig")
    table = list(csv.reader(io.StringIO(content)))
    assert len(table) - 1 == total
    assert name in {cell for row in table[1:] for cell in row}
    assert AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()
    sign_out(page)

    # A learner sees their way up.
    submit_password(page, "learner@relay.test", DEMO_PASSWORD)
    expect(page).to_have_url(HOME)
    page.goto("/careers/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shoot(page, "my-career")
    expect_no_sideways_scroll(page)
