"""Re-queue the database tasks a dead worker left RUNNING.

django-tasks-db's `db_worker` marks a task RUNNING when it claims it and SUCCESSFUL or FAILED
when it returns or raises; a worker killed in between (SIGKILL, out of memory, a power cut)
leaves the task RUNNING for ever, and no worker picks it up again. It keeps no heartbeat, so
a task is taken as abandoned when it started more than `--older-than` seconds ago: longer than
any task runs, or 0 when no worker is running (as at start-up of the only worker:
`manage.py tasks_recover --older-than 0 && manage.py db_worker`). Every task Relay queues is
safe to run again (the certificate batch resumes where it was counted, the reminder sweep and
its emails skip what was done).

Not for the Redis backend (django-tasks-rq): rq's own registry cleanup moves a job whose
worker died to the failed registry (`rq requeue --all` runs them again).
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends


def tasks_recover(
    *, older_than: datetime.timedelta, now: datetime.datetime | None = None
) -> list[str]:
    """Put the database backends' tasks RUNNING since before `now - older_than` back to READY
    (their worker ids are kept, as a record of the attempt). Returns their ids."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    aliases = [
        alias for alias in task_backends if isinstance(task_backends[alias], DatabaseBackend)
    ]
    if not aliases:
        return []
    cutoff = (now or timezone.now()) - older_than
    with transaction.atomic():
        stuck = DBTaskResult.objects.select_for_update().filter(
            status=TaskResultStatus.RUNNING, backend_name__in=aliases, started_at__lte=cutoff
        )
        ids = [str(pk) for pk in stuck.values_list("pk", flat=True)]
        DBTaskResult.objects.filter(pk__in=ids).update(
            status=TaskResultStatus.READY, started_at=None
        )
    return ids


class Command(BaseCommand):
    help = (
        "Re-queue database tasks left RUNNING by a worker that died (started more than "
        "--older-than seconds ago). Run it before starting the only worker with --older-than 0."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=3600,
            metavar="SECONDS",
            help="re-queue tasks that started at least this long ago (default: %(default)s)",
        )

    def handle(self, *args, older_than: int, **options):
        ids = tasks_recover(older_than=datetime.timedelta(seconds=older_than))
        for task_id in ids:
            self.stdout.write(f"Re-queued task {task_id}")
        self.stdout.write(f"{len(ids)} stuck task(s) re-queued.")
