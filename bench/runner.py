"""Build the bench data set once; time the scenarios against the current database connection.

The two halves are separate so the tests can run the scenarios inside pytest-django's test
database, and `python -m bench` can run them against the seeded bench database.
"""

import datetime
import gc
import json
import math
import platform
import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import django
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from .context import BenchContext, BenchmarkError
from .scenarios import BASELINE, LEARNER, REGISTRY, Request, Scenario

BLOCK = 10  # a scenario's timed requests alternate with the baseline's in blocks of this many


@dataclass(frozen=True)
class Build:
    seed_seconds: float
    reused: bool


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    size: int
    median_ms: float
    p95_ms: float
    queries: int
    ratio_to_baseline: float  # baseline_ms / median_ms: the share of the baseline's throughput
    repeats: int
    # The baseline's median over requests timed alternately with this scenario's, so that the
    # ratio compares two figures taken on the same machine at the same moment.
    baseline_ms: float
    extra: dict | None = None  # figures a scenario reports beside its timings


# --- Building the data set ---------------------------------------------------------------------


def ensure_database() -> None:
    """Create the bench's PostgreSQL database when it does not exist yet (a fresh machine),
    through the server's maintenance database; SQLite creates its file by itself."""
    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    try:
        connection.ensure_connection()
        return
    except DatabaseError as error:
        if "does not exist" not in str(error):
            raise
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")


def build_database(*, size: int, marker: Path, rebuild: bool = False) -> Build:
    """Migrate and seed the current database with `seed_demo --size`, unless already done.

    `marker` records a finished build (size and seeding time); it is trusted only while the
    database still holds the demo logins, so a deleted database is rebuilt.
    """
    if not rebuild:
        recorded = _recorded_build(marker, size=size)
        if recorded is not None and _is_seeded():
            return Build(seed_seconds=recorded, reused=True)
    marker.unlink(missing_ok=True)
    ensure_database()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    call_command("seed_demo", size=size, verbosity=0)
    seconds = time.perf_counter() - started
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"size": size, "seed_seconds": seconds}) + "\n")
    return Build(seed_seconds=seconds, reused=False)


def _recorded_build(marker: Path, *, size: int) -> float | None:
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, ValueError):
        return None
    if recorded.get("size") != size:
        return None
    return float(recorded["seed_seconds"])


def _is_seeded() -> bool:
    try:
        return get_user_model().objects.filter(email=LEARNER).exists()
    except DatabaseError:  # not even migrated
        return False


# --- Timing ------------------------------------------------------------------------------------


def run_scenarios(
    *,
    names: Iterable[str],
    size: int,
    repeat: int,
    warmup: int,
    registry: Mapping[str, Scenario] = REGISTRY,
    block: int = BLOCK,
) -> list[ScenarioResult]:
    """Time each named scenario (and always the baseline, first) on the current connection.

    Per scenario: `warmup` discarded requests, then `repeat` timed ones in blocks of `block`,
    each block followed by as many baseline requests, timed too; then one more request inside
    CaptureQueriesContext to count its queries. A machine's speed drifts over a run of minutes,
    so each scenario's ratio is taken against the baseline requests timed between its own. Any
    response other than 200 raises BenchmarkError.
    """
    if repeat < 1 or warmup < 0 or block < 1:
        raise BenchmarkError("repeat and block must be at least 1, and warmup at least 0")
    names = check_names(names, registry=registry)
    context = BenchContext(size=size)
    baseline = registry[BASELINE](context)
    results = [_result(BASELINE, size, _measure(BASELINE, baseline, repeat=repeat, warmup=warmup))]
    for name in names:
        if name == BASELINE:
            continue
        request = registry[name](context)
        measured = _measure(
            name, request, repeat=repeat, warmup=warmup, paired=baseline, block=block
        )
        results.append(_result(name, size, measured, extra=getattr(request, "extra", None)))
    return results


@dataclass(frozen=True)
class _Measured:
    samples: list[float]
    baseline_samples: list[float]
    queries: int


def _result(name: str, size: int, measured: _Measured, *, extra=None) -> ScenarioResult:
    median = statistics.median(measured.samples)
    baseline = statistics.median(measured.baseline_samples)
    return ScenarioResult(
        name=name,
        size=size,
        median_ms=round(median * 1000, 3),
        p95_ms=round(percentile(measured.samples, 95) * 1000, 3),
        queries=measured.queries,
        ratio_to_baseline=round(baseline / median, 3),
        repeats=len(measured.samples),
        baseline_ms=round(baseline * 1000, 3),
        extra=extra or None,
    )


def check_names(names: Iterable[str], *, registry: Mapping[str, Scenario] = REGISTRY) -> list[str]:
    """The names without duplicates, in order; BenchmarkError if any is not registered."""
    names = list(dict.fromkeys(names))
    unknown = [name for name in names if name not in registry]
    if unknown:
        raise BenchmarkError(
            f"Unknown scenario(s): {', '.join(unknown)}. Known: {', '.join(registry)}"
        )
    return names


def _measure(
    name: str,
    request: Request,
    *,
    repeat: int,
    warmup: int,
    paired: Request | None = None,
    block: int = BLOCK,
) -> _Measured:
    """Time `request`; with `paired` (the baseline), alternate blocks of `block` requests of
    each, so both are timed over the same minutes of the run.

    Blocks rather than single requests: a heavy page's garbage and evicted caches would
    otherwise land in the very next baseline request and flatter the ratio; within a block each
    request runs warm after its own kind, as a server's steady traffic would. Without a pair
    the scenario is its own baseline (that is the baseline's row).
    """
    # A slow scenario's request may cap the repeats it is given.
    repeat = min(repeat, getattr(request, "max_repeat", repeat))
    warmup = min(warmup, getattr(request, "max_warmup", warmup))
    for _ in range(warmup):
        _check(name, request())
    gc.collect()
    samples, baseline_samples = [], []
    for start in range(0, repeat, block):
        count = min(block, repeat - start)
        samples.extend(_timed(name, request) for _ in range(count))
        if paired is not None:
            baseline_samples.extend(_timed(BASELINE, paired) for _ in range(count))
    with CaptureQueriesContext(connection) as queries:
        _check(name, request())
    return _Measured(samples, baseline_samples or samples, len(queries))


def _timed(name: str, request: Request) -> float:
    started = time.perf_counter()
    response = request()
    seconds = time.perf_counter() - started
    _check(name, response)
    return seconds


def _check(name: str, response: HttpResponse) -> None:
    if response.status_code == 200:
        return
    path = response.wsgi_request.get_full_path() if hasattr(response, "wsgi_request") else "?"
    detail = response.get("Location") or response.content[:300].decode(errors="replace")
    raise BenchmarkError(
        f"Scenario {name!r}: GET {path} returned {response.status_code}, not 200: {detail}"
    )


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least pct% of samples at or below."""
    ordered = sorted(samples)
    return ordered[max(math.ceil(pct / 100 * len(ordered)), 1) - 1]


# --- Reporting ---------------------------------------------------------------------------------


def results_document(
    *, results: list[ScenarioResult], size: int, seed_seconds: float | None
) -> dict:
    return {
        "generated_at": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "size": size,
        "seed_seconds": None if seed_seconds is None else round(seed_seconds, 2),
        "python": platform.python_version(),
        "django": django.get_version(),
        "scenarios": [_row(result) for result in results],
    }


def _row(result: ScenarioResult) -> dict:
    """A result as JSON: the timings, then any extra figures the scenario reported."""
    row = asdict(result)
    extra = row.pop("extra") or {}
    return {**row, **extra}


def format_table(document: dict) -> str:
    seed = document["seed_seconds"]
    lines = [
        f"Relay bench: {document['database']}, size {document['size']}, "
        f"seeded in {'?' if seed is None else f'{seed:.1f}'} s, "
        f"Python {document['python']}, Django {document['django']}",
        "",
        f"{'scenario':<24} {'median ms':>10} {'p95 ms':>10} {'queries':>8} "
        f"{'baseline ms':>12} {'vs baseline':>12} {'repeats':>8}",
    ]
    for row in document["scenarios"]:
        lines.append(
            f"{row['name']:<24} {row['median_ms']:>10.2f} {row['p95_ms']:>10.2f} "
            f"{row['queries']:>8} {row['baseline_ms']:>12.2f} {row['ratio_to_baseline']:>12.3f} "
            f"{row['repeats']:>8}"
        )
    standard = {f.name for f in fields(ScenarioResult)}
    for row in document["scenarios"]:
        if extra := {key: value for key, value in row.items() if key not in standard}:
            lines.append(f"{row['name']}: " + ", ".join(f"{k} {v}" for k, v in extra.items()))
    return "\n".join(lines) + "\n"
