"""One test per task backend that really enqueues and runs a task through a worker."""

import os

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks import TaskResultStatus

from lms.accounts.tasks import send_invitation_email
from tests.factories import InvitationFactory


@pytest.fixture
def invitation(transactional_db):
    return InvitationFactory(raw_token="task-token-abcdefghijklmnopqrstuvwxyz")


def test_database_backend_runs_through_db_worker(settings, invitation):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    result = send_invitation_email.enqueue(
        invitation_id=str(invitation.pk), accept_url="http://testserver/invite/x/"
    )
    result.refresh()
    assert result.status == TaskResultStatus.READY
    assert mail.outbox == []

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == invitation.email
    assert [m.to for m in mail.outbox] == [[invitation.email]]


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL is not set")
def test_redis_backend_runs_through_rq_worker(settings, invitation):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": os.environ["REDIS_URL"]}}
    queue = django_rq.get_queue("default")
    queue.empty()
    result = send_invitation_email.enqueue(
        invitation_id=str(invitation.pk), accept_url="http://testserver/invite/x/"
    )
    assert mail.outbox == []

    # SimpleWorker runs the job in this process, so it shares the test database and outbox.
    worker = django_rq.get_worker("default", worker_class=SimpleWorker, job_class=Job)
    worker.work(burst=True)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert [m.to for m in mail.outbox] == [[invitation.email]]
