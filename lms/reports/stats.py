"""Order statistics for the reports, as plain functions (no database)."""

import math
from collections.abc import Sequence


def median(values: Sequence[int]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def percentile(values: Sequence[int], p: int) -> int | None:
    """The `p`th percentile by the nearest-rank method: the smallest value with at least `p`
    percent of the values at or below it (always one of the values). None when empty."""
    if not 0 < p <= 100:
        raise ValueError("A percentile is above 0 and at most 100.")
    if not values:
        return None
    ordered = sorted(values)
    rank = math.ceil(p * len(ordered) / 100)
    return ordered[rank - 1]
