"""HR edits the job-role catalogue and the credential types in the Wagtail admin."""

from django.contrib import messages
from django.contrib.admin.utils import quote
from django.db.models import ProtectedError
from django.shortcuts import redirect
from wagtail import hooks
from wagtail.admin.panels import ObjectList
from wagtail.admin.views.generic.models import DeleteView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from lms.accounts.models import Invitation

from .admin_forms import JobRoleForm
from .models import CredentialType, JobRole


def _count(number: int, noun: str, plural: str = "") -> str:
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


class JobRoleDeleteView(DeleteView):
    """Deleting a role is refused while anyone holds it or an invitation names it (both point
    at it with PROTECT): a clear message on the role's edit page, never an error page. A role
    nobody holds goes with its requirements, pathways and career interests, as the
    confirmation says."""

    def holders(self) -> str:
        staff = self.object.staff.count()
        invitations = Invitation.objects.filter(job_role=self.object).count()
        parts = []
        if staff:
            parts.append(f"{_count(staff, 'staff member')} {'holds' if staff == 1 else 'hold'} it")
        if invitations:
            verb = "names" if invitations == 1 else "name"
            parts.append(f"{_count(invitations, 'invitation')} {verb} it")
        return " and ".join(parts)

    def refuse(self, holders: str):
        messages.error(
            self.request,
            f"“{self.object}” cannot be deleted: {holders}. Move them to another role first, "
            "or keep the role.",
        )
        return redirect(self.edit_url_name, quote(self.object.pk))

    def get(self, request, *args, **kwargs):
        holders = self.holders()
        if holders:
            return self.refuse(holders)
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        holders = self.holders()
        if holders:
            return self.refuse(holders)
        try:
            return super().form_valid(form)
        except ProtectedError:
            return self.refuse("other records point at it")

    @property
    def confirmation_message(self):
        role = self.object
        pathways = role.pathways_out.count() + role.pathways_in.count()
        return (
            f"Delete the role “{role}”? "
            f"Its {_count(role.credential_requirements.count(), 'credential requirement')}, "
            f"{_count(pathways, 'pathway')} and "
            f"{_count(role.interested.count(), 'career interest')} are deleted with it."
        )


class JobRoleViewSet(ModelViewSet):
    """The form is the model's `panels` (the role, its requirements, and the two inline
    panels: credentials required or preferred, pathways from this role), checked as a whole by
    `JobRoleForm` (no duplicate credential, no retired type, a sound career map)."""

    model = JobRole
    icon = "group"
    menu_label = "Job roles"
    menu_order = 210
    add_to_admin_menu = True
    edit_handler = ObjectList(JobRole.panels, base_form_class=JobRoleForm)
    delete_view_class = JobRoleDeleteView
    list_display = ["name", "onet_soc_code", "department", "pay_grade"]
    search_fields = ["name", "onet_soc_code", "department", "pay_grade"]
    ordering = ["name"]


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
    list_filter = ["kind", "expiry_rule", "active", "qualifies_fto"]
    search_fields = ["name", "slug", "issuer"]
    ordering = ["name"]


@hooks.register("register_admin_viewset")
def register_credential_type_viewset():
    return CredentialTypeViewSet("credential-types")
