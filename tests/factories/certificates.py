import datetime
import io
import uuid

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from certificates.models import (
    CredentialKind,
    CredentialType,
    JobRole,
    Pathway,
    PathwayKind,
    RequirementLevel,
    RoleCredential,
)
from certificates.services import external
from lms.uploads import evidence_from_upload


class JobRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Community responder {n}")
    onet_soc_code = "21-1094.00"
    soc_verified = True


def require(role: JobRole, *credential_types, level: str = RequirementLevel.REQUIRED) -> None:
    """`role` requires (or prefers) each of `credential_types`."""
    RoleCredential.objects.bulk_create(
        RoleCredential(role=role, credential_type=credential_type, level=level)
        for credential_type in credential_types
    )


# --- Credentials: types are reference data; held credentials come from the services. ----------


class CredentialTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CredentialType
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"CPR/BLS provider {n}")
    slug = factory.Sequence(lambda n: f"cpr-bls-{n}")
    issuer = "American Heart Association"
    kind = CredentialKind.EXTERNAL
    validity_months = 24
    window_days = 90
    grace_days = 30


def pdf_bytes(text: str = "certificate") -> bytes:
    """A small, well-formed PDF."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(data: bytes | None = None, name: str = "certificate.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if data is None else data)


def record_external(
    *,
    holder,
    credential_type=None,
    issued_on: datetime.date | None = None,
    expires_on: datetime.date | None = None,
    actor=None,
):
    """A staff member records an external credential with a PDF (it awaits verification)."""
    credential_type = credential_type or CredentialTypeFactory()
    issued_on = issued_on or datetime.date(2026, 1, 15)
    if expires_on is None and credential_type.validity_months:
        expires_on = issued_on.replace(year=issued_on.year + 2)
    return external.external_record(
        actor=actor or holder,
        holder=holder,
        credential_type=credential_type,
        issued_on=issued_on,
        expires_on=expires_on,
        certificate_number="AHA-123456",
        evidence=evidence_from_upload(upload()),
        request_key=uuid.uuid4(),
    )


def verify(*, credential, actor, verified: bool = True, reason: str = ""):
    return external.external_verify(
        actor=actor,
        credential=credential,
        verified=verified,
        reason=reason,
        request_key=uuid.uuid4(),
    )


def pathway(from_role: JobRole, to_role: JobRole, kind: str = PathwayKind.PROGRESSIVE, notes=""):
    """An edge of the career map (HR's admin form checks the map; tests set it directly)."""
    return Pathway.objects.create(from_role=from_role, to_role=to_role, kind=kind, notes=notes)
