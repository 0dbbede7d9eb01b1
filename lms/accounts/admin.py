from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Invitation, Organisation, StaffProfile, User


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


@admin.register(Organisation)
class OrganisationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "contract_reference", "data_sharing", "funding_source"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StaffProfile)
class StaffProfileAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "employee_id", "job_role", "status", "hire_date"]
    list_filter = ["organisation", "status"]
    search_fields = ["user__email", "user__last_name", "employee_id"]
    raw_id_fields = ["user", "supervisor", "field_training_officers"]
    list_select_related = ["user", "organisation", "job_role"]


@admin.register(Invitation)
class InvitationAdmin(NoDeleteMixin, admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at"]
    readonly_fields = ["token_hash"]
