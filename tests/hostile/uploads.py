"""The hostile upload corpus, built in code at test time (each file small: the bombs are
compressed). Every entry says what it is, the name and content type its uploader claims, and
what Relay's evidence check must do with it: refuse it with a message containing `refusal`, or
accept it (`refusal=None`) because it is genuinely harmless once stored under a generated name
and served as a download with its sniffed type and `nosniff`.
"""

import functools
import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

from PIL import Image

NOT_EVIDENCE = "is not a PDF, PNG or JPEG"
PDF_ACTIVE = "contains scripts, automatic actions or attached files"
DAMAGED_IMAGE = "damaged or not an image"
TRAILING = "other data after its end"
TOO_LARGE_DIMENSIONS = "dimensions are too large"
PDF_BOMB = "compressed content is far larger"
EMPTY = "empty"


@dataclass(frozen=True)
class Sample:
    key: str
    filename: str
    content_type: str
    data: bytes
    refusal: str | None  # a fragment of the evidence check's message; None: accepted


# --- Builders -----------------------------------------------------------------------------------


def pdf(*objects: bytes, tail: bytes = b"") -> bytes:
    """A small PDF of the given objects (1 is the catalog), with a trailer and %%EOF."""
    body = b"%PDF-1.7\n" + b"\n".join(objects) + b"\n" + tail
    return body + b"trailer<</Root 1 0 R>>\nstartxref\n0\n%%EOF\n"


def plain_pdf() -> bytes:
    return pdf(
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj",
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj",
    )


def stream(obj: int, content: bytes, *, flate: bool) -> bytes:
    data = zlib.compress(content) if flate else content
    kind = b"/Filter/FlateDecode" if flate else b""
    return (
        f"{obj} 0 obj<</Length {len(data)}".encode()
        + kind
        + b">>stream\n"
        + data
        + b"\nendstream endobj"
    )


def png(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width` x `height` (a decompression bomb's header)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg(*, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), "white").save(buffer, format="JPEG", comment=comment)
    return buffer.getvalue()


def jpeg_with_exif_payload() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "<?php system($_GET['c']); ?>"  # ImageDescription
    buffer = io.BytesIO()
    Image.new("RGB", (32, 16), "white").save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(*, layers: int = 2, width: int = 8, inflated: int = 4 * 1024 * 1024) -> bytes:
    """Nested zips: `width` copies per layer of a zip of `inflated` zero bytes, so the whole
    inflates to width**layers x inflated (256 MB with the defaults) from a few kilobytes."""
    archive = zip_of({"zeros.txt": bytes(inflated)})
    for layer in range(layers):
        archive = zip_of({f"layer{layer}-{i}.zip": archive for i in range(width)})
    return archive


def office_bomb(kind: str) -> bytes:
    """A .docx or .xlsx whose main part inflates to 16 MB."""
    part = "word/document.xml" if kind == "docx" else "xl/worksheets/sheet1.xml"
    return zip_of(
        {
            "[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
            part: b"<x>" + b" " * (16 * 1024 * 1024) + b"</x>",
        }
    )


def pdf_inflating(size: int) -> bytes:
    """A PDF with one Flate stream that inflates to `size` bytes of zeros."""
    compressor = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    data = b"".join(compressor.compress(chunk) for _ in range(size // len(chunk)))
    data += compressor.flush()
    obj = (
        f"3 0 obj<</Length {len(data)}/Filter/FlateDecode>>stream\n".encode()
        + data
        + b"\nendstream endobj"
    )
    return pdf(
        b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj",
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj",
        obj,
    )


SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'onload="alert(document.domain)">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


# --- The corpus ---------------------------------------------------------------------------------


@functools.cache
def corpus() -> tuple[Sample, ...]:
    """Every hostile sample, and three harmless ones that must still be accepted."""
    catalog = b"1 0 obj<</Type/Catalog/Pages 2 0 R"
    pages = b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj"
    js = b"<</S/JavaScript/JS(app.alert(1))>>"
    a_pdf = plain_pdf()
    a_png = png()
    return [
        Sample("svg-script", "badge.svg", "image/svg+xml", SVG_SCRIPT, NOT_EVIDENCE),
        Sample("svg-as-png", "certificate.png", "image/png", SVG_SCRIPT, NOT_EVIDENCE),
        Sample("svg-as-pdf", "certificate.pdf", "application/pdf", SVG_SCRIPT, NOT_EVIDENCE),
        Sample("html-as-pdf", "certificate.pdf", "application/pdf", HTML, NOT_EVIDENCE),
        Sample(
            "gif-js-polyglot",
            "certificate.gif",
            "image/gif",
            b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=alert(document.domain);//;",
            NOT_EVIDENCE,
        ),
        Sample(
            "gif-js-as-jpg",
            "certificate.jpg",
            "image/jpeg",
            b"GIF89a/*\x01\x00\x01\x00\x00\xff\x00,*/=alert(1);//;",
            NOT_EVIDENCE,
        ),
        Sample(
            "pdf-openaction-js",
            "certificate.pdf",
            "application/pdf",
            pdf(catalog + b"/OpenAction " + js + b">>endobj", pages),
            PDF_ACTIVE,
        ),
        Sample(
            "pdf-js-hex-escaped-name",
            "certificate.pdf",
            "application/pdf",
            pdf(catalog + b"/Names<</J#61vaScript 3 0 R>>>>endobj", pages),
            PDF_ACTIVE,
        ),
        Sample(
            "pdf-js-in-object-stream",
            "certificate.pdf",
            "application/pdf",
            pdf(
                b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj",
                pages,
                stream(3, b"4 0 <</Type/Annot/AA<</O " + js + b">>>>", flate=True),
            ),
            PDF_ACTIVE,
        ),
        Sample(
            "pdf-launch",
            "certificate.pdf",
            "application/pdf",
            pdf(catalog + b"/OpenAction<</S/Launch/F(cmd.exe)>>>>endobj", pages),
            PDF_ACTIVE,
        ),
        Sample(
            "pdf-embedded-file",
            "certificate.pdf",
            "application/pdf",
            pdf(
                catalog + b"/Names<</EmbeddedFiles 3 0 R>>>>endobj",
                pages,
                stream(3, b"MZ\x90\x00 an executable", flate=False),
            ),
            PDF_ACTIVE,
        ),
        Sample(
            "pdf-compression-bomb",
            "certificate.pdf",
            "application/pdf",
            pdf_inflating(80 * 1024 * 1024),
            PDF_BOMB,
        ),
        Sample(
            "pdf-then-html",
            "certificate.pdf",
            "application/pdf",
            a_pdf + HTML,
            TRAILING,
        ),
        Sample(
            "png-zip-polyglot",
            "certificate.png",
            "image/png",
            a_png + zip_of({"shell.php": b"<?php system($_GET['c']); ?>"}),
            TRAILING,
        ),
        Sample(
            "jpeg-html-appended",
            "certificate.jpg",
            "image/jpeg",
            jpeg() + HTML,
            TRAILING,
        ),
        Sample("zero-bytes", "certificate.pdf", "application/pdf", b"", EMPTY),
        Sample("one-byte", "certificate.pdf", "application/pdf", b"%", NOT_EVIDENCE),
        Sample("truncated-png", "certificate.png", "image/png", a_png[:40], DAMAGED_IMAGE),
        Sample("truncated-pdf", "certificate.pdf", "application/pdf", a_pdf[:60], "damaged"),
        Sample(
            "png-100000x100000",
            "certificate.png",
            "image/png",
            png_declaring(100_000, 100_000),
            TOO_LARGE_DIMENSIONS,
        ),
        Sample(
            "png-8000x8000",
            "certificate.png",
            "image/png",
            png_declaring(8_000, 8_000),
            TOO_LARGE_DIMENSIONS,
        ),
        Sample("zip-bomb", "certificate.zip", "application/zip", zip_bomb(), NOT_EVIDENCE),
        Sample("zip-bomb-as-pdf", "certificate.pdf", "application/pdf", zip_bomb(), NOT_EVIDENCE),
        Sample(
            "docx-bomb",
            "certificate.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            office_bomb("docx"),
            NOT_EVIDENCE,
        ),
        Sample(
            "xlsx-bomb",
            "certificate.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            office_bomb("xlsx"),
            NOT_EVIDENCE,
        ),
        Sample(
            "double-extension-html",
            "certificate.pdf.html",
            "text/html",
            HTML,
            NOT_EVIDENCE,
        ),
        Sample(
            "null-byte-name-html",
            "certificate.pdf\x00.html",
            "application/pdf",
            HTML,
            NOT_EVIDENCE,
        ),
        # Harmless once stored: accepted, with a clean name and the type read from the content.
        Sample(
            "null-byte-name-pdf",
            "certificate.php\x00.pdf",
            "application/pdf",
            a_pdf,
            None,
        ),
        Sample("long-name-pdf", "a" * 5000 + ".pdf", "application/pdf", a_pdf, None),
        Sample("png-sent-as-php", "certificate.png", "application/x-php", a_png, None),
        Sample(
            "jpeg-php-in-comment",
            "certificate.jpg",
            "image/jpeg",
            jpeg(comment=b"<?php system($_GET['c']); ?>"),
            None,
        ),
        Sample("jpeg-php-in-exif", "certificate.jpg", "image/jpeg", jpeg_with_exif_payload(), None),
    ]


def harmless(sample: Sample) -> bool:
    return sample.refusal is None
