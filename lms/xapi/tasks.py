"""Background forwarding of xAPI statements to the LRS.

A run is queued when a transaction that recorded statements commits (`forwarding_queue`), unless
a run is already waiting to start. After every run, if statements are still pending (the store
was down), the next run is queued for when the earliest is due (`forwarding_schedule_retry`), so
the queue drains itself after downtime. `manage.py xapi_forward` is the same sweep for cron
(worth running every few minutes in production as a safety net).
"""

import datetime

from django.utils import timezone
from django_tasks import task

from .forwarding import next_due, statements_forward
from .selectors import lrs_configured


@task()
def statements_forward_task() -> dict:
    """Send what is due, then make sure the next run is queued if anything is left."""
    try:
        return statements_forward().as_dict()
    finally:
        forwarding_schedule_retry()


def forwarding_queue():
    """Queue a run now (called on commit), unless one is waiting to start. Returns the queued
    result, or None."""
    if not lrs_configured():
        return None
    backend = statements_forward_task.get_backend()
    if _waiting(backend, starts_by=timezone.now()):
        return None
    return statements_forward_task.enqueue()


def forwarding_schedule_retry(*, now: datetime.datetime | None = None):
    """Queue the run for the earliest pending statement, unless a run waits that starts by then.
    None when nothing is pending, a run waits, or the backend cannot defer (the immediate
    backend of the tests: there the sweep is called directly)."""
    if not lrs_configured():
        return None
    now = now or timezone.now()
    due = next_due()
    if due is None:
        return None
    backend = statements_forward_task.get_backend()
    if not backend.supports_defer or _waiting(backend, starts_by=max(due, now)):
        return None
    if due <= now:
        return statements_forward_task.enqueue()
    return statements_forward_task.using(run_after=due).enqueue()


def _waiting(backend, *, starts_by: datetime.datetime) -> bool:
    """Whether a run is queued that has not started and starts no later than `starts_by`."""
    path = statements_forward_task.module_path
    if type(backend).__module__.startswith("django_tasks_db"):
        from django.db.models import Q
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult, get_date_max

        return DBTaskResult.objects.filter(
            Q(run_after=get_date_max()) | Q(run_after__lte=starts_by),
            task_path=path,
            status=TaskResultStatus.READY,
            backend_name=backend.alias,
        ).exists()
    if type(backend).__module__.startswith("django_tasks_rq"):
        import django_rq
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        queue = django_rq.get_queue(statements_forward_task.queue_name)
        jobs = Job.fetch_many(queue.get_job_ids(), connection=queue.connection)
        if any(job is not None and job.func_name == path for job in jobs):
            return True
        registry = queue.scheduled_job_registry
        scheduled = Job.fetch_many(registry.get_job_ids(), connection=queue.connection)
        for job in scheduled:
            if job is None or job.func_name != path:
                continue
            try:
                if registry.get_scheduled_time(job) <= starts_by:
                    return True
            except NoSuchJobError:  # started meanwhile
                continue
        return False
    return False
