"""Expiry and renewal-window arithmetic as plain functions over dates (STYLE.md §2).

A credential is valid through the end of its expiry date in the organisation's time zone, so
everything here works on calendar dates; `local_date` turns a moment into the organisation's
date first (a completion at 00:30 UTC can still be the previous day in Denver).
"""

import calendar
import datetime
import enum
import zoneinfo


class Rule(enum.StrEnum):
    """How the next expiry is computed (the values of `certificates.models.ExpiryRule`)."""

    FROM_COMPLETION = "from_completion"
    FROM_PREVIOUS_EXPIRY = "from_previous_expiry"
    FIXED_DATE = "fixed_date"


class Status(enum.StrEnum):
    """A held credential's status on a given day (the values of `CredentialStatus`)."""

    NOT_YET = "not_yet"  # issued after that day
    ACTIVE = "active"
    WINDOW = "window"  # still valid; the renewal window is open
    GRACE = "grace"  # expired, still renewable on the recertification path
    EXPIRED = "expired"  # past the grace period: the original path again
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    RENEWED = "renewed"  # replaced by a newer instance

    @property
    def valid(self) -> bool:
        return self in (Status.ACTIVE, Status.WINDOW)


def local_date(moment: datetime.datetime, zone: zoneinfo.ZoneInfo) -> datetime.date:
    """The calendar date of an aware moment in a time zone."""
    if moment.tzinfo is None:
        raise ValueError("A naive datetime has no date in a time zone.")
    return moment.astimezone(zone).date()


def valid_until(expires_on: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The first moment a credential expiring on `expires_on` is no longer valid: local
    midnight at the start of the next day (whatever the DST offset that night)."""
    return datetime.datetime.combine(
        expires_on + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone
    )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` plus whole months, clamped to the end of a shorter month (31 Jan + 1 = 28/29 Feb;
    29 Feb + 12 = 28 Feb)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _on(year: int, month: int, day: int) -> datetime.date:
    """`day` of `month` in `year`, clamped (a fixed date of 29 February in a common year)."""
    return datetime.date(year, month, min(day, calendar.monthrange(year, month)[1]))


def next_expiry(
    *,
    rule: str,
    completed_on: datetime.date,
    validity_months: int | None,
    previous_expiry: datetime.date | None = None,
    grace_days: int = 0,
    fixed_month: int | None = None,
    fixed_day: int | None = None,
    minimum_active_months: int = 0,
) -> datetime.date | None:
    """The expiry of a credential completed on `completed_on` (None when it never expires).

    - from completion: completion plus the validity;
    - from previous expiry: a renewal completed before the previous instance lapsed past its
      grace period keeps the cycle (previous expiry plus the validity, so renewing early loses
      nothing); otherwise, and for a first certification, as from completion;
    - fixed date: the first fixed calendar date (month/day) on or after completion that leaves
      at least the minimum active period, stepping by the validity.
    """
    if validity_months is None:
        return None
    if validity_months < 1:
        raise ValueError("Validity is at least one month.")
    if rule == Rule.FROM_COMPLETION:
        return add_months(completed_on, validity_months)
    if rule == Rule.FROM_PREVIOUS_EXPIRY:
        if previous_expiry is not None and completed_on <= previous_expiry + datetime.timedelta(
            days=grace_days
        ):
            expiry = add_months(previous_expiry, validity_months)
            # A very early renewal still gets at least one full validity from its completion
            # window start: never an expiry before the completion itself.
            while expiry <= completed_on:
                expiry = add_months(expiry, validity_months)
            return expiry
        return add_months(completed_on, validity_months)
    if rule == Rule.FIXED_DATE:
        if not (fixed_month and fixed_day):
            raise ValueError("A fixed-date rule needs a month and a day.")
        earliest = add_months(completed_on, minimum_active_months)
        candidate = _on(completed_on.year, fixed_month, fixed_day)
        if candidate < completed_on:
            candidate = _on(completed_on.year + 1, fixed_month, fixed_day)
        steps = 0
        while candidate < earliest or candidate <= completed_on:
            steps += 1
            stepped = add_months(candidate, validity_months)
            candidate = _on(stepped.year, fixed_month, fixed_day)
            if steps > 1000:  # pragma: no cover - a validity of at least a month always ends
                raise ValueError("No fixed date satisfies the minimum active period.")
        return candidate
    raise ValueError(f"Unknown expiry rule {rule!r}.")


def window_opens_on(expires_on: datetime.date | None, window_days: int) -> datetime.date | None:
    """The first day of the recertification window (None for a credential that never expires)."""
    if expires_on is None:
        return None
    return expires_on - datetime.timedelta(days=window_days)


def grace_ends_on(expires_on: datetime.date | None, grace_days: int) -> datetime.date | None:
    """The last day of the grace period after expiry."""
    if expires_on is None:
        return None
    return expires_on + datetime.timedelta(days=grace_days)


def status_on(
    day: datetime.date,
    *,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    window_days: int,
    grace_days: int,
    suspended: bool = False,
    revoked: bool = False,
    renewed_on: datetime.date | None = None,
) -> Status:
    """A credential's status on `day`. Revocation and suspension stand whatever the date; a
    credential renewed by a newer instance is "renewed" from the day the new one was issued."""
    if revoked:
        return Status.REVOKED
    if suspended:
        return Status.SUSPENDED
    if day < issued_on:
        return Status.NOT_YET
    if renewed_on is not None and day >= renewed_on:
        return Status.RENEWED
    if expires_on is None:
        return Status.ACTIVE
    if day > expires_on:
        return (
            Status.GRACE
            if day <= expires_on + datetime.timedelta(days=grace_days)
            else (Status.EXPIRED)
        )
    if day >= expires_on - datetime.timedelta(days=window_days):
        return Status.WINDOW
    return Status.ACTIVE


def days_left(day: datetime.date, expires_on: datetime.date | None) -> int | None:
    """Days from `day` to the expiry date (0 on the day itself; negative once expired)."""
    return None if expires_on is None else (expires_on - day).days


REMINDER_DAYS = (90, 60, 30, 7)


def reminder_band(days: int | None) -> int | None:
    """The tightest reminder threshold (90, 60, 30 or 7 days) that `days` left falls within,
    or None: 45 days left is in the 60-day band; 95 days in none; 0 days in the 7-day band."""
    if days is None or days < 0:
        return None
    bands = [threshold for threshold in REMINDER_DAYS if days <= threshold]
    return min(bands) if bands else None
