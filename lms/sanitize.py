"""The one wrapper around bleach: rich text that people type is cleaned here before storage."""

import bleach

ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "blockquote", "a", "h3", "h4"}
)
ALLOWED_ATTRIBUTES = {"a": ["href", "title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags and attributes; other tags are removed (their text is
    kept, as inert text), and links are made safe."""
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
