"""HR's drill-down from the readiness dashboard: one person's readiness for a role, from the
pure rules over their facts (`certificates.readiness.readiness`), with what closes each gap as
the viewer may act on it (the person's own program pages; for those who follow training, the
program's progress grid)."""

import datetime
from dataclasses import dataclass

from django.urls import reverse

from certificates.models import (
    CredentialKind,
    CredentialRequirement,
    CredentialType,
    JobRole,
    RequirementKind,
)
from certificates.readiness import Item, ItemKind, PersonFacts, Readiness, readiness
from certificates.selectors.career_actions import NextAction
from certificates.selectors.readiness import person_facts, role_requirements
from lms.accounts.models import StaffProfile


@dataclass(frozen=True)
class Line:
    """One counted requirement, met or missing, and (when missing) what closes it."""

    item: Item
    steps: tuple[NextAction, ...] = ()


@dataclass
class PersonReadiness:
    profile: StaffProfile
    role: JobRole
    readiness: Readiness
    lines: list[Line]
    preferred: list[Item]
    is_self: bool


def _program_step(program, *, text: str, viewer, is_self: bool) -> NextAction:
    """A program that awards what is missing: the person's own program page for them; the
    program's progress grid for those who follow training."""
    if is_self:
        return NextAction(text, reverse("courses:program", kwargs={"pk": program.pk}))
    if viewer.has_perm("courses.view_team_progress"):
        return NextAction(
            text,
            reverse("courses:team_grid", kwargs={"pk": program.pk}),
            "the program's progress for the people you follow",
        )
    return NextAction(text)


def _credential_steps(
    type_id: int,
    *,
    facts: PersonFacts,
    on: datetime.date,
    types: dict[int, CredentialType],
    programs: dict[int, list],
    viewer,
    is_self: bool,
) -> tuple[NextAction, ...]:
    credential_type = types.get(type_id)
    if credential_type is None:
        return ()
    steps = []
    listed: set[int] = set()
    lapsed = any(
        held.credential_type_id == type_id
        and held.in_force
        and held.expires_on is not None
        and held.expires_on < on
        for held in facts.credentials
    )
    refresher = credential_type.refresher_program
    if lapsed and refresher is not None and refresher.live:
        steps.append(
            _program_step(
                refresher,
                text=f"Complete the refresher program {refresher.title}",
                viewer=viewer,
                is_self=is_self,
            )
        )
        listed.add(refresher.pk)
    steps.extend(
        _program_step(
            program,
            text=f"Complete the program {program.title}",
            viewer=viewer,
            is_self=is_self,
        )
        for program in programs.get(type_id, [])
        if program.pk not in listed
    )
    if credential_type.kind == CredentialKind.EXTERNAL:
        steps.append(
            NextAction(
                "Recorded with evidence: the holder records the certificate and HR verifies it",
                reverse("credentials:record") if is_self else "",
                f"issued by {credential_type.issuer}",
            )
        )
    if not steps:
        steps.append(NextAction("No program in Relay awards this credential; ask HR"))
    return tuple(steps)


def person_readiness(
    *, viewer, profile: StaffProfile, role: JobRole, on: datetime.date
) -> PersonReadiness:
    """One person's readiness for `role` on `on`, from the pure rules over their facts: each
    requirement met or missing with its detail, and for what is missing the programs that
    award it (a fixed number of queries: requirements, facts, and two for the programs)."""
    requirements = role_requirements([role])[role.pk]
    facts = person_facts(profile)
    result = readiness(requirements, facts, on=on)
    is_self = viewer.pk == profile.user_id
    missing_types = {
        item.credential_type_id for item in result.missing if item.kind == ItemKind.CREDENTIAL
    }
    types: dict[int, CredentialType] = {}
    programs: dict[int, list] = {}
    if missing_types:
        types = {
            t.pk: t
            for t in CredentialType.objects.filter(pk__in=missing_types).select_related(
                "refresher_program"
            )
        }
        for requirement in (
            CredentialRequirement.objects.filter(
                credential_type_id__in=missing_types,
                kind=RequirementKind.PROGRAM,
                program__live=True,
            )
            .select_related("program")
            .order_by("program__title", "pk")
        ):
            programs.setdefault(requirement.credential_type_id, []).append(requirement.program)
    lines = []
    for item in result.counted:
        steps: tuple[NextAction, ...] = ()
        if not item.met and item.kind == ItemKind.CREDENTIAL:
            steps = _credential_steps(
                item.credential_type_id,
                facts=facts,
                on=on,
                types=types,
                programs=programs,
                viewer=viewer,
                is_self=is_self,
            )
        elif not item.met and item.kind == ItemKind.FIELD_RELEASE:
            steps = (
                NextAction(
                    "Complete a field training task book and be released by a supervisor",
                    reverse("field:mine") if is_self else "",
                ),
            )
        lines.append(Line(item, steps))
    return PersonReadiness(
        profile=profile,
        role=role,
        readiness=result,
        lines=lines,
        preferred=[item for item in result.items if item.kind == ItemKind.PREFERRED],
        is_self=is_self,
    )
