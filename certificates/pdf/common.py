"""What the certificate and the transcript share: Relay's colours, the fonts (the field PDFs'
sans family, plus a serif family for the certificate), dates in words, and a "Page N of M"
rendering of a story that gives the same bytes for the same data (`invariant=1`).

People's text reaches `Paragraph` markup only through `markup` (escaped), as in
`courses.field.pdf`."""

import datetime
import functools
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Flowable

from courses.field.pdf import Fonts, fonts, markup
from courses.field.pdf.document import PageCountCanvas, build_pdf, fit
from courses.field.pdf.layout import register_family

__all__ = [
    "ACCENT",
    "BRAND",
    "BRAND_DARK",
    "INK",
    "MUTED",
    "Fonts",
    "Story",
    "day",
    "fit",
    "fonts",
    "markup",
    "render_story",
    "serif_fonts",
]

# Relay's colours (`--brand`, `--brand-dark` and `--accent` in lms/static/css/relay.css). There
# is no Wagtail settings model for an organisation's logo and colours yet, so every
# organisation prints in Relay's.
BRAND = colors.HexColor("#0b5563")
BRAND_DARK = colors.HexColor("#083f49")
ACCENT = colors.HexColor("#f6c445")
INK = colors.HexColor("#1d2327")
MUTED = colors.HexColor("#4a5560")

_SERIF_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
_SERIF_FILES = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf")


@functools.cache
def serif_fonts() -> Fonts:
    """DejaVu Serif when installed (a certificate reads better in a serif), else the sans
    family of `fonts()`. Both are embedded TrueType subsets."""
    names = ("RelaySerif", "RelaySerif-Bold", "RelaySerif-Italic")
    for directory in _SERIF_DIRS:
        if register_family(names, [directory / name for name in _SERIF_FILES]):
            return Fonts(*names)
    return fonts()


def day(value: datetime.date | None) -> str:
    """14 March 2026."""
    return f"{value:%-d %B %Y}" if value else "—"


@dataclass(frozen=True)
class Story:
    title: str
    author: str
    pagesize: tuple[float, float]
    flowables: list[Flowable]
    footer_left: str
    footer_note: str


MARGIN = 16 * mm
FOOTER_HEIGHT = 12 * mm


class _NumberedCanvas(PageCountCanvas):
    def __init__(self, *args, story: Story, **kwargs):
        super().__init__(*args, **kwargs)
        self._story = story

    def draw_footer(self, number: int, total: int) -> None:
        f = fonts()
        width, _ = self._pagesize
        right = width - MARGIN
        self.saveState()
        self.setStrokeColor(BRAND)
        self.setLineWidth(0.6)
        self.line(MARGIN, FOOTER_HEIGHT + 2 * mm, right, FOOTER_HEIGHT + 2 * mm)
        page = f"Page {number} of {total}"
        self.setFont(f.bold, 8)
        self.setFillColor(INK)
        self.drawRightString(right, FOOTER_HEIGHT - 2 * mm, page)
        usable = right - MARGIN - pdfmetrics.stringWidth(page, f.bold, 8) - 6 * mm
        self.setFont(f.regular, 8)
        self.drawString(
            MARGIN, FOOTER_HEIGHT - 2 * mm, fit(self._story.footer_left, f.regular, 8, usable)
        )
        self.setFont(f.regular, 6.5)
        self.setFillColor(MUTED)
        self.drawString(
            MARGIN,
            FOOTER_HEIGHT - 5.5 * mm,
            fit(self._story.footer_note, f.regular, 6.5, right - MARGIN),
        )
        self.restoreState()


def render_story(story: Story) -> bytes:
    """The story on paper with numbered footers: the same bytes for the same story."""
    return build_pdf(
        pagesize=story.pagesize,
        title=story.title,
        author=story.author,
        flowables=story.flowables,
        canvasmaker=functools.partial(_NumberedCanvas, story=story),
        footer_height=FOOTER_HEIGHT,
    )
