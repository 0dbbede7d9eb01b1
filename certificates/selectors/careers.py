"""Read models of the career pages every staff member sees (STYLE.md §2): my career (current
role, the roles one and two steps on, readiness and how to close each gap), the role catalogue
and one role with its requirements and pathways.

A person's readiness comes from the pure function in `certificates.readiness`, fed by the loaders
in `certificates.selectors.readiness`; the gaps and how to close each are
`certificates.selectors.career_actions` (re-exported here), which reads the person's facts once
for all the roles on a page. Each selector runs a fixed number of queries whatever the number of
roles, pathways, credentials or programs.

Interest flags shown here are always the signed-in person's own: these pages never show who
else said they are interested in a role (that is HR's, on the readiness dashboard).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from certificates.expiry import add_months
from certificates.models import (
    CareerInterest,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
)
from certificates.permissions import can_state_career_interest
from certificates.selectors.career_actions import Gap, NextAction, RoleFit, role_fits
from lms.accounts.models import StaffProfile

__all__ = [
    "ONET_SUMMARY_URL",
    "CatalogueRow",
    "FurtherRole",
    "Gap",
    "MapEdge",
    "MyCareer",
    "MyFit",
    "NextAction",
    "NextRole",
    "RoleDetail",
    "RoleFit",
    "interests_of",
    "months_between",
    "my_career",
    "my_fit",
    "onet_url",
    "profile_for",
    "role_detail",
    "roles_catalogue",
    "today_for",
]

ONET_SUMMARY_URL = "https://www.onetonline.org/link/summary/{code}"
_UNSET = object()  # "the caller did not load the profile" (None means the person has none)


def onet_url(code: str) -> str:
    """O*NET OnLine's summary page of an O*NET-SOC code ("" when the role has none)."""
    return ONET_SUMMARY_URL.format(code=code) if code else ""


def months_between(since: datetime.date, on: datetime.date) -> int:
    """Whole months from `since` to `on` (0 when `on` is before `since`), counted the way the
    readiness rules count them (`add_months(since, n) <= on`)."""
    if on < since:
        return 0
    months = (on.year - since.year) * 12 + (on.month - since.month)
    while months > 0 and add_months(since, months) > on:
        months -= 1
    return months


# --- My career ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NextRole:
    """A role one step on from the person's current role, along a pathway."""

    pathway: Pathway
    fit: RoleFit

    @property
    def role(self) -> JobRole:
        return self.pathway.to_role


@dataclass(frozen=True)
class FurtherRole:
    """A role two steps on, and the next roles that lead to it."""

    role: JobRole
    via: tuple[Pathway, ...]  # pathways from a next role to this one


@dataclass
class MyCareer:
    on: datetime.date
    today: datetime.date
    profile: StaffProfile | None
    next_roles: list[NextRole] = field(default_factory=list)
    further_roles: list[FurtherRole] = field(default_factory=list)
    interests: list[CareerInterest] = field(default_factory=list)
    can_state_interest: bool = False

    @property
    def role(self) -> JobRole | None:
        return self.profile.job_role if self.profile else None

    @property
    def onet_url(self) -> str:
        return onet_url(self.role.onet_soc_code) if self.role else ""

    @property
    def in_role_since(self) -> datetime.date | None:
        return self.profile.in_role_since if self.profile else None

    @property
    def months_in_role(self) -> int | None:
        if self.profile is None:
            return None
        return months_between(self.profile.in_role_since, self.on)

    @property
    def is_today(self) -> bool:
        return self.on == self.today


def profile_for(user) -> StaffProfile | None:
    """The person's staff profile with their organisation and job role (one query)."""
    if not user.is_authenticated:
        return None
    return (
        StaffProfile.objects.select_related("organisation", "job_role", "user")
        .filter(user=user)
        .first()
    )


def today_for(profile: StaffProfile | None) -> datetime.date:
    return profile.organisation.today() if profile else timezone.localdate()


def interests_of(user) -> list[CareerInterest]:
    """The roles the person said interest them (their own flags only; one query)."""
    if not user.is_authenticated:
        return []
    return list(
        CareerInterest.objects.filter(user=user).select_related("role").order_by("role__name")
    )


def my_career(*, user, on: datetime.date | None = None, profile=_UNSET) -> MyCareer:
    """The person's current role and time in it; the roles one step on along pathways (lateral
    and progressive, with notes) each with the person's readiness on `on`, the gaps and how to
    close them; the roles two steps on (named, with the step between: readiness for them is not
    computed, since time in role starts again after the first move); and the roles they said
    interest them. Without a staff profile or a job role, only the interests (and the page links
    to the catalogue)."""
    profile = profile_for(user) if profile is _UNSET else profile
    today = today_for(profile)
    on = on or today
    interests = interests_of(user)
    career = MyCareer(
        on=on,
        today=today,
        profile=profile,
        interests=interests,
        can_state_interest=profile is not None and can_state_career_interest(user=user),
    )
    if profile is None or profile.job_role_id is None:
        return career
    current = profile.job_role_id
    steps = list(
        Pathway.objects.filter(from_role_id=current)
        .select_related("to_role")
        .order_by("to_role__name")
    )
    next_ids = {step.to_role_id for step in steps}
    onward = list(
        Pathway.objects.filter(from_role_id__in=next_ids)
        .exclude(to_role_id__in=next_ids | {current})
        .select_related("from_role", "to_role")
        .order_by("to_role__name", "from_role__name")
    )
    interested = {interest.role_id for interest in interests}
    fits = role_fits(
        user=user,
        profile=profile,
        roles=[step.to_role for step in steps],
        on=on,
        interested=interested,
    )
    # Progressive (a step up) first, then lateral; by name within each.
    kind_order = {PathwayKind.PROGRESSIVE: 0, PathwayKind.LATERAL: 1}
    steps.sort(key=lambda step: (kind_order.get(step.kind, 2), step.to_role.name))
    career.next_roles = [NextRole(step, fits[step.to_role_id]) for step in steps]
    further: dict[int, list[Pathway]] = defaultdict(list)
    roles: dict[int, JobRole] = {}
    for pathway in onward:
        further[pathway.to_role_id].append(pathway)
        roles[pathway.to_role_id] = pathway.to_role
    career.further_roles = [
        FurtherRole(roles[role_id], tuple(via)) for role_id, via in further.items()
    ]
    return career


# --- The role catalogue ------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueRow:
    role: JobRole
    pathways_in: int
    pathways_out: int
    required: int

    @property
    def onet_url(self) -> str:
        return onet_url(self.role.onet_soc_code)


def _count(model, link: str, **filters) -> Coalesce:
    rows = (
        model.objects.filter(**{link: OuterRef("pk")}, **filters)
        .order_by()
        .values(link)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def roles_catalogue() -> list[CatalogueRow]:
    """Every city role with its O*NET-SOC code, department, pay grade, how many pathways lead
    to and from it and how many credentials it requires (one query)."""
    roles = JobRole.objects.annotate(
        n_in=_count(Pathway, "to_role"),
        n_out=_count(Pathway, "from_role"),
        n_required=_count(
            RoleCredential, "role", level=RequirementLevel.REQUIRED, credential_type__active=True
        ),
    ).order_by("name")
    return [CatalogueRow(role, role.n_in, role.n_out, role.n_required) for role in roles]


# --- One role ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapEdge:
    """One pathway as the map draws it: the other role, and the kind of move."""

    role_id: int
    role_name: str
    kind: str
    notes: str = ""


@dataclass
class RoleDetail:
    role: JobRole
    required: list[RoleCredential]
    preferred: list[RoleCredential]
    pathways_in: list[Pathway]  # roles that lead here
    pathways_out: list[Pathway]  # roles this one leads to

    @property
    def onet_url(self) -> str:
        return onet_url(self.role.onet_soc_code)

    @property
    def edges_in(self) -> list[MapEdge]:
        return [_edge(p.from_role, p) for p in self.pathways_in]

    @property
    def edges_out(self) -> list[MapEdge]:
        return [_edge(p.to_role, p) for p in self.pathways_out]

    @property
    def has_requirements(self) -> bool:
        role = self.role
        return bool(
            self.required
            or self.preferred
            or role.minimum_months_in_role
            or role.requires_field_release
            or role.education_notes
        )


def _edge(other: JobRole, pathway: Pathway) -> MapEdge:
    return MapEdge(other.pk, other.name, pathway.kind, pathway.notes)


def _by_kind_then_name(pathways: Iterable[Pathway], other: str) -> list[Pathway]:
    order = {PathwayKind.PROGRESSIVE: 0, PathwayKind.LATERAL: 1}
    return sorted(pathways, key=lambda p: (order.get(p.kind, 2), getattr(p, other).name))


def role_detail(role: JobRole) -> RoleDetail:
    """A role's required and preferred credential types (retired types shown, marked, never
    counted), its other requirements, and the pathways to and from it (three queries)."""
    rows = list(
        RoleCredential.objects.filter(role=role)
        .select_related("credential_type")
        .order_by("credential_type__name")
    )
    pathways_in = Pathway.objects.filter(to_role=role).select_related("from_role")
    pathways_out = Pathway.objects.filter(from_role=role).select_related("to_role")
    return RoleDetail(
        role=role,
        required=[r for r in rows if r.level == RequirementLevel.REQUIRED],
        preferred=[r for r in rows if r.level == RequirementLevel.PREFERRED],
        pathways_in=_by_kind_then_name(pathways_in, "from_role"),
        pathways_out=_by_kind_then_name(pathways_out, "to_role"),
    )


@dataclass
class MyFit:
    """The signed-in person's own view of one role: their readiness for it (none without a
    staff profile, or when it is their current role) and whether they said it interests them."""

    profile: StaffProfile | None
    on: datetime.date
    today: datetime.date
    fit: RoleFit | None
    interested: bool
    is_current: bool
    can_state_interest: bool

    @property
    def is_today(self) -> bool:
        return self.on == self.today


def my_fit(*, user, role: JobRole, on: datetime.date | None = None, profile=_UNSET) -> MyFit:
    """The person's readiness for `role` on `on` and their own interest flag (a fixed number of
    queries)."""
    profile = profile_for(user) if profile is _UNSET else profile
    today = today_for(profile)
    on = on or today
    interested = (
        user.is_authenticated and CareerInterest.objects.filter(user=user, role=role).exists()
    )
    is_current = profile is not None and profile.job_role_id == role.pk
    fit = None
    if profile is not None and not is_current:
        fit = role_fits(
            user=user,
            profile=profile,
            roles=[role],
            on=on,
            interested={role.pk} if interested else set(),
        )[role.pk]
    return MyFit(
        profile=profile,
        on=on,
        today=today,
        fit=fit,
        interested=interested,
        is_current=is_current,
        can_state_interest=profile is not None and can_state_career_interest(user=user),
    )
