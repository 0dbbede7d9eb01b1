"""The XSS corpus (`xss_payloads.txt`, format in its header) as a list of strings."""

import functools
import re
from pathlib import Path

CORPUS = Path(__file__).with_name("xss_payloads.txt")
ESCAPE_PREFIX = "esc:"
_ESCAPES = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|(.))")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\"}
MARKER = re.compile(r"(?:__xss|alert|confirm|prompt)\W{0,2}(\d+)")


def _unescape(text: str) -> str:
    def one(match: re.Match) -> str:
        hex2, hex4, char = match.groups()
        if hex2 or hex4:
            return chr(int(hex2 or hex4, 16))
        if char not in _SIMPLE:
            raise ValueError(f"unknown escape \\{char} in {text!r}")
        return _SIMPLE[char]

    return _ESCAPES.sub(one, text)


@functools.cache
def _load() -> tuple[str, ...]:
    payloads = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line == "#" or line.startswith("# "):
            continue
        payloads.append(
            _unescape(line[len(ESCAPE_PREFIX) :]) if line.startswith(ESCAPE_PREFIX) else line
        )
    return tuple(payloads)


def load_payloads() -> list[str]:
    """Every payload of the corpus, in file order (payload n is `load_payloads()[n - 1]`)."""
    return list(_load())


def chunks(payloads: list[str], limit: int, sep: str = "\n") -> list[str]:
    """The payloads joined with `sep` into as few strings of at most `limit` characters as
    possible (in order), so one form field can carry many of them. A payload longer than
    `limit` is left out: the field cannot hold it."""
    out: list[str] = []
    current = ""
    for payload in payloads:
        if len(payload) > limit:
            continue
        candidate = f"{current}{sep}{payload}" if current else payload
        if len(candidate) > limit:
            out.append(current)
            candidate = payload
        current = candidate
    if current:
        out.append(current)
    return out
