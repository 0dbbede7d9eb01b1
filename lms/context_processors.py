"""Navigation that follows the signed-in person's roles."""

from django.urls import reverse

from lms.accounts.roles import Role, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = roles_of(user)
    items = [("Home", reverse("home")), ("Transcript", reverse("courses:transcript"))]
    if Role.LEARNER in roles:
        items.append(("Field training", reverse("field:mine")))
    if (
        user.has_perm("accounts.view_organisation_staff")
        or user.has_perm("accounts.view_city_staff")
        or Role.FTO in roles
    ):
        items.append(("People", reverse("accounts:staff_list")))
    if user.has_perm("accounts.sign_off_trainees"):
        items.append(("My trainees", reverse("field:fto_home")))
        items.append(("Coaching", reverse("coaching:queue")))
    if user.has_perm("courses.approve_field_phases"):
        items.append(("Field approvals", reverse("field:supervise")))
    if user.has_perm("courses.view_team_progress"):
        items.append(("Team training", reverse("courses:team")))
    if user.has_perm("courses.view_protocol_compliance"):
        items.append(("Protocols", reverse("courses:team_protocols")))
    if user.has_perm("accounts.invite_staff"):
        items.append(("Invitations", reverse("accounts:invitation_list")))
    if user.has_perm("wagtailadmin.access_admin"):
        items.append(("Curriculum admin", "/cms/"))
    items.append(("Account", reverse("account_email")))
    return {"nav_items": items, "user_roles": [role.label for role in roles]}
