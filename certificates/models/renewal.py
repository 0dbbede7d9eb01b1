"""Renewal: the continuing-education ledger, reminders sent, reminder preferences and the
private calendar feed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from lms.storage import PrivateStorage

from .held import Credential


class CESource(models.TextChoices):
    MODULE = "module", "Relay module"
    EXTERNAL = "external", "External event"


def ce_evidence_path(instance, filename: str) -> str:
    suffix = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        instance.evidence_type, "bin"
    )
    return f"ce-evidence/{instance.holder_id}/{uuid.uuid4().hex}.{suffix}"


class ContinuingEducation(models.Model):
    """Hours of continuing education: a completed module's CE hours, or an external event
    recorded with evidence. They count toward renewals in the cycle they fall in."""

    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ce_entries"
    )
    source = models.CharField(max_length=20, choices=CESource.choices)
    module = models.ForeignKey(
        "courses.ModulePage", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(max_length=255)
    provider = models.CharField(max_length=200, blank=True)
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    completed_on = models.DateField()
    evidence = models.FileField(
        upload_to=ce_evidence_path, storage=PrivateStorage(), blank=True, max_length=200
    )
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    request_key = models.UUIDField(null=True, blank=True, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-completed_on", "-id"]
        verbose_name_plural = "continuing education"
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "module"],
                condition=Q(module__isnull=False),
                name="one_ce_entry_per_module",
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="ce_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h {self.title} ({self.completed_on})"


class ReminderKind(models.TextChoices):
    WINDOW_OPEN = "window_open", "Renewal window open"
    DAYS_90 = "days_90", "Expires within 90 days"
    DAYS_60 = "days_60", "Expires within 60 days"
    DAYS_30 = "days_30", "Expires within 30 days"
    DAYS_7 = "days_7", "Expires within 7 days"
    LAPSED = "lapsed", "Expired"


class Reminder(models.Model):
    """One reminder about one credential's expiry cycle. Unique per credential, kind and
    expiry, so the daily sweep can run twice, or again after a crash, and send nothing twice."""

    credential = models.ForeignKey(Credential, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    expires_on = models.DateField()
    created_on = models.DateField()
    notified_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "kind", "expires_on"], name="one_reminder_per_cycle"
            )
        ]
        indexes = [
            # The sweep's batches and the email task read only what is still to do.
            models.Index(
                fields=["id"], condition=Q(notified_at__isnull=True), name="reminder_to_notify_idx"
            ),
            models.Index(
                fields=["created_on"],
                condition=Q(emailed_at__isnull=True),
                name="reminder_to_email_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for credential {self.credential_id}"


class ReminderPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    by_email = models.BooleanField(
        "also by email", default=True, help_text="Reminders always appear in Relay."
    )

    def __str__(self) -> str:
        return f"Reminders for {self.user_id}: {'email and in-app' if self.by_email else 'in-app'}"


class CalendarFeed(models.Model):
    """A private iCalendar feed of one person's expiry and window dates. Only the token's hash
    is stored; revoking it ends the feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user_id}"
