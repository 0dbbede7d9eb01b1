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


def quiz_closed_reason(*, status: str | None, passed: bool, used: int, allowed: int) -> str:
    """Why a learner may not submit the knowledge check now ("" when they may): the one rule
    the quiz page (which then shows no form) and `quiz_submit` both follow."""
    if status == ProgressStatus.COMPLETED:
        return "You have already completed this module."
    if status == ProgressStatus.FAILED:
        return "You have used every attempt. Your supervisor can reopen the module."
    if passed:
        return "You have already passed this knowledge check."
    if allowed and used >= allowed:
        return "You have no attempts left."
    return ""


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
        used = attempts_used(progress)
        closed = quiz_closed_reason(
            status=progress.status,
            passed=QuizAttempt.objects.filter(user=user, module=module, passed=True).exists(),
            used=used,
            allowed=module.attempts_allowed,
        )
        if closed:
            raise ValidationError(closed)
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
