"""What every credential page shows of a credential on a day (its status as a word, days left,
window and grace dates), and renewal progress computed in bulk with the same rules as
`services.earning.renewal_progress` (a test keeps the two in step)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from certificates.expiry import Status, days_left, grace_ends_on, window_opens_on
from certificates.models import (
    ContinuingEducation,
    Credential,
    CredentialState,
    Verification,
)
from certificates.services.earning import credential_status

STATUS_LABELS: dict[Status, str] = {
    Status.NOT_YET: "Not yet valid",
    Status.ACTIVE: "Active",
    Status.WINDOW: "Renewal window open",
    Status.GRACE: "Expired: in grace period",
    Status.EXPIRED: "Expired",
    Status.SUSPENDED: "Suspended",
    Status.REVOKED: "Revoked",
    Status.RENEWED: "Renewed",
}


@dataclass(frozen=True)
class Label:
    """A status as a word and a CSS modifier (colour only reinforces the word)."""

    key: str
    text: str


def status_label(credential: Credential, status: Status) -> Label:
    if credential.verification == Verification.PENDING:
        return Label("pending", "Awaiting verification")
    if credential.verification == Verification.REJECTED:
        return Label("rejected", "Rejected")
    return Label(status.value, STATUS_LABELS[status])


# --- Renewal progress in bulk -------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    name: str
    label: str
    needed: Decimal | int
    done: Decimal | int
    met: bool


@dataclass
class HolderActivity:
    """What one holder did that counts toward renewals: CE entries, refresher completions and
    satisfactory field observations (each fetched once)."""

    ce: list[tuple[datetime.date, Decimal]] = field(default_factory=list)
    completions: dict[int, list[datetime.date]] = field(default_factory=dict)
    observations: list[datetime.date] = field(default_factory=list)


def holder_activity(*, user_ids, program_ids, with_observations: bool) -> dict[int, HolderActivity]:
    """Activity of many holders in at most three queries."""
    from courses.models import Assignment, TaskObservation

    activity: dict[int, HolderActivity] = defaultdict(HolderActivity)
    for holder_id, completed_on, hours in ContinuingEducation.objects.filter(
        holder_id__in=user_ids
    ).values_list("holder_id", "completed_on", "hours"):
        activity[holder_id].ce.append((completed_on, hours))
    if program_ids:
        for user_id, program_id, completed_at in Assignment.objects.filter(
            user_id__in=user_ids, program_id__in=program_ids, completed_at__isnull=False
        ).values_list("user_id", "program_id", "completed_at"):
            day = timezone.localtime(completed_at).date()
            activity[user_id].completions.setdefault(program_id, []).append(day)
    if with_observations:
        for trainee_id, observed_on in TaskObservation.objects.filter(
            trainee_id__in=user_ids, satisfactory=True, superseded_by__isnull=True
        ).values_list("trainee_id", "observed_on"):
            activity[trainee_id].observations.append(observed_on)
    return activity


def ce_in_cycle(credential: Credential, activity: HolderActivity) -> Decimal:
    """CE hours dated from issue to the end of the grace period (as `ce_hours_in_cycle`)."""
    end = grace_ends_on(credential.expires_on, credential.grace_days)
    return sum(
        (
            hours
            for day, hours in activity.ce
            if day >= credential.issued_on and (end is None or day <= end)
        ),
        Decimal(0),
    )


def progress_parts(credential: Credential, activity: HolderActivity) -> list[Part]:
    """Each part of the renewal requirement (as `renewal_progress`), from prefetched activity."""
    credential_type = credential.credential_type
    parts = []
    if credential_type.refresher_program_id:
        opens = (
            window_opens_on(credential.expires_on, credential.window_days) or credential.issued_on
        )
        done = any(
            day >= opens
            for day in activity.completions.get(credential_type.refresher_program_id, [])
        )
        parts.append(Part("refresher", "Refresher program", 1, int(done), done))
    if credential_type.renewal_ce_hours:
        hours = ce_in_cycle(credential, activity)
        needed = credential_type.renewal_ce_hours
        parts.append(Part("ce_hours", "Continuing-education hours", needed, hours, hours >= needed))
    if credential_type.renewal_field_observations:
        count = sum(1 for day in activity.observations if day >= credential.issued_on)
        needed = credential_type.renewal_field_observations
        parts.append(
            Part("field_observations", "Field observations", needed, count, count >= needed)
        )
    return parts


# --- A credential on a day ----------------------------------------------------------------------


@dataclass
class Card:
    """One credential as its holder (or a reviewer) sees it on a day."""

    credential: Credential
    status: Status
    label: Label
    days_left: int | None
    window_opens_on: datetime.date | None
    grace_ends_on: datetime.date | None
    parts: list[Part] = field(default_factory=list)
    history: list["Card"] = field(default_factory=list)

    @property
    def renewal_summary(self) -> str:
        return self.credential.credential_type.renewal_summary

    @property
    def days_text(self) -> str:
        """Days left in words (on the card's day)."""
        left = self.days_left
        if left is None:
            return "Does not expire"
        if left > 1:
            return f"{left} days left"
        if left == 1:
            return "1 day left"
        if left == 0:
            return "Last valid day"
        return "Expired yesterday" if left == -1 else f"Expired {-left} days ago"


def card_for(credential: Credential, on: datetime.date, parts=None) -> Card:
    status = credential_status(credential, on)
    return Card(
        credential=credential,
        status=status,
        label=status_label(credential, status),
        days_left=days_left(on, credential.expires_on),
        window_opens_on=window_opens_on(credential.expires_on, credential.window_days),
        grace_ends_on=grace_ends_on(credential.expires_on, credential.grace_days),
        parts=parts or [],
    )


def is_current(credential: Credential) -> bool:
    """The same rule as `services.earning.current_credential`."""
    return (
        credential.renewed_on is None
        and credential.verification not in (Verification.REJECTED, Verification.PENDING)
        and credential.state != CredentialState.REVOKED
    )
