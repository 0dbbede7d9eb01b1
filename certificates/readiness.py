"""Readiness of a person for a city job role: a pure function over plain data (STYLE.md §2).

A role's requirements are its required credential types (each must be valid on the day asked
about: a credential that expires, is suspended or revoked, or awaits verification by then counts
as missing), a minimum time in the person's current role, and, where the role asks, a released
field training. Preferred credentials are shown but never counted. The same rules run set-based
in SQL for HR's dashboard (`certificates.selectors.readiness`); a property test keeps the two in
agreement.
"""

import datetime
import enum
from collections.abc import Iterable
from dataclasses import dataclass

from certificates.expiry import add_months


class Band(enum.StrEnum):
    READY = "ready"
    ONE_AWAY = "one_away"
    FURTHER = "further"

    @property
    def label(self) -> str:
        return BAND_LABELS[self]


BAND_LABELS = {
    Band.READY: "Ready",
    Band.ONE_AWAY: "One requirement away",
    Band.FURTHER: "Further",
}


class ItemKind(enum.StrEnum):
    CREDENTIAL = "credential"
    TIME_IN_ROLE = "time_in_role"
    FIELD_RELEASE = "field_release"
    PREFERRED = "preferred"


@dataclass(frozen=True)
class HeldCredential:
    """What readiness needs of one credential instance a person holds."""

    credential_type_id: int
    issued_on: datetime.date
    expires_on: datetime.date | None
    renewed_on: datetime.date | None = None
    in_force: bool = True  # state active and verification not pending or rejected


@dataclass(frozen=True)
class RoleRequirements:
    role_id: int
    required: tuple[tuple[int, str], ...]  # (credential type id, name)
    preferred: tuple[tuple[int, str], ...] = ()
    minimum_months: int = 0
    requires_field_release: bool = False


@dataclass(frozen=True)
class PersonFacts:
    in_role_since: datetime.date
    credentials: tuple[HeldCredential, ...] = ()
    released_on: datetime.date | None = None  # the first release from field training


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    label: str
    met: bool
    detail: str = ""
    credential_type_id: int | None = None

    @property
    def counts(self) -> bool:
        return self.kind != ItemKind.PREFERRED


@dataclass(frozen=True)
class Readiness:
    on: datetime.date
    items: tuple[Item, ...]
    ready_on: datetime.date | None  # the first day from `on` ready, if time alone closes the gap

    @property
    def counted(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.counts)

    @property
    def met(self) -> int:
        return sum(item.met for item in self.counted)

    @property
    def total(self) -> int:
        return len(self.counted)

    @property
    def missing(self) -> tuple[Item, ...]:
        return tuple(item for item in self.counted if not item.met)

    @property
    def percent(self) -> int:
        return percent(self.met, self.total)

    @property
    def band(self) -> Band:
        return band_for(len(self.missing))


def percent(met: int, total: int) -> int:
    """Whole percent of requirements met; a role with no requirements is 100%."""
    return 100 if total == 0 else (100 * met) // total


def band_for(missing: int) -> Band:
    if missing == 0:
        return Band.READY
    if missing == 1:
        return Band.ONE_AWAY
    return Band.FURTHER


def valid_on(credential: HeldCredential, day: datetime.date) -> bool:
    """In force, issued by `day`, not yet replaced by a renewal, and not expired on `day`
    (the grace period after expiry is for renewing, not for holding a role)."""
    return (
        credential.in_force
        and credential.issued_on <= day
        and (credential.renewed_on is None or credential.renewed_on > day)
        and (credential.expires_on is None or credential.expires_on >= day)
    )


def latest_start(on: datetime.date, months: int) -> datetime.date:
    """The last first-day-in-role that gives `months` whole months in the role by `on`:
    `since <= latest_start(on, months)` exactly when `add_months(since, months) <= on`."""
    day = add_months(on, -months)
    # Month-end clamping can leave a few later days that still qualify (31 Jan + 1 = 28 Feb).
    while add_months(day + datetime.timedelta(days=1), months) <= on:
        day += datetime.timedelta(days=1)
    return day


def _months_label(months: int) -> str:
    if months % 12 == 0 and months >= 12:
        years = months // 12
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{months} month{'s' if months != 1 else ''}"


def _items(
    requirements: RoleRequirements, facts: PersonFacts, on: datetime.date
) -> tuple[Item, ...]:
    valid_types = {c.credential_type_id for c in facts.credentials if valid_on(c, on)}
    items = [
        Item(
            ItemKind.CREDENTIAL,
            name,
            type_id in valid_types,
            "" if type_id in valid_types else _credential_gap(facts.credentials, type_id, on),
            type_id,
        )
        for type_id, name in requirements.required
    ]
    if requirements.minimum_months:
        since = facts.in_role_since
        met = since <= latest_start(on, requirements.minimum_months)
        reached = add_months(since, requirements.minimum_months)
        items.append(
            Item(
                ItemKind.TIME_IN_ROLE,
                f"{_months_label(requirements.minimum_months)} in a current role",
                met,
                f"in role since {since:%-d %b %Y}"
                + ("" if met else f"; reached on {reached:%-d %b %Y}"),
            )
        )
    if requirements.requires_field_release:
        released = facts.released_on is not None and facts.released_on <= on
        items.append(
            Item(
                ItemKind.FIELD_RELEASE,
                "Released from field training",
                released,
                f"released on {facts.released_on:%-d %b %Y}" if released else "not yet released",
            )
        )
    items.extend(
        Item(ItemKind.PREFERRED, name, type_id in valid_types, "preferred", type_id)
        for type_id, name in requirements.preferred
    )
    return tuple(items)


def _credential_gap(held: Iterable[HeldCredential], type_id: int, on: datetime.date) -> str:
    instances = [c for c in held if c.credential_type_id == type_id]
    if not instances:
        return "not held"
    latest = max(instances, key=lambda c: c.issued_on)
    if not latest.in_force:
        return "not in force (pending, suspended or revoked)"
    if latest.issued_on > on:
        return f"valid only from {latest.issued_on:%-d %b %Y}"
    if latest.expires_on is not None and latest.expires_on < on:
        return f"expired on {latest.expires_on:%-d %b %Y}, before this date"
    return "not valid on this date"


def readiness(
    requirements: RoleRequirements, facts: PersonFacts, *, on: datetime.date
) -> Readiness:
    """Each requirement met or missing on `on`; and, when only time in role is missing and
    every credential still holds on the day it is reached, that day as `ready_on`."""
    items = _items(requirements, facts, on)
    missing = [item for item in items if item.counts and not item.met]
    ready_on: datetime.date | None = None
    if not missing:
        ready_on = on
    elif all(item.kind == ItemKind.TIME_IN_ROLE for item in missing):
        day = add_months(facts.in_role_since, requirements.minimum_months)
        later = _items(requirements, facts, day)
        if all(item.met for item in later if item.counts):
            ready_on = day
    return Readiness(on=on, items=items, ready_on=ready_on)
