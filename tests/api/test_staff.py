"""GET /staff and /staff/{organisation}/{employee_id}: what a token reads of people."""

import pytest

from lms.accounts.models import FundingSource, StaffStatus
from tests.factories import JobRoleFactory, StaffProfileFactory

from .conftest import ApiClient, grant, make_token

STAFF = "/api/v1/staff"


def employee_ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["employee_id"] for item in response.json()["items"]}


def test_hr_reads_departments_and_sharing_organisations_only(city, api_for):
    response = api_for("hr").get(STAFF, limit=500)
    seen = employee_ids(response)
    assert city.learner.employee_id in seen
    assert city.cbo_learner.employee_id in seen
    assert city.private_cbo_learner.employee_id not in seen
    body = response.json()
    assert body["count"] == len(seen)
    assert body["next"] is None


def test_an_administrator_reads_everyone(city, api_for):
    seen = employee_ids(api_for("admin").get(STAFF, limit=500))
    assert city.private_cbo_learner.employee_id in seen


def test_an_organisation_token_never_sees_another_organisations_people(city, api_for):
    api = api_for("hr", organisation=city.sharing_cbo)
    seen = employee_ids(api.get(STAFF, limit=500))
    assert seen == {city.cbo_learner.employee_id, city.cbo_supervisor.employee_id}
    # Asking for the department by name changes nothing, and its people are not found.
    assert employee_ids(api.get(STAFF, organisation=city.department.slug)) == set()
    response = api.get(f"{STAFF}/{city.department.slug}/{city.learner.employee_id}")
    assert response.status_code == 404
    assert response.json()["message"] == "No such staff member."


def test_a_supervisor_token_reads_their_own_organisation(city):
    """A supervisor given `use_api` (by an administrator) sees what their pages show."""
    supervisor = grant(city.user("cbo_supervisor"), "accounts.use_api")
    api = ApiClient(make_token(supervisor))
    seen = employee_ids(api.get(STAFF, limit=500))
    assert seen == {city.cbo_learner.employee_id, city.cbo_supervisor.employee_id}
    assert api.get(f"{STAFF}/{city.department.slug}/{city.hr.employee_id}").status_code == 404


def test_one_person_in_detail(city, api_for):
    role = JobRoleFactory(name="Violence interrupter")
    profile = StaffProfileFactory(
        organisation=city.department,
        employee_id="VI-0042",
        job_role=role,
        supervisor=city.user("supervisor"),
        funding_source=FundingSource.STATE_GRANT,
    )
    response = api_for("hr").get(f"{STAFF}/{city.department.slug}/VI-0042")
    assert response.status_code == 200
    assert response.json() == {
        "employee_id": "VI-0042",
        "organisation": city.department.slug,
        "first_name": profile.user.first_name,
        "last_name": profile.user.last_name,
        "name": profile.user.display_name,
        "email": profile.user.email,
        "job_role": "Violence interrupter",
        "job_role_id": role.pk,
        "status": "trainee",
        "hire_date": profile.hire_date.isoformat(),
        "job_role_since": profile.hire_date.isoformat(),
        "separated_on": None,
        "supervisor_employee_id": city.supervisor.employee_id,
        "funding_source": "state_grant",
    }
    # Without its own funding source a position takes its organisation's.
    learner = api_for("hr").get(f"{STAFF}/{city.department.slug}/{city.learner.employee_id}")
    assert learner.json()["funding_source"] == city.department.funding_source


def test_filters(city, api_for):
    role = JobRoleFactory(name="Transit ambassador")
    ambassador = StaffProfileFactory(
        organisation=city.department, job_role=role, status=StaffStatus.ACTIVE
    )
    api = api_for("hr")
    assert employee_ids(api.get(STAFF, job_role="transit AMBASSADOR")) == {ambassador.employee_id}
    assert employee_ids(api.get(STAFF, job_role=str(role.pk))) == {ambassador.employee_id}
    assert employee_ids(api.get(STAFF, status="active")) == {ambassador.employee_id}
    sharing = employee_ids(api.get(STAFF, organisation=city.sharing_cbo.slug))
    assert sharing == {city.cbo_learner.employee_id, city.cbo_supervisor.employee_id}
    assert employee_ids(api.get(STAFF, organisation=city.private_cbo.slug)) == set()
    assert employee_ids(api.get(STAFF, job_role="No such role")) == set()


def test_pages_follow_each_other(city, api_for):
    for _ in range(7):
        StaffProfileFactory(organisation=city.department)
    api = api_for("hr")
    everyone = employee_ids(api.get(STAFF, limit=500))
    seen: list[str] = []
    url = f"{STAFF}?limit=4"
    while url:
        body = api.client.get(url, headers=api.headers).json()
        assert len(body["items"]) <= 4
        assert body["count"] == len(everyone)
        seen += [item["employee_id"] for item in body["items"]]
        url = body["next"]
        if url:
            assert url.startswith("http://testserver/api/v1/staff?")
    assert len(seen) == len(everyone)
    assert set(seen) == everyone
    assert api.get(STAFF, offset=10_000).json()["items"] == []


@pytest.mark.parametrize("extra", [0, 40])
def test_the_list_runs_a_constant_number_of_queries(
    city, api_for, django_assert_max_num_queries, extra
):
    role = JobRoleFactory(name="Report taker")
    for _ in range(extra):
        StaffProfileFactory(
            organisation=city.department, job_role=role, supervisor=city.user("supervisor")
        )
    api = api_for("hr")
    api.get(STAFF)  # records the token's first use (one UPDATE a minute at most)
    # The token and its owner, the owner's permissions, the count, the page's ids, its rows.
    with django_assert_max_num_queries(5):
        response = api.get(STAFF, limit=500)
    assert response.json()["count"] >= extra
