"""Server-rendered SVG bar charts for the program reports, in the house pattern of
`certificates/charts.py`: one horizontal bar per row with its name above it (so a 375 px phone
keeps the full width), each series with its own fill pattern as well as its colour (colour is
never the only signal), a legend beside the same patterns, numbers on every segment wide
enough, and the row's figure at the right. Every page shows the chart's numbers in a table right
below it; the chart only repeats them.

Bars are stacked (parts of one whole: hours by training type) or grouped (figures side by
side that do not add up: median and 90th percentile)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 360  # narrow on purpose: on a 375 px phone the drawing shrinks little
PAD = 4
NAME_HEIGHT = 20
BAR_HEIGHT = 24  # a stacked bar
GROUP_BAR_HEIGHT = 16  # one series of a grouped bar
ROW_GAP = 12
TOTAL_WIDTH = 56  # the row's figure, right of the bar
LEGEND_ROW = 24
FONT = 14
MIN_LABELLED = 28  # narrower segments carry no number (the table has it)
INK = "#1b2530"


@dataclass(frozen=True)
class Style:
    fill: str
    pattern: str  # "" for a solid fill
    mark: str  # the colour of the pattern's lines or dots
    ink: str  # the colour of a number written straight on the fill


# In order of use: solid, hatched, dotted, cross-hatched, striped.
STYLES = (
    Style("#1d6b3a", "", "", "#ffffff"),
    Style("#f6c445", "hatch", "#8a5a00", INK),
    Style("#d5dbe0", "dots", "#55606c", INK),
    Style("#cfe3f5", "cross", "#1f4e79", INK),
    Style("#f3d1dc", "stripes", "#8c2f4b", INK),
)


@dataclass(frozen=True)
class ChartRow:
    label: str
    values: tuple[float | int | Decimal, ...]  # one per series
    figure: str | None = None  # the text at the right (default: the total, or each value)


def number(value) -> str:
    """A figure as the tables show it: whole numbers bare, others to one decimal."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        value = float(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


NAME_LIMIT = int((WIDTH - 2 * PAD) / (FONT * 0.6))  # characters of a bold name that fit a line


def _short(name: str, limit: int = NAME_LIMIT) -> str:
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:&") + "…"


def _patterns(prefix: str, count: int) -> str:
    parts = []
    for style in STYLES[:count]:
        pid = f"{prefix}-{style.pattern}"
        base = f'<rect width="6" height="6" fill="{style.fill}"/>'
        if style.pattern == "hatch":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" '
                f'patternTransform="rotate(45)">{base}'
                f'<line x1="0" y1="0" x2="0" y2="6" stroke="{style.mark}" stroke-width="2"/>'
                "</pattern>"
            )
        elif style.pattern == "dots":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">{base}'
                f'<circle cx="3" cy="3" r="1.2" fill="{style.mark}"/></pattern>'
            )
        elif style.pattern == "cross":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">{base}'
                f'<path d="M0 0L6 6M6 0L0 6" stroke="{style.mark}" stroke-width="1"/></pattern>'
            )
        elif style.pattern == "stripes":
            parts.append(
                f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">{base}'
                f'<line x1="0" y1="1.5" x2="6" y2="1.5" stroke="{style.mark}" stroke-width="1.5"/>'
                "</pattern>"
            )
    return "".join(parts)


def _fill(prefix: str, index: int) -> str:
    style = STYLES[index]
    return f"url(#{prefix}-{style.pattern})" if style.pattern else style.fill


def _legend(prefix: str, series: Sequence[str]) -> tuple[str, int]:
    """The legend (wrapping onto more lines when needed) and its height."""
    parts = []
    x, line = PAD, 0
    for index, label in enumerate(series):
        width = 22 + int(len(label) * FONT * 0.55) + 18
        if x > PAD and x + width > WIDTH:
            x, line = PAD, line + 1
        top = PAD + line * LEGEND_ROW
        parts.append(
            f'<rect x="{x}" y="{top + 4}" width="16" height="16" fill="{_fill(prefix, index)}" '
            f'stroke="{INK}" stroke-width="1"/>'
            f'<text x="{x + 22}" y="{top + 17}" font-size="{FONT}" fill="{INK}">'
            f"{escape(label)}</text>"
        )
        x += width
    return "".join(parts), (line + 1) * LEGEND_ROW + PAD


def _number_on(prefix: str, index: int, centre: float, top: float, height: int, value) -> str:
    """A segment's number, on a light plate where the fill is patterned."""
    text = number(value)
    style = STYLES[index]
    ink = style.ink
    parts = []
    if style.pattern:
        plate = 8 + 7 * len(text)
        parts.append(
            f'<rect x="{centre - plate / 2:.1f}" y="{top + 3}" width="{plate}" '
            f'height="{height - 6}" rx="3" fill="#ffffff"/>'
        )
        ink = INK
    parts.append(
        f'<text x="{centre:.1f}" y="{top + height / 2 + 4.5:.1f}" font-size="{FONT - 1}" '
        f'font-weight="700" text-anchor="middle" fill="{ink}">{text}</text>'
    )
    return "".join(parts)


def bar_chart_svg(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[ChartRow],
    series: Sequence[str],
    stacked: bool = True,
    maximum: float | None = None,
    unit: Callable[[float], str] | None = None,
) -> SafeString:
    """Bars for `rows`, one value per series each (at most five series). `maximum` fixes the
    scale (100 for percentages); otherwise the largest bar fills the width. `title` says what
    the chart shows for screen readers (the table below has the numbers)."""
    if not rows:
        return mark_safe("")  # empty: the page says there is nothing to chart  # nosec B308
    if len(series) > len(STYLES):
        raise ValueError(f"At most {len(STYLES)} series.")
    prefix = f"rc-{chart_id}"
    label_value = unit or number

    def size(row: ChartRow) -> float:
        values = [float(v or 0) for v in row.values]
        return sum(values) if stacked else max(values, default=0)

    largest = maximum or max((size(row) for row in rows), default=0) or 1
    plot = WIDTH - 2 * PAD - TOTAL_WIDTH
    bar_block = BAR_HEIGHT if stacked else GROUP_BAR_HEIGHT * len(series) + 2 * (len(series) - 1)
    row_height = NAME_HEIGHT + bar_block + ROW_GAP
    legend, legend_height = _legend(prefix, series) if len(series) > 1 else ("", PAD)
    height = legend_height + row_height * len(rows) + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="report-chart" role="img" aria-labelledby="{prefix}-title">'
        f'<title id="{prefix}-title">{escape(title)}; the table below has the numbers</title>'
        f"<defs>{_patterns(prefix, len(series))}</defs>",
        legend,
    ]
    for index, row in enumerate(rows):
        top = legend_height + index * row_height
        parts.append(
            f'<text x="{PAD}" y="{top + NAME_HEIGHT - 5}" font-size="{FONT}" '
            f'font-weight="600" fill="{INK}">{escape(_short(row.label))}</text>'
        )
        bar_top = top + NAME_HEIGHT
        if stacked:
            parts.append(_stacked(prefix, row, series, bar_top, plot, largest, label_value))
        else:
            parts.append(_grouped(prefix, row, series, bar_top, plot, largest, label_value))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label and title is escaped above  # nosec B308


def _segment_title(row: ChartRow, name: str, text: str) -> str:
    return f"<title>{escape(row.label)}: {escape(name)} {escape(text)}</title>"


def _stacked(prefix, row, series, top, plot, largest, label_value) -> str:
    parts = []
    x = float(PAD)
    for index, value in enumerate(row.values):
        if not value:
            continue
        width = plot * float(value) / largest
        parts.append(
            f'<rect x="{x:.1f}" y="{top}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{_fill(prefix, index)}" stroke="{INK}" stroke-width="0.75">'
            f"{_segment_title(row, series[index], label_value(value))}</rect>"
        )
        if width >= MIN_LABELLED and len(series) > 1:
            parts.append(_number_on(prefix, index, x + width / 2, top, BAR_HEIGHT, value))
        x += width
    figure = row.figure if row.figure is not None else label_value(sum(row.values))
    parts.append(
        f'<text x="{WIDTH - PAD}" y="{top + BAR_HEIGHT / 2 + 4.5:.1f}" font-size="{FONT}" '
        f'text-anchor="end" fill="{INK}">{escape(figure)}</text>'
    )
    return "".join(parts)


def _grouped(prefix, row, series, top, plot, largest, label_value) -> str:
    parts = []
    for index, value in enumerate(row.values):
        bar_top = top + index * (GROUP_BAR_HEIGHT + 2)
        text = label_value(value) if value is not None else "—"
        if value:
            width = plot * float(value) / largest
            parts.append(
                f'<rect x="{PAD}" y="{bar_top}" width="{width:.1f}" height="{GROUP_BAR_HEIGHT}" '
                f'fill="{_fill(prefix, index)}" stroke="{INK}" stroke-width="0.75">'
                f"{_segment_title(row, series[index], text)}</rect>"
            )
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{bar_top + GROUP_BAR_HEIGHT - 3}" '
            f'font-size="{FONT - 2}" text-anchor="end" fill="{INK}">{escape(text)}</text>'
        )
    return "".join(parts)
