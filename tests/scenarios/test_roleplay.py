"""Live role-play against a rubric: validation, completion, permissions and the form."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from courses.models import ModuleProgress
from lms.accounts.roles import Role
from scenarios.coaching import roleplay_assessment_record, scenario_rule_met
from scenarios.models import (
    RoleplayAssessment,
    RoleplayRubric,
    RubricCriterion,
    ScenarioRequirement,
)
from tests.conftest import sign_in
from tests.factories import CompetencyFactory, StaffProfileFactory, UserFactory
from tests.factories.courses import assign, module_page, program_page
from tests.factories.scenarios import scenario_page


@pytest.fixture
def rubric(db):
    rubric = RoleplayRubric.objects.create(name="Overdose response", levels_description="1 to 4")
    for name in ("Scene safety", "Naloxone"):
        RubricCriterion.objects.create(
            rubric=rubric,
            competency=CompetencyFactory(name=name),
            level_1=f"{name}: missed",
            level_2=f"{name}: prompted",
            level_3=f"{name}: unprompted",
            level_4=f"{name}: coaches others",
        )
    return rubric


@pytest.fixture
def scenario(city, rubric):
    program = program_page()
    module = module_page(program, training_type="scenario", n_questions=0)
    page = scenario_page(module)
    assign(actor=city.user("supervisor"), profile=city.learner, program=program)
    ScenarioRequirement.objects.create(
        scenario=page, online_required=False, require_roleplay=True, rubric=rubric
    )
    return page


def ratings(rubric, *levels):
    return {str(c.pk): level for c, level in zip(rubric.criteria.all(), levels, strict=True)}


def record(city, scenario, rubric, *, levels=(3, 4), outcome="passed", notes="", **kw):
    return roleplay_assessment_record(
        assessor=kw.get("assessor", city.user("fto")),
        trainee=city.user("learner"),
        scenario=scenario,
        ratings=kw.get("given", ratings(rubric, *levels)),
        notes=notes,
        outcome=outcome,
    )


def test_a_passed_roleplay_completes_a_roleplay_only_module(city, scenario, rubric):
    assessment = record(city, scenario, rubric, notes="<p>Calm.</p>")
    assert assessment.ratings == ratings(rubric, 3, 4)
    assert assessment.assessor_name == city.user("fto").display_name
    assert [c["competency"] for c in assessment.rubric_snapshot["criteria"]] == [
        "Scene safety",
        "Naloxone",
    ]
    progress = ModuleProgress.objects.get(user=city.user("learner"), module=scenario.get_parent())
    assert progress.status == "completed"
    assert progress.completion_evidence == {"roleplay_assessment": assessment.pk}


def test_not_yet_does_not_complete(city, scenario, rubric):
    record(city, scenario, rubric, levels=(1, 2), outcome="not_yet")
    assert not scenario_rule_met(user=city.user("learner"), scenario=scenario)
    assert not ModuleProgress.objects.filter(status="completed").exists()


def test_roleplay_and_online_both_required(city, scenario, rubric):
    ScenarioRequirement.objects.filter(scenario=scenario).update(online_required=True)
    record(city, scenario, rubric)
    assert not scenario_rule_met(user=city.user("learner"), scenario=scenario)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("unknown", "not part of the rubric"),
        ("level_0", "on the scale of 1 to 4"),
        ("level_5", "on the scale of 1 to 4"),
        ("level_text", "on the scale of 1 to 4"),
        ("missing", "every criterion"),
    ],
)
def test_bad_ratings_are_refused_with_a_clear_error(city, scenario, rubric, given, message):
    first, second = (str(c.pk) for c in rubric.criteria.all())
    given = {
        "unknown": {first: 3, second: 3, "999999": 3},
        "level_0": {first: 0, second: 3},
        "level_5": {first: 5, second: 3},
        "level_text": {first: "three", second: 3},
        "missing": {first: 3},
    }[given]
    with pytest.raises(ValidationError, match=message):
        record(city, scenario, rubric, given=given)
    assert not RoleplayAssessment.objects.exists()


def test_notes_are_sanitized(city, scenario, rubric):
    assessment = record(
        city, scenario, rubric, notes='<p>Good</p><a href="javascript:x()">x</a><iframe></iframe>'
    )
    assert "javascript" not in assessment.notes
    assert "<iframe" not in assessment.notes
    assert assessment.notes.startswith("<p>Good</p>")


def test_only_the_assigned_fto_records(city, scenario, rubric):
    stranger = UserFactory(email="other.fto@relay.test", roles=(Role.FTO,), totp=True)
    StaffProfileFactory(user=stranger, organisation=city.department)
    with pytest.raises(PermissionDenied):
        record(city, scenario, rubric, assessor=stranger)
    with pytest.raises(PermissionDenied):
        roleplay_assessment_record(
            assessor=city.user("fto"),
            trainee=city.user("fto"),
            scenario=scenario,
            ratings=ratings(rubric, 3, 3),
            notes="",
            outcome="passed",
        )
    assert not RoleplayAssessment.objects.exists()


def test_requirement_needs_a_rubric_for_roleplay(scenario):
    requirement = ScenarioRequirement(scenario=scenario, require_roleplay=True)
    with pytest.raises(ValidationError) as error:
        requirement.clean()
    assert "rubric" in error.value.message_dict


# --- the form --------------------------------------------------------------------------------


def test_the_form_records_a_roleplay(city, scenario, rubric, client_for):
    client = client_for("fto")
    url = f"/coach/roleplay/new/?trainee={city.learner.pk}&scenario={scenario.pk}"
    page = client.get(url).content.decode()
    assert "Scene safety: coaches others" in page
    first, second = (f"criterion_{c.pk}" for c in rubric.criteria.all())
    bad = client.post(url, {first: "7", second: "3", "outcome": "passed"})
    assert bad.status_code == 200
    assert "Rate Scene safety on the scale of 1 to 4" in bad.content.decode()
    assert not RoleplayAssessment.objects.exists()
    saved = client.post(url, {first: "3", second: "4", "outcome": "passed", "notes": "Calm"})
    assert saved.status_code == 302
    assert RoleplayAssessment.objects.get().outcome == "passed"
    listing = client.get("/coach/roleplay/").content.decode()
    assert city.user("learner").display_name in listing


def test_others_cannot_record(city, scenario, rubric, client_for):
    url = f"/coach/roleplay/new/?trainee={city.learner.pk}&scenario={scenario.pk}"
    assert client_for("learner").get(url).status_code == 403
    assert client_for("supervisor").get(url).status_code == 403
    stranger = UserFactory(email="other.fto@relay.test", roles=(Role.FTO,), totp=True)
    StaffProfileFactory(user=stranger, organisation=city.department)
    other = sign_in(Client(), stranger)
    assert other.get(url).status_code == 404
    assert other.get("/coach/roleplay/").status_code == 200
    assert city.user("learner").display_name not in other.get("/coach/roleplay/").content.decode()
