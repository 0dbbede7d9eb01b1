"""Navigation that follows the signed-in person's roles."""

from lms.accounts.backends import granted_permissions
from lms.accounts.roles import Role, roles_of
from lms.navigation import fixed_url as url

# (label, URL name, the permission that shows it)
PERMISSION_ITEMS = (
    ("My trainees", "field:fto_home", "accounts.sign_off_trainees"),
    ("Coaching", "coaching:queue", "accounts.sign_off_trainees"),
    ("Field approvals", "field:supervise", "courses.approve_field_phases"),
    ("Verify credentials", "credentials:verification_queue", "accounts.verify_credentials"),
    ("Compliance", "credentials:compliance", "certificates.view_compliance"),
    ("Readiness", "careers:dashboard", "certificates.view_readiness"),
    ("Reports", "reports:index", "accounts.view_program_reports"),
    ("Team training", "courses:team", "courses.view_team_progress"),
    ("Protocols", "courses:team_protocols", "courses.view_protocol_compliance"),
    ("Invitations", "accounts:invitation_list", "accounts.invite_staff"),
    ("Import staff", "accounts:hris_import", "accounts.import_staff"),
    ("API tokens", "api_tokens:list", "accounts.use_api"),
    ("Audit log", "audit:search", "audit.view_auditevent"),
)
PEOPLE_PERMISSIONS = ("accounts.view_organisation_staff", "accounts.view_city_staff")


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = roles_of(user)
    granted = granted_permissions(user)  # what `has_perm` would check one by one
    items = [("Home", url("home")), ("Transcript", url("courses:transcript"))]
    if Role.LEARNER in roles:
        items.append(("Field training", url("field:mine")))
    items.append(("Credentials", url("credentials:mine")))
    items.append(("Career", url("careers:mine")))
    if Role.FTO in roles or any(perm in granted for perm in PEOPLE_PERMISSIONS):
        items.append(("People", url("accounts:staff_list")))
    items.extend((label, url(name)) for label, name, perm in PERMISSION_ITEMS if perm in granted)
    if "wagtailadmin.access_admin" in granted:
        items.append(("Curriculum admin", "/cms/"))
    items.append(("Account", url("account_email")))
    items.append(("My data", url("accounts:my_data")))
    return {"nav_items": items, "user_roles": [role.label for role in roles]}
