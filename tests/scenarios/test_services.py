import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from courses.models import ModuleProgress
from scenarios.models import ScenarioAttempt
from scenarios.services import attempt_choose, attempt_reflect, attempt_start_or_resume
from tests.factories.courses import assign, edit_and_publish, module_page, program_page
from tests.factories.scenarios import scenario_page


@pytest.fixture
def scenario(city):
    program = program_page()
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return page


def _play(user, attempt, *choices):
    for choice in choices:
        attempt = attempt_choose(
            user=user, attempt=attempt, step_id=attempt.current_step, choice_id=choice
        )
    return attempt


def test_a_good_run_passes_and_completes_the_module(city, scenario):
    learner = city.user("learner")
    attempt = attempt_start_or_resume(user=learner, scenario=scenario)
    assert attempt.current_step == "arrive"
    attempt = _play(learner, attempt, "0", "0", "0")
    assert attempt.status == "finished"
    assert (attempt.total, attempt.percent, attempt.passed) == (25, 100, True)
    assert [entry["step"] for entry in attempt.path] == ["arrive", "person", "stay"]
    progress = ModuleProgress.objects.get(user=learner, module=scenario.get_parent())
    assert progress.status == "completed"
    assert progress.completion_evidence == {"scenario_attempt": attempt.pk}


def test_a_critical_error_fails_whatever_the_score(city, scenario):
    learner = city.user("learner")
    attempt = _play(learner, attempt_start_or_resume(user=learner, scenario=scenario), "0", "1")
    assert attempt.passed is False
    assert attempt.critical_errors == 1
    assert not ModuleProgress.objects.filter(status="completed").exists()


def test_reload_resumes_and_a_stale_step_is_refused(city, scenario):
    learner = city.user("learner")
    first = attempt_start_or_resume(user=learner, scenario=scenario)
    attempt_choose(user=learner, attempt=first, step_id="arrive", choice_id="0")
    again = attempt_start_or_resume(user=learner, scenario=scenario)
    assert again.pk == first.pk
    assert again.current_step == "person"
    with pytest.raises(ValidationError, match="already answered"):
        attempt_choose(user=learner, attempt=again, step_id="arrive", choice_id="0")
    again.refresh_from_db()
    assert len(again.path) == 1


def test_a_choice_of_another_step_is_refused(city, scenario):
    learner = city.user("learner")
    attempt = attempt_start_or_resume(user=learner, scenario=scenario)
    with pytest.raises(ValidationError):
        attempt_choose(user=learner, attempt=attempt, step_id="arrive", choice_id="7")
    attempt.refresh_from_db()
    assert attempt.path == []


def test_a_finished_attempt_takes_no_more_choices(city, scenario):
    learner = city.user("learner")
    attempt = _play(
        learner, attempt_start_or_resume(user=learner, scenario=scenario), "0", "0", "0"
    )
    with pytest.raises(ValidationError, match="finished"):
        attempt_choose(user=learner, attempt=attempt, step_id="end", choice_id="0")


def test_someone_else_cannot_play_my_attempt(city, scenario):
    attempt = attempt_start_or_resume(user=city.user("learner"), scenario=scenario)
    with pytest.raises(PermissionDenied):
        attempt_choose(user=city.user("fto"), attempt=attempt, step_id="arrive", choice_id="0")


def test_unassigned_people_cannot_start(city, scenario):
    with pytest.raises(PermissionDenied):
        attempt_start_or_resume(user=city.user("cbo_learner"), scenario=scenario)
    assert not ScenarioAttempt.objects.exists()


def test_attempts_run_out(city):
    program = program_page()
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    learner = city.user("learner")
    _play(learner, attempt_start_or_resume(user=learner, scenario=page), "0", "1")
    with pytest.raises(ValidationError, match="every attempt"):
        attempt_start_or_resume(user=learner, scenario=page)


def test_an_attempt_keeps_playing_its_own_revision(city, scenario):
    learner = city.user("learner")
    attempt = attempt_start_or_resume(user=learner, scenario=scenario)
    steps = scenario.steps.raw_data
    steps[0]["value"]["choices"][0]["value"]["next_step"] = "end"
    edit_and_publish(scenario, steps=steps)
    attempt = _play(learner, attempt, "0")
    assert attempt.current_step == "person"  # the revision it started on


def test_reflection_is_cleaned_and_capped(city, scenario):
    learner = city.user("learner")
    attempt = _play(
        learner, attempt_start_or_resume(user=learner, scenario=scenario), "0", "0", "0"
    )
    attempt = attempt_reflect(
        user=learner, attempt=attempt, html="<p>I stayed.</p><script>alert(1)</script>"
    )
    assert attempt.reflection.startswith("<p>I stayed.</p>")
    assert "<script" not in attempt.reflection
    with pytest.raises(ValidationError):
        attempt_reflect(user=learner, attempt=attempt, html="x" * 10_001)
    attempt.refresh_from_db()
    assert "<script" not in attempt.reflection
