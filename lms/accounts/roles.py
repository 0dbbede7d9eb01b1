"""The roles of Relay, defined once.

A role is a Django group whose capabilities are model permissions granted by the data migration
`0002_roles`. Code never tests a group name inline: it asks for a permission, or for the role
through the helpers below.
"""

from dataclasses import dataclass

from django.db import models


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    FTO = "fto", "Field training officer"
    SUPERVISOR = "supervisor", "Supervisor / program manager"
    HR = "hr", "HR"
    AUTHOR = "author", "Curriculum author"
    ADMIN = "admin", "Administrator"


@dataclass(frozen=True)
class RoleDefinition:
    role: Role
    group_name: str
    permissions: tuple[str, ...]
    requires_mfa: bool
    description: str


ROLE_DEFINITIONS: dict[Role, RoleDefinition] = {
    Role.LEARNER: RoleDefinition(
        Role.LEARNER,
        "Learners",
        (),
        requires_mfa=False,
        description="Works through assigned training and keeps their own record.",
    ),
    Role.FTO: RoleDefinition(
        Role.FTO,
        "Field training officers",
        ("accounts.sign_off_trainees",),
        requires_mfa=True,
        description="Sees and signs off the trainees assigned to them.",
    ),
    Role.SUPERVISOR: RoleDefinition(
        Role.SUPERVISOR,
        "Supervisors",
        (
            "accounts.view_organisation_staff",
            "accounts.invite_staff",
            "courses.assign_programs",
            "courses.view_team_progress",
            "courses.reset_progress",
            "courses.view_protocol_compliance",
            "courses.approve_field_phases",
            "certificates.view_compliance",
            "certificates.view_readiness",
            "accounts.view_program_reports",
        ),
        requires_mfa=True,
        description=(
            "Sees and invites the people of their own organisation, assigns their training and "
            "follows their progress."
        ),
    ),
    Role.HR: RoleDefinition(
        Role.HR,
        "HR",
        (
            "accounts.view_city_staff",
            "accounts.invite_staff",
            "accounts.verify_credentials",
            "courses.view_team_progress",
            "courses.view_protocol_compliance",
            "certificates.view_compliance",
            "certificates.manage_credentials",
            "wagtailadmin.access_admin",
            "certificates.add_credentialtype",
            "certificates.change_credentialtype",
            "certificates.view_credentialtype",
            "certificates.change_certificatebranding",
            "certificates.view_readiness",
            "certificates.view_career_interest",
            "certificates.add_jobrole",
            "certificates.change_jobrole",
            "certificates.view_jobrole",
            "accounts.import_staff",
            "accounts.view_program_reports",
            "accounts.use_api",
            "audit.view_auditevent",
        ),
        requires_mfa=True,
        description=(
            "Reads staff city-wide (contracted organisations only where they share data), "
            "invites people and verifies credentials."
        ),
    ),
    Role.AUTHOR: RoleDefinition(
        Role.AUTHOR,
        "Curriculum authors",
        (
            "wagtailadmin.access_admin",
            "courses.add_competency",
            "courses.change_competency",
            "courses.view_competency",
            "courses.add_competencycategory",
            "courses.change_competencycategory",
            "courses.view_competencycategory",
            "wagtailimages.add_image",
            "wagtailimages.change_image",
            "wagtailimages.choose_image",
            "wagtaildocs.add_document",
            "wagtaildocs.change_document",
            "wagtaildocs.choose_document",
            "scenarios.add_roleplayrubric",
            "scenarios.change_roleplayrubric",
            "scenarios.view_roleplayrubric",
            "scenarios.add_scenariorequirement",
            "scenarios.change_scenariorequirement",
            "scenarios.view_scenariorequirement",
        ),
        requires_mfa=False,
        description="Writes the curriculum in the Wagtail admin.",
    ),
    Role.ADMIN: RoleDefinition(
        Role.ADMIN,
        "Administrators",
        (
            "wagtailadmin.access_admin",
            "accounts.view_city_staff",
            "accounts.view_all_staff",
            "accounts.invite_staff",
            "accounts.manage_roles",
            "accounts.add_organisation",
            "accounts.change_organisation",
            "accounts.view_organisation",
            "courses.assign_programs",
            "courses.view_team_progress",
            "courses.reset_progress",
            "courses.view_protocol_compliance",
            "courses.verify_signoff_chain",
            "certificates.view_compliance",
            "certificates.manage_credentials",
            "certificates.add_credentialtype",
            "certificates.change_credentialtype",
            "certificates.view_credentialtype",
            "certificates.change_certificatebranding",
            "courses.add_calltype",
            "courses.change_calltype",
            "courses.view_calltype",
            "certificates.view_readiness",
            "certificates.view_career_interest",
            "certificates.add_jobrole",
            "certificates.change_jobrole",
            "certificates.view_jobrole",
            "accounts.import_staff",
            "accounts.view_program_reports",
            "accounts.use_api",
            "audit.view_auditevent",
            "xapi.view_statement",
        ),
        requires_mfa=True,
        description="Sets up organisations and roles; full access to both admins.",
    ),
}

GROUP_TO_ROLE: dict[str, Role] = {d.group_name: d.role for d in ROLE_DEFINITIONS.values()}


def roles_of(user) -> list[Role]:
    """The roles a user holds, in the order of `Role`. Uses the prefetched groups if present."""
    if not user.is_authenticated:
        return []
    names = getattr(user, "_relay_group_names", None)
    if names is None:
        # Remembered on the user object: navigation, MFA check and pages ask in one request.
        prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
        if prefetched is not None:
            names = {group.name for group in prefetched}
            user._relay_group_names = names
        else:
            from .backends import load_access  # reads the permissions in the same query

            load_access(user)
            names = user._relay_group_names
    return [role for role in Role if ROLE_DEFINITIONS[role].group_name in names]


def requires_mfa(user) -> bool:
    """True when any role of the user (or superuser status) demands a second factor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(ROLE_DEFINITIONS[role].requires_mfa for role in roles_of(user))


def sync_role_groups(apps) -> None:
    """Create the role groups and set their permissions to exactly those defined above.

    Called from data migrations (this one and any later one that adds a capability), with the
    historical app registry, or with the live one (`django.apps.apps`) where a test needs the
    migrations' data back after a flush; permissions that do not exist yet are created first.
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        # A historical registry's app configs have no models module, and create_permissions
        # skips those; the live registry's keep theirs.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for definition in ROLE_DEFINITIONS.values():
        group, _ = group_model.objects.get_or_create(name=definition.group_name)
        wanted = []
        for dotted in definition.permissions:
            app_label, codename = dotted.split(".")
            wanted.extend(
                permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                )
            )
        group.permissions.set(wanted)
