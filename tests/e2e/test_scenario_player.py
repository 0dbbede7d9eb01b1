"""A learner plays a branching scenario to its debrief on a phone and writes a reflection; their
field training officer reviews it from the coaching queue; the learner sees the feedback."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import totp_now
from tests.e2e.conftest import PHONE
from tests.e2e.test_sign_in import (
    HOME,
    expect_no_sideways_scroll,
    sign_out,
    submit_code,
    submit_password,
)
from tests.factories import assign, module_page, program_page
from tests.factories.scenarios import scenario_page

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PHONE_ONLY = (("phone", PHONE),)


def test_learner_plays_a_scenario_and_the_fto_coaches_it(page: Page, e2e_city, shoot):
    program = program_page("Overdose response")
    module = module_page(
        program, title="Overdose at a bus shelter", training_type="scenario", n_questions=0
    )
    scenario = scenario_page(module)
    assign(actor=e2e_city.user("supervisor"), profile=e2e_city.learner, program=program)

    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto(f"/learn/modules/{module.pk}/")
    page.get_by_role("link", name="Play the scenario").click()
    page.get_by_role("button", name="Start the scenario").click()
    expect(page.get_by_role("heading", name="Arrive at the shelter")).to_be_visible()
    shoot(page, "scenario-1-first-step", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)

    for label in ["Check scene safety", "Call 911 and give naloxone", "Hand over to EMS"]:
        page.get_by_label(label).check()
        page.get_by_role("button", name="Choose").click()
        if label != "Hand over to EMS":
            expect(page.get_by_text(f"You chose: {label}")).to_be_visible()
            shoot(page, f"scenario-step-after-{label.split()[0].lower()}", sizes=PHONE_ONLY)

    expect(page.get_by_role("heading", name="Debrief: attempt 1")).to_be_visible()
    expect(page.get_by_text("Passed", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="The best path")).to_be_visible()
    page.get_by_label("What would you do differently, and why?").fill(
        "I would check breathing again before the handover."
    )
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_text("Your reflection is saved.")).to_be_visible()
    shoot(page, "scenario-debrief", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)

    # The back button cannot fork the path: the old step's form is refused.
    page.goto(f"/learn/scenarios/{scenario.pk}/")
    expect(page.get_by_text("Passed")).to_be_visible()

    debrief_url = page.url if "/debrief/" in page.url else None
    sign_out(page)

    # The field training officer reviews it from the coaching queue.
    submit_password(page, e2e_city.user("fto").email)
    submit_code(page, totp_now())
    expect(page).to_have_url(HOME)
    page.goto("/coach/")
    learner_name = e2e_city.user("learner").display_name
    page.get_by_role("link", name=f"{learner_name}: {scenario.title}").click()
    expect(page.get_by_text("Hand over to EMS").first).to_be_visible()
    page.get_by_label("Feedback for the learner").fill("Good: you stayed until EMS arrived.")
    page.get_by_label("Competent").check()
    page.get_by_role("button", name="Save review").click()
    shoot(page, "scenario-coach-reviewed", sizes=PHONE_ONLY)
    expect_no_sideways_scroll(page)
    sign_out(page)

    # The learner sees the coach's feedback on the debrief.
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto(debrief_url or f"/learn/scenarios/{scenario.pk}/")
    if debrief_url is None:
        page.get_by_role("link", name="Attempt 1").click()
    expect(page.get_by_role("heading", name="Coaching feedback")).to_be_visible()
    expect(page.get_by_text("Good: you stayed until EMS arrived.")).to_be_visible()
    shoot(page, "scenario-debrief-with-feedback", sizes=PHONE_ONLY)
