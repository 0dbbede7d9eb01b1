"""A person's readiness for city roles, with what stands between them and each role and how to
close it (STYLE.md §2): a program to complete (with a link once it is assigned to them), the
refresher when a credential has lapsed, recording an external certificate with evidence for HR
to verify, a pending record awaiting HR, a suspension, the time in role still to serve, release
from field training.

`role_fits` reads the person's facts once for all the roles asked about (two queries), the
roles' requirements once (one) and what closes the gaps once (up to four), whatever the number
of roles, credentials or programs. Besides the gaps missing on the day asked about, it lists the
credentials that are met now but lapse before the person reaches the role's minimum time in
role (`Gap.later`). The pages are `certificates.selectors.careers`.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.urls import reverse

from certificates.expiry import add_months
from certificates.models import (
    Credential,
    CredentialKind,
    CredentialRequirement,
    CredentialState,
    CredentialType,
    JobRole,
    RequirementKind,
    Verification,
)
from certificates.readiness import Item, ItemKind, PersonFacts, Readiness, readiness
from certificates.selectors.readiness import person_facts, role_requirements
from courses.models import Assignment
from lms.accounts.models import StaffProfile


@dataclass(frozen=True)
class NextAction:
    """One thing the person can do about a gap: a sentence, and a link when there is a page."""

    text: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Gap:
    """A requirement missing on the day asked about, or (`later`) met now but lapsing before the
    day the time in role is reached."""

    kind: ItemKind
    label: str
    detail: str
    actions: tuple[NextAction, ...] = ()
    later: bool = False


@dataclass(frozen=True)
class RoleFit:
    """A person's readiness for one role, with the gaps and next actions."""

    role: JobRole
    readiness: Readiness
    gaps: tuple[Gap, ...]
    interested: bool
    is_current: bool

    @property
    def waiting_on_time(self) -> bool:
        """Only the time in role is missing on the day asked about."""
        missing = self.readiness.missing
        return bool(missing) and all(item.kind == ItemKind.TIME_IN_ROLE for item in missing)

    @property
    def preferred(self) -> tuple[Item, ...]:
        return tuple(item for item in self.readiness.items if item.kind == ItemKind.PREFERRED)


@dataclass
class _TypeHelp:
    """What is known about the credential types a person lacks (read once for all roles)."""

    types: dict[int, CredentialType] = field(default_factory=dict)
    requirements: dict[int, list[CredentialRequirement]] = field(default_factory=dict)
    assigned: set[int] = field(default_factory=set)  # program ids with an open assignment
    held: dict[int, list[Credential]] = field(default_factory=dict)  # newest first


def _type_help(*, user, type_ids: set[int]) -> _TypeHelp:
    """Types, what earns them, the person's open assignments and instances (four queries, none
    when nothing is missing)."""
    if not type_ids:
        return _TypeHelp()
    types = {
        t.pk: t
        for t in CredentialType.objects.filter(pk__in=type_ids).select_related("refresher_program")
    }
    requirements: dict[int, list[CredentialRequirement]] = defaultdict(list)
    for requirement in (
        CredentialRequirement.objects.filter(credential_type_id__in=type_ids)
        .select_related("program", "task_book", "scenario")
        .order_by("pk")
    ):
        page = requirement.program or requirement.task_book or requirement.scenario
        if page is not None and page.live:
            requirements[requirement.credential_type_id].append(requirement)
    program_ids = {r.program_id for rs in requirements.values() for r in rs if r.program_id}
    program_ids |= {t.refresher_program_id for t in types.values() if t.refresher_program_id}
    assigned = set(
        Assignment.objects.open()
        .filter(user=user, program_id__in=program_ids)
        .values_list("program_id", flat=True)
    )
    held: dict[int, list[Credential]] = defaultdict(list)
    instances = (
        Credential.objects.filter(holder=user, credential_type_id__in=type_ids)
        .only("credential_type_id", "public_id", "verification", "state", "issued_on")
        .order_by("-issued_on", "-pk")
    )
    for credential in instances:
        held[credential.credential_type_id].append(credential)
    return _TypeHelp(types=types, requirements=requirements, assigned=assigned, held=held)


def _program_action(text: str, program, assigned: set[int]) -> NextAction:
    if program.pk in assigned:
        return NextAction(text, reverse("courses:program", kwargs={"pk": program.pk}))
    return NextAction(text, note="not assigned to you yet: ask your supervisor to assign it")


def _credential_actions(
    type_id: int, *, day: datetime.date, facts: PersonFacts, known: _TypeHelp
) -> tuple[NextAction, ...]:
    """How to hold a valid credential of the type on `day`: a pending record awaits HR; a
    suspended one is for HR; otherwise the programs (or task books, scenarios) that award it,
    the refresher when an instance has lapsed, and for external types, recording it."""
    credential_type = known.types.get(type_id)
    if credential_type is None:
        return ()
    instances = known.held.get(type_id, [])
    pending = [c for c in instances if c.verification == Verification.PENDING]
    if pending:
        return (
            NextAction(
                "Awaiting verification by HR",
                reverse("credentials:detail", kwargs={"public_id": pending[0].public_id}),
                "HR checks the evidence you recorded",
            ),
        )
    actions: list[NextAction] = []
    latest = instances[0] if instances else None
    if latest is not None and latest.state == CredentialState.SUSPENDED:
        actions.append(
            NextAction(
                "Your credential is suspended",
                reverse("credentials:detail", kwargs={"public_id": latest.public_id}),
                "HR can tell you what lifts the suspension",
            )
        )
    lapsed = any(  # held in force, but expired by `day`: the refresher renews it
        c.credential_type_id == type_id
        and c.in_force
        and c.issued_on <= day
        and c.expires_on is not None
        and c.expires_on < day
        for c in facts.credentials
    )
    refresher = credential_type.refresher_program
    if lapsed and refresher is not None and refresher.live:
        actions.append(
            _program_action(f"Complete the refresher {refresher.title}", refresher, known.assigned)
        )
    if credential_type.kind == CredentialKind.EXTERNAL:
        actions.append(
            NextAction(
                "Record the renewed certificate with evidence"
                if any(c.verification != Verification.REJECTED for c in instances)
                else "Record it with evidence",
                reverse("credentials:record"),
                f"issued by {credential_type.issuer}; HR verifies it",
            )
        )
    for requirement in known.requirements.get(type_id, []):
        if requirement.kind == RequirementKind.PROGRAM:
            actions.append(
                _program_action(
                    f"Complete the program {requirement.program.title}",
                    requirement.program,
                    known.assigned,
                )
            )
        elif requirement.kind == RequirementKind.TASK_BOOK:
            actions.append(
                NextAction(
                    f"Be released from the task book {requirement.task_book.title}",
                    reverse("field:mine"),
                )
            )
        else:
            actions.append(NextAction(f"Pass the scenario {requirement.scenario.title}"))
    if not actions:
        actions.append(NextAction("Ask HR how this credential is earned"))
    return tuple(actions)


def role_fits(
    *,
    user,
    profile: StaffProfile,
    roles: Sequence[JobRole],
    on: datetime.date,
    interested: set[int],
) -> dict[int, RoleFit]:
    """The person's readiness for each of `roles` on `on`, with gaps and next actions: the
    person's facts are read once (two queries), the requirements once (one), and what closes
    the gaps once (up to four)."""
    if not roles:
        return {}
    facts = person_facts(profile)
    requirements = role_requirements(roles)
    results: dict[int, tuple[Readiness, Readiness | None, datetime.date | None]] = {}
    lacking: set[int] = set()
    for role in roles:
        needs = requirements[role.pk]
        now = readiness(needs, facts, on=on)
        reached = later = None
        if any(item.kind == ItemKind.TIME_IN_ROLE for item in now.missing):
            reached = add_months(facts.in_role_since, needs.minimum_months)
            later = readiness(needs, facts, on=reached)
        results[role.pk] = (now, later, reached)
        for result in (now, later):
            if result is not None:
                lacking |= {
                    item.credential_type_id
                    for item in result.missing
                    if item.kind == ItemKind.CREDENTIAL
                }
    known = _type_help(user=user, type_ids=lacking)
    fits = {}
    for role in roles:
        now, later, reached = results[role.pk]
        gaps = [
            _gap(item, day=on, reached=reached, facts=facts, known=known) for item in now.missing
        ]
        if later is not None:
            missing_now = {item.credential_type_id for item in now.missing}
            gaps.extend(
                Gap(
                    item.kind,
                    item.label,
                    f"on {reached:%-d %b %Y}, when you reach the time in role: {item.detail}",
                    _credential_actions(
                        item.credential_type_id, day=reached, facts=facts, known=known
                    ),
                    later=True,
                )
                for item in later.missing
                if item.kind == ItemKind.CREDENTIAL and item.credential_type_id not in missing_now
            )
        fits[role.pk] = RoleFit(
            role=role,
            readiness=now,
            gaps=tuple(gaps),
            interested=role.pk in interested,
            is_current=role.pk == profile.job_role_id,
        )
    return fits


def _gap(
    item: Item,
    *,
    day: datetime.date,
    reached: datetime.date | None,
    facts: PersonFacts,
    known: _TypeHelp,
) -> Gap:
    if item.kind == ItemKind.CREDENTIAL:
        actions = _credential_actions(item.credential_type_id, day=day, facts=facts, known=known)
    elif item.kind == ItemKind.TIME_IN_ROLE:
        actions = (NextAction(f"Keep going: you reach it on {reached:%-d %b %Y}"),)
    else:
        actions = (
            NextAction(
                "Complete field training: your field training officer signs you off and a "
                "supervisor releases you",
                reverse("field:mine"),
            ),
        )
    return Gap(item.kind, item.label, item.detail, actions)
