"""The backfill creates, for records that have none, the very statements the services record;
in a constant number of queries per batch; and nothing on a second run."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.demo.xapi import seed_xapi
from lms.xapi import events
from lms.xapi.backfill import statements_backfill
from lms.xapi.models import Statement
from tests.xapi.history import build_history

pytestmark = pytest.mark.django_db

# Per batch: the records, their ratings (reports), the sources already stored, the trainings
# (field records), at most three lookups (pages, their ancestors, organisations), the insert, and
# the savepoint and release of the batch's transaction.
PER_BATCH = 10


def _snapshot() -> dict[str, dict]:
    return {row.source: row.payload for row in Statement.objects.all()}


def test_the_backfill_rebuilds_what_the_services_recorded(city, no_lrs):
    build_history(city)
    recorded = _snapshot()
    assert len(recorded) == 19
    Statement.objects.all().delete()

    with CaptureQueriesContext(connection) as queries:
        report = statements_backfill(batch_size=1000)
    assert report.total == 19
    assert report.created == {
        "module_completion": 3,
        "program_completion": 1,
        "quiz_attempt": 2,
        "scenario_attempt": 1,
        "observation_report": 1,
        "task_observation": 8,
        "phase_approval": 2,
        "field_release": 1,
    }
    assert _snapshot() == recorded
    # One batch per kind, plus the empty read that ends each kind.
    assert report.batches == len(events.KINDS)
    assert len(queries) <= PER_BATCH * report.batches + len(events.KINDS)

    with CaptureQueriesContext(connection) as again:
        assert statements_backfill(batch_size=1000).total == 0
    # Per batch only the records (and the report ratings) and the sources already stored.
    assert len(again) <= 3 * report.batches + len(events.KINDS)


def test_the_query_count_grows_with_batches_not_rows(city, no_lrs):
    build_history(city)
    Statement.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        report = statements_backfill(batch_size=2)
    assert report.total == 19
    assert report.batches == 12  # 2+1+1+1+1+4+1+1 batches of at most two records
    assert len(queries) <= PER_BATCH * report.batches + len(events.KINDS)


def test_the_demo_and_the_command_backfill_once(city, no_lrs):
    build_history(city)
    Statement.objects.all().delete()
    out = StringIO()
    assert seed_xapi(stdout=out) == 19
    assert out.getvalue().startswith("xAPI statements created: 19 (module completion 3,")
    out = StringIO()
    call_command("xapi_backfill", "--batch-size", "5", stdout=out)
    assert "xAPI statements created: 0" in out.getvalue()
