"""Server-rendered SVG for the readiness dashboard: one horizontal stacked bar per
organisation (ready, one requirement away, further). Colour is never the only signal: each
band also has its own fill pattern (solid, hatched, dotted), the legend names the bands beside
the same patterns, and every segment wide enough carries its number. The page shows the same
numbers in a table right below; the chart only repeats them."""

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from certificates.readiness import BAND_LABELS, Band
from certificates.selectors.readiness_board import OrganisationCounts

# Narrow on purpose: on a 375 px phone the drawing shrinks little, so the text stays legible.
WIDTH = 400
PAD = 4
NAME_HEIGHT = 20  # the organisation's name sits above its bar, so phones keep the full width
BAR_HEIGHT = 24
ROW_GAP = 12
TOTAL_WIDTH = 44  # the row total, right of the bar
LEGEND_HEIGHT = 32
FONT = 14
MIN_LABELLED = 24  # narrower segments carry no number (the table has it)

# fill, the pattern drawn over it, the colour of a number written on it
STYLES = {
    Band.READY: ("#1d6b3a", "", "#ffffff"),
    Band.ONE_AWAY: ("#f6c445", "hatch", "#1b2530"),
    Band.FURTHER: ("#d5dbe0", "dots", "#1b2530"),
}
PATTERNS = (
    '<pattern id="rr-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#f6c445"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#8a5a00" stroke-width="2"/></pattern>'
    '<pattern id="rr-dots" width="6" height="6" patternUnits="userSpaceOnUse">'
    '<rect width="6" height="6" fill="#d5dbe0"/>'
    '<circle cx="3" cy="3" r="1.2" fill="#55606c"/></pattern>'
)


def _short(name: str, limit: int = 56) -> str:
    """A name that fits one line, cut at a word with an ellipsis."""
    if len(name) <= limit:
        return name
    return name[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:&") + "…"


def _fill(band: Band) -> str:
    colour, pattern, _ink = STYLES[band]
    return f"url(#rr-{pattern})" if pattern else colour


def _legend() -> str:
    parts = []
    x = PAD
    for band in (Band.READY, Band.ONE_AWAY, Band.FURTHER):
        label = BAND_LABELS[band]
        parts.append(
            f'<rect x="{x}" y="{PAD + 4}" width="16" height="16" fill="{_fill(band)}" '
            f'stroke="#1b2530" stroke-width="1"/>'
            f'<text x="{x + 22}" y="{PAD + 17}" font-size="{FONT}" fill="#1b2530">'
            f"{escape(label)}</text>"
        )
        x += 22 + int(len(label) * FONT * 0.55) + 18
    return "".join(parts)


def readiness_by_organisation_svg(counts: Sequence[OrganisationCounts]) -> SafeString:
    """A stacked bar per organisation, scaled to the largest organisation's total."""
    if not counts:
        return mark_safe("")  # empty: the page says there is nobody to chart  # nosec B308
    largest = max(org.total for org in counts) or 1
    plot = WIDTH - 2 * PAD - TOTAL_WIDTH
    row = NAME_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = LEGEND_HEIGHT + row * len(counts) + PAD
    people = sum(org.total for org in counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'class="readiness-chart" role="img" aria-labelledby="readiness-chart-title">'
        f'<title id="readiness-chart-title">Candidates by organisation and readiness, '
        f"{people} in all; the table below has the numbers</title>"
        f"<defs>{PATTERNS}</defs>",
        _legend(),
    ]
    for index, org in enumerate(counts):
        top = LEGEND_HEIGHT + index * row
        parts.append(
            f'<text x="{PAD}" y="{top + NAME_HEIGHT - 5}" font-size="{FONT}" '
            f'font-weight="600" fill="#1b2530">{escape(_short(org.name))}</text>'
        )
        x = float(PAD)
        bar_top = top + NAME_HEIGHT
        for band in (Band.READY, Band.ONE_AWAY, Band.FURTHER):
            value = org.count(band)
            if not value:
                continue
            width = plot * value / largest
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_top}" width="{width:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{_fill(band)}" stroke="#1b2530" stroke-width="0.75">'
                f"<title>{escape(org.name)}: {value} {escape(BAND_LABELS[band].lower())}"
                f"</title></rect>"
            )
            if width >= MIN_LABELLED:
                ink = STYLES[band][2]
                # A light plate behind the number keeps it legible over a pattern.
                plate = 8 + 7 * len(str(value))
                centre = x + width / 2
                if STYLES[band][1]:
                    parts.append(
                        f'<rect x="{centre - plate / 2:.1f}" y="{bar_top + 3}" '
                        f'width="{plate}" height="{BAR_HEIGHT - 6}" rx="3" fill="#ffffff"/>'
                    )
                    ink = "#1b2530"
                parts.append(
                    f'<text x="{centre:.1f}" y="{bar_top + BAR_HEIGHT / 2 + 4.5:.1f}" '
                    f'font-size="{FONT - 1}" font-weight="700" text-anchor="middle" '
                    f'fill="{ink}">{value}</text>'
                )
            x += width
        parts.append(
            f'<text x="{WIDTH - PAD}" y="{bar_top + BAR_HEIGHT / 2 + 4.5:.1f}" '
            f'font-size="{FONT}" text-anchor="end" fill="#1b2530">{org.total}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every organisation name is escaped above  # nosec B308
