from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Invitation, Organisation, StaffProfile, User
from .services import (
    organisation_change_record,
    organisation_stored,
    staff_move_record,
    staff_profile_stored,
    user_access_change_record,
    user_access_stored,
)


class NoDeleteMixin:
    """People and organisations carry history: the admin never deletes them."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Name", {"fields": ["first_name", "last_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change):
        # The groups are saved after the account (`save_related`): compare there.
        request.relay_access_before = user_access_stored(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """A change of groups or access flags is saved with its `ROLES_CHANGED` audit row."""
        super().save_related(request, form, formsets, change)
        user_access_change_record(
            actor=request.user,
            user=form.instance,
            before=getattr(request, "relay_access_before", None),
            request=request,
        )


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "contract_reference", "data_sharing", "funding_source"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        """Saved with its `ORGANISATION_CHANGED` audit row (the admin's transaction)."""
        before = organisation_stored(obj) if change else None
        super().save_model(request, obj, form, change)
        organisation_change_record(
            actor=request.user, organisation=obj, before=before, request=request
        )


@admin.register(StaffProfile)
class StaffProfileAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "employee_id", "job_role", "status", "hire_date"]
    list_filter = ["organisation", "status"]
    search_fields = ["user__email", "user__last_name", "employee_id"]
    raw_id_fields = ["user", "supervisor", "field_training_officers"]
    list_select_related = ["user", "organisation", "job_role"]

    def save_model(self, request, obj, form, change):
        """A move to another organisation is saved with its `STAFF_MOVED` audit row."""
        before = staff_profile_stored(obj) if change else None
        super().save_model(request, obj, form, change)
        staff_move_record(actor=request.user, profile=obj, before=before, request=request)


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]
