"""Reusable filters for people and invitations. Visibility rules mirror `permissions.py`."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class StaffProfileQuerySet(models.QuerySet):
    def visible_to(self, user) -> "StaffProfileQuerySet":
        """The staff profiles `user` may see; the same rule as `permissions.can_view_staff`."""
        if not user.is_authenticated:
            return self.none()
        if user.has_perm("accounts.view_all_staff"):
            return self
        rule = Q(user=user) | Q(supervisor=user) | Q(field_training_officers=user)
        own = getattr(user, "staff_profile", None)
        if user.has_perm("accounts.view_city_staff"):
            rule |= Q(organisation__kind="department") | Q(organisation__data_sharing="full")
        if own is not None and user.has_perm("accounts.view_organisation_staff"):
            rule |= Q(organisation_id=own.organisation_id)
        # The many-to-many join can repeat a row; filter on ids to keep the queryset plain.
        return self.filter(pk__in=self.model.objects.filter(rule).values("pk"))

    def current(self) -> "StaffProfileQuerySet":
        return self.exclude(status="separated")

    def with_people(self) -> "StaffProfileQuerySet":
        return self.select_related("user", "organisation", "job_role", "supervisor")


class InvitationQuerySet(models.QuerySet):
    def pending(self, *, now=None) -> "InvitationQuerySet":
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)
