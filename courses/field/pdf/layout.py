"""The page and text machinery of the field training PDFs (reportlab): fonts, paper size,
paragraph styles, escaping of people's text, the record tables and the signature block.

Everything people typed (names, narratives, notes, reasons, comments) goes through `markup`,
`para` or `paras` before it reaches `Paragraph` markup, so it prints as the literal text it is;
`_fixed` takes only markup built here from escaped parts.
"""

import datetime
import functools
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape  # writes markup, parses none  # nosec B406

import reportlab
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Table, TableStyle

from courses.models import Signoff

MARGIN = 16 * mm
FOOTER_HEIGHT = 14 * mm
SHORT_HASH = 12
CHUNK = 1200  # characters of user text per table row, well under a page (see `paras`)
VERIFY_NOTE = (
    f"Each signature shows its number (#) and the first {SHORT_HASH} characters of its record "
    "hash; check them against the signed records with “manage.py verify_signoffs”."
)
# Countries that print on US Letter (by the ISO code zone.tab gives a time zone).
LETTER_COUNTRIES = frozenset({"US", "PR", "CA", "MX", "PH", "CL", "CO", "VE", "GT", "CR"})


# --- Fonts and page -----------------------------------------------------------------------------

_FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path(reportlab.__file__).parent / "fonts",
)
_FONT_FILES = (
    (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSans-Oblique.ttf",
        "DejaVuSans-BoldOblique.ttf",
    ),
    ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf"),  # shipped with reportlab
)


@dataclass(frozen=True)
class Fonts:
    regular: str
    bold: str
    italic: str


def register_family(names: Sequence[str], paths: Sequence[Path]) -> bool:
    """Register TrueType files as a family (regular, bold, italic and, if given, bold italic;
    else bold stands in for it); False when a file is missing or unreadable."""
    if not all(path.is_file() for path in paths):
        return False
    try:
        for name, path in zip(names, paths, strict=True):
            pdfmetrics.registerFont(TTFont(name, str(path)))
    except TTFError:
        return False
    pdfmetrics.registerFontFamily(
        names[0],
        normal=names[0],
        bold=names[1],
        italic=names[2],
        boldItalic=names[3] if len(names) > 3 else names[1],
    )
    return True


@functools.cache
def fonts() -> Fonts:
    """A Unicode TrueType family (DejaVu Sans, else the Vera that ships with reportlab), so
    “smart quotes”, accents and dashes print; the built-in Helvetica as a last resort."""
    names = ("RelaySans", "RelaySans-Bold", "RelaySans-Oblique", "RelaySans-BoldOblique")
    for files in _FONT_FILES:
        for directory in _FONT_DIRS:
            if register_family(names, [directory / name for name in files]):
                return Fonts(names[0], names[1], names[2])
    return Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


@functools.cache
def _zone_countries() -> dict[str, str]:
    candidates = [Path(directory) / "zone.tab" for directory in zoneinfo.TZPATH]
    try:
        import tzdata  # the optional time zone data package

        candidates.append(Path(tzdata.__file__).parent / "zoneinfo" / "zone.tab")
    except ImportError:
        pass
    for path in candidates:
        if path.is_file():
            rows = (line.split("\t") for line in path.read_text().splitlines())
            return {row[2]: row[0] for row in rows if len(row) >= 3 and not row[0].startswith("#")}
    return {}


def page_size_for(time_zone: str) -> tuple[float, float]:
    """US Letter for organisations in countries that print on it (a US city), else A4."""
    country = _zone_countries().get(time_zone)
    if country is None:
        return LETTER if time_zone.startswith(("America/", "US/")) else A4
    return LETTER if country in LETTER_COUNTRIES else A4


def _content_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN


# --- Text ---------------------------------------------------------------------------------------


def markup(text) -> str:
    """User text as safe `Paragraph` markup: escaped, with its line breaks kept."""
    return escape(str(text or "")).replace("\n", "<br/>")


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    f = fonts()
    body = ParagraphStyle("body", fontName=f.regular, fontSize=9, leading=11.5)
    return {
        "body": body,
        "title": ParagraphStyle("title", body, fontName=f.bold, fontSize=17, leading=21),
        "subtitle": ParagraphStyle("subtitle", body, fontSize=11, leading=14, spaceAfter=8),
        "h1": ParagraphStyle(
            "h1",
            body,
            fontName=f.bold,
            fontSize=13,
            leading=16,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h2": ParagraphStyle(
            "h2",
            body,
            fontName=f.bold,
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=3,
        ),
        "cell": ParagraphStyle("cell", body, fontSize=8.5, leading=10.5),
        "head": ParagraphStyle("head", body, fontName=f.bold, fontSize=8.5, leading=10.5),
        "label": ParagraphStyle(
            "label", body, fontName=f.bold, fontSize=8.5, leading=10.5, textColor=colors.black
        ),
        "small": ParagraphStyle(
            "small", body, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#444444")
        ),
        "statement": ParagraphStyle("statement", body, fontName=f.italic, fontSize=8.5, leading=11),
        "notice": ParagraphStyle(
            "notice", body, fontName=f.bold, textColor=colors.HexColor("#8a1c1c")
        ),
    }


def para(text, style: str = "body") -> Paragraph:
    """A paragraph of user (or any plain) text: always escaped."""
    return Paragraph(markup(text), _styles()[style])


def paras(text, style: str = "body", *, prefix: str = "") -> list[Paragraph]:
    """Long user text as a stack of paragraphs of at most `CHUNK` characters, so that in a
    table it runs down several rows, each shorter than a page (see `_table`). `prefix` is
    ready-made markup put before the first."""
    return [
        Paragraph((prefix if n == 0 else "") + markup(chunk), _styles()[style])
        for n, chunk in enumerate(_chunks(str(text or "")))
    ]


def _chunks(text: str, size: int = CHUNK) -> list[str]:
    chunks = []
    while len(text) > size:
        cut = text.rfind("\n", 0, size)  # at a line break, else a sentence, else a word
        if cut < size // 2:
            cut = text.rfind(". ", 0, size) + 1
        if cut < size // 2:
            cut = text.rfind(" ", 0, size)
        if cut < size // 2:  # one very long word
            cut = size
        chunks.append(text[:cut])
        text = text[cut:].removeprefix("\n").lstrip(" ")
    chunks.append(text)
    return chunks


def _heading(safe_markup: str, style: str = "h2") -> list[Flowable]:
    """A heading that starts a new page rather than end one. (Not `keepWithNext`: reportlab
    then moves a whole table that does not fit to the next page, even one longer than a page.)"""
    return [CondPageBreak(90), _fixed(safe_markup, style)]


def _fixed(safe_markup: str, style: str = "body") -> Paragraph:
    """A paragraph whose markup was built here from escaped parts."""
    return Paragraph(safe_markup, _styles()[style])


def _day(value: datetime.date | None) -> str:
    return f"{value:%-d %B %Y}" if value else "—"


def _short_day(value: datetime.date) -> str:
    return f"{value:%-d %b %Y}"


def _zone(name: str, fallback: zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return fallback


def _moment(value: datetime.datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    """A moment in a time zone, with the zone named: 14 March 2025, 09:30 MDT (America/Denver)."""
    if value is None:
        return "—"
    local = value.astimezone(zone)
    return f"{local:%-d %B %Y, %H:%M} {local:%Z} ({zone.key})"


def _hours(value: Decimal) -> str:
    return f"{value:.2f} h"


def _signature_ref(signature: Signoff | None) -> str:
    if signature is None:
        return "unsigned"
    return f"#{signature.sequence} · {signature.record_hash[:SHORT_HASH]}"


# --- Tables -------------------------------------------------------------------------------------

_HEAD_BACKGROUND = colors.HexColor("#e3e8ee")
_SUB_BACKGROUND = colors.HexColor("#f5f6f8")


# The shorter frame of the two paper sizes: a row taller than this fits on no page.
_FRAME_HEIGHT = min(A4[1], LETTER[1]) - 2 * MARGIN - FOOTER_HEIGHT


class _RecordTable(Table):
    """Splits across pages between rows, repeating the header rows. Only a table with a row
    too tall for any page (a very long narrative) splits inside rows: reportlab, allowed both,
    splits between rows first and then inside the next row on the same page, repeating the
    header in the middle of the page."""

    def split(self, availWidth, availHeight):
        self._calc(availWidth, availHeight)
        header = sum(self._rowHeights[: self.repeatRows])
        tall = any(
            height > _FRAME_HEIGHT - header for height in self._rowHeights[self.repeatRows :]
        )
        self.splitByRow, self.splitInRow = (0, 1) if tall else (1, 0)
        return super().split(availWidth, availHeight)


_LINE = colors.HexColor("#8c96a0")


def _table(rows, widths, *, header_rows: int = 1, extra: Sequence = ()) -> Table:
    """A grid that splits across pages between rows and repeats its header rows.

    A cell given as a list is a stack (see `paras`): its pieces go down successive rows of one
    logical row, drawn without lines between them, so long text never makes a row taller than
    a page (reportlab cannot move such a row, and splits inside rows badly). A tuple is several
    flowables in one cell. Row numbers in `extra` are logical rows; a SPAN applies to each of
    the logical row's rows."""
    physical: list[list] = []
    starts, ends = [], []
    for cells in rows:
        stacks = [cell if isinstance(cell, list) else [cell] for cell in cells]
        starts.append(len(physical))
        for k in range(max(len(stack) for stack in stacks)):
            physical.append([_piece(stack, k) for stack in stacks])
        ends.append(len(physical) - 1)

    def first(row: int) -> int:
        return starts[row] if row >= 0 else row

    def last(row: int) -> int:
        return ends[row] if row >= 0 else row

    commands = [
        ("BOX", (0, 0), (-1, -1), 0.4, _LINE),
        ("LINEAFTER", (0, 0), (-2, -1), 0.4, _LINE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, ends[header_rows - 1]), _HEAD_BACKGROUND))
    for row, end in enumerate(ends):
        commands.append(("LINEBELOW", (0, end), (-1, end), 0.4, _LINE))
        if end > starts[row]:  # a stack reads as one cell
            commands.append(("BOTTOMPADDING", (0, starts[row]), (-1, end - 1), 0))
            commands.append(("TOPPADDING", (0, starts[row] + 1), (-1, end), 0))
    for name, (c0, r0), (c1, r1), *args in extra:
        if name == "SPAN":
            commands += [("SPAN", (c0, r), (c1, r)) for r in range(first(r0), last(r1) + 1)]
        elif name == "LINEABOVE":
            commands.append((name, (c0, first(r0)), (c1, first(r1)), *args))
        else:
            commands.append((name, (c0, first(r0)), (c1, last(r1)), *args))
    # Full width, so the default centring puts every part of a split table at the margin.
    table = _RecordTable(
        physical, colWidths=widths, repeatRows=ends[header_rows - 1] + 1 if header_rows else 0
    )
    table.setStyle(TableStyle(commands))
    return table


def _piece(stack: list, k: int):
    """The k-th piece of a cell's stack as reportlab takes it ("" past its end)."""
    if k >= len(stack):
        return ""
    return list(stack[k]) if isinstance(stack[k], tuple) else stack[k]


def _fields(pairs: Iterable[tuple[str, object]], width: float) -> Table:
    """Label/value rows; values are user text (escaped), or ready-made flowables."""
    rows = [
        [_fixed(markup(label), "label"), value if isinstance(value, Flowable) else paras(value)]
        for label, value in pairs
    ]
    return _table(
        rows,
        [width * 0.28, width * 0.72],
        header_rows=0,
        extra=[("BACKGROUND", (0, 0), (0, -1), _SUB_BACKGROUND)],
    )


def _signature_block(heading: str, signature: Signoff, zone, width: float) -> KeepTogether:
    """Who signed, in what capacity, when (local time), the statement, comment and hash."""
    signed_zone = _zone(signature.time_zone, zone)
    pairs: list[tuple[str, object]] = [
        ("Signed by", signature.signer_name),
        ("Capacity", signature.signer_role),
    ]
    if signature.qualifying_credential:
        pairs.append(("Qualification", signature.qualifying_credential))
    pairs.append(("Signed at", _moment(signature.signed_at, signed_zone)))
    if signature.reauthenticated_at:
        pairs.append(("Re-authenticated", _moment(signature.reauthenticated_at, signed_zone)))
    pairs.append(("Statement", para(f"“{signature.statement}”", "statement")))
    if signature.comment:
        pairs.append(("Comment", signature.comment))
    if signature.supersedes_id:
        pairs.append(("Corrects", f"signature #{signature.supersedes.sequence}"))
    pairs.append(("Signature", _signature_ref(signature)))
    return KeepTogether([_fixed(markup(heading), "h2"), _fields(pairs, width)])
