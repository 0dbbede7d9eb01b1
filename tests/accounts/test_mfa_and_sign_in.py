import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from lms.accounts.roles import Role
from lms.audit.models import AuditAction, AuditEvent
from tests.conftest import sign_in, totp_now
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.accounts import PASSWORD, TOTP_SECRET


@pytest.mark.parametrize("role", [Role.FTO, Role.SUPERVISOR, Role.HR, Role.ADMIN])
def test_privileged_role_without_totp_reaches_only_mfa_setup(db, role):
    user = UserFactory(roles=[role])
    StaffProfileFactory(user=user)
    client = sign_in(Client(), user)
    for path in ["/", "/people/", "/invitations/", "/cms/", "/django-admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/", path
    # allauth asks for the password again before any MFA change, then shows the setup page.
    setup = client.get("/accounts/2fa/totp/activate/")
    assert setup["Location"].startswith("/accounts/reauthenticate/")
    client.post(setup["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert b"Authenticator" in page.content


@pytest.mark.parametrize("role", [Role.LEARNER, Role.AUTHOR])
def test_roles_without_mfa_requirement_get_in(db, role):
    user = UserFactory(roles=[role])
    StaffProfileFactory(user=user)
    client = sign_in(Client(), user)
    assert client.get("/").status_code == 200


def test_sign_in_with_totp_requires_the_code(city):
    client = Client()
    response = client.post("/accounts/login/", {"login": "hr@relay.test", "password": PASSWORD})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Not signed in yet: the home page sends us back to the login.
    assert client.get("/")["Location"].startswith("/accounts/login/")
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert wrong.status_code == 200
    assert b"Incorrect code" in wrong.content
    assert client.get("/")["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("steps", "accepted"), [(-2, False), (-1, True), (1, True), (2, False)])
def test_a_code_one_step_either_side_is_accepted(city, steps, accepted):
    """A code typed as the 30-second step turns over still works; older or newer ones do not."""
    client = Client()
    client.post("/accounts/login/", {"login": "hr@relay.test", "password": PASSWORD})
    code = pyotp.TOTP(TOTP_SECRET).at(time.time() + 30 * steps)
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert (response.status_code == 302) is accepted


def test_a_used_code_is_refused_within_its_window(city):
    code = totp_now()
    answers = []
    for _ in range(2):
        client = Client()
        client.post("/accounts/login/", {"login": "hr@relay.test", "password": PASSWORD})
        answers.append(client.post("/accounts/2fa/authenticate/", {"code": code}).status_code)
    assert answers == [302, 200]


def test_sign_in_with_correct_totp_lands_on_role_home(city, client_for):
    response = client_for("hr").get("/")
    assert response.status_code == 200
    assert b"Headcount by organisation" in response.content
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_IN, actor=city.user("hr")).exists()


def test_failed_password_is_audited_and_changes_nothing(city):
    response = Client().post(
        "/accounts/login/", {"login": "learner@relay.test", "password": "wrong-password"}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert event.data["email"] == "learner@relay.test"
    assert event.actor is None


def test_required_totp_cannot_be_deactivated(city, client_for):
    client = client_for("fto")
    response = client.post("/accounts/2fa/totp/deactivate/", {})
    assert Authenticator.objects.filter(user=city.user("fto"), type="totp").exists()
    assert response.status_code in (200, 302, 403)


def test_separated_staff_cannot_sign_in(city):
    from lms.accounts.services import staff_separate

    staff_separate(actor=city.user("admin"), profile=city.learner, on=city.learner.hire_date)
    response = Client().post(
        "/accounts/login/", {"login": "learner@relay.test", "password": PASSWORD}
    )
    assert response.status_code != 302 or "inactive" in response["Location"]
    city.learner.refresh_from_db()
    assert city.learner.status == "separated"
