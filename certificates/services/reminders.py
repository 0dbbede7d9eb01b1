"""The daily reminder sweep: window open, 90/60/30/7 days left, lapsed.

Set-based, so the number of queries does not depend on the number of credentials:

1. **Find.** One `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per organisation time zone
   (each with that zone's date) adds the `Reminder` rows that are due: the renewal window open
   (or the credential in its grace period), the tightest band of days left reached (ranges, not
   equalities, so a missed day or week still sends the current band, once), and lapsed (within
   `LAPSED_WITHIN_DAYS`). `Reminder` is unique per credential, kind and expiry date, so running
   twice inserts nothing the second time, and an extension (a new expiry) starts a new cycle.
2. **Notify**, in batches of `batch_size` reminders not yet notified, each batch one
   transaction: the holder's and the supervisor's in-app notifications (`INSERT ... SELECT`),
   the renewal assignment of the type's refresher program for "window open" reminders, then
   `notified_at`. A crash leaves whole batches un-notified; the next run completes them and
   nothing is inserted twice (on PostgreSQL the sweep holds an advisory lock, so two sweeps
   never notify the same batch; SQLite serialises writers).
3. **Email** is queued as one task (`certificates.tasks.reminder_emails`) that sends one email
   per reminder to the holder and the supervisor who want email (`ReminderPreference.by_email`,
   on when they have no preference) and marks `emailed_at`; see
   `certificates.services.reminder_email`.

"Today" is the organisation's calendar date; the sweep works per distinct time zone.
"""

import datetime
import logging
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from certificates.expiry import REMINDER_DAYS, local_date
from certificates.models import (
    Credential,
    CredentialState,
    CredentialType,
    Reminder,
    ReminderKind,
    Verification,
)
from lms.accounts.models import Notification, Organisation, StaffProfile, StaffStatus

from .reminder_email import my_credentials_path, reminder_emails_queue, team_credentials_path

logger = logging.getLogger(__name__)

BATCH_SIZE = 20_000
# A credential that lapsed longer ago than this when the sweep first sees it is not news.
LAPSED_WITHIN_DAYS = 60
# Holds one sweep at a time on PostgreSQL (pg_advisory_lock); any fixed 64-bit number.
SWEEP_LOCK = 0x52454C4159_06
RENEWAL_END_REASON = "Completed in an earlier cycle; assigned again for renewal."

BAND_KINDS = {days: ReminderKind(f"days_{days}") for days in REMINDER_DAYS}

# In-app wording; {title}, {date} (the expiry) and {name} (the holder) are filled in by SQL.
HOLDER_MESSAGES = {
    ReminderKind.WINDOW_OPEN: "The renewal window for your {title} is open: it expires on {date}.",
    ReminderKind.DAYS_90: "Your {title} expires in 90 days or less, on {date}.",
    ReminderKind.DAYS_60: "Your {title} expires in 60 days or less, on {date}.",
    ReminderKind.DAYS_30: "Your {title} expires in 30 days or less, on {date}.",
    ReminderKind.DAYS_7: "Your {title} expires in 7 days or less, on {date}.",
    ReminderKind.LAPSED: "Your {title} expired on {date}. Renew it to stay qualified.",
}
SUPERVISOR_MESSAGES = {
    ReminderKind.WINDOW_OPEN: "{name}: the renewal window for {title} is open (expires {date}).",
    ReminderKind.DAYS_90: "{name}: {title} expires in 90 days or less, on {date}.",
    ReminderKind.DAYS_60: "{name}: {title} expires in 60 days or less, on {date}.",
    ReminderKind.DAYS_30: "{name}: {title} expires in 30 days or less, on {date}.",
    ReminderKind.DAYS_7: "{name}: {title} expires in 7 days or less, on {date}.",
    ReminderKind.LAPSED: "{name}: {title} expired on {date}.",
}
REFRESHER_NOTE = " Renewal training assigned: {program}."


@dataclass
class SweepResult:
    """What one sweep did: reminders notified per kind (including any a crashed run left),
    in-app notifications written, refresher programs assigned, and whether emails were queued."""

    reminders: dict[str, int] = field(default_factory=dict)
    notifications: int = 0
    assignments: int = 0
    batches: int = 0
    emails_queued: bool = False

    @property
    def total(self) -> int:
        return sum(self.reminders.values())

    def as_dict(self) -> dict:
        return {
            "reminders": dict(self.reminders),
            "total": self.total,
            "notifications": self.notifications,
            "assignments": self.assignments,
            "batches": self.batches,
            "emails_queued": self.emails_queued,
        }


# --- SQL that differs between SQLite and PostgreSQL -----------------------------------------------


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _date_param() -> str:
    """A date parameter (passed as an ISO string)."""
    return "CAST(%s AS DATE)" if _postgres() else "%s"


def _days_between(later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (SQL date expressions)."""
    if _postgres():
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def _minus_days(day: str, days: str) -> str:
    """The date `days` (an integer SQL expression) before `day`."""
    if _postgres():
        return f"({day} - {days})"
    return f"date({day}, '-' || {days} || ' days')"


def _formatted_date(day: str) -> str:
    """A date as "05 Mar 2027" (the `%d %b %Y` the rest of Relay uses)."""
    if _postgres():
        return f"to_char({day}, 'DD Mon YYYY')"
    months = " ".join(f"WHEN '{m:02d}' THEN '{datetime.date(2000, m, 1):%b}'" for m in range(1, 13))
    return (
        f"(substr({day}, 9, 2) || ' ' || CASE substr({day}, 6, 2) {months} END "
        f"|| ' ' || substr({day}, 1, 4))"
    )


def _text(template: str, fields: dict[str, str]) -> tuple[str, list]:
    """A message template as an SQL concatenation: literal parts as parameters, `{name}`
    placeholders as the SQL expressions in `fields`."""
    parts, params = [], []
    rest = template
    while rest:
        start = rest.find("{")
        if start == -1:
            parts.append("%s")
            params.append(rest)
            break
        end = rest.index("}", start)
        if start:
            parts.append("%s")
            params.append(rest[:start])
        parts.append(f"COALESCE({fields[rest[start + 1 : end]]}, '')")
        rest = rest[end + 1 :]
    return " || ".join(parts), params


def _message_case(messages: dict, fields: dict[str, str]) -> tuple[str, list]:
    whens, params = [], []
    for kind, template in messages.items():
        sql, text_params = _text(template, fields)
        whens.append(f"WHEN %s THEN {sql}")
        params += [kind.value, *text_params]
    return f"CASE r.kind {' '.join(whens)} END", params


class _Tables:
    """Quoted table and column names from the models' metadata."""

    def __init__(self):
        quote = connection.ops.quote_name
        self.reminder = quote(Reminder._meta.db_table)
        self.credential = quote(Credential._meta.db_table)
        self.type = quote(CredentialType._meta.db_table)
        self.organisation = quote(Organisation._meta.db_table)
        self.profile = quote(StaffProfile._meta.db_table)
        self.notification = quote(Notification._meta.db_table)
        self.user = quote(StaffProfile._meta.get_field("user").related_model._meta.db_table)
        from courses.models import Assignment, TrainingProgramPage

        self.assignment = quote(Assignment._meta.db_table)
        self.page = quote(
            TrainingProgramPage._meta.get_field("page_ptr").related_model._meta.db_table
        )


# --- The sweep ------------------------------------------------------------------------------------


def credential_sweep(
    *, now: datetime.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Find the reminders due today, notify holders and supervisors, open renewal assignments
    and queue the emails. Idempotent and safe to rerun after a crash (see the module notes)."""
    now = now or timezone.now()
    if batch_size < 1:
        raise ValueError("batch_size is at least 1.")
    tables = _Tables()
    locked = _lock(acquire=True)
    try:
        zones = sorted(set(Organisation.objects.values_list("time_zone", flat=True)))
        for zone_name in zones:
            _insert_due(tables, zone=zone_name, today=local_date(now, zoneinfo.ZoneInfo(zone_name)))
        result = SweepResult(reminders=_pending_counts())
        while True:
            with transaction.atomic():
                done = _notify_batch(tables, now=now, batch_size=batch_size, result=result)
            if done:
                break
            result.batches += 1
        result.emails_queued = reminder_emails_queue(now=now)
    finally:
        if locked:
            _lock(acquire=False)
    return result


def _lock(*, acquire: bool) -> bool:
    if not _postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {'pg_advisory_lock' if acquire else 'pg_advisory_unlock'}(%s)", [SWEEP_LOCK]
        )
    return True


def _insert_due(tables: _Tables, *, zone: str, today: datetime.date) -> int:
    """Step 1 for the organisations of one time zone: one INSERT ... SELECT of every reminder
    due on `today` that does not exist yet."""
    day = _date_param()
    left = _days_between("c.expires_on", day)
    band = " ".join(f"WHEN {left} <= %s THEN %s" for _ in REMINDER_DAYS)
    band_params = []
    for days in sorted(REMINDER_DAYS):
        band_params += [today.isoformat(), days, BAND_KINDS[days].value]
    current = f"""
        c.state = %s AND c.verification IN (%s, %s) AND c.renewed_on IS NULL
        AND c.expires_on IS NOT NULL AND c.issued_on <= {day}
        AND c.organisation_id IN (SELECT o.id FROM {tables.organisation} o WHERE o.time_zone = %s)
        AND NOT EXISTS (
            SELECT 1 FROM {tables.profile} sp WHERE sp.user_id = c.holder_id AND sp.status = %s
        )
    """  # noqa: S608 - names from model metadata, values are parameters
    current_params = [
        CredentialState.ACTIVE,
        Verification.VERIFIED,
        Verification.NOT_NEEDED,
        today.isoformat(),
        zone,
        StaffStatus.SEPARATED,
    ]
    sql = f"""
        INSERT INTO {tables.reminder} (credential_id, kind, expires_on, created_on)
        SELECT due.id, due.kind, due.expires_on, {day} FROM (
            SELECT c.id AS id, %s AS kind, c.expires_on AS expires_on
            FROM {tables.credential} c
            WHERE {current}
              AND {_minus_days("c.expires_on", "c.window_days")} <= {day}
              AND {left} >= -c.grace_days
            UNION ALL
            SELECT c.id, CASE {band} END, c.expires_on
            FROM {tables.credential} c
            WHERE {current} AND {left} BETWEEN 0 AND %s
            UNION ALL
            SELECT c.id, %s, c.expires_on
            FROM {tables.credential} c
            WHERE {current} AND {left} BETWEEN %s AND -1
        ) due
        WHERE due.kind IS NOT NULL
        ON CONFLICT DO NOTHING
    """  # noqa: S608 - names from model metadata, values are parameters
    params = [
        today.isoformat(),
        ReminderKind.WINDOW_OPEN.value,
        *current_params,
        today.isoformat(),
        today.isoformat(),
        *band_params,
        *current_params,
        today.isoformat(),
        max(REMINDER_DAYS),
        ReminderKind.LAPSED.value,
        *current_params,
        today.isoformat(),
        -LAPSED_WITHIN_DAYS,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _pending_counts() -> dict[str, int]:
    counts = dict.fromkeys(ReminderKind.values, 0)
    rows = (
        Reminder.objects.filter(notified_at__isnull=True)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    counts.update(dict(rows))
    return counts


def _notify_batch(tables: _Tables, *, now, batch_size: int, result: SweepResult) -> bool:
    """Step 2 for the next `batch_size` reminders not yet notified, in the caller's
    transaction: notifications, renewal assignments, then `notified_at`. True when none was
    left."""
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(b.id) FROM (SELECT r.id AS id FROM {tables.reminder} r "  # noqa: S608 - names from model metadata
            "WHERE r.notified_at IS NULL ORDER BY r.id LIMIT %s) b",
            [batch_size],
        )
        last = cursor.fetchone()[0]
        if last is None:
            return True
        batch = "r.notified_at IS NULL AND r.id <= %s"
        fields = {
            "title": "c.title",
            "date": _formatted_date("r.expires_on"),
            "name": "COALESCE(NULLIF(TRIM(u.first_name || ' ' || u.last_name), ''), u.email)",
        }
        joins = f"""
            FROM {tables.reminder} r
            JOIN {tables.credential} c ON c.id = r.credential_id
            JOIN {tables.type} t ON t.id = c.credential_type_id
        """
        # The holder: the kind's message, plus the refresher assigned when the window opens.
        message, message_params = _message_case(HOLDER_MESSAGES, fields)
        note, note_params = _text(REFRESHER_NOTE, {"program": "p.title"})
        cursor.execute(
            f"""
            INSERT INTO {tables.notification} (user_id, message, url, created_at, read_at)
            SELECT c.holder_id,
                   SUBSTR({message} || CASE WHEN r.kind = %s AND p.id IS NOT NULL
                                            THEN {note} ELSE '' END, 1, 300),
                   %s, %s, NULL
            {joins}
            JOIN {tables.user} u ON u.id = c.holder_id
            LEFT JOIN {tables.page} p ON p.id = t.refresher_program_id AND p.live = %s
            WHERE {batch}
            """,
            [
                *message_params,
                ReminderKind.WINDOW_OPEN.value,
                *note_params,
                my_credentials_path(),
                stamp,
                True,
                last,
            ],
        )
        result.notifications += cursor.rowcount
        # Their supervisor.
        message, message_params = _message_case(SUPERVISOR_MESSAGES, fields)
        cursor.execute(
            f"""
            INSERT INTO {tables.notification} (user_id, message, url, created_at, read_at)
            SELECT sp.supervisor_id, SUBSTR({message}, 1, 300), %s, %s, NULL
            {joins}
            JOIN {tables.user} u ON u.id = c.holder_id
            JOIN {tables.profile} sp ON sp.user_id = c.holder_id
            WHERE {batch} AND sp.supervisor_id IS NOT NULL AND sp.supervisor_id <> c.holder_id
            """,
            [*message_params, team_credentials_path(), stamp, last],
        )
        result.notifications += cursor.rowcount
        result.assignments += _assign_refreshers(cursor, tables, joins=joins, last=last, now=now)
        cursor.execute(
            f"UPDATE {tables.reminder} SET notified_at = %s WHERE notified_at IS NULL AND id <= %s",  # noqa: S608 - names from model metadata, values are parameters
            [stamp, last],
        )
    return False


def _assign_refreshers(cursor, tables: _Tables, *, joins: str, last: int, now) -> int:
    """Step 4 for a batch: assign the type's live refresher program to each holder whose
    renewal window opened, due on the expiry date, unless they have it open already. An
    assignment completed before this window opened (the last cycle's) is ended first, with a
    reason, so the program can be assigned again; history is kept."""
    from courses.models import AssignmentSource

    stamp = connection.ops.adapt_datetimefield_value(now)
    window_opens = _minus_days("c.expires_on", "c.window_days")
    cursor.execute(
        f"""
        UPDATE {tables.assignment} SET ended_at = %s, end_reason = %s
        WHERE ended_at IS NULL AND completed_at IS NOT NULL AND EXISTS (
            SELECT 1 {joins}
            WHERE r.notified_at IS NULL AND r.id <= %s AND r.kind = %s
              AND c.holder_id = {tables.assignment}.user_id
              AND t.refresher_program_id = {tables.assignment}.program_id
              AND {tables.assignment}.completed_at < {window_opens}
        )
        """,  # noqa: S608 - names from model metadata, values are parameters
        [stamp, RENEWAL_END_REASON, last, ReminderKind.WINDOW_OPEN.value],
    )
    cursor.execute(
        f"""
        INSERT INTO {tables.assignment} (
            user_id, program_id, program_title, source, assigned_by_id, assigned_on, due_on,
            created_at, completed_at, ended_at, ended_by_id, end_reason
        )
        SELECT c.holder_id, t.refresher_program_id, MIN(p.title), %s, NULL, MIN(r.created_on),
               MAX(CASE WHEN c.expires_on > r.created_on THEN c.expires_on ELSE r.created_on END),
               %s, NULL, NULL, NULL, ''
        {joins}
        JOIN {tables.page} p ON p.id = t.refresher_program_id
        WHERE r.notified_at IS NULL AND r.id <= %s AND r.kind = %s AND p.live = %s
          AND NOT EXISTS (
              SELECT 1 FROM {tables.assignment} a
              WHERE a.user_id = c.holder_id AND a.program_id = t.refresher_program_id
                AND a.ended_at IS NULL
          )
        GROUP BY c.holder_id, t.refresher_program_id
        ON CONFLICT DO NOTHING
        """,  # noqa: S608 - names from model metadata, values are parameters
        [AssignmentSource.RENEWAL.value, stamp, last, ReminderKind.WINDOW_OPEN.value, True],
    )
    return cursor.rowcount


def reminders_pending(kinds: Iterable[str] | None = None) -> int:
    """Reminders found but not yet notified (what a crashed sweep left for the next one)."""
    reminders = Reminder.objects.filter(notified_at__isnull=True)
    if kinds is not None:
        reminders = reminders.filter(kind__in=list(kinds))
    return reminders.count()
