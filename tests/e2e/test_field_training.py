"""Browser test at phone size: the FTO logs a shift, writes and signs a Daily Observation
Report (one failed submission first, which keeps what was typed), signs off a task; the learner
reads the report from their notification and acknowledges it with a comment."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from courses.models import ObservationReport, Signoff, SignoffKind, TaskObservation
from courses.services.signoff import signoff_verify_chain
from tests.conftest import totp_now
from tests.e2e.conftest import PHONE
from tests.e2e.test_sign_in import (
    HOME,
    expect_no_sideways_scroll,
    sign_out,
    submit_code,
    submit_password,
)
from tests.factories.field import start, task_book_page

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE_ONLY = (("phone", PHONE),)


def test_fto_writes_a_dor_and_signs_a_task_and_the_learner_acknowledges(
    page: Page, e2e_city, shoot
):
    book = task_book_page(categories=("Scene safety", "Verbal de-escalation", "Report writing"))
    training = start(
        trainee=e2e_city.learner,
        supervisor=e2e_city.user("supervisor"),
        fto=e2e_city.user("fto"),
        task_book=book,
    )
    learner_name = e2e_city.user("learner").display_name
    first_task = training.spec["phases"][0]["tasks"][0]

    submit_password(page, e2e_city.user("fto").email)
    submit_code(page, totp_now())
    expect(page).to_have_url(HOME)
    page.goto("/field/")
    expect(page.get_by_role("heading", name=learner_name)).to_be_visible()
    shoot(page, "field-fto-home", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)

    # Log the shift, then straight on to its report.
    page.get_by_role("link", name="Log a shift").click()
    yesterday = training.organisation.today() - datetime.timedelta(days=1)
    page.get_by_label("Date").fill(yesterday.isoformat())
    page.get_by_label("Start").fill("07:00")
    page.get_by_label("End (required)").fill("15:30")
    page.get_by_label("Unit or call sign").fill("CR-12")
    page.get_by_label("Welfare check").check()
    page.get_by_label("Behavioral health crisis").check()
    shoot(page, "field-shift-form", sizes=PHONE_ONLY)
    page.get_by_role("button", name="Save and write the DOR").click()
    expect(page.get_by_role("heading", name="Daily Observation Report")).to_be_visible()

    categories = page.locator("fieldset.category")
    expect(categories).to_have_count(3)
    categories.nth(0).get_by_label("7", exact=True).check()  # an extreme: needs a narrative
    categories.nth(1).get_by_label("4", exact=True).check()
    categories.nth(2).get_by_label("N.O.", exact=True).check()
    page.get_by_label("Most satisfactory performance").fill(
        "Read the stairwell and waited for the neighbour to step back before knocking."
    )
    page.get_by_label("Least satisfactory performance").fill(
        "Radio status update came ten minutes late."
    )
    page.get_by_role("button", name="Sign the report").click()
    expect(page.get_by_text("A rating of 7 needs a narrative")).to_be_visible()
    # Nothing typed was lost.
    expect(page.get_by_label("Least satisfactory performance")).to_have_value(
        "Radio status update came ten minutes late."
    )
    expect(categories.nth(1).get_by_label("4", exact=True)).to_be_checked()
    shoot(page, "field-dor-error", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    assert not ObservationReport.objects.exists()

    categories.nth(0).get_by_label("Narrative").fill(
        "Positioned herself with a clear exit and kept the dog owner talking."
    )
    page.get_by_role("button", name="Sign the report").click()
    expect(page.get_by_role("heading", name="Daily Observation Report 1")).to_be_visible()
    expect(page.get_by_text("Not yet acknowledged by the trainee.")).to_be_visible()
    shoot(page, "field-dor-signed", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)

    # Sign off a task of the current phase from the trainee's record.
    page.get_by_role("link", name=learner_name).first.click()
    page.locator(f"#task-{first_task['id']}").get_by_role("link", name="Sign off").click()
    expect(
        page.get_by_role("heading", name=f"{first_task['number']} {first_task['title']}")
    ).to_be_visible()
    page.get_by_label("Satisfactory: to the standard").check()
    page.get_by_label("Notes").fill("Checked the scene before approaching.")
    shoot(page, "field-task-form", sizes=PHONE_ONLY)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_text(f"{first_task['number']} signed off.")).to_be_visible()
    expect(page.locator(f"#task-{first_task['id']}")).to_contain_text("1 of 2")
    shoot(page, "field-record-after-signoff", sizes=PHONE_ONLY)
    sign_out(page)

    # The learner reads the report from their notification and acknowledges it.
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.get_by_role("link", name="wrote DOR 1").click()
    expect(page.get_by_role("heading", name="Daily Observation Report 1")).to_be_visible()
    page.get_by_label("Comment").fill("I will give status updates on arrival.")
    shoot(page, "field-dor-acknowledge", sizes=PHONE_ONLY)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_text("You acknowledged DOR 1.")).to_be_visible()
    expect(page.get_by_text("I will give status updates on arrival.")).to_be_visible()
    shoot(page, "field-dor-acknowledged", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)

    assert TaskObservation.objects.filter(satisfactory=True).count() == 1
    kinds = list(Signoff.objects.order_by("sequence").values_list("kind", flat=True))
    assert kinds == [SignoffKind.REPORT, SignoffKind.TASK, SignoffKind.REPORT_ACKNOWLEDGEMENT]
    assert list(signoff_verify_chain()) == []
