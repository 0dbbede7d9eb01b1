"""Read models for the people pages."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from .backends import granted_permissions
from .models import Invitation, Organisation, StaffProfile, StaffStatus, User
from .roles import Role, roles_of


def user_for_request(user_id: int) -> User:
    return User.objects.prefetch_related("groups").get(pk=user_id)


@dataclass
class OrganisationSummary:
    organisation: Organisation
    counts: dict[str, int]
    people_visible: bool

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class HomeData:
    profile: StaffProfile | None
    roles: list[Role]
    trainees: list[StaffProfile] = field(default_factory=list)
    team: list[StaffProfile] = field(default_factory=list)
    organisations: list[OrganisationSummary] = field(default_factory=list)
    pending_invitations: int = 0


def _organisation_summaries(queryset, *, viewer) -> list[OrganisationSummary]:
    counts = {
        status: Count("staff", filter=Q(staff__status=status)) for status in StaffStatus.values
    }
    rows = queryset.annotate(**{f"n_{k}": v for k, v in counts.items()})
    all_staff = viewer.has_perm("accounts.view_all_staff")
    return [
        OrganisationSummary(
            organisation=org,
            counts={label: getattr(org, f"n_{value}") for value, label in StaffStatus.choices},
            people_visible=all_staff or org.shares_people_with_city,
        )
        for org in rows
    ]


def has_people_panels(*, user: User) -> bool:
    """Whether the home shows panels about other people: the conditions of `home_for`."""
    granted = granted_permissions(user)  # what `has_perm` would check one by one
    return Role.FTO in roles_of(user) or any(
        perm in granted
        for perm in (
            "accounts.view_organisation_staff",
            "accounts.view_city_staff",
            "accounts.invite_staff",
        )
    )


def home_for(*, user: User) -> HomeData:
    """Everything the role-aware home page shows, in a fixed number of queries."""
    profile = (
        StaffProfile.objects.with_people()
        .prefetch_related("field_training_officers")
        .filter(user=user)
        .first()
    )
    if profile is not None:
        user.staff_profile = profile  # so the selectors below need not read it again
    data = HomeData(profile=profile, roles=roles_of(user))
    if Role.FTO in data.roles:
        data.trainees = list(
            StaffProfile.objects.with_people().current().filter(field_training_officers=user)
        )
    if user.has_perm("accounts.view_organisation_staff") and profile is not None:
        data.team = list(
            StaffProfile.objects.with_people()
            .current()
            .filter(organisation_id=profile.organisation_id)
            .order_by("-hire_date")[:8]
        )
    if user.has_perm("accounts.view_city_staff"):
        data.organisations = _organisation_summaries(Organisation.objects.all(), viewer=user)
    elif user.has_perm("accounts.view_organisation_staff") and profile is not None:
        data.organisations = _organisation_summaries(
            Organisation.objects.filter(pk=profile.organisation_id), viewer=user
        )
    if user.has_perm("accounts.invite_staff"):
        data.pending_invitations = invitations_visible_to(user=user).pending().count()
    return data


def staff_list_for(
    *, user: User, organisation_id: int | None = None, status: str = "", q: str = ""
):
    qs = (
        StaffProfile.objects.visible_to(user)
        .with_people()
        .order_by("organisation__name", "user__last_name", "user__first_name")
    )
    if organisation_id:
        qs = qs.filter(organisation_id=organisation_id)
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(user__first_name__icontains=q)
            | Q(user__last_name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(employee_id__icontains=q)
        )
    return qs


def staff_detail(*, pk: int) -> StaffProfile:
    return (
        StaffProfile.objects.with_people()
        .prefetch_related(
            "field_training_officers",
            Prefetch("user__groups"),
        )
        .get(pk=pk)
    )


def invitations_visible_to(*, user: User):
    """City-wide inviters see every invitation; others those for their own organisation."""
    qs = Invitation.objects.select_related("organisation", "invited_by", "job_role")
    if user.has_perm("accounts.view_city_staff"):
        return qs
    profile = getattr(user, "staff_profile", None)
    if profile is None:
        return qs.none()
    return qs.filter(organisation_id=profile.organisation_id)
