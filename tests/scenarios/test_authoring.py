"""Authors build scenarios in the Wagtail admin; publishing is refused while the graph is broken."""

import pytest
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from scenarios.models import ScenarioPage
from tests.factories.courses import module_page, program_page


def _choices(items):
    data = {
        str(i): {
            "value": {
                "label": label,
                "next_step": target,
                "feedback": "",
                "score": str(score),
                "competencies": {"count": "0"},
                "critical": "on" if critical else "",
            },
            "deleted": "",
            "order": str(i),
            "id": "",
        }
        for i, (label, target, score, critical) in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def _step(key, title, choices=(), terminal=False):
    return (
        "step",
        {
            "key": key,
            "title": title,
            "narrative": rich_text(f"<p>{title}</p>"),
            "image": "",
            "audio": "",
            "terminal": "on" if terminal else "",
            "outcome": "Done." if terminal else "",
            "choices": _choices(choices),
        },
    )


def _post(client, module, steps, *, publish=True):
    data = nested_form_data(
        {
            "title": "Overdose at a bus shelter",
            "slug": "overdose-bus-shelter",
            "intro": rich_text(""),
            "start_step": "arrive",
            "pass_threshold": "70",
            "attempts_allowed": "3",
            "steps": streamfield(steps),
        }
    )
    if publish:
        data["action-publish"] = "action-publish"
    return client.post(f"/cms/pages/add/scenarios/scenariopage/{module.pk}/", data)


@pytest.fixture
def scenario_module(city):
    return module_page(program_page(), training_type="scenario", n_questions=0)


def test_publishing_a_broken_graph_is_refused_naming_the_steps(city, client_for, scenario_module):
    client = client_for("author")
    response = _post(
        client,
        scenario_module,
        [
            _step("arrive", "Arrive at the shelter", [("Check breathing", "check", 5, False)]),
            _step("orphan", "Nobody comes here", [("Leave", "end", 0, False)]),
            _step("end", "Handover to EMS", terminal=True),
        ],
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "cannot be published yet" in page
    assert "check" in page  # the missing step is named
    assert "orphan" in page
    assert not ScenarioPage.objects.exists()


def test_a_draft_may_be_incomplete(city, client_for, scenario_module):
    client = client_for("author")
    response = _post(
        client,
        scenario_module,
        [_step("arrive", "Arrive", [("Go on", "missing", 1, False)])],
        publish=False,
    )
    assert response.status_code == 302
    assert ScenarioPage.objects.get().live is False


def test_a_sound_graph_publishes(city, client_for, scenario_module):
    client = client_for("author")
    response = _post(
        client,
        scenario_module,
        [
            _step(
                "arrive",
                "Arrive at the shelter",
                [("Give naloxone and stay", "end", 10, False), ("Leave", "end", 0, True)],
            ),
            _step("end", "Handover to EMS", terminal=True),
        ],
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    scenario = ScenarioPage.objects.get()
    assert scenario.live
    engine = scenario.engine()
    assert [s.id for s in engine.steps] == ["arrive", "end"]
    assert engine.steps[0].choices[1].critical


def test_scenario_pages_go_only_under_scenario_modules(city):
    skills = module_page(program_page(), training_type="skills")
    assert not ScenarioPage.can_create_at(skills)
    scenario = module_page(program_page(), training_type="scenario")
    assert ScenarioPage.can_create_at(scenario)
