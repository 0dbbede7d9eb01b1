"""Checks for hostile text in each rendering: HTML (lxml), email, CSV/XLSX and PDF (pdftotext).

HTML is compared with the same page rendered with harmless text in the same fields: whatever
the hostile page has beyond the harmless one (elements, attributes, URL schemes) was brought
in by the payloads, and only what a text filter legitimately adds may appear (`linebreaks`
adds <p>/<br>, `urlize` adds links to http(s) addresses, the bleach allow list of rich text).
"""

import csv
import io
import re
import subprocess
from collections import Counter
from collections.abc import Iterable

import lxml.html
from openpyxl import load_workbook

from lms.sanitize import ALLOWED_TAGS, plain_text
from lms.spreadsheets import FORMULA_PREFIXES, safe_cell

# Text filters may add these elements and attributes (urlize: rel="nofollow"; bleach: target).
PLAIN_TEXT_EXTRA_TAGS = frozenset({"p", "br", "a"})
RICH_TEXT_EXTRA_TAGS = frozenset(ALLOWED_TAGS)
EXTRA_ATTRIBUTES = frozenset({"href", "rel", "title", "target"})
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "background",
        "data",
        "poster",
        "srcdoc",
        "dynsrc",
        "lowsrc",
        "code",
        "content",
    }
)
SAFE_LINK = re.compile(r"^(https?://|mailto:|/|#|\?)", re.IGNORECASE)
BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript)\s*:", re.IGNORECASE)


def _features(html: str) -> tuple[Counter, Counter, Counter, list[str]]:
    """(elements by tag, attributes by name, on* handlers by tag+name, bad URLs)."""
    root = lxml.html.document_fromstring(html)
    tags, attributes, handlers, bad = Counter(), Counter(), Counter(), []
    for element in root.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        tags[element.tag.lower()] += 1
        for name, value in element.attrib.items():
            name = name.lower()
            attributes[name] += 1
            if name.startswith("on"):
                handlers[f"{element.tag}.{name}={value}"] += 1
            if name in URL_ATTRIBUTES and BAD_SCHEME.search(value or ""):
                bad.append(f"<{element.tag} {name}={value!r}>")
    return tags, attributes, handlers, bad


def text_of(html: str) -> str:
    """The page's visible text with white space collapsed (script and style excluded)."""
    root = lxml.html.document_fromstring(html)
    for element in root.xpath("//script|//style"):
        element.drop_tree()
    return " ".join(root.text_content().split())


def assert_inert_html(hostile: str, harmless: str, *, rich: bool = False, where: str = "") -> None:
    """Nothing in `hostile` beyond `harmless` but what a text filter adds: no new element of
    another kind (no <script>, <iframe>, <svg>, <img>, <style>, <base>, <meta>, ...), no new
    attribute but links', no event handler, no javascript:/data:/vbscript: URL, and every
    added link points at http(s), mailto or the site itself."""
    h_tags, h_attrs, h_handlers, h_bad = _features(hostile)
    b_tags, b_attrs, b_handlers, b_bad = _features(harmless)
    allowed_tags = RICH_TEXT_EXTRA_TAGS if rich else PLAIN_TEXT_EXTRA_TAGS
    new_tags = {tag: n for tag, n in (h_tags - b_tags).items() if tag not in allowed_tags}
    assert not new_tags, f"{where}: injected elements {new_tags}"
    new_attrs = {a: n for a, n in (h_attrs - b_attrs).items() if a not in EXTRA_ATTRIBUTES}
    assert not new_attrs, f"{where}: injected attributes {new_attrs}"
    assert not (h_handlers - b_handlers), f"{where}: event handlers {h_handlers - b_handlers}"
    assert len(h_bad) <= len(b_bad), f"{where}: script URLs {h_bad}"
    root = lxml.html.document_fromstring(hostile)
    for link in root.iter("a"):
        href = link.get("href")
        assert href is None or SAFE_LINK.match(href.strip()), f"{where}: link {href!r}"


def shown_lines(payloads: Iterable[str]) -> list[str]:
    """What each payload must look like on a page: the stored text (`plain_text`), each line
    with its white space collapsed."""
    lines = []
    for payload in payloads:
        for line in plain_text(payload).split("\n"):
            collapsed = " ".join(line.split())
            if collapsed:
                lines.append(collapsed)
    return lines


def assert_shown_as_text(html: str, payloads: Iterable[str], *, where: str = "") -> None:
    """Each payload is on the page as the literal text people typed (escaped, not parsed)."""
    text = text_of(html)
    missing = [line for line in shown_lines(payloads) if line not in text]
    assert not missing, f"{where}: {len(missing)} payloads not shown as text, e.g. {missing[:3]}"


def assert_text_email(message, payloads: Iterable[str] = ()) -> None:
    """A plain-text email: no HTML alternative, and the payloads verbatim (not HTML-escaped,
    which would show `&lt;` to the reader)."""
    assert not getattr(message, "alternatives", None), message.alternatives
    assert message.content_subtype == "plain"
    for line in shown_lines(payloads):
        assert line in " ".join(message.body.split()), (line, message.body[:500])


def csv_cells(content: bytes | str) -> list[list[str]]:
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    return list(csv.reader(io.StringIO(text)))


def xlsx_cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def assert_formula_guarded(rows: list[list], payloads: Iterable[str], *, where: str = "") -> int:
    """No cell starts like a formula, and each stored payload appears as exactly
    `safe_cell(stored)` (guarded, otherwise unaltered). Returns how many payload cells matched."""
    cells = [cell for row in rows for cell in row if isinstance(cell, str)]
    for cell in cells:
        assert not cell.startswith(FORMULA_PREFIXES), f"{where}: unguarded cell {cell!r}"
    found = 0
    joined = "\x1e".join(cells)
    for payload in payloads:
        stored = plain_text(payload)
        if not stored:
            continue
        expected = safe_cell(stored)
        if stored[:1] in FORMULA_PREFIXES:
            assert expected in cells or f"\x1e{expected}" in joined, (
                f"{where}: {stored!r} not guarded"
            )
        if expected in joined:
            found += 1
    return found


def pdf_text(data: bytes) -> str:
    """The PDF's text by poppler's pdftotext (which fails on a broken file)."""
    assert data.startswith(b"%PDF"), data[:40]
    result = subprocess.run(
        ["pdftotext", "-", "-"],  # noqa: S607 - poppler-utils on PATH
        input=data,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode("utf-8")


def assert_pdf_shows(data: bytes, fragments: Iterable[str], *, where: str = "") -> None:
    """Each fragment is in the PDF's text as typed (reportlab markup in it was not parsed).
    White space and hyphens are left out of the comparison: lines wrap anywhere, and
    pdftotext joins a line that ends with a hyphen to the next one, dropping the hyphen."""

    def squeeze(text: str) -> str:
        return "".join(text.split()).replace("-", "")

    text = squeeze(pdf_text(data))
    missing = [f for f in fragments if squeeze(f) not in text]
    assert not missing, f"{where}: {len(missing)} not in the PDF text, e.g. {missing[:3]}"
