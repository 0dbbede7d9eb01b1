"""Loading the demo city: the fictional City of Alder Bay, its organisations, job roles and
people (see `people.py` for who they are, `catalog.py` for the data).

Everything is get-or-create by natural key (organisation slug, job role name, user email,
organisation + employee id), so loading twice changes nothing. Generated staff are written with
`bulk_create` (one password hash for everyone) so that tens of thousands load in seconds.

Demo data only: every account shares the password `relay-demo`.
"""

import datetime
import zoneinfo
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from certificates.models import JobRole
from lms.accounts.models import (
    Organisation,
    OrganisationKind,
    StaffProfile,
    StaffStatus,
    User,
)
from lms.accounts.roles import ROLE_DEFINITIONS, Role
from lms.accounts.services import _apply_roles

from .careers import seed_careers
from .catalog import load_catalog, organisation_specs
from .credentials import seed_credentials
from .curriculum import CurriculumSummary, seed_curriculum
from .field import seed_field_training
from .funding import tag_funding
from .people import (
    DEFAULT_SIZE,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    StaffSpec,
    generate_staff,
)
from .scenarios import seed_scenarios
from .xapi import seed_xapi

BULK_BATCH = 500


def _joined(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    """The moment an account was opened: 08:00 local on the hire date."""
    return datetime.datetime.combine(day, datetime.time(8, 0), tzinfo=zone)


def _role_group_ids() -> dict[Role, int]:
    names = {definition.group_name: role for role, definition in ROLE_DEFINITIONS.items()}
    found = {
        names[name]: pk
        for name, pk in Group.objects.filter(name__in=names).values_list("name", "pk")
    }
    missing = set(Role) - set(found)
    if missing:
        raise ImproperlyConfigured(
            f"Role groups missing ({', '.join(sorted(missing))}): run `manage.py migrate`."
        )
    return found


def seed_organisations(catalog: Mapping[str, Any]) -> tuple[dict[str, Organisation], int]:
    """The organisations of the catalog, by slug, and how many were created."""
    time_zone = catalog["city"]["time_zone"]
    organisations: dict[str, Organisation] = {}
    created = 0
    for spec in organisation_specs(catalog):
        contracted = spec.kind == OrganisationKind.CONTRACTED
        organisation, was_created = Organisation.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "kind": spec.kind,
                "contract_reference": spec.contract_reference if contracted else "",
                "data_sharing": spec.data_sharing,
                "time_zone": time_zone,
                "description": spec.description,
            },
        )
        organisations[spec.slug] = organisation
        created += was_created
    return organisations, created


def seed_job_roles(catalog: Mapping[str, Any]) -> tuple[dict[str, JobRole], int]:
    """The job roles of the catalog, by catalog role id, and how many were created."""
    job_roles: dict[str, JobRole] = {}
    created = 0
    for row in catalog["roles"]:
        description = f"O*NET-SOC title: {row['soc_title']}."
        if row.get("notes"):
            description += f" {row['notes']}"
        job_role, was_created = JobRole.objects.get_or_create(
            name=row["title"],
            defaults={
                "onet_soc_code": row["soc_code"] or "",
                "soc_verified": bool(row["soc_verified"] and row["soc_code"]),
                "description": description,
            },
        )
        job_roles[row["id"]] = job_role
        created += was_created
    return job_roles, created


def _seed_login_users(
    *, organisations: Mapping[str, Organisation], password_hash: str, today: datetime.date
) -> int:
    """The demo login accounts: roles, verified email and (privileged ones) TOTP."""
    managed = [definition.group_name for definition in ROLE_DEFINITIONS.values()]
    created = 0
    for login in DEMO_LOGINS:
        hire_date = today - datetime.timedelta(days=login.hired_days_ago)
        user, was_created = User.objects.get_or_create(
            email=login.email,
            defaults={
                "first_name": login.first_name,
                "last_name": login.last_name,
                "password": password_hash,
                "date_joined": _joined(hire_date, organisations[login.organisation_slug].zone),
            },
        )
        created += was_created
        if was_created or not user.groups.filter(name__in=managed).exists():
            _apply_roles(user, login.roles)
        if not EmailAddress.objects.filter(user=user, email__iexact=user.email).exists():
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        has_totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        if login.privileged and not has_totp:
            TOTP.activate(user, DEMO_TOTP_SECRET)
    return created


def _seed_login_profiles(
    *,
    organisations: Mapping[str, Organisation],
    job_roles: Mapping[str, JobRole],
    specs: Sequence[StaffSpec],
    today: datetime.date,
) -> None:
    """Staff profiles for the demo logins (after the generated staff, who may lead them)."""
    leads: dict[str, str] = {}
    for spec in specs:
        if Role.SUPERVISOR in spec.roles:
            leads.setdefault(spec.organisation_slug, spec.email)
    for login in DEMO_LOGINS:
        user = User.objects.get(email=login.email)
        if StaffProfile.objects.filter(user=user).exists():
            continue
        supervisor_email = login.supervisor_email
        if login.supervised_by_organisation_lead:
            supervisor_email = leads.get(login.organisation_slug)
        supervisor = (
            User.objects.filter(email=supervisor_email).first() if supervisor_email else None
        )
        profile = StaffProfile.objects.create(
            user=user,
            organisation=organisations[login.organisation_slug],
            employee_id=login.employee_id,
            job_role=job_roles[login.job_role] if login.job_role else None,
            hire_date=today - datetime.timedelta(days=login.hired_days_ago),
            status=login.status,
            supervisor=supervisor,
        )
        if login.fto_emails:
            profile.field_training_officers.add(*User.objects.filter(email__in=login.fto_emails))


def seed_staff(
    specs: Sequence[StaffSpec],
    *,
    organisations: Mapping[str, Organisation],
    job_roles: Mapping[str, JobRole],
    password_hash: str,
) -> int:
    """Write the people of `specs` that do not exist yet, in bulk. Returns how many were new.

    Produces what `_apply_roles` would (role groups, staff/superuser flags for administrators)
    and what an accepted invitation would (a verified primary email address).
    """
    existing_emails = set(User.objects.order_by().values_list("email", flat=True))
    existing_ids = set(
        StaffProfile.objects.order_by().values_list("organisation_id", "employee_id")
    )
    new = [
        spec
        for spec in specs
        if spec.email not in existing_emails
        and (organisations[spec.organisation_slug].pk, spec.employee_id) not in existing_ids
    ]
    if not new:
        return 0
    group_ids = _role_group_ids()
    zones = {slug: org.zone for slug, org in organisations.items()}

    User.objects.bulk_create(
        [
            User(
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                password=password_hash,
                is_active=spec.status != StaffStatus.SEPARATED,
                is_staff=Role.ADMIN in spec.roles,
                is_superuser=Role.ADMIN in spec.roles,
                date_joined=_joined(spec.hire_date, zones[spec.organisation_slug]),
            )
            for spec in new
        ],
        batch_size=BULK_BATCH,
    )
    user_ids: dict[str, int] = dict(User.objects.order_by().values_list("email", "pk"))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(
                user_id=user_ids[spec.email], email=spec.email, verified=True, primary=True
            )
            for spec in new
        ],
        batch_size=BULK_BATCH,
    )
    memberships = User.groups.through
    memberships.objects.bulk_create(
        [
            memberships(user_id=user_ids[spec.email], group_id=group_ids[role])
            for spec in new
            for role in sorted(spec.roles | {Role.LEARNER})
        ],
        batch_size=BULK_BATCH,
    )
    StaffProfile.objects.bulk_create(
        [
            StaffProfile(
                user_id=user_ids[spec.email],
                organisation=organisations[spec.organisation_slug],
                employee_id=spec.employee_id,
                job_role=job_roles[spec.job_role] if spec.job_role else None,
                hire_date=spec.hire_date,
                status=spec.status,
                separated_on=spec.separated_on,
                supervisor_id=user_ids.get(spec.supervisor_email or ""),
            )
            for spec in new
        ],
        batch_size=BULK_BATCH,
    )
    trainees = [spec for spec in new if spec.fto_emails]
    if trainees:
        profile_ids: dict[int, int] = dict(
            StaffProfile.objects.order_by().values_list("user_id", "pk")
        )
        officers = StaffProfile.field_training_officers.through
        officers.objects.bulk_create(
            [
                officers(staffprofile_id=profile_ids[user_ids[spec.email]], user_id=user_ids[fto])
                for spec in trainees
                for fto in spec.fto_emails
                if fto in user_ids
            ],
            batch_size=BULK_BATCH,
        )
    return len(new)


# --- the whole city ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SeedSummary:
    city: str
    organisations: int
    contracted: int
    job_roles: int
    staff: int
    staff_by_status: dict[str, int]
    organisations_created: int
    job_roles_created: int
    logins_created: int
    staff_created: int
    curriculum: CurriculumSummary | None = None

    def lines(self) -> list[str]:
        statuses = ", ".join(
            f"{StaffStatus(status).label.lower()} {count}"
            for status, count in sorted(self.staff_by_status.items())
        )
        return [
            f"{self.city}: {self.organisations} organisations ({self.contracted} contracted), "
            f"{self.job_roles} job roles, {self.staff} staff ({statuses}).",
            f"Created now: {self.organisations_created} organisations, "
            f"{self.job_roles_created} job roles, {self.logins_created} demo logins, "
            f"{self.staff_created} generated staff.",
            *(self.curriculum.lines() if self.curriculum else []),
        ]


def seed_city(
    size: int | None = None,
    *,
    today: datetime.date | None = None,
    stdout: TextIO | None = None,
    curriculum: bool = True,
) -> SeedSummary:
    """Load the demo city: organisations, job roles, the demo logins and `size` generated staff
    (default 200), then (unless `curriculum` is false) the curriculum and the training history
    of the demo staff (see `curriculum.py`). Safe to run again; only what is missing is created.

    Generated staff are dated from the fixed `DEMO_ANCHOR` so that every run and every benchmark
    builds the same people; `today` only dates the demo logins (the demo learner is always a
    trainee hired three weeks earlier).
    """
    size = DEFAULT_SIZE if size is None else size
    if size < 0:
        raise ValueError("size must be zero or more")
    today = today or timezone.localdate()
    catalog = load_catalog()
    specs = generate_staff(size, catalog=catalog)
    password_hash = make_password(DEMO_PASSWORD)
    with transaction.atomic():
        organisations, organisations_created = seed_organisations(catalog)
        job_roles, job_roles_created = seed_job_roles(catalog)
        logins_created = _seed_login_users(
            organisations=organisations, password_hash=password_hash, today=today
        )
        staff_created = seed_staff(
            specs, organisations=organisations, job_roles=job_roles, password_hash=password_hash
        )
        _seed_login_profiles(
            organisations=organisations, job_roles=job_roles, specs=specs, today=today
        )
    tag_funding(organisations=organisations, job_roles=job_roles, stdout=stdout)
    training = (
        seed_curriculum(
            catalog["curriculum"],
            specs=specs,
            job_roles=job_roles,
            organisations=organisations,
            today=today,
        )
        if curriculum
        else None
    )
    if curriculum:
        seed_scenarios(catalog, specs=specs, today=today)
        seed_field_training(
            catalog, job_roles=job_roles, organisations=organisations, today=today, stdout=stdout
        )
        # After the field training: its history was signed under the FTO role, and every FTO's
        # qualifying credential is dated before it began (see `credentials.py`).
        seed_credentials(catalog, job_roles=job_roles, today=today, stdout=stdout)
        seed_careers(catalog, job_roles=job_roles, today=today, stdout=stdout)
        # Last: statements for any history seeded past the services that record them.
        seed_xapi(stdout=stdout)
    slugs = list(organisations)
    staff = StaffProfile.objects.filter(organisation__slug__in=slugs).order_by()
    summary = SeedSummary(
        city=catalog["city"]["name"],
        organisations=len(slugs),
        contracted=sum(org.is_contracted for org in organisations.values()),
        job_roles=len(job_roles),
        staff=staff.count(),
        staff_by_status=dict(Counter(staff.values_list("status", flat=True))),
        organisations_created=organisations_created,
        job_roles_created=job_roles_created,
        logins_created=logins_created,
        staff_created=staff_created,
        curriculum=training,
    )
    if stdout is not None:
        for line in summary.lines():
            stdout.write(line + "\n")
    return summary


# --- the logins table -------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginRow:
    email: str
    name: str
    role: str
    organisation: str
    password: str
    totp_secret: str
    seeded: bool


def demo_login_rows() -> list[LoginRow]:
    """The demo logins as they stand in the database (or as they will be once seeded)."""
    names = {org.slug: org.name for org in organisation_specs(load_catalog())}
    users = {
        user.email: user
        for user in User.objects.filter(
            email__in=[login.email for login in DEMO_LOGINS]
        ).select_related("staff_profile__organisation")
    }
    rows = []
    for login in DEMO_LOGINS:
        user = users.get(login.email)
        profile = getattr(user, "staff_profile", None) if user else None
        rows.append(
            LoginRow(
                email=login.email,
                name=user.get_full_name() if user else f"{login.first_name} {login.last_name}",
                role=str(login.role.label),
                organisation=profile.organisation.name
                if profile
                else names[login.organisation_slug],
                password=DEMO_PASSWORD,
                totp_secret=DEMO_TOTP_SECRET if login.privileged else "",
                seeded=user is not None,
            )
        )
    return rows
