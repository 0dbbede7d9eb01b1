"""Forwarding stored statements to the Learning Record Store: nothing lost, nothing sent twice.

A run claims a batch of due statements in a short transaction (PostgreSQL:
`SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows; SQLite: Relay's
IMMEDIATE transactions serialise the claims) and moves their `next_attempt_at` a lease ahead,
so no other worker takes them while they are on the wire. It sends them outside any
transaction, then records each statement's outcome:

- delivered: `sent`, with `forwarded_at` (statements carry their ids, and the LRS treats a
  statement id it has as a no-op, so a retry after a lost answer or a crashed worker whose lease
  ran out never stores one twice);
- store unavailable: still pending, `attempts` + 1 and `next_attempt_at` after an exponential
  back-off with jitter (capped; at least what the LRS asked for with Retry-After);
- refused (the statement itself, a 4xx): `failed` with the error, shown in the admin and never
  retried until an administrator asks (`manage.py xapi_forward --retry-failed`).
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .lrs import Delivery, LRSClient, Outcome
from .models import Statement, StatementStatus
from .selectors import lrs_configured

RETRY_BASE = datetime.timedelta(seconds=30)
RETRY_CAP = datetime.timedelta(hours=1)
# A claimed batch is left alone this long: a worker that died mid-send gives it back then.
LEASE_MARGIN = datetime.timedelta(seconds=60)

_jitter = random.SystemRandom()
_CLAIMED_FIELDS = ("pk", "payload", "attempts", "status", "next_attempt_at", "last_error")


def retry_delay(attempts: int, *, jitter: float) -> datetime.timedelta:
    """The wait after the `attempts`-th failed try: 30 s, 1 min, 2 min... capped at an hour,
    taken from the upper half of its step by `jitter` in [0, 1] ("equal jitter"): below the cap
    a wait is never shorter than the one before, and workers that failed together do not retry
    in step. One draw per batch, so a batch stays together."""
    attempts = max(1, attempts)
    doubled = RETRY_BASE.total_seconds() * 2 ** min(attempts - 1, 30)
    ceiling = min(RETRY_CAP.total_seconds(), doubled)
    return datetime.timedelta(seconds=ceiling * (0.5 + 0.5 * min(max(jitter, 0.0), 1.0)))


@dataclass
class ForwardReport:
    enabled: bool = True
    batches: int = 0
    delivered: int = 0
    retrying: int = 0
    refused: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def statements_claim(*, now: datetime.datetime, limit: int, lease: datetime.timedelta) -> list:
    """Take up to `limit` due statements for this worker (see the module docstring)."""
    with transaction.atomic():
        due = Statement.objects.filter(
            status=StatementStatus.PENDING, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "stored", "pk")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        rows = list(due.only(*_CLAIMED_FIELDS)[:limit])
        if rows:
            Statement.objects.filter(
                pk__in=[row.pk for row in rows], status=StatementStatus.PENDING
            ).update(next_attempt_at=now + lease)
    return rows


def _record_outcomes(
    rows: list[Statement],
    outcomes: dict[str, Outcome],
    *,
    now: datetime.datetime,
    rng: random.Random | None,
) -> ForwardReport:
    report = ForwardReport(batches=1)
    jitter = (rng or _jitter).random()
    delivered = []
    later = []
    refused = []
    for row in rows:
        outcome = outcomes.get(str(row.pk)) or Outcome(Delivery.RETRY, "No answer for it.")
        row.attempts += 1
        row.last_error = outcome.error[:1000]
        if outcome.delivery == Delivery.DELIVERED:
            delivered.append(row.pk)
        elif outcome.delivery == Delivery.REFUSED:
            row.status = StatementStatus.FAILED
            row.next_attempt_at = None
            refused.append(row)
        else:
            wait = retry_delay(row.attempts, jitter=jitter)
            if outcome.retry_after:
                wait = max(wait, min(datetime.timedelta(seconds=outcome.retry_after), RETRY_CAP))
            row.next_attempt_at = now + wait
            later.append(row)
    with transaction.atomic():
        if delivered:
            Statement.objects.filter(pk__in=delivered).update(
                status=StatementStatus.SENT,
                forwarded_at=now,
                next_attempt_at=None,
                attempts=F("attempts") + 1,
                last_error="",
            )
        if later or refused:
            Statement.objects.bulk_update(
                later + refused, ["status", "attempts", "next_attempt_at", "last_error"]
            )
    report.delivered, report.retrying, report.refused = len(delivered), len(later), len(refused)
    return report


def statements_forward(
    *,
    now: datetime.datetime | None = None,
    client: LRSClient | None = None,
    batch_size: int | None = None,
    max_batches: int = 50,
    rng: random.Random | None = None,
    clock: Callable[[], datetime.datetime] | None = None,
) -> ForwardReport:
    """Send due statements in batches until none is due (or `max_batches` were sent; the
    task's next run takes the rest). `now` fixes the time for tests; a worker reads the clock."""
    if not lrs_configured() and client is None:
        return ForwardReport(enabled=False)
    client = client or LRSClient()
    batch_size = batch_size or settings.XAPI_LRS_BATCH_SIZE
    lease = datetime.timedelta(seconds=2 * client.timeout) + LEASE_MARGIN
    total = ForwardReport()
    for _ in range(max_batches):
        moment = now or (clock or timezone.now)()
        rows = statements_claim(now=moment, limit=batch_size, lease=lease)
        if not rows:
            break
        outcomes = client.deliver([row.payload for row in rows])
        done = _record_outcomes(rows, outcomes, now=now or (clock or timezone.now)(), rng=rng)
        total.batches += 1
        total.delivered += done.delivered
        total.retrying += done.retrying
        total.refused += done.refused
    return total


def next_due(*, after: datetime.datetime | None = None) -> datetime.datetime | None:
    """When the earliest pending statement is due (None: nothing pending)."""
    first = (
        Statement.objects.filter(status=StatementStatus.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if first is None:
        return None
    return max(first, after) if after else first
