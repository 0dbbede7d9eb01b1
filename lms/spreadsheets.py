"""Exports people open in a spreadsheet: CSV and XLSX responses, with formulas neutralised.

A cell of text that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would run as a
formula in Excel, LibreOffice or Google Sheets (CSV injection); it is written with a leading
apostrophe instead, which spreadsheets show as text.
"""

import csv
import datetime
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limit on a sheet name, and the characters it refuses in one.
SHEET_TITLE_LIMIT = 31
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def safe_cell(value) -> str:
    """`value` as text for a spreadsheet cell: empty for None, and a leading apostrophe when it
    starts like a formula (= + - @, a tab or a carriage return)."""
    value = "" if value is None else str(value)
    return "'" + value if value[:1] in FORMULA_PREFIXES else value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download: the header, then each row with every cell through `safe_cell`."""
    response = _attachment(HttpResponse(content_type=CSV_CONTENT_TYPE), filename)
    writer = csv.writer(response)
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return response


def _xlsx_value(value):
    """Numbers, booleans and dates stay typed (they cannot be formulas); text goes through
    `safe_cell`, less the control characters an XLSX file cannot hold."""
    if value is None:
        return None
    if isinstance(value, bool | int | float | datetime.date):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("", safe_cell(value))


def xlsx_response(
    filename: str, sheet_title: str, header: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """An XLSX download (openpyxl's write-only workbook, so memory stays flat): one sheet with
    a bold, frozen header row."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(
        title=sheet_title.translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_LIMIT] or "Sheet"
    )
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=safe_cell(name))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_value(value) for value in row])
    response = _attachment(HttpResponse(content_type=XLSX_CONTENT_TYPE), filename)
    workbook.save(response)
    return response
