"""Assigning programs: job-role rules, supervisors' choices, unassigning with history kept."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import StaffProfile, User
from lms.accounts.services import notifications_send

from ..models import Assignment, AssignmentSource, TrainingProgramPage
from ..permissions import ensure_can_assign


def programs_for(*, job_role_id: int | None, organisation_id: int):
    """Live programs whose audience includes the role, in organisations that use them."""
    if job_role_id is None:
        return TrainingProgramPage.objects.none()
    return (
        TrainingProgramPage.objects.live()
        .filter(audience_roles=job_role_id)
        .filter(Q(organisations__isnull=True) | Q(organisations=organisation_id))
        .distinct()
    )


def _new_assignment(*, user, program, on, now, source, assigned_by=None, due_on=None) -> Assignment:
    return Assignment(
        user=user,
        program=program,
        program_title=program.title,
        source=source,
        assigned_by=assigned_by,
        assigned_on=on,
        due_on=due_on or on + datetime.timedelta(days=program.due_in_days),
        created_at=now,
    )


def assignment_apply_rules(
    *, profile: StaffProfile, on: datetime.date | None = None, now=None
) -> list[Assignment]:
    """Give a person every program their role and organisation call for that they do not
    already have open. Running it again changes nothing."""
    now = now or timezone.now()
    on = on or profile.organisation.today(now)
    if profile.status == "separated":
        return []
    programs = list(
        programs_for(job_role_id=profile.job_role_id, organisation_id=profile.organisation_id)
    )
    have = set(
        Assignment.objects.open()
        .filter(user_id=profile.user_id, program__in=programs)
        .values_list("program_id", flat=True)
    )
    created = [
        _new_assignment(user=profile.user, program=p, on=on, now=now, source=AssignmentSource.RULE)
        for p in programs
        if p.pk not in have
    ]
    with transaction.atomic():
        Assignment.objects.bulk_create(created)
        for assignment in created:
            notifications_send(
                users=[profile.user],
                message=f"New training assigned: {assignment.program_title}, due "
                f"{assignment.due_on:%d %b %Y}.",
                url=reverse("courses:program", args=[assignment.program_id]),
                now=now,
            )
    return created


def assignment_rules_run_all(*, now=None) -> int:
    """Apply the rules to every current staff member, set-based per program. Idempotent.

    For the `apply_assignment_rules` command and data loads; hires and moves go through
    `assignment_apply_rules`, which dates the assignment from the hire or move."""
    now = now or timezone.now()
    created = 0
    for program in TrainingProgramPage.objects.live().prefetch_related(
        "audience_roles", "organisations"
    ):
        role_ids = [role.pk for role in program.audience_roles.all()]
        org_ids = [org.pk for org in program.organisations.all()]
        if not role_ids:
            continue
        staff = (
            StaffProfile.objects.current()
            .filter(job_role_id__in=role_ids)
            .exclude(
                user_id__in=Assignment.objects.open().filter(program=program).values("user_id")
            )
        )
        if org_ids:
            staff = staff.filter(organisation_id__in=org_ids)
        people = list(staff.select_related("user", "organisation"))
        rows = [
            _new_assignment(
                user=profile.user,
                program=program,
                # The rule applies from today, or from a hire date still to come.
                on=max(profile.hire_date, profile.organisation.today(now)),
                now=now,
                source=AssignmentSource.RULE,
            )
            for profile in people
        ]
        with transaction.atomic():
            Assignment.objects.bulk_create(rows, batch_size=1000)
            notifications_send(
                users=[profile.user for profile in people],
                message=f"New training assigned: {program.title}.",
                url=reverse("courses:program", args=[program.pk]),
                now=now,
            )
        created += len(rows)
    return created


def assignment_create(
    *,
    actor: User,
    profile: StaffProfile,
    program: TrainingProgramPage,
    due_on: datetime.date,
    now=None,
) -> Assignment:
    """A supervisor assigns a program to one of their people."""
    ensure_can_assign(actor=actor, profile=profile)
    now = now or timezone.now()
    today = profile.organisation.today(now)
    if not program.live:
        raise ValidationError({"program": "Only published programs can be assigned."})
    if due_on < today:
        raise ValidationError({"due_on": "The due date cannot be in the past."})
    with transaction.atomic():
        if Assignment.objects.open().filter(user_id=profile.user_id, program=program).exists():
            raise ValidationError({"program": "This person already has this program assigned."})
        assignment = _new_assignment(
            user=profile.user,
            program=program,
            on=today,
            now=now,
            source=AssignmentSource.SUPERVISOR,
            assigned_by=actor,
            due_on=due_on,
        )
        assignment.save()
        notifications_send(
            users=[profile.user],
            message=f"{actor.display_name} assigned you {program.title}, due {due_on:%d %b %Y}.",
            url=reverse("courses:program", args=[program.pk]),
            now=now,
        )
    return assignment


def assignment_end(*, actor: User, assignment: Assignment, reason: str, now=None) -> Assignment:
    """Unassign: the assignment is closed with who, when and why; progress is kept."""
    ensure_can_assign(actor=actor, profile=assignment.user.staff_profile)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the program is being unassigned."})
    with transaction.atomic():
        locked = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.ended_at:
            raise ValidationError("This assignment was already ended.")
        locked.ended_at = now or timezone.now()
        locked.ended_by = actor
        locked.end_reason = reason[:500]
        locked.save(update_fields=["ended_at", "ended_by", "end_reason"])
    return locked
