"""Paper backups of field training records: a trainee's task book with every sign-off, and a
single Daily Observation Report, as PDFs (reportlab).

Everything people typed (names, narratives, notes, reasons, comments) is escaped before it
reaches `Paragraph` markup, so it prints as the literal text it is. Each document reads its
records in a constant number of queries and renders byte-for-byte the same for the same data
and `generated_at` (the canvas is built with `invariant=1`).

`task_book_document` and `report_document` return the flowables with the page set-up, so tests
can read exactly what will be printed; `task_book_pdf` and `report_pdf` render them.

`layout` holds fonts, paper size, styles, escaping and tables; `document` the page set-up,
footer and rendering; `task_book` and `report` the two documents.
"""

from courses.field.pdf.document import Document, Footer, render
from courses.field.pdf.layout import (
    CHUNK,
    Fonts,
    fonts,
    markup,
    page_size_for,
    para,
    paras,
)
from courses.field.pdf.report import SCALE_WORDS, rating_label, report_document, report_pdf
from courses.field.pdf.task_book import task_book_document, task_book_pdf

__all__ = [
    "CHUNK",
    "SCALE_WORDS",
    "Document",
    "Fonts",
    "Footer",
    "fonts",
    "markup",
    "page_size_for",
    "para",
    "paras",
    "rating_label",
    "render",
    "report_document",
    "report_pdf",
    "task_book_document",
    "task_book_pdf",
]
