"""The demo scenarios: six live branching scenarios in the demo programs, and attempts at them.

The city (with its curriculum, scenarios and history) is seeded once for the module, inside a
transaction that is rolled back at the end; each test runs in a savepoint within it.
"""

import pytest
from django.db import transaction
from wagtail.models import Revision

from courses.models import ModulePage, ModuleProgress, TrainingType
from lms.accounts.models import User
from lms.demo.catalog import load_catalog
from lms.demo.people import DEMO_ANCHOR
from lms.demo.seed import seed_city
from scenarios.engine import best_path, choose, score, start_state, validate
from scenarios.models import (
    AttemptAllowance,
    AttemptStatus,
    CoachingReview,
    CoachingVerdict,
    ScenarioAttempt,
    ScenarioPage,
)

pytestmark = pytest.mark.django_db

SLUGS = {
    "welfare-check-on-linden-street": "community-responder-academy",
    "noise-complaint-at-the-harbor-view-apartments": "community-responder-academy",
    "after-the-shooting-at-cedar-park": "violence-intervention-outreach",
    "a-stolen-purse-a-caller-in-tears": "telephone-online-reporting",
    "conflict-on-platform-2": "transit-ambassador-program",
    "overdose-behind-the-laundromat": "violence-intervention-outreach",
}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield seed_city(today=DEMO_ANCHOR)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _scenarios() -> list[ScenarioPage]:
    return list(ScenarioPage.objects.live().filter(slug__in=SLUGS).order_by("path"))


def test_six_live_scenarios_each_in_a_scenario_module_of_its_program(seeded):
    scenarios = _scenarios()
    assert {page.slug for page in scenarios} == set(SLUGS)
    for page in scenarios:
        module = page.get_parent().specific
        assert isinstance(module, ModulePage)
        assert module.live
        assert module.training_type == TrainingType.SCENARIO
        assert module.get_parent().slug == SLUGS[page.slug]
        assert page.live_revision_id is not None


def test_every_scenario_validates_and_has_a_critical_choice_endings_and_a_loop(seeded):
    for page in _scenarios():
        scenario = page.engine()
        assert validate(scenario) == [], page.slug
        assert 6 <= len(scenario.steps) <= 12, page.slug
        choices = [choice for step in scenario.steps for choice in step.choices]
        assert any(choice.critical for choice in choices), page.slug
        assert sum(step.terminal for step in scenario.steps) >= 2, page.slug
        assert all(step.outcome for step in scenario.steps if step.terminal), page.slug
        assert all(choice.feedback for choice in choices), page.slug
        assert any(choice.competencies for choice in choices), page.slug
        keys = {step.id for step in scenario.steps}
        assert len(keys) == len(scenario.steps)
        assert best_path(scenario), page.slug


def test_scenarios_are_tagged_with_competencies_of_the_framework(seeded):
    framework = load_catalog()["curriculum"]["competency_framework"]
    names = {item["name"] for row in framework for item in row["competencies"]}
    for page in _scenarios():
        tags = {tag for step in page.engine().steps for c in step.choices for tag in c.competencies}
        assert tags, page.slug
        assert tags <= names, page.slug


def test_catalog_runs_end_where_expected(seeded):
    """The model run passes, the critical run fails with a critical error."""
    specs = {spec["slug"]: spec for spec in load_catalog()["scenarios"]["items"]}
    for page in _scenarios():
        scenario = page.engine()
        runs = specs[page.slug]["runs"]

        def path_of(positions, scenario=scenario):
            state = start_state(scenario)
            for position in positions:
                state = choose(scenario, state, str(position))
            assert state.finished
            return state.path

        assert score(scenario, path_of(runs["model"])).passed, page.slug
        critical = score(scenario, path_of(runs["critical"]))
        assert not critical.passed, page.slug
        assert critical.critical_errors, page.slug
        assert not score(scenario, path_of(runs["poor"])).passed, page.slug


def test_demo_learner_has_finished_failed_attempts_with_reflections_and_one_open(seeded):
    learner = User.objects.get(email="learner@relay.test")
    attempts = ScenarioAttempt.objects.filter(user=learner)
    finished = attempts.filter(status=AttemptStatus.FINISHED)
    assert finished.count() >= 3
    assert finished.filter(critical_errors__gt=0).exists()
    assert finished.exclude(reflection="").exists()
    assert attempts.filter(status=AttemptStatus.IN_PROGRESS).count() == 1
    # Three weeks in, the learner has not passed a scenario module yet.
    assert not finished.filter(passed=True).exists()
    for attempt in finished:
        assert attempt.started_at < attempt.finished_at
        assert attempt.finished_at.date() < DEMO_ANCHOR
        assert attempt.revision_id == attempt.scenario.live_revision_id


def test_staff_have_good_and_bad_runs_in_every_program(seeded):
    attempts = ScenarioAttempt.objects.filter(status=AttemptStatus.FINISHED).exclude(
        user__email="learner@relay.test"
    )
    for page in _scenarios():
        at_page = attempts.filter(scenario=page)
        assert at_page.filter(passed=True).exists(), page.slug
        assert at_page.filter(passed=False, critical_errors__gt=0).exists(), page.slug
    passed = attempts.filter(passed=True).values_list("user_id", "scenario__pk")
    for user_id, page_pk in passed:
        module = ScenarioPage.objects.get(pk=page_pk).get_parent()
        assert ModuleProgress.objects.filter(
            user_id=user_id, module_id=module.pk, status="completed"
        ).exists()


def test_demo_fto_reviewed_the_learners_attempts(seeded):
    learner = User.objects.get(email="learner@relay.test")
    reviews = CoachingReview.objects.filter(attempt__user=learner).select_related("attempt")
    assert reviews.count() >= 2
    # The latest finished attempt waits in the demo FTO's queue.
    from scenarios.coaching import coach_queue

    fto = User.objects.get(email="fto@relay.test")
    assert any(a.user_id == learner.pk for a in coach_queue(coach=fto))
    for review in reviews:
        assert review.coach.email == "fto@relay.test"
        assert review.verdict == CoachingVerdict.NEEDS_PRACTICE
        assert review.feedback
        assert review.attempt.finished_at < review.reviewed_at
        assert review.reviewed_at.date() < DEMO_ANCHOR
    assert AttemptAllowance.objects.filter(user=learner).count() == reviews.count()


def _counts() -> dict[str, int]:
    return {
        "scenarios": ScenarioPage.objects.count(),
        "modules": ModulePage.objects.count(),
        "revisions": Revision.objects.count(),
        "attempts": ScenarioAttempt.objects.count(),
        "progress": ModuleProgress.objects.count(),
        "reviews": CoachingReview.objects.count(),
    }


def test_seeding_again_changes_nothing(seeded):
    before = _counts()
    seed_city(today=DEMO_ANCHOR)
    assert _counts() == before
