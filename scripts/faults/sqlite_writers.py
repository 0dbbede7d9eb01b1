"""SQLite under 16 concurrent writer processes: no "database is locked", nothing lost.

Each writer is its own process (as gunicorn workers and the task worker are), configured by
the real settings (`lms.settings.base`: WAL, `transaction_mode=IMMEDIATE`, 20 s busy timeout)
through `DATABASE_URL`. All writers wait on a start line, then each runs `--transactions`
transactions that append to the audit hash chain (which reads the last hash and inserts the
next: the worst case for a lost update) and write a notification. Afterwards the events and
notifications are counted and the chain is verified.

    .venv/bin/python scripts/faults/sqlite_writers.py                 # 16 x 25, prints JSON
    .venv/bin/python scripts/faults/sqlite_writers.py --transaction-mode DEFERRED   # the failure

The first run migrates a scratch database (var/faults/sqlite_writers-template.sqlite3, about
a minute); later runs copy it. The figures go to scripts/faults/sqlite_writers.json.
`tests/faults/test_sqlite_writers.py` runs the same writers against a copy of the test schema.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "lms.settings.test"


def _env(db_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS
    env["DATABASE_URL"] = f"sqlite:///{db_path}"
    env.pop("REDIS_URL", None)
    return env


def _child_args(db_path: Path, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--db", str(db_path), *args]


def run_writers(
    db_path: Path,
    *,
    writers: int = 16,
    transactions: int = 25,
    transaction_mode: str | None = None,
) -> dict:
    """Run the writers against an already migrated SQLite file; return the figures."""
    env = _env(db_path)
    extra = ["--transaction-mode", transaction_mode] if transaction_mode else []
    children = [
        subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
            _child_args(db_path, "--child", str(n), "--transactions", str(transactions), *extra),
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    try:
        for child in children:  # each says "ready" once Django is set up and its user exists
            line = child.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"writer did not start: {line!r} {child.stderr.read()}")
        started = time.perf_counter()
        for child in children:
            child.stdin.write("go\n")
            child.stdin.flush()
        reports = []
        for child in children:
            out, err = child.communicate()
            if child.returncode != 0:
                raise RuntimeError(f"writer failed ({child.returncode}): {err[-2000:]}")
            reports.append(json.loads(out.strip().splitlines()[-1]))
        elapsed = time.perf_counter() - started
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    check = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        _child_args(db_path, "--verify"),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    verified = json.loads(check.stdout.strip().splitlines()[-1])
    latencies = sorted(ms for report in reports for ms in report["latencies_ms"])
    errors = [error for report in reports for error in report["errors"]]
    committed = sum(report["committed"] for report in reports)
    return {
        "writers": writers,
        "transactions_per_writer": transactions,
        "transaction_mode": transaction_mode or "settings (IMMEDIATE)",
        "committed": committed,
        "errors": len(errors),
        "database_locked_errors": sum("database is locked" in e for e in errors),
        "first_errors": errors[:3],
        "seconds": round(elapsed, 2),
        "transactions_per_second": round(committed / elapsed, 1) if elapsed else None,
        "max_wait_ms": round(latencies[-1], 1) if latencies else None,
        "p95_wait_ms": round(latencies[int(0.95 * (len(latencies) - 1))], 1) if latencies else None,
        **verified,
    }


# --- Inside a writer process ------------------------------------------------------------------


def _django(db_path: str, transaction_mode: str | None = None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.update(_env(Path(db_path)))
    from django.conf import settings

    if transaction_mode:  # only to show what IMMEDIATE prevents
        settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] = transaction_mode
    import django

    django.setup()


def _writer(number: int, transactions: int) -> dict:
    from django.db import transaction
    from django.db.utils import OperationalError

    from lms.accounts.models import Notification, User
    from lms.audit.models import AuditAction
    from lms.audit.services import audit_record

    user = User.objects.create_user(email=f"writer{number}@relay.test")
    print("ready", flush=True)  # noqa: T201 - the parent waits for this line
    sys.stdin.readline()
    committed, errors, latencies = 0, [], []
    for n in range(transactions):
        began = time.perf_counter()
        try:
            with transaction.atomic():
                audit_record(
                    action=AuditAction.EXPORTED,
                    actor=user,
                    target=f"writer {number} transaction {n}",
                    data={"writer": number, "n": n},
                )
                Notification.objects.create(user=user, message=f"writer {number} #{n}")
        except OperationalError as error:
            errors.append(str(error))
        else:
            committed += 1
        latencies.append((time.perf_counter() - began) * 1000)
    return {"writer": number, "committed": committed, "errors": errors, "latencies_ms": latencies}


def _verify() -> dict:
    from lms.accounts.models import Notification
    from lms.audit.models import AuditEvent
    from lms.audit.services import audit_verify_chain

    writer_events = AuditEvent.objects.filter(target__startswith="writer ")
    targets = list(writer_events.values_list("target", flat=True))
    return {
        "audit_events": len(targets),
        "distinct_audit_events": len(set(targets)),
        "notifications": Notification.objects.filter(message__startswith="writer ").count(),
        "chain_breaks": sum(1 for _ in audit_verify_chain()),
    }


# --- Standalone -----------------------------------------------------------------------------------


def template_db(fresh: bool) -> Path:
    folder = ROOT / "var" / "faults"
    folder.mkdir(parents=True, exist_ok=True)
    template = folder / "sqlite_writers-template.sqlite3"
    if fresh or not template.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{template}{suffix}").unlink(missing_ok=True)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=_env(template),
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603 - fold the WAL into the file so a copy is complete
            [
                sys.executable,
                "-c",
                "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute("
                "'PRAGMA wal_checkpoint(TRUNCATE)')",
                str(template),
            ],
            check=True,
        )
    return template


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing migrated SQLite file (a copy is not made)")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--transactions", type=int, default=25)
    parser.add_argument("--transaction-mode", choices=["DEFERRED", "IMMEDIATE", "EXCLUSIVE"])
    parser.add_argument("--fresh", action="store_true", help="migrate the template again")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--verify", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child is not None or args.verify:
        _django(args.db, args.transaction_mode)
        result = _verify() if args.verify else _writer(args.child, args.transactions)
        print(json.dumps(result), flush=True)  # noqa: T201 - read by the parent
        return 0

    if args.db:
        db_path = Path(args.db).resolve()
    else:
        db_path = ROOT / "var" / "faults" / "sqlite_writers.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(template_db(args.fresh), db_path)
    figures = run_writers(
        db_path,
        writers=args.writers,
        transactions=args.transactions,
        transaction_mode=args.transaction_mode,
    )
    print(json.dumps(figures, indent=2))  # noqa: T201 - the script's report
    if not args.transaction_mode:
        (ROOT / "scripts" / "faults" / "sqlite_writers.json").write_text(
            json.dumps(figures, indent=2) + "\n"
        )
    expected = args.writers * args.transactions
    ok = (
        figures["errors"] == 0
        and figures["committed"] == expected
        and figures["distinct_audit_events"] == expected
        and figures["notifications"] == expected
        and figures["chain_breaks"] == 0
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
