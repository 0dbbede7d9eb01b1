"""Background work for credentials: the daily reminder sweep, which schedules its own next run,
and the reminder emails it queues."""

import datetime

from django.utils import timezone
from django_tasks import task

from certificates.services.reminder_email import reminder_emails_send
from certificates.services.reminders import credential_sweep

# The sweep runs every day at this time (UTC); "today" is still each organisation's own date.
DAILY_AT = datetime.time(6, 0)


@task()
def credential_sweep_daily() -> dict:
    """Run the sweep, then make sure tomorrow's run is queued (even if this one failed)."""
    try:
        return credential_sweep().as_dict()
    finally:
        schedule_daily_sweep()


@task()
def reminder_emails(*, created_since: str | None = None) -> int:
    """Send the reminder emails the sweep found (one per reminder and recipient)."""
    since = datetime.date.fromisoformat(created_since) if created_since else None
    return reminder_emails_send(created_since=since)


def next_run_after(now: datetime.datetime) -> datetime.datetime:
    """The next `DAILY_AT` (UTC) strictly after `now`."""
    moment = datetime.datetime.combine(now.astimezone(datetime.UTC).date(), DAILY_AT, datetime.UTC)
    return moment if moment > now else moment + datetime.timedelta(days=1)


def schedule_daily_sweep(*, now: datetime.datetime | None = None):
    """Queue the next daily sweep unless one is already waiting. Returns the queued result,
    or None when one was waiting or the backend cannot defer (the immediate test backend)."""
    now = now or timezone.now()
    backend = credential_sweep_daily.get_backend()
    if not backend.supports_defer or _already_scheduled(backend):
        return None
    return credential_sweep_daily.using(run_after=next_run_after(now)).enqueue()


def _already_scheduled(backend) -> bool:
    """Whether a daily sweep is waiting in the queue (database and RQ backends)."""
    path = credential_sweep_daily.module_path
    if type(backend).__module__.startswith("django_tasks_db"):
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(
            task_path=path, status=TaskResultStatus.READY, backend_name=backend.alias
        ).exists()
    if type(backend).__module__.startswith("django_tasks_rq"):
        import django_rq
        from rq.job import Job

        queue = django_rq.get_queue(credential_sweep_daily.queue_name)
        ids = queue.scheduled_job_registry.get_job_ids()
        jobs = Job.fetch_many(ids, connection=queue.connection)
        return any(job is not None and job.func_name == path for job in jobs)
    return False
