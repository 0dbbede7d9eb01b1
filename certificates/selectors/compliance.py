"""HR's and supervisors' read models: the verification queue, qualification for role, and the
compliance board."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import QuerySet
from django.utils import timezone

from certificates.expiry import Status, days_left
from certificates.models import (
    Credential,
    CredentialState,
    CredentialType,
    RequirementLevel,
    RoleCredential,
    Verification,
)
from certificates.services.earning import credential_status
from lms.accounts.models import StaffProfile

from .common import STATUS_LABELS, Card, card_for, is_current

EXPIRING_BANDS = (30, 60, 90)


# --- Verification queue -------------------------------------------------------------------------


def verification_queue(*, user) -> QuerySet[Credential]:
    """Pending external credentials of the people `user` may see (not their own), oldest first."""
    return (
        Credential.objects.filter(
            verification=Verification.PENDING,
            holder__staff_profile__in=StaffProfile.objects.visible_to(user),
        )
        .exclude(holder=user)
        .select_related("holder", "organisation", "holder__staff_profile__job_role")
        .order_by("created_at", "pk")
    )


# --- Qualification for role ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A credential a person's job role requires that they do not validly hold on a day."""

    credential_type_id: int
    name: str
    reason: str
    credential: Credential | None = None


def required_types_by_role(role_ids=None) -> dict[int, list[tuple[int, str]]]:
    """Job role id -> [(credential type id, name)] of the active types it requires (one query)."""
    rows = RoleCredential.objects.filter(
        level=RequirementLevel.REQUIRED, credential_type__active=True
    )
    if role_ids is not None:
        rows = rows.filter(role_id__in=role_ids)
    required: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for role_id, type_id, name in rows.order_by("credential_type__name").values_list(
        "role_id", "credential_type_id", "credential_type__name"
    ):
        required[role_id].append((type_id, name))
    return required


def _gap_reason(instances: list[Credential], on: datetime.date) -> tuple[str, Credential | None]:
    """Why the instances of one type leave a person unqualified (none of them valid on `on`)."""
    current = next((c for c in instances if is_current(c)), None)
    if current is not None:
        status = credential_status(current, on)
        if status == Status.GRACE:
            return f"expired on {current.expires_on:%-d %b %Y} (grace period)", current
        if status == Status.EXPIRED:
            return f"expired on {current.expires_on:%-d %b %Y}", current
        if status == Status.NOT_YET:
            return f"valid only from {current.issued_on:%-d %b %Y}", current
        return STATUS_LABELS[status].lower(), current
    pending = next((c for c in instances if c.verification == Verification.PENDING), None)
    if pending is not None:
        return "awaiting verification", pending
    revoked = next((c for c in instances if c.state == CredentialState.REVOKED), None)
    if revoked is not None:
        return "revoked", revoked
    return "not held", None


def gaps_for(
    *,
    profiles: list[StaffProfile],
    held: dict[tuple[int, int], list[Credential]],
    required: dict[int, list[tuple[int, str]]],
    on_for,
) -> dict[int, list[Gap]]:
    """Profile id -> the required credentials its person lacks on `on_for(profile)`."""
    gaps: dict[int, list[Gap]] = {}
    for profile in profiles:
        on = on_for(profile)
        missing = []
        for type_id, name in required.get(profile.job_role_id, []):
            instances = held.get((profile.user_id, type_id), [])
            if any(credential_status(c, on).valid for c in instances):
                continue
            reason, credential = _gap_reason(instances, on)
            missing.append(Gap(type_id, name, reason, credential))
        if missing:
            gaps[profile.pk] = missing
    return gaps


def _held(credentials) -> dict[tuple[int, int], list[Credential]]:
    held: dict[tuple[int, int], list[Credential]] = defaultdict(list)
    for credential in credentials:
        held[(credential.holder_id, credential.credential_type_id)].append(credential)
    return held


def qualification_gaps(profile: StaffProfile, on: datetime.date) -> list[Gap]:
    """The credentials `profile`'s job role requires that its person does not validly hold on
    `on` (lapsed, suspended, revoked, awaiting verification or never held): a non-empty answer
    means "not qualified for their role". Two queries."""
    if profile.job_role_id is None:
        return []
    required = required_types_by_role([profile.job_role_id])
    if not required:
        return []
    type_ids = [type_id for type_id, _ in required[profile.job_role_id]]
    credentials = Credential.objects.filter(
        holder_id=profile.user_id, credential_type_id__in=type_ids
    ).order_by("-issued_on", "-pk")
    return gaps_for(
        profiles=[profile], held=_held(credentials), required=required, on_for=lambda _: on
    ).get(profile.pk, [])


# --- Compliance board ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    profile: StaffProfile
    card: Card | None = None
    gaps: tuple[Gap, ...] = ()


@dataclass
class Bucket:
    key: str
    label: str
    rows: list[BoardRow] = field(default_factory=list)
    # When `rows` holds only the first ones (the page), how many there are in all.
    total: int | None = None

    @property
    def count(self) -> int:
        return len(self.rows) if self.total is None else self.total


@dataclass
class Board:
    buckets: list[Bucket]
    people: int
    rows: list[BoardRow]  # every current credential, for the CSV
    gaps: dict[int, list[Gap]]

    def bucket(self, key: str) -> Bucket:
        return next(bucket for bucket in self.buckets if bucket.key == key)

    @property
    def largest(self) -> int:
        return max([bucket.count for bucket in self.buckets] + [1])


def board_people(*, user, organisation_id=None, job_role_id=None) -> QuerySet[StaffProfile]:
    # The board shows name, organisation and job role: no need to load everyone's supervisor.
    people = (
        StaffProfile.objects.visible_to(user)
        .current()
        .select_related("user", "organisation", "job_role")
    )
    if organisation_id:
        people = people.filter(organisation_id=organisation_id)
    if job_role_id:
        people = people.filter(job_role_id=job_role_id)
    return people


def compliance_board(*, user, organisation_id=None, job_role_id=None, now=None) -> Board:
    """Who needs attention among the people `user` may see, each on their organisation's today:
    credentials expiring within 30/60/90 days, in the renewal window, in grace, expired; and
    people missing a credential their role requires. Four queries whatever the numbers."""
    now = now or timezone.now()
    people = board_people(user=user, organisation_id=organisation_id, job_role_id=job_role_id)
    profiles = list(people.order_by("user__last_name", "user__first_name", "pk"))
    today_of = {}
    for profile in profiles:
        if profile.organisation_id not in today_of:
            today_of[profile.organisation_id] = profile.organisation.today(now)
    profile_of = {profile.user_id: profile for profile in profiles}
    # The few types are read once and shared: building a (clusterable) type per credential
    # was most of this page's time with tens of thousands of credentials.
    types = {t.pk: t for t in CredentialType.objects.all()}
    credentials = list(
        Credential.objects.filter(holder__staff_profile__in=people.values("pk")).order_by(
            "-issued_on", "-pk"
        )
    )
    for credential in credentials:
        Credential.credential_type.field.set_cached_value(
            credential, types[credential.credential_type_id]
        )
    held = _held(credentials)
    required = required_types_by_role()
    gaps = gaps_for(
        profiles=profiles,
        held=held,
        required=required,
        on_for=lambda profile: today_of[profile.organisation_id],
    )
    buckets = _buckets()
    rows = []
    for (holder_id, _type_id), instances in held.items():
        current = next((c for c in instances if is_current(c)), None)
        if current is None:
            continue
        profile = profile_of[holder_id]
        row = BoardRow(profile=profile, card=card_for(current, today_of[profile.organisation_id]))
        rows.append(row)
        status, left = row.card.status, row.card.days_left
        for days in EXPIRING_BANDS:
            if status.valid and left is not None and 0 <= left <= days:
                buckets[f"expiring_{days}"].rows.append(row)
        if status in (Status.WINDOW, Status.GRACE, Status.EXPIRED):
            buckets[status.value].rows.append(row)
    order = {profile.pk: index for index, profile in enumerate(profiles)}
    for bucket in buckets.values():
        bucket.rows.sort(key=lambda r: (r.card.days_left, order[r.profile.pk]))
    rows.sort(key=lambda r: (order[r.profile.pk], r.card.credential.title))
    buckets["not_qualified"].rows = [
        BoardRow(profile=profile, gaps=tuple(gaps[profile.pk]))
        for profile in profiles
        if profile.pk in gaps
    ]
    return Board(buckets=list(buckets.values()), people=len(profiles), rows=rows, gaps=gaps)


# --- The compliance board's page: counts of everyone, rows of the first few -------------------


class _Held(NamedTuple):
    """The columns of a credential that its status and "current" rules read (duck-typed for
    `credential_status` and `is_current`): thousands of these cost a fraction of the models."""

    pk: int
    holder_id: int
    credential_type_id: int
    issued_on: datetime.date
    expires_on: datetime.date | None
    window_days: int
    grace_days: int
    state: str
    verification: str
    renewed_on: datetime.date | None


class _Person(NamedTuple):
    pk: int
    user_id: int
    organisation_id: int
    job_role_id: int | None


def _buckets() -> dict[str, Bucket]:
    return {
        **{
            f"expiring_{days}": Bucket(f"expiring_{days}", f"Expiring within {days} days")
            for days in EXPIRING_BANDS
        },
        "window": Bucket("window", "Renewal window open"),
        "grace": Bucket("grace", "Expired, in grace period"),
        "expired": Bucket("expired", "Expired"),
        "not_qualified": Bucket("not_qualified", "Not qualified for their role"),
    }


def compliance_summary(
    *, user, organisation_id=None, job_role_id=None, now=None, limit: int = 100
) -> Board:
    """The compliance board as its page shows it: every bucket's count, and each bucket's first
    `limit` rows (in `compliance_board`'s order, with the same cards and gaps). The people and
    their credentials are read as plain columns and classified by the same rules
    (`credential_status`, `is_current`, `gaps_for`); only the rows shown are loaded as models.
    Five queries whatever the numbers (three when nothing is listed). `rows` is left empty: the
    CSV uses `compliance_board`.
    """
    from lms.accounts.models import Organisation

    now = now or timezone.now()
    people = board_people(user=user, organisation_id=organisation_id, job_role_id=job_role_id)
    persons, today_of = [], {}
    for *person, zone in people.order_by("user__last_name", "user__first_name", "pk").values_list(
        "pk", "user_id", "organisation_id", "job_role_id", "organisation__time_zone"
    ):
        persons.append(_Person(*person))
        if person[2] not in today_of:  # an organisation's today, as Organisation.today gives it
            today_of[person[2]] = Organisation(pk=person[2], time_zone=zone).today(now)
    person_of = {person.user_id: person for person in persons}
    held = _held(
        _Held(*row)
        for row in Credential.objects.filter(holder__staff_profile__in=people.values("pk"))
        .order_by("-issued_on", "-pk")
        .values_list(*_Held._fields)
    )
    gaps = gaps_for(
        profiles=persons,
        held=held,
        required=required_types_by_role(),
        on_for=lambda person: today_of[person.organisation_id],
    )
    order = {person.pk: index for index, person in enumerate(persons)}
    # bucket key -> [(days left, person's place, credential)]
    found: dict[str, list[tuple[int, int, _Held]]] = defaultdict(list)
    for (holder_id, _type_id), instances in held.items():
        current = next((c for c in instances if is_current(c)), None)
        if current is None:
            continue
        person = person_of[holder_id]
        on = today_of[person.organisation_id]
        status, left = credential_status(current, on), days_left(on, current.expires_on)
        entry = (left, order[person.pk], current)
        for days in EXPIRING_BANDS:
            if status.valid and left is not None and 0 <= left <= days:
                found[f"expiring_{days}"].append(entry)
        if status in (Status.WINDOW, Status.GRACE, Status.EXPIRED):
            found[status.value].append(entry)
    shown = {key: sorted(entries, key=lambda e: e[:2])[:limit] for key, entries in found.items()}
    lacking = [person for person in persons if person.pk in gaps][:limit]
    # Only what is shown is loaded as models: the people, and the credentials on their rows.
    credential_ids = {e[2].pk for entries in shown.values() for e in entries} | {
        gap.credential.pk
        for person in lacking
        for gap in gaps[person.pk]
        if gap.credential is not None
    }
    # A few hundred rows at most: their types come joined (no query when nothing is listed).
    credentials = Credential.objects.select_related("credential_type").in_bulk(credential_ids)
    profile_ids = {persons[e[1]].pk for entries in shown.values() for e in entries} | {
        person.pk for person in lacking
    }
    profiles = StaffProfile.objects.select_related("user", "organisation", "job_role").in_bulk(
        profile_ids
    )
    buckets = _buckets()
    for key, entries in shown.items():
        buckets[key].rows = [
            BoardRow(
                profile=profiles[persons[place].pk],
                card=card_for(credentials[held_row.pk], today_of[persons[place].organisation_id]),
            )
            for _left, place, held_row in entries
        ]
    for key, bucket in buckets.items():
        bucket.total = len(found.get(key, ())) if key != "not_qualified" else len(gaps)
    buckets["not_qualified"].rows = [
        BoardRow(
            profile=profiles[person.pk],
            gaps=tuple(
                Gap(
                    gap.credential_type_id,
                    gap.name,
                    gap.reason,
                    None if gap.credential is None else credentials[gap.credential.pk],
                )
                for gap in gaps[person.pk]
            ),
        )
        for person in lacking
    ]
    return Board(buckets=list(buckets.values()), people=len(persons), rows=[], gaps=gaps)
