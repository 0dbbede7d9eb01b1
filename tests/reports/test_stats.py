"""The order statistics of the release report, as properties (no database)."""

import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lms.reports.stats import median, percentile

DAYS = st.lists(st.integers(min_value=0, max_value=5000), min_size=1, max_size=200)


def test_empty_lists_have_no_statistics():
    assert median([]) is None
    assert percentile([], 90) is None


def test_small_examples():
    assert median([3, 1, 2]) == 2.0
    assert median([1, 2, 3, 10]) == 2.5
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 90) == 90
    assert percentile([5], 90) == 5
    assert percentile([1, 2], 50) == 1


@pytest.mark.parametrize("p", [0, -1, 101])
def test_a_percentile_is_above_zero_and_at_most_a_hundred(p):
    with pytest.raises(ValueError, match="percentile"):
        percentile([1, 2, 3], p)


@given(DAYS)
def test_the_median_is_the_standard_librarys(values):
    assert median(values) == statistics.median(values)


@given(DAYS, st.integers(min_value=1, max_value=100))
def test_a_percentile_is_a_value_with_enough_at_or_below_it(values, p):
    result = percentile(values, p)
    assert result in values
    at_or_below = sum(1 for value in values if value <= result)
    below = sum(1 for value in values if value < result)
    assert at_or_below * 100 >= p * len(values)  # at least p% at or below it
    assert below * 100 < p * len(values)  # and it is the smallest such value


@given(DAYS, st.integers(min_value=1, max_value=99))
def test_percentiles_never_decrease(values, p):
    assert percentile(values, p) <= percentile(values, p + 1)
    assert min(values) <= percentile(values, p) <= max(values) == percentile(values, 100)
