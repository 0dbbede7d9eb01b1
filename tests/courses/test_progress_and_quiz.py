"""Progress through modules, graded knowledge checks, resets and the completion interface."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses.content import quiz_spec
from courses.models import (
    Assignment,
    ModulePage,
    ModuleProgress,
    ProgressReset,
    ProgressStatus,
    QuizAttempt,
)
from courses.services.assignment import assignment_apply_rules, assignment_end
from courses.services.progress import (
    MAX_STEP_SECONDS,
    module_complete,
    progress_reset,
    section_view,
)
from courses.services.quiz import quiz_submit
from courses.signals import program_completed
from tests.factories import edit_and_publish, module_page, program_page, question

NOW = datetime.datetime(2026, 12, 1, 16, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()


def minutes(n: float) -> datetime.datetime:
    return NOW + datetime.timedelta(minutes=n)


def right(module: ModulePage) -> dict[str, list[str]]:
    return {q.id: sorted(q.correct_ids) for q in quiz_spec(module)}


def wrong(module: ModulePage) -> dict[str, list[str]]:
    return {
        q.id: [next(o.id for o in q.options if o.id not in q.correct_ids)]
        for q in quiz_spec(module)
    }


@pytest.fixture
def program(city):
    """A program for the learner's job role, assigned to the learner by the rules."""
    return program_page("Responder academy", roles=[city.learner.job_role], due_in_days=30)


@pytest.fixture
def skills(program):
    return module_page(program, title="De-escalation basics", sections=2, n_questions=2)


@pytest.fixture
def learner(city, program, skills):
    assignment_apply_rules(profile=city.learner, on=TODAY, now=NOW)
    return city.user("learner")


def _progress(user, module) -> ModuleProgress:
    return ModuleProgress.objects.get(user=user, module=module)


def _view_all(user, module, *, start=0):
    for index in range(module.section_count):
        section_view(user=user, module=module, index=index, now=minutes(start + index))


# --- who may take a module -------------------------------------------------------------------


def test_an_unassigned_module_cannot_be_viewed_or_answered(city, learner, skills):
    other = city.user("cbo_learner")
    with pytest.raises(PermissionDenied):
        section_view(user=other, module=skills, index=0, now=NOW)
    with pytest.raises(PermissionDenied):
        quiz_submit(user=other, module=skills, answers=right(skills), now=NOW)
    assert not ModuleProgress.objects.exists()
    assert not QuizAttempt.objects.exists()


def test_an_ended_assignment_closes_its_modules(city, learner, skills):
    assignment_end(
        actor=city.user("supervisor"),
        assignment=Assignment.objects.get(user=learner),
        reason="Left the unit",
        now=NOW,
    )
    with pytest.raises(PermissionDenied):
        section_view(user=learner, module=skills, index=0, now=NOW)
    assert not ModuleProgress.objects.exists()


def test_a_draft_module_cannot_be_taken(learner, program):
    draft = module_page(program, title="Coming soon", live=False)
    with pytest.raises(PermissionDenied):
        section_view(user=learner, module=draft, index=0, now=NOW)
    with pytest.raises(PermissionDenied):
        quiz_submit(user=learner, module=draft, answers=right(draft), now=NOW)
    assert not ModuleProgress.objects.exists()
    assert not QuizAttempt.objects.exists()


def test_a_section_that_does_not_exist_is_refused(learner, skills):
    with pytest.raises(ValidationError):
        section_view(user=learner, module=skills, index=2, now=NOW)
    with pytest.raises(ValidationError):
        section_view(user=learner, module=skills, index=-1, now=NOW)
    assert not ModuleProgress.objects.exists()


def test_a_module_waits_for_its_prerequisites(learner, program, skills):
    later = module_page(program, title="Advanced de-escalation")
    later = edit_and_publish(later, prerequisites=[skills])
    assert list(later.prerequisites.all()) == [skills]
    with pytest.raises(PermissionDenied):
        section_view(user=learner, module=later, index=0, now=NOW)


# --- completing a skills module and its program ----------------------------------------------


def test_sections_and_a_passed_quiz_complete_a_skills_module_with_a_snapshot(
    learner, program, skills
):
    scenario = module_page(
        program, title="Street scenario", training_type="scenario", n_questions=0
    )
    module_page(program, title="Optional reading", required=False, n_questions=0)

    section_view(user=learner, module=skills, index=0, now=NOW)
    progress = _progress(learner, skills)
    assert progress.status == ProgressStatus.IN_PROGRESS
    assert progress.started_at == NOW

    outcome = quiz_submit(user=learner, module=skills, answers=right(skills), now=minutes(5))
    assert outcome.grade.passed
    assert outcome.attempts_left == 2
    assert _progress(learner, skills).status == ProgressStatus.IN_PROGRESS  # a section unseen

    section_view(user=learner, module=skills, index=1, now=minutes(8))
    progress = _progress(learner, skills)
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.completed_at == minutes(8)
    assert progress.completion_source == "skills_rule"
    assert progress.completed_revision_id == skills.live_revision_id
    assert progress.completed_title == "De-escalation basics"
    assert progress.completed_training_type == "skills"
    assert progress.completed_ce_hours == Decimal("1.50")
    assert progress.completed_minutes == 45
    assert progress.sections_viewed == [0, 1]

    assignment = Assignment.objects.get(user=learner)
    assert assignment.completed_at is None  # the scenario module is still to do

    module_complete(
        user=learner,
        module=scenario,
        source="scenario_attempt",
        evidence={"attempt": 7},
        now=minutes(30),
    )
    assignment.refresh_from_db()
    assert assignment.completed_at == minutes(30)  # the optional module does not hold it up


def test_program_completion_is_announced_after_commit(
    learner, program, skills, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, assignment, **kwargs):
        heard.append(assignment.pk)

    program_completed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _view_all(learner, skills)
            quiz_submit(user=learner, module=skills, answers=right(skills), now=minutes(5))
    finally:
        program_completed.disconnect(listener)
    assert heard == [Assignment.objects.get(user=learner).pk]


def test_a_module_without_a_quiz_completes_on_its_sections(learner, program):
    reading = module_page(program, title="Reading", n_questions=0, sections=3)
    for index in (2, 0, 1):
        section_view(user=learner, module=reading, index=index, now=minutes(index))
    progress = _progress(learner, reading)
    assert progress.status == ProgressStatus.COMPLETED
    assert progress.last_section == 1


# --- quiz submissions ------------------------------------------------------------------------


def test_each_attempt_stores_answers_score_and_live_revision(learner, skills):
    spec = quiz_spec(skills)
    answers = right(skills) | {spec[1].id: wrong(skills)[spec[1].id]}

    outcome = quiz_submit(user=learner, module=skills, answers=answers, now=NOW)

    attempt = QuizAttempt.objects.get()
    assert attempt == outcome.attempt
    assert attempt.number == 1
    assert attempt.answers == {qid: sorted(ids) for qid, ids in answers.items()}
    assert attempt.score == Decimal("50.00")
    assert attempt.pass_mark == 80
    assert not attempt.passed
    assert attempt.revision_id == skills.live_revision_id
    assert attempt.submitted_at == NOW
    assert outcome.attempts_left == 2


def test_republishing_the_module_leaves_stored_attempts_alone(learner, skills):
    _view_all(learner, skills)
    quiz_submit(user=learner, module=skills, answers=wrong(skills), now=minutes(3))
    quiz_submit(user=learner, module=skills, answers=right(skills), now=minutes(4))
    first, second = QuizAttempt.objects.order_by("number")
    old_revision = skills.live_revision_id

    edited = edit_and_publish(
        skills,
        title="De-escalation basics (2027)",
        pass_mark=100,
        questions=[question("A brand new question?")],
        ce_hours=Decimal("3.00"),
    )
    assert edited.live_revision_id != old_revision

    for attempt, score in ((first, Decimal("0.00")), (second, Decimal("100.00"))):
        attempt.refresh_from_db()
        assert attempt.revision_id == old_revision
        assert (attempt.score, attempt.pass_mark) == (score, 80)
    stored = first.revision.as_object()
    assert stored.title == "De-escalation basics"
    assert [q.prompt for q in quiz_spec(stored)] == [
        "De-escalation basics question 1?",
        "De-escalation basics question 2?",
    ]
    progress = _progress(learner, skills)
    assert progress.completed_revision_id == old_revision
    assert progress.completed_title == "De-escalation basics"
    assert progress.completed_ce_hours == Decimal("1.50")


def test_a_new_attempt_is_graded_against_the_new_revision(learner, skills):
    quiz_submit(user=learner, module=skills, answers=wrong(skills), now=NOW)
    edited = edit_and_publish(skills, questions=[question("Only question?")], pass_mark=100)
    with pytest.raises(ValidationError):  # the old questions are gone
        quiz_submit(user=learner, module=edited, answers=right(skills), now=minutes(1))
    outcome = quiz_submit(user=learner, module=edited, answers=right(edited), now=minutes(2))
    assert outcome.attempt.revision_id == edited.live_revision_id
    assert outcome.attempt.number == 2
    assert outcome.attempt.pass_mark == 100


@pytest.mark.parametrize(
    "make_answers",
    [
        pytest.param(
            lambda mine, other: {q: ["00000000-0000-0000-0000-000000000000"] for q in mine},
            id="unknown-option",
        ),
        pytest.param(
            lambda mine, other: {qid: mine[list(mine)[1 - i]] for i, qid in enumerate(list(mine))},
            id="options-of-another-question",
        ),
        pytest.param(
            lambda mine, other: dict(zip(mine, other.values(), strict=True)),
            id="options-of-another-module",
        ),
        pytest.param(lambda mine, other: other, id="questions-of-another-module"),
        pytest.param(lambda mine, other: {}, id="nothing"),
        pytest.param(lambda mine, other: dict(list(mine.items())[:1]), id="a-question-missing"),
        pytest.param(
            lambda mine, other: {q: ids * 2 for q, ids in mine.items()}, id="option-twice"
        ),
    ],
)
def test_answers_that_do_not_fit_store_nothing(learner, program, skills, make_answers):
    another = module_page(program, title="Another module")
    answers = make_answers(right(skills), right(another))

    with pytest.raises(ValidationError):
        quiz_submit(user=learner, module=skills, answers=answers, now=NOW)

    assert not QuizAttempt.objects.exists()
    assert not ModuleProgress.objects.exists()


def test_exhausted_attempts_fail_the_module_and_refuse_more(learner, program):
    module = module_page(program, title="Two tries", attempts_allowed=2)
    section_view(user=learner, module=module, index=0, now=NOW)

    first = quiz_submit(user=learner, module=module, answers=wrong(module), now=minutes(1))
    assert first.attempts_left == 1
    assert _progress(learner, module).status == ProgressStatus.IN_PROGRESS
    second = quiz_submit(user=learner, module=module, answers=wrong(module), now=minutes(2))
    assert second.attempts_left == 0
    assert _progress(learner, module).status == ProgressStatus.FAILED

    with pytest.raises(ValidationError, match="every attempt"):
        quiz_submit(user=learner, module=module, answers=right(module), now=minutes(3))
    assert QuizAttempt.objects.count() == 2

    # Viewing sections of a failed module records nothing new.
    section_view(user=learner, module=module, index=1, now=minutes(4))
    progress = _progress(learner, module)
    assert progress.status == ProgressStatus.FAILED
    assert progress.sections_viewed == [0]


def test_a_passed_quiz_cannot_be_retaken(learner, skills):
    quiz_submit(user=learner, module=skills, answers=right(skills), now=NOW)
    with pytest.raises(ValidationError):
        quiz_submit(user=learner, module=skills, answers=wrong(skills), now=minutes(1))
    assert QuizAttempt.objects.count() == 1


def test_unlimited_attempts_never_fail(learner, program):
    module = module_page(program, title="Practice", attempts_allowed=0)
    for n in range(5):
        outcome = quiz_submit(user=learner, module=module, answers=wrong(module), now=minutes(n))
        assert outcome.attempts_left is None
    assert _progress(learner, module).status == ProgressStatus.IN_PROGRESS


# --- resets ----------------------------------------------------------------------------------


@pytest.fixture
def failed(learner, program):
    module = module_page(program, title="Hard module", attempts_allowed=2, sections=1)
    section_view(user=learner, module=module, index=0, now=NOW)
    for n in (1, 2):
        quiz_submit(user=learner, module=module, answers=wrong(module), now=minutes(n))
    progress = _progress(learner, module)
    assert progress.status == ProgressStatus.FAILED
    return progress


@pytest.mark.parametrize("actor", ["learner", "cbo_supervisor", "hr", "fto"])
def test_only_the_learners_supervisor_resets(city, failed, actor):
    with pytest.raises(PermissionDenied):
        progress_reset(actor=city.user(actor), progress=failed, reason="Another go", now=NOW)
    assert _progress(failed.user, failed.module).status == ProgressStatus.FAILED
    assert not ProgressReset.objects.exists()


def test_a_reset_needs_a_reason(city, failed):
    with pytest.raises(ValidationError):
        progress_reset(actor=city.user("supervisor"), progress=failed, reason="  ", now=NOW)
    assert not ProgressReset.objects.exists()


def test_a_reset_reopens_the_module_with_fresh_attempts(city, failed):
    module = failed.module.specific
    learner = failed.user
    reset_at = minutes(60)

    reopened = progress_reset(
        actor=city.user("supervisor"),
        progress=failed,
        reason="Coached on the material",
        now=reset_at,
    )

    assert reopened.status == ProgressStatus.IN_PROGRESS
    reset = ProgressReset.objects.get()
    assert (reset.reset_by, reset.reason, reset.previous_status, reset.attempts_before) == (
        city.user("supervisor"),
        "Coached on the material",
        ProgressStatus.FAILED,
        2,
    )
    assert reset.reset_at == reset_at

    outcome = quiz_submit(user=learner, module=module, answers=right(module), now=minutes(61))
    assert outcome.attempt.number == 3
    assert outcome.attempts_left == 1
    assert _progress(learner, module).status == ProgressStatus.COMPLETED
    assert QuizAttempt.objects.filter(user=learner, module=module).count() == 3  # history kept

    with pytest.raises(ValidationError):  # only a failed module is reset
        progress_reset(actor=city.user("supervisor"), progress=reopened, reason="Again", now=NOW)


# --- the completion interface for scenario and field modules ---------------------------------


@pytest.mark.parametrize("training_type", ["scenario", "field"])
def test_module_complete_records_source_and_evidence(learner, program, training_type):
    module = module_page(program, title="Out there", training_type=training_type, n_questions=0)

    progress = module_complete(
        user=learner, module=module, source="field_release", evidence={"report": 12}, now=NOW
    )
    assert progress.status == ProgressStatus.COMPLETED
    assert (progress.completion_source, progress.completion_evidence) == (
        "field_release",
        {"report": 12},
    )
    assert progress.completed_revision_id == module.live_revision_id
    assert progress.completed_title == "Out there"

    again = module_complete(
        user=learner, module=module, source="other", evidence={}, now=minutes(10)
    )
    assert (again.completed_at, again.completion_source) == (NOW, "field_release")
    assert ModuleProgress.objects.filter(module=module).count() == 1


def test_module_complete_refuses_skills_modules(learner, skills):
    with pytest.raises(ValidationError):
        module_complete(user=learner, module=skills, source="scenario_attempt", now=NOW)
    assert not ModuleProgress.objects.exists()


def test_scenario_and_field_modules_do_not_complete_on_sections(learner, program):
    module = module_page(program, title="Ride-along", training_type="field", n_questions=0)
    _view_all(learner, module)
    assert _progress(learner, module).status == ProgressStatus.IN_PROGRESS


# --- time on task ----------------------------------------------------------------------------


def test_time_on_task_adds_up_but_caps_long_gaps(learner, program):
    module = module_page(program, title="Long read", sections=4, n_questions=0)
    at = NOW
    section_view(user=learner, module=module, index=0, now=at)
    assert _progress(learner, module).seconds_on_task == 0

    at += datetime.timedelta(seconds=90)
    section_view(user=learner, module=module, index=1, now=at)
    assert _progress(learner, module).seconds_on_task == 90

    at += datetime.timedelta(hours=3)  # went to lunch
    section_view(user=learner, module=module, index=1, now=at)
    assert _progress(learner, module).seconds_on_task == 90 + MAX_STEP_SECONDS
    assert MAX_STEP_SECONDS == 600

    section_view(user=learner, module=module, index=2, now=at - datetime.timedelta(seconds=30))
    assert _progress(learner, module).seconds_on_task == 690  # clock skew never subtracts

    at += datetime.timedelta(seconds=600)
    section_view(user=learner, module=module, index=3, now=at)
    progress = _progress(learner, module)
    assert progress.seconds_on_task == 1290
    assert progress.status == ProgressStatus.COMPLETED
