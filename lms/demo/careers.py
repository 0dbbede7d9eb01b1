"""The demo career network: what each job role takes, the pathways between roles, who moved
roles lately and who is interested in which next role.

From `catalog.json`: every role gets its city department and pay grade (below), its preferred
credentials (the catalog's `recommended_credentials`), a minimum time in a current role (the
smallest `min_experience_months` over the catalog pathways into it), whether a released field
training is required (roles reached by a progressive pathway from a role with a field training
program) and education or licence notes; every catalog pathway becomes a `Pathway`, its notes
made of the edge's notes, the credentials the move needs and the research provenance. The city
adds one role the research catalog lacks (transit security officer) and its pathway.

Required credentials stay each role's own (`seed_credential_types` writes them from the catalog
roles): the credentials a pathway lists for a move are the target role's own requirements in
every catalog edge but one (a report taker becoming a field trainer needs the Communications
Training Officer course), so they are kept in the pathway's notes rather than added to a role,
which would change who is compliant in that role today.

Who prepares for a next role is decided per person by `career_plan`, from a `random.Random`
seeded with the person's email (like the rest of the demo): a share of active staff hold all
the credentials of a next role they could otherwise move to (ready), more hold all but one or
wait only for time in role (one requirement away). `credentials.py` writes those credentials in
the same bulk pass as everyone's others; this module writes the rest. Loading again changes
nothing: roles already given a department are left as HR keeps them, and only missing
requirements, pathways, moves and interests are added.
"""

import datetime
import hashlib
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from django.db import transaction

from certificates.expiry import add_months
from certificates.models import (
    CareerInterest,
    CredentialType,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
)
from courses.models import FieldTraining, FieldTrainingStatus
from lms.accounts.models import StaffProfile, StaffStatus

from .people import DEMO_RANDOM_SEED

CAREERS_RANDOM_SEED = DEMO_RANDOM_SEED + 41
BULK_BATCH = 500

# Of active staff in a role with pathways out: who holds everything a next role asks (ready),
# and who is one requirement away from one (a credential short, or waiting for time in role).
READY_SHARE = 0.12
ONE_AWAY_SHARE = 0.24
# Of staff hired more than six months ago (not trainees): who moved into their current role
# since, 3 to 30 months ago (never before their hire).
MOVED_SHARE = 0.18
MOVED_MONTHS = (3, 30)
# Who says "I am interested" in their next role: most of those preparing, a few others.
INTERESTED_WHEN_PREPARING = 0.45
INTERESTED_OTHERWISE = 0.1
# A missing credential of someone one away is sometimes held but not in force.
NOT_IN_FORCE_SHARE = 0.35

# The roles and pathways the city adds to the research catalog, in the catalog's shape.
TRANSIT_SECURITY = "transit_security_officer"
CITY_ROLES: tuple[dict[str, Any], ...] = (
    {
        "id": TRANSIT_SECURITY,
        "title": "Transit security officer",
        # Best-fit mapping (unarmed, civilian): not checked against an O*NET listing.
        "soc_code": "33-9032.00",
        "soc_title": "Security Guards",
        "soc_verified": False,
        "required_credentials": ["aha_bls", "naloxone", "cpi_nci"],
        "recommended_credentials": ["mhfa_adult", "fema_is100"],
        "field_training_program": None,
        "notes": "Defined by the city; not in the research catalog.",
    },
)
CITY_PATHWAYS: tuple[dict[str, Any], ...] = (
    {
        "from": "transit_ambassador",
        "to": TRANSIT_SECURITY,
        "type": "progressive",
        "required_credentials": ["cpi_nci"],
        "recommended_credentials": ["mhfa_adult"],
        "min_experience_months": 12,
        "provenance": "city",
        "source_refs": [],
        "notes": "Alder Bay Transit Safety promotes ambassadors after a year on the system.",
    },
)

OCS = "Alder Bay Office of Community Safety"
COMMUNICATIONS = "Alder Bay 911 Communications"
RECORDS = "Alder Bay Police Records Unit"
TRANSIT = "Alder Bay Transit Safety"
# Not organisations of the demo (nobody is generated into them), plausible city departments:
# Harbor Light Outreach works under a Human Services contract (AB-HS-2025-0087); paramedics are
# hired by the fire department's EMS division; code enforcement sits in community development.
HUMAN_SERVICES = "Alder Bay Human Services Department"
FIRE_EMS = "Alder Bay Fire Department, EMS Division"
COMMUNITY_DEVELOPMENT = "Alder Bay Community Development Department"

# The city department that hires into each role: the department whose staff hold it in the
# catalog's organisations, or, for roles staffed by contracted organisations, the department
# holding the contract (Bay Peace and Cedar Crisis work under Office of Community Safety
# contracts, AB-OCS-...).
DEPARTMENTS: dict[str, str] = {
    "bh_clinician": OCS,
    "responder_medic": OCS,
    "community_responder": OCS,
    "peer_specialist": OCS,
    "qol_mediator": OCS,
    "violence_interrupter": OCS,
    "hvip_specialist": OCS,
    "cvi_case_manager": OCS,
    "homeless_outreach": HUMAN_SERVICES,
    "transit_ambassador": TRANSIT,
    "report_taker": RECORDS,
    "civ_traffic_investigator": RECORDS,
    "telecommunicator": COMMUNICATIONS,
    "paramedic": FIRE_EMS,
    "mh_social_worker": OCS,
    "sud_counselor": OCS,
    "certified_chw": OCS,
    "case_manager": HUMAN_SERVICES,
    "peer_supervisor": OCS,
    "program_manager": OCS,
    "crime_analyst": RECORDS,
    "records_specialist": RECORDS,
    "evidence_technician": RECORDS,
    "code_enforcement": COMMUNITY_DEVELOPMENT,
    "field_trainer": OCS,
    TRANSIT_SECURITY: TRANSIT,
}

# Alder Bay's civilian service grades, CS-05 (entry, no prior experience) to CS-12 (program
# management). Invented for the demo, but consistent: an entry role is graded below the roles
# it progresses to (a test checks every progressive pathway leads to a grade at least as high),
# licensed clinical roles sit at CS-10, supervisors and specialists at CS-09.
PAY_GRADES: dict[str, str] = {
    "report_taker": "CS-05",
    "transit_ambassador": "CS-05",
    "peer_specialist": "CS-06",
    "violence_interrupter": "CS-06",
    "homeless_outreach": "CS-06",
    "records_specialist": "CS-06",
    "community_responder": "CS-07",
    "qol_mediator": "CS-07",
    "telecommunicator": "CS-07",
    "cvi_case_manager": "CS-07",
    "case_manager": "CS-07",
    "certified_chw": "CS-07",
    TRANSIT_SECURITY: "CS-07",
    "responder_medic": "CS-08",
    "hvip_specialist": "CS-08",
    "civ_traffic_investigator": "CS-08",
    "code_enforcement": "CS-08",
    "peer_supervisor": "CS-09",
    "sud_counselor": "CS-09",
    "crime_analyst": "CS-09",
    "evidence_technician": "CS-09",
    "field_trainer": "CS-09",
    "bh_clinician": "CS-10",
    "mh_social_worker": "CS-10",
    "paramedic": "CS-10",
    "program_manager": "CS-12",
}

# Education or licence notes where the catalog's role says something about them (its `notes`
# otherwise, or the O*NET title as a pointer).
EDUCATION: dict[str, str] = {
    "bh_clinician": "State clinical licence (LCSW or LPC). Licensed staff can initiate holds "
    "(Denver).",
    "mh_social_worker": "Graduate degree in social work and a state clinical licence "
    "(LCSW); the city offers tuition support.",
    "responder_medic": "State EMT licence (National Registry EMT).",
    "paramedic": "State paramedic licence (National Registry Paramedic).",
    "peer_supervisor": "IC&RC: supervisors need two years' experience supervising peers.",
    "crime_analyst": "Bachelor's degree or 60 semester units (San José specification).",
    "sud_counselor": "State counselor credential (not researched).",
    "certified_chw": "Texas experience route: 1,000 hours of community health work.",
    "field_trainer": "Experienced in the base role; the 40-hour FTO course, or the "
    "Communications Training Officer course for report takers.",
}


# --- the network, from the catalog --------------------------------------------------------------


def career_roles(catalog: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [*catalog["roles"], *CITY_ROLES]


def career_pathways(catalog: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [*catalog["pathways"], *CITY_PATHWAYS]


@dataclass(frozen=True)
class Target:
    """What a role asks of someone moving into it (the parts `career_plan` needs)."""

    role: str
    required: tuple[str, ...]
    minimum_months: int
    requires_field_release: bool


@dataclass(frozen=True)
class Network:
    targets: dict[str, Target]
    pathways_out: dict[str, tuple[str, ...]]  # role id -> next role ids, sorted


def minimum_months(pathways: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Role id -> the smallest `min_experience_months` over the pathways into it."""
    months: dict[str, int] = {}
    for edge in pathways:
        value = int(edge.get("min_experience_months") or 0)
        months[edge["to"]] = min(months.get(edge["to"], value), value)
    return months


FIELD_TRAINER_ROLES = {"field_trainer"}


def field_release_roles(
    roles: Iterable[Mapping[str, Any]], pathways: Iterable[Mapping[str, Any]]
) -> set[str]:
    """Roles that train others in the field (the field training officer / CTO role), reached by
    a progressive pathway from a role with a field training program: an officer must have been
    released from field training themself. (Other roles could ask it too; the demo city keeps
    it to the one where it is plainly true, so the other roles show a spread of candidates.)"""
    trained = {role["id"] for role in roles if role.get("field_training_program")}
    return {
        edge["to"]
        for edge in pathways
        if edge["type"] == PathwayKind.PROGRESSIVE
        and edge["from"] in trained
        and edge["to"] in FIELD_TRAINER_ROLES
    }


def network(catalog: Mapping[str, Any]) -> Network:
    roles = career_roles(catalog)
    pathways = career_pathways(catalog)
    months = minimum_months(pathways)
    released = field_release_roles(roles, pathways)
    targets = {
        role["id"]: Target(
            role["id"],
            tuple(role.get("required_credentials") or ()),
            months.get(role["id"], 0),
            role["id"] in released,
        )
        for role in roles
    }
    out: dict[str, set[str]] = defaultdict(set)
    for edge in pathways:
        out[edge["from"]].add(edge["to"])
    return Network(targets, {role: tuple(sorted(to)) for role, to in out.items()})


# --- one person's plan (pure) ---------------------------------------------------------------------

READY, ONE_AWAY = "ready", "one_away"


@dataclass(frozen=True)
class CareerPlan:
    target: str | None = None  # the next role (catalog id) they look at
    prepared: str = ""  # READY, ONE_AWAY or "" (holds nothing extra for it)
    short_by_credential: bool = False  # ONE_AWAY by a credential (else by time or release)
    interested: bool = False
    role_since: datetime.date | None = None  # when they moved into their current role


def _rng(email: str) -> random.Random:
    digest = hashlib.sha256(f"{CAREERS_RANDOM_SEED}:{email}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))  # noqa: S311 - reproducible demo  # nosec B311


def career_rng(email: str) -> random.Random:
    """The random source for the credentials of someone's next role (not their own: those
    come from `credentials._person_rng`, which this must not disturb)."""
    return _rng(f"credentials:{email}")


def _months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole months from `start` to `end` (0 if `end` comes first)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return max(0, months - (add_months(start, months) > end))


def career_plan(
    email: str,
    role: str | None,
    *,
    status: str,
    hire_date: datetime.date,
    today: datetime.date,
    network: Network,
    released: bool = False,
) -> CareerPlan:
    """Whether this person moved roles lately, which next role they look at, whether they
    prepared for it and whether they said they are interested. The same person always gets
    the same plan (drawn from their email), whatever the size of the city.

    Someone prepared as ready looks at a next role whose time in role and field release they
    already meet; someone one away at one where they meet both but lack a credential, or else
    at one where time in role or the release is all they lack (they hold its credentials).
    """
    rng = _rng(email)
    draws = [rng.random() for _ in range(4)]
    if status in (StaffStatus.SEPARATED, StaffStatus.TRAINEE) or role is None:
        return CareerPlan()
    role_since = None
    months_in_city = _months_between(hire_date, today)
    low, high = MOVED_MONTHS
    if months_in_city > 6 and draws[0] < MOVED_SHARE:
        months = low + int(draws[1] * (min(high, months_in_city - 1) - low + 1))
        role_since = max(add_months(today, -months), hire_date + datetime.timedelta(days=30))
    targets = [
        network.targets[r] for r in network.pathways_out.get(role, ()) if r in network.targets
    ]
    if not targets:
        return CareerPlan(role_since=role_since)
    in_role = _months_between(role_since or hire_date, today)
    own = set(network.targets[role].required) if role in network.targets else set()

    def gaps(target: Target) -> int:
        """Requirements other than credentials that this person does not meet."""
        return (in_role < target.minimum_months) + (target.requires_field_release and not released)

    open_now = [t for t in targets if gaps(t) == 0]
    short = [t for t in open_now if set(t.required) - own]
    one_gap = [t for t in targets if gaps(t) == 1]
    plan = CareerPlan(target=rng.choice(targets).role)
    if status == StaffStatus.ACTIVE:
        if draws[2] < READY_SHARE and open_now:
            plan = CareerPlan(rng.choice(open_now).role, READY)
        elif draws[2] < READY_SHARE + ONE_AWAY_SHARE and short:
            plan = CareerPlan(rng.choice(short).role, ONE_AWAY, short_by_credential=True)
        elif draws[2] < READY_SHARE + ONE_AWAY_SHARE and one_gap:
            plan = CareerPlan(rng.choice(one_gap).role, ONE_AWAY)
    interested = draws[3] < (INTERESTED_WHEN_PREPARING if plan.prepared else INTERESTED_OTHERWISE)
    return CareerPlan(plan.target, plan.prepared, plan.short_by_credential, interested, role_since)


def next_role_credentials(
    plan: CareerPlan,
    *,
    held: Sequence[str],
    network: Network,
    rng: random.Random,
) -> list[tuple[str, str]]:
    """The credentials (catalog ids) someone holds for their next role, with how each stands
    today: "active"; for someone one credential away, all but the last, which is sometimes
    held but not in force ("expired" or "pending") rather than not held at all."""
    if not plan.prepared or plan.target is None:
        return []
    missing = [c for c in network.targets[plan.target].required if c not in held]
    if not plan.short_by_credential or not missing:
        return [(c, "active") for c in missing]
    last = []
    if rng.random() < NOT_IN_FORCE_SHARE:
        last = [(missing[-1], rng.choice(("expired", "pending")))]
    return [(c, "active") for c in missing[:-1]] + last


# --- writing it ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CareerSummary:
    roles: int
    pathways: int
    progressive: int
    requirements: int
    preferred: int
    interests: int
    moved: int

    def lines(self) -> list[str]:
        return [
            f"Careers: {self.roles} job roles, {self.pathways} pathways "
            f"({self.progressive} progressive), {self.requirements} credential requirements "
            f"({self.preferred} preferred), {self.interests} career interests, "
            f"{self.moved} people moved roles."
        ]


def _city_roles(job_roles: Mapping[str, JobRole]) -> dict[str, JobRole]:
    roles = dict(job_roles)
    for row in CITY_ROLES:
        roles[row["id"]], _ = JobRole.objects.get_or_create(
            name=row["title"],
            defaults={
                "onet_soc_code": row["soc_code"],
                "soc_verified": row["soc_verified"],
                "description": f"O*NET-SOC title: {row['soc_title']}. {row['notes']}",
            },
        )
    return roles


def _education(row: Mapping[str, Any]) -> str:
    if row["id"] in EDUCATION:
        return EDUCATION[row["id"]]
    if row.get("soc_code"):
        return f"Typical education and licences: see O*NET-SOC {row['soc_code']}, " + (
            f"{row['soc_title']}."
        )
    return ""


def _describe_roles(catalog: Mapping[str, Any], roles: Mapping[str, JobRole]) -> None:
    """Department, pay grade and requirements of the roles nobody has described yet."""
    pathways = career_pathways(catalog)
    months = minimum_months(pathways)
    released = field_release_roles(career_roles(catalog), pathways)
    changed = []
    for row in career_roles(catalog):
        role = roles.get(row["id"])
        if role is None or role.department:
            continue
        role.department = DEPARTMENTS[row["id"]]
        role.pay_grade = PAY_GRADES[row["id"]]
        role.minimum_months_in_role = months.get(row["id"], 0)
        role.requires_field_release = row["id"] in released
        role.education_notes = _education(row)
        changed.append(role)
    JobRole.objects.bulk_update(
        changed,
        [
            "department",
            "pay_grade",
            "minimum_months_in_role",
            "requires_field_release",
            "education_notes",
        ],
    )


def _requirements(
    catalog: Mapping[str, Any], roles: Mapping[str, JobRole], types: Mapping[str, CredentialType]
) -> None:
    """Preferred credentials of every role, and the required ones of the city's own roles
    (the catalog roles' required ones come with the credential types)."""
    existing = set(RoleCredential.objects.values_list("role_id", "credential_type_id"))
    city = {row["id"] for row in CITY_ROLES}
    new = []
    for row in career_roles(catalog):
        role = roles.get(row["id"])
        if role is None:
            continue
        wanted = [
            *((c, RequirementLevel.REQUIRED) for c in row["required_credentials"] or ()),
            *((c, RequirementLevel.PREFERRED) for c in row["recommended_credentials"] or ()),
        ]
        for catalog_id, level in wanted:
            if level == RequirementLevel.REQUIRED and row["id"] not in city:
                continue
            credential_type = types.get(catalog_id)
            if credential_type is None or (role.pk, credential_type.pk) in existing:
                continue
            existing.add((role.pk, credential_type.pk))
            new.append(RoleCredential(role=role, credential_type=credential_type, level=level))
    RoleCredential.objects.bulk_create(new, batch_size=BULK_BATCH)


def _pathway_notes(edge: Mapping[str, Any], names: Mapping[str, str]) -> str:
    parts = [edge.get("notes") or ""]
    if edge.get("required_credentials"):
        listed = ", ".join(names.get(c, c) for c in edge["required_credentials"])
        parts.append(f"Credentials for this move: {listed}.")
    if edge.get("recommended_credentials"):
        listed = ", ".join(names.get(c, c) for c in edge["recommended_credentials"])
        parts.append(f"Recommended: {listed}.")
    if edge.get("min_experience_months"):
        parts.append(f"At least {edge['min_experience_months']} months' experience.")
    if edge.get("provenance") == "city":
        parts.append("A city pathway.")
    else:
        refs = ", ".join(edge.get("source_refs") or ())
        source = f" (catalog sources {refs})" if refs else ""
        parts.append(f"Research provenance: {edge.get('provenance', 'unknown')}{source}.")
    return " ".join(part for part in parts if part)


def _pathways(catalog: Mapping[str, Any], roles: Mapping[str, JobRole]) -> None:
    names = {row["id"]: row["name"] for row in catalog["credentials"]}
    existing = set(Pathway.objects.values_list("from_role_id", "to_role_id"))
    new = []
    for edge in career_pathways(catalog):
        from_role, to_role = roles.get(edge["from"]), roles.get(edge["to"])
        if from_role is None or to_role is None or (from_role.pk, to_role.pk) in existing:
            continue
        existing.add((from_role.pk, to_role.pk))
        new.append(
            Pathway(
                from_role=from_role,
                to_role=to_role,
                kind=PathwayKind(edge["type"]),
                notes=_pathway_notes(edge, names),
            )
        )
    Pathway.objects.bulk_create(new, batch_size=BULK_BATCH)


def _moves_and_interests(
    catalog: Mapping[str, Any],
    roles: Mapping[str, JobRole],
    *,
    today: datetime.date,
    released: set[int],
) -> None:
    """`job_role_since` of those who moved, and the interests, for everyone not yet given any
    (one query for the people, bulk writes)."""
    net = network(catalog)
    key_of = {role.pk: key for key, role in roles.items()}
    people = (
        StaffProfile.objects.filter(job_role__isnull=False)
        .exclude(status=StaffStatus.SEPARATED)
        .order_by("pk")
        .values_list("pk", "user_id", "user__email", "job_role_id", "status", "hire_date")
        .filter(job_role_since__isnull=True)
    )
    interested = set(CareerInterest.objects.values_list("user_id", flat=True))
    moved: list[StaffProfile] = []
    interests: list[CareerInterest] = []
    for pk, user_id, email, role_id, status, hire_date in people:
        plan = career_plan(
            email,
            key_of.get(role_id),
            status=status,
            hire_date=hire_date,
            today=today,
            network=net,
            released=user_id in released,
        )
        if plan.role_since is not None:
            moved.append(StaffProfile(pk=pk, job_role_since=plan.role_since))
        if plan.interested and plan.target in roles and user_id not in interested:
            days = _rng(f"{email}:interest").randint(1, 120)
            at = datetime.datetime.combine(
                today - datetime.timedelta(days=days), datetime.time(17, 0), tzinfo=datetime.UTC
            )
            interests.append(
                CareerInterest(user_id=user_id, role=roles[plan.target], created_at=at)
            )
    StaffProfile.objects.bulk_update(moved, ["job_role_since"], batch_size=BULK_BATCH)
    CareerInterest.objects.bulk_create(interests, batch_size=BULK_BATCH)


def seed_careers(
    catalog: Mapping[str, Any],
    *,
    job_roles: Mapping[str, JobRole],
    today: datetime.date,
    stdout: TextIO | None = None,
) -> CareerSummary:
    """The career network over the seeded roles and credential types (after the credentials:
    the credentials of next roles were written with everyone's others)."""
    # Catalog id -> type, by the slug `credentials.type_slug` gives it.
    by_slug = {t.slug: t for t in CredentialType.objects.all()}
    types = {
        row["id"]: by_slug[row["id"].replace("_", "-")]
        for row in catalog["credentials"]
        if row["id"].replace("_", "-") in by_slug
    }
    released = set(
        FieldTraining.objects.filter(status=FieldTrainingStatus.RELEASED).values_list(
            "trainee_id", flat=True
        )
    )
    with transaction.atomic():
        roles = _city_roles(job_roles)
        _describe_roles(catalog, roles)
        _requirements(catalog, roles, types)
        _pathways(catalog, roles)
        _moves_and_interests(catalog, roles, today=today, released=released)
    summary = career_summary()
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary


def career_summary() -> CareerSummary:
    kinds = Counter(Pathway.objects.values_list("kind", flat=True))
    levels = Counter(RoleCredential.objects.values_list("level", flat=True))
    return CareerSummary(
        roles=JobRole.objects.count(),
        pathways=sum(kinds.values()),
        progressive=kinds[PathwayKind.PROGRESSIVE],
        requirements=sum(levels.values()),
        preferred=levels[RequirementLevel.PREFERRED],
        interests=CareerInterest.objects.count(),
        moved=StaffProfile.objects.filter(job_role_since__isnull=False).count(),
    )
