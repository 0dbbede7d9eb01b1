import pytest

from scenarios.models import ScenarioAttempt
from tests.factories.courses import assign, module_page, program_page
from tests.factories.scenarios import scenario_page


@pytest.fixture
def scenario(city):
    program = program_page()
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    return page


def test_learner_plays_to_the_debrief_and_reflects(city, scenario, client_for):
    client = client_for("learner")
    module_html = client.get(f"/learn/modules/{scenario.get_parent().pk}/").content.decode()
    assert "Play the scenario" in module_html
    assert "Start the scenario" in client.get(f"/learn/scenarios/{scenario.pk}/").content.decode()
    client.post(f"/learn/scenarios/{scenario.pk}/start/")
    attempt = ScenarioAttempt.objects.get()
    page = client.get(f"/learn/scenarios/{scenario.pk}/").content.decode()
    assert "Arrive at the shelter" in page
    for step in ["arrive", "person", "stay"]:
        response = client.post(
            f"/learn/scenarios/attempts/{attempt.pk}/choose/", {"step": step, "choice": "0"}
        )
    assert response["Location"] == f"/learn/scenarios/attempts/{attempt.pk}/debrief/"
    debrief = client.get(response["Location"]).content.decode()
    assert "Passed" in debrief
    assert "The best path" in debrief
    saved = client.post(
        response["Location"], {"reflection": "<p>Stay with them.</p><img src=x onerror=alert(1)>"}
    )
    assert saved.status_code == 302
    attempt.refresh_from_db()
    assert "onerror" not in attempt.reflection


def test_back_button_or_second_tab_cannot_fork_the_path(city, scenario, client_for):
    client = client_for("learner")
    client.post(f"/learn/scenarios/{scenario.pk}/start/")
    attempt = ScenarioAttempt.objects.get()
    url = f"/learn/scenarios/attempts/{attempt.pk}/choose/"
    client.post(url, {"step": "arrive", "choice": "0"})
    stale = client.post(url, {"step": "arrive", "choice": "0"}, follow=True)
    assert "already answered" in stale.content.decode()
    attempt.refresh_from_db()
    assert len(attempt.path) == 1


def test_others_cannot_play_or_see_an_attempt(city, scenario, client_for):
    learner = client_for("learner")
    learner.post(f"/learn/scenarios/{scenario.pk}/start/")
    attempt = ScenarioAttempt.objects.get()
    other = client_for("cbo_learner")
    assert other.get(f"/learn/scenarios/{scenario.pk}/").status_code == 403
    assert (
        other.post(
            f"/learn/scenarios/attempts/{attempt.pk}/choose/", {"step": "arrive", "choice": "0"}
        ).status_code
        == 404
    )
    assert other.get(f"/learn/scenarios/attempts/{attempt.pk}/debrief/").status_code == 404
    attempt.refresh_from_db()
    assert attempt.path == []


def test_oversized_reflection_is_refused_with_the_text_kept(city, scenario, client_for):
    client = client_for("learner")
    client.post(f"/learn/scenarios/{scenario.pk}/start/")
    attempt = ScenarioAttempt.objects.get()
    for step in ["arrive", "person", "stay"]:
        client.post(
            f"/learn/scenarios/attempts/{attempt.pk}/choose/", {"step": step, "choice": "0"}
        )
    response = client.post(
        f"/learn/scenarios/attempts/{attempt.pk}/debrief/", {"reflection": "x" * 10_001}
    )
    assert response.status_code == 400
    assert "under 10,000 characters" in response.content.decode()


def test_step_page_runs_constant_queries(city, scenario, client_for, django_assert_max_num_queries):
    client = client_for("learner")
    client.post(f"/learn/scenarios/{scenario.pk}/start/")
    attempt = ScenarioAttempt.objects.get()
    with django_assert_max_num_queries(25):
        assert client.get(f"/learn/scenarios/{scenario.pk}/").status_code == 200
    client.post(
        f"/learn/scenarios/attempts/{attempt.pk}/choose/", {"step": "arrive", "choice": "0"}
    )
    with django_assert_max_num_queries(25):
        assert client.get(f"/learn/scenarios/{scenario.pk}/").status_code == 200
