"""Checking uploaded evidence by its content, not its name: a PDF, PNG or JPEG of a sane size,
whatever the file is called. Accepted files are stored under a generated name in private
storage (`lms.storage.PrivateStorage`) and served as downloads (`private_file_response`).

Refused, each with its own message: empty files; anything that is not a PDF, PNG or JPEG by its
first bytes (SVG, HTML, GIF, ZIP and office files whatever they are called); PDFs that carry
script or automatic actions (/JavaScript, /JS, /OpenAction, /AA, /Launch, embedded files, forms
that submit, in plain or compressed objects, and PDFs whose streams inflate past a bound, a
compression bomb); damaged images, images declaring huge dimensions (a decompression bomb), and
PNG or JPEG files with data after the image's end (a polyglot: a ZIP or script appended).

Also here: `RequestBodyCapUploadHandler`, first of `FILE_UPLOAD_HANDLERS`, which refuses a
multipart body over `RELAY_MAX_UPLOAD_BODY_SIZE` from its Content-Length before any of it is
read (Django caps the other fields with `DATA_UPLOAD_MAX_MEMORY_SIZE`, but not files).
"""

import hashlib
import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler
from PIL import Image, UnidentifiedImageError

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 6,000 x 6,000 scan is plenty; more is a decompression bomb
MAX_NAME_CHARS = 200  # the stored display name (`evidence_name` is a CharField(200))
# What a PDF's compressed streams may inflate to in all, while they are searched for scripts.
MAX_PDF_INFLATED_BYTES = 64 * 1024 * 1024
# PDF names that run something or fetch, send or carry other content; a certificate needs none.
PDF_ACTIVE_NAMES = frozenset(
    {
        b"JavaScript",
        b"JS",
        b"OpenAction",
        b"AA",
        b"Launch",
        b"EmbeddedFile",
        b"EmbeddedFiles",
        b"RichMedia",
        b"XFA",
        b"SubmitForm",
        b"ImportData",
        b"GoToR",
        b"GoToE",
    }
)

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
        _check_pdf(data)
    else:
        _check_image(data, content_type)
    name = display_name(getattr(upload, "name", "") or "")
    return Evidence(
        file=ContentFile(data),
        name=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


_CONTROL = dict.fromkeys([*range(32), 0x7F])


def display_name(name: str) -> str:
    """The uploader's file name, made fit to show and to send back in a Content-Disposition
    header: no folders, no control characters (NUL, CR, LF), at most `MAX_NAME_CHARS` with the
    extension kept. It is only ever a label; the stored name is generated."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].translate(_CONTROL).strip().strip(".")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            name = stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip() + "." + extension
        else:
            name = name[:MAX_NAME_CHARS]
    return name or "evidence"


_TRAILING = (
    "This file has other data after its end (it may be two files in one): save or scan it "
    "again as a plain PDF, PNG or JPEG."
)

# --- PDF -----------------------------------------------------------------------------------------

_PDF_NAME = re.compile(rb"/([^\x00\t\n\x0c\r ()<>\[\]{}/%]+)")
_PDF_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")


def _pdf_names(chunk: bytes) -> set[bytes]:
    """The names used in a piece of PDF, with `#xx` escapes decoded (`/J#61vaScript`)."""
    return {
        _PDF_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
        for match in _PDF_NAME.finditer(chunk)
    }


def _pdf_streams(data: bytes):
    """Each stream's bytes, inflated when it is Flate-compressed (object streams hide a
    document's catalog and actions there), within `MAX_PDF_INFLATED_BYTES` in all."""
    budget = MAX_PDF_INFLATED_BYTES
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end == -1:
            return
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[start:end], budget + 1)
        except zlib.error:
            continue  # not Flate (an image, or another filter): nothing to read
        if len(inflated) > budget or inflater.unconsumed_tail:
            raise ValidationError(
                "This PDF's compressed content is far larger than a certificate's: save or "
                "scan it again as an ordinary PDF."
            )
        budget -= len(inflated)
        yield inflated


def _check_pdf(data: bytes) -> None:
    end = data.rfind(b"%%EOF")
    if end == -1 or end < len(data) - 2048:
        raise ValidationError("This PDF is incomplete or damaged.")
    if data[end + 5 :].strip(b"\x00\t\n\x0c\r "):
        raise ValidationError(_TRAILING)
    names = _pdf_names(data)
    for inflated in _pdf_streams(data):
        names |= _pdf_names(inflated)
    active = sorted(name.decode("latin-1") for name in names & PDF_ACTIVE_NAMES)
    if active:
        raise ValidationError(
            "This PDF contains scripts, automatic actions or attached files ("
            + ", ".join(active)
            + "), which Relay does not accept. Print it to a new PDF or scan the paper "
            "certificate, and upload that."
        )


# --- Images --------------------------------------------------------------------------------------


def _png_end(data: bytes) -> int | None:
    """Where a PNG's IEND chunk ends, walking the chunks; None if the chunks run out first."""
    position = 8
    while position + 8 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        position += 12 + length
        if kind == b"IEND":
            return position
    return None


def _check_image(data: bytes, content_type: str) -> None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                expected = {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
                if image.format != expected:
                    raise ValidationError("The image's content does not match its type.")
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_large()
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_large() from error
    except (UnidentifiedImageError, OSError, SyntaxError, struct.error) as error:
        raise ValidationError("This image is damaged or not an image.") from error
    if content_type == "image/png":
        end = _png_end(data)
        if end is None:
            raise ValidationError("This image is damaged or not an image.")
        if data[end:].strip(b"\x00"):
            raise ValidationError(_TRAILING)
    elif not data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
        raise ValidationError(_TRAILING)


def _too_large() -> ValidationError:
    return ValidationError(
        f"The image's dimensions are too large (at most {MAX_IMAGE_PIXELS // 1_000_000} million "
        "pixels): scan or save it at a lower resolution."
    )


# --- The request body ----------------------------------------------------------------------------


class RequestBodyCapUploadHandler(FileUploadHandler):
    """Refuses a multipart body larger than `RELAY_MAX_UPLOAD_BODY_SIZE` before reading it:
    `RequestDataTooBig` is a SuspiciousOperation, which `lms.views.bad_request` answers 413."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.RELAY_MAX_UPLOAD_BODY_SIZE:
            raise RequestDataTooBig(
                f"The upload is larger than {settings.RELAY_MAX_UPLOAD_BODY_SIZE} bytes."
            )

    def receive_data_chunk(self, raw_data, start):
        return raw_data  # the next handler stores it

    def file_complete(self, file_size):
        return None
