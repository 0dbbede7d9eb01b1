"""Submitting a graded knowledge check."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.accounts.models import User
from lms.xapi.services import statement_record_quiz_attempt

from ..content import quiz_spec
from ..engines import Grade, InvalidAnswers, grade_quiz
from ..models import ModulePage, ProgressStatus, QuizAttempt
from ..permissions import ensure_can_take_module
from .progress import _maybe_complete, _touch, attempts_used, progress_for_update


@dataclass(frozen=True)
class QuizOutcome:
    attempt: QuizAttempt
    grade: Grade
    attempts_left: int | None  # None when unlimited


def quiz_submit(
    *, user: User, module: ModulePage, answers: dict[str, list[str]], now=None
) -> QuizOutcome:
    """Grade against the live revision and store the attempt. Refuses, storing nothing: an
    unassigned or unpublished module, a module already passed, no attempts left, and answers
    that do not fit the questions."""
    ensure_can_take_module(user=user, module=module)
    now = now or timezone.now()
    with transaction.atomic():
        progress = progress_for_update(user=user, module=module)
        if progress.status == ProgressStatus.COMPLETED:
            raise ValidationError("You have already completed this module.")
        if progress.status == ProgressStatus.FAILED:
            raise ValidationError(
                "You have used every attempt. Your supervisor can reopen the module."
            )
        if QuizAttempt.objects.filter(user=user, module=module, passed=True).exists():
            raise ValidationError("You have already passed this knowledge check.")
        used = attempts_used(progress)
        if module.attempts_allowed and used >= module.attempts_allowed:
            raise ValidationError("You have no attempts left.")
        try:
            grade = grade_quiz(quiz_spec(module), answers, pass_mark=module.pass_mark)
        except InvalidAnswers as error:
            raise ValidationError(str(error)) from error
        number = QuizAttempt.objects.filter(user=user, module=module).count() + 1
        attempt = QuizAttempt.objects.create(
            user=user,
            module=module,
            revision_id=module.live_revision_id,
            number=number,
            answers={qid: sorted(ids) for qid, ids in answers.items()},
            score=grade.score,
            pass_mark=module.pass_mark,
            passed=grade.passed,
            submitted_at=now,
        )
        statement_record_quiz_attempt(attempt=attempt)
        _touch(progress, now)
        used += 1
        left = None if not module.attempts_allowed else module.attempts_allowed - used
        if not grade.passed and left == 0:
            progress.status = ProgressStatus.FAILED
        progress.save()
        _maybe_complete(progress, module, now)
    return QuizOutcome(attempt=attempt, grade=grade, attempts_left=left)
