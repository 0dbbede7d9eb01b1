"""The bulk writes of an import: new people (accounts, addresses, the learner role, profiles),
changed people, and the invitations an account now replaces. Called by `importer._apply` inside
its transaction; a handful of statements per 500 people."""

import secrets
from collections.abc import Mapping

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.models import Group

from ..models import Invitation, Organisation, StaffProfile, StaffStatus, User
from ..roles import ROLE_DEFINITIONS, Role
from .rows import RowPlan
from .snapshot import LOOKUP_CHUNK, chunks

BATCH = 500


def invitations_close(plans: list[RowPlan], *, organisation: Organisation, now) -> int:
    """Open invitations for the people hired now are withdrawn: their account exists."""
    closed = 0
    emails = [plan.target.email for plan in plans]
    employee_ids = [plan.target.employee_id for plan in plans]
    open_invitations = Invitation.objects.filter(accepted_at__isnull=True, revoked_at__isnull=True)
    for chunk in chunks(emails, LOOKUP_CHUNK):
        closed += open_invitations.filter(email__in=chunk).update(revoked_at=now)
    for chunk in chunks(employee_ids, LOOKUP_CHUNK):
        closed += open_invitations.filter(organisation=organisation, employee_id__in=chunk).update(
            revoked_at=now
        )
    return closed


def _unusable_password() -> str:
    """What `make_password(None)` stores (a password nobody can sign in with, different for
    everyone), from one call to the system's random source instead of forty."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _supervisor_id(plan: RowPlan, user_of: Mapping[str, int]) -> int | None:
    wanted = plan.target.supervisor_employee_id
    if wanted is None:  # the column was left out: keep
        return plan.person.supervisor_user_id if plan.person else None
    return user_of[wanted] if wanted else None


def staff_hire(
    plans: list[RowPlan], *, organisation: Organisation, user_of: dict[str, int], now
) -> list[StaffProfile]:
    """Accounts, addresses, learner role and staff profiles for new people, in bulk."""
    if not plans:
        return []
    users = [
        User(
            email=plan.target.email,
            first_name=plan.target.first_name,
            last_name=plan.target.last_name,
            password=_unusable_password(),
            is_active=plan.target.status != StaffStatus.SEPARATED,
            date_joined=now,
        )
        for plan in plans
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    if any(user.pk is None for user in users):  # a database that returns no ids
        ids = {}
        for chunk in chunks([user.email for user in users], LOOKUP_CHUNK):
            ids.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))
        for user in users:
            user.pk = ids[user.email]
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users],
        batch_size=BATCH,
    )
    # What `services._apply_roles(user, {Role.LEARNER})` does for a new account, in bulk.
    learners = Group.objects.get(name=ROLE_DEFINITIONS[Role.LEARNER].group_name)
    memberships = User.groups.through
    memberships.objects.bulk_create(
        [memberships(user_id=user.pk, group_id=learners.pk) for user in users], batch_size=BATCH
    )
    for plan, user in zip(plans, users, strict=True):
        user_of[plan.target.employee_id] = user.pk
    profiles = [
        StaffProfile(
            user=user,
            organisation=organisation,
            employee_id=plan.target.employee_id,
            job_role_id=plan.target.job_role_id,
            hire_date=plan.target.hire_date,
            status=plan.target.status,
            separated_on=plan.target.separated_on,
            supervisor_id=_supervisor_id(plan, user_of),
            funding_source=plan.target.funding_source,
        )
        for plan, user in zip(plans, users, strict=True)
    ]
    StaffProfile.objects.bulk_create(profiles, batch_size=BATCH)
    if any(profile.pk is None for profile in profiles):
        ids = dict(
            StaffProfile.objects.filter(organisation=organisation).values_list("user_id", "pk")
        )
        for profile in profiles:
            profile.pk = ids[profile.user_id]
    return profiles


# Which stored fields a changed column writes.
_PROFILE_FIELDS = {
    "job_role": ("job_role", "job_role_since"),
    "hire_date": ("hire_date",),
    "status": ("status",),
    "separated_on": ("separated_on",),
    "supervisor": ("supervisor",),
    "funding_source": ("funding_source",),
}
_USER_FIELDS = {
    "first_name": ("first_name",),
    "last_name": ("last_name",),
    "status": ("is_active",),
}


def staff_update(
    plans: list[RowPlan], *, organisation: Organisation, user_of: Mapping[str, int], today
) -> list[tuple[RowPlan, StaffProfile]]:
    """Write the changed fields of existing people, in bulk; the profiles as now stored."""
    if not plans:
        return []
    profile_fields: set[str] = set()
    user_fields: set[str] = set()
    updated, users = [], []
    for plan in plans:
        person, target = plan.person, plan.target
        user = User(
            pk=person.user_id,
            email=person.email,
            first_name=target.first_name,
            last_name=target.last_name,
            is_active=target.status != StaffStatus.SEPARATED
            if "status" in plan.changed
            else person.is_active,
        )
        profile = StaffProfile(
            pk=person.profile_id,
            user=user,
            organisation=organisation,
            employee_id=person.employee_id,
            job_role_id=target.job_role_id,
            job_role_since=today if "job_role" in plan.changed else person.job_role_since,
            hire_date=target.hire_date,
            status=target.status,
            separated_on=target.separated_on,
            supervisor_id=_supervisor_id(plan, user_of),
            funding_source=target.funding_source,
        )
        for name in plan.changed:
            profile_fields.update(_PROFILE_FIELDS.get(name, ()))
        if changed_user_fields := {
            field for name in plan.changed for field in _USER_FIELDS.get(name, ())
        }:
            user_fields |= changed_user_fields
            users.append(user)
        updated.append((plan, profile))
    if profile_fields:
        StaffProfile.objects.bulk_update(
            [profile for _, profile in updated], sorted(profile_fields), batch_size=BATCH
        )
    if users:
        User.objects.bulk_update(users, sorted(user_fields), batch_size=BATCH)
    return updated
