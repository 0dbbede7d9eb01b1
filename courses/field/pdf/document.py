"""A built story on paper: the page set-up, the "Page N of M" footer and the rendering, which
gives the same bytes for the same story (the canvas is built with `invariant=1`)."""

import functools
import io
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from courses.field.pdf.layout import FOOTER_HEIGHT, MARGIN, VERIFY_NOTE, fonts


@dataclass(frozen=True)
class Footer:
    trainee: str
    document: str
    generated: str


class PageCountCanvas(Canvas):
    """Holds the pages back until the end, so each page's footer can say "Page N of M".
    Subclasses draw the footer in `draw_footer`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self.draw_footer(number, total)
            super().showPage()
        super().save()

    def draw_footer(self, number: int, total: int) -> None:
        raise NotImplementedError


class _FooterCanvas(PageCountCanvas):
    def __init__(self, *args, footer: Footer, **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer

    def draw_footer(self, number: int, total: int) -> None:
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
        left = fit(
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
            fit(f"Generated {self._footer.generated}.", f.regular, 6.5, usable),
        )
        self.drawString(MARGIN, FOOTER_HEIGHT - 8.5 * mm, fit(VERIFY_NOTE, f.regular, 6.5, usable))
        self.restoreState()


def fit(text: str, font: str, size: float, width: float) -> str:
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


def build_pdf(
    *,
    pagesize: tuple[float, float],
    title: str,
    author: str,
    flowables: list[Flowable],
    canvasmaker,
    footer_height: float = FOOTER_HEIGHT,
) -> bytes:
    """Flowables on pages of one frame between the margins, above a footer band that
    `canvasmaker` draws: the same bytes for the same input (`invariant=1`). The field PDFs and
    the certificates' transcript share it."""
    buffer = io.BytesIO()
    width, height = pagesize
    template = BaseDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + footer_height,
        title=title,
        author=author,
        creator="Relay",
        invariant=1,
    )
    frame = Frame(  # no padding: tables span exactly the width between the margins
        MARGIN,
        MARGIN + footer_height,
        width - 2 * MARGIN,
        height - 2 * MARGIN - footer_height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    template.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    template.build(list(flowables), canvasmaker=canvasmaker)
    return buffer.getvalue()


def render(document: Document) -> bytes:
    return build_pdf(
        pagesize=document.pagesize,
        title=document.title,
        author=document.author,
        flowables=document.story,
        canvasmaker=functools.partial(_FooterCanvas, footer=document.footer),
    )
