"""What Relay hands out about a credential: the PDF certificate (rendered deterministically and
cached until its data changes), bulk generation batches, and the keys that sign Open Badges
3.0 credentials."""

from django.conf import settings
from django.db import models

from lms.storage import PrivateStorage

from .held import Credential


def certificate_path(instance, filename: str) -> str:
    return f"certificates/{instance.credential.public_id}/{instance.data_sha256[:16]}.pdf"


class CertificateDocument(models.Model):
    """The rendered PDF certificate of one credential. `data_sha256` covers everything printed
    on it; a change of data renders a new one. `pdf_sha256` is the file's hash (rendering is
    deterministic, so the same data always gives the same file)."""

    credential = models.OneToOneField(
        Credential, on_delete=models.PROTECT, related_name="certificate"
    )
    data_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)
    pdf = models.FileField(upload_to=certificate_path, storage=PrivateStorage(), max_length=200)
    rendered_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Certificate of {self.credential_id} ({self.pdf_sha256[:12]})"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class CertificateBatch(models.Model):
    """Certificates of a whole cohort rendered on the task queue, with visible progress."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    credential_type = models.ForeignKey(
        "certificates.CredentialType", on_delete=models.PROTECT, related_name="+"
    )
    credential_ids = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=20, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Batch {self.pk}: {self.done}/{self.total} ({self.status})"


class SigningKey(models.Model):
    """A key Relay signs Open Badges credentials with. Every key ever used stays published in
    the JWK set (so old credentials still verify) until it is retired and its credentials have
    expired; new credentials use the newest active key. Rotation adds a key."""

    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=16, default="EdDSA")
    public_jwk = models.JSONField()
    private_pem = models.TextField(help_text="PKCS#8 PEM; readable only by the application.")
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.algorithm} key {self.kid}"
