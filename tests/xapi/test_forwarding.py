"""Forwarding to a real HTTP LRS on 127.0.0.1: batches, back-off while it is down, exactly one
copy in the store, refusals kept visible, claims that keep workers apart, and the queueing."""

import base64
import datetime
import json
import random
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from lms.xapi import statements as xs
from lms.xapi.forwarding import LEASE_MARGIN, statements_claim, statements_forward
from lms.xapi.lrs import LRSClient
from lms.xapi.models import Statement, StatementStatus
from lms.xapi.services import statement_record, statements_retry_failed
from lms.xapi.tasks import forwarding_queue, forwarding_schedule_retry, statements_forward_task
from tests.factories import UserFactory
from tests.xapi.conformance import check_statement
from tests.xapi.fake_lrs import PASSWORD, USERNAME

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def seconds(n: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=n)


def record(count: int, *, user=None, now=T0, prefix="event") -> list[Statement]:
    user = user or UserFactory()
    return [
        statement_record(
            source=f"{prefix}:{n}",
            actor=user,
            verb=xs.COMPLETED,
            object=xs.activity(
                iri=f"http://testserver/xapi/activities/module/{n}",
                name=f"Module {n}",
                type_iri=xs.ActivityType.MODULE,
            ),
            timestamp=now - seconds(60),
            now=now,
        )
        for n in range(count)
    ]


def states() -> dict[str, str]:
    return dict(Statement.objects.values_list("source", "status"))


def forward(now, **kwargs):
    return statements_forward(now=now, rng=random.Random(7), **kwargs)  # noqa: S311 - jitter


def test_due_statements_go_in_batches_with_the_xapi_headers(lrs, settings):
    settings.XAPI_LRS_BATCH_SIZE = 2
    rows = record(5)
    report = forward(T0)
    assert (report.batches, report.delivered, report.retrying, report.refused) == (3, 5, 0, 0)
    assert set(lrs.stored) == {str(row.id) for row in rows}
    assert set(lrs.posted.values()) == {1}  # each statement on the wire once
    for statement in lrs.stored.values():
        check_statement(statement)
    first = lrs.requests[0]
    assert (first["method"], first["path"]) == ("POST", "/xapi/statements")
    headers = {name.lower(): value for name, value in first["headers"].items()}
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["content-type"].startswith("application/json")
    token = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert headers["authorization"] == f"Basic {token}"
    assert isinstance(json.loads(first["body"]), list)
    sent = Statement.objects.get(pk=rows[0].pk)
    assert (sent.status, sent.forwarded_at, sent.attempts) == (StatementStatus.SENT, T0, 1)
    assert sent.next_attempt_at is None
    assert forward(T0 + seconds(3600)).batches == 0  # nothing is sent again


def test_nothing_is_lost_while_the_store_is_down_and_back_off_grows(lrs):
    rows = record(3)
    lrs.fail_next = 4
    now, waits = T0, []
    for _ in range(4):
        report = forward(now)
        assert (report.retrying, report.delivered) == (3, 0)
        assert forward(now).batches == 0  # not due again before its time
        row = Statement.objects.get(pk=rows[0].pk)
        assert row.status == StatementStatus.PENDING
        assert row.last_error.startswith("HTTP 500")
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert waits == sorted(waits)
    assert waits[-1] > waits[0] * 4
    assert seconds(15) <= waits[0] <= seconds(30)
    report = forward(now)
    assert report.delivered == 3
    assert set(states().values()) == {StatementStatus.SENT}
    assert Statement.objects.get(pk=rows[0].pk).attempts == 5
    assert len(lrs.stored) == 3


def test_a_lost_answer_is_retried_and_the_store_keeps_one_copy(lrs):
    rows = record(3)
    lrs.lose_answers = 1  # stored, but the answer never arrives
    report = forward(T0)
    assert report.retrying == 3
    assert "No answer" in Statement.objects.get(pk=rows[0].pk).last_error
    due = Statement.objects.get(pk=rows[0].pk).next_attempt_at
    report = forward(due + seconds(60))
    assert report.delivered == 3  # the store said 409 for the batch, then for each id
    assert len(lrs.stored) == 3
    assert [r["method"] for r in lrs.requests] == ["POST", "POST", "PUT", "PUT", "PUT"]
    assert set(states().values()) == {StatementStatus.SENT}


def test_one_refused_statement_is_kept_visible_and_the_others_go(lrs):
    rows = record(3)
    bad = str(rows[1].id)
    lrs.refuse_ids = {bad}
    report = forward(T0)
    assert (report.delivered, report.refused) == (2, 1)
    refused = Statement.objects.get(pk=rows[1].pk)
    assert refused.status == StatementStatus.FAILED
    assert refused.next_attempt_at is None
    assert refused.last_error.startswith("HTTP 400")
    assert set(lrs.stored) == {str(rows[0].id), str(rows[2].id)}
    assert forward(T0 + datetime.timedelta(days=30)).batches == 0  # never retried by itself

    lrs.refuse_ids = set()
    assert statements_retry_failed(now=T0 + seconds(5)) == 1
    assert forward(T0 + seconds(5)).delivered == 1
    assert len(lrs.stored) == 3
    assert set(states().values()) == {StatementStatus.SENT}


@pytest.mark.parametrize("status", [401, 403, 404, 429, 502, 503])
def test_the_stores_own_troubles_are_retried_not_refused(lrs, status):
    rows = record(2)
    lrs.always = status
    assert forward(T0).retrying == 2
    row = Statement.objects.get(pk=rows[0].pk)
    assert row.status == StatementStatus.PENDING
    assert row.last_error.startswith(f"HTTP {status}")


def test_retry_after_is_respected(lrs):
    rows = record(1)
    lrs.fail_next, lrs.fail_status, lrs.retry_after = 1, 429, "900"
    forward(T0)
    assert Statement.objects.get(pk=rows[0].pk).next_attempt_at >= T0 + seconds(900)


def test_a_store_that_refuses_connections_or_hangs_is_retried(lrs, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.XAPI_LRS_ENDPOINT = f"http://127.0.0.1:{closed_port}/xapi"
    rows = record(1)
    assert forward(T0).retrying == 1
    assert "No answer from the LRS" in Statement.objects.get(pk=rows[0].pk).last_error

    settings.XAPI_LRS_ENDPOINT = lrs.endpoint
    settings.XAPI_LRS_TIMEOUT = 0.2
    lrs.hold = threading.Event()  # the store accepts, then never answers
    report = forward(T0 + datetime.timedelta(hours=2))
    assert report.retrying == 1
    assert "timed out" in Statement.objects.get(pk=rows[0].pk).last_error
    lrs.hold.set()


def test_a_bad_endpoint_is_an_error_to_retry_not_a_crash(settings, lrs):
    settings.XAPI_LRS_ENDPOINT = "file:///etc/passwd"
    rows = record(1)
    assert forward(T0).retrying == 1
    assert "http(s) URL" in Statement.objects.get(pk=rows[0].pk).last_error


def test_a_claimed_batch_is_left_to_its_worker_until_the_lease_runs_out(lrs):
    record(3)
    lease = seconds(30)
    first = statements_claim(now=T0, limit=2, lease=lease)
    second = statements_claim(now=T0, limit=10, lease=lease)
    assert len(first) == 2
    assert len(second) == 1
    assert {r.pk for r in first}.isdisjoint({r.pk for r in second})
    assert statements_claim(now=T0 + seconds(29), limit=10, lease=lease) == []
    # The worker died: after the lease the statements are due again (the store dedupes by id).
    assert len(statements_claim(now=T0 + seconds(30), limit=10, lease=lease)) == 3
    assert seconds(30) <= LEASE_MARGIN


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="threads need separate connections to a shared database (PostgreSQL)",
)
def test_concurrent_workers_never_send_one_statement_twice(lrs, settings):
    settings.XAPI_LRS_BATCH_SIZE = 5
    # Recorded with no store configured: in autocommit mode, recording would otherwise queue
    # (and the immediate test backend run) the forwarding at once.
    settings.XAPI_LRS_ENDPOINT = ""
    rows = record(20)
    settings.XAPI_LRS_ENDPOINT = lrs.endpoint
    assert lrs.requests == []
    lrs.hold = threading.Event()
    results, errors = [], []

    def worker():
        try:
            results.append(statements_forward(client=LRSClient(), rng=random.Random(1)))  # noqa: S311
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for _ in range(3):  # each worker holds a different batch on the wire at once
        assert lrs.entered.acquire(timeout=10)
    lrs.hold.set()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sum(r.delivered for r in results) == 20
    assert set(lrs.posted.values()) == {1}
    assert set(lrs.stored) == {str(row.id) for row in rows}


def test_recording_queues_forwarding_once_the_transaction_commits(
    lrs, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record(2, user=user, now=T0)
    assert callbacks  # the immediate test backend ran the task on commit
    assert len(lrs.stored) == 2
    assert set(states().values()) == {StatementStatus.SENT}


def test_without_a_store_statements_wait_in_relay(no_lrs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        record(2)
    assert callbacks == []
    assert statements_forward(now=T0).enabled is False
    assert set(states().values()) == {StatementStatus.PENDING}
    with pytest.raises(CommandError, match="XAPI_LRS_ENDPOINT"):
        call_command("xapi_forward")


def test_the_task_reports_what_it_did(lrs):
    record(2, now=timezone.now())
    result = statements_forward_task.enqueue()
    assert result.return_value["delivered"] == 2


def test_retries_are_queued_on_the_database_backend_once(lrs, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    now = timezone.now()
    rows = record(2, now=now)
    lrs.fail_next = 1
    forward(now)
    due = Statement.objects.get(pk=rows[0].pk).next_attempt_at
    queued = forwarding_schedule_retry(now=now)
    assert queued is not None
    assert forwarding_schedule_retry(now=now) is None  # already waiting for then
    waiting = DBTaskResult.objects.get()
    assert waiting.run_after == min(r.next_attempt_at for r in Statement.objects.all())
    assert waiting.run_after <= due
    assert forwarding_queue() is not None  # a run now: the waiting one starts later
    assert forwarding_queue() is None  # ...but only one
    assert DBTaskResult.objects.count() == 2


def test_the_sweep_command_sends_and_can_retry_refused_statements(lrs):
    rows = record(2, now=timezone.now())
    lrs.refuse_ids = {str(rows[0].id)}
    out = StringIO()
    call_command("xapi_forward", stdout=out)
    assert "Sent 1 in 1 batches; 0 to retry, 1 refused" in out.getvalue()
    lrs.refuse_ids = set()
    out = StringIO()
    call_command("xapi_forward", "--retry-failed", stdout=out)
    assert "1 refused statements are pending again" in out.getvalue()
    assert "Now: 2 sent, 0 pending, 0 refused." in out.getvalue()
