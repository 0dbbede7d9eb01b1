"""`verify_signoffs_100k` at a small size: the generated chain is what `signoff_append` would
have written (it verifies intact), it is built once, its content is fixed, and the runner reports
its peak memory. Behaviour only; nothing is timed."""

import pytest

from bench import runner
from bench.context import BenchContext, BenchmarkError
from bench.scenarios import ON_REQUEST, REGISTRY, SCENARIOS
from bench.settings import TEMPLATES as BENCH_TEMPLATES
from bench.signoffs import (
    NOTE,
    ChainWalk,
    _observation,
    bench_training,
    ensure_chain,
    verify_signoffs,
)
from courses.field.engine import TaskBookSpec
from courses.models import FieldTraining, Signoff, SignoffChainHead, TaskObservation
from courses.services.signoff import signoff_verify_chain

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.urls")]

COUNT = 500


@pytest.fixture(autouse=True)
def _bench_templates(settings):
    settings.TEMPLATES = BENCH_TEMPLATES


def context() -> BenchContext:
    return BenchContext(size=12)


def test_the_generated_chain_verifies_intact_and_is_built_once(city):
    walk = verify_signoffs(context(), count=COUNT)

    assert isinstance(walk, ChainWalk)
    assert Signoff.objects.count() == COUNT
    assert TaskObservation.objects.filter(notes=NOTE).count() == COUNT
    assert SignoffChainHead.objects.get().last_sequence == COUNT
    assert list(signoff_verify_chain(batch_size=97)) == []
    assert walk().status_code == 200
    assert walk.extra["signatures"] == COUNT
    assert walk.extra["peak_memory_mib"] > 0
    assert "chain_build_seconds" in walk.extra

    again = verify_signoffs(context(), count=COUNT)

    assert Signoff.objects.count() == COUNT
    assert "chain_build_seconds" not in again.extra
    assert FieldTraining.objects.count() == 1


def test_the_chain_grows_on_from_its_head_with_fixed_content(city):
    training = bench_training(context())
    ensure_chain(training, count=120)
    before = list(Signoff.objects.order_by("sequence").values_list("record_hash", flat=True))

    assert ensure_chain(training, count=COUNT) == COUNT - 120
    assert ensure_chain(training, count=COUNT) == 0
    after = list(Signoff.objects.order_by("sequence").values_list("record_hash", flat=True))
    assert after[:120] == before
    assert len(after) == COUNT
    assert list(signoff_verify_chain()) == []
    # The n-th observation's content depends on n alone (a fixed seed), never on the run.
    spec = TaskBookSpec.from_json(training.spec)
    tasks = [(i, task) for i, phase in enumerate(spec.phases) for task in phase.tasks]
    fields = ("task_id", "phase_index", "observed_on", "context", "satisfactory", "request_key")
    for n in (0, 7, COUNT - 1):
        made = [_observation(training, tasks, n) for _ in range(2)]
        stored = TaskObservation.objects.get(request_key=made[0].request_key)
        assert {f: getattr(made[0], f) for f in fields} == {f: getattr(made[1], f) for f in fields}
        assert {f: getattr(stored, f) for f in fields} == {f: getattr(made[0], f) for f in fields}


def test_a_broken_chain_fails_the_walk(city):
    walk = verify_signoffs(context(), count=COUNT)
    Signoff.objects.filter(sequence=250).update(signer_name="Someone Else")

    with pytest.raises(BenchmarkError, match=r"1 problem\(s\): sign-off #250: altered"):
        walk()


def test_the_scenario_runs_on_request_with_capped_repeats_and_reports_memory(city):
    registry = {**REGISTRY, "verify_signoffs_100k": lambda c: verify_signoffs(c, count=COUNT)}

    results = runner.run_scenarios(
        names=["verify_signoffs_100k"], size=12, repeat=30, warmup=5, registry=registry
    )

    assert "verify_signoffs_100k" not in SCENARIOS
    assert "verify_signoffs_100k" in ON_REQUEST
    baseline, verify = results
    assert (baseline.repeats, baseline.extra) == (30, None)
    assert verify.repeats == 3
    assert verify.queries > 0
    document = runner.results_document(results=results, size=12, seed_seconds=None)
    row = document["scenarios"][1]
    assert row["signatures"] == COUNT
    assert row["peak_memory_mib"] > 0
    assert "extra" not in document["scenarios"][0]
    [line] = [
        line for line in runner.format_table(document).splitlines() if "peak_memory_mib" in line
    ]
    assert line.startswith("verify_signoffs_100k: ")
    assert "signatures 500" in line
