"""A learner takes a skills module on a phone: home, the section player, an in-section check,
the graded knowledge check, the result, and home again with the program done."""

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from courses.content import quiz_spec
from courses.models import ModulePage
from tests.e2e.conftest import PHONE
from tests.e2e.test_sign_in import HOME, expect_no_sideways_scroll, submit_password
from tests.factories import assign, edit_and_publish, module_page, program_page, question
from tests.factories.courses import rich_text, section

pytestmark = [
    pytest.mark.e2e,
    # Serialized rollback restores the role groups (a data migration) after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PROGRAM = "Street outreach foundations"
MODULE = "De-escalation in public spaces"
CHECK_QUESTION = "Someone is shouting at a bus stop. What do you do first?"
CHECK_RIGHT = "Keep a safe distance and speak calmly"
CHECK_WRONG = "Step in close so they can hear you"
PHONE_ONLY = (("phone", PHONE),)


def knowledge_check(prompt: str, options: list[tuple[str, bool, str]]) -> dict:
    """Raw data of a formative check block; `options` are (text, correct, feedback)."""
    return {
        "type": "knowledge_check",
        "value": {
            "question": prompt,
            "options": [
                {
                    "type": "item",
                    "value": {"text": text, "correct": correct, "feedback": feedback},
                    "id": str(uuid.uuid4()),
                }
                for text, correct, feedback in options
            ],
        },
        "id": str(uuid.uuid4()),
    }


def build_module(city) -> ModulePage:
    """One program, one required skills module of three sections (the second with a check) and
    a two-question quiz (single and multiple choice), assigned to the city's learner."""
    program = program_page(PROGRAM)
    module = module_page(
        program,
        title=MODULE,
        sections=3,
        questions=[
            question(
                "Which distance is safest when you first approach?",
                (("Two arm lengths or more", True), ("Close enough to touch", False)),
            ),
            question(
                "Which of these help calm a conversation?",
                (
                    ("A low, slow voice", True),
                    ("Open hands", True),
                    ("Blocking the exit", False),
                ),
                kind="multiple",
            ),
        ],
        estimated_minutes=20,
    )
    body = [
        section("Why de-escalation matters", "Most incidents calm down when met with calm."),
        {
            "type": "section",
            "value": {
                "heading": "Reading the scene",
                "content": [
                    rich_text("Look for exits, bystanders and anything that could be a weapon."),
                    knowledge_check(
                        CHECK_QUESTION,
                        [
                            (CHECK_WRONG, False, "Closing in can feel like a threat."),
                            (CHECK_RIGHT, True, "Distance and a calm voice lower the temperature."),
                        ],
                    ),
                ],
            },
            "id": str(uuid.uuid4()),
        },
        section("Closing the conversation", "Agree on a next step and say what you will do."),
    ]
    module = edit_and_publish(module, body=body)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return module


def correct_option_texts(module: ModulePage) -> list[str]:
    return [option.text for q in quiz_spec(module) for option in q.options if option.correct]


def check_phone_page(page: Page, shoot, name: str) -> None:
    expect_no_sideways_scroll(page)
    shoot(page, f"player-{name}", sizes=PHONE_ONLY)


def test_learner_takes_a_module_on_a_phone(page: Page, e2e_city, shoot):
    module = build_module(e2e_city)
    learner = e2e_city.user("learner")

    submit_password(page, learner.email)
    expect(page).to_have_url(HOME)
    training = page.locator("section.training")
    expect(training.get_by_role("heading", name="Your training")).to_be_visible()
    card = training.locator("article.program-card", has_text=PROGRAM)
    expect(card).to_contain_text("0 of 1 required modules done (0%)")
    expect(card).to_contain_text(f"Next: {MODULE}")
    check_phone_page(page, shoot, "1-home")

    card.get_by_role("link", name="Start").click()
    expect(page).to_have_url(re.compile(rf"/learn/modules/{module.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(MODULE)
    expect(page.get_by_text("Section 1 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Why de-escalation matters")).to_be_visible()
    check_phone_page(page, shoot, "2-section-1")

    page.get_by_role("link", name="Next section").click()
    expect(page.get_by_text("Section 2 of 3")).to_be_visible()
    check = page.locator("form.check-block")
    expect(check.get_by_text(f"Check your understanding: {CHECK_QUESTION}")).to_be_visible()
    check_phone_page(page, shoot, "3-section-2-check")

    check.get_by_text(CHECK_WRONG, exact=True).click()
    check.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Not quite.")
    check_phone_page(page, shoot, "4-check-not-quite")

    page.locator("form.check-block").get_by_text(CHECK_RIGHT, exact=True).click()
    page.locator("form.check-block").get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Right.")
    expect(page.get_by_text("Section 2 of 3")).to_be_visible()
    check_phone_page(page, shoot, "5-check-right")

    # After answering, the page is the check's POST URL; go on from the module's own address
    # (see test_next_section_after_answering_a_check_goes_to_the_next_section).
    page.goto(f"/learn/modules/{module.pk}/?section=2")
    expect(page.get_by_text("Section 3 of 3")).to_be_visible()
    expect(page.get_by_role("heading", name="Closing the conversation")).to_be_visible()
    check_phone_page(page, shoot, "6-section-3")

    page.get_by_role("link", name="Knowledge check", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/learn/modules/{module.pk}/quiz/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge check")
    check_phone_page(page, shoot, "7-quiz")

    quiz = page.locator("form.quiz")
    for text in correct_option_texts(module):
        quiz.locator("label", has_text=re.compile(rf"^{re.escape(text)}$")).click()
    check_phone_page(page, shoot, "8-quiz-answered")
    quiz.get_by_role("button", name="Submit answers").click()

    expect(page).to_have_url(re.compile(rf"/learn/modules/{module.pk}/quiz/\d+/$"))
    expect(page.locator(".result")).to_contain_text("Passed")
    # The score is a Decimal shown as "100.00%" today; accept that and the intended "100%".
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Attempt 1: 100(\.00)?%$")
    )
    check_phone_page(page, shoot, "9-result")

    page.get_by_role("link", name="Back to the program").click()
    expect(page.get_by_text("1 of 1 required modules done (100%)")).to_be_visible()
    check_phone_page(page, shoot, "10-program")

    page.goto("/")
    recent = page.locator("section", has=page.get_by_role("heading", name="Recent activity"))
    expect(recent.locator("li", has_text=PROGRAM)).to_contain_text("Program completed")
    expect(recent.locator("li", has_text=MODULE)).to_contain_text("Completed")
    check_phone_page(page, shoot, "11-home-done")


def test_next_section_after_answering_a_check_goes_to_the_next_section(page: Page, e2e_city):
    module = build_module(e2e_city)
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto(f"/learn/modules/{module.pk}/?section=1")
    check = page.locator("form.check-block")
    check.get_by_text(CHECK_RIGHT, exact=True).click()
    check.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Right.")

    with page.expect_response(lambda response: "section=2" in response.url) as next_section:
        page.get_by_role("link", name="Next section").click()

    response = next_section.value
    assert response.status == 200, f"GET {response.url} gave {response.status}"
    expect(page.get_by_text("Section 3 of 3")).to_be_visible()


def test_the_picked_option_stays_selected_after_checking(page: Page, e2e_city):
    module = build_module(e2e_city)  # the check is block 1; CHECK_WRONG is option 0
    submit_password(page, e2e_city.user("learner").email)
    expect(page).to_have_url(HOME)
    page.goto(f"/learn/modules/{module.pk}/?section=1")
    check = page.locator("form.check-block")
    check.get_by_label(CHECK_WRONG).check()
    check.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_role("status")).to_contain_text("Not quite.")

    assert page.locator("form.check-block").get_by_label(CHECK_WRONG).is_checked()
