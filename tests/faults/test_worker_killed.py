"""The task worker killed part-way: a task it left RUNNING is re-queued by `tasks_recover`,
and running a certificate batch again (even beside another run of it) renders and counts each
certificate once. The end-to-end case (a real `db_worker` SIGKILLed twice, mid-batch and
mid-emails) is scripts/faults/worker_kill.py, run here on a copy of the test schema."""

import datetime
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker as db_worker_command
from django_tasks_db.models import DBTaskResult

from certificates.document_tasks import certificate_batch_render
from certificates.management.commands.tasks_recover import tasks_recover
from certificates.models import BatchStatus, CertificateDocument
from certificates.services import documents
from lms.accounts.roles import sync_role_groups
from tests.factories.certificates import CredentialTypeFactory, record_external, verify

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def role_groups(transactional_db):
    """The role groups and their permissions (migration data), which an earlier transactional
    test in the same worker may have flushed."""
    sync_role_groups(django_apps)


@pytest.fixture
def db_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def batch(city):
    kind = CredentialTypeFactory(name="Mental Health First Aid")
    for role in ("learner", "fto", "supervisor", "admin"):
        credential = record_external(holder=city.user(role), credential_type=kind)
        verify(credential=credential, actor=city.user("hr"))
    batch = documents.certificate_batch_create(
        actor=city.user("hr"), credential_type=kind, organisation=city.department
    )  # queued; the on-commit enqueue is not run
    assert batch.total == 4
    return batch


def _run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_a_task_left_running_by_a_killed_worker_is_requeued_and_finished(
    db_tasks, batch, monkeypatch
):
    # The worker runs in this process. Between tasks it closes connections whose autocommit
    # differs from the settings', which inside the test's transaction is this one: on
    # PostgreSQL that would end the test (and the next tests'). The test client does the same.
    monkeypatch.setattr(db_worker_command, "close_old_connections", lambda: None)
    result = certificate_batch_render.enqueue(batch_id=batch.pk)
    # A worker claimed the task, rendered one certificate, and was killed.
    started = timezone.now() - datetime.timedelta(minutes=10)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING, started_at=started, worker_ids=["dead-worker"]
    )
    documents._batch_render_one(
        batch_pk=batch.pk, position=0, credential_pk=batch.credential_ids[0], now=None
    )
    _run_worker()  # nothing to do: the task is still marked RUNNING
    result.refresh()
    assert result.status == TaskResultStatus.RUNNING

    assert tasks_recover(older_than=datetime.timedelta(minutes=5)) == [str(result.id)]
    result.refresh()
    assert result.status == TaskResultStatus.READY
    _run_worker()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.worker_ids[0] == "dead-worker"
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (4, 0, BatchStatus.DONE)
    docs = CertificateDocument.objects.filter(credential_id__in=batch.credential_ids)
    assert sorted(docs.values_list("credential_id", flat=True)) == sorted(batch.credential_ids)


def test_only_tasks_running_longer_than_the_limit_are_requeued(db_tasks, batch, capsys):
    now = timezone.now()
    old, recent, finished = (certificate_batch_render.enqueue(batch_id=batch.pk) for _ in "abc")
    DBTaskResult.objects.filter(pk=old.id).update(
        status=TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(hours=2)
    )
    DBTaskResult.objects.filter(pk=recent.id).update(
        status=TaskResultStatus.RUNNING, started_at=now - datetime.timedelta(minutes=10)
    )
    DBTaskResult.objects.filter(pk=finished.id).update(
        status=TaskResultStatus.SUCCESSFUL, started_at=now - datetime.timedelta(hours=3)
    )
    call_command("tasks_recover", "--older-than", "3600")
    assert f"Re-queued task {old.id}" in capsys.readouterr().out
    mine = DBTaskResult.objects.filter(pk__in=[old.id, recent.id, finished.id])
    statuses = {str(pk): status for pk, status in mine.values_list("pk", "status")}
    assert statuses == {
        old.id: TaskResultStatus.READY,
        recent.id: TaskResultStatus.RUNNING,
        finished.id: TaskResultStatus.SUCCESSFUL,
    }


def test_recovery_does_nothing_without_a_database_task_backend(batch):
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path=certificate_batch_render.module_path,
        backend_name="default",
        run_after=timezone.now(),
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - datetime.timedelta(days=1),
    )
    assert tasks_recover(older_than=datetime.timedelta(0)) == []


def test_a_second_run_of_the_same_batch_does_not_count_anything_twice(batch, monkeypatch):
    """A task re-queued while its first worker was alive after all: the two runs overlap. Here
    the second run starts (and finishes) inside the first one's first certificate."""
    real = documents.certificate_document
    calls = []

    def render(*, credential, now=None):
        calls.append(credential.pk)
        if len(calls) == 1:
            documents.certificate_batch_run(batch_id=batch.pk)
        return real(credential=credential, now=now)

    monkeypatch.setattr(documents, "certificate_document", render)
    documents.certificate_batch_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (4, 0, BatchStatus.DONE)
    assert CertificateDocument.objects.filter(credential_id__in=batch.credential_ids).count() == 4


def test_a_run_killed_in_the_middle_of_a_certificate_leaves_neither_file_nor_count(
    batch, monkeypatch
):
    """Rendering and counting are one transaction: killed between them, neither is kept, and
    the next run renders that certificate once."""
    real = documents.certificate_document

    class Killed(BaseException):
        pass

    def render_then_die(*, credential, now=None):
        document = real(credential=credential, now=now)
        if credential.pk == batch.credential_ids[2]:
            raise Killed
        return document

    monkeypatch.setattr(documents, "certificate_document", render_then_die)
    with pytest.raises(Killed):
        documents.certificate_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.done, batch.status) == (2, BatchStatus.RUNNING)
    rendered = CertificateDocument.objects.filter(credential_id__in=batch.credential_ids)
    assert sorted(rendered.values_list("credential_id", flat=True)) == sorted(
        batch.credential_ids[:2]
    )

    monkeypatch.setattr(documents, "certificate_document", real)
    documents.certificate_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.done, batch.failed, batch.status) == (4, 0, BatchStatus.DONE)
    assert rendered.count() == 4


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the script runs on a SQLite file")
def test_a_real_worker_killed_twice_finishes_every_job_exactly_once(role_groups, tmp_path):
    database = tmp_path / "relay.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(database)
    try:
        connection.connection.backup(target)
    finally:
        target.close()
    report = tmp_path / "figures.json"
    run = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [
            sys.executable,
            "scripts/faults/worker_kill.py",
            "--db",
            str(database),
            "--run-dir",
            str(tmp_path / "run"),
            "--people",
            "12",
            "--json",
            str(report),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    figures = json.loads(report.read_text())
    assert figures["ok"]
    assert 0 < figures["batch_counted_at_kill"] < 12
    assert figures["tasks_running_after_kill_1"] == 1
    assert figures["certificate_documents"] == figures["pdf_files_on_disk"] == 12
    assert figures["emails"] == figures["expected_emails"] == 48
    assert figures["duplicate_emails"] == figures["duplicate_notifications"] == 0
    assert figures["tasks_due_or_running"] == 0
