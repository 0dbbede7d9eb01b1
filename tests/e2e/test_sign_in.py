"""Signing in and out in a real browser: password, the TOTP step, and forced TOTP set-up."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from lms.accounts.roles import Role
from tests.conftest import totp_now
from tests.e2e.conftest import DESKTOP, PHONE
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.accounts import PASSWORD, TOTP_SECRET

pytestmark = [
    pytest.mark.e2e,
    # Serialized rollback restores the role groups (a data migration) after each flush.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

BRAND_TEAL = "rgb(11, 85, 99)"  # --brand in relay.css
TOTP_AUTHENTICATE = re.compile(r"/accounts/2fa/authenticate/$")
TOTP_ACTIVATE = re.compile(r"/accounts/2fa/totp/activate/$")
REAUTHENTICATE_FOR_ACTIVATE = re.compile(
    r"/accounts/reauthenticate/\?next=%2Faccounts%2F2fa%2Ftotp%2Factivate%2F$"
)
HOME = re.compile(r"^https?://[^/]+/$")
LOGIN = re.compile(r"/accounts/login/(\?.*)?$")


def submit_password(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()


def submit_code(page: Page, code: str) -> None:
    expect(page).to_have_url(TOTP_AUTHENTICATE)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Sign In").click()


def sign_out(page: Page) -> None:
    """Use the Sign out button of the header menu (opening the menu where it is collapsed)."""
    button = page.get_by_role("button", name="Sign out")
    toggle = page.locator("summary.menu__toggle")
    if not button.is_visible() and toggle.is_visible():
        toggle.click()
    button.click()
    # allauth shows a confirmation page when the POST does not sign out directly.
    expect(page).to_have_url(re.compile(r"/accounts/(logout|login)/"))
    if "/accounts/logout/" in page.url:
        page.get_by_role("button", name=re.compile("sign out", re.IGNORECASE)).click()
    expect(page).to_have_url(LOGIN)
    expect(page.locator(".site-header").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def expect_styled(page: Page) -> None:
    """The stylesheet loaded: the header is brand teal, not the browser's default white."""
    header = page.locator(".site-header")
    expect(header).to_have_css("background-color", BRAND_TEAL)


def expect_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"page is {width}px wide"


def wrong_code() -> str:
    """A six-digit code that is valid in no nearby time step."""
    totp = pyotp.TOTP(TOTP_SECRET)
    now = time.time()
    near = {totp.at(now + offset) for offset in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "123456") if code not in near)


def test_learner_signs_in_sees_home_and_signs_out(page: Page, e2e_city, shoot):
    learner = e2e_city.user("learner")

    page.goto("/accounts/login/")
    expect_styled(page)
    shoot(page, "login")

    submit_password(page, learner.email)

    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {learner.first_name}")
    expect(page.get_by_role("heading", name="Your record")).to_be_visible()
    expect(page.get_by_text(e2e_city.department.name)).to_be_visible()
    expect_styled(page)
    expect_no_sideways_scroll(page)
    shoot(page, "learner-home")

    page.locator("summary.menu__toggle").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    shoot(page, "learner-menu-open", sizes=(("phone", PHONE),))

    sign_out(page)
    shoot(page, "learner-signed-out")


@pytest.mark.parametrize(
    ("role", "section"),
    [("hr", "Headcount by organisation"), ("fto", "Your trainees")],
)
def test_privileged_user_answers_totp_and_reaches_role_home(
    page: Page, e2e_city, shoot, role, section
):
    user = e2e_city.user(role)

    submit_password(page, user.email)
    expect(page.get_by_role("heading", name="Two-Factor Authentication")).to_be_visible()
    expect_styled(page)
    shoot(page, f"{role}-totp-step")

    submit_code(page, totp_now())

    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.first_name}")
    expect(page.get_by_role("heading", name=section)).to_be_visible()
    if role == "fto":
        trainee = e2e_city.user("learner")
        expect(page.get_by_role("link", name=trainee.display_name)).to_be_visible()
    else:
        expect(page.get_by_role("table")).to_contain_text(e2e_city.sharing_cbo.name)
    expect_no_sideways_scroll(page)
    shoot(page, f"{role}-home")

    sign_out(page)


def test_desktop_header_shows_navigation_and_sign_out(page: Page, e2e_city):
    user = e2e_city.user("hr")
    page.set_viewport_size(DESKTOP)
    submit_password(page, user.email)
    submit_code(page, totp_now())
    expect(page).to_have_url(HOME)

    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="People")).to_be_visible(timeout=2_000)
    page.get_by_role("button", name="Sign out").click(timeout=2_000)
    expect(page).to_have_url(LOGIN)


def test_signed_out_header_sign_in_link_is_readable(page: Page, transactional_db):
    page.goto("/accounts/login/")
    link = page.locator(".site-header").get_by_role("link", name="Sign in")
    expect(link).to_be_visible()
    expect(link).not_to_have_css("color", BRAND_TEAL)


def test_privileged_user_without_totp_is_sent_to_set_it_up(page: Page, transactional_db, shoot):
    user = UserFactory(email="new.supervisor@relay.test", roles=[Role.SUPERVISOR])
    StaffProfileFactory(user=user)

    submit_password(page, user.email)

    # The middleware sends them to TOTP set-up; allauth first asks to confirm the password.
    expect(page).to_have_url(REAUTHENTICATE_FOR_ACTIVATE)
    expect(page.get_by_text("Your role requires two-factor authentication")).to_be_visible()
    shoot(page, "supervisor-confirm-access")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    expect(page).to_have_url(TOTP_ACTIVATE)
    expect(page.get_by_label("Authenticator code")).to_be_visible()
    expect_styled(page)
    expect_no_sideways_scroll(page)
    shoot(page, "supervisor-totp-setup")

    for path in ("/", "/people/"):
        page.goto(path)
        expect(page).to_have_url(TOTP_ACTIVATE)
        expect(page.get_by_text("Your role requires two-factor authentication")).to_be_visible()
    expect(page.get_by_role("heading", name="Your record")).to_have_count(0)


def test_wrong_totp_code_is_refused(page: Page, e2e_city, shoot):
    user = e2e_city.user("hr")

    submit_password(page, user.email)
    submit_code(page, wrong_code())

    expect(page).to_have_url(TOTP_AUTHENTICATE)
    expect(page.get_by_text("Incorrect code")).to_be_visible()
    shoot(page, "hr-totp-wrong-code")

    # Not signed in: home sends them back to sign in (allauth resumes the pending TOTP step).
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/(login|2fa/authenticate)/"))
    expect(page.locator(".site-header").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_role("heading", name="Headcount by organisation")).to_have_count(0)
