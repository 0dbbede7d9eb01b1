"""allauth's own pages write the audit log: sign-out, second factors added, reset, removed and
refused, and failed passwords tied to the person's organisation."""

import pyotp
import pytest
from django.test import Client

from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_verify_chain
from tests.conftest import sign_in
from tests.factories.accounts import PASSWORD


def _actions(user) -> list[str]:
    return list(
        AuditEvent.objects.filter(actor=user).order_by("id").values_list("action", flat=True)
    )


def test_signing_out_is_recorded(city):
    client = sign_in(Client(), city.user("author"))
    client.post("/accounts/logout/")
    assert _actions(city.user("author"))[-1] == AuditAction.SIGN_OUT


def test_a_second_factor_added_reset_and_removed_is_recorded(
    city, django_capture_on_commit_callbacks
):
    author = city.user("author")
    client = sign_in(Client(), author)
    # Relay asks for the password again before a second factor changes.
    client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    client.get("/accounts/2fa/totp/activate/")
    secret = client.session["mfa.totp.secret"]
    # allauth announces an activation once its transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 302
        client.post("/accounts/2fa/recovery-codes/generate/")
    client.post("/accounts/2fa/totp/deactivate/")
    actions = _actions(author)
    assert AuditAction.MFA_ACTIVATED in actions
    assert actions.index(AuditAction.MFA_ACTIVATED) < actions.index(AuditAction.MFA_RESET)
    assert actions[-1] == AuditAction.MFA_REMOVED
    removed = AuditEvent.objects.filter(action=AuditAction.MFA_REMOVED)
    # Switching TOTP off removes the recovery codes that came with it.
    assert sorted(event.data["type"] for event in removed) == ["recovery_codes", "totp"]
    assert {event.organisation for event in removed} == {city.department}
    assert list(audit_verify_chain()) == []


def test_a_refused_code_is_recorded_against_the_person(city):
    client = Client()
    client.post("/accounts/login/", {"login": "hr@relay.test", "password": PASSWORD})
    client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    event = AuditEvent.objects.filter(action=AuditAction.MFA_FAILED).get()
    assert event.actor == city.user("hr")
    assert event.organisation == city.department


@pytest.mark.parametrize(
    ("email", "tied"), [("cbo.learner@relay.test", True), ("nobody@x.test", False)]
)
def test_a_failed_password_is_tied_to_the_persons_organisation(city, email, tied):
    Client().post("/accounts/login/", {"login": email, "password": "wrong password"})
    event = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).get()
    assert event.organisation == (city.sharing_cbo if tied else None)
    assert event.data == {"email": email}
