"""``POST /api/v1/staff``: the HR-system sync upserts a batch of one organisation's staff, all
or nothing, with every problem as ``staff.<index>.<field>``."""

import pytest

from lms.accounts.models import StaffProfile, User
from lms.api.models import ApiScope
from lms.audit.models import AuditAction, AuditEvent
from tests.factories import JobRoleFactory

from .conftest import ApiClient, make_token

URL = "/api/v1/staff"


def person(n: int, **values) -> dict:
    return {
        "employee_id": f"N-{n}",
        "email": f"n{n}@relay.test",
        "first_name": "Ana",
        "last_name": f"Ruiz {n}",
        "hire_date": "2026-01-05",
        **values,
    }


def batch(organisation, *staff) -> dict:
    """A request body for `organisation` (an Organisation, or a slug)."""
    return {"organisation": getattr(organisation, "slug", organisation), "staff": list(staff)}


@pytest.fixture
def hr_api(city, api_for):
    return api_for("hr")


def test_a_batch_is_upserted_and_sending_it_again_changes_nothing(city, hr_api):
    role = JobRoleFactory(name="Transit ambassador")
    body = batch(
        city.department,
        person(1, job_role="transit ambassador", supervisor_employee_id="N-2"),
        person(2, status="active", funding_source="federal_grant"),
        {"employee_id": city.learner.employee_id, "status": "on_leave"},
    )

    first = hr_api.post(URL, body)

    assert first.status_code == 200, first.content
    assert first.json() == {
        "organisation": city.department.slug,
        "rows": 3,
        "created": 2,
        "moved": 0,
        "separated": 0,
        "reinstated": 0,
        "updated": 1,
        "unchanged": 0,
        "invitations_closed": 0,
        "assignments_queued": 0,
    }
    hired = StaffProfile.objects.select_related("user", "supervisor").get(employee_id="N-1")
    assert (hired.job_role, hired.supervisor.email, hired.status) == (
        role,
        "n2@relay.test",
        "trainee",
    )
    assert StaffProfile.objects.get(employee_id="N-2").funding_source == "federal_grant"
    city.learner.refresh_from_db()
    assert city.learner.status == "on_leave"
    imported = AuditEvent.objects.get(action=AuditAction.STAFF_IMPORTED)
    assert imported.data["source"] == "api"
    assert imported.actor == city.user("hr")

    again = hr_api.post(URL, body)

    assert again.status_code == 200
    assert again.json()["unchanged"] == 3


def test_a_left_out_field_keeps_and_null_clears(city, hr_api):
    learner = city.learner
    role = learner.job_role

    kept = hr_api.post(URL, batch(city.department, {"employee_id": learner.employee_id}))
    cleared = hr_api.post(
        URL, batch(city.department, {"employee_id": learner.employee_id, "job_role": None})
    )

    assert (kept.json()["unchanged"], cleared.json()["moved"]) == (1, 1)
    learner.refresh_from_db()
    assert role is not None
    assert learner.job_role is None
    assert learner.user.first_name  # a left-out name is kept


def test_every_problem_is_reported_by_item_and_field_and_nothing_is_written(city, hr_api):
    body = batch(
        city.department,
        person(1),
        person(2, job_role="Astronaut"),
        person(1, email="other@relay.test"),
        person(4, email="learner@relay.test", status="separated"),
    )

    response = hr_api.post(URL, body)

    assert response.status_code == 400
    payload = response.json()
    assert payload["field"] == "staff.1.job_role"
    assert payload["message"].startswith("4 problems; nothing was imported.")
    assert [error["field"] for error in payload["errors"]] == [
        "staff.1.job_role",
        "staff.2.employee_id",
        "staff.3.email",
        "staff.3.separated_on",
    ]
    assert not User.objects.filter(email__in=["n1@relay.test", "n2@relay.test"]).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.STAFF_IMPORTED).exists()


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (person(1, shoe_size=44), "staff.0.shoe_size"),
        (person(1, hire_date=20260105), "staff.0.hire_date"),
        (person(1, hire_date="05/01/2026"), "staff.0.hire_date"),
        (person(1, status="retired"), "staff.0.status"),
        (person(1, employee_id=""), "staff.0.employee_id"),
        (person(1, last_name="Ru\x00iz"), "staff.0.last_name"),
        (person(1, funding_source="lottery"), "staff.0.funding_source"),
    ],
)
def test_wrong_types_and_unknown_fields_are_400_with_the_field(city, hr_api, item, field):
    response = hr_api.post(URL, batch(city.department, item))

    assert response.status_code == 400
    assert response.json()["field"] == field
    assert not User.objects.filter(email="n1@relay.test").exists()


def test_the_batch_itself_is_checked(city, hr_api):
    too_many = batch(city.department, *(person(n) for n in range(1001)))
    assert hr_api.post(URL, too_many).json()["field"] == "staff"
    assert hr_api.post(URL, batch(city.department)).json()["field"] == "staff"
    unknown = hr_api.post(URL, {**batch(city.department, person(1)), "dry_run": True})
    assert unknown.json()["field"] == "dry_run"
    malformed = hr_api.post(URL, raw=b'{"organisation": "ocs", "staff": [')
    assert malformed.status_code == 400
    assert malformed.json()["message"] == "The request body is not valid JSON."


def test_an_organisation_the_token_may_not_write_to_is_404_and_nothing_is_imported(city, api_for):
    scoped = api_for("hr", organisation=city.sharing_cbo)

    for client, organisation in [
        (scoped, city.department),  # the token is for another organisation
        (api_for("hr"), city.private_cbo),  # out of HR's reach
        (api_for("hr"), "no-such-organisation"),
    ]:
        response = client.post(URL, batch(organisation, person(1)))
        assert response.status_code == 404
        assert response.json()["field"] == "organisation"
    assert not User.objects.filter(email="n1@relay.test").exists()

    assert scoped.post(URL, batch(city.sharing_cbo, person(1))).status_code == 200
    admin = api_for("admin")
    assert admin.post(URL, batch(city.private_cbo, person(2))).status_code == 200


def test_a_token_without_the_write_scope_is_403(city):
    reader = ApiClient(make_token(city.user("hr"), scopes=[str(ApiScope.STAFF_READ)]))

    response = reader.post(URL, batch(city.department, person(1)))

    assert response.status_code == 403
    assert "staff:write" in response.json()["message"]
    assert ApiClient(None).post(URL, batch(city.department, person(1))).status_code == 401
    assert not User.objects.filter(email="n1@relay.test").exists()


def test_an_administrators_record_is_out_of_an_hr_tokens_reach(city, hr_api):
    response = hr_api.post(
        URL, batch(city.department, {"employee_id": city.admin.employee_id, "status": "on_leave"})
    )

    assert response.status_code == 400
    assert response.json()["field"] == "staff.0"


@pytest.mark.parametrize("count", [50, 500])
def test_a_sync_with_nothing_new_takes_the_same_queries_whatever_its_size(
    city, hr_api, count, django_assert_max_num_queries
):
    body = batch(city.department, *(person(n, status="active") for n in range(count)))
    assert hr_api.post(URL, body).json()["created"] == count

    # 18, and the token's use (every write is audited): its organisation and the audit row,
    # with the chain's advisory lock on PostgreSQL.
    with django_assert_max_num_queries(23):
        response = hr_api.post(URL, body)

    assert response.json()["unchanged"] == count
