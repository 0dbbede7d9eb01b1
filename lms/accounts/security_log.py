"""What allauth does on its own pages, written to the audit log.

Signing out and adding, removing or resetting a second factor happen inside allauth's views;
allauth announces them with its signals, and these receivers (connected in `apps.py`) turn each
into one audit event. Nothing else listens: the audit row is the whole of the reaction.
"""

from allauth.account.signals import user_logged_out
from allauth.mfa import signals as mfa_signals

from lms.audit.models import AuditAction
from lms.audit.services import audit_record


def _record(action: AuditAction, *, request, user, data: dict | None = None) -> None:
    profile = getattr(user, "staff_profile", None) if user is not None else None
    audit_record(
        action=action,
        actor=user,
        organisation=profile.organisation if profile else None,
        request=request,
        target=f"user:{user.pk}" if user is not None else "",
        data=data,
    )


def _kind(authenticator) -> dict:
    return {"type": str(authenticator.type)}


def on_logged_out(sender, request, user, **kwargs) -> None:
    if user is not None and user.is_authenticated:
        _record(AuditAction.SIGN_OUT, request=request, user=user)


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    _record(AuditAction.MFA_ACTIVATED, request=request, user=user, data=_kind(authenticator))


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    _record(AuditAction.MFA_REMOVED, request=request, user=user, data=_kind(authenticator))


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    _record(AuditAction.MFA_RESET, request=request, user=user, data=_kind(authenticator))


def on_authentication_failed(sender, request, user, authenticator, **kwargs) -> None:
    _record(AuditAction.MFA_FAILED, request=request, user=user, data=_kind(authenticator))


def connect() -> None:
    user_logged_out.connect(on_logged_out, dispatch_uid="relay.audit.logged_out")
    for signal, receiver in (
        (mfa_signals.authenticator_added, on_authenticator_added),
        (mfa_signals.authenticator_removed, on_authenticator_removed),
        (mfa_signals.authenticator_reset, on_authenticator_reset),
        (mfa_signals.authentication_failed, on_authentication_failed),
    ):
        signal.connect(receiver, dispatch_uid=f"relay.audit.{receiver.__name__}")
