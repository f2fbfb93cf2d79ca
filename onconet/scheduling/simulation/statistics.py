"""Confidence intervals (Student's t from scipy), percentiles and arrival rates from the booked history."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from scipy.stats import t as student_t

from onconet.scheduling.simulation.config import URGENCIES

# ---------------------------------------------------------------------------------------------- statistics


def t_quantile(df: int) -> float:
    """The 0.975 quantile of Student's t with `df` degrees of freedom (the two-sided 95 % interval's)."""
    if df < 1:
        raise ValueError("at least one degree of freedom")
    return float(student_t.ppf(0.975, df))


def mean_ci(values: Sequence[float], floor: float | None = None) -> Estimate:
    """Mean and 95 % confidence interval (Student t) of independent replications. For a quantity that cannot be
    negative (waits, counts, shares) pass `floor=0`: the interval is cut there instead of reaching below it."""
    if len(values) < 2:
        raise ValueError("a confidence interval needs at least two values")
    mean = statistics.fmean(values)
    half = t_quantile(len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    low = mean - half if floor is None else max(floor, mean - half)
    return Estimate(mean, low, mean + half, len(values))


def percentile(values: Sequence[int], p: float) -> int:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def estimate_rates(
    history: Iterable[tuple[str, int, dt.date]], weeks: float, end: dt.date | None = None
) -> dict[str, dict[int, float]]:
    """Weekly Poisson rates per protocol and urgency from booked courses `(protocol, urgency, ready_date)`:
    the maximum-likelihood estimate, count ÷ weeks. With `end`, only courses ready in the `weeks` weeks before
    `end` (exclusive) count. Every urgency 1..3 of a protocol seen appears (0.0 when it never occurred)."""
    if weeks <= 0:
        raise ValueError("weeks must be positive")
    since = end - dt.timedelta(days=7 * weeks) if end is not None else None
    counts: Counter[tuple[str, int]] = Counter()
    protocols: list[str] = []
    for protocol, urgency, ready in history:
        if urgency not in URGENCIES:
            raise ValueError(f"urgency must be 1, 2 or 3, got {urgency!r}")
        if end is not None and since is not None and not since <= ready < end:
            continue
        if protocol not in protocols:
            protocols.append(protocol)
        counts[(protocol, urgency)] += 1
    return {p: {u: counts[(p, u)] / weeks for u in URGENCIES} for p in protocols}


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a two-sided 95 % Student t confidence interval."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float]:
        return {"mean": _round(self.mean), "ci_low": _round(self.ci_low), "ci_high": _round(self.ci_high)}


def _round(value: float, digits: int = 3) -> float:
    return round(float(value), digits)
