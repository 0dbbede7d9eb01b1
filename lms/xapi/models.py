"""xAPI statements stored in Relay, with their forwarding state (see `lms.xapi.statements`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from .statements import VERB_CHOICES


class StatementStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent to the LRS"
    FAILED = "failed", "Refused by the LRS"


class Statement(models.Model):
    """One xAPI 1.0.3 statement about a learning event. Rows are only inserted (by
    `lms.xapi.services`); forwarding changes nothing but the forwarding columns.

    A pending statement is due at `next_attempt_at` (a worker that claims it moves that a lease
    ahead); a sent one has `forwarded_at`; a refused one (the LRS rejected the statement itself)
    keeps the error in `last_error` until an administrator has it retried."""

    id = models.UUIDField(primary_key=True, editable=False)
    source = models.CharField(
        max_length=100, unique=True, help_text="The event, e.g. quiz_attempt:42."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="xapi_statements"
    )
    verb = models.CharField(max_length=200, choices=VERB_CHOICES)
    object_id = models.CharField("object IRI", max_length=500)
    timestamp = models.DateTimeField(help_text="When it happened.")
    stored = models.DateTimeField(help_text="When Relay stored the statement.")
    payload = models.JSONField(help_text="The statement as sent to the LRS.")
    status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    forwarded_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-timestamp", "source"]
        verbose_name = "xAPI statement"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="xapi_statement_due",
            ),
            models.Index(fields=["-timestamp", "source"], name="xapi_statement_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", forwarded_at__isnull=False)
                | (~Q(status="sent") & Q(forwarded_at__isnull=True)),
                name="xapi_sent_when_forwarded",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="xapi_pending_is_due_sometime",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_status_display().lower()})"

    @property
    def verb_display(self) -> str:
        return self.payload.get("verb", {}).get("display", {}).get("en-US", self.verb)

    @property
    def object_name(self) -> str:
        definition = self.payload.get("object", {}).get("definition", {})
        return definition.get("name", {}).get("en-US", self.object_id)
