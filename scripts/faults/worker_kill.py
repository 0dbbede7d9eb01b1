"""The task worker killed part-way through a certificate batch and a reminder sweep.

Against a scratch SQLite file (a copy of a migrated template; or `--db` an existing migrated
file), with the database task backend (scripts/faults/worker_settings.py):

1. seeds a cohort of `--people` staff, each holding a verified credential that expires in 25
   days (so the sweep finds a "window open" and a "30 days" reminder for each), with a
   supervisor, and queues a certificate batch for the cohort and the daily reminder sweep;
2. starts `manage.py db_worker`, SIGKILLs it once some but not all certificates are counted,
   re-queues what it left RUNNING (`manage.py tasks_recover --older-than 0`), starts it again,
   SIGKILLs it once some but not all reminder emails are sent, recovers and starts it again;
3. waits until no task is due or running, then checks that every certificate exists once
   (one PDF file each, no re-render), numbers unique, every reminder once, every in-app
   notification and every email once, no task left RUNNING or due.

    .venv/bin/python scripts/faults/worker_kill.py            # prints JSON, exit 1 on a failure

The figures go to scripts/faults/worker_kill.json (tests/faults/test_worker_killed.py runs
this script against a copy of the test schema).
"""

import argparse
import collections
import datetime
import email
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = "scripts.faults.worker_settings"
POLL_SECONDS = 0.02
WAIT_LIMIT_SECONDS = 600  # a guard against hanging for ever, not a performance figure


def _env(db_path: Path, run_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        DATABASE_URL=f"sqlite:///{db_path}",
        RELAY_FAULT_DIR=str(run_dir),
        PYTHONPATH=str(ROOT),
    )
    env.pop("REDIS_URL", None)
    return env


def _seed(people: int):
    """The cohort, its HR officer and supervisor; returns (batch, credential ids)."""
    from django.db import transaction
    from django.utils import timezone

    from certificates.services import external
    from certificates.services.documents import certificate_batch_create
    from certificates.tasks import credential_sweep_daily
    from lms.accounts.roles import Role
    from lms.uploads import evidence_from_upload
    from tests.factories import OrganisationFactory, StaffProfileFactory, UserFactory
    from tests.factories.certificates import CredentialTypeFactory, upload

    organisation = OrganisationFactory(name="Fault City", slug=f"fault-{uuid.uuid4().hex[:6]}")
    hr = UserFactory(email="hr@fault.test", roles=[Role.HR])
    StaffProfileFactory(user=hr, organisation=organisation)
    supervisor = UserFactory(email="supervisor@fault.test", roles=[Role.SUPERVISOR])
    StaffProfileFactory(user=supervisor, organisation=organisation)
    kind = CredentialTypeFactory(name="Crisis Intervention", slug="crisis-intervention")
    today = organisation.today(timezone.now())
    expires = today + datetime.timedelta(days=25)
    ids = []
    for n in range(people):
        holder = UserFactory(email=f"staff{n:03d}@fault.test")
        StaffProfileFactory(user=holder, organisation=organisation, supervisor=supervisor)
        credential = external.external_record(
            actor=holder,
            holder=holder,
            credential_type=kind,
            issued_on=expires.replace(year=expires.year - 2),
            expires_on=expires,
            certificate_number=f"CI-{n:05d}",
            evidence=evidence_from_upload(upload()),
            request_key=uuid.uuid4(),
        )
        external.external_verify(
            actor=hr, credential=credential, verified=True, reason="", request_key=uuid.uuid4()
        )
        ids.append(credential.pk)
    with transaction.atomic():
        batch = certificate_batch_create(actor=hr, credential_type=kind, organisation=organisation)
        transaction.on_commit(lambda: credential_sweep_daily.enqueue())
    return batch, ids


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--queue-name",
            "*",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--verbosity",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(condition, what: str, worker: subprocess.Popen | None = None) -> float:
    began = time.monotonic()
    while not condition():
        if worker is not None and worker.poll() is not None:
            raise RuntimeError(f"worker exited ({worker.returncode}) waiting for {what}")
        if time.monotonic() - began > WAIT_LIMIT_SECONDS:
            raise TimeoutError(f"gave up waiting for {what}")
        time.sleep(POLL_SECONDS)
    return time.monotonic() - began


def _kill(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGKILL)
    worker.wait()


def _recover(env: dict) -> int:
    out = subprocess.run(
        [sys.executable, "manage.py", "tasks_recover", "--older-than", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(line.startswith("Re-queued task") for line in out.splitlines())


def run(db_path: Path, run_dir: Path, *, people: int) -> dict:
    env = _env(db_path, run_dir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import close_old_connections
    from django.db.models import Count
    from django.utils import timezone
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from certificates.models import CertificateBatch, CertificateDocument, Credential, Reminder
    from lms.accounts.models import Notification

    batch, ids = _seed(people)
    figures: dict = {"people": people, "certificates": len(ids)}

    def position() -> int:
        close_old_connections()
        row = CertificateBatch.objects.values("done", "failed").get(pk=batch.pk)
        return row["done"] + row["failed"]

    def emailed() -> int:
        close_old_connections()
        return Reminder.objects.filter(emailed_at__isnull=False).count()

    def running() -> int:
        return DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count()

    # 1. Killed in the certificate batch.
    worker = _worker(env)
    _wait_for(lambda: position() >= max(1, len(ids) // 3), "a third of the batch", worker)
    _kill(worker)
    figures["batch_counted_at_kill"] = position()
    figures["tasks_running_after_kill_1"] = running()
    figures["recovered_after_kill_1"] = _recover(env)

    # 2. Killed while the reminder emails are going out.
    worker = _worker(env)
    _wait_for(
        lambda: emailed() >= max(1, Reminder.objects.count() // 3), "a third of the emails", worker
    )
    at_kill = emailed()
    _kill(worker)
    reminders = Reminder.objects.count()
    figures["reminders"] = reminders
    figures["reminders_emailed_at_kill"] = at_kill
    figures["email_kill_was_part_way"] = 0 < at_kill < reminders
    figures["tasks_running_after_kill_2"] = running()
    figures["recovered_after_kill_2"] = _recover(env)

    # 3. The last worker finishes everything.
    worker = _worker(env)

    def all_done() -> bool:
        close_old_connections()
        due = DBTaskResult.objects.filter(
            status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
            run_after__lte=timezone.now(),
        )
        return not due.exists() and emailed() == Reminder.objects.count()

    figures["seconds_to_finish_after_restart"] = round(_wait_for(all_done, "all tasks", worker), 1)
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=60)

    # The checks.
    close_old_connections()
    batch.refresh_from_db()
    documents = CertificateDocument.objects.filter(credential_id__in=ids)
    pdf_files = list((run_dir / "private" / "certificates").rglob("*.pdf"))
    numbers = list(
        Credential.objects.filter(pk__in=ids).values_list("certificate_number", flat=True)
    )
    notifications = Notification.objects.filter(user__email__endswith="@fault.test")
    duplicate_notifications = (
        notifications.values("user_id", "message").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    mails = [
        email.message_from_bytes(path.read_bytes()) for path in (run_dir / "mail").glob("*.eml")
    ]
    mail_keys = collections.Counter((m["To"], m["Subject"], m.get_payload()) for m in mails)
    # One email to the holder and one to the supervisor per reminder.
    tasks = collections.Counter(DBTaskResult.objects.values_list("status", flat=True))
    due_or_running = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING], run_after__lte=timezone.now()
    ).count()
    figures.update(
        batch_status=batch.status,
        batch_done=batch.done,
        batch_failed=batch.failed,
        certificate_documents=documents.count(),
        certificate_credentials=documents.values("credential_id").distinct().count(),
        pdf_files_on_disk=len(pdf_files),
        certificate_numbers_unique=len(set(numbers)) == len(numbers),
        reminders_notified=Reminder.objects.filter(notified_at__isnull=False).count(),
        reminders_emailed=emailed(),
        notifications=notifications.count(),
        duplicate_notifications=duplicate_notifications,
        emails=len(mails),
        expected_emails=2 * reminders,
        duplicate_emails=sum(n - 1 for n in mail_keys.values()),
        tasks_by_status=dict(tasks),
        tasks_due_or_running=due_or_running,
    )
    figures["ok"] = (
        figures["batch_status"] == "done"
        and figures["batch_done"] == len(ids)
        and figures["batch_failed"] == 0
        and figures["certificate_documents"] == len(ids)
        and figures["certificate_credentials"] == len(ids)
        and figures["pdf_files_on_disk"] == len(ids)
        and figures["certificate_numbers_unique"]
        and 0 < figures["batch_counted_at_kill"] < len(ids)
        and figures["tasks_running_after_kill_1"] == 1
        and figures["recovered_after_kill_1"] == 1
        and figures["reminders"] == 2 * len(ids)
        and figures["reminders_notified"] == reminders
        and figures["reminders_emailed"] == reminders
        and figures["notifications"] == 2 * reminders
        and figures["duplicate_notifications"] == 0
        and figures["emails"] == figures["expected_emails"]
        and figures["duplicate_emails"] == 0
        and figures["tasks_due_or_running"] == 0
        and figures["tasks_by_status"].get(TaskResultStatus.FAILED, 0) == 0
    )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing migrated SQLite file (used in place)")
    parser.add_argument("--run-dir", help="folder for mail and PDFs (default var/faults/...)")
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()

    run_dir = Path(args.run_dir or ROOT / "var" / "faults" / "worker_kill").resolve()
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    if args.db:
        db_path = Path(args.db).resolve()
        json_path = Path(args.json) if args.json else None
    else:
        sys.path.insert(0, str(ROOT))
        from scripts.faults.sqlite_writers import template_db

        db_path = run_dir / "relay.sqlite3"
        shutil.copyfile(template_db(fresh=False), db_path)
        json_path = Path(args.json) if args.json else ROOT / "scripts/faults/worker_kill.json"
    figures = run(db_path, run_dir, people=args.people)
    text = json.dumps(figures, indent=2, default=str)
    print(text)  # noqa: T201 - the script's report
    if json_path is not None:
        json_path.write_text(text + "\n")
    return 0 if figures["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
