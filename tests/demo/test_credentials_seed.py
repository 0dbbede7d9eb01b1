"""The demo credentials: the catalog's types, and what every demo staff member holds.

A small city with the curriculum and the field training is seeded once for the module, inside a
transaction rolled back at the end; evidence goes to a temporary private storage.
"""

import datetime
import random
import tempfile

import pytest
from django.db import transaction
from django.test import override_settings

from certificates.models import (
    ContinuingEducation,
    Credential,
    CredentialDecision,
    CredentialKind,
    CredentialState,
    CredentialType,
    DecisionKind,
    ExpiryRule,
    JobRole,
    Verification,
)
from certificates.services.decisions import decisions_verify_chain
from certificates.services.earning import credential_status, current_credential
from courses.field.qualification import fto_qualification
from lms.accounts.models import StaffProfile, User
from lms.demo.catalog import load_catalog
from lms.demo.credentials import LEARNER_RECORDS, plan_instances, type_fields, type_slug
from lms.demo.people import DEMO_ANCHOR, OCS
from lms.demo.seed import seed_city

pytestmark = pytest.mark.django_db

TODAY = DEMO_ANCHOR
SIZE = 40


@pytest.fixture(scope="module")
def private_root():
    with tempfile.TemporaryDirectory() as private:
        yield private


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, private_root):
    with override_settings(PRIVATE_STORAGE_ROOT=private_root), django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_city(SIZE, today=TODAY)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _statuses(credentials) -> set[str]:
    found = set()
    for credential in credentials:
        if credential.verification == Verification.PENDING:
            found.add("pending")
        else:
            found.add(str(credential_status(credential, TODAY)))
    return found


def test_every_catalog_credential_is_a_type(seeded):
    catalog = load_catalog()
    slugs = set(CredentialType.objects.values_list("slug", flat=True))
    assert {type_slug(row["id"]) for row in catalog["credentials"]} <= slugs
    assert CredentialType.objects.count() >= 30
    assert CredentialType.objects.filter(kind=CredentialKind.EARNED).count() >= 2
    for earned in CredentialType.objects.filter(kind=CredentialKind.EARNED):
        assert earned.requirements.exists()


def test_types_map_the_catalog(seeded):
    naloxone = CredentialType.objects.get(slug="naloxone")
    assert naloxone.expiry_rule == ExpiryRule.FIXED_DATE
    assert (naloxone.fixed_month, naloxone.fixed_day, naloxone.minimum_active_months) == (6, 30, 3)
    assert naloxone.window_days == 60
    peer = CredentialType.objects.get(slug="pa-cps")
    assert peer.expiry_rule == ExpiryRule.FROM_PREVIOUS_EXPIRY
    assert peer.renewal_ce_hours == 36
    assert CredentialType.objects.get(slug="lcsw-lpc").grace_days == 0
    assert CredentialType.objects.get(slug="asist").validity_months is None
    fto = CredentialType.objects.get(slug="fto40")
    assert fto.qualifies_fto
    assert fto.renewal_field_observations == 10
    assert list(CredentialType.objects.filter(qualifies_fto=True)) == [fto]
    requiring = JobRole.objects.filter(credential_requirements__credential_type__slug="aha-bls")
    assert requiring.filter(name__startswith="Community / behavioral health responder").exists()


def test_type_fields_are_valid_for_every_catalog_row():
    for row in load_catalog()["credentials"]:
        fields = type_fields(row)
        credential_type = CredentialType(slug=type_slug(row["id"]), **fields)
        credential_type.clean()  # a renewal requirement always comes with a validity


def test_every_staff_member_holds_credentials(seeded):
    staff = StaffProfile.objects.count()
    holders = Credential.objects.values("holder_id").distinct().count()
    assert staff == holders
    assert staff >= SIZE


def test_the_mix(seeded, settings, private_root):
    settings.PRIVATE_STORAGE_ROOT = private_root
    credentials = list(Credential.objects.all())
    statuses = _statuses(credentials)
    assert {
        "active",
        "window",
        "expired",
        "pending",
        "renewed",
        "suspended",
        "revoked",
    } <= statuses
    renewed = [c for c in credentials if c.previous_id]
    assert renewed
    assert all(c.previous.renewed_on == c.issued_on for c in renewed)
    in_ocs = Credential.objects.filter(organisation__slug=OCS)
    assert in_ocs.filter(state=CredentialState.SUSPENDED).count() == 1
    assert in_ocs.filter(state=CredentialState.REVOKED).count() == 1
    extended = CredentialDecision.objects.get(kind=DecisionKind.EXTENDED).credential
    assert extended.expires_on > extended.original_expires_on
    pending = Credential.objects.filter(verification=Verification.PENDING).exclude(evidence="")
    assert pending.exists()
    evidence = pending.first()
    with evidence.evidence.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF-")
    assert evidence.holder.last_name.encode() in content


def test_earned_credentials_are_issued_from_their_requirements(seeded):
    earned = Credential.objects.filter(kind=CredentialKind.EARNED)
    assert earned.exists()
    for credential in earned:
        assert credential.earned_against["requirements"]
        assert credential.decisions.filter(kind=DecisionKind.ISSUED).exists()
    released = User.objects.get(email="rafael.quintanilla@alderbay.test")
    assert earned.filter(holder=released, credential_type__slug__contains="field").exists()


def test_ce_ledger(seeded):
    assert ContinuingEducation.objects.filter(source="module").exists()
    external = ContinuingEducation.objects.filter(source="external")
    assert external.exists()
    assert not external.filter(evidence="").exists()


def test_the_decision_chain_verifies(seeded):
    assert list(decisions_verify_chain()) == []
    times = list(
        CredentialDecision.objects.order_by("sequence").values_list("decided_at", flat=True)
    )
    assert times == sorted(times)
    for credential in Credential.objects.filter(kind=CredentialKind.EXTERNAL):
        kinds = list(credential.decisions.values_list("kind", flat=True))
        assert kinds[0] == DecisionKind.RECORDED
        assert (DecisionKind.VERIFIED in kinds) == (
            credential.verification == Verification.VERIFIED
        )


def test_every_fto_is_qualified(seeded):
    ftos = User.objects.filter(groups__permissions__codename="sign_off_trainees").distinct()
    demo = ["fto@relay.test", "teodoro.villanueva@alderbay.test", "lamont.pettiford@alderbay.test"]
    for user in ftos.filter(email__in=demo):
        assert fto_qualification(user) is not None
        credential = Credential.objects.get(holder=user, credential_type__qualifies_fto=True)
        first_shift = user.signoffs.order_by("signed_at").values_list("signed_at", flat=True)
        if first_shift:
            assert credential.issued_on < first_shift[0].date()
    assert (
        ftos.count()
        == ftos.filter(credentials__credential_type__qualifies_fto=True).distinct().count()
    )


def test_the_demo_learner(seeded):
    learner = User.objects.get(email="learner@relay.test")
    held = list(Credential.objects.filter(holder=learner))
    assert {"active", "window", "expired"} <= _statuses(held)
    assert "pending" not in _statuses(held)
    assert not any(c.credential_type.slug == type_slug(LEARNER_RECORDS) for c in held)
    bls = CredentialType.objects.get(slug=type_slug(LEARNER_RECORDS))
    assert current_credential(learner, bls) is None


def test_hr_has_verifications_waiting(seeded):
    hr = User.objects.get(email="hr@relay.test")
    pending = Credential.objects.filter(verification=Verification.PENDING).exclude(holder=hr)
    visible = [
        c for c in pending.select_related("organisation") if c.organisation.shares_people_with_city
    ]
    assert len(visible) >= 3


def test_loading_again_changes_nothing(seeded):
    counts = (Credential.objects.count(), CredentialDecision.objects.count())
    seed_city(SIZE, today=TODAY + datetime.timedelta(days=2))
    assert (Credential.objects.count(), CredentialDecision.objects.count()) == counts


@pytest.mark.parametrize("outcome", ["active", "window", "grace", "expired", "renewed"])
def test_planned_instances_land_in_their_bucket(outcome):
    t = CredentialType(
        **type_fields(next(r for r in load_catalog()["credentials"] if r["id"] == "aha_bls"))
    )
    rng = random.Random(1)  # noqa: S311 - a fixed sample, not a secret
    for _ in range(20):
        instances = plan_instances(t, "aha_bls", outcome, rng=rng, today=TODAY)
        current = instances[-1]
        assert current.issued_on <= TODAY
        assert current.expires_on > current.issued_on
        if outcome == "renewed":
            assert len(instances) == 2
            assert instances[0].issued_on < current.issued_on
