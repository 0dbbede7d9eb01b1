"""State changes for people, organisations and invitations. Each writes its audit row."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from .backends import forget_access
from .models import (
    FundingSource,
    Invitation,
    Notification,
    Organisation,
    StaffProfile,
    StaffStatus,
    User,
)
from .permissions import ensure_can_invite, ensure_can_manage_roles
from .roles import ROLE_DEFINITIONS, Role, roles_of
from .signals import staff_hired, staff_moved
from .tasks import send_invitation_email


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    @property
    def path(self) -> str:
        return reverse("accounts:invitation_accept", args=[self.token])


def invitation_create(
    *,
    inviter: User,
    email: str,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    employee_id: str,
    hire_date: datetime.date,
    role: str = Role.LEARNER,
    job_role=None,
    supervisor: User | None = None,
    request=None,
    now: datetime.datetime | None = None,
) -> IssuedInvitation:
    """Invite a person by email. Refuses an address that already has an account or an open
    invitation, and an employee id already used in the organisation."""
    ensure_can_invite(inviter=inviter, organisation=organisation, role=role)
    now = now or timezone.now()
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "This email address already has a Relay account."})
    if Invitation.objects.pending(now=now).filter(email__iexact=email).exists():
        raise ValidationError({"email": "This person already has an open invitation."})
    if StaffProfile.objects.filter(organisation=organisation, employee_id=employee_id).exists():
        raise ValidationError({"employee_id": "This employee id is already used here."})
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # An expired, never-accepted invitation for the same address is closed, not reused.
        Invitation.objects.filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            organisation=organisation,
            employee_id=employee_id.strip(),
            job_role=job_role,
            hire_date=hire_date,
            role=role,
            supervisor=supervisor,
            token_hash=hash_token(token),
            invited_by=inviter,
            created_at=now,
            expires_at=now + datetime.timedelta(days=settings.RELAY_INVITATION_DAYS),
        )
        audit_record(
            action=AuditAction.INVITATION_SENT,
            actor=inviter,
            organisation=organisation,
            request=request,
            target=f"invitation:{invitation.pk}",
            data={"email": email, "role": role},
            now=now,
        )
        accept_url = settings.SITE_URL.rstrip("/") + reverse(
            "accounts:invitation_accept", args=[token]
        )
        transaction.on_commit(
            lambda: send_invitation_email.enqueue(
                invitation_id=str(invitation.pk), accept_url=accept_url
            )
        )
    return IssuedInvitation(invitation=invitation, token=token)


class InvitationUnusable(Exception):
    """The token does not open an invitation that can still be accepted."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_for_token(*, token: str, now: datetime.datetime | None = None) -> Invitation:
    """The acceptable invitation behind a token, or `InvitationUnusable` saying why not."""
    invitation = (
        Invitation.objects.select_related("organisation").filter(token_hash=hash_token(token))
    ).first()
    if invitation is None:
        raise InvitationUnusable("unknown")
    state = invitation.state(now=now)
    if state != "pending":
        raise InvitationUnusable(state)
    return invitation


def invitation_accept(
    *, token: str, password: str, request=None, now: datetime.datetime | None = None
) -> User:
    """Create the account, its verified email address and staff profile from an invitation."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = invitation_for_token(token=token, now=now)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.state(now=now) != "pending":
            raise InvitationUnusable(invitation.state(now=now))
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationUnusable("account_exists")
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=password,
                    first_name=invitation.first_name,
                    last_name=invitation.last_name,
                )
        except IntegrityError as exc:
            raise InvitationUnusable("account_exists") from exc
        # The link reached the person at this address, which verifies it.
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        profile = StaffProfile.objects.create(
            user=user,
            organisation=invitation.organisation,
            employee_id=invitation.employee_id,
            job_role=invitation.job_role,
            hire_date=invitation.hire_date,
            status=StaffStatus.TRAINEE,
            supervisor=invitation.supervisor,
        )
        _apply_roles(user, {Role(invitation.role)})
        invitation.accepted_at = now
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
        audit_record(
            action=AuditAction.INVITATION_ACCEPTED,
            actor=user,
            organisation=invitation.organisation,
            request=request,
            target=f"invitation:{invitation.pk}",
            now=now,
        )
        staff_hired.send(sender=StaffProfile, profile=profile, on=invitation.hire_date)
    return user


def invitation_revoke(*, actor: User, invitation: Invitation, request=None) -> Invitation:
    ensure_can_invite(inviter=actor, organisation=invitation.organisation, role=invitation.role)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.revoked_at:
            raise ValidationError("This invitation is already closed.")
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.INVITATION_REVOKED,
            actor=actor,
            organisation=invitation.organisation,
            request=request,
            target=f"invitation:{invitation.pk}",
        )
    return invitation


def _apply_roles(user: User, roles: set[Role]) -> None:
    """Make the user's groups (and the flags Django's admin needs) match exactly `roles`."""
    managed = Group.objects.filter(
        name__in=[definition.group_name for definition in ROLE_DEFINITIONS.values()]
    )
    user.groups.remove(*managed)
    wanted = [ROLE_DEFINITIONS[role].group_name for role in roles]
    user.groups.add(*Group.objects.filter(name__in=wanted))
    forget_access(user)
    is_admin = Role.ADMIN in roles
    if user.is_staff != is_admin or user.is_superuser != is_admin:
        user.is_staff = user.is_superuser = is_admin
        user.save(update_fields=["is_staff", "is_superuser"])


def roles_set(*, actor: User, user: User, roles: set[Role], request=None) -> list[Role]:
    """Replace a person's roles. Everyone keeps the learner role."""
    ensure_can_manage_roles(actor=actor, target=user)
    roles = {Role(role) for role in roles} | {Role.LEARNER}
    with transaction.atomic():
        before = roles_of(user)
        _apply_roles(user, roles)
        user = User.objects.prefetch_related("groups").get(pk=user.pk)
        after = roles_of(user)
        profile = getattr(user, "staff_profile", None)
        audit_record(
            action=AuditAction.ROLES_CHANGED,
            actor=actor,
            organisation=profile.organisation if profile else None,
            request=request,
            target=f"user:{user.pk}",
            data={"before": [str(r) for r in before], "after": [str(r) for r in after]},
        )
    return after


def staff_separate(
    *, actor: User, profile: StaffProfile, on: datetime.date, request=None
) -> StaffProfile:
    """Record a separation. The account is closed for sign-in; every record is kept."""
    ensure_can_manage_roles(actor=actor, target=profile.user)
    with transaction.atomic():
        profile.status = StaffStatus.SEPARATED
        profile.separated_on = on
        profile.save(update_fields=["status", "separated_on"])
        profile.user.is_active = False
        profile.user.save(update_fields=["is_active"])
        audit_record(
            action=AuditAction.STAFF_SEPARATED,
            actor=actor,
            organisation=profile.organisation,
            request=request,
            target=f"user:{profile.user_id}",
            data={"separated_on": on.isoformat()},
        )
    return profile


def notifications_send(*, users, message: str, url: str = "", now=None) -> int:
    """Queue the same in-app notification for many people in one insert."""
    now = now or timezone.now()
    rows = [
        Notification(user=user, message=message[:300], url=url, created_at=now) for user in users
    ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def notifications_mark_read(*, user: User, now=None) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def staff_change_job_role(
    *,
    actor: User,
    profile: StaffProfile,
    job_role,
    on: datetime.date,
    funding_source: str | None = None,
    request=None,
) -> StaffProfile:
    """Move a person into another job role; the curriculum assigns what the new role needs.
    `funding_source` (a `FundingSource` value, or "" for the organisation's) sets who pays for
    the position; None leaves it as it is."""
    ensure_can_manage_roles(actor=actor, target=profile.user)
    if funding_source is not None and funding_source not in ("", *FundingSource.values):
        raise ValidationError({"funding_source": "Choose a funding source from the list."})
    with transaction.atomic():
        before = profile.job_role.name if profile.job_role else ""
        funding_before = profile.funding_source
        changed = job_role != profile.job_role
        profile.job_role = job_role
        if changed:
            profile.job_role_since = on
        if funding_source is not None:
            profile.funding_source = funding_source
        profile.save(update_fields=["job_role", "job_role_since", "funding_source"])
        data = {"job_role_before": before, "job_role_after": job_role.name if job_role else ""}
        if profile.funding_source != funding_before:
            data.update(funding_before=funding_before, funding_after=profile.funding_source)
        audit_record(
            action=AuditAction.ROLES_CHANGED,
            actor=actor,
            organisation=profile.organisation,
            request=request,
            target=f"user:{profile.user_id}",
            data=data,
        )
        staff_moved.send(sender=StaffProfile, profile=profile, on=on)
    return profile


# --- Organisation records and moves between organisations, from the admins -------------------

# What an organisation's audit row compares. The description is free text: the row says that
# it changed, not what it says.
ORGANISATION_AUDITED_FIELDS = (
    "name",
    "slug",
    "kind",
    "contract_reference",
    "data_sharing",
    "funding_source",
    "time_zone",
)


def organisation_stored(organisation: Organisation) -> dict | None:
    """The audited fields of `organisation` as the database holds them (None: not saved yet).
    Read it before saving an edited instance, and hand it to `organisation_change_record`."""
    if organisation.pk is None:
        return None
    return (
        Organisation.objects.filter(pk=organisation.pk)
        .values(*ORGANISATION_AUDITED_FIELDS, "description")
        .first()
    )


def organisation_change_record(
    *, actor: User, organisation: Organisation, before: dict | None, request=None
):
    """The `ORGANISATION_CHANGED` audit row for an organisation just saved by an administrator,
    in the saving transaction: created (`before` None) with its values, or edited with each
    changed field as [old, new]. A save that changed nothing writes no row."""
    after = {field: getattr(organisation, field) for field in ORGANISATION_AUDITED_FIELDS}
    if before is None:
        data = {"created": True, **after}
    else:
        changed = {
            field: [before[field], value]
            for field, value in after.items()
            if before[field] != value
        }
        if before["description"] != organisation.description:
            changed["description"] = "changed"
        if not changed:
            return None
        data = {"created": False, "changed": changed}
    return audit_record(
        action=AuditAction.ORGANISATION_CHANGED,
        actor=actor,
        organisation=organisation,
        request=request,
        target=f"organisation:{organisation.pk}",
        data=data,
    )


def staff_profile_stored(profile: StaffProfile) -> dict | None:
    """Where a staff profile stands in the database (organisation, job role, employee id),
    read before an administrator's edit is saved, for `staff_move_record`."""
    if profile.pk is None:
        return None
    return (
        StaffProfile.objects.filter(pk=profile.pk)
        .values("organisation_id", "job_role_id", "employee_id")
        .first()
    )


def staff_move_record(*, actor: User, profile: StaffProfile, before: dict | None, request=None):
    """The `STAFF_MOVED` audit row when an edit just saved moved a person to another
    organisation (the only place that can: Django's admin; an HR import or the staff API
    writes one organisation's people and refuses an address already in use), in the saving
    transaction: from and to which organisation, and the job role and employee id before and
    after. The row belongs to the new organisation; the old one is in its data."""
    if before is None or before["organisation_id"] == profile.organisation_id:
        return None
    names = dict(
        Organisation.objects.filter(
            pk__in=[before["organisation_id"], profile.organisation_id]
        ).values_list("pk", "name")
    )
    job_roles = profile._meta.get_field("job_role").related_model
    role_before = (
        job_roles.objects.filter(pk=before["job_role_id"]).values_list("name", flat=True).first()
        if before["job_role_id"]
        else None
    )
    return audit_record(
        action=AuditAction.STAFF_MOVED,
        actor=actor,
        organisation=profile.organisation,
        request=request,
        target=f"user:{profile.user_id}",
        data={
            "from_organisation": {
                "id": before["organisation_id"],
                "name": names.get(before["organisation_id"], ""),
            },
            "to_organisation": {
                "id": profile.organisation_id,
                "name": names.get(profile.organisation_id, ""),
            },
            "job_role_before": role_before,
            "job_role_after": profile.job_role.name if profile.job_role_id else None,
            "employee_id_before": before["employee_id"],
            "employee_id_after": profile.employee_id,
        },
    )


def user_access_stored(user: User) -> dict | None:
    """A person's groups and access flags as the database holds them (None: a new account),
    read before an administrator's edit in Django's admin, for `user_access_change_record`."""
    if user.pk is None:
        return None
    stored = User.objects.filter(pk=user.pk).values("is_active", "is_staff", "is_superuser").first()
    groups = Group.objects.filter(user__pk=user.pk).order_by("name").values_list("name", flat=True)
    return {**stored, "groups": list(groups)} if stored else None


def user_access_change_record(*, actor: User, user: User, before: dict | None, request=None):
    """The `ROLES_CHANGED` audit row when an administrator's edit of an account in Django's
    admin changed its groups or its active, staff or superuser flags (the edit's transaction).
    Nothing changed: no row."""
    if before is None:
        return None
    after = user_access_stored(user)
    if after == before:
        return None
    profile = StaffProfile.objects.filter(user=user).select_related("organisation").first()
    return audit_record(
        action=AuditAction.ROLES_CHANGED,
        actor=actor,
        organisation=profile.organisation if profile else None,
        request=request,
        target=f"user:{user.pk}",
        data={"before": before, "after": after, "source": "django_admin"},
    )
