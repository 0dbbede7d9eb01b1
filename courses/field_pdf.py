"""Paper backups of field training records: a trainee's task book with every sign-off, and a
single Daily Observation Report, as PDFs (reportlab).

Everything people typed (names, narratives, notes, reasons, comments) is escaped before it
reaches `Paragraph` markup, so it prints as the literal text it is. Each document reads its
records in a constant number of queries and renders byte-for-byte the same for the same data
and `generated_at` (the canvas is built with `invariant=1`).

`task_book_document` and `report_document` return the flowables with the page set-up, so tests
can read exactly what will be printed; `task_book_pdf` and `report_pdf` render them.
"""

import datetime
import functools
import io
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from courses.field_engine import ScaleSpec, TaskBookSpec, hours
from courses.models import (
    FieldTraining,
    FieldTrainingStatus,
    ObservationReport,
    PhaseExtension,
    RideAlong,
    Signoff,
    SignoffKind,
    TaskObservation,
)

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


@functools.cache
def fonts() -> Fonts:
    """A Unicode TrueType family (DejaVu Sans, else the Vera that ships with reportlab), so
    “smart quotes”, accents and dashes print; the built-in Helvetica as a last resort."""
    names = ("RelaySans", "RelaySans-Bold", "RelaySans-Oblique", "RelaySans-BoldOblique")
    for files in _FONT_FILES:
        for directory in _FONT_DIRS:
            paths = [directory / name for name in files]
            if not all(path.is_file() for path in paths):
                continue
            try:
                for name, path in zip(names, paths, strict=True):
                    pdfmetrics.registerFont(TTFont(name, str(path)))
            except TTFError:
                continue
            pdfmetrics.registerFontFamily(
                names[0], normal=names[0], bold=names[1], italic=names[2], boldItalic=names[3]
            )
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


@dataclass(frozen=True)
class Footer:
    trainee: str
    document: str
    generated: str


class _FooterCanvas(Canvas):
    """Holds the pages back until the end, so each footer can say "Page N of M"."""

    def __init__(self, *args, footer: Footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(number, total)
            super().showPage()
        super().save()

    def _draw_footer(self, number: int, total: int) -> None:
        f = fonts()
        width, _ = self._pagesize
        right = width - MARGIN
        usable = right - MARGIN
        self.saveState()
        self.setStrokeColor(colors.HexColor("#8c96a0"))
        self.setLineWidth(0.4)
        self.line(MARGIN, FOOTER_HEIGHT + 2 * mm, right, FOOTER_HEIGHT + 2 * mm)
        page = f"Page {number} of {total}"
        self.setFont(f.bold, 8)
        self.drawRightString(right, FOOTER_HEIGHT - 2 * mm, page)
        self.setFont(f.regular, 8)
        left = _fit(
            f"{self._footer.trainee} · {self._footer.document}",
            f.regular,
            8,
            usable - pdfmetrics.stringWidth(page, f.bold, 8) - 6 * mm,
        )
        self.drawString(MARGIN, FOOTER_HEIGHT - 2 * mm, left)
        self.setFont(f.regular, 6.5)
        self.setFillColor(colors.HexColor("#444444"))
        self.drawString(
            MARGIN,
            FOOTER_HEIGHT - 5.5 * mm,
            _fit(f"Generated {self._footer.generated}.", f.regular, 6.5, usable),
        )
        self.drawString(MARGIN, FOOTER_HEIGHT - 8.5 * mm, _fit(VERIFY_NOTE, f.regular, 6.5, usable))
        self.restoreState()


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, shortened with an ellipsis to fit on one line."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


@dataclass(frozen=True)
class Document:
    title: str
    author: str
    pagesize: tuple[float, float]
    story: list[Flowable]
    footer: Footer


def render(document: Document) -> bytes:
    buffer = io.BytesIO()
    width, height = document.pagesize
    template = BaseDocTemplate(
        buffer,
        pagesize=document.pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=document.title,
        author=document.author,
        creator="Relay",
        invariant=1,
    )
    frame = Frame(  # no padding: tables span exactly the width between the margins
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        width - 2 * MARGIN,
        height - 2 * MARGIN - FOOTER_HEIGHT,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(
        list(document.story), canvasmaker=functools.partial(_FooterCanvas, footer=document.footer)
    )
    return buffer.getvalue()


def _content_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN


# --- Task book ----------------------------------------------------------------------------------


def task_book_document(
    training: FieldTraining, *, generated_at: datetime.datetime | None = None
) -> Document:
    """The trainee's task book on paper: cover, then per phase its hours, extensions, tasks
    with every sign-off, the phase decisions, and finally the release. Five queries."""
    training = FieldTraining.objects.select_related(
        "trainee__staff_profile__job_role", "organisation", "primary_fto", "secondary_fto"
    ).get(pk=training.pk)
    rides = RideAlong.objects.filter(training=training).values_list(
        "phase_index", "started_at", "ended_at"
    )
    extensions = list(PhaseExtension.objects.filter(training=training).order_by("created_at", "id"))
    observations = list(
        TaskObservation.objects.filter(training=training)
        .select_related("fto")
        .order_by("observed_on", "created_at", "id")
    )
    signatures = list(
        Signoff.objects.filter(
            training=training,
            kind__in=[
                SignoffKind.TASK,
                SignoffKind.PHASE_EXTENSION,
                SignoffKind.PHASE_RECOMMENDATION,
                SignoffKind.PHASE_APPROVAL,
                SignoffKind.RELEASE,
            ],
        )
        .defer("payload")
        .order_by("sequence")
    )

    spec = TaskBookSpec.from_json(training.spec)
    organisation = training.organisation
    zone = organisation.zone
    pagesize = page_size_for(organisation.time_zone)
    width = _content_width(pagesize)
    generated_at = generated_at or timezone.now()
    trainee = training.trainee.display_name

    by_sequence = {s.pk: s for s in signatures}
    for signature in signatures:  # "corrects #N" without another query
        if signature.supersedes_id in by_sequence:
            signature.supersedes = by_sequence[signature.supersedes_id]
    signature_of = {(s.kind, s.subject_id): s for s in signatures}
    phase_signatures = defaultdict(list)
    for signature in signatures:
        if signature.kind in (SignoffKind.PHASE_RECOMMENDATION, SignoffKind.PHASE_APPROVAL):
            phase_signatures[signature.phase_index].append(signature)
    release = next((s for s in signatures if s.kind == SignoffKind.RELEASE), None)

    logged: dict[int, Decimal] = defaultdict(Decimal)
    shifts: dict[int, int] = defaultdict(int)
    for phase_index, started_at, ended_at in rides:
        logged[phase_index] += hours(started_at, ended_at)
        shifts[phase_index] += 1
    corrected = {o.supersedes_id for o in observations if o.supersedes_id}
    satisfactory: dict[str, int] = defaultdict(int)
    by_task: dict[str, list[TaskObservation]] = defaultdict(list)
    for observation in observations:
        by_task[observation.task_id].append(observation)
        if observation.satisfactory and observation.pk not in corrected:
            satisfactory[observation.task_id] += 1
    by_phase_extensions = defaultdict(list)
    for extension in extensions:
        by_phase_extensions[extension.phase_index].append(extension)

    story: list[Flowable] = _task_book_cover(training, spec, width, logged, satisfactory)
    for index, phase in enumerate(spec.phases):
        story.append(PageBreak())
        story += _heading(f"Phase {index + 1}: {markup(phase.name)}", "h1")
        extension_days = sum(e.days for e in by_phase_extensions[index])
        planned = f"{phase.weeks} weeks" + (
            f" + {extension_days} days extension" if extension_days else ""
        )
        story.append(
            _fields(
                [
                    ("Planned length", planned),
                    ("Expected field hours", _hours(Decimal(phase.expected_hours))),
                    (
                        "Field hours logged",
                        f"{_hours(logged[index])} in {shifts[index]} shift"
                        + ("" if shifts[index] == 1 else "s"),
                    ),
                ],
                width,
            )
        )
        if phase.description:
            story += [Spacer(0, 3), para(phase.description, "small")]
        if by_phase_extensions[index]:
            story += _heading("Extensions")
            story.append(_extension_table(by_phase_extensions[index], signature_of, zone, width))
        story += _heading("Tasks")
        if phase.tasks:
            story.append(
                _task_table(phase.tasks, by_task, satisfactory, corrected, signature_of, width)
            )
        else:
            story.append(para("This phase has no tasks."))
        decisions = phase_signatures[index]
        if not decisions:
            story.append(para("No recommendation or approval has been signed for this phase."))
        for signature in decisions:
            heading = (
                "Recommendation to end the phase"
                if signature.kind == SignoffKind.PHASE_RECOMMENDATION
                else "Approval of the end of the phase"
            )
            story.append(_signature_block(heading, signature, zone, width))

    story += _heading("Release to solo duty", "h1")
    if release is None:
        story.append(para("The trainee has not been released to solo duty."))
    else:
        story.append(_signature_block("Release signature", release, zone, width))

    return Document(
        title=f"Task book: {training.title} — {trainee}",
        author=organisation.name,
        pagesize=pagesize,
        story=story,
        footer=Footer(
            trainee=trainee,
            document=f"Task book: {training.title}",
            generated=_moment(generated_at, zone),
        ),
    )


def task_book_pdf(
    training: FieldTraining, *, generated_at: datetime.datetime | None = None
) -> bytes:
    """The trainee's task book as a printable PDF (see `task_book_document`)."""
    return render(task_book_document(training, generated_at=generated_at))


def _task_book_cover(training, spec: TaskBookSpec, width, logged, satisfactory) -> list[Flowable]:
    profile = getattr(training.trainee, "staff_profile", None)
    role = profile.job_role.name if profile is not None and profile.job_role else "Not recorded"
    phase = spec.phases[min(training.phase_index, len(spec.phases) - 1)]
    status = training.get_status_display()
    if training.status == FieldTrainingStatus.RELEASED and training.released_at:
        status += f" on {_day(training.released_at.astimezone(training.organisation.zone))}"
    secondary = training.secondary_fto.display_name if training.secondary_fto else "None"
    story: list[Flowable] = [
        _fixed("Field training task book", "title"),
        para(f"{training.title} — paper record", "subtitle"),
        _fields(
            [
                ("Trainee", training.trainee.display_name),
                ("Organisation", training.organisation.name),
                ("Position", role),
                ("Task book", training.title),
                ("Task book revision", f"Revision {training.revision_id}"),
                ("Primary FTO", training.primary_fto.display_name),
                ("Secondary FTO", secondary),
                ("Started", _day(training.started_on)),
                ("Status", status),
                (
                    "Current phase",
                    f"{training.phase_index + 1} of {len(spec.phases)}: {phase.name} "
                    f"(since {_day(training.phase_started_on)})",
                ),
            ],
            width,
        ),
        *_heading("Summary"),
    ]
    rows = [[_fixed(h, "head") for h in ("Phase", "Weeks", "Expected", "Logged", "Tasks done")]]
    for index, item in enumerate(spec.phases):
        done = sum(1 for t in item.tasks if satisfactory.get(t.id, 0) >= t.observations)
        rows.append(
            [
                para(f"{index + 1}. {item.name}", "cell"),
                para(str(item.weeks), "cell"),
                para(_hours(Decimal(item.expected_hours)), "cell"),
                para(_hours(logged[index]), "cell"),
                para(f"{done} of {len(item.tasks)}", "cell"),
            ]
        )
    story.append(_table(rows, [width * w for w in (0.4, 0.12, 0.16, 0.16, 0.16)]))
    story += [
        Spacer(0, 6),
        para(
            "Satisfactory counts leave out observations that were later corrected. "
            "S = satisfactory, U = unsatisfactory.",
            "small",
        ),
    ]
    return story


def _extension_table(extensions, signature_of, zone, width) -> Table:
    rows = [[_fixed(h, "head") for h in ("Granted", "Days", "Reason", "Signature")]]
    for extension in extensions:
        signature = signature_of.get((SignoffKind.PHASE_EXTENSION, extension.pk))
        by = signature.signer_name if signature else ""
        rows.append(
            [
                para(f"{_moment(extension.created_at, zone)}\n{by}", "cell"),
                para(str(extension.days), "cell"),
                paras(extension.reason, "cell"),
                para(_signature_ref(signature), "cell"),
            ]
        )
    return _table(rows, [width * w for w in (0.3, 0.08, 0.4, 0.22)])


def _task_table(tasks, by_task, satisfactory, corrected, signature_of, width) -> Table:
    """One row per task, and under it one row per sign-off (so any number of sign-offs split
    across pages). Columns of the sign-off rows: date observed, S/U, FTO, signature."""
    # Grid: No. | observed | S/U | FTO | signature ... | competency | needed | satisfactory
    widths = [width * w for w in (0.07, 0.13, 0.05, 0.2, 0.15, 0.17, 0.09, 0.14)]
    head = [_fixed(h, "head") for h in ("No.", "Task and standard")] + [""] * 3
    head += [_fixed(h, "head") for h in ("Competency", "Needed", "Satisfactory")]
    sub = ["", *(_fixed(h, "small") for h in ("Observed", "S/U", "FTO", "Signature")), "", "", ""]
    rows = [head, sub]
    extra = [
        ("SPAN", (1, 0), (4, 0)),
        ("SPAN", (4, 1), (7, 1)),
        ("BACKGROUND", (0, 1), (-1, 1), _SUB_BACKGROUND),
    ]
    for task in tasks:
        row = len(rows)
        title = f"<b>{markup(task.title)}</b>" + (" (critical)" if task.critical else "")
        cell = (_fixed(title, "cell"), para(task.standard, "small"))
        count = satisfactory.get(task.id, 0)
        rows.append(
            [
                para(task.number, "cell"),
                cell,
                "",
                "",
                "",
                para(task.competency or "—", "cell"),
                para(str(task.observations), "cell"),
                para(f"{count}" + (" (done)" if count >= task.observations else ""), "cell"),
            ]
        )
        extra += [
            ("SPAN", (1, row), (4, row)),
            ("LINEABOVE", (0, row), (-1, row), 0.9, colors.black),
        ]
        for observation in by_task.get(task.id, []):
            rows.append(_signoff_row(observation, corrected, signature_of))
            extra += [
                ("SPAN", (4, len(rows) - 1), (7, len(rows) - 1)),
                ("BACKGROUND", (1, len(rows) - 1), (-1, len(rows) - 1), _SUB_BACKGROUND),
            ]
    return _table(rows, widths, header_rows=2, extra=extra)


def _signoff_row(observation: TaskObservation, corrected, signature_of) -> list:
    """Date observed, S/U, FTO and, stacked, the signature, any correction and the notes."""
    signature = signature_of.get((SignoffKind.TASK, observation.pk))
    fto = signature.signer_name if signature else observation.fto.display_name
    strike = observation.pk in corrected
    lines = [markup(_signature_ref(signature)), markup(observation.get_context_display())]
    if strike:
        lines.insert(0, "<b>corrected</b> (superseded; not counted)")
    details = [_fixed("<br/>".join(lines), "small")]
    if observation.supersedes_id:
        original = signature.supersedes.sequence if signature and signature.supersedes else None
        label = f"correction of #{original}" if original else "correction"
        details += paras(observation.correction_reason, "small", prefix=f"<b>{label}</b>: ")
    if observation.notes:
        details += paras(observation.notes, "small", prefix="<b>Notes</b>: ")
    return [
        "",
        _fixed(_struck(markup(_short_day(observation.observed_on)), strike), "small"),
        _fixed(_struck("S" if observation.satisfactory else "U", strike), "small"),
        _fixed(_struck(markup(fto), strike), "small"),
        details,
        "",
        "",
        "",
    ]


def _struck(safe_markup: str, strike: bool) -> str:
    return f"<strike>{safe_markup}</strike>" if strike else safe_markup


# --- Daily Observation Report -------------------------------------------------------------------

SCALE_WORDS = {"minimum": "not acceptable", "acceptable": "acceptable", "maximum": "superior"}


def rating_label(scale: ScaleSpec, rating: int | None) -> str:
    """A rating with its place on the scale: "4 (acceptable)", "1 (not acceptable)"."""
    if rating is None:
        return "—"
    word = {
        scale.minimum: SCALE_WORDS["minimum"],
        scale.acceptable: SCALE_WORDS["acceptable"],
        scale.maximum: SCALE_WORDS["maximum"],
    }.get(rating)
    return f"{rating} ({word})" if word else str(rating)


def report_document(
    report: ObservationReport, *, generated_at: datetime.datetime | None = None
) -> Document:
    """One Daily Observation Report on paper, with the FTO's signature and the trainee's
    acknowledgement. Four queries."""
    report = (
        ObservationReport.objects.select_related(
            "training__organisation", "trainee", "fto", "ride_along", "supersedes", "superseded_by"
        )
        .prefetch_related("ratings", "ride_along__call_types")
        .get(pk=report.pk)
    )
    signatures = {
        s.kind: s
        for s in Signoff.objects.filter(
            subject_id=report.pk,
            kind__in=[SignoffKind.REPORT, SignoffKind.REPORT_ACKNOWLEDGEMENT],
        )
        .select_related("supersedes")
        .defer("payload", "supersedes__payload")
    }
    training = report.training
    spec = TaskBookSpec.from_json(training.spec)
    organisation = training.organisation
    zone = organisation.zone
    pagesize = page_size_for(organisation.time_zone)
    width = _content_width(pagesize)
    generated_at = generated_at or timezone.now()
    ride = report.ride_along
    trainee = report.trainee.display_name
    ratings = sorted(report.ratings.all(), key=lambda r: r.position)
    call_types = ", ".join(c.name for c in sorted(ride.call_types.all(), key=lambda c: c.name))

    story: list[Flowable] = [
        _fixed(f"Daily Observation Report No. {report.number}", "title"),
        para(f"{trainee} — {training.title}", "subtitle"),
    ]
    if report.supersedes_id:
        story.append(
            para(
                f"This report corrects and supersedes DOR No. {report.supersedes.number} "
                f"(shift of {_day(report.supersedes.shift_date)}). "
                f"Reason: {report.correction_reason}",
                "notice",
            )
        )
    successor = getattr(report, "superseded_by", None)
    if successor is not None:
        story.append(
            para(
                f"Superseded: DOR No. {successor.number} of "
                f"{_day(successor.created_at.astimezone(zone))} corrects this report. "
                f"Reason: {successor.correction_reason}",
                "notice",
            )
        )
    if len(story) > 2:
        story.append(Spacer(0, 6))
    story.append(
        _fields(
            [
                ("DOR number", str(report.number)),
                ("Shift date", _day(report.shift_date)),
                ("Phase", f"{report.phase_index + 1}: {report.phase_name}"),
                ("Shift start", _moment(ride.started_at, zone)),
                ("Shift end", _moment(ride.ended_at, zone)),
                ("Total hours", _hours(ride.hours)),
                ("Trainee", trainee),
                ("FTO", report.fto.display_name),
                ("Unit", ride.unit),
                ("Call types", call_types or "None recorded"),
            ],
            width,
        )
    )

    story += _heading("Ratings", "h1")
    scale = spec.scale
    rows = [
        [
            _fixed(h, "head")
            for h in ("Category", "Rating", "N.O.", "NRT", "Remedial (min)", "Narrative")
        ]
    ]
    for rating in ratings:
        rows.append(
            [
                para(rating.category_name, "cell"),
                para(rating_label(scale, rating.rating), "cell"),
                para("Yes" if rating.not_observed else "", "cell"),
                para("Yes" if rating.not_responding else "", "cell"),
                para(str(rating.remedial_minutes or ""), "cell"),
                paras(rating.narrative, "cell"),
            ]
        )
    story.append(_table(rows, [width * w for w in (0.19, 0.17, 0.06, 0.06, 0.1, 0.42)]))
    story += [
        Spacer(0, 3),
        para(
            f"Scale {scale.minimum} to {scale.maximum}: {scale.minimum} not acceptable, "
            f"{scale.acceptable} acceptable, {scale.maximum} superior; a rating at or below "
            f"{scale.narrative_at_or_below} or at or above {scale.narrative_at_or_above} needs "
            "a narrative. N.O. = not observed; NRT = not responding to training.",
            "small",
        ),
        *_heading("Most satisfactory performance"),
        para(report.most_satisfactory),
        *_heading("Least satisfactory performance"),
        para(report.least_satisfactory),
        *_heading("Comments"),
        para(report.comments or "None."),
    ]

    fto_signature = signatures.get(SignoffKind.REPORT)
    if fto_signature is None:
        story += [*_heading("FTO signature"), para("Not signed.", "notice")]
    else:
        story.append(_signature_block("FTO signature", fto_signature, zone, width))
    acknowledgement = signatures.get(SignoffKind.REPORT_ACKNOWLEDGEMENT)
    if acknowledgement is None:
        story += [*_heading("Trainee acknowledgement"), para("Not yet acknowledged.")]
    else:
        story.append(_signature_block("Trainee acknowledgement", acknowledgement, zone, width))

    return Document(
        title=f"Daily Observation Report No. {report.number} — {trainee}",
        author=organisation.name,
        pagesize=pagesize,
        story=story,
        footer=Footer(
            trainee=trainee,
            document=f"DOR No. {report.number}, {_day(report.shift_date)}",
            generated=_moment(generated_at, zone),
        ),
    )


def report_pdf(
    report: ObservationReport, *, generated_at: datetime.datetime | None = None
) -> bytes:
    """A Daily Observation Report as a printable PDF (see `report_document`)."""
    return render(report_document(report, generated_at=generated_at))
