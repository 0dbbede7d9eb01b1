"""The one wrapper around bleach: rich text that people type is cleaned here before storage."""

import re

import bleach
from django.core.exceptions import ValidationError

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "a", "h3", "h4"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})

# The most rich text one field may hold, checked before bleach runs: the services' own limits
# (reflections, coaching feedback: 10,000) sit at or under it. At this size bleach's worst case
# (deeply nested tags, thousands of attributes and links) stays far under a second; the figures
# are in bench/bleach_worst.json (`python -m bench.bleach_worst`).
MAX_RICH_TEXT_CHARS = 10_000
# Tags left open at once, also checked before bleach: html5lib's tree building grows with the
# depth of open elements (10,000 characters of nested lists took over a second); typed or pasted
# text stays far under it.
MAX_OPEN_TAGS = 100
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
_NAME = re.compile(r"/?([a-zA-Z][a-zA-Z0-9]*)")


def _too_deep(html: str) -> bool:
    """More than `MAX_OPEN_TAGS` elements open at once? One pass, each `<...>` read once (a
    regular expression would rescan to the end from every `<` of text with no `>`)."""
    depth, position = 0, 0
    while (start := html.find("<", position)) != -1:
        end = html.find(">", start)
        if end == -1:
            break
        position = end + 1
        tag = html[start + 1 : end]
        name = _NAME.match(tag)
        if name is None:
            continue
        if tag.startswith("/"):
            depth = max(0, depth - 1)
        elif not tag.endswith("/") and name.group(1).lower() not in _VOID:
            depth += 1
            if depth > MAX_OPEN_TAGS:
                return True
    return False


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags and attributes; other tags are removed (their text is
    kept, as inert text), and links are made safe. Text over `MAX_RICH_TEXT_CHARS`, or with
    more than `MAX_OPEN_TAGS` tags open at once, is refused with a ValidationError before bleach
    sees it."""
    if len(html or "") > MAX_RICH_TEXT_CHARS:
        raise ValidationError(f"Keep this text under {MAX_RICH_TEXT_CHARS:,} characters.")
    if _too_deep(html or ""):
        raise ValidationError(
            f"This text nests its formatting too deeply (more than {MAX_OPEN_TAGS} tags open at "
            "once): simplify it, or paste it as plain text."
        )
    cleaned = bleach.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
    )
    return bleach.linkify(
        cleaned, callbacks=[bleach.callbacks.nofollow, bleach.callbacks.target_blank]
    ).strip()


_CONTROL = {codepoint: None for codepoint in range(32) if chr(codepoint) not in "\n\t"}
_CONTROL[0x7F] = None


def plain_text(text: str) -> str:
    """Plain text as people typed it, minus control characters and surrounding space, with
    line endings made uniform. It is stored as text and escaped wherever it is shown."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROL).strip()
