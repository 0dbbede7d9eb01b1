"""The reports' SVG charts: every name escaped, patterns as well as colours, a title for
screen readers, and the scale."""

from decimal import Decimal

import pytest

from lms.reports.charts import ChartRow, bar_chart_svg, number


def test_names_are_escaped_and_each_series_has_a_pattern():
    svg = bar_chart_svg(
        chart_id="t",
        title='Hours <by> "type"',
        rows=[ChartRow("<script>alert(1)</script>", (Decimal("1.5"), 2, 0, 30))],
        series=["Skills", "Protocol", "Scenario", "Field"],
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "Hours &lt;by&gt; &quot;type&quot;; the table below has the numbers" in svg
    for pattern in ("rc-t-hatch", "rc-t-dots", "rc-t-cross"):
        assert f'id="{pattern}"' in svg
    assert 'role="img"' in svg
    assert "33.5" in svg


def test_nothing_to_chart_is_no_chart():
    assert bar_chart_svg(chart_id="t", title="x", rows=[], series=["a"]) == ""


def test_grouped_bars_show_each_value_and_a_dash_for_none():
    svg = bar_chart_svg(
        chart_id="g",
        title="Days",
        rows=[ChartRow("Responders", (40.5, 90)), ChartRow("Nobody yet", (None, None))],
        series=["Median days", "90th percentile days"],
        stacked=False,
    )
    assert "40.5" in svg
    assert ">90<" in svg
    assert "—" in svg


def test_a_fixed_scale_and_a_figure():
    svg = bar_chart_svg(
        chart_id="c",
        title="Rate",
        rows=[ChartRow("Department", (50,), figure="50%")],
        series=["Compliance rate"],
        maximum=100,
    )
    assert "50%" in svg
    # Half the plot width: (360 - 8 - 56) / 2.
    assert 'width="148.0"' in svg


def test_at_most_five_series():
    with pytest.raises(ValueError, match="At most 5"):
        bar_chart_svg(
            chart_id="x", title="x", rows=[ChartRow("a", (1,) * 6)], series=list("abcdef")
        )


def test_numbers():
    assert number(Decimal("1234.0")) == "1,234"
    assert number(2.25) == "2.2"
    assert number(None) == "—"
