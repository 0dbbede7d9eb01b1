"""Administrators see the xAPI statements and how forwarding to the LRS is going (read-only)."""

from django.contrib.auth import get_user_model
from django.utils import timezone
from wagtail import hooks
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from .models import Statement
from .selectors import forwarding_summary


class StatementPermissionPolicy(ModelPermissionPolicy):
    """Statements are records: nobody adds, edits or deletes them here. Viewing is for
    administrators (`xapi.view_statement`, granted to the administrator role)."""

    def user_has_permission(self, user, action):
        if action != "view" or not user.is_active:
            return False
        return user.has_perm("xapi.view_statement")

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return self._get_users_with_any_permission_codenames(["view_statement"])


register_permission_policy(Statement, StatementPermissionPolicy(Statement))


class StatementIndexView(IndexView):
    """The list, its filters, and the counts by forwarding state (one aggregate query)."""

    template_name = "xapi/admin/statement_index.html"

    def get_base_queryset(self):
        return super().get_base_queryset().select_related("actor")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["summary"] = forwarding_summary(now=timezone.now())
        return context


class StatementViewSet(ModelViewSet):
    model = Statement
    icon = "list-ul"
    menu_label = "xAPI statements"
    menu_order = 900
    add_to_admin_menu = True
    index_view_class = StatementIndexView
    inspect_view_enabled = True
    copy_view_enabled = False
    form_fields = ["last_error"]  # never shown: the policy allows no add or edit
    list_display = [
        DateColumn("timestamp", label="When", sort_key="timestamp"),
        Column("actor", label="Person"),
        Column("verb", label="Verb", accessor="verb_display"),
        Column("object", label="Activity", accessor="object_name"),
        Column("status", label="Forwarding", accessor="get_status_display", sort_key="status"),
        Column("attempts", label="Tries"),
        DateColumn("next_attempt_at", label="Next try", sort_key="next_attempt_at"),
        Column("last_error", label="Last error"),
    ]
    list_filter = ["status", "verb"]
    search_fields = ["source", "object_id"]
    ordering = ["-timestamp", "source"]
    inspect_view_fields = [
        "id",
        "source",
        "actor",
        "verb",
        "object_id",
        "timestamp",
        "stored",
        "status",
        "forwarded_at",
        "attempts",
        "next_attempt_at",
        "last_error",
        "payload",
    ]


@hooks.register("register_admin_viewset")
def register_statement_viewset():
    return StatementViewSet("xapi-statements")
