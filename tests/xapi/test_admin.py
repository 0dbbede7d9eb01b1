"""Administrators see the statements and the forwarding state in the Wagtail admin; nobody
edits them; nobody else sees them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.xapi import statements as xs
from lms.xapi.forwarding import statements_forward
from lms.xapi.models import Statement, StatementStatus
from lms.xapi.services import statement_record

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def record(user, count: int, *, start: int = 0, verb=xs.COMPLETED) -> list[Statement]:
    return [
        statement_record(
            source=f"admin-test:{n}",
            actor=user,
            verb=verb,
            object=xs.activity(
                iri=f"http://testserver/xapi/activities/module/{n}",
                name=f"Module number {n}",
                type_iri=xs.ActivityType.MODULE,
            ),
            timestamp=NOW,
            now=NOW,
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def statements(city, lrs):
    """Two sent, one refused by the store, two waiting (recorded after the store went away)."""
    learner = city.user("learner")
    rows = record(learner, 3)
    lrs.refuse_ids = {str(rows[2].id)}
    statements_forward(now=NOW)
    rows += record(learner, 2, start=3, verb=xs.PASSED)
    return rows


def test_an_administrator_sees_statements_and_how_forwarding_goes(client_for, statements):
    client = client_for("admin")
    response = client.get(reverse("xapi-statements:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Module number 0" in html
    assert "Refused by the LRS" in html
    assert "HTTP 400" in html
    assert "<strong>2</strong> sent" in html
    assert "<strong>2</strong> waiting to be sent" in html
    assert "<strong>1</strong> refused by the store" in html

    failed = client.get(reverse("xapi-statements:index"), {"status": StatementStatus.FAILED})
    assert "Module number 2" in failed.content.decode()
    assert "Module number 0" not in failed.content.decode()
    passed = client.get(reverse("xapi-statements:index"), {"verb": xs.PASSED.id})
    assert "Module number 3" in passed.content.decode()
    assert "Module number 1" not in passed.content.decode()

    inspect = client.get(reverse("xapi-statements:inspect", args=[statements[0].pk]))
    assert inspect.status_code == 200
    assert str(statements[0].pk) in inspect.content.decode()


def test_the_list_runs_a_constant_number_of_queries(
    city, client_for, no_lrs, django_assert_max_num_queries
):
    client = client_for("admin")
    record(city.user("learner"), 3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("xapi-statements:index"))
    record(city.user("fto"), 40, start=3)
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("xapi-statements:index"))
    assert response.status_code == 200


def test_nobody_adds_edits_or_deletes_a_statement(client_for, statements):
    client = client_for("admin")
    pk = statements[0].pk
    for url in (
        reverse("xapi-statements:add"),
        reverse("xapi-statements:edit", args=[pk]),
        reverse("xapi-statements:delete", args=[pk]),
    ):
        assert client.get(url).status_code == 302
        assert client.post(url, {"last_error": "x"}).status_code == 302
    assert Statement.objects.filter(pk=pk, last_error="").exists()
    assert Statement.objects.count() == 5


@pytest.mark.parametrize("role", ["hr", "author"])
def test_other_admin_users_are_turned_away(client_for, statements, role):
    client = client_for(role)
    response = client.get(reverse("xapi-statements:index"))
    assert response.status_code == 302
    inspect = client.get(reverse("xapi-statements:inspect", args=[statements[0].pk]))
    assert inspect.status_code == 302


@pytest.mark.parametrize("role", ["learner", "supervisor", "fto"])
def test_people_without_the_admin_never_see_them(client_for, statements, role):
    response = client_for(role).get(reverse("xapi-statements:index"))
    assert response.status_code in (302, 403)
    assert "Module number" not in response.content.decode()
