"""Organisations are set up by administrators in the one admin: Wagtail's."""

from wagtail import hooks
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import Organisation
from .services import organisation_change_record, organisation_stored


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Organisations carry history; they are never deleted."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Organisation, NoDeletePermissionPolicy(Organisation))


class AuditedOrganisationSave:
    """Creating, copying or editing an organisation writes its `ORGANISATION_CHANGED` audit
    row in the transaction Wagtail saves it in."""

    def save_instance(self):
        before = organisation_stored(self.form.instance)
        instance = super().save_instance()
        organisation_change_record(
            actor=self.request.user, organisation=instance, before=before, request=self.request
        )
        return instance


class OrganisationCreateView(AuditedOrganisationSave, generic.CreateView):
    pass


class OrganisationCopyView(AuditedOrganisationSave, generic.CopyView):
    pass


class OrganisationEditView(AuditedOrganisationSave, generic.EditView):
    pass


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    add_view_class = OrganisationCreateView
    copy_view_class = OrganisationCopyView
    edit_view_class = OrganisationEditView
    icon = "site"
    menu_label = "Organisations"
    menu_order = 200
    add_to_admin_menu = True
    list_display = [
        "name",
        "kind",
        "contract_reference",
        "data_sharing",
        "funding_source",
        "time_zone",
    ]
    list_filter = ["kind", "data_sharing", "funding_source"]
    search_fields = ["name", "contract_reference"]
    form_fields = [
        "name",
        "slug",
        "kind",
        "contract_reference",
        "data_sharing",
        "funding_source",
        "time_zone",
        "description",
    ]


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return OrganisationViewSet("organisations")
