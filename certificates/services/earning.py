"""Earning and renewing credentials: the type's requirements met (issued by Relay), its
renewal requirement met in the window or grace period (renewed), and each credential's status
on a day. Every issue and renewal writes a signed decision in the same transaction."""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from certificates.expiry import Status, local_date, next_expiry, status_on, window_opens_on
from certificates.models import (
    ContinuingEducation,
    Credential,
    CredentialKind,
    CredentialState,
    CredentialType,
    DecisionKind,
    RequirementKind,
    Verification,
)
from lms.accounts.models import StaffProfile

from .decisions import decision_append

HR_CAPACITY = "HR"

HOLDER_CAPACITY = "Holder"

RELAY_CAPACITY = "Relay (requirement met)"


def _profile(user) -> StaffProfile:
    profile = StaffProfile.objects.select_related("organisation").filter(user=user).first()
    if profile is None:
        raise ValidationError("Only staff members hold credentials.")
    return profile


def credential_status(credential: Credential, on: datetime.date) -> Status:
    """The status of one credential on a day (the engine over its stored dates and state)."""
    return (
        status_on(
            on,
            issued_on=credential.issued_on,
            expires_on=credential.expires_on,
            window_days=credential.window_days,
            grace_days=credential.grace_days,
            suspended=credential.state == CredentialState.SUSPENDED,
            revoked=credential.state == CredentialState.REVOKED
            or credential.verification == Verification.REJECTED,
            renewed_on=credential.renewed_on,
        )
        if credential.verification != Verification.PENDING
        else Status.NOT_YET
    )


def current_credential(user, credential_type: CredentialType) -> Credential | None:
    """The holder's latest instance of a type that has not been renewed, rejected or revoked."""
    return (
        Credential.objects.filter(
            holder=user, credential_type=credential_type, renewed_on__isnull=True
        )
        .exclude(verification=Verification.REJECTED)
        .exclude(state=CredentialState.REVOKED)
        .order_by("-issued_on", "-pk")
        .first()
    )


def requirements_snapshot(*, user, credential_type: CredentialType) -> dict | None:
    """What `user` earned the type against, or None while a requirement is unmet (a type with
    no requirements is never earned automatically)."""
    from courses.models import Assignment, FieldTraining
    from scenarios.models import AttemptStatus, ScenarioAttempt

    requirements = list(credential_type.requirements.all())
    if not requirements:
        return None
    met = []
    for requirement in requirements:
        if requirement.kind == RequirementKind.PROGRAM:
            done = (
                Assignment.objects.filter(
                    user=user, program_id=requirement.program_id, completed_at__isnull=False
                )
                .order_by("completed_at")
                .values("completed_at", "program_title")
                .first()
            )
            if done is None:
                return None
            met.append(
                {
                    "kind": "program",
                    "id": requirement.program_id,
                    "title": done["program_title"],
                    "completed_at": done["completed_at"].isoformat(),
                }
            )
        elif requirement.kind == RequirementKind.TASK_BOOK:
            released = (
                FieldTraining.objects.filter(
                    trainee=user, task_book_id=requirement.task_book_id, status="released"
                )
                .values("pk", "title", "revision_id", "released_at")
                .first()
            )
            if released is None:
                return None
            met.append(
                {
                    "kind": "task_book",
                    "id": requirement.task_book_id,
                    "title": released["title"],
                    "field_training": released["pk"],
                    "revision": released["revision_id"],
                    "completed_at": released["released_at"].isoformat(),
                }
            )
        elif requirement.kind == RequirementKind.SCENARIO:
            attempt = (
                ScenarioAttempt.objects.filter(
                    user=user,
                    scenario_id=requirement.scenario_id,
                    status=AttemptStatus.FINISHED,
                    passed=True,
                )
                .order_by("finished_at")
                .values("pk", "revision_id", "finished_at", "percent")
                .first()
            )
            if attempt is None:
                return None
            met.append(
                {
                    "kind": "scenario",
                    "id": requirement.scenario_id,
                    "attempt": attempt["pk"],
                    "revision": attempt["revision_id"],
                    "percent": attempt["percent"],
                    "completed_at": attempt["finished_at"].isoformat(),
                }
            )
    return {"requirements": met}


def _expiry_for(credential_type: CredentialType, *, completed_on, previous: Credential | None):
    return next_expiry(
        rule=credential_type.expiry_rule,
        completed_on=completed_on,
        validity_months=credential_type.validity_months,
        previous_expiry=previous.expires_on if previous else None,
        grace_days=credential_type.grace_days,
        fixed_month=credential_type.fixed_month,
        fixed_day=credential_type.fixed_day,
        minimum_active_months=credential_type.minimum_active_months,
    )


def _new_credential(
    *,
    user,
    profile: StaffProfile,
    credential_type: CredentialType,
    issued_on: datetime.date,
    expires_on: datetime.date | None,
    now,
    previous: Credential | None = None,
    earned_against: dict | None = None,
    **fields,
) -> Credential:
    return Credential.objects.create(
        holder=user,
        organisation=profile.organisation,
        credential_type=credential_type,
        kind=credential_type.kind,
        title=credential_type.name,
        issuer=credential_type.issuer,
        validity_months=credential_type.validity_months,
        window_days=credential_type.window_days,
        grace_days=credential_type.grace_days,
        expiry_rule=credential_type.expiry_rule,
        earned_against=earned_against or {},
        issued_on=issued_on,
        expires_on=expires_on,
        original_expires_on=expires_on,
        previous=previous,
        created_at=now,
        **fields,
    )


def credentials_check_earned(
    *, user, page_ids: set[int] | None = None, now=None
) -> list[Credential]:
    """Issue (or renew) every earned credential whose requirements `user` now meets. With
    `page_ids`, only types whose requirements or refresher name one of those pages."""
    now = now or timezone.now()
    types = CredentialType.objects.filter(kind=CredentialKind.EARNED, active=True)
    if page_ids is not None:
        types = types.filter(
            Q(requirements__program_id__in=page_ids)
            | Q(requirements__task_book_id__in=page_ids)
            | Q(requirements__scenario_id__in=page_ids)
            | Q(refresher_program_id__in=page_ids)
        ).distinct()
    issued = []
    for credential_type in types.prefetch_related("requirements"):
        credential = credential_earn(user=user, credential_type=credential_type, now=now)
        if credential is not None:
            issued.append(credential)
    return issued


def credential_earn(*, user, credential_type: CredentialType, now=None) -> Credential | None:
    """Issue the type to `user` if its requirements are met and they hold no current instance,
    or renew the current one if its renewal requirement is met in its window or grace period."""
    now = now or timezone.now()
    profile = _profile(user)
    today = local_date(now, profile.organisation.zone)
    with transaction.atomic():
        current = current_credential(user, credential_type)
        if current is not None:
            status = credential_status(current, today)
            if status in (Status.WINDOW, Status.GRACE) and renewal_met(current, on=today):
                return _renew(current, profile=profile, now=now, today=today)
            if status != Status.EXPIRED:
                return None
        snapshot = requirements_snapshot(user=user, credential_type=credential_type)
        if snapshot is None:
            return None
        if current is not None and not _earned_after(snapshot, current):
            return None  # the requirements were met for the lapsed instance, not again
        credential = _new_credential(
            user=user,
            profile=profile,
            credential_type=credential_type,
            issued_on=today,
            expires_on=_expiry_for(credential_type, completed_on=today, previous=current),
            now=now,
            previous=current,
            earned_against=snapshot,
        )
        if current is not None:
            current.renewed_on = today
            current.save(update_fields=["renewed_on"])
        decision_append(
            credential=credential,
            kind=DecisionKind.ISSUED,
            actor=None,
            actor_role=RELAY_CAPACITY,
            decided_at=now,
            request_key=uuid.uuid4(),
        )
        return credential


def _earned_after(snapshot: dict, credential: Credential) -> bool:
    issued = datetime.datetime.combine(credential.issued_on, datetime.time(0), tzinfo=datetime.UTC)
    return all(
        datetime.datetime.fromisoformat(item["completed_at"]) >= issued
        for item in snapshot["requirements"]
    )


def ce_hours_in_cycle(credential: Credential) -> Decimal:
    """Continuing-education hours of the holder dated in the credential's cycle (from issue to
    the end of its grace period)."""
    end = (
        credential.expires_on + datetime.timedelta(days=credential.grace_days)
        if credential.expires_on
        else None
    )
    entries = ContinuingEducation.objects.filter(
        holder_id=credential.holder_id, completed_on__gte=credential.issued_on
    )
    if end is not None:
        entries = entries.filter(completed_on__lte=end)
    return entries.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def field_observations_in_cycle(credential: Credential) -> int:
    from courses.models import TaskObservation

    # Observed performances the holder took part in: as the trainee observed, or as the FTO
    # observing (an FTO credential renews by field work done as an FTO).
    return TaskObservation.objects.filter(
        Q(trainee_id=credential.holder_id) | Q(fto_id=credential.holder_id),
        satisfactory=True,
        superseded_by__isnull=True,
        observed_on__gte=credential.issued_on,
    ).count()


def renewal_progress(credential: Credential) -> dict:
    """Each part of the type's renewal requirement: needed, done, met."""
    credential_type = credential.credential_type
    parts = {}
    if credential_type.refresher_program_id:
        from courses.models import Assignment

        opens = (
            window_opens_on(credential.expires_on, credential.window_days) or credential.issued_on
        )
        done = Assignment.objects.filter(
            user_id=credential.holder_id,
            program_id=credential_type.refresher_program_id,
            completed_at__date__gte=opens,
        ).exists()
        parts["refresher"] = {"needed": 1, "done": int(done), "met": done}
    if credential_type.renewal_ce_hours:
        hours = ce_hours_in_cycle(credential)
        parts["ce_hours"] = {
            "needed": credential_type.renewal_ce_hours,
            "done": hours,
            "met": hours >= credential_type.renewal_ce_hours,
        }
    if credential_type.renewal_field_observations:
        count = field_observations_in_cycle(credential)
        parts["field_observations"] = {
            "needed": credential_type.renewal_field_observations,
            "done": count,
            "met": count >= credential_type.renewal_field_observations,
        }
    return parts


def renewal_met(credential: Credential, *, on: datetime.date) -> bool:
    """An earned credential renews when every configured part of its type's renewal
    requirement is met (a type with none configured does not renew automatically)."""
    parts = renewal_progress(credential)
    return bool(parts) and all(part["met"] for part in parts.values())


def _renew(current: Credential, *, profile, now, today) -> Credential:
    credential_type = current.credential_type
    renewed = _new_credential(
        user=current.holder,
        profile=profile,
        credential_type=credential_type,
        issued_on=today,
        expires_on=_expiry_for(credential_type, completed_on=today, previous=current),
        now=now,
        previous=current,
        earned_against={"renewal_of": str(current.public_id), "requirement": _json_parts(current)},
    )
    current.renewed_on = today
    current.save(update_fields=["renewed_on"])
    decision_append(
        credential=renewed,
        kind=DecisionKind.RENEWED,
        actor=None,
        actor_role=RELAY_CAPACITY,
        decided_at=now,
        request_key=uuid.uuid4(),
        extra={"previous": str(current.public_id), "previous_expires_on": current.expires_on},
    )
    return renewed


def _json_parts(credential: Credential) -> dict:
    return {
        name: {key: str(value) for key, value in part.items()}
        for name, part in renewal_progress(credential).items()
    }


def credentials_check_renewals(*, user, now=None) -> list[Credential]:
    """Renew whatever of `user`'s earned credentials now meets its renewal requirement."""
    now = now or timezone.now()
    renewed = []
    types = CredentialType.objects.filter(
        kind=CredentialKind.EARNED, credentials__holder=user, credentials__renewed_on__isnull=True
    ).distinct()
    for credential_type in types:
        credential = credential_earn(user=user, credential_type=credential_type, now=now)
        if credential is not None:
            renewed.append(credential)
    return renewed
