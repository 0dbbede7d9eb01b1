"""Who may record, verify, decide on and see credentials. Views call these; services call them
again. Every refusal is written to the audit log."""

from django.core.exceptions import PermissionDenied

from lms.accounts.models import StaffProfile
from lms.accounts.permissions import can_view_staff
from lms.audit.models import AuditAction
from lms.audit.services import audit_record


def _denied(*, actor, rule: str, target: str) -> PermissionDenied:
    audit_record(action=AuditAction.ACCESS_DENIED, actor=actor, target=target, data={"rule": rule})
    return PermissionDenied(rule)


def _profile_of(user) -> StaffProfile | None:
    return StaffProfile.objects.select_related("organisation").filter(user=user).first()


def can_record(*, actor, holder) -> bool:
    """A staff member records their own external credentials; HR records for people it sees."""
    if actor.pk == holder.pk:
        return True
    profile = _profile_of(holder)
    return (
        profile is not None
        and actor.has_perm("accounts.verify_credentials")
        and can_view_staff(viewer=actor, profile=profile)
    )


def ensure_can_record(*, actor, holder) -> None:
    if not can_record(actor=actor, holder=holder):
        raise _denied(
            actor=actor,
            rule="You cannot record credentials for this person.",
            target=f"user:{holder.pk}",
        )


def can_view_credential(*, user, credential) -> bool:
    """The holder, and whoever may see the holder's staff record."""
    if not user.is_authenticated:
        return False
    if user.pk == credential.holder_id:
        return True
    profile = _profile_of(credential.holder)
    return profile is not None and can_view_staff(viewer=user, profile=profile)


def ensure_can_view_credential(*, user, credential) -> None:
    if not can_view_credential(user=user, credential=credential):
        raise _denied(
            actor=user, rule="You cannot see this credential.", target=f"credential:{credential.pk}"
        )


def can_verify(*, actor, credential) -> bool:
    """Verifying needs `verify_credentials`, sight of the holder, and never one's own."""
    return (
        actor.is_authenticated
        and actor.pk != credential.holder_id
        and actor.has_perm("accounts.verify_credentials")
        and can_view_credential(user=actor, credential=credential)
    )


def ensure_can_verify(*, actor, credential) -> None:
    if not can_verify(actor=actor, credential=credential):
        raise _denied(
            actor=actor,
            rule="You cannot verify this credential (and nobody verifies their own).",
            target=f"credential:{credential.pk}",
        )


def can_manage(*, actor, credential) -> bool:
    """Suspending, reinstating, revoking and extending need `manage_credentials`, sight of the
    holder, and never one's own."""
    return (
        actor.is_authenticated
        and actor.pk != credential.holder_id
        and actor.has_perm("certificates.manage_credentials")
        and can_view_credential(user=actor, credential=credential)
    )


def ensure_can_manage(*, actor, credential) -> None:
    if not can_manage(actor=actor, credential=credential):
        raise _denied(
            actor=actor,
            rule="You cannot decide on this credential.",
            target=f"credential:{credential.pk}",
        )


def can_view_compliance(*, user) -> bool:
    return user.is_authenticated and user.has_perm("certificates.view_compliance")


def can_view_evidence(*, user, credential) -> bool:
    """The holder; and whoever may see the holder's staff record and checks credentials
    (`verify_credentials`) or follows compliance (`view_compliance`)."""
    if not user.is_authenticated:
        return False
    if user.pk == credential.holder_id:
        return True
    return (
        user.has_perm("accounts.verify_credentials")
        or user.has_perm("certificates.view_compliance")
    ) and can_view_credential(user=user, credential=credential)


def ensure_can_view_evidence(*, user, credential) -> None:
    if not can_view_evidence(user=user, credential=credential):
        raise _denied(
            actor=user,
            rule="You cannot open this credential's evidence.",
            target=f"credential:{credential.pk}",
        )


def can_open_verification_queue(*, user) -> bool:
    """The verification queue is for holders of `verify_credentials`."""
    return user.is_authenticated and user.has_perm("accounts.verify_credentials")


def ensure_can_open_verification_queue(*, user) -> None:
    if not can_open_verification_queue(user=user):
        raise _denied(
            actor=user, rule="Only HR verifies credentials.", target="credentials:verification"
        )


def ensure_can_view_compliance(*, user) -> None:
    """The compliance board is for holders of `view_compliance` (supervisors, HR)."""
    if not can_view_compliance(user=user):
        raise _denied(
            actor=user, rule="You cannot see credential compliance.", target="credentials:board"
        )
