"""The PDF certificate of one credential: landscape, embedded fonts, a double border, a drawn
seal, the holder's name large, the credential, issuer and dates, the signatory, the credential
id and a QR code of the public verification address printed under it.

`certificate_data` reads what is printed (three queries at most); `CertificateData.canonical`
is exactly that, with `LAYOUT_VERSION`, so its hash changes when, and only when, the printed
certificate would; `certificate_pdf` draws it, byte for byte the same for the same data (the
canvas is built with `invariant=1` and the QR code is drawn as rectangles).

People's text (the names, the title, the issuer, the organisation) reaches `Paragraph` markup
only escaped (`markup`); strings drawn with `drawString` are never parsed as markup."""

import contextlib
import datetime
import hashlib
import io
import math
from dataclasses import asdict, dataclass, field

import qrcode
from django.conf import settings
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from certificates.models import (
    CertificateBranding,
    Credential,
    CredentialDecision,
    DecisionKind,
    Verification,
)
from certificates.pdf.common import (
    INK,
    MUTED,
    day,
    fit,
    markup,
    serif_fonts,
)
from courses.field.pdf import page_size_for

# Bump whenever the drawing changes, so every cached certificate is rendered again.
LAYOUT_VERSION = 1

RELAY_SIGNATORY = "Relay"
QR_MASK = 0


def verify_url(public_id) -> str:
    """The absolute address of a credential's public verification page."""
    return settings.SITE_URL.rstrip("/") + f"/verify/{public_id}/"


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on a certificate, and nothing else."""

    public_id: str
    verify_url: str
    organisation: str
    holder: str
    title: str
    issuer: str
    issued_on: datetime.date
    expires_on: datetime.date | None
    certificate_number: str
    earned: bool
    signatory_label: str
    signatory_name: str
    signatory_role: str
    paper: str  # "letter" or "a4"
    brand: str = "#0b5563"
    brand_dark: str = "#083f49"
    accent: str = "#f6c445"
    logo_sha256: str = ""  # the logo's bytes are printed, so their hash is part of the data
    logo_path: str = field(default="", compare=False)

    def canonical(self) -> dict:
        data = asdict(self)
        data.pop("logo_path")
        data["issued_on"] = self.issued_on.isoformat()
        data["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        return {"layout": LAYOUT_VERSION, **data}

    @property
    def pagesize(self) -> tuple[float, float]:
        return landscape(LETTER if self.paper == "letter" else A4)


def _signatory(credential: Credential) -> tuple[str, str, str]:
    """Who signs: the HR person who verified an external credential (their name and role from
    the VERIFIED decision); for one earned in Relay, whoever signed the holder's release from the
    field training it was earned against; otherwise Relay, on behalf of the organisation."""
    organisation = credential.organisation.name
    if credential.verification == Verification.VERIFIED:
        decision = (
            CredentialDecision.objects.filter(credential=credential, kind=DecisionKind.VERIFIED)
            .order_by("-sequence")
            .only("actor_name", "actor_role")
            .first()
        )
        if decision is not None:
            return "Verified by", decision.actor_name, f"{decision.actor_role}, {organisation}"
    trainings = [
        item["field_training"]
        for item in (credential.earned_against or {}).get("requirements", [])
        if item.get("kind") == "task_book" and item.get("field_training")
    ]
    if trainings:
        from courses.models import Signoff, SignoffKind

        release = (
            Signoff.objects.filter(
                training_id__in=trainings, kind=SignoffKind.RELEASE, trainee=credential.holder_id
            )
            .order_by("-sequence")
            .only("signer_name", "signer_role")
            .first()
        )
        if release is not None:
            return (
                "Released to duty by",
                release.signer_name,
                f"{release.signer_role}, {organisation}",
            )
    return "Issued by", RELAY_SIGNATORY, f"on behalf of {organisation}"


def certificate_data(credential: Credential) -> CertificateData:
    """What the certificate of `credential` prints (holder and organisation are read here if
    not already loaded; then at most two queries for the signatory)."""
    if not Credential.holder.is_cached(credential) or not Credential.organisation.is_cached(
        credential
    ):
        credential = Credential.objects.select_related("holder", "organisation").get(
            pk=credential.pk
        )
    label, name, role = _signatory(credential)
    organisation = credential.organisation
    return CertificateData(
        public_id=str(credential.public_id),
        verify_url=verify_url(credential.public_id),
        organisation=organisation.name,
        holder=credential.holder.display_name,
        title=credential.title,
        issuer=credential.issuer,
        issued_on=credential.issued_on,
        expires_on=credential.expires_on,
        certificate_number=credential.certificate_number,
        earned=credential.verification == Verification.NOT_NEEDED,
        signatory_label=label,
        signatory_name=name,
        signatory_role=role,
        paper="letter" if page_size_for(organisation.time_zone) == LETTER else "a4",
        **_branding(),
    )


def _branding() -> dict:
    """Colours and logo from the Wagtail setting (Relay's colours when unset)."""
    branding = CertificateBranding.load()
    found = {
        "brand": branding.primary_colour,
        "brand_dark": branding.dark_colour,
        "accent": branding.accent_colour,
    }
    logo = branding.logo
    if logo is not None and logo.file:
        try:
            path = logo.file.path
            with open(path, "rb") as handle:
                found["logo_sha256"] = hashlib.sha256(handle.read()).hexdigest()
            found["logo_path"] = path
        except (OSError, NotImplementedError, ValueError):
            pass  # a logo that cannot be read is left off rather than failing the certificate
    return found


# --- Text --------------------------------------------------------------------------------------


def _style(name: str, font: str, size: float, color=INK, leading: float | None = None):
    return ParagraphStyle(
        name,
        fontName=font,
        fontSize=size,
        leading=leading or size * 1.2,
        alignment=TA_CENTER,
        textColor=color,
    )


def certificate_texts(data: CertificateData) -> dict[str, Paragraph]:
    """The paragraphs of the certificate, each built from escaped text (tests read these)."""
    serif = sans = serif_fonts()  # one family: fewer fonts to embed
    if data.expires_on:
        dates = f"Issued {day(data.issued_on)} · Valid through {day(data.expires_on)}"
    else:
        dates = f"Issued {day(data.issued_on)} · Does not expire"
    verb = "has earned" if data.earned else "holds"
    brand, dark = colors.HexColor(data.brand), colors.HexColor(data.brand_dark)
    return {
        "organisation": Paragraph(
            markup(data.organisation.upper()), _style("org", serif.bold, 15, dark)
        ),
        "heading": Paragraph("Certificate", _style("heading", serif.regular, 38, brand)),
        "certifies": Paragraph("This certifies that", _style("certifies", serif.italic, 14, MUTED)),
        "holder": Paragraph(markup(data.holder), _style("holder", serif.bold, 34)),
        "verb": Paragraph(f"{verb} the credential", _style("verb", serif.italic, 13, MUTED)),
        "title": Paragraph(markup(data.title), _style("title", serif.bold, 21, dark)),
        "issuer": Paragraph(
            f"issued by {markup(data.issuer)}", _style("issuer", serif.regular, 12.5)
        ),
        "dates": Paragraph(markup(dates), _style("dates", sans.regular, 10.5)),
        "signatory_label": Paragraph(
            markup(data.signatory_label), _style("slabel", sans.regular, 8, MUTED)
        ),
        "signatory": Paragraph(markup(data.signatory_name), _style("sname", serif.italic, 15)),
        "signatory_role": Paragraph(
            markup(data.signatory_role), _style("srole", sans.regular, 8, MUTED, leading=10)
        ),
    }


def _shrunk(paragraph: Paragraph, width: float, max_height: float) -> Paragraph:
    """The paragraph at the largest font size (down to 40%) whose wrapped height fits."""
    style = paragraph.style
    size = style.fontSize
    while True:
        candidate = Paragraph(
            paragraph.text,
            ParagraphStyle(f"{style.name}-{size}", style, fontSize=size, leading=size * 1.18),
        )
        _, height = candidate.wrap(width, max_height * 4)
        if height <= max_height or size <= style.fontSize * 0.4:
            return candidate
        size = round(size * 0.92, 2)


# --- Drawing ------------------------------------------------------------------------------------


def _centred(canvas: Canvas, paragraph: Paragraph, *, centre_x: float, top: float, width: float):
    """Draws the paragraph centred under `top`; returns the y of its bottom."""
    _, height = paragraph.wrap(width, 1000)
    paragraph.drawOn(canvas, centre_x - width / 2, top - height)
    return top - height


@dataclass(frozen=True)
class Palette:
    brand: colors.Color
    dark: colors.Color
    accent: colors.Color


def palette_of(data: CertificateData) -> Palette:
    return Palette(
        colors.HexColor(data.brand), colors.HexColor(data.brand_dark), colors.HexColor(data.accent)
    )


def _border(canvas: Canvas, width: float, height: float, palette: Palette) -> None:
    canvas.saveState()
    canvas.setStrokeColor(palette.brand)
    canvas.setLineWidth(4)
    canvas.rect(9 * mm, 9 * mm, width - 18 * mm, height - 18 * mm)
    canvas.setStrokeColor(palette.accent)
    canvas.setLineWidth(1.6)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setStrokeColor(palette.brand)
    canvas.setLineWidth(0.5)
    canvas.rect(14 * mm, 14 * mm, width - 28 * mm, height - 28 * mm)
    # A diamond on each corner of the gold line.
    canvas.setFillColor(palette.accent)
    canvas.setStrokeColor(palette.brand)
    canvas.setLineWidth(0.8)
    r = 3.2 * mm
    for x, y in (
        (12 * mm, 12 * mm),
        (width - 12 * mm, 12 * mm),
        (12 * mm, height - 12 * mm),
        (width - 12 * mm, height - 12 * mm),
    ):
        path = canvas.beginPath()
        path.moveTo(x, y + r)
        path.lineTo(x + r, y)
        path.lineTo(x, y - r)
        path.lineTo(x - r, y)
        path.close()
        canvas.drawPath(path, stroke=1, fill=1)
    canvas.restoreState()


def _star(canvas: Canvas, cx: float, cy: float, outer: float, inner: float, points: int):
    path = canvas.beginPath()
    for k in range(points * 2):
        radius = outer if k % 2 == 0 else inner
        angle = math.pi / 2 + k * math.pi / points
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        if k == 0:
            path.moveTo(x, y)
        else:
            path.lineTo(x, y)
    path.close()
    return path


def _seal(canvas: Canvas, cx: float, cy: float, radius: float, data: CertificateData) -> None:
    """A seal: a gold rosette, a ring with the organisation's name around it, a star and the
    year of issue."""
    sans = serif_fonts()
    palette = palette_of(data)
    canvas.saveState()
    canvas.setFillColor(palette.accent)
    canvas.setStrokeColor(palette.dark)
    canvas.setLineWidth(0.6)
    canvas.drawPath(_star(canvas, cx, cy, radius, radius * 0.88, 36), stroke=1, fill=1)
    canvas.setFillColor(palette.brand)
    canvas.circle(cx, cy, radius * 0.8, stroke=0, fill=1)
    canvas.setStrokeColor(palette.accent)
    canvas.setLineWidth(0.8)
    canvas.circle(cx, cy, radius * 0.77, stroke=1, fill=0)
    canvas.circle(cx, cy, radius * 0.52, stroke=1, fill=0)
    # The organisation's name around the top of the ring, "CERTIFIED" around the bottom.
    ring = radius * 0.645
    size = 5.6
    canvas.setFillColor(colors.white)
    _arc_text(
        canvas,
        cx,
        cy,
        ring,
        _words_fitting(data.organisation.upper(), sans.bold, size, ring * 3.4),
        size,
        top=True,
    )
    _arc_text(canvas, cx, cy, ring, "· CERTIFIED ·", size, top=False)
    canvas.setFillColor(palette.accent)
    canvas.drawPath(
        _star(canvas, cx, cy + radius * 0.1, radius * 0.3, radius * 0.13, 5), stroke=0, fill=1
    )
    canvas.setFillColor(colors.white)
    canvas.setFont(sans.bold, 6.5)
    canvas.drawCentredString(cx, cy - radius * 0.36, str(data.issued_on.year))
    canvas.restoreState()


def _words_fitting(text: str, font: str, size: float, width: float) -> str:
    """As many whole words of `text` as fit (the first word shortened if even it does not)."""
    words = text.split()
    while len(words) > 1 and pdfmetrics.stringWidth(" ".join(words), font, size) > width:
        words.pop()
    return fit(" ".join(words), font, size, width)


def _arc_text(canvas, cx, cy, radius, text, size, *, top: bool) -> None:
    """Characters set around a circle: over the top read clockwise, under the bottom
    anticlockwise, both upright to a reader."""
    font = serif_fonts().bold
    widths = [pdfmetrics.stringWidth(ch, font, size) + 0.6 for ch in text]
    total = sum(widths) / radius  # radians
    canvas.setFont(font, size)
    if top:
        angle = math.pi / 2 + total / 2
        step, baseline = -1, radius - size * 0.35
    else:
        angle = -math.pi / 2 - total / 2
        step, baseline = 1, radius + size * 0.35
    for ch, w in zip(text, widths, strict=True):
        middle = angle + step * (w / 2) / radius
        canvas.saveState()
        canvas.translate(cx + baseline * math.cos(middle), cy + baseline * math.sin(middle))
        canvas.rotate(math.degrees(middle) - 90 if top else math.degrees(middle) + 90)
        canvas.drawCentredString(0, 0, ch)
        canvas.restoreState()
        angle += step * w / radius


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code of `text` (error correction M, no quiet zone) as rows of dark modules. The
    mask is fixed rather than searched for: any mask reads, and the search is most of the
    cost of making the code."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=QR_MASK
    )
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _qr(canvas: Canvas, x: float, y: float, size: float, text: str) -> None:
    """The QR code drawn as rectangles (one per horizontal run of dark modules, in module
    units), on a white quiet zone of four modules."""
    matrix = qr_matrix(text)
    count = len(matrix)
    canvas.saveState()
    canvas.translate(x, y + size)
    canvas.scale(size / count, -size / count)  # one unit per module, rows downwards
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(-4, -4, count + 8, count + 8, stroke=0, fill=1)
    canvas.setFillColor(INK)
    for r, row in enumerate(matrix):
        c = 0
        while c < count:
            if row[c]:
                start = c
                while c < count and row[c]:
                    c += 1
                canvas.rect(start, r, c - start, 1, stroke=0, fill=1)
            else:
                c += 1
    canvas.restoreState()


def _url_lines(url: str, font: str, width: float) -> list[tuple[str, float]]:
    """The address in full, never shortened: on one line at the largest size from 7 pt down to
    5 pt that fits, else broken before its path."""
    for size in (7, 6.5, 6, 5.5, 5):
        if pdfmetrics.stringWidth(url, font, size) <= width:
            return [(url, size)]
    head, _, tail = url.partition("/verify/")
    return [(head, 5), ("/verify/" + tail, 5)]


def _logo(canvas: Canvas, path: str, *, x: float, top: float) -> None:
    """The branding logo in a 30 x 18 mm box at the top left, its proportions kept."""
    with contextlib.suppress(OSError):  # an unreadable logo is left off
        canvas.drawImage(
            ImageReader(path),
            x,
            top - 18 * mm,
            width=30 * mm,
            height=18 * mm,
            preserveAspectRatio=True,
            anchor="nw",
            mask="auto",
        )


def certificate_pdf(data: CertificateData) -> bytes:
    """The certificate on one landscape page: the same bytes for the same data."""
    buffer = io.BytesIO()
    width, height = data.pagesize
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setTitle(f"{data.title}: {data.holder}")
    canvas.setAuthor(data.organisation)
    canvas.setSubject(f"Credential {data.public_id}")
    canvas.setCreator("Relay")
    texts = certificate_texts(data)
    sans = serif_fonts()
    palette = palette_of(data)
    _border(canvas, width, height, palette)
    if data.logo_path:
        _logo(canvas, data.logo_path, x=20 * mm, top=height - 20 * mm)

    cx = width / 2
    column = width - 2 * 45 * mm
    top = _centred(
        canvas,
        _shrunk(texts["organisation"], column, 40),
        centre_x=cx,
        top=height - 26 * mm,
        width=column,
    )
    # The rest is centred between the organisation and the bottom band.
    block = [
        (texts["heading"], 0, None),
        (texts["certifies"], 9 * mm, None),  # room for the gold rule above it
        (texts["holder"], 3 * mm, 84),
        (texts["verb"], 3 * mm, None),
        (texts["title"], 2 * mm, 54),
        (texts["issuer"], 1.5 * mm, 32),
        (texts["dates"], 3 * mm, None),
    ]
    block = [
        (_shrunk(paragraph, column, limit) if limit else paragraph, gap)
        for paragraph, gap, limit in block
    ]
    total = sum(gap + paragraph.wrap(column, 1000)[1] for paragraph, gap in block)
    free = top - 72 * mm - total
    top -= max(free / 2, 2 * mm)
    for n, (paragraph, gap) in enumerate(block):
        top = _centred(canvas, paragraph, centre_x=cx, top=top - gap, width=column)
        if n == 0:  # a gold rule under the heading
            canvas.setStrokeColor(palette.accent)
            canvas.setLineWidth(1.5)
            canvas.line(cx - 30 * mm, top - 2.5 * mm, cx + 30 * mm, top - 2.5 * mm)

    # The bottom band: signatory on the left, the seal in the middle, the QR code on the right.
    band = 24 * mm
    left_centre, block = 30 * mm + 38 * mm, 76 * mm
    line_y = band + 17 * mm
    _centred(
        canvas,
        _shrunk(texts["signatory"], block, 22),
        centre_x=left_centre,
        top=line_y + 9 * mm,
        width=block,
    )
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    canvas.line(left_centre - block / 2, line_y, left_centre + block / 2, line_y)
    bottom = _centred(
        canvas, texts["signatory_label"], centre_x=left_centre, top=line_y - 1.5 * mm, width=block
    )
    _centred(
        canvas,
        _shrunk(texts["signatory_role"], block, 21),
        centre_x=left_centre,
        top=bottom,
        width=block,
    )

    _seal(canvas, cx, band + 17 * mm, 19 * mm, data)

    qr_size = 27 * mm
    right_centre = width - 30 * mm - 38 * mm
    qr_y = band + 9 * mm
    _qr(canvas, right_centre - qr_size / 2, qr_y, qr_size, data.verify_url)
    canvas.setFillColor(INK)
    y = qr_y - 4 * mm
    for line, size in _url_lines(data.verify_url, sans.regular, block):
        canvas.setFont(sans.regular, size)
        canvas.drawCentredString(right_centre, y, line)
        y -= size + 1.5
    canvas.setFont(sans.regular, 6.5)
    canvas.setFillColor(MUTED)
    canvas.drawCentredString(right_centre, y - 1.5, f"Credential ID {data.public_id}")
    if data.certificate_number:
        canvas.drawCentredString(
            right_centre,
            y - 10,
            fit(f"Certificate number {data.certificate_number}", sans.regular, 6.5, block),
        )
    canvas.setFont(sans.regular, 7)
    canvas.drawCentredString(right_centre, qr_y + qr_size + 3 * mm, "Scan to verify")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
