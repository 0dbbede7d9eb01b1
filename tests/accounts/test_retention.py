"""The retention rule for separated staff: pseudonymised after the period, records kept and still
valid (every hash chain verifies), one audit row each, nothing else touched."""

import datetime
import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from certificates.models import CalendarFeed, Credential, CredentialDecision
from certificates.services.decisions import decisions_verify_chain
from courses.models import QuizAttempt, Signoff
from courses.services.signoff import signoff_verify_chain
from lms.accounts.models import StaffStatus
from lms.accounts.privacy.retention import (
    is_pseudonymised,
    pseudonym_email,
    pseudonymise_cutoff,
    retention_sweep,
)
from lms.accounts.services import staff_separate
from lms.api.models import ApiToken
from lms.api.services import api_token_create
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_verify_chain
from tests.conftest import sign_in
from tests.factories.privacy import history

TODAY = datetime.date(2030, 6, 15)


@pytest.fixture(autouse=True)
def _periods(settings):
    settings.RELAY_RETENTION_PSEUDONYMISE_MONTHS = 24
    settings.RELAY_RETENTION_RECORDS_YEARS = 7


def _separate(city, role: str, on: datetime.date):
    profile = getattr(city, role)
    return staff_separate(actor=city.user("admin"), profile=profile, on=on)


def _fresh(profile):
    profile.refresh_from_db()
    profile.user.refresh_from_db()
    return profile


def test_the_cutoff_is_whole_months_before_today():
    assert pseudonymise_cutoff(TODAY) == datetime.date(2028, 6, 15)
    assert pseudonymise_cutoff(datetime.date(2030, 2, 28)) == datetime.date(2028, 2, 28)


def test_only_people_separated_long_enough_are_pseudonymised(city):
    _separate(city, "learner", datetime.date(2028, 6, 15))  # exactly 24 months: due
    _separate(city, "cbo_learner", datetime.date(2028, 6, 16))  # a day short
    result = retention_sweep(today=TODAY)

    assert result.pseudonymised == [city.learner.user_id]
    assert is_pseudonymised(_fresh(city.learner).user)
    assert not is_pseudonymised(_fresh(city.cbo_learner).user)
    assert not is_pseudonymised(_fresh(city.fto).user)  # never separated
    assert _fresh(city.cbo_learner).user.first_name != "Former staff member"


def test_pseudonymising_keeps_every_record_and_every_hash_valid(city):
    training = history(city, rounds=2)
    learner = city.user("learner")
    real_email, real_name = learner.email, learner.display_name
    signoffs = list(
        Signoff.objects.filter(trainee=learner).values_list("record_hash", "signer_name")
    )
    decisions = list(
        CredentialDecision.objects.filter(credential__holder=learner).values_list("record_hash")
    )
    counts = (
        QuizAttempt.objects.filter(user=learner).count(),
        Credential.objects.filter(holder=learner).count(),
    )
    _separate(city, "learner", datetime.date(2027, 1, 31))

    retention_sweep(today=TODAY)

    profile = _fresh(city.learner)
    user = profile.user
    assert user.display_name == f"Former staff member #{user.pk}"
    assert user.email == pseudonym_email(user.pk)
    assert not user.is_active
    assert not user.has_usable_password()
    assert not user.groups.exists()
    # The employment and every record stay, unchanged.
    assert profile.status == StaffStatus.SEPARATED
    assert profile.separated_on == datetime.date(2027, 1, 31)
    assert training.pk in user.field_trainings.values_list("pk", flat=True)
    assert counts == (
        QuizAttempt.objects.filter(user=user).count(),
        Credential.objects.filter(holder=user).count(),
    )
    assert signoffs == list(
        Signoff.objects.filter(trainee=user).values_list("record_hash", "signer_name")
    )
    assert decisions == list(
        CredentialDecision.objects.filter(credential__holder=user).values_list("record_hash")
    )
    assert list(signoff_verify_chain()) == []
    assert list(decisions_verify_chain()) == []
    assert list(audit_verify_chain()) == []
    # The audit row: one, about them, without the real email or name in what it says.
    (event,) = AuditEvent.objects.filter(action=AuditAction.STAFF_PSEUDONYMISED)
    assert event.target == f"user:{user.pk}"
    assert event.organisation == city.department
    assert event.data["retention"] == "pseudonymised"
    assert real_email not in str(event.data)
    assert real_name not in str(event.data)
    # The public verification page still answers, now with the pseudonym.
    credential = Credential.objects.filter(holder=user).first()
    page = Client().get(reverse("verify:page", args=[credential.public_id]))
    assert page.status_code == 200
    assert f"Former staff member #{user.pk}" in page.content.decode()
    assert real_name not in page.content.decode()


def test_sign_in_data_is_removed(city):
    hr = city.hr  # HR has a second factor and may hold API tokens
    api_token_create(owner=hr.user, name="Sync", scopes=["staff:read"])
    CalendarFeed.objects.create(user=hr.user, token_hash="f" * 64, created_at=TODAY_AT())
    sign_in(Client(), hr.user)
    assert _sessions_of(hr.user.pk) == 1
    _separate(city, "hr", datetime.date(2027, 1, 31))

    result = retention_sweep(today=TODAY)

    assert result.pseudonymised == [hr.user_id]
    assert not Authenticator.objects.filter(user=hr.user).exists()
    assert not ApiToken.objects.filter(owner=hr.user).exists()
    assert not EmailAddress.objects.filter(user=hr.user).exists()
    assert not CalendarFeed.objects.filter(user=hr.user).exists()
    assert _sessions_of(hr.user.pk) == 0
    removed = AuditEvent.objects.get(action=AuditAction.STAFF_PSEUDONYMISED).data["removed"]
    assert removed["second_factors"] >= 1
    assert removed["api_tokens"] == 1
    assert removed["sessions"] == 1


def TODAY_AT():
    return datetime.datetime(2030, 6, 15, 12, tzinfo=datetime.UTC)


def _sessions_of(user_id: int) -> int:
    return sum(
        1
        for session in Session.objects.all()
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    )


def test_a_dry_run_changes_nothing_and_a_rerun_does_nothing_twice(city):
    _separate(city, "learner", datetime.date(2027, 1, 31))
    before = AuditEvent.objects.count()

    dry = retention_sweep(today=TODAY, dry_run=True)
    assert dry.pseudonymised == [city.learner.user_id]
    assert not is_pseudonymised(_fresh(city.learner).user)
    assert AuditEvent.objects.count() == before

    assert retention_sweep(today=TODAY).pseudonymised == [city.learner.user_id]
    assert retention_sweep(today=TODAY).pseudonymised == []
    assert AuditEvent.objects.filter(action=AuditAction.STAFF_PSEUDONYMISED).count() == 1


def test_records_past_their_period_are_counted_never_deleted(city):
    _separate(city, "learner", datetime.date(2020, 1, 1))
    result = retention_sweep(today=TODAY)
    assert result.records_past_retention == 1
    assert _fresh(city.learner).status == StaffStatus.SEPARATED


def test_the_command(city):
    _separate(city, "learner", datetime.date(2027, 1, 31))
    out = io.StringIO()
    call_command("retention_sweep", "--dry-run", "--today", "2030-06-15", stdout=out)
    assert "1 person(s) separated on or before 2028-06-15 due for pseudonymisation" in (
        out.getvalue()
    )
    assert f"user {city.learner.user_id}" in out.getvalue()
    assert not is_pseudonymised(_fresh(city.learner).user)

    out = io.StringIO()
    call_command("retention_sweep", "--today", "2030-06-15", stdout=out)
    assert "1 person(s)" in out.getvalue()
    assert is_pseudonymised(_fresh(city.learner).user)


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("retention_sweep", "--today", "15/06/2030")
