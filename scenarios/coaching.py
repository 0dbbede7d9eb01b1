"""Coaching and live role-play: services (writes) and selectors (reads), and the completion rule.

A coach is one of the trainee's assigned field training officers (`permissions.can_coach`).
"Needs practice" grants one `AttemptAllowance`, which `attempts_allowed_for` adds to the page's
`attempts_allowed`. A scenario module completes, through `courses.services.progress
.module_complete`, once `scenario_rule_met` holds (see `ScenarioRequirement`).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import strip_tags

from courses.services.progress import module_complete
from lms.accounts.models import StaffProfile, User
from lms.accounts.roles import roles_of
from lms.accounts.services import notifications_send
from lms.sanitize import sanitize_html

from .engine import InvalidMove, PathEntry, replay
from .models import (
    ROLEPLAY_LEVELS,
    AttemptAllowance,
    AttemptStatus,
    CoachingReview,
    CoachingVerdict,
    RoleplayAssessment,
    RoleplayOutcome,
    RoleplayRubric,
    ScenarioAttempt,
    ScenarioPage,
    ScenarioRequirement,
)
from .permissions import ensure_can_coach

TEXT_MAX_CHARS = 10_000


# --- selectors -------------------------------------------------------------------------------


def trainees_of(*, coach: User):
    """The staff profiles `coach` may coach: the same rule as `permissions.can_coach`."""
    own = getattr(coach, "staff_profile", None)
    if own is None or not coach.has_perm("accounts.sign_off_trainees"):
        return StaffProfile.objects.none()
    return StaffProfile.objects.filter(
        field_training_officers=coach, organisation_id=own.organisation_id
    ).exclude(user=coach)


def coach_queue(*, coach: User) -> list[ScenarioAttempt]:
    """Finished attempts of my trainees that no coach has reviewed yet, oldest first. One query."""
    return list(
        ScenarioAttempt.objects.filter(
            status=AttemptStatus.FINISHED,
            coaching_review__isnull=True,
            user__staff_profile__in=trainees_of(coach=coach).values("pk"),
        )
        .select_related("user", "scenario")
        .defer("scenario__steps", "scenario__intro")
        .order_by("finished_at", "pk")
    )


def attempt_for_coach(*, coach: User, pk: int) -> ScenarioAttempt | None:
    """A finished attempt of one of my trainees (None for anyone else's: shown as 404)."""
    return (
        ScenarioAttempt.objects.filter(
            pk=pk,
            status=AttemptStatus.FINISHED,
            user__staff_profile__in=trainees_of(coach=coach).values("pk"),
        )
        .select_related("user", "scenario", "revision", "coaching_review")
        .first()
    )


@dataclass(frozen=True)
class PathLine:
    step_title: str
    choice_label: str
    feedback: str
    score: int
    critical: bool


@dataclass(frozen=True)
class AttemptPath:
    lines: list[PathLine]
    outcome_title: str
    outcome: str


def attempt_path(*, attempt: ScenarioAttempt) -> AttemptPath:
    """The path as the learner played it, against the revision they played."""
    engine = attempt.revision.as_object().engine()
    entries = [PathEntry(step_id=e["step"], choice_id=e["choice"]) for e in attempt.path]
    lines = []
    for entry in entries:
        step = engine.step(entry.step_id)
        choice = step.choice(entry.choice_id) if step else None
        lines.append(
            PathLine(
                step_title=step.title if step else entry.step_id,
                choice_label=choice.label if choice else entry.choice_id,
                feedback=choice.feedback if choice else "",
                score=choice.score if choice else 0,
                critical=bool(choice and choice.critical),
            )
        )
    try:
        end = engine.step(replay(engine, entries).step_id)
    except InvalidMove:
        end = None
    return AttemptPath(
        lines=lines,
        outcome_title=end.title if end else "",
        outcome=end.outcome if end else "",
    )


def roleplays_for_coach(*, coach: User) -> list[RoleplayAssessment]:
    """Role-plays recorded for my trainees, newest first."""
    return list(
        RoleplayAssessment.objects.filter(
            trainee__staff_profile__in=trainees_of(coach=coach).values("pk")
        )
        .select_related("trainee", "scenario")
        .defer("scenario__steps", "scenario__intro")
        .order_by("-recorded_at", "-pk")
    )


def review_for_attempt(*, attempt: ScenarioAttempt) -> CoachingReview | None:
    """The coach's review of an attempt, for the learner's debrief."""
    return CoachingReview.objects.filter(attempt=attempt).first()


def requirement_for(scenario: ScenarioPage) -> ScenarioRequirement:
    """The scenario's requirement, or the default (a passed online attempt) when none is set."""
    found = ScenarioRequirement.objects.filter(scenario=scenario).select_related("rubric").first()
    return found or ScenarioRequirement(scenario=scenario)


def attempts_allowed_for(*, user: User, scenario: ScenarioPage) -> int:
    """The attempts this learner gets: the page's `attempts_allowed` plus every extra attempt
    granted to them. 0 still means unlimited."""
    if not scenario.attempts_allowed:
        return 0
    extra = AttemptAllowance.objects.filter(user=user, scenario=scenario).aggregate(
        total=Sum("extra")
    )["total"]
    return scenario.attempts_allowed + (extra or 0)


def _rule_evidence(user: User, scenario: ScenarioPage) -> dict | None:
    """The records that meet the scenario's completion rule, or None while it is not met."""
    requirement = requirement_for(scenario)
    evidence: dict = {}
    if requirement.online_required:
        passed = ScenarioAttempt.objects.filter(
            user=user, scenario=scenario, status=AttemptStatus.FINISHED, passed=True
        )
        if requirement.require_coach_competent:
            review = (
                CoachingReview.objects.filter(attempt__in=passed, verdict=CoachingVerdict.COMPETENT)
                .order_by("reviewed_at", "pk")
                .first()
            )
            if review is None:
                return None
            evidence["scenario_attempt"] = review.attempt_id
            evidence["coaching_review"] = review.pk
        else:
            attempt_id = passed.order_by("finished_at", "pk").values_list("pk", flat=True).first()
            if attempt_id is None:
                return None
            evidence["scenario_attempt"] = attempt_id
    if requirement.require_roleplay:
        roleplay_id = (
            RoleplayAssessment.objects.filter(
                trainee=user, scenario=scenario, outcome=RoleplayOutcome.PASSED
            )
            .order_by("recorded_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if roleplay_id is None:
            return None
        evidence["roleplay_assessment"] = roleplay_id
    return evidence


def scenario_rule_met(*, user: User, scenario: ScenarioPage) -> bool:
    """Whether the scenario module's rule is met: a passed online attempt (unless the online
    scenario is not required), marked competent by a coach (where required), and a passed live
    role-play (where required)."""
    return _rule_evidence(user, scenario) is not None


# --- services --------------------------------------------------------------------------------


def scenario_complete_if_met(
    *, user: User, scenario: ScenarioPage, source: str, now: datetime.datetime | None = None
) -> bool:
    """Complete the scenario's module through the curriculum's interface once the rule is met.
    Returns whether the rule is met (completing twice changes nothing)."""
    evidence = _rule_evidence(user, scenario)
    if evidence is None:
        return False
    module_complete(
        user=user,
        module=scenario.get_parent().specific,
        source=source,
        evidence=evidence,
        now=now,
    )
    return True


def _capacity(user: User) -> str:
    return ", ".join(role.label for role in roles_of(user)) or "Staff"


def _clean_text(html: str, *, field: str, required: bool) -> str:
    if len(html or "") > TEXT_MAX_CHARS:
        raise ValidationError({field: f"Keep this under {TEXT_MAX_CHARS:,} characters."})
    cleaned = sanitize_html(html)
    if required and not strip_tags(cleaned).strip():
        raise ValidationError({field: "Write some feedback for the learner."})
    return cleaned


def _debrief_url(attempt: ScenarioAttempt) -> str:
    try:
        return reverse("scenarios:debrief", args=[attempt.pk])
    except NoReverseMatch:  # the player's URLs are not installed
        return ""


def coaching_review_record(
    *,
    coach: User,
    attempt: ScenarioAttempt,
    feedback: str,
    verdict: str,
    now: datetime.datetime | None = None,
) -> CoachingReview:
    """A coach's feedback and verdict on a trainee's finished attempt. "Needs practice" grants
    one more attempt; "competent" may complete the module. The learner is notified."""
    ensure_can_coach(coach=coach, trainee=attempt.user)
    if verdict not in CoachingVerdict.values:
        raise ValidationError({"verdict": "Choose competent or needs practice."})
    feedback = _clean_text(feedback, field="feedback", required=True)
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            ScenarioAttempt.objects.select_for_update()
            .select_related("scenario")
            .get(pk=attempt.pk)
        )
        if attempt.status != AttemptStatus.FINISHED:
            raise ValidationError("Only a finished attempt can be reviewed.")
        if CoachingReview.objects.filter(attempt=attempt).exists():
            raise ValidationError("This attempt has already been reviewed.")
        if verdict == CoachingVerdict.COMPETENT and not attempt.passed:
            raise ValidationError(
                {"verdict": "This attempt did not pass: it cannot be marked competent."}
            )
        review = CoachingReview.objects.create(
            attempt=attempt,
            coach=coach,
            coach_name=coach.display_name,
            coach_role=_capacity(coach),
            feedback=feedback,
            verdict=verdict,
            reviewed_at=now,
        )
        if verdict == CoachingVerdict.NEEDS_PRACTICE:
            AttemptAllowance.objects.create(
                user=attempt.user,
                scenario=attempt.scenario,
                extra=1,
                granted_by=coach,
                review=review,
                reason="Coach marked the attempt as needing practice.",
                created_at=now,
            )
        else:
            scenario_complete_if_met(
                user=attempt.user, scenario=attempt.scenario, source="coaching_review", now=now
            )
        notifications_send(
            users=[attempt.user],
            message=(
                f"{review.coach_name} reviewed your attempt at {attempt.scenario.title}: "
                f"{review.get_verdict_display().lower()}."
            ),
            url=_debrief_url(attempt),
            now=now,
        )
    return review


def rubric_snapshot(rubric: RoleplayRubric) -> dict:
    return {
        "name": rubric.name,
        "criteria": [
            {
                "id": criterion.pk,
                "competency": str(criterion.competency),
                "levels": [text for _, _, text in criterion.level_descriptions()],
            }
            for criterion in rubric.criteria.select_related("competency")
        ],
    }


def validate_ratings(*, rubric: RoleplayRubric, ratings: dict) -> dict[str, int]:
    """Ratings keyed by criterion id: every criterion of the rubric rated, each from 1 to 4,
    nothing else. Returns them with string keys and integer levels."""
    criteria = {str(c.pk): str(c.competency) for c in rubric.criteria.select_related("competency")}
    errors = []
    cleaned: dict[str, int] = {}
    for key, level in (ratings or {}).items():
        key = str(key)
        if key not in criteria:
            errors.append(f"Criterion {key} is not part of the rubric {rubric.name}.")
            continue
        try:
            value = int(level)
        except (TypeError, ValueError):
            value = None
        if value not in ROLEPLAY_LEVELS or str(level).strip() != str(value):
            errors.append(f"Rate {criteria[key]} on the scale of 1 to 4 (not {level!r}).")
            continue
        cleaned[key] = value
    given = {str(key) for key in (ratings or {})}
    missing = [name for key, name in criteria.items() if key not in given]
    errors.extend(f"Rate {name}: every criterion of the rubric needs a level." for name in missing)
    if errors:
        raise ValidationError({"ratings": errors})
    return cleaned


def roleplay_assessment_record(
    *,
    assessor: User,
    trainee: User,
    scenario: ScenarioPage,
    ratings: dict,
    notes: str,
    outcome: str,
    now: datetime.datetime | None = None,
) -> RoleplayAssessment:
    """Record an in-person role-play of a scenario against the scenario's rubric. A passed one
    may complete the module; the trainee is notified."""
    ensure_can_coach(coach=assessor, trainee=trainee)
    rubric = requirement_for(scenario).rubric
    if rubric is None:
        raise ValidationError("This scenario has no role-play rubric yet.")
    if outcome not in RoleplayOutcome.values:
        raise ValidationError({"outcome": "Choose passed or not yet."})
    cleaned = validate_ratings(rubric=rubric, ratings=ratings)
    notes = _clean_text(notes, field="notes", required=False)
    now = now or timezone.now()
    with transaction.atomic():
        assessment = RoleplayAssessment.objects.create(
            trainee=trainee,
            assessor=assessor,
            assessor_name=assessor.display_name,
            assessor_role=_capacity(assessor),
            scenario=scenario,
            rubric=rubric,
            rubric_snapshot=rubric_snapshot(rubric),
            ratings=cleaned,
            notes=notes,
            outcome=outcome,
            recorded_at=now,
        )
        if outcome == RoleplayOutcome.PASSED:
            scenario_complete_if_met(
                user=trainee, scenario=scenario, source="roleplay_assessment", now=now
            )
        notifications_send(
            users=[trainee],
            message=(
                f"{assessment.assessor_name} recorded your role-play of {scenario.title}: "
                f"{assessment.get_outcome_display().lower()}."
            ),
            now=now,
        )
    return assessment
