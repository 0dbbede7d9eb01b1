"""Credentials people hold, and the signed decisions about them (STYLE.md §5)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from lms.storage import PrivateStorage

from .types import CredentialKind, CredentialType, ExpiryRule


class Verification(models.TextChoices):
    NOT_NEEDED = "not_needed", "Earned in Relay"
    PENDING = "pending", "Awaiting verification"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"


class CredentialState(models.TextChoices):
    """What decisions have made of a credential; dates decide the rest (see `expiry.status_on`)."""

    ACTIVE = "active", "In force"
    SUSPENDED = "suspended", "Suspended"
    REVOKED = "revoked", "Revoked"


def evidence_path(instance, filename: str) -> str:
    # The stored name never uses what the uploader typed.
    suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.evidence_type, "bin"
    )
    return f"evidence/{instance.holder_id}/{uuid.uuid4().hex}.{suffix}"


class Credential(models.Model):
    """One instance of a credential held by one person. A renewal is a new instance linked to
    the one it renews; history is never rewritten. `state`, `expires_on` and `renewed_on`
    change only through recorded decisions."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="credentials"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="credentials"
    )
    credential_type = models.ForeignKey(
        CredentialType, on_delete=models.PROTECT, related_name="credentials"
    )
    kind = models.CharField(max_length=20, choices=CredentialKind.choices)
    # Snapshots of the type at issue: later edits of the type never change this credential.
    title = models.CharField(max_length=160)
    issuer = models.CharField(max_length=200)
    validity_months = models.PositiveSmallIntegerField(null=True, blank=True)
    window_days = models.PositiveSmallIntegerField()
    grace_days = models.PositiveSmallIntegerField()
    expiry_rule = models.CharField(max_length=30, choices=ExpiryRule.choices)
    earned_against = models.JSONField(default=dict, blank=True)

    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    original_expires_on = models.DateField(null=True, blank=True)
    certificate_number = models.CharField(max_length=80, blank=True)
    evidence = models.FileField(
        upload_to=evidence_path, storage=PrivateStorage(), blank=True, max_length=200
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True)
    evidence_size = models.PositiveIntegerField(null=True, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)

    verification = models.CharField(
        max_length=20, choices=Verification.choices, default=Verification.NOT_NEEDED
    )
    state = models.CharField(
        max_length=20, choices=CredentialState.choices, default=CredentialState.ACTIVE
    )
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    renewed_on = models.DateField(null=True, blank=True)
    status_index = models.PositiveIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text="This credential's position in the published status (revocation) list.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["holder_id", "credential_type_id", "-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="credential_expires_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["expires_on"], name="credential_expires_idx"),
            models.Index(fields=["holder", "credential_type"], name="credential_holder_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} of {self.holder_id} ({self.issued_on})"


class DecisionKind(models.TextChoices):
    ISSUED = "issued", "Issued"
    RECORDED = "recorded", "Recorded by the holder"
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"
    REINSTATED = "reinstated", "Reinstated"
    REVOKED = "revoked", "Revoked"
    EXTENDED = "extended", "Expiry extended"
    RENEWED = "renewed", "Renewed"


class CredentialDecision(models.Model):
    """A signed decision about a credential: who (name and role at the time), when, what they
    attested, the canonical content decided on, and the chain of hashes. Only inserted, by
    `certificates.services.decisions`."""

    sequence = models.PositiveBigIntegerField(unique=True)
    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credential_decisions",
    )
    actor_name = models.CharField(max_length=200)
    actor_role = models.CharField(max_length=200)
    decided_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    statement_version = models.PositiveSmallIntegerField()
    statement = models.TextField()
    reason = models.TextField(blank=True)
    payload = models.JSONField()
    request_key = models.UUIDField(unique=True)
    content_hash = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["sequence"]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.get_kind_display()} by {self.actor_name}"


class DecisionChainHead(models.Model):
    """The last link of the decision chain (one row), locked by every append."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"Credential decision chain at #{self.last_sequence}"
