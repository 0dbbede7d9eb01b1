"""Credentials earned elsewhere: recorded by the holder with evidence, verified or rejected
by HR. Verifying one that renews an instance the holder holds marks that one renewed."""

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import permissions
from certificates.models import (
    Credential,
    CredentialDecision,
    CredentialKind,
    CredentialState,
    CredentialType,
    DecisionKind,
    Verification,
)
from lms.sanitize import plain_text
from lms.uploads import Evidence

from .decisions import decision_append
from .earning import HOLDER_CAPACITY, HR_CAPACITY, _new_credential, _profile
from .lifecycle import _decide, _reason


def external_record(
    *,
    actor,
    holder,
    credential_type: CredentialType,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    certificate_number: str,
    evidence: Evidence,
    request_key: uuid.UUID,
    now=None,
    request=None,
) -> Credential:
    """A staff member records a credential earned elsewhere, with evidence; it waits for HR.
    If they hold an instance of the type, the new one renews it once verified."""
    permissions.ensure_can_record(actor=actor, holder=holder)
    now = now or timezone.now()
    profile = _profile(holder)
    today = profile.organisation.today(now)
    errors = {}
    if credential_type.kind != CredentialKind.EXTERNAL:
        errors["credential_type"] = "This credential is earned in Relay, not recorded."
    if issued_on > today:
        errors["issued_on"] = "The issue date cannot be in the future."
    if expires_on is not None and expires_on < issued_on:
        errors["expires_on"] = "The expiry date cannot be before the issue date."
    if credential_type.validity_months and expires_on is None:
        errors["expires_on"] = "This credential expires: give the date on the certificate."
    number = plain_text(certificate_number)[:80]
    if errors:
        raise ValidationError(errors)
    existing = Credential.objects.filter(
        holder=holder, credential_type=credential_type, verification=Verification.PENDING
    ).first()

    def create():
        if existing is not None:
            raise ValidationError(
                {"credential_type": "One of these already waits for verification."}
            )
        credential = _new_credential(
            user=holder,
            profile=profile,
            credential_type=credential_type,
            issued_on=issued_on,
            expires_on=expires_on,
            now=now,
            previous=None,
            certificate_number=number,
            verification=Verification.PENDING,
            recorded_by=actor,
            evidence_name=evidence.name,
            evidence_type=evidence.content_type,
            evidence_size=evidence.size,
            evidence_sha256=evidence.sha256,
        )
        credential.evidence.save(
            credential.evidence.field.upload_to(credential, ""), evidence.file, save=True
        )
        decision_append(
            credential=credential,
            kind=DecisionKind.RECORDED,
            actor=actor,
            actor_role=HOLDER_CAPACITY if actor.pk == holder.pk else HR_CAPACITY,
            decided_at=now,
            request_key=request_key,
            request=request,
        )
        return credential

    existing_by_key = CredentialDecision.objects.filter(request_key=request_key).first()
    if existing_by_key is not None:
        return existing_by_key.credential
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        decision = CredentialDecision.objects.filter(request_key=request_key).first()
        if decision is None:
            raise
        return decision.credential


def external_verify(
    *,
    actor,
    credential: Credential,
    verified: bool,
    reason: str = "",
    request_key,
    now=None,
    request=None,
) -> CredentialDecision:
    """HR verifies (or rejects, with a reason) a recorded external credential. Verifying one
    that renews an instance the holder holds marks that one renewed."""
    permissions.ensure_can_verify(actor=actor, credential=credential)
    now = now or timezone.now()
    reason = _reason(reason, required=not verified)
    if credential.verification != Verification.PENDING:
        existing = CredentialDecision.objects.filter(request_key=request_key).first()
        if existing is not None:
            return existing
        raise ValidationError("This credential has already been decided.")

    def change(locked: Credential) -> None:
        if not verified:
            locked.verification = Verification.REJECTED
            return
        locked.verification = Verification.VERIFIED
        current = (
            Credential.objects.filter(
                holder_id=locked.holder_id,
                credential_type_id=locked.credential_type_id,
                renewed_on__isnull=True,
                verification__in=[Verification.VERIFIED, Verification.NOT_NEEDED],
            )
            .exclude(pk=locked.pk)
            .exclude(state=CredentialState.REVOKED)
            .order_by("-issued_on")
            .first()
        )
        if current is not None and current.issued_on <= locked.issued_on:
            locked.previous = current
            current.renewed_on = locked.issued_on
            current.save(update_fields=["renewed_on"])

    return _decide(
        credential,
        kind=DecisionKind.VERIFIED if verified else DecisionKind.REJECTED,
        actor=actor,
        reason=reason,
        request_key=request_key,
        now=now,
        change=change,
        request=request,
    )
