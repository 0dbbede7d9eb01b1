"""The continuing-education ledger: completed modules' CE hours, and external events recorded
with evidence; an entry may complete a renewal."""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certificates.expiry import local_date
from certificates.models import (
    ContinuingEducation,
)
from lms.accounts.models import StaffProfile
from lms.sanitize import plain_text
from lms.uploads import Evidence

from .earning import _profile, credentials_check_renewals


def ce_from_module(*, progress, now=None) -> ContinuingEducation | None:
    """A completed module's CE hours go into the holder's ledger (once)."""
    module = progress.module
    hours = Decimal(module.ce_hours or 0)
    if hours <= 0:
        return None
    profile = (
        StaffProfile.objects.select_related("organisation").filter(user_id=progress.user_id).first()
    )
    if profile is None:
        return None
    completed_at = progress.completed_at or now or timezone.now()
    entry, _ = ContinuingEducation.objects.get_or_create(
        holder_id=progress.user_id,
        module=module,
        defaults={
            "source": "module",
            "title": module.title,
            "provider": "Relay",
            "hours": hours,
            "completed_on": local_date(completed_at, profile.organisation.zone),
            "created_at": now or timezone.now(),
        },
    )
    return entry


def ce_record_external(
    *,
    holder,
    title: str,
    provider: str,
    hours: Decimal,
    completed_on: datetime.date,
    evidence: Evidence,
    request_key: uuid.UUID | None = None,
    now=None,
) -> ContinuingEducation:
    """An external CE event with evidence; then any renewal it completes is issued. A retry
    with the same `request_key` returns the entry already recorded."""
    if request_key is not None:
        existing = ContinuingEducation.objects.filter(request_key=request_key).first()
        if existing is not None:
            return existing
    now = now or timezone.now()
    profile = _profile(holder)
    errors = {}
    title = plain_text(title)[:255]
    if not title:
        errors["title"] = "Name the course or event."
    if completed_on > profile.organisation.today(now):
        errors["completed_on"] = "A CE entry cannot be dated in the future."
    if hours <= 0 or hours > 200:
        errors["hours"] = "Give the hours (more than 0, at most 200)."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = ContinuingEducation(
            holder=holder,
            source="external",
            title=title,
            provider=plain_text(provider)[:200],
            hours=hours,
            completed_on=completed_on,
            evidence_name=evidence.name,
            evidence_type=evidence.content_type,
            evidence_sha256=evidence.sha256,
            request_key=request_key,
            created_at=now,
        )
        entry.evidence.save(entry.evidence.field.upload_to(entry, ""), evidence.file, save=False)
        entry.save()
        credentials_check_renewals(user=holder, now=now)
    return entry
