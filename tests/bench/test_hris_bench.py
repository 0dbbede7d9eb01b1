"""`hris_import_10k` at a small size: a fixed file; every import (the timed first import, the
re-import measured in set-up) is rolled back. Behaviour only; nothing is timed here."""

import pytest

from bench import runner
from bench.context import BenchContext
from bench.hris import SLUG, bench_csv, bench_organisation, hris_import_10k
from bench.scenarios import REGISTRY
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from lms.accounts.hris.csvfile import read_csv
from lms.accounts.models import StaffProfile, User
from lms.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

COUNT = 60


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    settings.TEMPLATES = BENCH_TEMPLATES


def context() -> BenchContext:
    return BenchContext(size=12)


def test_the_file_is_fixed_and_valid(city):
    data = bench_csv(count=COUNT)

    assert bench_csv(count=COUNT) == data
    assert bench_csv(count=COUNT, prefix="HN", seed=1) != data
    parsed = read_csv(data)
    assert len(parsed.rows) == COUNT
    assert parsed.problems == []
    assert {row["status"] for row in parsed.rows} >= {"active", "trainee"}
    assert any(row["supervisor_employee_id"] for row in parsed.rows)


def test_every_import_is_rolled_back_and_set_up_measures_the_reimport(city, mailoutbox):
    request = hris_import_10k(context(), count=COUNT)

    assert request.extra["rows"] == request.extra["created"] == COUNT
    assert request.extra["reimport_queries"] > 0
    assert {"reimport_seconds", "rules_seconds", "rules_queries", "assignments"} <= set(
        request.extra
    )
    organisation = bench_organisation()
    audit_rows = AuditEvent.objects.count()

    response = request()

    assert response.status_code == 200
    assert f"{COUNT} of {COUNT} people changed" in response.content.decode()
    # Nothing stays: the next repeat does the same work, and other scenarios see no change.
    assert not StaffProfile.objects.filter(organisation=organisation).exists()
    assert not User.objects.filter(email__endswith=f"@{SLUG}.test").exists()
    assert AuditEvent.objects.count() == audit_rows
    assert mailoutbox == []
    assert request().status_code == 200


def test_the_scenario_runs_with_capped_repeats(city):
    registry = {**REGISTRY, "hris_import_10k": lambda c: hris_import_10k(c, count=COUNT)}

    results = runner.run_scenarios(
        names=["hris_import_10k"], size=12, repeat=20, warmup=5, registry=registry
    )

    baseline, imported = results
    assert baseline.repeats == 20
    assert imported.repeats == 3
    assert imported.queries > 0
    assert imported.extra["rows"] == COUNT
