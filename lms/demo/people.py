"""The people of the demo city, decided before anything is written.

The fixed demo logins, and `generate_staff`: pure, deterministic generation of any number of
staff from one `random.Random` with a fixed seed and dates relative to a fixed anchor, so that
`--size N` builds the same people on every machine. Person *i* depends only on the people
before it, so a bigger city contains the smaller one.
"""

import datetime
import random
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lms.accounts.models import StaffStatus
from lms.accounts.roles import ROLE_DEFINITIONS, Role

from .catalog import load_catalog, organisation_specs

DEMO_PASSWORD = "relay-demo"  # noqa: S105 - the published password of the demo accounts  # nosec B105
DEMO_TOTP_SECRET = "RELAYDEMORELAYDEMORELAYDEMO23456"  # noqa: S105 - published demo secret  # nosec B105
DEMO_ANCHOR = datetime.date(2026, 11, 29)
DEMO_RANDOM_SEED = 20261129
DEFAULT_SIZE = 200

# Every 15th member of an organisation (the first included) is a supervisor, and every 8th from
# the second on a field training officer: about 7% and 12% of the staff.
SUPERVISOR_EVERY = 15
FTO_EVERY = 8
ON_LEAVE_SHARE = 0.05
SEPARATED_SHARE = 0.08
TWO_FTO_SHARE = 0.3


@dataclass(frozen=True)
class DemoLogin:
    email: str
    first_name: str
    last_name: str
    role: Role
    organisation_slug: str
    employee_id: str
    job_role: str | None  # catalog role id
    status: StaffStatus
    hired_days_ago: int
    supervisor_email: str | None = None
    fto_emails: tuple[str, ...] = ()
    # Supervised by the first generated supervisor of the organisation, when there is one.
    supervised_by_organisation_lead: bool = False

    @property
    def privileged(self) -> bool:
        """The roles that must use a second factor get the demo TOTP authenticator."""
        return ROLE_DEFINITIONS[self.role].requires_mfa

    @property
    def roles(self) -> set[Role]:
        return {self.role, Role.LEARNER}


OCS = "office-of-community-safety"
CVI_CBO = "bay-peace-collaborative"

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        email="supervisor@relay.test",
        first_name="Marcus",
        last_name="Okafor",
        role=Role.SUPERVISOR,
        organisation_slug=OCS,
        employee_id="OCS-D0001",
        job_role="program_manager",
        status=StaffStatus.ACTIVE,
        hired_days_ago=700,
    ),
    DemoLogin(
        email="fto@relay.test",
        first_name="Dana",
        last_name="Whitfield",
        role=Role.FTO,
        organisation_slug=OCS,
        employee_id="OCS-D0002",
        job_role="community_responder",
        status=StaffStatus.ACTIVE,
        hired_days_ago=640,
        supervisor_email="supervisor@relay.test",
    ),
    DemoLogin(
        email="learner@relay.test",
        first_name="Jordan",
        last_name="Reyes",
        role=Role.LEARNER,
        organisation_slug=OCS,
        employee_id="OCS-D0003",
        job_role="community_responder",
        status=StaffStatus.TRAINEE,
        hired_days_ago=24,
        supervisor_email="supervisor@relay.test",
        fto_emails=("fto@relay.test",),
    ),
    DemoLogin(
        email="hr@relay.test",
        first_name="Priya",
        last_name="Raman",
        role=Role.HR,
        organisation_slug=OCS,
        employee_id="OCS-D0004",
        job_role=None,
        status=StaffStatus.ACTIVE,
        hired_days_ago=710,
    ),
    DemoLogin(
        email="author@relay.test",
        first_name="Elena",
        last_name="Vasquez",
        role=Role.AUTHOR,
        organisation_slug=OCS,
        employee_id="OCS-D0005",
        job_role=None,
        status=StaffStatus.ACTIVE,
        hired_days_ago=690,
    ),
    DemoLogin(
        email="admin@relay.test",
        first_name="Sam",
        last_name="Lindqvist",
        role=Role.ADMIN,
        organisation_slug=OCS,
        employee_id="OCS-D0006",
        job_role=None,
        status=StaffStatus.ACTIVE,
        hired_days_ago=720,
    ),
    DemoLogin(
        email="cbo.learner@relay.test",
        first_name="Tariq",
        last_name="Coleman",
        role=Role.LEARNER,
        organisation_slug=CVI_CBO,
        employee_id="BPC-D0001",
        job_role="violence_interrupter",
        status=StaffStatus.ACTIVE,
        hired_days_ago=400,
        supervised_by_organisation_lead=True,
    ),
)


# --- generated staff --------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    """One generated person, before anything is written."""

    email: str
    first_name: str
    last_name: str
    organisation_slug: str
    employee_id: str
    job_role: str | None  # catalog role id
    hire_date: datetime.date
    status: StaffStatus
    separated_on: datetime.date | None
    roles: frozenset[Role]
    supervisor_email: str | None
    fto_emails: tuple[str, ...]


def _email_local_part(first_name: str, last_name: str) -> str:
    def clean(name: str) -> str:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        return "".join(ch for ch in ascii_name.lower() if ch.isalnum())

    return f"{clean(first_name)}.{clean(last_name)}"


def _unique_email(first_name: str, last_name: str, domain: str, taken: set[str]) -> str:
    local = _email_local_part(first_name, last_name)
    email, n = f"{local}@{domain}", 1
    while email in taken:
        n += 1
        email = f"{local}{n}@{domain}"
    taken.add(email)
    return email


def generate_staff(
    size: int,
    *,
    anchor: datetime.date = DEMO_ANCHOR,
    seed: int = DEMO_RANDOM_SEED,
    catalog: Mapping[str, Any] | None = None,
) -> list[StaffSpec]:
    """`size` people spread over the organisations, deterministic for (seed, anchor).

    Hire dates fall in the two years before `anchor`; people hired within the trainee period
    are trainees with one or two FTOs, and the rest are mostly active, a few on leave and a few
    separated. Everyone has a supervisor of their own organisation except each organisation's
    first supervisor (in the Office of Community Safety the demo supervisor heads the team).
    Person *i* depends only on the people before it.
    """
    catalog = catalog if catalog is not None else load_catalog()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not a secret  # nosec B311
    organisations = organisation_specs(catalog)
    weights = [org.headcount_share for org in organisations]
    first_names = catalog["people"]["first_names"]
    last_names = catalog["people"]["last_names"]
    window = int(catalog["city"]["hire_window_days"])
    trainee_days = int(catalog["city"]["trainee_period_days"])

    members: Counter[str] = Counter()
    supervisors: dict[str, list[str]] = {org.slug: [] for org in organisations}
    ftos: dict[str, list[str]] = {org.slug: [] for org in organisations}
    for login in DEMO_LOGINS:
        if login.role == Role.SUPERVISOR:
            supervisors[login.organisation_slug].append(login.email)
        elif login.role == Role.FTO:
            ftos[login.organisation_slug].append(login.email)
    taken = {login.email for login in DEMO_LOGINS}

    specs: list[StaffSpec] = []
    for _ in range(size):
        org = rng.choices(organisations, weights)[0]
        k = members[org.slug]
        members[org.slug] += 1
        first_name = rng.choice(first_names)
        last_name = rng.choice(last_names)
        email = _unique_email(first_name, last_name, org.email_domain, taken)
        job_role = rng.choices(list(org.staff_roles), list(org.staff_roles.values()))[0]
        team = supervisors[org.slug]
        fto_emails: tuple[str, ...] = ()
        separated_on = None
        status = StaffStatus.ACTIVE
        if k % SUPERVISOR_EVERY == 0:
            roles = frozenset({Role.SUPERVISOR, Role.LEARNER})
            job_role = org.supervisor_role or job_role
            hire_date = anchor - datetime.timedelta(days=rng.randint(500, window))
            supervisor = team[0] if team else None
            team.append(email)
        else:
            supervisor = rng.choice(team)
            if k % FTO_EVERY == 1:
                roles = frozenset({Role.FTO, Role.LEARNER})
                hire_date = anchor - datetime.timedelta(days=rng.randint(300, window))
                ftos[org.slug].append(email)
            else:
                roles = frozenset({Role.LEARNER})
                days = rng.randint(0, window)
                hire_date = anchor - datetime.timedelta(days=days)
                draw = rng.random()
                if days < trainee_days:
                    status = StaffStatus.TRAINEE
                    pool = ftos[org.slug]
                    count = 2 if draw < TWO_FTO_SHARE and len(pool) > 1 else 1
                    fto_emails = tuple(rng.sample(pool, count))
                elif draw < ON_LEAVE_SHARE:
                    status = StaffStatus.ON_LEAVE
                elif draw < ON_LEAVE_SHARE + SEPARATED_SHARE:
                    status = StaffStatus.SEPARATED
                    separated_on = hire_date + datetime.timedelta(days=rng.randint(60, days))
        specs.append(
            StaffSpec(
                email=email,
                first_name=first_name,
                last_name=last_name,
                organisation_slug=org.slug,
                employee_id=f"{org.code}-{k + 1:05d}",
                job_role=job_role,
                hire_date=hire_date,
                status=status,
                separated_on=separated_on,
                roles=roles,
                supervisor_email=supervisor,
                fto_emails=fto_emails,
            )
        )
    return specs
