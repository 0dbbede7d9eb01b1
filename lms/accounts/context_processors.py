"""Navigation that follows the signed-in person's roles."""

from django.urls import reverse

from .roles import Role, roles_of


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_roles": []}
    roles = roles_of(user)
    items = [("Home", reverse("home"))]
    if (
        user.has_perm("accounts.view_organisation_staff")
        or user.has_perm("accounts.view_city_staff")
        or Role.FTO in roles
    ):
        items.append(("People", reverse("accounts:staff_list")))
    if user.has_perm("accounts.invite_staff"):
        items.append(("Invitations", reverse("accounts:invitation_list")))
    if user.has_perm("wagtailadmin.access_admin"):
        items.append(("Curriculum admin", "/cms/"))
    items.append(("Account", reverse("account_email")))
    return {"nav_items": items, "user_roles": [role.label for role in roles]}
