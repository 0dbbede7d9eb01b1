"""Reminder emails: one plain-text email per reminder to the holder and to their supervisor,
as each prefers (`ReminderPreference.by_email`; on when a person has none), sent by a task
after the sweep commits. Only fresh reminders are emailed: a preference switched on later
does not send last month's."""

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from certificates.expiry import days_left
from certificates.models import Reminder, ReminderKind, ReminderPreference

logger = logging.getLogger(__name__)

EMAIL_WITHIN_DAYS = 7


def my_credentials_path() -> str:
    return reverse("credentials:mine")


def team_credentials_path() -> str:
    return reverse("credentials:compliance")


def _email_candidates(*, since: datetime.date):
    """Reminders notified in-app, not yet emailed, fresh, whose holder or supervisor wants
    email (a person without a preference row gets email)."""
    holder = "credential__holder"
    supervisor = f"{holder}__staff_profile__supervisor"
    holder_wants = Q(**{f"{holder}__reminder_preference__isnull": True}) | Q(
        **{f"{holder}__reminder_preference__by_email": True}
    )
    supervisor_wants = Q(**{f"{supervisor}__isnull": False}) & (
        Q(**{f"{supervisor}__reminder_preference__isnull": True})
        | Q(**{f"{supervisor}__reminder_preference__by_email": True})
    )
    return Reminder.objects.filter(
        notified_at__isnull=False, emailed_at__isnull=True, created_on__gte=since
    ).filter(holder_wants | supervisor_wants)


def _email_since(now: datetime.datetime) -> datetime.date:
    # A day of slack for the time zones ahead of UTC.
    return (now - datetime.timedelta(days=EMAIL_WITHIN_DAYS + 1)).date()


def reminder_emails_queue(*, now: datetime.datetime) -> bool:
    """Step 3: queue the email task once the batches are committed, if any email is due."""
    since = _email_since(now)
    if not _email_candidates(since=since).exists():
        return False
    from certificates.tasks import reminder_emails

    transaction.on_commit(lambda: reminder_emails.enqueue(created_since=since.isoformat()))
    return True


def _wants_email(user) -> bool:
    try:
        return user.reminder_preference.by_email
    except ReminderPreference.DoesNotExist:
        return True


def _reminder_messages(reminder: Reminder, *, from_email: str) -> list[EmailMessage]:
    """The plain-text emails of one reminder: to the holder and to their supervisor, as each
    prefers."""
    credential = reminder.credential
    holder = credential.holder
    profile = getattr(holder, "staff_profile", None)
    supervisor = profile.supervisor if profile is not None else None
    refresher = credential.credential_type.refresher_program
    context = {
        "reminder": reminder,
        "kind": ReminderKind(reminder.kind),
        "kind_label": ReminderKind(reminder.kind).label,
        "title": credential.title,
        "holder_name": holder.display_name,
        "expires_on": reminder.expires_on,
        "days_left": days_left(reminder.created_on, reminder.expires_on),
        "refresher": refresher.title
        if refresher is not None and reminder.kind == ReminderKind.WINDOW_OPEN
        else "",
        "organisation": credential.organisation.name,
    }
    recipients = []
    if _wants_email(holder):
        recipients.append((holder, False, my_credentials_path()))
    if supervisor is not None and supervisor.pk != holder.pk and _wants_email(supervisor):
        recipients.append((supervisor, True, team_credentials_path()))
    messages = []
    for recipient, for_supervisor, path in recipients:
        data = {
            **context,
            "recipient_name": recipient.display_name,
            "for_supervisor": for_supervisor,
            "url": settings.SITE_URL.rstrip("/") + path,
        }
        subject = render_to_string("certificates/email/reminder_subject.txt", data)
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=render_to_string("certificates/email/reminder.txt", data),
                from_email=from_email,
                to=[recipient.email],
            )
        )
    return messages


def reminder_emails_send(
    *,
    created_since: datetime.date | None = None,
    now=None,
    batch_size: int = 200,
    limit: int | None = None,
) -> int:
    """Email every fresh, notified reminder not yet emailed; returns the reminders emailed.

    One transaction per reminder: lock its row (`select_for_update(skip_locked=True)` on
    PostgreSQL, so two workers never send the same reminder), send, set `emailed_at`, commit.
    A failed send rolls back and is retried by the next run. Email is at-least-once: only a
    crash between the mail server accepting a message and the commit can send it again.
    `limit` stops after that many reminders (the rest wait for the next run)."""
    since = created_since or _email_since(now or timezone.now())
    emailed = 0
    after = 0
    from_email = settings.DEFAULT_FROM_EMAIL
    while True:
        batch = list(
            _email_candidates(since=since)
            .filter(pk__gt=after)
            .select_related(
                "credential__organisation",
                "credential__credential_type__refresher_program",
                "credential__holder__reminder_preference",
                "credential__holder__staff_profile__supervisor__reminder_preference",
            )
            .order_by("pk")[:batch_size]
        )
        if not batch:
            return emailed
        with get_connection() as mail:
            for reminder in batch:
                emailed += _email_one(reminder, mail=mail, from_email=from_email, now=now)
                if limit is not None and emailed >= limit:
                    return emailed
        after = batch[-1].pk


def _email_one(reminder: Reminder, *, mail, from_email: str, now) -> int:
    messages = _reminder_messages(reminder, from_email=from_email)
    if not messages:
        return 0
    try:
        with transaction.atomic():
            claimed = (
                Reminder.objects.select_for_update(skip_locked=True)
                .filter(pk=reminder.pk, emailed_at__isnull=True)
                .values_list("pk", flat=True)
            )
            if not list(claimed):
                return 0  # another worker has it, or it was sent meanwhile
            mail.send_messages(messages)
            Reminder.objects.filter(pk=reminder.pk).update(emailed_at=now or timezone.now())
    except OSError:  # smtplib.SMTPException is an OSError: retried by the next run
        logger.exception("Reminder %s could not be emailed", reminder.pk)
        return 0
    return 1
