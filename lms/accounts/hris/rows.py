"""The rows of an HR-system import, checked without the database.

`plan_rows` takes every row of a file (or of an API batch) and a `Snapshot` of what Relay holds
for the organisation, and returns what each row changes, or raises `ImportRejected` with every
problem of every row (line, column, message): a file is imported whole or not at all.

What a value means:
- A column left out of the file (a key left out of an API item) keeps what Relay holds.
- A blank cell keeps what Relay holds for `email`, `first_name`, `last_name`, `hire_date` and
  `status`, and means "none" for `job_role`, `supervisor_employee_id` and `funding_source` (the
  organisation's funding source). `separated_on` goes with the status: required when a person
  is separated (a blank keeps the date of someone already separated), refused otherwise.
- A new employee id is a hire: `email` and `hire_date` are then required, status defaults to
  trainee.
"""

import datetime
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..models import FundingSource, StaffStatus
from .snapshot import Person, Snapshot

COLUMNS: tuple[str, ...] = (
    "employee_id",
    "email",
    "first_name",
    "last_name",
    "job_role",
    "hire_date",
    "status",
    "separated_on",
    "supervisor_employee_id",
    "funding_source",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("employee_id",)
COLUMN_HELP: dict[str, str] = {
    "employee_id": "Required. The person's id in the HR system; rows are matched on it.",
    "email": "Required for a new person; their sign-in address. Not changed for someone who "
    "already has an account.",
    "first_name": "Blank keeps the stored name.",
    "last_name": "Blank keeps the stored name.",
    "job_role": "A Relay job role, by name (any case). Blank: no job role.",
    "hire_date": "YYYY-MM-DD. Required for a new person.",
    "status": "trainee, active, on_leave or separated. Blank keeps the stored status (a new "
    "person starts as a trainee).",
    "separated_on": "YYYY-MM-DD. Required when the status is separated, and only then.",
    "supervisor_employee_id": "The supervisor's employee id in the same organisation (they may "
    "be in the same file). Blank: no supervisor.",
    "funding_source": "general_fund, state_grant, federal_grant or private. Blank: the "
    "organisation's funding source.",
}

MAX_EMPLOYEE_ID = 40
MAX_NAME = 150
MAX_EMAIL = 254
MAX_TEXT = 300  # no column holds more; longer text is refused before anything else
EARLIEST_DATE = datetime.date(1900, 1, 1)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Control characters, and lone surrogates (valid in JSON, not storable in PostgreSQL).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
AHEAD = datetime.timedelta(days=366)  # hire and separation dates at most a year ahead


@dataclass(frozen=True, order=True)
class RowError:
    """One problem: the line (the CSV line, or the API item's position from 1), the column at
    fault (empty for the whole row or file) and what to do about it."""

    line: int
    field: str
    message: str


class ImportRejected(Exception):
    """The import was refused; nothing was written. `errors` lists every problem found."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = sorted(errors, key=lambda error: error.line)
        count = len(self.errors)
        super().__init__(f"{count} problem{'s' if count != 1 else ''}; nothing was imported.")


@dataclass(frozen=True)
class Target:
    """A row as it will be stored."""

    employee_id: str
    email: str
    first_name: str
    last_name: str
    job_role_id: int | None
    hire_date: datetime.date
    status: str
    separated_on: datetime.date | None
    # None: keep the stored supervisor (the column was left out); "": no supervisor.
    supervisor_employee_id: str | None
    funding_source: str


class Change(StrEnum):
    HIRE = "created"
    SEPARATION = "separated"
    REINSTATEMENT = "reinstated"
    MOVE = "moved"
    UPDATE = "updated"
    NONE = "unchanged"


@dataclass(frozen=True)
class RowPlan:
    line: int
    target: Target
    person: Person | None  # None: a new person
    changed: frozenset[str] = field(default_factory=frozenset)

    @property
    def change(self) -> Change:
        """What the row is, counted once: a hire, separation, reinstatement, move (a new job
        role), another update, or nothing."""
        if self.person is None:
            return Change.HIRE
        separated = StaffStatus.SEPARATED
        if "status" in self.changed and self.target.status == separated:
            return Change.SEPARATION
        if "status" in self.changed and self.person.status == separated:
            return Change.REINSTATEMENT
        if "job_role" in self.changed:
            return Change.MOVE
        return Change.UPDATE if self.changed else Change.NONE


def _choices(enum) -> dict[str, str]:
    """Values and labels, lower-cased, to the value: `on_leave` and `On leave` both work."""
    lookup = {value.lower(): value for value in enum.values}
    lookup.update({label.lower(): value for value, label in enum.choices})
    return lookup


STATUSES = _choices(StaffStatus)
FUNDING_SOURCES = _choices(FundingSource)


def _parse_date(value: str, *, today: datetime.date) -> datetime.date | str:
    """The date, or the message saying what is wrong with it."""
    if not _ISO_DATE.fullmatch(value):
        return f"{value!r} is not a date written YYYY-MM-DD."
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        return f"{value} is not a real date."
    if day < EARLIEST_DATE:
        return f"{value} is too far in the past."
    if day > today + AHEAD:
        return f"{value} is more than a year ahead."
    return day


class _Row:
    """One row being checked: its cleaned text values and the errors found so far."""

    def __init__(self, line: int, raw: Mapping[str, object], errors: list[RowError]):
        self.line = line
        self.errors = errors
        self.values: dict[str, str] = {}
        for name, value in raw.items():
            if name not in COLUMNS:
                self.error(name, f"Unknown column {name!r}.")
                continue
            text = "" if value is None else str(value).strip()
            if len(text) > MAX_TEXT:
                self.error(name, f"Longer than {MAX_TEXT} characters.")
                text = ""
            elif _CONTROL.search(text):
                self.error(name, "Contains a control character (a tab, a line break, NUL...).")
                text = ""
            self.values[name] = text

    def error(self, name: str, message: str) -> None:
        self.errors.append(RowError(self.line, name, message))

    def has(self, name: str) -> bool:
        return name in self.values

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def plan_rows(
    rows: Sequence[Mapping[str, object]],
    *,
    lines: Sequence[int],
    snapshot: Snapshot,
    problems: Sequence[RowError] = (),
) -> list[RowPlan]:
    """What each row changes; `ImportRejected` with every problem (and `problems` found before,
    e.g. by the CSV reader) if there is any."""
    errors: list[RowError] = list(problems)
    first_line_of_id: dict[str, int] = {}
    first_line_of_email: dict[str, int] = {}
    checked: list[tuple[_Row, Target | None, Person | None]] = []
    for line, raw in zip(lines, rows, strict=True):
        row = _Row(line, raw, errors)
        employee_id = row.get("employee_id")
        person = None
        usable = False
        if not employee_id:
            row.error("employee_id", "The employee id is required.")
        elif len(employee_id) > MAX_EMPLOYEE_ID:
            row.error("employee_id", f"Longer than {MAX_EMPLOYEE_ID} characters.")
        elif employee_id in first_line_of_id:
            row.error(
                "employee_id",
                f"Employee id {employee_id} is already on line {first_line_of_id[employee_id]}.",
            )
        else:
            first_line_of_id[employee_id] = line
            person = snapshot.people.get(employee_id)
            usable = True
        target = _target(row, person, snapshot, first_line_of_email) if usable else None
        checked.append((row, target, person))
    targets = {target.employee_id: target for _, target, _ in checked if target is not None}
    # Ids whose own row is wrong: a reference to them is not reported a second time.
    unsure = set(first_line_of_id) - set(targets)
    plans = []
    for row, target, person in checked:
        if target is None:
            continue
        _check_supervisor(row, target, targets, unsure, snapshot)
        plan = RowPlan(
            line=row.line,
            target=target,
            person=person,
            changed=_changed(person, target, snapshot) if person else frozenset(),
        )
        _check_allowed(row, plan, snapshot)
        plans.append(plan)
    if errors:
        raise ImportRejected(errors)
    return plans


def _target(
    row: _Row, person: Person | None, snapshot: Snapshot, first_line_of_email: dict[str, int]
) -> Target | None:
    """The row's values as they will be stored, keeping what a blank or missing column keeps.
    None if a value is wrong (the error is recorded)."""
    errors_before = len(row.errors)
    email = _email(row, person, snapshot, first_line_of_email)
    names = {}
    for name in ("first_name", "last_name"):
        value = row.get(name)
        if len(value) > MAX_NAME:
            row.error(name, f"Longer than {MAX_NAME} characters.")
        names[name] = value or (getattr(person, name) if person else "")
    job_role_id = person.job_role_id if person else None
    if row.has("job_role"):
        job_role_id = _job_role(row, snapshot)
    hire_date = person.hire_date if person else None
    if row.get("hire_date"):
        parsed = _parse_date(row.get("hire_date"), today=snapshot.today)
        if isinstance(parsed, str):
            row.error("hire_date", parsed)
        else:
            hire_date = parsed
    elif person is None:
        row.error("hire_date", "The hire date is required for a new person.")
    status = person.status if person else StaffStatus.TRAINEE
    if row.get("status"):
        status = STATUSES.get(row.get("status").lower(), "")
        if not status:
            row.error(
                "status",
                f"Unknown status {row.get('status')!r}: use {', '.join(StaffStatus.values)}.",
            )
    separated_on = _separated_on(row, person, status, hire_date, today=snapshot.today)
    supervisor = row.get("supervisor_employee_id") if row.has("supervisor_employee_id") else None
    funding = person.funding_source if person else ""
    if row.get("funding_source"):
        funding = FUNDING_SOURCES.get(row.get("funding_source").lower(), "")
        if not funding:
            row.error(
                "funding_source",
                f"Unknown funding source {row.get('funding_source')!r}: use "
                f"{', '.join(FundingSource.values)}, or leave it blank.",
            )
    elif row.has("funding_source"):
        funding = ""
    if len(row.errors) > errors_before or hire_date is None:
        return None
    return Target(
        employee_id=row.get("employee_id"),
        email=email,
        job_role_id=job_role_id,
        hire_date=hire_date,
        status=status,
        separated_on=separated_on,
        supervisor_employee_id=supervisor,
        funding_source=funding,
        **names,
    )


def _email(
    row: _Row, person: Person | None, snapshot: Snapshot, first_line_of_email: dict[str, int]
) -> str:
    email = row.get("email").lower()
    if person is not None:
        # Relay does not change a sign-in address from an import: whoever controls the new
        # address could reset the password of the account.
        if email and email != person.email.lower():
            row.error(
                "email",
                f"Relay's sign-in address for this person is {person.email}; an import does "
                "not change it. Leave the cell blank, or ask an administrator.",
            )
        return person.email
    if not email:
        row.error("email", "The email address is required for a new person.")
        return ""
    try:
        if len(email) > MAX_EMAIL:
            raise ValidationError("too long")
        validate_email(email)
    except ValidationError:
        row.error("email", f"{row.get('email')!r} is not an email address.")
        return ""
    if email in snapshot.emails_in_use:
        row.error("email", "This email address already has a Relay account.")
    elif email in first_line_of_email:
        row.error("email", f"This email address is already on line {first_line_of_email[email]}.")
    else:
        first_line_of_email[email] = row.line
    return email


def _job_role(row: _Row, snapshot: Snapshot) -> int | None:
    name = row.get("job_role")
    if not name:
        return None
    key = " ".join(name.split()).lower()
    if key not in snapshot.job_roles:
        row.error("job_role", f"No job role is called {name!r}.")
        return None
    job_role_id = snapshot.job_roles[key]
    if job_role_id is None:
        row.error("job_role", f"Several job roles are called {name!r} (in different cases).")
    return job_role_id


def _separated_on(
    row: _Row,
    person: Person | None,
    status: str,
    hire_date: datetime.date | None,
    *,
    today: datetime.date,
) -> datetime.date | None:
    value = row.get("separated_on")
    if status != StaffStatus.SEPARATED:
        if value:
            row.error("separated_on", "Only a separated person has a separation date.")
        return None
    if not value:
        if person is not None and person.separated_on is not None:
            return person.separated_on
        row.error("separated_on", "A separated person needs the date they left (YYYY-MM-DD).")
        return None
    parsed = _parse_date(value, today=today)
    if isinstance(parsed, str):
        row.error("separated_on", parsed)
        return None
    if hire_date is not None and parsed < hire_date:
        row.error("separated_on", f"The separation date is before the hire date ({hire_date}).")
    return parsed


def _check_supervisor(
    row: _Row,
    target: Target,
    targets: Mapping[str, Target],
    unsure: set[str],
    snapshot: Snapshot,
) -> None:
    supervisor = target.supervisor_employee_id
    if not supervisor or supervisor in unsure:
        return
    if supervisor == target.employee_id:
        row.error("supervisor_employee_id", "Nobody supervises themselves.")
        return
    status = None
    if supervisor in targets:
        status = targets[supervisor].status
    elif supervisor in snapshot.people:
        status = snapshot.people[supervisor].status
    if status is None:
        row.error(
            "supervisor_employee_id",
            f"Nobody has employee id {supervisor} in this organisation or in this file.",
        )
    elif status == StaffStatus.SEPARATED:
        row.error("supervisor_employee_id", f"The supervisor {supervisor} is separated.")


def _changed(person: Person, target: Target, snapshot: Snapshot) -> frozenset[str]:
    """The stored fields that the row changes."""
    changed = set()
    for name in ("first_name", "last_name", "hire_date", "status", "separated_on"):
        if getattr(person, name) != getattr(target, name):
            changed.add(name)
    if person.job_role_id != target.job_role_id:
        changed.add("job_role")
    if person.funding_source != target.funding_source:
        changed.add("funding_source")
    if target.supervisor_employee_id is not None:
        stored = snapshot.employee_id_of_user.get(person.supervisor_user_id or 0, "")
        if person.supervisor_user_id is not None and not stored:
            stored = f"user:{person.supervisor_user_id}"  # someone outside the organisation
        if stored != target.supervisor_employee_id:
            changed.add("supervisor")
    return frozenset(changed)


def _check_allowed(row: _Row, plan: RowPlan, snapshot: Snapshot) -> None:
    """The rules of `permissions.can_manage_roles` and `can_invite`, row by row: nobody changes
    their own record, and only someone who manages roles changes an administrator's, HR
    officer's or curriculum author's."""
    if plan.person is None or not plan.changed:
        return
    if plan.person.user_id == snapshot.actor_user_id:
        row.error("", "This is your own record: someone else must import changes to it.")
    elif plan.person.guarded and not snapshot.actor_manages_roles:
        row.error(
            "",
            "This person is an administrator, HR officer or curriculum author: only someone "
            "who manages roles may change their record.",
        )
