"""The bleach wrapper's worst case at the size cap: `python -m bench.bleach_worst`.

A fixed generator builds adversarial rich text exactly `lms.sanitize.MAX_RICH_TEXT_CHARS` long
(deeply nested allowed and disallowed tags, mis-nested formatting, thousands of attributes,
entities, unclosed tags, one huge attribute value, many bare links for linkify, comments,
script and style blocks) and `lms.sanitize.sanitize_html` is timed on each: median, p95 and max
over N runs, whether it cleans the text or refuses it (more than `MAX_OPEN_TAGS` open at once).
The table is printed and the figures written to `bench/bleach_worst.json`. Text over the cap
never reaches bleach (it is refused first), so these are the slowest inputs a request can cost.

    .venv/bin/python -m bench.bleach_worst [--runs 20] [--out bench/bleach_worst.json]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

SLOW_SECONDS = 1.0  # a worst case slower than this calls for a lower cap or a pre-check
DEFAULT_OUT = Path(__file__).with_name("bleach_worst.json")


def _fill(unit: str, size: int, *, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` repeated, then `tail`, exactly `size` characters long."""
    room = size - len(head) - len(tail)
    body = (unit * (room // len(unit) + 1))[:room]
    return head + body + tail


# Each generator takes the cap and returns text of exactly that length. Fixed: no randomness.
GENERATORS: dict[str, Callable[[int], str]] = {
    "nested-allowed-tags": lambda n: _fill("<b><i><u>", n),
    "nested-allowed-with-text": lambda n: _fill("<em><strong>x", n),
    "nested-lists": lambda n: _fill("<ul><li><ol><li>", n),
    "nested-blockquotes": lambda n: _fill("<blockquote>", n),
    "nested-disallowed-tags": lambda n: _fill("<div><span>", n),
    "many-attributes": lambda n: _fill(' a="1"', n, head="<a", tail=">x</a>"),
    "many-event-handlers": lambda n: _fill(" onclick=alert(1)", n, head="<p", tail=">x</p>"),
    "many-entities": lambda n: _fill("&amp;&lt;&#x3c;&#60;", n),
    "broken-entities": lambda n: _fill("&#x3c&#60&lt&amp", n),
    "unclosed-tags": lambda n: _fill("<p", n),
    "unclosed-anchors": lambda n: _fill('<a href="http://a.example/">', n),
    "long-attribute-value": lambda n: _fill(
        "a", n, head='<a href="https://example.org/', tail='">link</a>'
    ),
    "many-bare-links": lambda n: _fill("www.a.example ", n),
    "many-bare-emails": lambda n: _fill("a@b.example ", n),
    "many-anchors": lambda n: _fill('<a href="https://a.example/" title="t">l</a>', n),
    "javascript-links": lambda n: _fill('<a href="javascript:alert(1)">x</a>', n),
    "less-than-signs": lambda n: _fill("<", n),
    "comments": lambda n: _fill("<!--", n),
    "script-blocks": lambda n: _fill("<script>alert(1)</script>", n),
    "style-blocks": lambda n: _fill("<style>*{}</style>", n),
    "svg-and-math": lambda n: _fill("<svg><math><mtext><table><mglyph>", n),
    "misnested-formatting": lambda n: _fill("<b><i><u></b></i></u>", n),
    "formatting-reopened": lambda n: _fill("<b>x<p>", n),
    "unclosed-list-items": lambda n: _fill("<li>x", n),
    "nested-at-the-depth-limit": lambda n: _fill("<ul><li>" * 50 + "</li></ul>" * 50, n),
    "mixed": lambda n: _fill('<p><b>www.x.example &amp; <a href="http://y.example" x=1>', n),
}


def corpus(size: int) -> dict[str, str]:
    """The adversarial inputs, each exactly `size` characters."""
    return {name: make(size) for name, make in GENERATORS.items()}


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))]


def _sanitize(text: str) -> bool:
    """Clean `text`; False if the wrapper refuses it (too deeply nested) before bleach."""
    from django.core.exceptions import ValidationError

    from lms.sanitize import sanitize_html

    try:
        sanitize_html(text)
    except ValidationError:
        return False
    return True


def measure(runs: int) -> dict:
    from lms.sanitize import MAX_OPEN_TAGS, MAX_RICH_TEXT_CHARS

    rows = []
    for name, text in corpus(MAX_RICH_TEXT_CHARS).items():
        cleaned = _sanitize(text)  # warm up
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            _sanitize(text)
            seconds.append(time.perf_counter() - started)
        rows.append(
            {
                "input": name,
                "chars": len(text),
                "outcome": "cleaned" if cleaned else "refused",
                "median_ms": round(statistics.median(seconds) * 1000, 2),
                "p95_ms": round(_percentile(seconds, 0.95) * 1000, 2),
                "max_ms": round(max(seconds) * 1000, 2),
            }
        )
    worst = max(rows, key=lambda row: row["max_ms"])
    return {
        "cap_chars": MAX_RICH_TEXT_CHARS,
        "max_open_tags": MAX_OPEN_TAGS,
        "runs": runs,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "slow_threshold_ms": SLOW_SECONDS * 1000,
        "worst": {"input": worst["input"], "max_ms": worst["max_ms"]},
        "within_threshold": worst["max_ms"] < SLOW_SECONDS * 1000,
        "rows": rows,
    }


def table(result: dict) -> str:
    lines = [
        f"sanitize_html at the cap ({result['cap_chars']:,} chars), {result['runs']} runs each",
        f"(more than {result['max_open_tags']} tags open at once: refused before bleach)",
        f"{'input':<26} {'outcome':<8} {'median ms':>10} {'p95 ms':>10} {'max ms':>10}",
    ]
    for row in result["rows"]:
        lines.append(
            f"{row['input']:<26} {row['outcome']:<8} {row['median_ms']:>10.2f} "
            f"{row['p95_ms']:>10.2f} {row['max_ms']:>10.2f}"
        )
    verdict = "within" if result["within_threshold"] else "OVER"
    lines.append(
        f"worst: {result['worst']['input']} at {result['worst']['max_ms']:.2f} ms "
        f"({verdict} the {result['slow_threshold_ms']:.0f} ms threshold)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    result = measure(args.runs)
    sys.stdout.write(table(result) + "\n")
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    sys.stdout.write(f"written to {args.out}\n")
    return 0 if result["within_threshold"] else 1


if __name__ == "__main__":
    sys.exit(main())
