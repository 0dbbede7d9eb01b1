"""Background work for certificates: rendering a batch of them (a graduating cohort)."""

from django_tasks import task

from certificates.services.documents import certificate_batch_run


@task()
def certificate_batch_render(*, batch_id: int) -> dict:
    """Render the batch's certificates, one by one, updating its progress."""
    batch = certificate_batch_run(batch_id=batch_id)
    return {"batch": batch.pk, "done": batch.done, "failed": batch.failed}
