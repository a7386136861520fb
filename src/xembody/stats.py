"""Confidence intervals for evaluations and experiment tables: t intervals for means (over independent
units: episodes, training subsets), Wilson intervals for success rates, and McNemar's exact test for two
arms' successes on the same episodes."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_ci(values: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """(mean, half-width of its t confidence interval); the half-width is nan for a single value."""
    n = len(values)
    mean = float(sum(values) / n)
    if n < 2:
        return mean, math.nan
    from scipy import stats

    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))


def proportion_ci(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (low, high) of a success rate; sound at 0/n and n/n, unlike mean +- t."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + level / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))  # p inside, despite rounding


def grouped_ci(values: Sequence[float], groups: Sequence[int], level: float = 0.95) -> tuple[float, float]:
    """`mean_ci` over the means of each group (windows of one episode are not independent samples)."""
    values, groups = np.asarray(values, float), np.asarray(groups)
    return mean_ci([float(values[groups == g].mean()) for g in np.unique(groups)], level)


def mcnemar_p(gained: int, lost: int) -> float:
    """Two-sided exact McNemar p-value of two arms planned on the same starts: `gained` episodes only the
    first succeeds on, `lost` only the second; episodes both (or neither) succeed on say nothing about
    which is better. 1.0 when no episode tells them apart."""
    from scipy import stats

    n = gained + lost
    return 1.0 if n == 0 else float(stats.binomtest(min(gained, lost), n, 0.5).pvalue)
