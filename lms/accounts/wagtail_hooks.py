"""Organisations are set up by administrators in the one admin: Wagtail's."""

from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import Organisation


class NoDeletePermissionPolicy(ModelPermissionPolicy):
    """Organisations carry history; they are never deleted."""

    def user_has_permission(self, user, action):
        if action == "delete":
            return False
        return super().user_has_permission(user, action)


register_permission_policy(Organisation, NoDeletePermissionPolicy(Organisation))


class OrganisationViewSet(ModelViewSet):
    model = Organisation
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
