"""`credential_sweep`: the daily reminder sweep over 1,000,000 held credentials on PostgreSQL
(100,000 on SQLite).

The credentials are built once into the bench database (and reused, like the rest of the bench
data) with one `INSERT ... SELECT` over a generated series: no random generator, every value
comes from the row number, so every build holds the same credentials. They are spread over the
bench city's staff and eight bench credential types (window 30 to 120 days, some with a
refresher program), with expiry dates from 400 days before the sweep day to 800 days after, a
few suspended, awaiting verification or renewed, so every reminder kind occurs.

Every timed sweep starts from the same state: what a sweep wrote (reminders created on the
bench day, the notifications and assignments stamped with the bench moment) is removed first.
The runner has no per-repeat set-up, so the scenario caps itself at one timed sweep with no
warm-up; the state is reset in set-up, untimed, and the runner's extra query-counting call
resets it again inside the call (its count includes those few deletes; `sweep_queries` is the
sweep's own). Emails are queued, not sent, in the timed sweep (a task, as in production);
sending a sample of them is timed in set-up and reported as `email_ms_each`.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext, override_settings

from certificates.models import Credential, CredentialKind, CredentialType, Reminder
from certificates.services.reminder_email import reminder_emails_send
from certificates.services.reminders import credential_sweep
from courses.models import Assignment, TrainingProgramPage
from lms.accounts.models import Notification, StaffProfile

from .context import BenchContext, BenchmarkError

POSTGRES_COUNT = 1_000_000
SQLITE_COUNT = 100_000
# The sweep's fixed moment: 1 June 2026, 15:00 UTC (the same date in every US time zone).
NOW = datetime.datetime(2026, 6, 1, 15, 0, tzinfo=datetime.UTC)
DAY = NOW.date()
SLUG = "bench-credential-"
FIRST_EXPIRY = -400  # days from DAY
EXPIRY_SPAN = 1201  # so the last expiry is DAY + 800
EMAIL_SAMPLE = 500
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

# name, kind, window days, grace days, with a refresher program
TYPES = [
    ("CPR/BLS provider", CredentialKind.EXTERNAL, 90, 30, False),
    ("Crisis Intervention Team 40-hour", CredentialKind.EARNED, 90, 0, True),
    ("Mental Health First Aid", CredentialKind.EXTERNAL, 60, 14, False),
    ("Naloxone administration", CredentialKind.EARNED, 30, 0, True),
    ("Certified peer specialist", CredentialKind.EXTERNAL, 120, 60, False),
    ("Trauma-informed care", CredentialKind.EARNED, 90, 30, False),
    ("911 telecommunicator", CredentialKind.EXTERNAL, 90, 0, False),
    ("Mediation", CredentialKind.EXTERNAL, 60, 30, False),
]


def default_count() -> int:
    return POSTGRES_COUNT if connection.vendor == "postgresql" else SQLITE_COUNT


# --- The data set -----------------------------------------------------------------------------


def bench_types() -> list[CredentialType]:
    """The eight bench types; the ones renewed by a refresher get a live program of the
    curriculum (None when there is none)."""
    programs = list(TrainingProgramPage.objects.live().order_by("pk")[:2])
    types = []
    for index, (name, kind, window, grace, refresher) in enumerate(TYPES):
        program = programs[index % len(programs)] if refresher and programs else None
        credential_type, _ = CredentialType.objects.update_or_create(
            slug=f"{SLUG}{index}",
            defaults={
                "name": f"{name} (bench)",
                "issuer": "Bench issuer",
                "kind": kind,
                "validity_months": 24,
                "window_days": window,
                "grace_days": grace,
                "refresher_program": program,
            },
        )
        types.append(credential_type)
    return types


def bench_credentials():
    return Credential.objects.filter(credential_type__slug__startswith=SLUG)


def ensure_credentials(*, count: int) -> int:
    """Make the database hold exactly `count` bench credentials; returns how many were
    inserted (0 when they were already there)."""
    bench_types()
    existing = bench_credentials().count()
    if existing == count:
        return 0
    if existing:
        reset_sweep()
        Reminder.objects.filter(credential__in=bench_credentials())._raw_delete(connection.alias)
        bench_credentials()._raw_delete(connection.alias)
    staff = StaffProfile.objects.count()
    if not staff:
        raise BenchmarkError("No staff in the bench database: was it seeded with seed_demo?")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*_insert_sql(count=count, staff=staff, types=len(TYPES)))
    return count


def _insert_sql(*, count: int, staff: int, types: int) -> tuple[str, list]:
    quote = connection.ops.quote_name
    credential = quote(Credential._meta.db_table)
    profile = quote(StaffProfile._meta.db_table)
    type_table = quote(CredentialType._meta.db_table)
    postgres = connection.vendor == "postgresql"
    offset = f"CAST((CAST(s.n AS BIGINT) * 7919) %% {EXPIRY_SPAN} + ({FIRST_EXPIRY}) AS INTEGER)"
    issued_offset = f"{'LEAST' if postgres else 'MIN'}({offset} - 730, -1)"
    if postgres:
        series = "generate_series(0, %s - 1) AS s(n)"
        prefix = ""
        expires = f"(CAST(%s AS DATE) + {offset})"
        issued = f"(CAST(%s AS DATE) + {issued_offset})"
        renewed = "(CAST(%s AS DATE) - 10)"
        public_id = "CAST('b3c0' || lpad(to_hex(s.n), 28, '0') AS uuid)"
        empty_json = "CAST('{}' AS jsonb)"
    else:
        series = "s"
        prefix = "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n + 1 < %s) "
        expires = f"date(%s, {offset} || ' days')"
        issued = f"date(%s, {issued_offset} || ' days')"
        renewed = "date(%s, '-10 days')"
        public_id = "printf('b3c0%%028x', s.n)"
        empty_json = "'{}'"
    day = DAY.isoformat()
    sql = f"""
        {prefix}
        INSERT INTO {credential} (
            public_id, holder_id, organisation_id, credential_type_id, kind, title, issuer,
            validity_months, window_days, grace_days, expiry_rule, earned_against, issued_on,
            expires_on, original_expires_on, certificate_number, evidence, evidence_name,
            evidence_type, evidence_size, evidence_sha256, verification, state, previous_id,
            renewed_on, recorded_by_id, created_at
        )
        SELECT {public_id}, staff.user_id, staff.organisation_id, t.id, t.kind, t.name, t.issuer,
               t.validity_months, t.window_days, t.grace_days, t.expiry_rule, {empty_json},
               {issued}, {expires}, {expires}, '', '', '', '', NULL, '',
               CASE WHEN t.kind = 'earned' THEN 'not_needed'
                    WHEN s.n %% 89 = 0 THEN 'pending' ELSE 'verified' END,
               CASE WHEN s.n %% 97 = 0 THEN 'suspended' ELSE 'active' END,
               NULL,
               CASE WHEN s.n %% 83 = 0 THEN {renewed} ELSE NULL END,
               NULL, %s
        FROM {series}
        JOIN (SELECT user_id, organisation_id,
                     ROW_NUMBER() OVER (ORDER BY user_id) - 1 AS i FROM {profile}) staff
          ON staff.i = s.n %% {staff}
        JOIN (SELECT id, kind, name, issuer, validity_months, window_days, grace_days,
                     expiry_rule, ROW_NUMBER() OVER (ORDER BY slug) - 1 AS i
              FROM {type_table} WHERE slug LIKE %s) t
          ON t.i = (s.n / 7) %% {types}
        WHERE s.n >= 0
    """  # noqa: S608 - names from model metadata and integers; values are parameters
    stamp = connection.ops.adapt_datetimefield_value(NOW)
    values = [day, day, day, day, stamp]
    if postgres:
        return sql, [*values, count, f"{SLUG}%"]
    return sql, [count, *values, f"{SLUG}%"]


def reset_sweep() -> None:
    """Remove what a bench sweep wrote: reminders of the bench day, the notifications and
    assignments stamped with the bench moment; reopen the assignments it ended."""
    Reminder.objects.filter(created_on=DAY)._raw_delete(connection.alias)
    Notification.objects.filter(created_at=NOW)._raw_delete(connection.alias)
    Assignment.objects.filter(created_at=NOW, assigned_by__isnull=True)._raw_delete(
        connection.alias
    )
    Assignment.objects.filter(ended_at=NOW).update(ended_at=None, end_reason="")


# --- The scenario -------------------------------------------------------------------------------


@dataclass
class SweepRun:
    """The timed call: one full sweep from the reset state."""

    max_repeat: int = 1
    max_warmup: int = 0
    dirty: bool = False
    extra: dict = field(default_factory=dict)

    def sweep(self):
        if self.dirty:
            reset_sweep()
        self.dirty = True
        with override_settings(TASKS=DUMMY_TASKS), CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = credential_sweep(now=NOW)
            seconds = time.perf_counter() - started
        self.extra.setdefault("sweep_seconds", []).append(round(seconds, 2))
        self.extra["sweep_queries"] = len(queries)
        self.extra.update(
            reminders=result.total,
            **result.reminders,
            notifications=result.notifications,
            assignments=result.assignments,
        )
        if not result.total:
            raise BenchmarkError("The bench sweep found no reminder to send.")
        return result

    def __call__(self) -> HttpResponse:
        self.sweep()
        return HttpResponse("swept")

    def measure_email(self, *, sample: int = EMAIL_SAMPLE) -> None:
        """Send `sample` reminder emails (locmem backend) and report the time per reminder."""
        started = time.perf_counter()
        sent = reminder_emails_send(created_since=DAY, now=NOW, limit=sample)
        seconds = time.perf_counter() - started
        if sent:
            self.extra["email_ms_each"] = round(seconds * 1000 / sent, 2)


def credential_sweep_scenario(context: BenchContext, *, count: int | None = None) -> SweepRun:
    """Set-up (untimed): the credentials, built once; one sweep and a sample of its emails to
    check and measure them; then the state reset for the timed sweep."""
    count = count or default_count()
    started = time.perf_counter()
    added = ensure_credentials(count=count)
    run = SweepRun()
    if added:
        run.extra["build_seconds"] = round(time.perf_counter() - started, 2)
    run.extra["credentials"] = bench_credentials().count()
    reset_sweep()
    run.sweep()
    run.measure_email()
    reset_sweep()
    run.dirty = False
    run.extra["sweep_seconds"] = []
    return run
