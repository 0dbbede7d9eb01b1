"""An append-only, hash-chained log of security events."""

import json

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Signed out"
    MFA_ACTIVATED = "mfa_activated", "Second factor activated"
    MFA_REMOVED = "mfa_removed", "Second factor removed"
    MFA_RESET = "mfa_reset", "Recovery codes regenerated"
    MFA_FAILED = "mfa_failed", "Second-factor code refused"
    MFA_REQUIRED_BLOCK = "mfa_required", "Blocked until a second factor is set up"
    INVITATION_SENT = "invitation_sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
    ROLES_CHANGED = "roles_changed", "Roles changed"
    STAFF_SEPARATED = "staff_separated", "Staff member separated"
    ACCESS_DENIED = "access_denied", "Access denied"
    EXPORTED = "exported", "Data exported"
    KEY_ROTATED = "key_rotated", "Signing key added"
    KEY_RETIRED = "key_retired", "Signing key retired"
    CAREER_INTEREST = "career_interest", "Career interest changed"
    API_TOKEN_CREATED = "api_token_created", "API token created"
    API_TOKEN_REVOKED = "api_token_revoked", "API token revoked"
    API_TOKEN_USED = "api_token_used", "API token used"
    STAFF_IMPORTED = "staff_imported", "Staff imported from the HR system"
    STAFF_MOVED = "staff_moved", "Staff member moved to another organisation"
    STAFF_PSEUDONYMISED = "staff_pseudonymised", "Separated staff member pseudonymised"
    ORGANISATION_CHANGED = "organisation_changed", "Organisation created or changed"
    SIGNOFF_RECORDED = "signoff_recorded", "Sign-off recorded"
    CREDENTIAL_DECIDED = "credential_decided", "Credential decision recorded"


class AuditEvent(models.Model):
    """One security event. Rows are only ever inserted, by `lms.audit.services.audit_record`."""

    occurred_at = models.DateTimeField(db_index=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    target = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    record_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.actor_label}"

    @property
    def data_text(self) -> str:
        """The event's details as one line of sorted-key JSON (empty when there are none)."""
        return data_text(self.data)


def data_text(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False) if data else ""
