"""Progress through modules, the completion interface, and program completion."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.xapi.services import (
    statement_record_module_completion,
    statement_record_program_completion,
)

from ..models import (
    Assignment,
    ModulePage,
    ModuleProgress,
    ProgressReset,
    ProgressStatus,
    ProtocolAcknowledgement,
    QuizAttempt,
    TrainingType,
)
from ..permissions import ensure_can_reset, ensure_can_take_module
from ..signals import module_completed, program_completed

# A gap longer than this between two steps is not counted as time on task.
MAX_STEP_SECONDS = 600


def progress_for_update(*, user: User, module: ModulePage) -> ModuleProgress:
    progress, _ = ModuleProgress.objects.select_for_update().get_or_create(user=user, module=module)
    return progress


def _touch(progress: ModuleProgress, now: datetime.datetime) -> None:
    if progress.status == ProgressStatus.NOT_STARTED:
        progress.status = ProgressStatus.IN_PROGRESS
        progress.started_at = now
    if progress.last_activity_at:
        gap = (now - progress.last_activity_at).total_seconds()
        progress.seconds_on_task += int(min(max(gap, 0), MAX_STEP_SECONDS))
    progress.last_activity_at = now


def attempts_used(progress: ModuleProgress) -> int:
    """Graded attempts since the last reset."""
    attempts = QuizAttempt.objects.filter(user_id=progress.user_id, module_id=progress.module_id)
    last_reset = progress.resets.order_by("-reset_at").first()
    if last_reset:
        attempts = attempts.filter(submitted_at__gt=last_reset.reset_at)
    return attempts.count()


def _quiz_passed(progress: ModuleProgress) -> bool:
    return QuizAttempt.objects.filter(
        user_id=progress.user_id, module_id=progress.module_id, passed=True
    ).exists()


def _protocol_current_acknowledged(user: User, module: ModulePage) -> bool:
    if module.protocol_id is None:
        return False
    latest = module.protocol.versions.order_by("-version").first()
    return (
        latest is not None
        and ProtocolAcknowledgement.objects.filter(user=user, protocol_version=latest).exists()
    )


def rule_met(progress: ModuleProgress, module: ModulePage) -> bool:
    """Completion rules by training type. Scenario and field modules complete only through
    `module_complete`, called by the scenario and field-training services."""
    quiz_ok = not module.has_quiz or _quiz_passed(progress)
    if module.training_type == TrainingType.SKILLS:
        viewed = set(progress.sections_viewed)
        return viewed >= set(range(module.section_count)) and quiz_ok
    if module.training_type == TrainingType.PROTOCOL:
        return _protocol_current_acknowledged(progress.user, module) and quiz_ok
    return False


def _complete(
    progress: ModuleProgress, module: ModulePage, *, source: str, evidence: dict, now
) -> None:
    progress.status = ProgressStatus.COMPLETED
    progress.completed_at = now
    progress.completed_revision_id = module.live_revision_id
    progress.completion_source = source
    progress.completion_evidence = evidence
    progress.completed_title = module.title
    progress.completed_training_type = module.training_type
    progress.completed_ce_hours = module.ce_hours
    progress.completed_minutes = module.estimated_minutes
    if progress.started_at is None:
        progress.started_at = now


def _after_completion(progress: ModuleProgress, module: ModulePage, now) -> None:
    """Close every open assignment whose required modules are now all complete."""
    module_completed.send(sender=ModuleProgress, progress=progress)
    statement_record_module_completion(progress=progress)
    program = module.get_parent()
    program_id = program.pk
    required = set(
        ModulePage.objects.live()
        .child_of(program)
        .filter(required=True)
        .values_list("pk", flat=True)
    )
    done = set(
        ModuleProgress.objects.filter(
            user_id=progress.user_id, module_id__in=required, status=ProgressStatus.COMPLETED
        ).values_list("module_id", flat=True)
    )
    if required and required <= done:
        for assignment in Assignment.objects.incomplete().filter(
            user_id=progress.user_id, program_id=program_id
        ):
            assignment.completed_at = now
            assignment.save(update_fields=["completed_at"])
            statement_record_program_completion(assignment=assignment)
            transaction.on_commit(
                lambda a=assignment: program_completed.send(sender=Assignment, assignment=a)
            )


def _maybe_complete(progress: ModuleProgress, module: ModulePage, now) -> bool:
    if progress.status == ProgressStatus.COMPLETED or not rule_met(progress, module):
        return False
    _complete(progress, module, source=f"{module.training_type}_rule", evidence={}, now=now)
    progress.save()
    _after_completion(progress, module, now)
    return True


def section_view(*, user: User, module: ModulePage, index: int, now=None) -> ModuleProgress:
    """Record that a learner saw section `index` (and where to resume)."""
    ensure_can_take_module(user=user, module=module)
    if not 0 <= index < module.section_count:
        raise ValidationError("That section does not exist.")
    now = now or timezone.now()
    with transaction.atomic():
        progress = progress_for_update(user=user, module=module)
        if progress.status == ProgressStatus.FAILED:
            return progress
        _touch(progress, now)
        if index not in progress.sections_viewed:
            progress.sections_viewed = sorted({*progress.sections_viewed, index})
        progress.last_section = index
        progress.save()
        _maybe_complete(progress, module, now)
    return progress


def module_complete(
    *, user: User, module: ModulePage, source: str, evidence: dict | None = None, now=None
) -> ModuleProgress:
    """The completion interface for scenario and field-training modules.

    `source` names what completed it (e.g. "scenario_attempt", "field_release") and
    `evidence` holds ids of the records that prove it. Completing twice changes nothing.
    """
    if module.training_type not in (TrainingType.SCENARIO, TrainingType.FIELD):
        raise ValidationError("Only scenario and field modules complete through this interface.")
    now = now or timezone.now()
    with transaction.atomic():
        progress = progress_for_update(user=user, module=module)
        if progress.status == ProgressStatus.COMPLETED:
            return progress
        _touch(progress, now)
        _complete(progress, module, source=source, evidence=evidence or {}, now=now)
        progress.save()
        _after_completion(progress, module, now)
    return progress


def progress_reset(
    *, actor: User, progress: ModuleProgress, reason: str, now=None
) -> ModuleProgress:
    """A supervisor reopens a failed module: the learner gets a fresh set of attempts."""
    ensure_can_reset(actor=actor, progress=progress)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Give a reason for the reset."})
    now = now or timezone.now()
    with transaction.atomic():
        locked = ModuleProgress.objects.select_for_update().get(pk=progress.pk)
        if locked.status != ProgressStatus.FAILED:
            raise ValidationError("Only a failed module can be reset.")
        ProgressReset.objects.create(
            progress=locked,
            reset_by=actor,
            reason=reason[:500],
            previous_status=locked.status,
            attempts_before=attempts_used(locked),
            reset_at=now,
        )
        locked.status = ProgressStatus.IN_PROGRESS
        locked.save(update_fields=["status"])
    return locked
