"""Decisions HR takes on a credential in force: suspend, reinstate, revoke, extend. Each is a
signed decision with its reason; the credential changes only with it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certificates import permissions
from certificates.models import (
    Credential,
    CredentialDecision,
    CredentialState,
    DecisionKind,
    Verification,
)
from lms.sanitize import plain_text

from .decisions import decision_append
from .earning import HR_CAPACITY


def _decide(
    credential: Credential,
    *,
    kind,
    actor,
    reason,
    request_key,
    now,
    change,
    extra=None,
    request=None,
):
    existing = CredentialDecision.objects.filter(request_key=request_key).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        locked = (
            # Only the credential's row, and FOR NO KEY UPDATE: locking its organisation too
            # (select_related) deadlocks with a transaction that holds the audit chain's lock
            # and inserts an audit row referring to that organisation.
            Credential.objects.select_for_update(of=("self",), no_key=True)
            .select_related("organisation")
            .get(pk=credential.pk)
        )
        change(locked)
        locked.save()
        return decision_append(
            credential=locked,
            kind=kind,
            actor=actor,
            actor_role=HR_CAPACITY,
            decided_at=now,
            request_key=request_key,
            reason=reason,
            extra=extra,
            request=request,
        )


def _reason(reason: str, *, required: bool = True) -> str:
    reason = plain_text(reason)
    if required and not reason:
        raise ValidationError({"reason": "Give the reason; it is kept with the decision."})
    if len(reason) > 2000:
        raise ValidationError({"reason": "Keep the reason under 2,000 characters."})
    return reason


def _decided(credential: Credential) -> bool:
    """Earned, or external and verified: pending and rejected ones are HR's to verify first."""
    return credential.verification in (Verification.VERIFIED, Verification.NOT_NEEDED)


def _set_state(
    credential: Credential, *, actor, state: str, kind, reason, request_key, now, request=None
):
    def change(locked):
        locked.state = state

    return _decide(
        credential,
        kind=kind,
        actor=actor,
        reason=_reason(reason),
        request_key=request_key,
        now=now or timezone.now(),
        change=change,
        request=request,
    )


def credential_suspend(
    *, actor, credential: Credential, reason: str, request_key, now=None, request=None
):
    permissions.ensure_can_manage(actor=actor, credential=credential)
    credential.refresh_from_db()  # decide on the credential as it is now
    if credential.state != CredentialState.ACTIVE or not _decided(credential):
        raise ValidationError("Only a credential in force can be suspended.")
    return _set_state(
        credential,
        actor=actor,
        state=CredentialState.SUSPENDED,
        kind=DecisionKind.SUSPENDED,
        reason=reason,
        request_key=request_key,
        now=now,
        request=request,
    )


def credential_reinstate(
    *, actor, credential: Credential, reason: str, request_key, now=None, request=None
):
    permissions.ensure_can_manage(actor=actor, credential=credential)
    credential.refresh_from_db()
    if credential.state != CredentialState.SUSPENDED:
        raise ValidationError("Only a suspended credential can be reinstated.")
    return _set_state(
        credential,
        actor=actor,
        state=CredentialState.ACTIVE,
        kind=DecisionKind.REINSTATED,
        reason=reason,
        request_key=request_key,
        now=now,
        request=request,
    )


def credential_revoke(
    *, actor, credential: Credential, reason: str, request_key, now=None, request=None
):
    permissions.ensure_can_manage(actor=actor, credential=credential)
    credential.refresh_from_db()
    if credential.state == CredentialState.REVOKED:
        raise ValidationError("This credential is already revoked.")
    return _set_state(
        credential,
        actor=actor,
        state=CredentialState.REVOKED,
        kind=DecisionKind.REVOKED,
        reason=reason,
        request_key=request_key,
        now=now,
        request=request,
    )


def credential_extend(
    *,
    actor,
    credential: Credential,
    expires_on: datetime.date,
    reason: str,
    request_key,
    now=None,
    request=None,
):
    """A new expiry with a reason and an approver: a recorded decision, the original expiry
    kept on the credential and in the decision."""
    permissions.ensure_can_manage(actor=actor, credential=credential)
    credential.refresh_from_db()  # decide on the credential as it is now
    if not _decided(credential) or credential.state == CredentialState.REVOKED:
        raise ValidationError("Only a verified credential in force can be extended.")
    if credential.expires_on is None:
        raise ValidationError({"expires_on": "This credential does not expire."})
    if expires_on <= credential.expires_on:
        raise ValidationError({"expires_on": "An extension moves the expiry later."})
    previous = credential.expires_on

    def change(locked):
        locked.expires_on = expires_on

    return _decide(
        credential,
        kind=DecisionKind.EXTENDED,
        actor=actor,
        reason=_reason(reason),
        request_key=request_key,
        now=now or timezone.now(),
        change=change,
        extra={
            "previous_expires_on": previous.isoformat(),
            "new_expires_on": expires_on.isoformat(),
        },
        request=request,
    )
