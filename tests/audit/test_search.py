"""Searching and exporting the audit log: who sees which events, the filters, the exports."""

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_verify_chain
from tests.factories import AuditEventFactory, StaffProfileFactory


@pytest.fixture
def events(city):
    """One event per organisation of the city, and one tied to none."""
    return {
        "department": AuditEventFactory(
            action=AuditAction.ROLES_CHANGED,
            actor=city.user("admin"),
            organisation=city.department,
            target=f"user:{city.learner.user_id}",
        ),
        "sharing": AuditEventFactory(
            action=AuditAction.INVITATION_SENT,
            actor=city.user("cbo_supervisor"),
            organisation=city.sharing_cbo,
            target="invitation:sharing",
        ),
        "private": AuditEventFactory(
            action=AuditAction.STAFF_SEPARATED,
            organisation=city.private_cbo,
            target="user:private",
        ),
        "nobody": AuditEventFactory(action=AuditAction.SIGN_IN_FAILED, target="unknown@x.test"),
    }


def _targets(response) -> set[str]:
    return {event.target for event in response.context["page"].events}


def test_administrators_see_every_event(events, client_for):
    response = client_for("admin").get("/audit/")
    assert response.status_code == 200
    assert {e.target for e in events.values()} <= _targets(response)


def test_hr_sees_the_organisations_in_reach_only(events, client_for):
    targets = _targets(client_for("hr").get("/audit/"))
    assert events["department"].target in targets
    assert events["sharing"].target in targets
    assert events["private"].target not in targets  # a contracted organisation that shares nothing
    assert events["nobody"].target not in targets  # tied to no organisation: administrators only


@pytest.mark.parametrize("role", ["learner", "fto", "supervisor", "author", "cbo_supervisor"])
def test_others_may_not_search(events, client_for, role):
    assert client_for(role).get("/audit/").status_code == 403


def test_filters_narrow_the_events(events, city, client_for):
    client = client_for("admin")
    assert _targets(client.get("/audit/", {"action": "roles_changed"})) == {
        events["department"].target
    }
    assert _targets(client.get("/audit/", {"actor": "CBO.SUPERVISOR"})) == {"invitation:sharing"}
    assert _targets(client.get("/audit/", {"target": "user:priv"})) == {"user:private"}
    by_org = _targets(client.get("/audit/", {"organisation": city.sharing_cbo.pk}))
    assert by_org == {"invitation:sharing"}


def test_dates_are_days_in_the_viewers_time_zone(city, client_for):
    zone = city.department.zone
    late = datetime.datetime(2026, 3, 9, 23, 30, tzinfo=zone)  # 05:30 UTC on 10 March
    AuditEventFactory(organisation=city.department, target="late-evening", now=late)
    client = client_for("admin")
    assert "late-evening" in _targets(
        client.get("/audit/", {"since": "2026-03-09", "until": "2026-03-09"})
    )
    assert "late-evening" not in _targets(client.get("/audit/", {"since": "2026-03-10"}))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"action": "made_up"}, "action", "There is no such action"),
        ({"since": "2026-13-01"}, "since", "YYYY-MM-DD"),
        ({"since": "2026-03-10", "until": "2026-03-09"}, "until", "before the start date"),
        ({"until": "0999-01-01"}, "until", "between 1900 and 2199"),
    ],
)
def test_bad_filters_are_a_clear_error(events, client_for, query, field, message):
    response = client_for("admin").get("/audit/", query)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["page"] is None


def test_an_organisation_out_of_reach_is_refused(events, city, client_for):
    response = client_for("hr").get("/audit/", {"organisation": city.private_cbo.pk})
    assert response.status_code == 400
    assert "no such organisation" in response.content.decode()
    assert b"user:private" not in response.content


def test_older_events_page_by_cursor_in_constant_queries(
    city, client_for, django_assert_max_num_queries
):
    AuditEventFactory.create_batch(60, organisation=city.department)
    client = client_for("admin")
    client.get("/audit/")  # warm the session and permission caches
    with django_assert_max_num_queries(8):
        first = client.get("/audit/")
    older = first.context["page"].older
    assert len(first.context["page"].events) == 50
    assert older == first.context["page"].events[-1].id
    AuditEventFactory.create_batch(100, organisation=city.department)
    with django_assert_max_num_queries(8):
        second = client.get("/audit/", {"before": older})
    ids = [event.id for event in second.context["page"].events]
    assert ids
    assert max(ids) < older
    assert ids == sorted(ids, reverse=True)


def test_what_people_typed_is_shown_escaped(city, client_for):
    AuditEventFactory(
        organisation=city.department,
        target="<script>alert(1)</script>",
        data={"note": "<img src=x onerror=alert(2)>"},
    )
    body = client_for("admin").get("/audit/").content.decode()
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body


def test_csv_export_is_complete_guarded_and_itself_audited(events, city, client_for):
    AuditEventFactory(organisation=city.department, target='=HYPERLINK("http://x")')
    response = client_for("hr").get("/audit/", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Event id", "Occurred at (UTC)", "Action"]
    targets = {row[6] for row in rows[1:]}
    assert '\'=HYPERLINK("http://x")' in targets
    assert "user:private" not in targets
    exported = AuditEvent.objects.filter(action=AuditAction.EXPORTED, target="audit-log").get()
    assert exported.actor == city.user("hr")
    assert exported.data["format"] == "csv"
    assert list(audit_verify_chain()) == []


def test_xlsx_export_holds_the_filtered_events(events, client_for):
    response = client_for("admin").get("/audit/", {"format": "xlsx", "action": "sign_in_failed"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Event id"
    assert [row[6] for row in rows[1:]] == ["unknown@x.test"]


def test_an_export_with_bad_filters_exports_nothing(events, client_for):
    response = client_for("admin").get("/audit/", {"format": "csv", "since": "nope"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORTED).exists()


def test_an_export_runs_constant_queries(city, client_for, django_assert_max_num_queries):
    """Session, person, reach, the events in one streamed query, and the export's own event."""
    client = client_for("hr")
    client.get("/audit/")
    AuditEventFactory.create_batch(30, organisation=city.department)
    StaffProfileFactory.create_batch(5, organisation=city.department)
    with django_assert_max_num_queries(15):
        assert client.get("/audit/", {"format": "csv"}).status_code == 200
