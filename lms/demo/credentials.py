"""The demo credentials: the credential types of the catalog (plus three earned in Relay), and
what every demo staff member holds.

Types come from the `credentials` and `roles` keys of `catalog.json` (see `type_fields` for how
catalog fields become type settings). Holdings are planned per person from a `random.Random`
seeded with the person's email, dated from `today`: the credentials their job role requires (or,
where it requires none, one or two it recommends), an FTO's qualifying course, in a realistic mix
of active, in the renewal window, in grace, expired, awaiting verification and renewed with
history; and for some, the credentials of a next role on their career pathways (planned by
`careers.career_plan` from a random source of its own, so everything else stays the same).

Everything happens in one time line, in time order, so the decision chain reads forward in time.
The named people (the demo logins and the field-training people) go through the credential
services with past `now=` times: recorded by the holder, verified by HR, one suspended, one
revoked, one extended, earned credentials issued when their requirement was met. Generated staff
are written in bulk with the decisions those services would have written (recorded, then
verified), their hashes chained exactly as `decision_append` chains them.

This stage runs after the field training, so the field history was signed under the FTO role
(no qualifying credential type existed yet); every FTO's qualifying course is dated before that
history began. Loading again changes nothing: people who hold credentials are skipped.
"""

import datetime
import hashlib
import random
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef

from certificates.expiry import Rule, Status, add_months, next_expiry, status_on
from certificates.models import (
    CESource,
    ContinuingEducation,
    Credential,
    CredentialDecision,
    CredentialKind,
    CredentialRequirement,
    CredentialState,
    CredentialType,
    DecisionChainHead,
    DecisionKind,
    JobRole,
    RequirementKind,
    RoleCredential,
    Verification,
)
from certificates.services import ce, earning, external, lifecycle
from certificates.services.decisions import STATEMENTS, _envelope, credential_payload
from courses.models import (
    Assignment,
    FieldTraining,
    ModuleProgress,
    ProgressStatus,
    TaskBookPage,
    TrainingProgramPage,
)
from courses.services.signoff import GENESIS_HASH, canonical, record_hash, sha256
from lms.accounts.models import Organisation, StaffProfile, User
from lms.storage import PrivateStorage
from lms.uploads import evidence_from_upload

from .careers import Network, career_plan, career_rng, next_role_credentials
from .careers import network as career_network
from .curriculum import CBO_LEARNER, FTO, LEARNER, SUPERVISOR
from .field import FIELD_PEOPLE
from .people import DEMO_RANDOM_SEED

CREDENTIALS_RANDOM_SEED = DEMO_RANDOM_SEED + 29
BULK_BATCH = 1000
FTO_CREDENTIAL = "fto40"
# The type the demo learner does not hold yet, so that the browser test can record it.
LEARNER_RECORDS = "aha_bls"
# For roles that require nothing: the city's incident-command basics.
CITY_BASICS = ("fema_is100", "fema_is700")
LICENSE_CATEGORIES = {"clinical_license"}
FIELD_OBSERVATIONS_PER_CYCLE = 10
# The catalog gives no validity for these; the city sets one (see `type_fields`).
CITY_VALIDITY = {"cit40": 24, "fto40": 36, "ems_fto": 36}
NALOXONE = "naloxone"
HR = "hr@relay.test"
ADMIN = "admin@relay.test"
AUTHOR = "author@relay.test"


# --- types ------------------------------------------------------------------------------------


def type_slug(catalog_id: str) -> str:
    return catalog_id.replace("_", "-")


def type_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """A catalog credential as credential-type settings.

    Validity: the catalog's, else the CE cycle (a credential renewed by CE hours lapses when the
    cycle ends), else the city's choice in `CITY_VALIDITY` (a CIT refresher every 24 months, as
    the catalog notes; the FTO courses every 36 months with field observations); else none.
    Window: 90 days, 60 for a validity of a year or less. Grace: 30 days, none for a licence.
    Rule: from the previous expiry for CE-cycle credentials, a fixed 30 June for the city-wide
    naloxone refresher (at least 3 months active), else from completion.
    """
    catalog_id = row["id"]
    ce_hours = row.get("ce_hours_per_cycle")
    validity = row.get("validity_months") or (row.get("ce_cycle_months") if ce_hours else None)
    validity = validity or CITY_VALIDITY.get(catalog_id)
    fields: dict[str, Any] = {
        "name": row["name"],
        "issuer": row["issuer"],
        "description": _description(row),
        "kind": CredentialKind.EXTERNAL,
        "validity_months": validity,
        "window_days": 60 if validity and validity <= 12 else 90,
        "grace_days": 0 if row.get("category") in LICENSE_CATEGORIES else 30,
        "expiry_rule": Rule.FROM_PREVIOUS_EXPIRY if ce_hours else Rule.FROM_COMPLETION,
        "renewal_ce_hours": Decimal(str(ce_hours or 0)),
        "renewal_field_observations": (
            FIELD_OBSERVATIONS_PER_CYCLE if catalog_id in ("fto40", "ems_fto") else 0
        ),
        "qualifies_fto": catalog_id == FTO_CREDENTIAL,
    }
    if catalog_id == NALOXONE:
        fields |= {
            "expiry_rule": Rule.FIXED_DATE,
            "fixed_month": 6,
            "fixed_day": 30,
            "minimum_active_months": 3,
            "description": fields["description"]
            + " Alder Bay runs one city-wide annual refresher: every naloxone credential "
            "expires on 30 June, at least three months after it was earned.",
        }
    return fields


def _description(row: Mapping[str, Any]) -> str:
    parts = [
        row.get("initial_hours_note") and f"Initial training: {row['initial_hours_note']}.",
        row.get("renewal_method") not in (None, "none", "unknown")
        and f"Renewal: {row['renewal_method']}.",
        row.get("ce_notes") and f"{row['ce_notes']}.".replace("..", "."),
    ]
    return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class EarnedType:
    slug: str
    name: str
    description: str
    validity_months: int | None
    requirements: tuple[tuple[str, str], ...]  # (kind, page slug)
    renewal_ce_hours: int = 0
    refresher: str | None = None  # a program slug
    window_days: int = 90
    roles: tuple[str, ...] = ()


ISSUER = "City of Alder Bay, Office of Community Safety"
EARNED_TYPES = (
    EarnedType(
        "community-responder-field-qualification",
        "Community responder field qualification",
        "Earned when the community responder task book is released: every task signed off, "
        "every phase approved and the trainee released to solo duty.",
        24,
        ((RequirementKind.TASK_BOOK, "community-responder-task-book"),),
        renewal_ce_hours=8,
    ),
    EarnedType(
        "violence-intervention-outreach-certificate",
        "Violence-intervention outreach certificate",
        "Earned by completing the violence-intervention outreach onboarding program.",
        24,
        ((RequirementKind.PROGRAM, "violence-intervention-outreach"),),
        renewal_ce_hours=6,
    ),
    EarnedType(
        "transit-ambassador-certificate",
        "Transit ambassador certificate",
        "Earned by completing the transit ambassador 40+40 program; renewed each year by "
        "completing it again in the renewal window.",
        12,
        ((RequirementKind.PROGRAM, "transit-ambassador-program"),),
        refresher="transit-ambassador-program",
        window_days=60,
    ),
)


def seed_credential_types(
    catalog: Mapping[str, Any], *, job_roles: Mapping[str, JobRole]
) -> tuple[dict[str, CredentialType], int]:
    """The catalog's credential types (by catalog id) and the earned ones (by slug), with the
    job roles that require each (the catalog roles' `required_credentials`). Get-or-create by
    slug; returns the types and how many were created."""
    required: dict[str, list[JobRole]] = {}
    for role in catalog["roles"]:
        for catalog_id in role.get("required_credentials") or ():
            if role["id"] in job_roles:
                required.setdefault(catalog_id, []).append(job_roles[role["id"]])
    types: dict[str, CredentialType] = {}
    created = 0
    for row in catalog["credentials"]:
        credential_type, was_created = CredentialType.objects.get_or_create(
            slug=type_slug(row["id"]), defaults=type_fields(row)
        )
        if was_created:
            RoleCredential.objects.bulk_create(
                RoleCredential(role=role, credential_type=credential_type)
                for role in required.get(row["id"], [])
            )
        types[row["id"]] = credential_type
        created += was_created
    pages = {
        page.slug: page
        for page in [
            *TaskBookPage.objects.filter(slug__in=_earned_slugs(RequirementKind.TASK_BOOK)),
            *TrainingProgramPage.objects.filter(slug__in=_earned_slugs(RequirementKind.PROGRAM)),
        ]
    }
    for spec in EARNED_TYPES:
        if any(slug not in pages for _, slug in spec.requirements):
            continue  # the curriculum or the field training is not loaded
        credential_type, was_created = CredentialType.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "issuer": ISSUER,
                "description": spec.description,
                "kind": CredentialKind.EARNED,
                "validity_months": spec.validity_months,
                "window_days": spec.window_days,
                "grace_days": 30,
                "renewal_ce_hours": spec.renewal_ce_hours,
                "refresher_program": pages.get(spec.refresher) if spec.refresher else None,
            },
        )
        if was_created:
            for kind, slug in spec.requirements:
                target = "task_book" if kind == RequirementKind.TASK_BOOK else "program"
                CredentialRequirement.objects.create(
                    credential_type=credential_type, kind=kind, **{target: pages[slug]}
                )
        types[spec.slug] = credential_type
        created += was_created
    return types, created


def _earned_slugs(kind: str) -> list[str]:
    return [slug for spec in EARNED_TYPES for k, slug in spec.requirements if k == kind] + [
        spec.refresher for spec in EARNED_TYPES if spec.refresher and kind == "program"
    ]


# --- planning one person's credentials ------------------------------------------------------------

ACTIVE, RENEWED, WINDOW, GRACE, EXPIRED = "active", "renewed", "window", "grace", "expired"
PENDING, PENDING_RENEWAL = "pending", "pending_renewal"
OUTCOMES = (ACTIVE, RENEWED, WINDOW, GRACE, EXPIRED, PENDING, PENDING_RENEWAL)
# The mix for a credential that expires, and for an FTO's qualifying course.
MIX = (0.6, 0.14, 0.09, 0.03, 0.06, 0.04, 0.04)
FTO_MIX = (0.78, 0.12, 0.07, 0.01, 0.01, 0.0, 0.01)
NEVER_EXPIRES_PENDING = 0.06
RECENT_HIRE_DAYS = 21
EXTRA_RECOMMENDED = 0.3


@dataclass
class Instance:
    """One planned credential instance: dates, and when it was recorded and verified."""

    type_id: str
    issued_on: datetime.date
    expires_on: datetime.date | None
    recorded_at: datetime.datetime | None = None
    verified_at: datetime.datetime | None = None  # None: awaiting verification
    renews: "Instance | None" = None  # the previous instance this one renews once verified
    renewed_on: datetime.date | None = None
    number: str = ""
    credential: Credential | None = field(default=None, repr=False)


def _bucket(day: datetime.date, expires_on: datetime.date | None, t: CredentialType) -> str:
    if expires_on is None:
        return ACTIVE
    status = status_on(
        day,
        issued_on=min(day, expires_on),
        expires_on=expires_on,
        window_days=t.window_days,
        grace_days=t.grace_days,
    )
    return {Status.WINDOW: WINDOW, Status.GRACE: GRACE, Status.EXPIRED: EXPIRED}.get(status, ACTIVE)


def _expiry(t: CredentialType, issued_on: datetime.date, previous: datetime.date | None = None):
    return next_expiry(
        rule=t.expiry_rule,
        completed_on=issued_on,
        validity_months=t.validity_months,
        previous_expiry=previous,
        grace_days=t.grace_days,
        fixed_month=t.fixed_month,
        fixed_day=t.fixed_day,
        minimum_active_months=t.minimum_active_months,
    )


def _sample(t, rng, today, want, *, earliest, latest, tries=40):
    """An issue date between `earliest` and `latest` whose expiry lands in bucket `want` today
    (the last try if none does)."""
    span = max(0, (latest - earliest).days)
    for _ in range(tries):
        issued = earliest + datetime.timedelta(days=rng.randint(0, span))
        expires = _expiry(t, issued)
        if _bucket(today, expires, t) == want:
            return issued, expires
    return issued, expires


def plan_instances(
    t: CredentialType,
    type_id: str,
    outcome: str,
    *,
    rng: random.Random,
    today: datetime.date,
) -> list[Instance]:
    """The instances of one credential held with `outcome` on `today`, oldest first."""
    validity = t.validity_months
    if validity is None:
        issued = today - datetime.timedelta(days=rng.randint(20, 1500))
        if outcome in (PENDING, PENDING_RENEWAL):
            issued = today - datetime.timedelta(days=rng.randint(3, 40))
        return [Instance(type_id, issued, None)]
    cycle_days = validity * 31
    if outcome == PENDING:
        issued = today - datetime.timedelta(days=rng.randint(3, 40))
        return [Instance(type_id, issued, _expiry(t, issued))]
    if outcome in (RENEWED, PENDING_RENEWAL):
        back = add_months(today, -validity)
        if outcome == RENEWED:
            prev_issued, prev_expires = _sample(
                t,
                rng,
                today,
                EXPIRED,
                earliest=add_months(back, -validity) + datetime.timedelta(days=t.window_days),
                latest=back - datetime.timedelta(days=5),
            )
            opens = prev_expires - datetime.timedelta(days=t.window_days)
            issued = opens + datetime.timedelta(days=rng.randint(0, t.window_days))
            issued = min(issued, today - datetime.timedelta(days=5))
        else:
            prev_issued, prev_expires = _sample(
                t,
                rng,
                today,
                rng.choice((WINDOW, WINDOW, GRACE)),
                earliest=back - datetime.timedelta(days=t.grace_days + 10),
                latest=back + datetime.timedelta(days=t.window_days),
            )
            issued = today - datetime.timedelta(days=rng.randint(2, 20))
        issued = max(issued, prev_issued + datetime.timedelta(days=1))
        previous = Instance(type_id, prev_issued, prev_expires)
        current = Instance(type_id, issued, _expiry(t, issued, prev_expires), renews=previous)
        return [previous, current]
    latest = today - datetime.timedelta(days=3)
    earliest = today - datetime.timedelta(days=cycle_days + t.grace_days + 400)
    issued, expires = _sample(t, rng, today, outcome, earliest=earliest, latest=latest)
    return [Instance(type_id, issued, expires)]


def _moment(day: datetime.date, zone, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(8, 16), rng.choice((0, 10, 20, 30, 40, 50))), tzinfo=zone
    )


def time_records(
    instances: Sequence[Instance],
    *,
    hire_date: datetime.date,
    today: datetime.date,
    zone,
    rng: random.Random,
    pending: bool,
) -> None:
    """When each instance was recorded and verified: after its issue and the holder's hire, one
    after the other, all before `today`. With `pending`, the last one awaits verification (so
    does any whose verification would fall on or after `today`)."""
    floor = hire_date + datetime.timedelta(days=1)
    for n, instance in enumerate(instances):
        last = n == len(instances) - 1
        day = max(instance.issued_on + datetime.timedelta(days=rng.randint(0, 12)), floor)
        if last and pending:
            day = max(day, today - datetime.timedelta(days=rng.randint(1, 12)))
        day = min(day, today - datetime.timedelta(days=1))
        instance.recorded_at = _moment(day, zone, rng)
        verified = day + datetime.timedelta(days=rng.randint(1, 6))
        if (last and pending) or verified >= today:
            instance.verified_at = None
        else:
            instance.verified_at = _moment(verified, zone, rng)
            floor = verified + datetime.timedelta(days=1)
        instance.number = f"{rng.randint(10, 99)}-{rng.randint(100000, 999999)}"
    for instance in instances:
        if instance.renews is not None and instance.verified_at is not None:
            instance.renews.renewed_on = instance.issued_on


def holdings_for(
    job_role: str | None,
    *,
    fto: bool,
    roles: Mapping[str, Mapping[str, Any]],
    rng: random.Random,
) -> list[str]:
    """Catalog ids of what a person holds: what their role requires (or one or two it
    recommends, or the city basics), sometimes a recommended one more, and an FTO's course."""
    row = roles.get(job_role or "", {})
    required = list(row.get("required_credentials") or ())
    recommended = [c for c in row.get("recommended_credentials") or () if c not in required]
    held = required or recommended[: rng.randint(1, 2)] or list(CITY_BASICS[: rng.randint(1, 2)])
    extra = [c for c in recommended if c not in held]
    if extra and rng.random() < EXTRA_RECOMMENDED:
        held.append(rng.choice(extra))
    if fto and FTO_CREDENTIAL not in held:
        held.append(FTO_CREDENTIAL)
    return held


class EvidenceWriter:
    """Writes demo evidence straight into private storage under names that are unique already
    (a random UUID each, as `evidence_path` names uploads): tens of thousands of tiny files
    without the storage API's checks."""

    def __init__(self) -> None:
        self.root = Path(PrivateStorage().location)
        self.folders: set[Path] = set()

    def write(self, name: str, data: bytes) -> str:
        path = self.root / name
        if path.parent not in self.folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(path.parent)
        with path.open("xb") as handle:
            handle.write(data)
        return name


def evidence_pdf(name: str, title: str, number: str) -> bytes:
    """A tiny, well-formed PDF naming the holder (demo evidence)."""
    text = f"{title} - {name} - {number}".encode("ascii", "replace")
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n% " + text + b"\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


# --- the time line ------------------------------------------------------------------------------


@dataclass(order=True)
class Event:
    at: datetime.datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class Timeline:
    """Service calls and bulk decisions in one time order. Bulk decisions wait in `pending`
    until the next service call (or the end), then go into the chain in one insert."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.pending: list[dict[str, Any]] = []
        self.decisions = 0

    def add(self, at: datetime.datetime, run: Callable[[], None]) -> None:
        self.events.append(Event(at, len(self.events), run))

    def decide(self, at: datetime.datetime, row: dict[str, Any]) -> None:
        """A decision written in bulk, chained in its place in time."""
        self.add(at, _bulk(lambda: self.pending.append(row)))

    def run(self) -> None:
        for event in sorted(self.events):
            is_bulk = getattr(event.run, "bulk", False)
            if not is_bulk and self.pending:
                self.flush()
            event.run()
        self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        head = DecisionChainHead.objects.select_for_update().order_by("pk").first()
        if head is None:
            head = DecisionChainHead.objects.create(last_sequence=0, last_hash=GENESIS_HASH)
        sequence, previous = head.last_sequence, head.last_hash
        rows = []
        for row in self.pending:
            sequence += 1
            row["sequence"] = sequence
            content_hash = sha256(canonical(_envelope(row)))
            link = record_hash(previous, content_hash)
            rows.append(
                CredentialDecision(
                    **row, content_hash=content_hash, previous_hash=previous, record_hash=link
                )
            )
            previous = link
        CredentialDecision.objects.bulk_create(rows, batch_size=BULK_BATCH)
        head.last_sequence, head.last_hash = sequence, previous
        head.save(update_fields=["last_sequence", "last_hash"])
        self.decisions += len(rows)
        self.pending = []


def _bulk(run: Callable[[], None]) -> Callable[[], None]:
    run.bulk = True  # type: ignore[attr-defined]
    return run


# --- generated staff, in bulk ---------------------------------------------------------------------


@dataclass
class Holder:
    user: User
    profile: StaffProfile
    organisation: Organisation
    role_id: str | None  # catalog role id
    fto: bool


def _person_rng(email: str) -> random.Random:
    digest = hashlib.sha256(f"{CREDENTIALS_RANDOM_SEED}:{email}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - reproducible demo  # nosec B311


def _decision_row(
    instance: Instance,
    kind: str,
    *,
    actor_id: int | None,
    actor_name: str,
    actor_role: str,
    at: datetime.datetime,
    zone_name: str,
    payload: dict[str, Any],
    rng: random.Random,
) -> dict[str, Any]:
    """A decision as `decision_append` would have written it (without its chain fields). A
    recording was decided on the credential as it was then: pending, renewing nothing yet."""
    credential = instance.credential
    if kind == DecisionKind.RECORDED:
        payload = payload | {"verification": Verification.PENDING.value, "previous_id": None}
    version, statement = STATEMENTS[kind]
    return {
        "credential_id": credential.pk,
        "kind": str(kind),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "actor_role": actor_role,
        "decided_at": at,
        "time_zone": zone_name,
        "statement_version": version,
        "statement": statement,
        "reason": "",
        "request_key": uuid.UUID(int=rng.getrandbits(128), version=4),
        "payload": payload,
    }


def seed_bulk_holders(
    holders: Sequence[Holder],
    *,
    types: Mapping[str, CredentialType],
    roles: Mapping[str, Mapping[str, Any]],
    verifiers: Mapping[bool, User],
    today: datetime.date,
    timeline: Timeline,
    network: Network | None = None,
) -> None:
    """Credentials, evidence and CE entries of `holders` written in bulk; their decisions go
    into the time line. `verifiers[shares]` is who verified (HR for organisations that share
    their people with the city, the administrator otherwise). With the career `network`, some
    also hold the credentials of a next role (see `careers.career_plan`)."""
    storage = EvidenceWriter()
    recent = today - datetime.timedelta(days=RECENT_HIRE_DAYS)
    plans: list[tuple[Holder, Instance, random.Random]] = []
    ce_entries: list[ContinuingEducation] = []

    def hold(holder: Holder, type_id: str, outcome: str, rng: random.Random) -> None:
        t = types[type_id]
        instances = plan_instances(t, type_id, outcome, rng=rng, today=today)
        time_records(
            instances,
            hire_date=holder.profile.hire_date,
            today=today,
            zone=holder.organisation.zone,
            rng=rng,
            pending=outcome in (PENDING, PENDING_RENEWAL),
        )
        plans.extend((holder, instance, rng) for instance in instances)
        if t.renewal_ce_hours:
            ce_entries.extend(
                _ce_entries(holder, t, instances[-1], rng=rng, today=today, storage=storage)
            )

    for holder in holders:
        rng = _person_rng(holder.user.email)
        held = holdings_for(holder.role_id, fto=holder.fto, roles=roles, rng=rng)
        for type_id in held:
            t = types[type_id]
            if t.validity_months is None:
                outcome = PENDING if rng.random() < NEVER_EXPIRES_PENDING else ACTIVE
            else:
                mix = FTO_MIX if type_id == FTO_CREDENTIAL else MIX
                outcome = rng.choices(OUTCOMES, mix)[0]
            if outcome in (RENEWED, PENDING_RENEWAL) and holder.profile.hire_date > recent:
                outcome = ACTIVE  # too new to have recorded two instances one after the other
            hold(holder, type_id, outcome, rng)
        if network is not None:
            # The credentials of a next role (`careers.py`), from a random source of their own
            # so that everything above stays as it was.
            plan = career_plan(
                holder.user.email,
                holder.role_id,
                status=holder.profile.status,
                hire_date=holder.profile.hire_date,
                today=today,
                network=network,
            )
            extra_rng = career_rng(holder.user.email)
            for type_id, outcome in next_role_credentials(
                plan, held=held, network=network, rng=extra_rng
            ):
                if outcome == EXPIRED and types[type_id].validity_months is None:
                    outcome = PENDING  # a credential that never expires: awaiting verification
                hold(holder, type_id, outcome, extra_rng)
    by_level = [
        [p for p in plans if p[1].renews is None],
        [p for p in plans if p[1].renews is not None],
    ]
    for level in by_level:
        rows = [_credential(h, i, types[i.type_id], rng, storage) for h, i, rng in level]
        Credential.objects.bulk_create(rows, batch_size=BULK_BATCH)
        for (_, instance, _), row in zip(level, rows, strict=True):
            instance.credential = row
    ContinuingEducation.objects.bulk_create(ce_entries, batch_size=BULK_BATCH)
    for holder, instance, rng in plans:
        shares = holder.organisation.shares_people_with_city
        verifier = verifiers[shares]
        zone_name = holder.organisation.time_zone
        name = holder.user.get_full_name() or holder.user.email
        payload = credential_payload(instance.credential)
        timeline.decide(
            instance.recorded_at,
            _decision_row(
                instance,
                DecisionKind.RECORDED,
                actor_id=holder.user.pk,
                actor_name=name,
                actor_role=earning.HOLDER_CAPACITY,
                at=instance.recorded_at,
                zone_name=zone_name,
                payload=payload,
                rng=rng,
            ),
        )
        if instance.verified_at is not None:
            timeline.decide(
                instance.verified_at,
                _decision_row(
                    instance,
                    DecisionKind.VERIFIED,
                    actor_id=verifier.pk,
                    actor_name=verifier.get_full_name() or verifier.email,
                    actor_role=earning.HR_CAPACITY,
                    at=instance.verified_at,
                    zone_name=zone_name,
                    payload=payload,
                    rng=rng,
                ),
            )


def _credential(
    holder: Holder, instance: Instance, t: CredentialType, rng: random.Random, storage
) -> Credential:
    name = holder.user.get_full_name() or holder.user.email
    data = evidence_pdf(name, t.name, instance.number)
    path = storage.write(f"evidence/{holder.user.pk}/{uuid.uuid4().hex}.pdf", data)
    return Credential(
        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        holder=holder.user,
        organisation=holder.organisation,
        credential_type=t,
        kind=t.kind,
        title=t.name,
        issuer=t.issuer,
        validity_months=t.validity_months,
        window_days=t.window_days,
        grace_days=t.grace_days,
        expiry_rule=t.expiry_rule,
        earned_against={},
        issued_on=instance.issued_on,
        expires_on=instance.expires_on,
        original_expires_on=instance.expires_on,
        certificate_number=instance.number,
        evidence=path,
        evidence_name=f"{t.slug}-certificate.pdf",
        evidence_type="application/pdf",
        evidence_size=len(data),
        evidence_sha256=hashlib.sha256(data).hexdigest(),
        verification=(
            Verification.VERIFIED if instance.verified_at is not None else Verification.PENDING
        ),
        state=CredentialState.ACTIVE,
        previous=(
            instance.renews.credential
            if instance.renews is not None and instance.verified_at is not None
            else None
        ),
        renewed_on=instance.renewed_on,
        recorded_by=holder.user,
        created_at=instance.recorded_at,
    )


CE_EVENTS = (
    ("Ethics in peer and community work", "State certification board", "3"),
    ("Motivational interviewing refresher", "Alder Bay Community College", "6"),
    ("Trauma-informed care webinar series", "National Council for Mental Wellbeing", "4"),
    ("Regional crisis response conference", "Bay Area Crisis Network", "8"),
    ("Suicide risk screening update", "LivingWorks", "2"),
    ("Cultural humility in outreach", "Alder Bay Public Health", "3"),
)


def _ce_entries(holder, t, current: Instance, *, rng, today, storage):
    """One to three external CE events in the current cycle, with evidence."""
    entries = []
    start = current.issued_on
    span = (today - start).days - 1
    if span < 1:
        return entries
    for _ in range(rng.randint(1, 3)):
        title, provider, hours = rng.choice(CE_EVENTS)
        completed_on = start + datetime.timedelta(days=rng.randint(1, span))
        data = evidence_pdf(holder.user.get_full_name(), title, provider)
        path = storage.write(f"ce-evidence/{holder.user.pk}/{uuid.uuid4().hex}.pdf", data)
        entries.append(
            ContinuingEducation(
                holder=holder.user,
                source=CESource.EXTERNAL,
                title=title,
                provider=provider,
                hours=Decimal(hours),
                completed_on=completed_on,
                evidence=path,
                evidence_name="ce-certificate.pdf",
                evidence_type="application/pdf",
                evidence_sha256=hashlib.sha256(data).hexdigest(),
                created_at=_moment(
                    min(
                        completed_on + datetime.timedelta(days=2),
                        today - datetime.timedelta(days=1),
                    ),
                    holder.organisation.zone,
                    rng,
                ),
            )
        )
    return entries


# --- the named people, through the services -------------------------------------------------------

SUSPEND, REVOKE, EXTEND = "suspend", "revoke", "extend"
_FIELD = {person.key: person.email for person in FIELD_PEOPLE}
# What each named person holds: (catalog id, outcome[, a decision HR took on it]).
NAMED_PLANS: dict[str, tuple[tuple[str, ...], ...]] = {
    FTO: (
        (FTO_CREDENTIAL, ACTIVE),
        ("mhfa_adult", RENEWED),
        (LEARNER_RECORDS, PENDING_RENEWAL),
        (NALOXONE, ACTIVE),
    ),
    # Active, in the window and expired; no CPR/BLS yet (the browser test records one).
    LEARNER: ((NALOXONE, ACTIVE), ("mhfa_adult", WINDOW), ("cpi_nci", EXPIRED)),
    SUPERVISOR: (("fema_is700", ACTIVE), ("fema_is100", ACTIVE), (LEARNER_RECORDS, WINDOW)),
    HR: (("fema_is100", ACTIVE), (LEARNER_RECORDS, RENEWED)),
    AUTHOR: (("fema_is100", ACTIVE),),
    ADMIN: (("fema_is700", ACTIVE), ("fema_is100", PENDING)),
    CBO_LEARNER: (("pciti_build", ACTIVE), ("havi_vpp", PENDING), (NALOXONE, GRACE)),
    _FIELD["fto_cr"]: (
        (FTO_CREDENTIAL, ACTIVE),
        ("mhfa_adult", ACTIVE),
        (LEARNER_RECORDS, RENEWED),
        (NALOXONE, ACTIVE),
    ),
    _FIELD["fto_cvi"]: (
        (FTO_CREDENTIAL, ACTIVE),
        ("pciti_build", ACTIVE),
        ("havi_vpp", RENEWED),
        (NALOXONE, ACTIVE),
    ),
    _FIELD["pending"]: (("mhfa_adult", ACTIVE), (LEARNER_RECORDS, PENDING), (NALOXONE, ACTIVE)),
    _FIELD["low"]: (
        ("mhfa_adult", ACTIVE),
        (LEARNER_RECORDS, ACTIVE, SUSPEND),
        (NALOXONE, ACTIVE),
    ),
    _FIELD["behind"]: (
        ("mhfa_adult", ACTIVE, REVOKE),
        (LEARNER_RECORDS, ACTIVE),
        (NALOXONE, ACTIVE),
    ),
    _FIELD["recommended"]: (("pciti_build", ACTIVE), ("mhfa_adult", WINDOW), (NALOXONE, ACTIVE)),
    _FIELD["extended"]: (
        ("mhfa_adult", ACTIVE),
        (LEARNER_RECORDS, WINDOW, EXTEND),
        (NALOXONE, ACTIVE),
    ),
    _FIELD["released"]: (("mhfa_adult", ACTIVE), (LEARNER_RECORDS, ACTIVE), (NALOXONE, ACTIVE)),
    _FIELD["shadow"]: (("pciti_build", PENDING), (NALOXONE, ACTIVE)),
}
# HR's decisions: days before `today`, and the reason kept with the decision.
DECISIONS = {
    SUSPEND: (
        6,
        "The training center reported this card number as not issued; suspended until the "
        "center confirms the class roster.",
    ),
    REVOKE: (
        9,
        "MHFA USA confirmed the certificate number belongs to another person. Revoked; the "
        "holder is booked on the next city class.",
    ),
    EXTEND: (
        2,
        "The renewal class of 14 November was cancelled by the training center; extended to "
        "the next available class. Approved by the program manager.",
    ),
}
NAMED_CE = {
    CBO_LEARNER: (("Violence intervention practice standards", "HAVI", "3"),),
    _FIELD["fto_cvi"]: (
        ("Hospital-based violence intervention update", "HAVI", "4"),
        ("Ethics for violence prevention professionals", "HAVI", "2"),
    ),
    _FIELD["released"]: (("Regional crisis response conference", "Bay Area Crisis Network", "8"),),
}


def _upload(holder: User, title: str, number: str) -> Any:
    data = evidence_pdf(holder.get_full_name(), title, number)
    return evidence_from_upload(SimpleUploadedFile("certificate.pdf", data))


def schedule_named(
    holder: Holder,
    plan: Sequence[tuple[str, ...]],
    *,
    types: Mapping[str, CredentialType],
    verifier: User,
    hr: User,
    today: datetime.date,
    timeline: Timeline,
) -> None:
    """A named person's credentials as service calls in the time line: recorded by the holder,
    verified by `verifier`, and HR's suspension, revocation or extension."""
    user, zone = holder.user, holder.organisation.zone
    rng = _person_rng(user.email)
    for item in plan:
        type_id, outcome = item[0], item[1]
        action = item[2] if len(item) > 2 else None
        t = types[type_id]
        instances = plan_instances(t, type_id, outcome, rng=rng, today=today)
        if type_id == FTO_CREDENTIAL:
            # Dated before the field history: qualified before signing anything.
            issued = holder.profile.hire_date + datetime.timedelta(days=rng.randint(20, 60))
            instances = [Instance(type_id, issued, _expiry(t, issued))]
        time_records(
            instances,
            hire_date=holder.profile.hire_date,
            today=today,
            zone=zone,
            rng=rng,
            pending=outcome in (PENDING, PENDING_RENEWAL),
        )
        for instance in instances:
            _schedule_instance(instance, t, user=user, verifier=verifier, rng=rng, tl=timeline)
        if action is not None:
            days, reason = DECISIONS[action]
            at = _moment(today - datetime.timedelta(days=days), zone, rng)
            timeline.add(at, _decision(action, instances[-1], reason, hr, at, rng))
    for title, provider, hours in NAMED_CE.get(user.email, ()):
        completed_on = today - datetime.timedelta(days=rng.randint(20, 200))
        at = _moment(completed_on + datetime.timedelta(days=2), zone, rng)

        def record(title=title, provider=provider, hours=hours, on=completed_on, at=at):
            ce.ce_record_external(
                holder=user,
                title=title,
                provider=provider,
                hours=Decimal(hours),
                completed_on=on,
                evidence=_upload(user, title, provider),
                now=at,
            )

        timeline.add(at, record)


def _schedule_instance(instance, t, *, user, verifier, rng, tl: Timeline) -> None:
    record_key = uuid.UUID(int=rng.getrandbits(128), version=4)
    verify_key = uuid.UUID(int=rng.getrandbits(128), version=4)

    def record():
        instance.credential = external.external_record(
            actor=user,
            holder=user,
            credential_type=t,
            issued_on=instance.issued_on,
            expires_on=instance.expires_on,
            certificate_number=instance.number,
            evidence=_upload(user, t.name, instance.number),
            request_key=record_key,
            now=instance.recorded_at,
        )

    def verify():
        external.external_verify(
            actor=verifier,
            credential=instance.credential,
            verified=True,
            request_key=verify_key,
            now=instance.verified_at,
        )

    tl.add(instance.recorded_at, record)
    if instance.verified_at is not None:
        tl.add(instance.verified_at, verify)


def _decision(action, instance, reason, hr, at, rng):
    key = uuid.UUID(int=rng.getrandbits(128), version=4)

    def run():
        credential = Credential.objects.get(pk=instance.credential.pk)
        actor = hr
        if action == SUSPEND:
            lifecycle.credential_suspend(
                actor=actor, credential=credential, reason=reason, request_key=key, now=at
            )
        elif action == REVOKE:
            lifecycle.credential_revoke(
                actor=actor, credential=credential, reason=reason, request_key=key, now=at
            )
        else:
            lifecycle.credential_extend(
                actor=actor,
                credential=credential,
                expires_on=credential.expires_on + datetime.timedelta(days=45),
                reason=reason,
                request_key=key,
                now=at,
            )

    return run


def schedule_earned(
    types: Mapping[str, CredentialType], *, timeline: Timeline, holders: set[int]
) -> None:
    """Earned credentials issued when their requirement was met: a released task book, a
    completed program (through `credential_earn`, at that moment)."""
    for spec in EARNED_TYPES:
        t = types.get(spec.slug)
        if t is None:
            continue
        requirement = t.requirements.first()
        if requirement.kind == RequirementKind.TASK_BOOK:
            met = FieldTraining.objects.filter(
                task_book_id=requirement.task_book_id, status="released"
            ).values_list("trainee_id", "released_at")
        else:
            met = Assignment.objects.filter(
                program_id=requirement.program_id, completed_at__isnull=False
            ).values_list("user_id", "completed_at")
        done = set(Credential.objects.filter(credential_type=t).values_list("holder_id", flat=True))
        for user_id, at in met:
            if user_id in done or user_id not in holders:
                continue
            done.add(user_id)
            at = at + datetime.timedelta(minutes=10)

            def earn(user_id=user_id, t=t, at=at):
                earning.credential_earn(
                    user=User.objects.get(pk=user_id), credential_type=t, now=at
                )

            timeline.add(at, earn)


def ce_from_completed_modules() -> int:
    """CE entries for completed modules with CE hours that have none yet (the curriculum's
    completions normally wrote them already, through the `module_completed` receiver)."""
    entry = ContinuingEducation.objects.filter(
        holder_id=OuterRef("user_id"), module_id=OuterRef("module_id")
    )
    missing = (
        ModuleProgress.objects.filter(status=ProgressStatus.COMPLETED, module__ce_hours__gt=0)
        .filter(~Exists(entry))
        .select_related("module")
    )
    count = 0
    for progress in missing:
        if ce.ce_from_module(progress=progress, now=progress.completed_at):
            count += 1
    return count


# --- the whole stage ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CredentialSummary:
    types: int
    earned_types: int
    types_created: int
    holders: int
    by_status: dict[str, int]
    pending: int
    decisions: int
    ce_entries: int

    def lines(self) -> list[str]:
        statuses = ", ".join(f"{status} {n}" for status, n in sorted(self.by_status.items()))
        return [
            f"Credentials: {self.types} types ({self.earned_types} earned in Relay), "
            f"{sum(self.by_status.values())} held by {self.holders} people ({statuses}), "
            f"{self.pending} awaiting verification, {self.decisions} signed decisions, "
            f"{self.ce_entries} CE entries."
        ]


def _holders(job_roles: Mapping[str, JobRole]) -> list[Holder]:
    """Every staff member who holds no credential yet."""
    role_ids = {job_role.pk: key for key, job_role in job_roles.items()}
    ftos = set(
        User.objects.filter(groups__permissions__codename="sign_off_trainees").values_list(
            "pk", flat=True
        )
    )
    profiles = (
        StaffProfile.objects.select_related("user", "organisation")
        .filter(~Exists(Credential.objects.filter(holder_id=OuterRef("user_id"))))
        .order_by("pk")
    )
    return [
        Holder(
            user=profile.user,
            profile=profile,
            organisation=profile.organisation,
            role_id=role_ids.get(profile.job_role_id),
            fto=profile.user_id in ftos,
        )
        for profile in profiles
    ]


def seed_credentials(
    catalog: Mapping[str, Any],
    *,
    job_roles: Mapping[str, JobRole],
    today: datetime.date,
    stdout: TextIO | None = None,
) -> CredentialSummary:
    """The credential types, then what every staff member without credentials holds (after
    the curriculum and the field training)."""
    roles = {row["id"]: row for row in catalog["roles"]}
    with transaction.atomic():
        types, types_created = seed_credential_types(catalog, job_roles=job_roles)
        holders = _holders(job_roles)
        hr = User.objects.get(email=HR)
        admin = User.objects.get(email=ADMIN)
        timeline = Timeline()
        named = [h for h in holders if h.user.email in NAMED_PLANS]
        for holder in named:
            schedule_named(
                holder,
                NAMED_PLANS[holder.user.email],
                types=types,
                verifier=admin if holder.user.pk == hr.pk else hr,
                hr=hr,
                today=today,
                timeline=timeline,
            )
        seed_bulk_holders(
            [h for h in holders if h.user.email not in NAMED_PLANS],
            types=types,
            roles=roles,
            verifiers={True: hr, False: admin},
            today=today,
            timeline=timeline,
            network=career_network(catalog),
        )
        schedule_earned(types, timeline=timeline, holders={h.user.pk for h in holders})
        timeline.run()
        ce_from_completed_modules()
    summary = credential_summary(today, types_created=types_created)
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary


def credential_summary(today: datetime.date, *, types_created: int = 0) -> CredentialSummary:
    by_status: Counter[str] = Counter()
    pending = 0
    rows = Credential.objects.values_list(
        "issued_on",
        "expires_on",
        "window_days",
        "grace_days",
        "state",
        "verification",
        "renewed_on",
    )
    for issued_on, expires_on, window, grace, state, verification, renewed_on in rows:
        if verification == Verification.PENDING:
            pending += 1
            continue
        status = status_on(
            today,
            issued_on=issued_on,
            expires_on=expires_on,
            window_days=window,
            grace_days=grace,
            suspended=state == CredentialState.SUSPENDED,
            revoked=state == CredentialState.REVOKED or verification == Verification.REJECTED,
            renewed_on=renewed_on,
        )
        by_status[str(status)] += 1
    return CredentialSummary(
        types=CredentialType.objects.count(),
        earned_types=CredentialType.objects.filter(kind=CredentialKind.EARNED).count(),
        types_created=types_created,
        holders=Credential.objects.values("holder_id").distinct().count(),
        by_status=dict(by_status),
        pending=pending,
        decisions=CredentialDecision.objects.count(),
        ce_entries=ContinuingEducation.objects.count(),
    )
