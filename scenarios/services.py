"""Playing scenarios: start or resume, choose, reflect. The engine decides; this records."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from courses.permissions import ensure_can_take_module
from lms.accounts.models import User
from lms.sanitize import sanitize_html
from lms.xapi.services import statement_record_scenario_attempt

from .coaching import attempts_allowed_for, scenario_complete_if_met
from .engine import InvalidMove, PathEntry, choose, replay, score
from .models import AttemptStatus, ScenarioAttempt, ScenarioPage

REFLECTION_MAX_CHARS = 10_000


def _module(scenario: ScenarioPage):
    return scenario.get_parent().specific


def attempt_start_or_resume(*, user: User, scenario: ScenarioPage, now=None) -> ScenarioAttempt:
    """The learner's open attempt, or a new one against the live revision if attempts remain."""
    module = _module(scenario)
    ensure_can_take_module(user=user, module=module)
    if not scenario.live or scenario.live_revision_id is None:
        raise PermissionDenied("This scenario is not published.")
    now = now or timezone.now()
    with transaction.atomic():
        attempts = ScenarioAttempt.objects.select_for_update().filter(user=user, scenario=scenario)
        open_attempt = attempts.filter(status=AttemptStatus.IN_PROGRESS).first()
        if open_attempt:
            return open_attempt
        used = attempts.count()
        # "Needs practice" from a coach adds attempts to the page's limit (0 is unlimited).
        allowed = attempts_allowed_for(user=user, scenario=scenario)
        if allowed and used >= allowed:
            raise ValidationError("You have used every attempt at this scenario.")
        live = scenario.live_revision.as_object()
        return ScenarioAttempt.objects.create(
            user=user,
            scenario=scenario,
            revision_id=scenario.live_revision_id,
            number=used + 1,
            current_step=live.start_step,
            started_at=now,
        )


def _entries(attempt: ScenarioAttempt) -> list[PathEntry]:
    return [PathEntry(step_id=e["step"], choice_id=e["choice"]) for e in attempt.path]


def attempt_choose(
    *, user: User, attempt: ScenarioAttempt, step_id: str, choice_id: str, now=None
) -> ScenarioAttempt:
    """Take one choice at the current step. A stale step (back button, second tab), a choice
    of another step or a finished attempt is refused and changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = ScenarioAttempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.user_id != user.pk:
            raise PermissionDenied("This is not your attempt.")
        if attempt.status == AttemptStatus.FINISHED:
            raise ValidationError("This attempt is finished; its debrief is ready.")
        if step_id != attempt.current_step:
            raise ValidationError(
                "That step was already answered (in another tab or before going back). "
                "Carry on from where the scenario is now."
            )
        scenario = attempt.revision.as_object()
        engine = scenario.engine()
        try:
            state = choose(engine, replay(engine, _entries(attempt)), choice_id)
        except InvalidMove as error:
            raise ValidationError(str(error)) from error
        attempt.path = [
            *attempt.path,
            {"step": step_id, "choice": choice_id, "at": now.isoformat()},
        ]
        attempt.current_step = state.step_id
        if state.finished:
            result = score(engine, state.path)
            attempt.status = AttemptStatus.FINISHED
            attempt.finished_at = now
            attempt.total = result.total
            attempt.percent = result.percent
            attempt.passed = result.passed
            attempt.critical_errors = len(result.critical_errors)
            statement_record_scenario_attempt(attempt=attempt)
        attempt.save()
        if attempt.passed:
            # Completes the module only when the scenario's whole rule is met (a coach's
            # verdict or a role-play may be required as well).
            scenario_complete_if_met(
                user=user, scenario=attempt.scenario, source="scenario_attempt", now=now
            )
    return attempt


def attempt_reflect(*, user: User, attempt: ScenarioAttempt, html: str) -> ScenarioAttempt:
    """Store the learner's reflection on a finished attempt, cleaned by the one bleach wrapper."""
    if attempt.user_id != user.pk:
        raise PermissionDenied("This is not your attempt.")
    if attempt.status != AttemptStatus.FINISHED:
        raise ValidationError("Reflect once the scenario is finished.")
    if len(html or "") > REFLECTION_MAX_CHARS:
        raise ValidationError(f"Keep the reflection under {REFLECTION_MAX_CHARS:,} characters.")
    attempt.reflection = sanitize_html(html)
    attempt.save(update_fields=["reflection"])
    return attempt
