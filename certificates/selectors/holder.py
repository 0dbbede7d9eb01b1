"""A holder's read models: my credentials (on any day), one credential, the CE ledger and the
calendar feed's credentials."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from certificates.expiry import grace_ends_on
from certificates.models import (
    ContinuingEducation,
    Credential,
    CredentialDecision,
    CredentialKind,
    CredentialType,
    RequirementKind,
    Verification,
)

from .common import (
    Card,
    HolderActivity,
    card_for,
    ce_in_cycle,
    holder_activity,
    is_current,
    progress_parts,
)

# --- My credentials -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    met: bool
    started: bool


@dataclass(frozen=True)
class InProgress:
    """An earned credential the person is working towards: some requirement under way."""

    credential_type: CredentialType
    steps: list[Step]

    @property
    def met(self) -> int:
        return sum(step.met for step in self.steps)


@dataclass
class MyCredentials:
    on: datetime.date
    today: datetime.date
    cards: list[Card]
    pending: list[Card]
    ce_total: Decimal
    ce_count: int
    in_progress: list[InProgress] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.on == self.today


def my_credentials(*, user, on: datetime.date, today: datetime.date) -> MyCredentials:
    """Every credential type `user` holds: the current instance with its status on `on`, what
    renewing takes and how far they are, the instances it replaced; and those awaiting HR."""
    credentials = list(
        Credential.objects.filter(holder=user)
        .select_related("credential_type")
        .order_by("title", "-issued_on", "-pk")
    )
    activity = holder_activity(
        user_ids=[user.pk],
        program_ids={
            c.credential_type.refresher_program_id
            for c in credentials
            if c.credential_type.refresher_program_id
        },
        with_observations=any(c.credential_type.renewal_field_observations for c in credentials),
    )[user.pk]
    by_type: dict[int, list[Credential]] = defaultdict(list)
    pending = []
    for credential in credentials:
        if credential.verification == Verification.PENDING:
            pending.append(card_for(credential, on))
        else:
            by_type[credential.credential_type_id].append(credential)
    cards = []
    for instances in by_type.values():
        head = next((c for c in instances if is_current(c)), instances[0])
        card = card_for(head, on, parts=progress_parts(head, activity) if is_current(head) else [])
        card.history = [card_for(c, on) for c in instances if c is not head]
        cards.append(card)
    cards.sort(key=lambda c: (c.days_left is None, c.days_left or 0, c.credential.title))
    return MyCredentials(
        on=on,
        today=today,
        cards=cards,
        pending=pending,
        ce_total=sum((hours for _, hours in activity.ce), Decimal(0)),
        ce_count=len(activity.ce),
        in_progress=in_progress(user=user, held={c.credential_type_id for c in credentials}),
    )


def in_progress(*, user, held: set[int]) -> list[InProgress]:
    """Earned credentials `user` does not hold yet but has started on: a required program
    assigned, a required task book under way, or any requirement already met. Five queries."""
    from courses.models import Assignment, FieldTraining
    from scenarios.models import AttemptStatus, ScenarioAttempt

    types = list(
        CredentialType.objects.filter(kind=CredentialKind.EARNED, active=True)
        .exclude(pk__in=held)
        .prefetch_related(
            "requirements__program", "requirements__task_book", "requirements__scenario"
        )
    )
    if not types:
        return []
    programs = dict(
        Assignment.objects.filter(user=user, ended_at__isnull=True).values_list(
            "program_id", "completed_at"
        )
    )
    trainings = dict(
        FieldTraining.objects.filter(trainee=user).values_list("task_book_id", "status")
    )
    passed = set(
        ScenarioAttempt.objects.filter(
            user=user, status=AttemptStatus.FINISHED, passed=True
        ).values_list("scenario_id", flat=True)
    )
    found = []
    for credential_type in types:
        steps = []
        for requirement in credential_type.requirements.all():
            if requirement.kind == RequirementKind.PROGRAM:
                completed = programs.get(requirement.program_id)
                steps.append(
                    Step(
                        f"Complete the program {requirement.program.title}",
                        met=completed is not None,
                        started=requirement.program_id in programs,
                    )
                )
            elif requirement.kind == RequirementKind.TASK_BOOK:
                status = trainings.get(requirement.task_book_id)
                steps.append(
                    Step(
                        f"Be released from the task book {requirement.task_book.title}",
                        met=status == "released",
                        started=status is not None,
                    )
                )
            else:
                done = requirement.scenario_id in passed
                steps.append(
                    Step(f"Pass the scenario {requirement.scenario.title}", met=done, started=done)
                )
        if steps and any(step.started or step.met for step in steps):
            found.append(InProgress(credential_type=credential_type, steps=steps))
    return found


# --- One credential -----------------------------------------------------------------------------


@dataclass
class Detail:
    card: Card
    decisions: list[CredentialDecision]
    renewal: Credential | None


def credential_for_page(public_id) -> Credential:
    return Credential.objects.select_related(
        "holder", "organisation", "credential_type", "previous", "recorded_by"
    ).get(public_id=public_id)


def credential_detail(*, credential: Credential, on: datetime.date) -> Detail:
    activity = holder_activity(
        user_ids=[credential.holder_id],
        program_ids=[credential.credential_type.refresher_program_id]
        if credential.credential_type.refresher_program_id
        else [],
        with_observations=bool(credential.credential_type.renewal_field_observations),
    )[credential.holder_id]
    parts = progress_parts(credential, activity) if is_current(credential) else []
    renewal = Credential.objects.filter(previous=credential).only("public_id", "issued_on").first()
    return Detail(
        card=card_for(credential, on, parts=parts),
        decisions=list(credential.decisions.order_by("sequence")),
        renewal=renewal,
    )


# --- Continuing education -----------------------------------------------------------------------


@dataclass(frozen=True)
class Cycle:
    credential: Credential
    needed: Decimal
    done: Decimal
    ends_on: datetime.date | None


@dataclass
class Ledger:
    entries: list[ContinuingEducation]
    total: Decimal
    cycles: list[Cycle]


def ce_ledger(*, user) -> Ledger:
    """The person's CE entries, newest first, and the hours counted in the current cycle of each
    credential whose renewal needs CE hours (two queries)."""
    entries = list(ContinuingEducation.objects.filter(holder=user).select_related("module"))
    activity = HolderActivity(ce=[(entry.completed_on, entry.hours) for entry in entries])
    cycles = [
        Cycle(
            credential=credential,
            needed=credential.credential_type.renewal_ce_hours,
            done=ce_in_cycle(credential, activity),
            ends_on=grace_ends_on(credential.expires_on, credential.grace_days),
        )
        for credential in Credential.objects.filter(
            holder=user, credential_type__renewal_ce_hours__gt=0
        )
        .select_related("credential_type")
        .order_by("title")
        if is_current(credential)
    ]
    return Ledger(entries=entries, total=sum((e.hours for e in entries), Decimal(0)), cycles=cycles)


def current_for_calendar(*, user) -> list[Credential]:
    """The person's current credentials that expire (for the iCalendar feed)."""
    return [
        credential
        for credential in Credential.objects.filter(holder=user, expires_on__isnull=False)
        .only(
            "public_id",
            "title",
            "issuer",
            "certificate_number",
            "expires_on",
            "window_days",
            "renewed_on",
            "verification",
            "state",
        )
        .order_by("expires_on", "pk")
        if is_current(credential)
    ]
