"""Who may see or change people and invitations. Views call these; services call them again."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .models import Organisation, StaffProfile
from .roles import Role


def _own_organisation_id(user) -> int | None:
    profile = getattr(user, "staff_profile", None)
    return profile.organisation_id if profile is not None else None


def can_view_staff(*, viewer, profile: StaffProfile) -> bool:
    """A person sees: themselves; people they supervise or field-train; their organisation if
    they hold `view_organisation_staff`; city departments and contracted organisations that
    share data if they hold `view_city_staff`; everyone if they hold `view_all_staff`."""
    if not viewer.is_authenticated:
        return False
    if profile.user_id == viewer.pk:
        return True
    if viewer.has_perm("accounts.view_all_staff"):
        return True
    if profile.supervisor_id == viewer.pk:
        return True
    if profile.field_training_officers.filter(pk=viewer.pk).exists():
        return True
    if viewer.has_perm("accounts.view_city_staff") and profile.organisation.shares_people_with_city:
        return True
    return viewer.has_perm(
        "accounts.view_organisation_staff"
    ) and profile.organisation_id == _own_organisation_id(viewer)


def inviteable_organisations(*, user):
    """Organisations `user` may invite people into: all for city-wide roles, else their own."""
    if not user.has_perm("accounts.invite_staff"):
        return Organisation.objects.none()
    if user.has_perm("accounts.view_city_staff"):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk=_own_organisation_id(user))


def can_invite(*, inviter, organisation: Organisation, role: str) -> bool:
    """Inviting needs `invite_staff` and reach over the organisation; only someone who manages
    roles may invite another administrator, HR officer or curriculum author."""
    if not inviter.has_perm("accounts.invite_staff"):
        return False
    if not inviteable_organisations(user=inviter).filter(pk=organisation.pk).exists():
        return False
    if role in (Role.ADMIN, Role.HR, Role.AUTHOR):
        return inviter.has_perm("accounts.manage_roles")
    return True


def ensure_can_invite(*, inviter, organisation: Organisation, role: str) -> None:
    if not can_invite(inviter=inviter, organisation=organisation, role=role):
        raise PermissionDenied("You cannot invite people with this role into this organisation.")


def can_manage_roles(*, actor, target) -> bool:
    """Roles are changed by holders of `manage_roles`, never on themselves."""
    if not actor.has_perm("accounts.manage_roles"):
        return False
    return actor.pk != target.pk


def ensure_can_manage_roles(*, actor, target) -> None:
    if not can_manage_roles(actor=actor, target=target):
        raise PermissionDenied("You cannot change this person's roles.")


def organisations_in_reach(*, user):
    """The organisations whose staff `user` sees as a whole, by their permissions alone (no
    scan of the staff): all (`view_all_staff`); city departments and the contracted
    organisations that share data (`view_city_staff`); their own (`view_organisation_staff`).
    People seen one by one (supervised, field-trained) do not bring their organisation in."""
    if user.has_perm("accounts.view_all_staff"):
        return Organisation.objects.all()
    rule = Q(pk__in=[])
    own = getattr(user, "staff_profile", None)
    if own is not None and user.has_perm("accounts.view_organisation_staff"):
        rule |= Q(pk=own.organisation_id)
    if user.has_perm("accounts.view_city_staff"):
        rule |= Q(kind="department") | Q(data_sharing="full")
    return Organisation.objects.filter(rule)


def importable_organisations(*, user):
    """Organisations `user` may import staff into from the HR system (see `can_import_staff`)."""
    if not user.has_perm("accounts.import_staff"):
        return Organisation.objects.none()
    return organisations_in_reach(user=user)


def can_import_staff(*, user, organisation: Organisation) -> bool:
    """Importing staff needs `import_staff` and reach over the organisation as a whole
    (`organisations_in_reach`: HR reaches city departments and the contracted organisations that
    share their people; administrators reach all)."""
    return importable_organisations(user=user).filter(pk=organisation.pk).exists()


def ensure_can_import_staff(*, user, organisation: Organisation) -> None:
    if not can_import_staff(user=user, organisation=organisation):
        raise PermissionDenied("You cannot import staff into this organisation.")


# The capability behind exporting someone else's personal data: people who keep HR records
# (HR, administrators). A dedicated `export_personal_data` permission would need a migration.
PRIVACY_EXPORT_PERMISSION = "accounts.import_staff"


def can_export_personal_data(*, actor, person) -> bool:
    """Everyone may export their own data. Someone else's: only with the HR-records capability
    (`accounts.import_staff`: HR, administrators) and reach over the person's organisation as a
    whole (`organisations_in_reach`). Supervisors and FTOs see people one by one: never."""
    if not actor.is_authenticated:
        return False
    if actor.pk == person.pk:
        return True
    if not actor.has_perm(PRIVACY_EXPORT_PERMISSION):
        return False
    profile = getattr(person, "staff_profile", None)
    if profile is None:
        return actor.has_perm("accounts.view_all_staff")
    return organisations_in_reach(user=actor).filter(pk=profile.organisation_id).exists()


def ensure_can_export_personal_data(*, actor, person) -> None:
    if not can_export_personal_data(actor=actor, person=person):
        raise PermissionDenied("You cannot export this person's data.")
