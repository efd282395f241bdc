"""Small, dependency-free statistics: medians over repetitions, percentiles of latencies."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Iterable[float | None]) -> float | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    mid = len(present) // 2
    if len(present) % 2:
        return present[mid]
    return (present[mid - 1] + present[mid]) / 2


def overlapping(
    samples: Iterable[tuple[float, float, bool]], start: float, end: float
) -> list[tuple[float, float, bool]]:
    """Samples whose [t0, t0 + latency] interval meets [start, end]."""
    return [s for s in samples if s[0] <= end and s[0] + s[1] >= start]


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base <= 0:
        return None
    return value / base
