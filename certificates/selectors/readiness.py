"""Reading what the readiness rules need from the database: a role's requirements and one
person's facts, for the pure function in `certificates.readiness`. The set-based computation
over many people is `certificates.selectors.readiness_board`."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Min

from certificates.models import (
    Credential,
    CredentialState,
    JobRole,
    RequirementLevel,
    RoleCredential,
    Verification,
)
from certificates.readiness import HeldCredential, PersonFacts, RoleRequirements
from courses.models import FieldTraining, FieldTrainingStatus
from lms.accounts.models import StaffProfile

IN_FORCE_VERIFICATION = (Verification.NOT_NEEDED, Verification.VERIFIED)


def role_requirements(roles: Iterable[JobRole]) -> dict[int, RoleRequirements]:
    """Role id -> its requirements (one query for all the roles). Requirements on a retired
    (inactive) credential type are left out: nobody can earn it any more."""
    roles = list(roles)
    required: dict[int, list[tuple[int, str]]] = defaultdict(list)
    preferred: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = (
        RoleCredential.objects.filter(
            role_id__in=[role.pk for role in roles], credential_type__active=True
        )
        .order_by("credential_type__name", "pk")
        .values_list("role_id", "level", "credential_type_id", "credential_type__name")
    )
    for role_id, level, type_id, name in rows:
        target = required if level == RequirementLevel.REQUIRED else preferred
        target[role_id].append((type_id, name))
    return {
        role.pk: RoleRequirements(
            role_id=role.pk,
            required=tuple(required[role.pk]),
            preferred=tuple(preferred[role.pk]),
            minimum_months=role.minimum_months_in_role,
            requires_field_release=role.requires_field_release,
        )
        for role in roles
    }


def held_credential(credential: Credential) -> HeldCredential:
    return HeldCredential(
        credential_type_id=credential.credential_type_id,
        issued_on=credential.issued_on,
        expires_on=credential.expires_on,
        renewed_on=credential.renewed_on,
        in_force=credential.state == CredentialState.ACTIVE
        and credential.verification in IN_FORCE_VERIFICATION,
    )


def person_facts(profile: StaffProfile) -> PersonFacts:
    """One person's credentials, time in role and field release (two queries)."""
    credentials = Credential.objects.filter(holder_id=profile.user_id).only(
        "credential_type_id",
        "issued_on",
        "expires_on",
        "renewed_on",
        "state",
        "verification",
    )
    released_at = FieldTraining.objects.filter(
        trainee_id=profile.user_id, status=FieldTrainingStatus.RELEASED
    ).aggregate(first=Min("released_at"))["first"]
    return PersonFacts(
        in_role_since=profile.in_role_since,
        credentials=tuple(held_credential(c) for c in credentials),
        released_on=released_on(released_at, profile),
    )


def released_on(
    released_at: datetime.datetime | None, profile: StaffProfile
) -> datetime.date | None:
    """The release moment as a calendar day in the person's organisation."""
    if released_at is None:
        return None
    return profile.organisation.today(released_at)
