"""Checking uploaded evidence by its content, not its name: a PDF, PNG or JPEG of a sane size,
whatever the file is called. Accepted files are stored under a generated name in private
storage (`lms.storage.PrivateStorage`)."""

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, UnidentifiedImageError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 6,000 x 6,000 scan is plenty; more is a decompression bomb

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


@dataclass(frozen=True)
class Evidence:
    """An accepted upload: its content as a Django file, and what we know about it."""

    file: ContentFile
    name: str
    content_type: str
    size: int
    sha256: str


def _kind(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def evidence_from_upload(upload, *, max_bytes: int = MAX_EVIDENCE_BYTES) -> Evidence:
    """Read and check an uploaded file; ValidationError with a clear message if it is empty,
    too large, not a PDF/PNG/JPEG by content, or a broken or oversized image."""
    if upload is None:
        raise ValidationError("Attach the certificate as a PDF, PNG or JPEG.")
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    data = upload.read(max_bytes + 1)
    if not data:
        raise ValidationError("The file is empty.")
    if len(data) > max_bytes:
        raise ValidationError(f"The file is larger than {max_bytes // (1024 * 1024)} MB.")
    content_type = _kind(data[:16])
    if content_type is None:
        raise ValidationError(
            "This file is not a PDF, PNG or JPEG (whatever its name says). Scan or save the "
            "certificate in one of those formats."
        )
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise ValidationError("This PDF is incomplete or damaged.")
    else:
        _check_image(data, content_type)
    name = (getattr(upload, "name", "") or "evidence").rsplit("/", 1)[-1][:200]
    return Evidence(
        file=ContentFile(data),
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _check_image(data: bytes, content_type: str) -> None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            expected = {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
            if image.format != expected:
                raise ValidationError("The image's content does not match its type.")
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError("The image's dimensions are too large.")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError("This image is damaged or not an image.") from error
