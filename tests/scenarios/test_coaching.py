"""Coaching: who may review, what a verdict does, the learner's notice, the coach's pages."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from courses.models import ModuleProgress
from lms.accounts.models import Notification
from lms.accounts.roles import Role
from scenarios.coaching import (
    attempts_allowed_for,
    coaching_review_record,
    scenario_rule_met,
)
from scenarios.models import AttemptAllowance, CoachingReview, ScenarioRequirement
from scenarios.permissions import can_coach
from scenarios.services import attempt_choose, attempt_start_or_resume
from tests.conftest import sign_in
from tests.factories import StaffProfileFactory, UserFactory
from tests.factories.courses import assign, module_page, program_page
from tests.factories.scenarios import scenario_page

PASS = ("0", "0", "0")
FAIL = ("0", "1")  # leaves the person alone: a critical error


@pytest.fixture
def program():
    return program_page()


@pytest.fixture
def scenario(city, program):
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module, attempts_allowed=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return page


@pytest.fixture
def no_completion_on_pass(monkeypatch):
    """Until `attempt_choose` completes through `scenario_rule_met`, keep it from completing
    the module on its own, so these tests see what coaching does."""
    monkeypatch.setattr("scenarios.services.module_complete", lambda **kwargs: None, raising=False)


def play(user, scenario, choices):
    attempt = attempt_start_or_resume(user=user, scenario=scenario)
    for choice in choices:
        attempt = attempt_choose(
            user=user, attempt=attempt, step_id=attempt.current_step, choice_id=choice
        )
    return attempt


def fto(org, email, *, trainees=(), role=Role.FTO):
    user = UserFactory(email=email, roles=(role,), totp=True)
    StaffProfileFactory(user=user, organisation=org)
    for trainee in trainees:
        trainee.field_training_officers.add(user)
    return user


# --- who may coach ---------------------------------------------------------------------------


def test_the_assigned_fto_may_coach(city):
    assert can_coach(coach=city.user("fto"), trainee=city.user("learner"))


@pytest.mark.parametrize("case", ["other_org", "not_assigned", "self", "no_permission"])
def test_others_may_not_coach(city, case):
    learner = city.learner
    if case == "other_org":
        coach = fto(city.sharing_cbo, "cbo.fto@relay.test", trainees=[learner])
    elif case == "not_assigned":
        coach = fto(city.department, "other.fto@relay.test")
    elif case == "self":
        coach, learner = city.user("fto"), city.fto
        learner.field_training_officers.add(coach)
    else:
        coach = city.user("supervisor")
        learner.field_training_officers.add(coach)
    assert not can_coach(coach=coach, trainee=learner.user)


def test_a_refused_review_stores_nothing(city, scenario):
    attempt = play(city.user("learner"), scenario, PASS)
    stranger = fto(city.department, "other.fto@relay.test")
    with pytest.raises(PermissionDenied):
        coaching_review_record(
            coach=stranger, attempt=attempt, feedback="<p>Fine</p>", verdict="competent"
        )
    assert not CoachingReview.objects.exists()
    assert not Notification.objects.filter(message__contains="reviewed").exists()


# --- verdicts --------------------------------------------------------------------------------


def test_needs_practice_grants_another_attempt_and_notifies(city, scenario):
    learner = city.user("learner")
    attempt = play(learner, scenario, FAIL)
    assert attempts_allowed_for(user=learner, scenario=scenario) == 1
    review = coaching_review_record(
        coach=city.user("fto"),
        attempt=attempt,
        feedback="<p>Never leave them alone.</p>",
        verdict="needs_practice",
    )
    assert review.coach_name == city.user("fto").display_name
    assert "Field training officer" in review.coach_role
    allowance = AttemptAllowance.objects.get()
    assert (allowance.user, allowance.scenario_id, allowance.extra) == (learner, scenario.pk, 1)
    assert attempts_allowed_for(user=learner, scenario=scenario) == 2
    notice = Notification.objects.get(user=learner, message__contains="reviewed")
    assert "needs practice" in notice.message
    assert notice.url == f"/learn/scenarios/attempts/{attempt.pk}/debrief/"


def test_needs_practice_reopens_a_used_up_scenario(city, scenario):
    learner = city.user("learner")
    attempt = play(learner, scenario, FAIL)
    with pytest.raises(ValidationError):
        attempt_start_or_resume(user=learner, scenario=scenario)
    coaching_review_record(
        coach=city.user("fto"), attempt=attempt, feedback="Again", verdict="needs_practice"
    )
    assert attempt_start_or_resume(user=learner, scenario=scenario).number == 2


def test_competent_completes_the_module_when_a_coach_is_required(
    city, scenario, no_completion_on_pass
):
    ScenarioRequirement.objects.create(scenario=scenario, require_coach_competent=True)
    learner = city.user("learner")
    attempt = play(learner, scenario, PASS)
    assert not scenario_rule_met(user=learner, scenario=scenario)
    review = coaching_review_record(
        coach=city.user("fto"), attempt=attempt, feedback="<p>Well done.</p>", verdict="competent"
    )
    assert scenario_rule_met(user=learner, scenario=scenario)
    progress = ModuleProgress.objects.get(user=learner, module=scenario.get_parent())
    assert progress.status == "completed"
    assert progress.completion_source == "coaching_review"
    assert progress.completion_evidence == {
        "scenario_attempt": attempt.pk,
        "coaching_review": review.pk,
    }


def test_a_passed_attempt_alone_does_not_complete_when_a_coach_is_required(city, scenario):
    ScenarioRequirement.objects.create(scenario=scenario, require_coach_competent=True)
    play(city.user("learner"), scenario, PASS)
    assert not ModuleProgress.objects.filter(status="completed").exists()


def test_needs_practice_does_not_complete(city, scenario, no_completion_on_pass):
    ScenarioRequirement.objects.create(scenario=scenario, require_coach_competent=True)
    learner = city.user("learner")
    attempt = play(learner, scenario, PASS)
    coaching_review_record(
        coach=city.user("fto"), attempt=attempt, feedback="Once more", verdict="needs_practice"
    )
    assert not scenario_rule_met(user=learner, scenario=scenario)
    assert not ModuleProgress.objects.filter(status="completed").exists()


def test_a_failed_attempt_cannot_be_marked_competent(city, scenario):
    attempt = play(city.user("learner"), scenario, FAIL)
    with pytest.raises(ValidationError, match="did not pass"):
        coaching_review_record(
            coach=city.user("fto"), attempt=attempt, feedback="Hmm", verdict="competent"
        )
    assert not CoachingReview.objects.exists()


def test_an_attempt_is_reviewed_once_and_only_when_finished(city, scenario):
    learner = city.user("learner")
    open_attempt = attempt_start_or_resume(user=learner, scenario=scenario)
    with pytest.raises(ValidationError, match="finished"):
        coaching_review_record(
            coach=city.user("fto"), attempt=open_attempt, feedback="x", verdict="needs_practice"
        )
    attempt = play(learner, scenario, PASS)
    coaching_review_record(
        coach=city.user("fto"), attempt=attempt, feedback="x", verdict="competent"
    )
    with pytest.raises(ValidationError, match="already"):
        coaching_review_record(
            coach=city.user("fto"), attempt=attempt, feedback="y", verdict="needs_practice"
        )
    assert CoachingReview.objects.count() == 1


def test_feedback_is_sanitized_and_required(city, scenario):
    attempt = play(city.user("learner"), scenario, PASS)
    with pytest.raises(ValidationError, match="Write some feedback"):
        coaching_review_record(
            coach=city.user("fto"),
            attempt=attempt,
            feedback="<p> </p><img src=x>",
            verdict="competent",
        )
    review = coaching_review_record(
        coach=city.user("fto"),
        attempt=attempt,
        feedback='<p onclick="x()">Good <strong>call</strong></p><script>alert(1)</script>',
        verdict="competent",
    )
    assert review.feedback.startswith("<p>Good <strong>call</strong></p>")
    assert "<script" not in review.feedback
    assert "onclick" not in review.feedback


# --- the coach's pages -----------------------------------------------------------------------


def test_queue_lists_unreviewed_attempts_of_my_trainees_oldest_first(
    city, scenario, client_for, django_assert_max_num_queries
):
    learner = city.user("learner")
    first = play(learner, scenario, FAIL)
    coaching_review_record(
        coach=city.user("fto"), attempt=first, feedback="Again", verdict="needs_practice"
    )
    client = client_for("fto")
    with django_assert_max_num_queries(12):
        empty = client.get("/coach/")
    assert "Nothing to review" in empty.content.decode()
    # More trainees with finished attempts do not add queries.
    trainees = []
    for n in range(4):
        profile = StaffProfileFactory(
            organisation=city.department,
            user=UserFactory(email=f"trainee{n}@relay.test"),
            field_training_officers=[city.user("fto")],
        )
        assign(
            actor=city.user("supervisor"),
            profile=profile,
            program=scenario.get_parent().get_parent().specific,
        )
        play(profile.user, scenario, PASS)
        trainees.append(profile.user)
    stranger = StaffProfileFactory(organisation=city.department)
    assign(
        actor=city.user("supervisor"),
        profile=stranger,
        program=scenario.get_parent().get_parent().specific,
    )
    play(stranger.user, scenario, PASS)
    with django_assert_max_num_queries(12):
        response = client.get("/coach/")
    html = response.content.decode()
    assert response.status_code == 200
    assert stranger.user.display_name not in html
    assert learner.display_name not in html  # already reviewed
    positions = [html.index(trainee.display_name) for trainee in trainees]
    assert positions == sorted(positions)


def test_review_page_shows_the_path_and_saves_the_verdict(city, scenario, client_for):
    learner = city.user("learner")
    attempt = play(learner, scenario, FAIL)
    client = client_for("fto")
    url = f"/coach/attempts/{attempt.pk}/"
    page = client.get(url).content.decode()
    assert "Person unresponsive" in page
    assert "Give naloxone and leave" in page
    assert "Critical error" in page
    refused = client.post(url, {"feedback": "Good", "verdict": "competent"})
    assert refused.status_code == 200
    assert "did not pass" in refused.content.decode()
    missing = client.post(url, {"feedback": "", "verdict": ""})
    assert "This field is required" in missing.content.decode()
    assert not CoachingReview.objects.exists()
    saved = client.post(url, {"feedback": "<p>Stay.</p>", "verdict": "needs_practice"})
    assert saved.status_code == 302
    assert CoachingReview.objects.get().verdict == "needs_practice"
    assert "Needs practice" in client.get(url).content.decode()


def test_others_cannot_open_the_review(city, scenario, client_for):
    attempt = play(city.user("learner"), scenario, PASS)
    url = f"/coach/attempts/{attempt.pk}/"
    assert client_for("learner").get(url).status_code == 403
    assert client_for("supervisor").get(url).status_code == 403
    other = sign_in(Client(), fto(city.department, "other.fto@relay.test"))
    assert other.get(url).status_code == 404
    assert other.post(url, {"feedback": "x", "verdict": "competent"}).status_code == 404
    assert not CoachingReview.objects.exists()
