"""GET /completions and GET /readiness."""

import datetime

import pytest

from certificates.models import RequirementLevel
from courses.services.progress import module_complete
from tests.factories import JobRoleFactory, assign, module_page, program_page
from tests.factories.certificates import CredentialTypeFactory, record_external, require, verify

COMPLETIONS = "/api/v1/completions"
READINESS = "/api/v1/readiness"
T0 = datetime.datetime(2026, 4, 1, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def done(city):
    """The department's learner completed a scenario module (and so its program), a field
    module of another program, and the sharing organisation's learner a scenario module."""
    supervisor = city.user("supervisor")
    program = program_page("Responder academy")
    scenario = module_page(program, title="Crisis scenario", training_type="scenario")
    assign(actor=supervisor, profile=city.learner, program=program, now=T0)
    module_complete(user=city.user("learner"), module=scenario, source="scenario_attempt", now=T0)
    field = module_page(
        program_page("Ride-alongs"), title="Field hours", training_type="field", ce_hours="4"
    )
    module_complete(
        user=city.user("learner"),
        module=field,
        source="field_release",
        now=T0 + datetime.timedelta(days=3),
    )
    module_complete(
        user=city.user("cbo_learner"),
        module=scenario,
        source="scenario_attempt",
        now=T0 + datetime.timedelta(days=5),
    )
    module_complete(
        user=city.user("private_cbo_learner"),
        module=scenario,
        source="scenario_attempt",
        now=T0 + datetime.timedelta(days=6),
    )
    return {"program": program, "scenario": scenario, "field": field}


def rows(response):
    assert response.status_code == 200, response.content
    return [(item["kind"], item["employee_id"], item["title"]) for item in response.json()["items"]]


def test_module_and_program_completions_oldest_first(city, done, api_for):
    response = api_for("hr").get(COMPLETIONS)
    assert rows(response) == [
        ("module", city.learner.employee_id, "Crisis scenario"),
        ("program", city.learner.employee_id, "Responder academy"),
        ("module", city.learner.employee_id, "Field hours"),
        ("module", city.cbo_learner.employee_id, "Crisis scenario"),
    ]
    first, program = response.json()["items"][:2]
    assert first["training_type"] == "scenario"
    assert first["page_id"] == done["scenario"].pk
    assert first["minutes"] == 45
    assert first["ce_hours"] == "1.50"
    assert first["organisation"] == city.department.slug
    assert first["completed_at"].startswith("2026-04-01T16:00:00")
    assert program["training_type"] is None
    assert program["minutes"] is None
    assert program["page_id"] == done["program"].pk


def test_completion_filters(city, done, api_for):
    api = api_for("hr")
    assert rows(api.get(COMPLETIONS, kind="program")) == [
        ("program", city.learner.employee_id, "Responder academy")
    ]
    assert rows(api.get(COMPLETIONS, training_type="field")) == [
        ("module", city.learner.employee_id, "Field hours")
    ]
    since = (T0 + datetime.timedelta(days=1)).isoformat()
    assert [r[2] for r in rows(api.get(COMPLETIONS, since=since))] == [
        "Field hours",
        "Crisis scenario",
    ]
    assert len(rows(api.get(COMPLETIONS, since="2026-04-05"))) == 1
    mine = rows(api.get(COMPLETIONS, employee_id=city.cbo_learner.employee_id))
    assert mine == [("module", city.cbo_learner.employee_id, "Crisis scenario")]
    assert rows(api.get(COMPLETIONS, organisation=city.private_cbo.slug)) == []
    page = api.get(COMPLETIONS, limit=2, offset=1).json()
    assert page["count"] == 4
    assert [item["title"] for item in page["items"]] == ["Responder academy", "Field hours"]
    assert "offset=3" in page["next"]


def test_an_organisation_token_reads_its_organisations_completions(city, done, api_for):
    api = api_for("hr", organisation=city.sharing_cbo)
    assert rows(api.get(COMPLETIONS)) == [
        ("module", city.cbo_learner.employee_id, "Crisis scenario")
    ]
    assert rows(api.get(COMPLETIONS, employee_id=city.learner.employee_id)) == []


def test_completions_run_a_constant_number_of_queries(
    city, done, api_for, django_assert_max_num_queries
):
    api = api_for("hr")
    api.get(COMPLETIONS)
    # The token, its owner's permissions, the count, the page, the page's people.
    with django_assert_max_num_queries(5):
        response = api.get(COMPLETIONS, limit=500)
    assert response.json()["count"] == 4


# --- Readiness ---------------------------------------------------------------------------------


@pytest.fixture
def target(city):
    """A senior role requiring a credential the department's learner holds."""
    senior = JobRoleFactory(name="Senior responder")
    cpr = CredentialTypeFactory(slug="cpr-senior", name="CPR (senior)")
    require(senior, cpr, level=RequirementLevel.REQUIRED)
    credential = record_external(
        holder=city.user("learner"), credential_type=cpr, issued_on=datetime.date(2025, 6, 1)
    )
    verify(credential=credential, actor=city.user("hr"))
    return senior


def test_readiness_for_a_role(city, target, api_for):
    response = api_for("hr").get(READINESS, role="senior RESPONDER", on="2026-01-10")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["role"] == "Senior responder"
    assert body["role_id"] == target.pk
    assert body["on"] == "2026-01-10"
    assert body["requirements"] == ["CPR (senior)"]
    by_id = {item["employee_id"]: item for item in body["items"]}
    ready = by_id[city.learner.employee_id]
    assert ready["band"] == "ready"
    assert ready["percent"] == 100
    assert ready["missing"] == []
    assert ready["organisation"] == city.department.slug
    assert ready["interested"] is False  # HR sees interest
    assert by_id[city.cbo_learner.employee_id]["missing"] == ["CPR (senior)"]
    assert city.private_cbo_learner.employee_id not in by_id
    assert body["items"][0]["employee_id"] == city.learner.employee_id  # ready first
    assert body["count"] == len(by_id)
    assert api_for("hr").get(READINESS, role=str(target.pk)).json()["count"] == body["count"]


def test_readiness_narrowed_to_an_organisation(city, target, api_for):
    scoped = api_for("hr", organisation=city.sharing_cbo).get(READINESS, role=target.name)
    ids = {item["employee_id"] for item in scoped.json()["items"]}
    assert ids == {city.cbo_learner.employee_id, city.cbo_supervisor.employee_id}
    # Asking a sharing-organisation token for the department gives nobody.
    other = api_for("hr", organisation=city.sharing_cbo).get(
        READINESS, role=target.name, organisation=city.department.slug
    )
    assert other.json()["items"] == []
    assert other.json()["requirements"] == ["CPR (senior)"]
    filtered = api_for("hr").get(READINESS, role=target.name, organisation=city.sharing_cbo.slug)
    assert {item["employee_id"] for item in filtered.json()["items"]} == ids


def test_an_unknown_role_is_404_on_the_role_field(city, api_for):
    response = api_for("hr").get(READINESS, role="Astronaut")
    assert response.status_code == 404
    assert response.json()["field"] == "role"


def test_readiness_pages_and_runs_a_constant_number_of_queries(
    city, target, api_for, django_assert_max_num_queries
):
    api = api_for("hr")
    api.get(READINESS, role=target.name)
    # Token, permissions, role, board (requirements, candidates), organisations' slugs.
    with django_assert_max_num_queries(7):
        response = api.get(READINESS, role=target.name, limit=2, offset=1)
    body = response.json()
    assert len(body["items"]) == 2
    assert body["next"] is not None
