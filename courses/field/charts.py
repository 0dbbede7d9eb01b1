"""Server-rendered SVG for the supervisor's trends page: one small line per evaluation category
over the trainee's reports, with the acceptable line drawn. The page shows the same numbers as
a table; the chart only repeats them."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.field.selectors import Trends

ROW = 34
LABEL_WIDTH = 270
PLOT_WIDTH = 420
PAD = 6


def _short(name: str, limit: int = 40) -> str:
    """A category name that fits the label column, cut at a word with an ellipsis."""
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:&") + "…"


def trend_svg(trends: Trends) -> SafeString:
    scale = trends.spec.scale
    count = len(trends.reports)
    height = ROW * len(trends.rows) + 2 * PAD
    width = LABEL_WIDTH + PLOT_WIDTH + 2 * PAD
    span = max(1, scale.maximum - scale.minimum)

    def x(index: int) -> float:
        if count <= 1:
            return LABEL_WIDTH + PLOT_WIDTH / 2
        return LABEL_WIDTH + index * PLOT_WIDTH / (count - 1)

    def y(row: int, value: int) -> float:
        top = PAD + row * ROW + 4
        return top + (ROW - 8) * (scale.maximum - value) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="trend-chart" role="img" aria-labelledby="trend-title">'
        f'<title id="trend-title">Ratings by category over {count} report'
        f"{'' if count == 1 else 's'}; the table below has the numbers</title>"
    ]
    for row_index, row in enumerate(trends.rows):
        top = PAD + row_index * ROW
        parts.append(
            f'<text x="0" y="{top + ROW / 2 + 4:.1f}" font-size="11" fill="#1f2933">'
            f"{escape(_short(row.name))}</text>"
        )
        accept = y(row_index, scale.acceptable)
        parts.append(
            f'<line x1="{LABEL_WIDTH}" x2="{LABEL_WIDTH + PLOT_WIDTH}" y1="{accept:.1f}" '
            f'y2="{accept:.1f}" stroke="#9aa5b1" stroke-dasharray="3 3" stroke-width="1"/>'
        )
        points = [(x(i), y(row_index, r)) for i, r in enumerate(row.ratings) if r is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="#1d4ed8" stroke-width="2"/>'
            )
        for (px, py), value in zip(points, [r for r in row.ratings if r is not None], strict=True):
            low = value <= scale.narrative_at_or_below
            shape = (
                f'<rect x="{px - 4:.1f}" y="{py - 4:.1f}" width="8" height="8" fill="#b91c1c"/>'
                if low
                else f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="#1d4ed8"/>'
            )
            parts.append(shape)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every author-supplied string is escaped above  # nosec B308
