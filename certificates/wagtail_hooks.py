"""HR edits the job-role catalogue and the credential types in the Wagtail admin."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import CredentialType, JobRole


class JobRoleViewSet(ModelViewSet):
    model = JobRole
    icon = "group"
    menu_label = "Job roles"
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "onet_soc_code", "soc_verified"]
    search_fields = ["name", "onet_soc_code"]
    form_fields = ["name", "onet_soc_code", "soc_verified", "description"]


@hooks.register("register_admin_viewset")
def register_job_role_viewset():
    return JobRoleViewSet("job-roles")


class CredentialTypePermissionPolicy(ModelPermissionPolicy):
    """Credential types are never deleted: held credentials point at them (PROTECT) and keep
    their history. A type that is no longer issued is made inactive instead."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


register_permission_policy(CredentialType, CredentialTypePermissionPolicy(CredentialType))


class CredentialTypeViewSet(ModelViewSet):
    """The form is the model's `panels`, with the inline requirements (a ClusterableModel, so
    the requirements are saved with the type)."""

    model = CredentialType
    icon = "tick-inverse"
    menu_label = "Credential types"
    menu_order = 220
    add_to_admin_menu = True
    inspect_view_enabled = True
    list_display = [
        "name",
        "kind",
        "validity_months",
        "window_days",
        "expiry_rule",
        "active",
    ]
    list_filter = ["kind", "expiry_rule", "active", "qualifies_fto", "required_for_roles"]
    search_fields = ["name", "slug", "issuer"]
    ordering = ["name"]


@hooks.register("register_admin_viewset")
def register_credential_type_viewset():
    return CredentialTypeViewSet("credential-types")
