"""What an import checks its rows against: the organisation's people as Relay holds them, the
job roles and the addresses already taken, read in a handful of queries whatever the file's size.
"""

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from allauth.account.models import EmailAddress
from django.db.models.functions import Lower

from certificates.models import JobRole

from ..models import Organisation, StaffProfile, User
from ..roles import ROLE_DEFINITIONS, Role

LOOKUP_CHUNK = 2_000  # values per IN (...) list
# Roles whose holders only someone who manages roles may change (as `can_invite` has it).
GUARDED_ROLES = (Role.ADMIN, Role.HR, Role.AUTHOR)


@dataclass(frozen=True)
class Person:
    """One staff member of the organisation as Relay holds them."""

    profile_id: int
    user_id: int
    employee_id: str
    email: str
    first_name: str
    last_name: str
    job_role_id: int | None
    job_role_since: datetime.date | None
    hire_date: datetime.date
    status: str
    separated_on: datetime.date | None
    supervisor_user_id: int | None
    funding_source: str
    is_active: bool = True
    # Holds a role only someone who manages roles may change (administrator, HR, author).
    guarded: bool = False


@dataclass(frozen=True)
class Snapshot:
    """What the rows are checked against, read in a handful of queries."""

    people: Mapping[str, Person]  # by employee id, this organisation only
    job_roles: Mapping[str, int | None]  # lower-cased name -> id (None: two roles differ by case)
    emails_in_use: Mapping[str, int]  # lower-cased address -> user id, any organisation
    today: datetime.date
    actor_user_id: int | None = None
    actor_manages_roles: bool = False

    @cached_property
    def employee_id_of_user(self) -> dict[int, str]:
        return {person.user_id: person.employee_id for person in self.people.values()}


def chunks(values: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def staff_snapshot(
    *, actor: User, organisation: Organisation, rows: Sequence[Mapping[str, object]], today
) -> Snapshot:
    """The organisation's people, the job roles and which of the rows' addresses are taken: five
    queries, plus two per 2,000 addresses."""
    guarded_groups = [ROLE_DEFINITIONS[role].group_name for role in GUARDED_ROLES]
    guarded = set(
        User.groups.through.objects.filter(
            user__staff_profile__organisation=organisation, group__name__in=guarded_groups
        ).values_list("user_id", flat=True)
    )
    people = {}
    for values in (
        StaffProfile.objects.filter(organisation=organisation)
        .order_by()
        .values_list(
            "pk",
            "user_id",
            "employee_id",
            "user__email",
            "user__first_name",
            "user__last_name",
            "job_role_id",
            "job_role_since",
            "hire_date",
            "status",
            "separated_on",
            "supervisor_id",
            "funding_source",
            "user__is_active",
        )
    ):
        person = Person(*values, guarded=values[1] in guarded)
        people[person.employee_id] = person
    job_roles: dict[str, int | None] = {}
    for pk, name in JobRole.objects.order_by().values_list("pk", "name"):
        key = " ".join(name.split()).lower()
        job_roles[key] = None if key in job_roles else pk
    emails = sorted({str(row.get("email") or "").strip().lower() for row in rows} - {""})
    in_use: dict[str, int] = {}
    for chunk in chunks(emails, LOOKUP_CHUNK):
        for model in (User, EmailAddress):
            key = "pk" if model is User else "user_id"
            in_use.update(
                model.objects.annotate(address=Lower("email"))
                .filter(address__in=chunk)
                .values_list("address", key)
            )
    return Snapshot(
        people=people,
        job_roles=job_roles,
        emails_in_use=in_use,
        today=today,
        actor_user_id=actor.pk,
        actor_manages_roles=actor.has_perm("accounts.manage_roles"),
    )
