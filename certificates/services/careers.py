"""A staff member's opt-in "interested in this role" flag (seen by them and by HR only)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certificates.models import CareerInterest, JobRole
from certificates.permissions import ensure_can_state_career_interest
from lms.accounts.models import StaffProfile
from lms.audit.models import AuditAction
from lms.audit.services import audit_record

OWN_ROLE_MESSAGE = "This is your current role: interest is for roles you might move to."


def career_interest_set(
    *, user, role: JobRole, interested: bool, now: datetime.datetime | None = None
) -> bool:
    """Say (or withdraw) that `role` interests `user`. Idempotent: saying it twice keeps one
    flag, withdrawing one never given changes nothing. Interest in one's own current role is
    refused. Returns whether anything changed; a change writes an audit event in the same
    transaction."""
    ensure_can_state_career_interest(user=user)
    now = now or timezone.now()
    profile = StaffProfile.objects.select_related("organisation").get(user=user)
    if interested and profile.job_role_id == role.pk:
        raise ValidationError(OWN_ROLE_MESSAGE)
    with transaction.atomic():
        if interested:
            _, changed = CareerInterest.objects.get_or_create(
                user=user, role=role, defaults={"created_at": now}
            )
        else:
            deleted, _ = CareerInterest.objects.filter(user=user, role=role).delete()
            changed = deleted > 0
        if changed:
            audit_record(
                action=AuditAction.CAREER_INTEREST,
                actor=user,
                organisation=profile.organisation,
                target=f"job_role:{role.pk}",
                data={"role": role.name, "interested": interested},
                now=now,
            )
    return changed
