"""The benchmark runner measures the named scenarios on the current database.

Behaviour only: which scenarios ran, that every request was a 200, the shape of the results.
No timings are asserted.
"""

import datetime
import json

import pytest
from django.core.management import get_commands
from django.db import connection

from bench import runner
from bench.__main__ import parse_args
from bench.context import BenchmarkError
from bench.scenarios import BASELINE, SCENARIOS, get
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from tests.factories.certificates import record_external, verify

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

DEFAULT_SCENARIOS = [
    "baseline",
    "home_learner",
    "home_fto",
    "home_supervisor",
    "home_hr",
    "people_list_hr",
    "learner_home",
    "module_page",
    "supervisor_grid",
    "scenario_step",
    "fto_home",
    "compliance_board",
    "verify_page",
    "certificate_pdf",
    "readiness_dashboard",
    "my_career",
    "api_staff_list",
]


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    settings.TEMPLATES = BENCH_TEMPLATES


@pytest.fixture
def learner_credential(city):
    """A credential of the demo learner's, valid today: what `verify_page` opens."""
    today = city.department.today()
    credential = record_external(
        holder=city.user("learner"),
        issued_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=700),
    )
    verify(credential=credential, actor=city.user("hr"))
    return credential


def _run(**overrides):
    options = {"names": list(SCENARIOS), "size": 12, "repeat": 2, "warmup": 1}
    return runner.run_scenarios(**(options | overrides))


def _assert_measured(results, *, size):
    by_name = {result.name: result for result in results}
    assert list(by_name) == DEFAULT_SCENARIOS
    assert by_name[BASELINE].ratio_to_baseline == 1.0
    assert by_name[BASELINE].queries == 0
    for result in results:
        assert result.size == size
        assert result.repeats == 2
        assert 0 < result.median_ms <= result.p95_ms
        assert result.ratio_to_baseline == pytest.approx(
            result.baseline_ms / result.median_ms, rel=0.01, abs=0.001
        )
        if result.name != BASELINE:
            assert result.queries > 0, result.name


def test_every_default_scenario_is_measured_on_the_test_database(
    city, curriculum, learner_credential
):
    _assert_measured(_run(), size=12)


def test_the_baseline_always_runs_first(city):
    results = _run(names=["people_list_hr", "home_hr"])
    assert [r.name for r in results] == [BASELINE, "people_list_hr", "home_hr"]


def test_timed_requests_alternate_with_the_baseline_in_blocks(db):
    """The ratio compares figures taken together, however the machine's speed drifts; in
    blocks, so a heavy page's garbage is not charged to the baseline request after it."""
    from django.http import HttpResponse

    calls = []

    def recording(label):
        def scenario(context):
            def request():
                calls.append(label)
                return HttpResponse()

            return request

        return scenario

    registry = {BASELINE: recording("b"), "page": recording("p")}
    results = _run(names=["page"], registry=registry, repeat=5, warmup=1, block=2)
    # The baseline's own row (warm-up, 5 timed, 1 counted), then the page's: warm-up, then
    # blocks of two timed requests, each followed by as many baseline requests (the last block
    # is short), then the counted request.
    assert "".join(calls) == "b" * 7 + "p" + "ppbb" + "ppbb" + "pb" + "p"
    assert [r.name for r in results] == [BASELINE, "page"]
    assert results[1].repeats == 5


def test_results_document_is_json_with_every_scenario(
    city, curriculum, learner_credential, tmp_path
):
    document = runner.results_document(results=_run(), size=12, seed_seconds=1.234)
    output = tmp_path / "results.json"
    output.write_text(json.dumps(document))
    loaded = json.loads(output.read_text())
    assert set(loaded) == {
        "generated_at",
        "database",
        "size",
        "seed_seconds",
        "python",
        "django",
        "scenarios",
    }
    assert loaded["generated_at"].endswith("+00:00")
    assert loaded["database"] == connection.vendor
    assert loaded["seed_seconds"] == 1.23
    assert [s["name"] for s in loaded["scenarios"]] == DEFAULT_SCENARIOS
    assert set(loaded["scenarios"][0]) == {
        "name",
        "size",
        "median_ms",
        "p95_ms",
        "queries",
        "ratio_to_baseline",
        "repeats",
        "baseline_ms",
    }
    table = runner.format_table(loaded)
    for name in DEFAULT_SCENARIOS:
        assert name in table


def test_a_response_other_than_200_stops_the_run(city):
    registry = {**SCENARIOS, "nowhere": get("/no-such-page/", as_user="hr@relay.test")}
    with pytest.raises(BenchmarkError, match=r"'nowhere'.*/no-such-page/ returned 404"):
        _run(names=["nowhere"], registry=registry)


def test_a_redirect_is_a_failure_too(city):
    registry = {**SCENARIOS, "anonymous_home": get("/")}
    with pytest.raises(BenchmarkError, match=r"returned 302.*/accounts/login/"):
        _run(names=["anonymous_home"], registry=registry)


def test_a_forbidden_page_is_a_failure(city):
    registry = {**SCENARIOS, "people_learner": get("/people/", as_user="learner@relay.test")}
    with pytest.raises(BenchmarkError, match="returned 403"):
        _run(names=["people_learner"], registry=registry)


def test_unknown_scenario_names_are_refused(city):
    with pytest.raises(BenchmarkError, match="Unknown scenario"):
        _run(names=["home_hr", "no_such_scenario"])


def test_a_missing_demo_login_is_explained(db):
    with pytest.raises(BenchmarkError, match="seed_demo"):
        _run(names=["home_hr"])


def test_a_recorded_build_is_reused_while_the_demo_logins_exist(city, tmp_path):
    marker = tmp_path / "bench-12.built"
    marker.write_text(json.dumps({"size": 12, "seed_seconds": 4.5}))
    build = runner.build_database(size=12, marker=marker)
    assert build == runner.Build(seed_seconds=4.5, reused=True)


@pytest.mark.skipif("seed_demo" not in get_commands(), reason="seed_demo is not written yet")
def test_runs_on_a_small_seeded_city(tmp_path):
    marker = tmp_path / "bench-40.built"
    build = runner.build_database(size=40, marker=marker)
    assert not build.reused
    assert json.loads(marker.read_text())["size"] == 40
    _assert_measured(_run(size=40), size=40)


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(20, 0, -1)]
    assert runner.percentile(samples, 95) == 19.0
    assert runner.percentile(samples, 50) == 10.0
    assert runner.percentile([3.0], 95) == 3.0


def test_command_line_defaults(monkeypatch):
    monkeypatch.delenv("BENCH_DATABASE_URL", raising=False)
    args = parse_args([])
    assert (args.size, args.repeat, args.warmup) == (10_000, 30, 5)
    assert args.database_url == ""
    assert args.scenarios == ""
    assert not args.rebuild
    assert args.output.name == "results.json"
