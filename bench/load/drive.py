"""Drive one load phase with locust as a library and write its figures as JSON.

    python -m bench.load.drive --host http://127.0.0.1:8601 --mix mixed --rate 50 \
        --seconds 120 --out var/load/mixed.json

`--mix mixed`: learners, FTOs, HR and the public at the paced `--rate`; `--mix verify`: only the
public verification page, each person requesting as fast as answers come (`--users` of them).

Every person signs in first (password hashing and first requests on cold workers are not what
is measured): the statistics are reset once all have signed in and `--warmup` more seconds
have passed, then `--seconds` of traffic are measured.
"""

# locust monkey-patches the standard library with gevent on import: import it first.
from locust import constant, events  # noqa: I001
from locust.env import Environment

import argparse
import json
import sys
import time
from pathlib import Path

import gevent

from bench.load import locustfile as cast


def _counts(mix: str, *, users: int | None) -> dict[type, int]:
    if mix == "verify":
        return {cast.Public: users or 24}
    members = cast.plan()
    return {
        cast.Learner: min(users or 36, len(members["learners"])),
        cast.FieldTrainingOfficer: len(members["ftos"]),
        cast.HumanResources: len(members["hr"]),
        cast.Public: 10,
    }


def drive(*, host: str, mix: str, rate: float, seconds: float, warmup: float, users) -> dict:
    counts = _counts(mix, users=users)
    for role in cast.ROLES:
        role.fixed_count = counts.get(role, 0)
    if mix == "verify":
        cast.Public.wait_time = constant(0)
        cast.Public.rotate = True
    else:
        cast.configure(rate=rate, users=counts)
    classes = [role for role in cast.ROLES if counts.get(role)]
    environment = Environment(user_classes=classes, host=host, events=events)
    runner = environment.create_local_runner()
    total = sum(counts.values())
    started = time.monotonic()
    runner.start(total, spawn_rate=10)
    deadline = started + 300
    while cast.started_count() < total and time.monotonic() < deadline:
        gevent.sleep(1)
    signed_in = time.monotonic() - started
    sign_in_errors = _errors(environment)
    gevent.sleep(warmup)
    environment.stats.reset_all()
    measured_from = time.monotonic()
    gevent.sleep(seconds)
    elapsed = time.monotonic() - measured_from
    document = _figures(environment, elapsed=elapsed)
    runner.quit()
    document.update(
        mix=mix,
        users={role.__name__: count for role, count in counts.items()},
        offered_rate=None if mix == "verify" else rate,
        sign_in_seconds=round(signed_in, 1),
        people_started=cast.started_count(),
        sign_in_errors=sign_in_errors,
        warmup_seconds=warmup,
    )
    return document


def _errors(environment) -> list[dict]:
    return [
        {"method": e.method, "name": e.name, "error": str(e.error)[:300], "count": e.occurrences}
        for e in environment.stats.errors.values()
    ]


def _row(entry, *, elapsed: float) -> dict:
    count = entry.num_requests
    return {
        "method": entry.method or "",
        "name": entry.name,
        "requests": count,
        "failures": entry.num_failures,
        "rps": round(count / elapsed, 2),
        "median_ms": entry.median_response_time if count else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if count else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if count else None,
        "max_ms": round(entry.max_response_time) if count else None,
    }


def _figures(environment, *, elapsed: float) -> dict:
    stats = environment.stats
    rows = sorted(
        (_row(entry, elapsed=elapsed) for entry in stats.entries.values()),
        key=lambda row: row["name"],
    )
    return {
        "seconds": round(elapsed, 1),
        "endpoints": rows,
        "total": _row(stats.total, elapsed=elapsed),
        "errors": _errors(environment),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load.drive", description=__doc__)
    parser.add_argument("--host", required=True)
    parser.add_argument("--mix", choices=("mixed", "verify"), default="mixed")
    parser.add_argument("--rate", type=float, default=50.0, help="requests a second (mixed)")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--warmup", type=float, default=15.0)
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    document = drive(
        host=args.host,
        mix=args.mix,
        rate=args.rate,
        seconds=args.seconds,
        warmup=args.warmup,
        users=args.users,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
