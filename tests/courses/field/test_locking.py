"""Row locks that stand beside the audit chain's lock on PostgreSQL.

Under load (bench/load, FTOs signing while others wrote audit rows) two transactions deadlocked:
one held a training locked FOR UPDATE with `select_related("organisation")`, which locked the
organisation's row too, and waited for the audit chain's lock; the other held the audit lock
and waited to insert an audit row referring to that organisation (the foreign key's KEY SHARE
lock). The services lock only their own row now, FOR NO KEY UPDATE. These tests hold each such
lock in one transaction and check that another, holding the audit lock, can still write an
audit row about the same organisation: they fail with a lock timeout if the row lock comes back.
"""

import threading
import uuid

import pytest
from django.db import connection, transaction
from django.utils import timezone

from certificates.models import Credential, DecisionKind
from certificates.services import lifecycle
from courses.models import FieldTraining
from courses.services import field as field_services
from lms.audit.models import AuditAction, AuditEvent
from lms.audit.services import audit_chain_lock, audit_record
from tests.factories.certificates import record_external
from tests.factories.field import start

# serialized_rollback, as the sign-off chain's concurrency tests: their flush then leaves the
# content types for the next serialized test to restore, instead of re-creating them.
pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and advisory locks are PostgreSQL's"
)


def _audit_while_held(hold, organisation) -> None:
    """Run `hold(pause)` in a second connection, where `pause()` waits inside its transaction
    with its locks held; meanwhile take the audit lock here and write an audit row about
    `organisation`, giving up (LockNotAvailable) after two seconds of waiting."""
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pause() -> None:
        held.set()
        release.wait(10)

    def holder() -> None:
        try:
            hold(pause)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
            held.set()
        finally:
            connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            audit_chain_lock()
            audit_record(action=AuditAction.EXPORTED, organisation=organisation, target="lock")
    finally:
        release.set()
        thread.join()
    assert errors == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_locked_training_leaves_its_organisation_free(city):
    training = start(trainee=city.learner, supervisor=city.supervisor.user, fto=city.fto.user)

    def hold(pause):
        with transaction.atomic():
            field_services._lock(FieldTraining.objects.get(pk=training.pk))
            pause()

    _audit_while_held(hold, training.organisation)
    assert AuditEvent.objects.filter(target="lock").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_credential_being_decided_leaves_its_organisation_free(city):
    credential = record_external(holder=city.learner.user)

    def hold(pause):
        lifecycle._decide(
            Credential.objects.get(pk=credential.pk),
            kind=DecisionKind.SUSPENDED,
            actor=city.user("hr"),
            reason="Checking",
            request_key=uuid.uuid4(),
            now=timezone.now(),
            change=lambda locked: pause(),
        )

    _audit_while_held(hold, credential.organisation)
    assert AuditEvent.objects.filter(target="lock").count() == 1
