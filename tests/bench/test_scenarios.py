"""The curriculum scenarios pick the right page, and say so plainly when the bench database has
no curriculum to measure. Behaviour only; nothing is timed."""

import pytest

from bench.context import BenchContext, BenchmarkError
from bench.scenarios import SCENARIOS
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from tests.factories import StaffProfileFactory, UserFactory, assign, module_page, program_page

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

CURRICULUM_SCENARIOS = ["learner_home", "module_page", "supervisor_grid"]


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    settings.TEMPLATES = BENCH_TEMPLATES


def request_for(name: str):
    return SCENARIOS[name](BenchContext(size=12))


@pytest.mark.parametrize("name", CURRICULUM_SCENARIOS)
def test_without_a_curriculum_the_scenario_explains_what_is_missing(city, name):
    with pytest.raises(BenchmarkError, match="seed_demo that builds the demo curriculum"):
        request_for(name)


@pytest.mark.parametrize("name", CURRICULUM_SCENARIOS)
def test_without_the_demo_logins_the_scenario_names_seed_demo(db, name):
    with pytest.raises(BenchmarkError, match=r"No user .*@relay\.test.*seed_demo"):
        request_for(name)


def test_learner_home_shows_the_learners_training(city, curriculum):
    response = request_for("learner_home")()

    assert response.status_code == 200
    assert response.wsgi_request.path == "/"
    assert response.wsgi_request.user == city.user("learner")
    assert curriculum.program.title in response.content.decode()


def test_module_page_opens_the_first_module_with_sections(city, curriculum):
    response = request_for("module_page")()

    assert response.status_code == 200
    assert response.wsgi_request.path == f"/learn/modules/{curriculum.first_module.pk}/"
    assert "Section 1 of 2" in response.content.decode()


def test_module_page_uses_the_first_assigned_program(city, curriculum):
    later = program_page("Refresher")
    module_page(later, sections=1)
    assign(actor=city.user("supervisor"), profile=city.learner, program=later)

    response = request_for("module_page")()

    assert response.wsgi_request.path == f"/learn/modules/{curriculum.first_module.pk}/"


def test_module_page_refuses_a_program_without_sections(city):
    program = program_page("Field only")
    module_page(program, training_type="field", sections=0)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)

    with pytest.raises(BenchmarkError, match=r"'Field only'.*no live module with sections"):
        request_for("module_page")


def test_supervisor_grid_shows_the_busiest_program_of_the_supervisors_organisation(
    city, curriculum
):
    # More people overall, but only one of them in the supervisor's organisation.
    elsewhere = program_page("Partner induction")
    assign(actor=city.user("supervisor"), profile=city.learner, program=elsewhere)
    partner = city.user("cbo_supervisor")
    for profile in (
        city.cbo_learner,
        StaffProfileFactory(user=UserFactory(), organisation=city.sharing_cbo, supervisor=partner),
    ):
        assign(actor=partner, profile=profile, program=elsewhere)

    response = request_for("supervisor_grid")()

    assert response.status_code == 200
    assert response.wsgi_request.path == f"/team/training/{curriculum.program.pk}/"
    assert response.wsgi_request.user == city.user("supervisor")
    page = response.content.decode()
    assert city.user("learner").display_name in page
    assert city.user("fto").display_name in page


def test_scenario_step_shows_the_learners_current_step(city, curriculum):
    response = request_for("scenario_step")()
    assert response.status_code == 200
    assert b"What do you do?" in response.content
    # Set-up resumed rather than multiplied attempts.
    request_for("scenario_step")
    from scenarios.models import ScenarioAttempt

    assert ScenarioAttempt.objects.count() == 1


def test_scenario_step_without_scenarios_says_what_is_missing(city):
    with pytest.raises(BenchmarkError, match="no assigned scenario"):
        request_for("scenario_step")
