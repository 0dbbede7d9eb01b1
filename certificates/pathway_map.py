"""A role's pathway map as server-rendered SVG: the roles that lead to it above, the role in the
middle, the roles it leads to below, one column of boxes that reads at phone width. Each pathway
is an elbow line on the side (in on the left, out on the right), solid for a progressive move
and dashed for a lateral one, and every box names the kind of move in words. The page lists the
same pathways right after the map; the map only repeats them.

The layout (`map_layout`) is pure arithmetic over the number of roles on each side; the lines
are nested so that none crosses another: the farther a box, the farther out its line runs and the
lower (in) or higher (out) it meets the middle box.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from certificates.models import PathwayKind

WIDTH = 340
NODE_X = 46
NODE_W = WIDTH - 2 * NODE_X  # 248
NODE_H = 66
NODE_GAP = 12
BAND_TITLE = 26  # room for a band's heading above its boxes
PAD = 8
TRUNK_OUTER = 10  # the outermost trunk's distance from the picture's edge
TRUNK_INNER = 14  # the innermost trunk's distance from the boxes
MAX_TRUNK_STEP = 12
LINE_CHARS = 26  # characters of a role name per line at the box's font size
NAME_LINES = 2  # in a box; the middle box has room for one more
CENTRE_LINES = 3
NAME_SIZE = 14
LINE_HEIGHT = NAME_SIZE + 3

SOLID, DASHED = "", "6 4"
COLOURS = {PathwayKind.PROGRESSIVE: "#0b5563", PathwayKind.LATERAL: "#8a5a00"}


def _kind(value: str) -> PathwayKind:
    """The edge's kind (an unknown value draws as progressive, the solid line)."""
    return PathwayKind(value) if value in PathwayKind.values else PathwayKind.PROGRESSIVE


class Edge(Protocol):
    role_id: int
    role_name: str
    kind: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def middle(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Line:
    """An elbow: from (x1, y1) out to the trunk at `trunk`, along it to y2, then in to x2."""

    x1: float
    y1: float
    trunk: float
    y2: float
    x2: float

    @property
    def points(self) -> tuple[tuple[float, float], ...]:
        return (
            (self.x1, self.y1),
            (self.trunk, self.y1),
            (self.trunk, self.y2),
            (self.x2, self.y2),
        )


@dataclass(frozen=True)
class Layout:
    height: float
    centre: Box
    boxes_in: tuple[Box, ...]
    boxes_out: tuple[Box, ...]
    lines_in: tuple[Line, ...]  # from each box in to the centre's left side
    lines_out: tuple[Line, ...]  # from the centre's right side to each box out
    title_in_y: float | None
    title_out_y: float | None


def _spread(count: int, start: float, end: float) -> list[float]:
    """`count` points evenly from `start` to `end` (one point: the middle)."""
    if count == 1:
        return [(start + end) / 2]
    step = (end - start) / (count - 1)
    return [start + i * step for i in range(count)]


def _trunks(count: int, outer: float, inner: float) -> list[float]:
    """Trunk positions from the outermost to the innermost, at most MAX_TRUNK_STEP apart."""
    if count == 1:
        return [inner]
    step = min(MAX_TRUNK_STEP, abs(inner - outer) / (count - 1))
    direction = 1 if inner > outer else -1
    return [inner - direction * step * (count - 1 - i) for i in range(count)]


def map_layout(count_in: int, count_out: int) -> Layout:
    """Where the boxes and lines go for `count_in` roles leading here and `count_out` roles
    this one leads to."""
    y = PAD
    title_in_y = title_out_y = None
    boxes_in = []
    if count_in:
        title_in_y = y + 16
        y += BAND_TITLE
        for _ in range(count_in):
            boxes_in.append(Box(NODE_X, y, NODE_W, NODE_H))
            y += NODE_H + NODE_GAP
        y += NODE_GAP
    ports = max(count_in, count_out, 1)
    centre_height = max(28 + CENTRE_LINES * LINE_HEIGHT, 24 + 6 * ports)
    centre = Box(NODE_X, y, NODE_W, centre_height)
    y += centre_height + NODE_GAP
    boxes_out = []
    if count_out:
        y += NODE_GAP
        title_out_y = y + 16
        y += BAND_TITLE
        for _ in range(count_out):
            boxes_out.append(Box(NODE_X, y, NODE_W, NODE_H))
            y += NODE_H + NODE_GAP
    height = y - NODE_GAP + PAD

    top, bottom = centre.y + 10, centre.y + centre.height - 10
    lines_in = []
    if count_in:
        # Box 0 is the top (farthest): the outermost trunk, entering the centre lowest.
        trunks = _trunks(count_in, TRUNK_OUTER, NODE_X - TRUNK_INNER)
        entries = list(reversed(_spread(count_in, top, bottom)))
        lines_in = [
            Line(box.x, box.middle, trunk, entry, centre.x)
            for box, trunk, entry in zip(boxes_in, trunks, entries, strict=True)
        ]
    lines_out = []
    if count_out:
        # Box 0 is the nearest: the innermost trunk, leaving the centre lowest.
        right = NODE_X + NODE_W
        trunks = list(reversed(_trunks(count_out, WIDTH - TRUNK_OUTER, right + TRUNK_INNER)))
        exits = list(reversed(_spread(count_out, top, bottom)))
        lines_out = [
            Line(right, exit_y, trunk, box.middle, right)
            for box, trunk, exit_y in zip(boxes_out, trunks, exits, strict=True)
        ]
    return Layout(
        height=height,
        centre=centre,
        boxes_in=tuple(boxes_in),
        boxes_out=tuple(boxes_out),
        lines_in=tuple(lines_in),
        lines_out=tuple(lines_out),
        title_in_y=title_in_y,
        title_out_y=title_out_y,
    )


def wrap(name: str, width: int = LINE_CHARS, lines: int = NAME_LINES) -> list[str]:
    """A role name in at most `lines` lines of about `width` characters, cut at words, the last
    line ending in an ellipsis when the name is longer (the list below the map has it whole)."""
    words = name.split()
    out: list[str] = []
    current = ""
    for word in words:
        while len(word) > width:  # a very long word: break it
            if current:
                out.append(current)
                current = ""
            out.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        out = [*out[: lines - 1], (last[: width - 1].rstrip() + "…")]
    return out or [""]


def _fmt(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _arrow(x: float, y: float, pointing: int) -> str:
    """A small filled triangle with its tip at (x, y), pointing right (1) or left (-1)."""
    back = x - 8 * pointing
    return f"{_fmt(back)},{_fmt(y - 4.5)} {_fmt(x)},{_fmt(y)} {_fmt(back)},{_fmt(y + 4.5)}"


def _name_lines(name: str, box: Box, *, first_y: float, weight: str, lines: int) -> list[str]:
    return [
        f'<text x="{_fmt(box.x + 10)}" y="{_fmt(first_y + i * LINE_HEIGHT)}" '
        f'font-size="{NAME_SIZE}" font-weight="{weight}" fill="#1b2530">{escape(line)}</text>'
        for i, line in enumerate(wrap(name, lines=lines))
    ]


def _node(edge: Edge, box: Box, direction: str) -> str:
    kind = _kind(edge.kind)
    dash = SOLID if kind == PathwayKind.PROGRESSIVE else DASHED
    words = kind.label + (" move to this role" if direction == "in" else " move from here")
    parts = [
        f'<g class="pathway-edge pathway-edge--{kind}" data-direction="{direction}" '
        f'data-role="{edge.role_id}" data-kind="{escape(edge.kind)}">',
        f'<a href="{escape(reverse("careers:role", kwargs={"role_id": edge.role_id}))}" '
        f'tabindex="-1">',
        f'<rect x="{_fmt(box.x)}" y="{_fmt(box.y)}" width="{_fmt(box.width)}" '
        f'height="{_fmt(box.height)}" rx="8" fill="#ffffff" stroke="{COLOURS[kind]}" '
        f'stroke-width="1.5" stroke-dasharray="{dash}"/>',
        *_name_lines(edge.role_name, box, first_y=box.y + 20, weight="600", lines=NAME_LINES),
        f'<text x="{_fmt(box.x + 10)}" y="{_fmt(box.y + box.height - 9)}" font-size="12" '
        f'fill="{COLOURS[kind]}">{escape(words)}</text>',
        "</a></g>",
    ]
    return "".join(parts)


def _line(line: Line, kind: str, pointing: int, tip_x: float) -> str:
    kind = _kind(kind)
    points = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in line.points)
    dash = f' stroke-dasharray="{DASHED}"' if kind == PathwayKind.LATERAL else ""
    return (
        f'<polyline points="{points}" fill="none" stroke="{COLOURS[kind]}" stroke-width="2"'
        f"{dash}/>"
        f'<polygon points="{_arrow(tip_x, line.y2, pointing)}" fill="{COLOURS[kind]}"/>'
    )


def pathway_map_svg(role, edges_in: Sequence[Edge], edges_out: Sequence[Edge]) -> SafeString:
    """The map of `role` (anything with `pk` and `name`): `edges_in` are the roles that lead
    here, `edges_out` the roles this one leads to (each with `role_id`, `role_name`, `kind`)."""
    layout = map_layout(len(edges_in), len(edges_out))
    name = escape(role.name)
    count_in, count_out = len(edges_in), len(edges_out)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {_fmt(layout.height)}" '
        f'class="pathway-map" role="img" aria-labelledby="pathway-map-title pathway-map-desc">',
        f'<title id="pathway-map-title">Pathway map of {name}</title>',
        f'<desc id="pathway-map-desc">{count_in} role{"" if count_in == 1 else "s"} lead'
        f"{'s' if count_in == 1 else ''} here and this role leads to {count_out}; solid lines "
        "are progressive moves, dashed lines lateral ones. The list after the map has the same "
        "pathways.</desc>",
    ]
    if layout.title_in_y is not None:
        parts.append(
            f'<text x="{NODE_X}" y="{_fmt(layout.title_in_y)}" font-size="12" font-weight="700" '
            f'fill="#55606c">ROLES THAT LEAD HERE</text>'
        )
    if layout.title_out_y is not None:
        parts.append(
            f'<text x="{NODE_X}" y="{_fmt(layout.title_out_y)}" font-size="12" font-weight="700" '
            f'fill="#55606c">ROLES THIS ONE LEADS TO</text>'
        )
    for edge, line in zip(edges_in, layout.lines_in, strict=True):
        parts.append(_line(line, edge.kind, 1, line.x2))
    for edge, line in zip(edges_out, layout.lines_out, strict=True):
        parts.append(_line(line, edge.kind, -1, line.x2))
    for edge, box in zip(edges_in, layout.boxes_in, strict=True):
        parts.append(_node(edge, box, "in"))
    for edge, box in zip(edges_out, layout.boxes_out, strict=True):
        parts.append(_node(edge, box, "out"))
    centre = layout.centre
    parts.append(
        f'<g class="pathway-map__centre"><rect x="{_fmt(centre.x)}" y="{_fmt(centre.y)}" '
        f'width="{_fmt(centre.width)}" height="{_fmt(centre.height)}" rx="8" fill="#e6f0f2" '
        f'stroke="#083f49" stroke-width="3"/>'
    )
    parts.append(
        f'<text x="{_fmt(centre.x + 10)}" y="{_fmt(centre.y + 16)}" font-size="11" '
        f'font-weight="700" fill="#55606c">THIS ROLE</text>'
    )
    parts.extend(
        _name_lines(role.name, centre, first_y=centre.y + 35, weight="700", lines=CENTRE_LINES)
    )
    parts.append("</g>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every role name and kind is escaped above  # nosec B308
