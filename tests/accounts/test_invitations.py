import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from lms.accounts import services
from lms.accounts.models import Invitation, StaffProfile, User
from lms.accounts.roles import Role, roles_of
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import InvitationFactory


def _invite(city, inviter, **overrides):
    data = {
        "inviter": inviter,
        "email": "new.hire@relay.test",
        "first_name": "Nia",
        "last_name": "Okafor",
        "organisation": city.department,
        "employee_id": "OCS-9001",
        "hire_date": datetime.date(2026, 11, 2),
    }
    data.update(overrides)
    return services.invitation_create(**data)


def test_invitation_is_emailed_and_accepted_once(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        issued = _invite(city, city.user("supervisor"), supervisor=city.user("supervisor"))
    assert len(mail.outbox) == 1
    assert issued.path in mail.outbox[0].body
    assert issued.invitation.token_hash != issued.token  # only the hash is stored

    client = Client()
    page = client.get(issued.path)
    assert page.status_code == 200
    assert b"Join Relay" in page.content

    response = client.post(
        issued.path, {"password1": "river-stone-9182", "password2": "river-stone-9182"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="new.hire@relay.test")
    assert user.check_password("river-stone-9182")
    assert user.emailaddress_set.get().verified
    profile = StaffProfile.objects.get(user=user)
    assert profile.organisation == city.department
    assert profile.supervisor == city.user("supervisor")
    assert roles_of(user) == [Role.LEARNER]
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_ACCEPTED).count() == 1

    again = client.post(
        issued.path, {"password1": "river-stone-9182", "password2": "river-stone-9182"}
    )
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert User.objects.filter(email="new.hire@relay.test").count() == 1


def test_expired_invitation_gets_a_clear_page_and_creates_nothing(city):
    past = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    invitation = InvitationFactory(
        raw_token="expired-token-abcdefghijklmnopqrstuv",
        organisation=city.department,
        invited_by=city.user("hr"),
        expires_at=past,
    )
    client = Client()
    response = client.post(
        "/invite/expired-token-abcdefghijklmnopqrstuv/",
        {"password1": "river-stone-9182", "password2": "river-stone-9182"},
    )
    assert response.status_code == 410
    assert b"expired" in response.content
    assert not User.objects.filter(email=invitation.email).exists()


def test_tampered_token_is_a_friendly_404(city):
    InvitationFactory(raw_token="real-token-abcdefghijklmnopqrstuvwx", invited_by=city.user("hr"))
    response = Client().get("/invite/real-token-abcdefghijklmnopqrstuvwY/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_revoked_invitation_cannot_be_used(city):
    issued = _invite(city, city.user("hr"))
    services.invitation_revoke(actor=city.user("hr"), invitation=issued.invitation)
    response = Client().get(issued.path)
    assert response.status_code == 410
    assert b"withdrawn" in response.content


def test_invitation_for_existing_account_is_refused(city):
    with pytest.raises(ValidationError) as error:
        _invite(city, city.user("hr"), email="Learner@relay.test")
    assert "already has a Relay account" in str(error.value)
    assert not Invitation.objects.exists()


def test_invitation_form_shows_the_error_and_stores_nothing(city, client_for):
    client = client_for("hr")
    response = client.post(
        "/invitations/",
        {
            "first_name": "Dup",
            "last_name": "Licate",
            "email": "learner@relay.test",
            "organisation": city.department.pk,
            "employee_id": "X-1",
            "hire_date": "2026-11-02",
            "role": "learner",
        },
    )
    assert response.status_code == 200
    assert b"already has a Relay account" in response.content
    assert not Invitation.objects.exists()


def test_password_mismatch_keeps_the_invitation_open(city):
    issued = _invite(city, city.user("hr"))
    response = Client().post(
        issued.path, {"password1": "river-stone-9182", "password2": "different-9182"}
    )
    assert response.status_code == 200
    assert b"The two passwords differ" in response.content
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


def test_supervisor_invites_only_into_own_organisation(city):
    with pytest.raises(PermissionDenied):
        _invite(city, city.user("supervisor"), organisation=city.sharing_cbo)
    with pytest.raises(PermissionDenied):
        _invite(city, city.user("cbo_supervisor"))
    assert not Invitation.objects.exists()


def test_only_role_managers_invite_privileged_roles(city):
    with pytest.raises(PermissionDenied):
        _invite(city, city.user("supervisor"), role=Role.ADMIN)
    issued = _invite(city, city.user("admin"), role=Role.HR)
    assert issued.invitation.role == Role.HR


def test_learner_cannot_open_invitations(city, client_for):
    assert client_for("learner").get("/invitations/").status_code == 403


def test_signed_in_person_is_told_to_sign_out_before_accepting(city, client_for):
    issued = _invite(city, city.user("hr"))
    response = client_for("learner").get(issued.path)
    assert response.status_code == 302
    issued.invitation.refresh_from_db()
    assert issued.invitation.accepted_at is None


def test_public_signup_is_closed(db):
    response = Client().post(
        "/accounts/signup/",
        {"email": "walk.in@relay.test", "password1": "river-stone-9182", "password2": "x"},
    )
    assert not User.objects.filter(email="walk.in@relay.test").exists()
    assert response.status_code == 200
    assert b"closed" in response.content.lower()
