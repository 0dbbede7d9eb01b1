import datetime
import zoneinfo
from contextlib import contextmanager

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import GENESIS_HASH, audit_record, audit_verify_chain
from tests.factories import AuditEventFactory


def test_chain_links_each_record_to_the_one_before(db):
    first, second, third = AuditEventFactory.create_batch(3)
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.record_hash
    assert third.previous_hash == second.record_hash
    assert list(audit_verify_chain(batch_size=2)) == []
    call_command("audit_verify")


def test_a_time_given_in_a_local_zone_verifies(db):
    """A record written with a local time (a decision's own time in its organisation's zone)
    hashes the instant in UTC, as the database gives it back: the demo's seeded decisions broke
    the chain on PostgreSQL before."""
    local = datetime.datetime(2026, 11, 23, 12, 40, tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles"))
    event = audit_record(action=AuditAction.EXPORTED, target="report:x", now=local)
    event.refresh_from_db()
    assert event.occurred_at == local
    assert event.occurred_at.utcoffset() == datetime.timedelta(0)
    assert list(audit_verify_chain()) == []


@contextmanager
def table_owner_bypass():
    """What only a database superuser can do on PostgreSQL: run with triggers off."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def test_an_edited_record_is_detected(db):
    _, middle, _ = AuditEventFactory.create_batch(3)
    with table_owner_bypass():
        AuditEvent.objects.filter(pk=middle.pk).update(data={"email": "someone.else@relay.test"})
    breaks = list(audit_verify_chain())
    assert [(b.event_id, b.reason) for b in breaks] == [
        (middle.pk, "record content does not match its hash")
    ]
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_a_deleted_record_is_detected(db):
    _, middle, last = AuditEventFactory.create_batch(3)
    with table_owner_bypass():
        AuditEvent.objects.filter(pk=middle.pk).delete()
    breaks = list(audit_verify_chain())
    assert [b.event_id for b in breaks] == [last.pk]


def test_actor_and_organisation_are_recorded(city):
    event = AuditEventFactory(
        action=AuditAction.ROLES_CHANGED,
        actor=city.user("admin"),
        organisation=city.department,
        data={"before": ["learner"]},
    )
    assert event.actor_label == "admin@relay.test"
    assert event.organisation == city.department
    assert list(audit_verify_chain()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("change", ["update", "delete"])
def test_postgresql_refuses_to_change_or_delete_an_event(db, change):
    event = AuditEventFactory()
    rows = AuditEvent.objects.filter(pk=event.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(target="edited") if change == "update" else rows.delete()
    event.refresh_from_db()
    assert event.target != "edited"
    assert list(audit_verify_chain()) == []
