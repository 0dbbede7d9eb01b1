"""PDF certificates: rendered on demand and kept until what they print changes, and rendered in
bulk for a whole cohort on the task queue, with progress.

`data_sha256` is the SHA-256 of the canonical serialisation (the decision chain's) of exactly
what the certificate prints, with the layout version; a stored certificate with the same hash is
reused, anything else renders a new one. `pdf_sha256` is the file's own hash."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from certificates import permissions
from certificates.models import (
    BatchStatus,
    CertificateBatch,
    CertificateDocument,
    Credential,
    CredentialState,
    CredentialType,
    Verification,
)
from certificates.pdf.certificate import CertificateData, certificate_data, certificate_pdf
from courses.services.signoff import canonical, sha256
from lms.accounts.models import Organisation

logger = logging.getLogger(__name__)


def certificate_available(credential: Credential) -> bool:
    """A certificate exists for a credential that was issued (earned in Relay or verified by HR)
    and not revoked. A suspended or lapsed one still has its certificate: its QR code leads to
    the verification page, which says what it is now."""
    return (
        credential.verification in (Verification.NOT_NEEDED, Verification.VERIFIED)
        and credential.state != CredentialState.REVOKED
    )


def data_hash(data: CertificateData) -> str:
    return sha256(canonical(data.canonical()))


def certificate_document(
    *, credential: Credential, now: datetime.datetime | None = None
) -> CertificateDocument:
    """The credential's certificate: the stored one while its data is unchanged, else a new
    rendering (stored, with its hashes, replacing the old file). Concurrent callers wait on the
    credential's row lock, so one renders and the others reuse."""
    if not certificate_available(credential):
        raise ValidationError("This credential has no certificate.")
    data = certificate_data(credential)
    digest = data_hash(data)
    stored = CertificateDocument.objects.filter(credential=credential).first()
    if stored is not None and stored.data_sha256 == digest:
        return stored
    with transaction.atomic():
        Credential.objects.select_for_update().filter(pk=credential.pk).values("pk").first()
        stored = CertificateDocument.objects.filter(credential=credential).first()
        if stored is not None and stored.data_sha256 == digest:
            return stored
        pdf = certificate_pdf(data)
        document = stored or CertificateDocument(credential=credential)
        old_name = stored.pdf.name if stored else ""
        document.data_sha256 = digest
        document.pdf_sha256 = sha256(pdf)
        document.rendered_at = now or timezone.now()
        document.pdf.save(f"{digest[:16]}.pdf", ContentFile(pdf), save=False)
        document.save()
        if old_name and old_name != document.pdf.name:
            storage = document.pdf.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    return document


# --- Bulk ---------------------------------------------------------------------------------------


def batch_credentials(*, credential_type: CredentialType, organisation: Organisation, on):
    """The credentials of a type in an organisation that are valid on `on` (in force, not
    renewed, not awaiting verification), in a stable order."""
    from certificates.services.earning import credential_status

    candidates = (
        Credential.objects.filter(
            credential_type=credential_type,
            organisation=organisation,
            verification__in=[Verification.NOT_NEEDED, Verification.VERIFIED],
            state=CredentialState.ACTIVE,
            renewed_on__isnull=True,
        )
        .only(
            "pk",
            "issued_on",
            "expires_on",
            "window_days",
            "grace_days",
            "state",
            "verification",
            "renewed_on",
        )
        .order_by("pk")
    )
    return [c.pk for c in candidates if credential_status(c, on).valid]


def certificate_batch_create(
    *,
    actor,
    credential_type: CredentialType,
    organisation: Organisation,
    now: datetime.datetime | None = None,
) -> CertificateBatch:
    """Queue the certificates of everyone in `organisation` who holds a currently valid
    `credential_type`; the task renders them one by one (see `certificate_batch_run`)."""
    permissions.ensure_can_generate_certificates(user=actor, organisation=organisation)
    now = now or timezone.now()
    ids = batch_credentials(
        credential_type=credential_type, organisation=organisation, on=organisation.today(now)
    )
    with transaction.atomic():
        batch = CertificateBatch.objects.create(
            requested_by=actor,
            organisation=organisation,
            credential_type=credential_type,
            credential_ids=ids,
            total=len(ids),
            status=BatchStatus.QUEUED if ids else BatchStatus.DONE,
            created_at=now,
            finished_at=None if ids else now,
        )
        if ids:
            from certificates.document_tasks import certificate_batch_render

            transaction.on_commit(lambda: certificate_batch_render.enqueue(batch_id=batch.pk))
    return batch


def certificate_batch_run(
    *, batch_id: int, now: datetime.datetime | None = None
) -> CertificateBatch:
    """Render a batch's certificates one by one, counting each as done or failed as it goes
    (so a progress page sees it move). A finished batch is left as it is.

    Safe to run again after a worker died part-way, and even beside another run of the same
    batch (a task re-queued while its first worker was still alive): each certificate is
    rendered and counted in one transaction, and the count moves only from the position this
    run read (`done + failed`), so an item another run counted meanwhile is not counted
    twice; this run then carries on from wherever the batch has got to."""
    batch = CertificateBatch.objects.get(pk=batch_id)
    if batch.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return batch
    CertificateBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    ids = batch.credential_ids
    while True:
        position = _batch_position(batch.pk)
        if position >= len(ids):
            break
        _batch_render_one(
            batch_pk=batch.pk, position=position, credential_pk=ids[position], now=now
        )
    batch.refresh_from_db()
    if batch.status == BatchStatus.RUNNING:
        batch.status = BatchStatus.FAILED if batch.failed and not batch.done else BatchStatus.DONE
        batch.finished_at = now or timezone.now()
        batch.save(update_fields=["status", "finished_at"])
    return batch


def _batch_position(batch_pk: int) -> int:
    done, failed = CertificateBatch.objects.values_list("done", "failed").get(pk=batch_pk)
    return done + failed


def _batch_render_one(*, batch_pk: int, position: int, credential_pk: int, now) -> None:
    """Render the certificate at `position` and count it, in one transaction; counted only if
    the batch is still at `position`."""
    with transaction.atomic():
        outcome = "done"
        try:
            with transaction.atomic():
                credential = (
                    Credential.objects.select_related("holder", "organisation")
                    .filter(pk=credential_pk)
                    .first()
                )
                if credential is None:
                    raise ValidationError("The credential no longer exists.")
                certificate_document(credential=credential, now=now)
        except Exception:
            # One bad certificate must not stop the cohort: count it, log it, go on.
            logger.exception(
                "Certificate of credential %s failed in batch %s", credential_pk, batch_pk
            )
            outcome = "failed"
        counted = (
            CertificateBatch.objects.filter(pk=batch_pk)
            .alias(position=F("done") + F("failed"))
            .filter(position=position)
            .update(**{outcome: F(outcome) + 1})
        )
        if not counted:
            logger.warning(
                "Batch %s: position %s was counted by another run; carrying on", batch_pk, position
            )
