"""PostgreSQL stopped and restarted under traffic: requests fail fast with 503 + Retry-After,
recover within seconds, and leave no partial records.

Builds a scratch database `relay_fault` (dropped and created; migrate; `seed_demo --size 20`),
starts gunicorn (2 workers) on it, and drives a steady stream from a few threads: the health
check, the public verification page of a seeded credential, and a write (a failed sign-in with
a unique address, which appends a SIGN_IN_FAILED record to the audit hash chain). After a few
seconds of traffic it stops the cluster (`pg_ctlcluster 15 main stop`), waits `--outage`
seconds (at most 10: other people use this server), starts it again (always, in `finally`),
and keeps the traffic going until every thread has had a 200 again.

    .venv/bin/python scripts/faults/pg_restart.py     # run it at most two or three times

Prints the figures and writes them to scripts/faults/pg_restart.json: the share of 503 during
the outage, the slowest failed request, seconds from restart to the first 200, any 500, and
whether every write answered 200 has exactly one audit record and the chain still verifies.
"""

import argparse
import collections
import contextlib
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "relay_fault"
SERVER = "postgres://postgres@127.0.0.1:5432"
CLUSTER = ["15", "main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="scripts.faults.pg_settings",
        DATABASE_URL=f"{SERVER}/{DATABASE}",
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


def _manage(*args: str, env: dict) -> str:
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _psql(sql: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        ["psql", f"{SERVER}/postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],  # noqa: S607
        check=True,
        capture_output=True,
    )


def _cluster(action: str) -> None:
    subprocess.run(  # noqa: S603 - fixed arguments
        ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, action],  # noqa: S607
        check=True,
        capture_output=True,
    )


def _request(
    url: str, data: dict | None = None, timeout: float = 30, opener=None
) -> tuple[int, dict, float]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    began = time.perf_counter()
    try:
        with (opener or urllib.request.build_opener()).open(
            url, data=body, timeout=timeout
        ) as response:
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        status, headers = error.code, dict(error.headers)
    except (urllib.error.URLError, OSError):
        status, headers = 0, {}
    return status, headers, time.perf_counter() - began


class Traffic:
    def __init__(self, base: str, public_id: str, threads: int):
        self.base = base
        self.public_id = public_id
        self.threads = threads
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.log: list[dict] = []  # every request: kind, status, retry-after, seconds, at, email
        self.counter = 0

    def _next(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter

    def _csrf(self, opener, jar) -> str:
        """The sign-in form's CSRF cookie (the token the POST must echo)."""
        while not self.stop.is_set():
            with contextlib.suppress(OSError):
                opener.open(f"{self.base}/accounts/login/", timeout=30).read()
            for cookie in jar:
                if cookie.name == "csrftoken":
                    return cookie.value
            time.sleep(0.1)
        return ""

    def _loop(self, kind: str) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        token = self._csrf(opener, jar) if kind == "write" else ""
        while not self.stop.is_set():
            n = self._next()
            email = ""
            if kind == "health":
                status, headers, took = _request(f"{self.base}/healthz/")
            elif kind == "verify":
                status, headers, took = _request(f"{self.base}/verify/{self.public_id}/")
            else:
                email = f"probe-{n}@fault.test"
                status, headers, took = _request(
                    f"{self.base}/accounts/login/",
                    {"login": email, "password": "wrong-one", "csrfmiddlewaretoken": token},
                    opener=opener,
                )
            with self.lock:
                self.log.append(
                    {
                        "kind": kind,
                        "status": status,
                        "retry_after": headers.get("Retry-After"),
                        "seconds": took,
                        "at": time.monotonic(),
                        "email": email,
                    }
                )
            time.sleep(0.05)  # a steady stream, not a flood

    def start(self) -> list[threading.Thread]:
        kinds = ["health", "verify", "write"] * self.threads
        workers = [threading.Thread(target=self._loop, args=(k,), daemon=True) for k in kinds]
        for worker in workers:
            worker.start()
        return workers


def run(*, outage: float, warmup: float, threads: int) -> dict:
    env = _env()
    _psql(f"DROP DATABASE IF EXISTS {DATABASE}")
    _psql(f"CREATE DATABASE {DATABASE}")
    _manage("migrate", "--noinput", env=env)
    _manage("createcachetable", env=env)
    _manage("seed_demo", "--size", "20", env=env)
    out = _manage(
        "shell",
        "-c",
        "from certificates.models import Credential; "
        "print(Credential.objects.order_by('pk').values_list('public_id', flat=True).first())",
        env=env,
    )
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out)
    public_id = ids[-1] if ids else "00000000-0000-0000-0000-000000000000"
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "lms.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    figures: dict = {"outage_seconds": outage}
    try:
        began = time.monotonic()
        while _request(f"{base}/healthz/")[0] != 200:
            if time.monotonic() - began > 120 or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)
        traffic = Traffic(base, public_id, threads)
        workers = traffic.start()
        time.sleep(warmup)
        stopped_at = time.monotonic()
        try:
            _cluster("stop")
            down_at = time.monotonic()
            time.sleep(outage)
        finally:
            _cluster("start")
        up_at = time.monotonic()
        # Keep going until every kind has answered 200 again (or a minute has passed).
        deadline = up_at + 60
        while time.monotonic() < deadline:
            with traffic.lock:
                recovered = {
                    e["kind"] for e in traffic.log if e["at"] > up_at and e["status"] == 200
                }
            if recovered >= {"health", "verify", "write"}:
                break
            time.sleep(0.1)
        time.sleep(warmup)
        traffic.stop.set()
        for worker in workers:
            worker.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)

    log = traffic.log
    during = [e for e in log if down_at <= e["at"] - e["seconds"] and e["at"] <= up_at]
    failed = [e for e in log if e["status"] >= 500 or e["status"] == 0]
    after = [e for e in log if e["at"] > up_at and e["status"] == 200]
    first_200 = min((e["at"] for e in after), default=None)
    figures.update(
        requests=len(log),
        statuses=dict(collections.Counter(e["status"] for e in log)),
        requests_during_outage=len(during),
        statuses_during_outage={
            kind: dict(collections.Counter(e["status"] for e in during if e["kind"] == kind))
            for kind in ("health", "verify", "write")
        },
        share_503_during_outage=round(sum(e["status"] == 503 for e in during) / len(during), 3)
        if during
        else None,
        retry_after_on_every_503=all(e["retry_after"] == "5" for e in log if e["status"] == 503),
        max_failed_request_seconds=round(max((e["seconds"] for e in failed), default=0), 3),
        seconds_to_stop_the_cluster=round(down_at - stopped_at, 1),
        seconds_from_restart_to_first_200=round(first_200 - up_at, 2) if first_200 else None,
        server_errors_500=sum(e["status"] == 500 for e in log),
        connection_errors=sum(e["status"] == 0 for e in log),
    )
    figures.update(_consistency(log, env))
    figures["ok"] = (
        figures["server_errors_500"] == 0
        and figures["connection_errors"] == 0
        and figures["retry_after_on_every_503"]
        and figures["seconds_from_restart_to_first_200"] is not None
        and figures["writes_answered_without_record"] == 0
        and figures["duplicate_write_records"] == 0
        and figures["audit_chain_breaks"] == 0
    )
    return figures


def _consistency(log: list[dict], env: dict) -> dict:
    """Every write answered 200 (the form, with its error) has exactly one audit record; one
    answered 503 has none or one; the chain verifies."""
    script = (
        "import json\n"
        "from collections import Counter\n"
        "from lms.audit.models import AuditEvent\n"
        "from lms.audit.services import audit_verify_chain\n"
        "emails = Counter(e['email'] for e in AuditEvent.objects.filter("
        "action='sign_in_failed').values_list('data', flat=True))\n"
        "first = AuditEvent.objects.filter(action='sign_in_failed').order_by('id').first()\n"
        "start = first.id if first else 0\n"
        "breaks = [b.event_id for b in audit_verify_chain()]\n"
        "print(json.dumps({'emails': emails, 'breaks': sum(i >= start for i in breaks),\n"
        "                  'seed_breaks': sum(i < start for i in breaks)}))\n"
    )
    out = json.loads(_manage("shell", "-c", script, env=env).strip().splitlines()[-1])
    recorded = out["emails"]
    writes = [e for e in log if e["kind"] == "write"]
    return {
        "writes": len(writes),
        "writes_answered_200": sum(e["status"] == 200 for e in writes),
        "writes_answered_without_record": sum(
            e["status"] == 200 and recorded.get(e["email"], 0) != 1 for e in writes
        ),
        "writes_503_with_record": sum(
            e["status"] == 503 and recorded.get(e["email"], 0) == 1 for e in writes
        ),
        "duplicate_write_records": sum(n > 1 for n in recorded.values()),
        "audit_chain_breaks": out["breaks"],  # from the first write of the run on
        "audit_chain_breaks_before_the_run": out["seed_breaks"],  # seed_demo's own records
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage", type=float, default=5.0, help="seconds down (at most 10)")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--threads", type=int, default=1, help="threads per request kind")
    args = parser.parse_args()
    if not 0 < args.outage <= 10:
        parser.error("--outage must be more than 0 and at most 10 seconds")
    figures = run(outage=args.outage, warmup=args.warmup, threads=args.threads)
    text = json.dumps(figures, indent=2)
    print(text)  # noqa: T201 - the script's report
    (ROOT / "scripts" / "faults" / "pg_restart.json").write_text(text + "\n")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
