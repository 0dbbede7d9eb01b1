"""`python -m bench.load.run`: Relay under load on gunicorn + PostgreSQL + Redis, with a report.

    .venv/bin/python -m bench.load.run --minutes 2 --rate 50
    .venv/bin/python -m bench.load.run --minutes 1 --rate 50 --verify-seconds 0   # mixed only

1. The PostgreSQL database (default relay_load) is created, migrated and seeded with
   `seed_demo --size 10000` unless a finished build of it is recorded (var/load/); the cast
   (`bench/load/plan.py`) is prepared; static files are collected when they changed.
2. gunicorn serves `lms.wsgi` with the production settings on 127.0.0.1, and an RQ worker
   (`manage.py rqworker default`) runs the tasks the requests queue on Redis.
3. locust (`bench/load/drive.py`) runs the mixed load by role at `--rate` requests a second for
   `--minutes`, then the public verification page alone as fast as it answers.
4. Everything started is stopped (also on failure or Ctrl-C), and bench/load/report.md and
   report.json are written: per endpoint requests a second, median, p95, p99 and failures,
   totals, pass or fail against the targets, the machine and its load, the git commit.

gunicorn: `--workers 3 --threads 2 --worker-class gthread` by default. On 2 cores shared with
the load generator, PostgreSQL and the RQ worker, three processes keep both cores busy while
one waits on the database, and two threads per process overlap the database round trips
without piling up more requests per GIL than a core can finish within the p95 budget.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
LOAD_DIR = BASE_DIR / "bench" / "load"
VAR_DIR = BASE_DIR / "var" / "load"
PYTHON = sys.executable

# Issue 10's targets on a 2-core machine.
TARGET_MIXED_RPS = 50.0
TARGET_P95_MS = 500.0
TARGET_ERROR_SHARE = 0.001
TARGET_VERIFY_RPS = 200.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load.run", description=__doc__)
    parser.add_argument("--minutes", type=float, default=2.0, help="measured mixed load")
    parser.add_argument("--rate", type=float, default=TARGET_MIXED_RPS, help="requests/s offered")
    parser.add_argument("--learners", type=int, default=36, help="simulated learners")
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
    parser.add_argument(
        "--verify-seconds", type=float, default=60.0, help="verify-only phase (0 skips it)"
    )
    parser.add_argument("--verify-users", type=int, default=24)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/relay_load"
        ),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--port", type=int, default=8601)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--output", type=Path, default=LOAD_DIR / "report")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0:
        parser.error("--minutes and --rate must be positive")
    return args


def server_environment(args: argparse.Namespace) -> dict[str, str]:
    """Production settings on plain http at 127.0.0.1 (TLS ends at the proxy in production)."""
    environment = dict(os.environ)
    environment.update(
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(64),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        RELAY_LOAD_PLAN=str(VAR_DIR / "plan.json"),
        PYTHONWARNINGS="ignore",
    )
    return environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    subprocess.run(command, cwd=BASE_DIR, env=environment, check=True)  # noqa: S603


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database when it does not exist (trust auth on 127.0.0.1)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def prepare(args: argparse.Namespace, environment: dict[str, str]) -> dict:
    ensure_database(args.database_url)
    digest = hashlib.sha256(args.database_url.encode()).hexdigest()[:12]
    marker = VAR_DIR / f"built-{args.size}-{digest}.json"
    _run(
        [PYTHON, "-m", "bench.load.plan", "--out", str(VAR_DIR / "plan.json"),
         "--seed-size", str(args.size), "--marker", str(marker)],
        environment,
    )  # fmt: skip
    build = json.loads(marker.read_text())
    if _static_outdated():
        _run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], environment)
    return build


def _static_outdated() -> bool:
    manifest = BASE_DIR / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    sources = [BASE_DIR / "lms" / "static"]
    return any(
        path.stat().st_mtime > built
        for root in sources
        for path in root.rglob("*")
        if path.is_file()
    )


def flush_redis(url: str) -> None:
    """An empty cache and queue: rate-limit counters and sessions of earlier runs are gone."""
    import redis

    redis.Redis.from_url(url).flushdb()


class Services:
    """gunicorn and the RQ worker, each in its own process group, stopped together."""

    def __init__(self, args: argparse.Namespace, environment: dict[str, str]):
        self.args, self.environment = args, environment
        self.processes: list[subprocess.Popen] = []
        VAR_DIR.mkdir(parents=True, exist_ok=True)

    def _start(self, command: list[str], log: str) -> None:
        handle = (VAR_DIR / log).open("w")
        self.processes.append(
            subprocess.Popen(  # noqa: S603
                command,
                cwd=BASE_DIR,
                env=self.environment,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )

    def start(self) -> None:
        gunicorn = str(Path(PYTHON).with_name("gunicorn"))
        self._start(
            [
                gunicorn, "lms.wsgi",
                "--bind", f"127.0.0.1:{self.args.port}",
                "--workers", str(self.args.workers),
                "--threads", str(self.args.threads),
                "--worker-class", "gthread",
                "--preload",
                "--backlog", "2048",
                "--access-logfile", "-" if os.environ.get("LOAD_ACCESS_LOG") else "/dev/null",
            ],
            "gunicorn.log",
        )  # fmt: skip
        self._start(
            [PYTHON, "manage.py", "rqworker", "default",
             "--job-class", "django_tasks_rq.backend.Job"],
            "rqworker.log",
        )  # fmt: skip
        self._wait_until_up()

    def _wait_until_up(self, timeout: float = 120.0) -> None:
        url = f"http://127.0.0.1:{self.args.port}/healthz/"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for process in self.processes:
                if process.poll() is not None:
                    raise RuntimeError(f"{process.args[0]} exited; see {VAR_DIR}/*.log")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:  # http://127.0.0.1 only  # nosec B310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(1)
        raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def drive_phase(args, environment, *, mix: str, seconds: float) -> dict:
    out = VAR_DIR / f"{mix}.json"
    out.unlink(missing_ok=True)
    command = [
        PYTHON, "-m", "bench.load.drive",
        "--host", f"http://127.0.0.1:{args.port}",
        "--mix", mix,
        "--seconds", str(seconds),
        "--warmup", str(args.warmup),
        "--out", str(out),
    ]  # fmt: skip
    if mix == "mixed":
        command += ["--rate", str(args.rate), "--users", str(args.learners)]
    else:
        command += ["--users", str(args.verify_users)]
    _run(command, environment)
    return json.loads(out.read_text())


# --- The machine ---------------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        memory_gb = round(int(memory) / 1024 / 1024, 1)
    except OSError:
        memory_gb = None
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "postgresql": _postgres_version(),
    }


def _postgres_version() -> str:
    try:
        output = subprocess.run(  # noqa: S603
            [shutil.which("psql") or "psql", "--version"], capture_output=True, text=True
        ).stdout
    except OSError:
        return ""
    return output.strip()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def git_commit() -> dict:
    def git(*arguments: str) -> str:
        git_path = shutil.which("git") or "git"
        return subprocess.run(  # noqa: S603
            [git_path, *arguments], cwd=BASE_DIR, capture_output=True, text=True
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain"))}


# --- Verdict and report --------------------------------------------------------------------------


def verdicts(mixed: dict, verify: dict | None) -> list[dict]:
    total = mixed["total"]
    share = total["failures"] / total["requests"] if total["requests"] else 1.0
    checks = [
        ("mixed load: requests a second", total["rps"], f">= {TARGET_MIXED_RPS:g}",
         total["rps"] >= TARGET_MIXED_RPS),
        ("mixed load: p95 (ms)", total["p95_ms"], f"< {TARGET_P95_MS:g}",
         total["p95_ms"] is not None and total["p95_ms"] < TARGET_P95_MS),
        ("mixed load: errors", f"{share:.3%}", f"< {TARGET_ERROR_SHARE:.1%}",
         share < TARGET_ERROR_SHARE),
    ]  # fmt: skip
    if verify is not None:
        rps = verify["total"]["rps"]
        failures = verify["total"]["failures"]
        checks.append(
            ("verify page alone: requests a second", rps, f">= {TARGET_VERIFY_RPS:g}",
             rps >= TARGET_VERIFY_RPS and failures == 0)
        )  # fmt: skip
    return [
        {"check": name, "measured": value, "target": target, "passed": bool(ok)}
        for name, value, target, ok in checks
    ]


def _table(phase: dict) -> list[str]:
    lines = [
        "| endpoint | requests | req/s | median ms | p95 ms | p99 ms | max ms | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*phase["endpoints"], {**phase["total"], "name": "**total**", "method": ""}]:
        lines.append(
            f"| {row['method']} {row['name']} | {row['requests']} | {row['rps']:.1f} | "
            f"{_ms(row['median_ms'])} | {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | "
            f"{_ms(row['max_ms'])} | {row['failures']} |"
        )
    return lines


def _ms(value) -> str:
    return "" if value is None else f"{value:.0f}"


def report_markdown(document: dict) -> str:
    mixed, verify = document["mixed"], document.get("verify")
    setup = document["setup"]
    passed = all(v["passed"] for v in document["verdicts"])
    dirty = " (with uncommitted changes)" if document["git"]["dirty"] else ""
    lines = [
        "# Relay load test",
        "",
        f"Generated {document['generated_at']} by `python -m bench.load.run "
        f"--minutes {setup['minutes']:g} --rate {setup['rate']:g}`; commit "
        f"`{document['git']['commit'][:12]}`{dirty}.",
        "",
        f"**Overall: {'PASS' if passed else 'FAIL'}**",
        "",
        "| check | measured | target | result |",
        "|---|---:|---:|---|",
        *[
            f"| {v['check']} | {v['measured']} | {v['target']} | "
            f"{'pass' if v['passed'] else 'FAIL'} |"
            for v in document["verdicts"]
        ],
        "",
        "## Set-up",
        "",
        f"- Server: gunicorn `lms.wsgi`, {setup['workers']} workers x {setup['threads']} threads "
        "(gthread, `--preload`), production settings (`DEBUG=False`, WhiteNoise static files, "
        "secure cookies; TLS ends at the proxy, which the load generator stands in for with "
        "`X-Forwarded-Proto: https`), plus one RQ worker.",
        f"- Data: PostgreSQL `{setup['database']}`, `seed_demo --size {setup['size']}` "
        f"(seeded in {setup['seed_seconds']:.0f} s), Redis `{setup['redis']}` for cache, "
        "sessions and tasks (flushed before the run).",
        "- Load generator: locust (FastHttpUser) as a library on the same machine, one "
        "loopback source address per simulated person, and in the verify-only run a new "
        "connection from a new address per request (the verify page allows 60 requests a "
        "minute per address; wrk cannot vary its source address, so locust it is).",
        f"- Mixed: {', '.join(f'{n} {k}' for k, n in mixed['users'].items())} people, paced "
        f"(`constant_throughput`) to offer {mixed['offered_rate']:g} requests a second; "
        f"signed in within {mixed['sign_in_seconds']} s, then {mixed['warmup_seconds']:g} s "
        f"of warm-up, then {mixed['seconds']:g} s measured.",
    ]
    if verify is not None:
        lines.append(
            f"- Verify only: {verify['users'].get('Public', 0)} anonymous people, no think time, "
            f"{verify['seconds']:g} s measured."
        )
    info = document["machine"]
    lines += [
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gb']} GB, "
        f"Python {info['python']}, {info['postgresql']}; load average (1, 5, 15 min) before "
        f"{document['load_before']}, after {document['load_after']} (the machine is shared).",
        "",
        "## Mixed load by role",
        "",
        *_table(mixed),
    ]
    if mixed["errors"]:
        lines += ["", "Errors:", ""]
        lines += [
            f"- {e['count']} x {e['method']} {e['name']}: {e['error']}" for e in mixed["errors"]
        ]
    if verify is not None:
        lines += ["", "## Verify page alone", "", *_table(verify)]
        if verify["errors"]:
            lines += ["", "Errors:", ""]
            lines += [f"- {e['count']} x {e['name']}: {e['error']}" for e in verify["errors"]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    environment = server_environment(args)
    build = prepare(args, environment)
    flush_redis(args.redis_url)
    load_before = load_average()
    services = Services(args, environment)
    try:
        services.start()
        mixed = drive_phase(args, environment, mix="mixed", seconds=args.minutes * 60)
        verify = (
            drive_phase(args, environment, mix="verify", seconds=args.verify_seconds)
            if args.verify_seconds > 0
            else None
        )
    finally:
        services.stop()
    document = {
        "generated_at": datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds"),
        "setup": {
            "minutes": args.minutes,
            "rate": args.rate,
            "size": args.size,
            "database": args.database_url.rsplit("/", 1)[1],
            "redis": args.redis_url,
            "workers": args.workers,
            "threads": args.threads,
            "seed_seconds": build["seed_seconds"],
        },
        "machine": machine(),
        "load_before": load_before,
        "load_after": load_average(),
        "git": git_commit(),
        "mixed": mixed,
        "verify": verify,
        "verdicts": verdicts(mixed, verify),
    }
    args.output.with_suffix(".json").write_text(json.dumps(document, indent=1) + "\n")
    markdown = report_markdown(document)
    args.output.with_suffix(".md").write_text(markdown)
    sys.stdout.write(markdown)
    return 0 if all(v["passed"] for v in document["verdicts"]) else 1


if __name__ == "__main__":
    sys.exit(main())
