"""Reading an HR-system CSV file: UTF-8 text (with or without a byte-order mark), comma
separated, a header line naming the columns (any case, any order), one person per line.

`read_csv` returns the rows with their line numbers and the problems of single lines (checked
again with every other problem of the file); a file that cannot be read at all (not UTF-8, no
header, unknown or missing columns, too large) is refused at once with `ImportRejected`.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from .rows import COLUMNS, REQUIRED_COLUMNS, ImportRejected, RowError

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

_WORKBOOK = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # XLSX (a zip), legacy XLS
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class CsvRows:
    rows: list[dict[str, str]]
    lines: list[int]
    problems: list[RowError]


def _refuse(line: int, message: str, field: str = "") -> ImportRejected:
    return ImportRejected([RowError(line, field, message)])


def decode(data: bytes) -> str:
    """The file's text; `ImportRejected` naming the line and byte if it is not UTF-8."""
    if not data.strip():
        raise _refuse(1, "The file is empty.")
    if len(data) > MAX_BYTES:
        raise _refuse(0, f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
    if data.startswith(_WORKBOOK):
        raise _refuse(1, "This is a spreadsheet workbook, not a CSV file: save it as CSV UTF-8.")
    if data.startswith(_UTF16):
        raise _refuse(1, "This file is UTF-16 text: save it as CSV UTF-8 and upload it again.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise _refuse(
            line,
            f"Line {line} is not UTF-8 text (byte {column} of the line, 0x"
            f"{data[error.start : error.start + 1].hex()}): save the file as CSV UTF-8 and "
            "upload it again.",
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise _refuse(line, f"Line {line} holds a NUL character: this is not a CSV text file.")
    return text


def _column_name(cell: str) -> str:
    """`Employee ID`, ` employee-id ` and `employee_id` all name the `employee_id` column."""
    return "_".join(cell.strip().lower().replace("-", " ").split())


def read_header(header: Sequence[str]) -> list[str]:
    """The column names; `ImportRejected` for unknown, repeated or missing columns."""
    names = [_column_name(cell) for cell in header]
    if not any(names):
        raise _refuse(1, f"The first line must name the columns: {', '.join(COLUMNS)}.")
    if len(names) == 1 and (";" in header[0] or "\t" in header[0]):
        raise _refuse(1, "Separate the columns with commas (this file uses ; or tabs).")
    errors = []
    for position, name in enumerate(names, start=1):
        if not name:
            errors.append(RowError(1, "", f"Column {position} of the header has no name."))
        elif name not in COLUMNS:
            errors.append(
                RowError(
                    1, name, f"Unknown column {name!r}. The columns are: {', '.join(COLUMNS)}."
                )
            )
        elif names.index(name) != position - 1:
            errors.append(RowError(1, name, f"The column {name!r} appears twice."))
    for name in REQUIRED_COLUMNS:
        if name not in names:
            errors.append(RowError(1, name, f"The required column {name!r} is missing."))
    if errors:
        raise ImportRejected(errors)
    return names


def read_csv(data: bytes) -> CsvRows:
    """The rows of the file as {column: text}, each with the line it starts on."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines, problems = [], [], []
    header: list[str] | None = None
    previous_end = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise _refuse(
                reader.line_num, f"Line {reader.line_num} cannot be read as CSV: {error}."
            ) from None
        start, previous_end = previous_end + 1, reader.line_num
        if header is None:
            header = read_header(record)
            continue
        if not any(cell.strip() for cell in record):
            continue  # blank lines (a spreadsheet's trailing ones) are skipped
        if len(rows) + len(problems) >= MAX_ROWS:
            raise _refuse(start, f"The file has more than {MAX_ROWS:,} rows: split it.")
        if start != previous_end:
            problems.append(RowError(start, "", "A value runs over several lines."))
        elif len(record) != len(header):
            problems.append(
                RowError(
                    start,
                    "",
                    f"This line has {len(record)} values; the header names {len(header)} columns.",
                )
            )
        else:
            rows.append(dict(zip(header, record, strict=True)))
            lines.append(start)
    if header is None:
        raise _refuse(1, "The file is empty.")
    if not rows and not problems:
        raise _refuse(2, "The file has a header line but nobody below it.")
    return CsvRows(rows=rows, lines=lines, problems=problems)
