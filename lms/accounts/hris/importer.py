"""Importing staff from the HR system: the service behind the upload page and the API.

`staff_rows_import` checks every row first (`rows.plan_rows`, against a snapshot read in a
handful of queries) and then writes everything in one transaction, or nothing. It is idempotent
by (organisation, employee id): the same file imported again changes nothing.

- A new employee id is a hire: an account with an unusable password and a verified primary
  address (the address comes from the HR system of record, and the welcome link only reaches
  whoever reads it, as an invitation does), the learner role, a staff profile, and a welcome
  email with a link to choose a password (queued after the commit).
- A new job role is a move, a separated status a separation (the account is closed for sign-in,
  with the same audit row as `services.staff_separate`), a separated person with another status
  is reinstated. Hires, moves and reinstatements send the `staff_hired`/`staff_moved` domain
  signals the UI's services send, so the curriculum's assignment rules run just as they do
  there: inside the import's transaction, or queued after it for a large import (`rules`).
- One `STAFF_IMPORTED` audit row records the import (counts, the file's SHA-256).
"""

import datetime
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.audit.models import AuditAction
from lms.audit.services import audit_record

from ..models import Organisation, StaffStatus, User
from ..permissions import ensure_can_import_staff
from .csvfile import read_csv
from .rows import Change, ImportRejected, RowError, RowPlan, plan_rows
from .rules import HIRED, INLINE_LIMIT, MOVED, TASK_SIZE, RuleChange, rules_announce
from .snapshot import Snapshot, chunks, staff_snapshot
from .tasks import apply_assignment_rules, send_welcome_emails
from .writes import invitations_close, staff_hire, staff_update

EMAIL_TASK_SIZE = 500  # people per queued welcome-email task
AUDIT_ID_LIMIT = 500  # employee ids listed per kind of change in the import's audit row


@dataclass(frozen=True)
class ImportSummary:
    organisation: Organisation
    source: str
    digest: str
    rows: int
    created: int = 0
    moved: int = 0
    separated: int = 0
    reinstated: int = 0
    updated: int = 0
    unchanged: int = 0
    invitations_closed: int = 0
    # People whose assignment rules were queued (a large import) rather than run at once.
    assignments_queued: int = 0

    @property
    def changed(self) -> int:
        return self.rows - self.unchanged

    def counts(self) -> dict[str, int]:
        counts = asdict(self)
        for name in ("organisation", "source", "digest"):
            counts.pop(name)
        return counts


def rows_digest(rows: Sequence[Mapping[str, object]]) -> str:
    """A SHA-256 over the rows as canonical JSON (what the audit row records for API batches)."""
    canonical = json.dumps(list(rows), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- The service ------------------------------------------------------------------------------


def staff_csv_import(
    *,
    actor: User,
    organisation: Organisation,
    data: bytes,
    request=None,
    now: datetime.datetime | None = None,
) -> ImportSummary:
    """Import a CSV file (see `csvfile`); `ImportRejected` with every problem, by line."""
    ensure_can_import_staff(user=actor, organisation=organisation)
    parsed = read_csv(data)
    return staff_rows_import(
        actor=actor,
        organisation=organisation,
        rows=parsed.rows,
        line_numbers=parsed.lines,
        problems=parsed.problems,
        digest=hashlib.sha256(data).hexdigest(),
        request=request,
        now=now,
        source="csv",
    )


def staff_rows_import(
    *,
    actor: User,
    organisation: Organisation,
    rows: Iterable[Mapping[str, object]],
    request=None,
    now: datetime.datetime | None = None,
    source: str = "csv",
    first_line: int = 2,
    line_numbers: Sequence[int] | None = None,
    problems: Sequence[RowError] = (),
    digest: str | None = None,
) -> ImportSummary:
    """Import rows ({column: value}) into `organisation`: all of them, or none and
    `ImportRejected` listing every problem. Row i is line `first_line + i` unless
    `line_numbers` says otherwise; `problems` are added to the report (the CSV reader's)."""
    ensure_can_import_staff(user=actor, organisation=organisation)
    now = now or timezone.now()
    today = organisation.today(now)
    rows = list(rows)
    lines = (
        list(line_numbers)
        if line_numbers is not None
        else [first_line + i for i in range(len(rows))]
    )
    if not rows and not problems:
        raise ImportRejected([RowError(first_line, "", "There is nobody to import.")])
    digest = digest or rows_digest(rows)
    try:
        with transaction.atomic():
            # One import at a time per organisation (PostgreSQL): the snapshot stays true.
            Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
            snapshot = staff_snapshot(
                actor=actor, organisation=organisation, rows=rows, today=today
            )
            plans = plan_rows(rows, lines=lines, snapshot=snapshot, problems=problems)
            summary = _apply(
                plans,
                snapshot=snapshot,
                actor=actor,
                organisation=organisation,
                request=request,
                now=now,
                today=today,
                source=source,
                digest=digest,
            )
    except IntegrityError:
        raise ImportRejected(
            [RowError(0, "", "Someone changed these people during the import: import again.")]
        ) from None
    return summary


def _apply(
    plans: list[RowPlan],
    *,
    snapshot: Snapshot,
    actor: User,
    organisation: Organisation,
    request,
    now: datetime.datetime,
    today: datetime.date,
    source: str,
    digest: str,
) -> ImportSummary:
    by_change: dict[Change, list[RowPlan]] = {change: [] for change in Change}
    for plan in plans:
        by_change[plan.change].append(plan)
    user_of = {person.employee_id: person.user_id for person in snapshot.people.values()}
    closed = invitations_close(by_change[Change.HIRE], organisation=organisation, now=now)
    hired = staff_hire(by_change[Change.HIRE], organisation=organisation, user_of=user_of, now=now)
    changed = [plan for plan in plans if plan.person is not None and plan.changed]
    updated = staff_update(changed, organisation=organisation, user_of=user_of, today=today)
    for plan in by_change[Change.SEPARATION]:
        audit_record(
            action=AuditAction.STAFF_SEPARATED,
            actor=actor,
            organisation=organisation,
            request=request,
            target=f"user:{plan.person.user_id}",
            data={"separated_on": plan.target.separated_on.isoformat(), "source": source},
            now=now,
        )
    # The curriculum's assignment rules, through the same domain signals as the UI's services.
    changes = [
        RuleChange(profile=profile, kind=HIRED, on=max(profile.hire_date, today))
        for profile in hired
    ]
    for plan, profile in updated:
        if plan.change == Change.REINSTATEMENT:
            changes.append(
                RuleChange(profile=profile, kind=HIRED, on=max(profile.hire_date, today))
            )
        elif plan.change == Change.MOVE:
            changes.append(RuleChange(profile=profile, kind=MOVED, on=today))
    changes = [change for change in changes if change.profile.status != StaffStatus.SEPARATED]
    queued = len(changes) if len(changes) > INLINE_LIMIT else 0
    summary = ImportSummary(
        organisation=organisation,
        source=source,
        digest=digest,
        rows=len(plans),
        invitations_closed=closed,
        assignments_queued=queued,
        **{change.value: len(by_change[change]) for change in Change},
    )
    audit_record(
        action=AuditAction.STAFF_IMPORTED,
        actor=actor,
        organisation=organisation,
        request=request,
        target=f"organisation:{organisation.pk}",
        data={
            "source": source,
            "sha256": digest,
            **summary.counts(),
            **{
                f"{change.value}_employee_ids": [
                    plan.target.employee_id for plan in by_change[change][:AUDIT_ID_LIMIT]
                ]
                for change in (Change.MOVE, Change.SEPARATION, Change.REINSTATEMENT)
                if by_change[change]
            },
        },
        now=now,
    )
    if queued:
        for chunk in chunks([change.as_json() for change in changes], TASK_SIZE):
            transaction.on_commit(
                lambda part=list(chunk): apply_assignment_rules.enqueue(changes=part)
            )
    else:
        rules_announce(changes)
    welcome = [profile.user_id for profile in hired if profile.status != StaffStatus.SEPARATED]
    for chunk in chunks(welcome, EMAIL_TASK_SIZE):
        transaction.on_commit(lambda ids=list(chunk): send_welcome_emails.enqueue(user_ids=ids))
    return summary
