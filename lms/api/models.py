"""Personal API tokens. The secret is shown once at creation; only its SHA-256 is stored."""

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ApiScope(models.TextChoices):
    """What a token may do (on top of what its owner may do, never beyond)."""

    STAFF_READ = "staff:read", "Read staff"
    STAFF_WRITE = "staff:write", "Write staff (HR system sync)"
    CREDENTIALS_READ = "credentials:read", "Read credentials"
    CREDENTIALS_WRITE = "credentials:write", "Record external credentials"
    COMPLETIONS_READ = "completions:read", "Read completions"
    READINESS_READ = "readiness:read", "Read readiness"


# What the owner must hold, on top of `accounts.use_api`, for a token to carry each scope. The
# read scopes need nothing more: what a token reads is limited to the staff the owner sees.
# Recording an external credential goes through `certificates.services.external`, which asks
# for `verify_credentials` (recording for someone else) as well as sight of the holder.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "staff:read": (),
    "staff:write": ("accounts.import_staff",),
    "credentials:read": (),
    "credentials:write": ("certificates.manage_credentials", "accounts.verify_credentials"),
    "completions:read": (),
    "readiness:read": ("certificates.view_readiness",),
}

TOKEN_PREFIX = "relay"  # noqa: S105 - a public format marker: relay_<prefix>_<secret>  # nosec B105


def token_hash(secret: str) -> str:
    """The stored fingerprint of a full token string."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, *, now=None) -> "ApiTokenQuerySet":
        """Tokens neither revoked nor expired (the owner's state is checked on use)."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relay_api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="relay_api_tokens",
        help_text="Only this organisation's records; empty: every organisation the owner sees.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def state(self, *, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at and self.expires_at <= now:
            return "expired"
        return "active"

    def has_scope(self, scope: str) -> bool:
        return str(scope) in self.scopes

    def scope_labels(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]
