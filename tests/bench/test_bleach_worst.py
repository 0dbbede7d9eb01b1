"""`bench.bleach_worst`: its adversarial inputs are fixed and at the cap, and what the
sanitizer makes of each holds no disallowed markup (behaviour, not time)."""

import hashlib
import json
import re

import pytest
from django.core.exceptions import ValidationError

from bench import bleach_worst
from lms.sanitize import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    MAX_OPEN_TAGS,
    MAX_RICH_TEXT_CHARS,
    sanitize_html,
)

CORPUS = bleach_worst.corpus(MAX_RICH_TEXT_CHARS)
# The inputs that keep more than MAX_OPEN_TAGS elements open, which the wrapper refuses.
DEEP = {
    "nested-allowed-tags",
    "nested-allowed-with-text",
    "nested-lists",
    "nested-blockquotes",
    "nested-disallowed-tags",
    "unclosed-anchors",
    "svg-and-math",
    "formatting-reopened",
    "unclosed-list-items",
    "mixed",
}
TAG = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=")
HREF = re.compile(r'href="([^"]*)"')
# linkify adds these to the links it keeps
ADDED_ATTRIBUTES = {"rel", "target"}


def digest(corpus: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(corpus, sort_keys=True).encode()).hexdigest()


def test_the_generator_is_deterministic():
    assert digest(bleach_worst.corpus(MAX_RICH_TEXT_CHARS)) == digest(CORPUS)
    assert digest(bleach_worst.corpus(500)) == digest(bleach_worst.corpus(500))


def test_every_input_is_exactly_at_the_cap_and_the_cap_holds():
    assert len(CORPUS) >= 20
    assert {len(text) for text in CORPUS.values()} == {MAX_RICH_TEXT_CHARS}
    with pytest.raises(ValidationError, match="Keep this text under"):
        sanitize_html(next(iter(CORPUS.values())) + "x")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_output_holds_no_disallowed_markup(name):
    if name in DEEP:  # too deeply nested: refused before bleach
        with pytest.raises(ValidationError, match=f"more than {MAX_OPEN_TAGS} tags open"):
            sanitize_html(CORPUS[name])
        return
    cleaned = sanitize_html(CORPUS[name])
    for match in TAG.finditer(cleaned):
        tag, rest = match.group(1).lower(), match.group(2)
        assert tag in ALLOWED_TAGS, (name, match.group(0)[:80])
        allowed = set(ALLOWED_ATTRIBUTES.get(tag, [])) | (ADDED_ATTRIBUTES if tag == "a" else set())
        assert set(ATTRIBUTE.findall(rest)) <= allowed, (name, match.group(0)[:80])
        for href in HREF.findall(rest):
            assert href.startswith(("http://", "https://", "mailto:")), (name, href[:80])
    lowered = cleaned.lower()
    for forbidden in ("<script", "<style", "<svg", "<math", "<!--"):
        assert forbidden not in lowered, (name, forbidden)


def test_the_table_and_json_report_every_input(tmp_path):
    out = tmp_path / "bleach.json"
    assert bleach_worst.main(["--runs", "1", "--out", str(out)]) in (0, 1)
    result = json.loads(out.read_text())
    assert result["cap_chars"] == MAX_RICH_TEXT_CHARS
    assert [row["input"] for row in result["rows"]] == list(CORPUS)
    assert all(row["max_ms"] >= row["median_ms"] > 0 for row in result["rows"])
    assert result["worst"]["input"] in CORPUS
    refused = {row["input"] for row in result["rows"] if row["outcome"] == "refused"}
    assert refused == DEEP
