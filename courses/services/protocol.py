"""Protocol versions, re-acknowledgement requests and acknowledgements."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import StaffProfile, User
from lms.accounts.services import notifications_send

from ..content import body_paragraphs
from ..engines import ChangeLine, paragraph_changes
from ..models import (
    AcknowledgementRequest,
    Assignment,
    ModulePage,
    ProtocolAcknowledgement,
    ProtocolPage,
    ProtocolVersion,
)
from .progress import _maybe_complete, progress_for_update


def affected_staff(protocol: ProtocolPage):
    """Current staff whose job role is in the protocol's audience."""
    return (
        StaffProfile.objects.current()
        .filter(job_role__in=protocol.audience_roles.all())
        .select_related("user")
    )


def protocol_version_record(*, protocol: ProtocolPage, now=None) -> ProtocolVersion | None:
    """Record the live version of a protocol if it is new, and ask everyone affected to
    acknowledge it. Called after publishing; safe to call again (it records nothing twice)."""
    now = now or timezone.now()
    protocol = ProtocolPage.objects.get(pk=protocol.pk)  # the live state, not an editor's copy
    if not protocol.live or protocol.live_revision_id is None:
        return None
    with transaction.atomic():
        if ProtocolVersion.objects.filter(
            protocol=protocol, version__gte=protocol.version
        ).exists():
            return None
        version = ProtocolVersion.objects.create(
            protocol=protocol,
            version=protocol.version,
            revision_id=protocol.live_revision_id,
            title=protocol.title,
            change_summary=protocol.change_summary,
            published_at=now,
        )
        window = datetime.timedelta(days=protocol.reacknowledge_within_days)
        people = list(affected_staff(protocol).select_related("organisation"))
        users = [profile.user for profile in people]
        AcknowledgementRequest.objects.bulk_create(
            [
                AcknowledgementRequest(
                    user=profile.user,
                    protocol_version=version,
                    # Due dates are counted in each person's organisation's time zone.
                    due_on=profile.organisation.today(now) + window,
                    created_at=now,
                )
                for profile in people
            ]
        )
        notifications_send(
            users=users,
            message=f"{protocol.title} changed (version {version.version}): read and acknowledge "
            f"it within {protocol.reacknowledge_within_days} days.",
            url=reverse("courses:protocol", args=[protocol.pk]),
            now=now,
        )
    return version


def protocol_versions_sync(*, now=None) -> int:
    """Record every live protocol version not yet recorded (e.g. after scheduled publishing)."""
    return sum(
        1
        for protocol in ProtocolPage.objects.live()
        if protocol_version_record(protocol=protocol, now=now) is not None
    )


def _assigned_protocol_modules(*, user: User, protocol: ProtocolPage) -> list[ModulePage]:
    """Live modules of this protocol inside programs assigned to the person (two queries:
    a module's program is the page one level up its tree path)."""
    modules = list(ModulePage.objects.live().filter(protocol=protocol))
    if not modules:
        return []
    assigned_paths = set(
        Assignment.objects.open().filter(user=user).values_list("program__path", flat=True)
    )
    return [m for m in modules if m.path[: -ModulePage.steplen] in assigned_paths]


def can_read_protocol(*, user: User, protocol: ProtocolPage) -> bool:
    """Staff read a live protocol if it concerns their role or one of their assigned programs."""
    if not user.is_authenticated or not protocol.live:
        return False
    profile = getattr(user, "staff_profile", None)
    if profile and protocol.audience_roles.filter(pk=profile.job_role_id).exists():
        return True
    return bool(_assigned_protocol_modules(user=user, protocol=protocol))


def protocol_acknowledge(
    *, user: User, protocol: ProtocolPage, now=None
) -> ProtocolAcknowledgement:
    """Attest to the current version. The record keeps the exact revision and statement."""
    protocol = ProtocolPage.objects.get(pk=protocol.pk)  # the live state, never a stale copy
    if not can_read_protocol(user=user, protocol=protocol):
        raise PermissionDenied("This protocol is not one of yours.")
    now = now or timezone.now()
    with transaction.atomic():
        # A version published without the admin (e.g. scheduled) is recorded first, so the
        # acknowledgement is filed under the version whose text the person read.
        protocol_version_record(protocol=protocol, now=now)
        version = protocol.versions.filter(version=protocol.version).first()
        if version is None:
            raise ValidationError("This protocol has not been published yet.")
        if ProtocolAcknowledgement.objects.filter(user=user, protocol_version=version).exists():
            raise ValidationError("You have already acknowledged this version.")
        acknowledgement = ProtocolAcknowledgement.objects.create(
            user=user,
            protocol_version=version,
            revision_id=protocol.live_revision_id,
            statement=protocol.acknowledgement_statement,
            acknowledged_at=now,
        )
        AcknowledgementRequest.objects.filter(
            user=user, protocol_version__protocol=protocol, completed_at__isnull=True
        ).update(completed_at=now)
        for module in _assigned_protocol_modules(user=user, protocol=protocol):
            progress = progress_for_update(user=user, module=module)
            _maybe_complete(progress, module, now)
    return acknowledgement


def changes_since_acknowledged(
    *, user: User, protocol: ProtocolPage
) -> tuple[ProtocolAcknowledgement | None, list[ChangeLine]]:
    """What changed between the revision the person last acknowledged and the live one."""
    last = (
        ProtocolAcknowledgement.objects.filter(user=user, protocol_version__protocol=protocol)
        .select_related("revision", "protocol_version")
        .order_by("-acknowledged_at")
        .first()
    )
    if last is None or last.revision_id == protocol.live_revision_id:
        return last, []
    before = body_paragraphs(last.revision.as_object())
    after = body_paragraphs(protocol)
    return last, paragraph_changes(before, after)
