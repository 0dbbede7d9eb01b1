"""The holder's own settings: the private calendar feed (a random token, shown once, stored
only as its SHA-256) and how reminders reach them."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from certificates.models import CalendarFeed, ReminderPreference


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_create(*, user, now=None) -> tuple[CalendarFeed, str]:
    """A new feed for `user` (revoking the one they had): the row and the token, which is
    never stored and so can only be shown now."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        feed = CalendarFeed.objects.create(user=user, token_hash=token_hash(token), created_at=now)
    return feed, token


def feed_revoke(*, user, now=None) -> int:
    """End every active feed of `user`; the number ended."""
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed a token opens, found by its hash (None when unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def preference_set(*, user, by_email: bool) -> ReminderPreference:
    """Reminders always appear in Relay; `by_email` adds email."""
    preference, _ = ReminderPreference.objects.update_or_create(
        user=user, defaults={"by_email": by_email}
    )
    return preference
