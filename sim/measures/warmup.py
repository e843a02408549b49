"""Warm-up analysis: how long until the beds forget that the simulation started empty.

Welch's method averages the daily series over replications and smooths it with a centred moving
average, so the eye can see where it levels off. MSER-5 (White, 1997) picks the truncation point
that minimises the marginal standard error of the remaining batch means of 5 days; it is searched
over the first half of the series only, as usual.
"""

from __future__ import annotations

import numpy as np


def welch_moving_average(series: np.ndarray, window: int) -> np.ndarray:
    """Welch's centred moving average, with the shrinking window near the start (Law and Kelton)."""
    series = np.asarray(series, dtype=float)
    n = len(series)
    out = np.full(n, np.nan)
    cumulative = np.concatenate([[0.0], np.cumsum(series)])
    for i in range(n - window):
        half = min(i, window)
        out[i] = (cumulative[i + half + 1] - cumulative[i - half]) / (2 * half + 1)
    return out


def mser(series: np.ndarray, batch: int = 5) -> tuple[int, np.ndarray]:
    """MSER-``batch`` truncation: (warm-up length in observations, MSER statistic per batch cut)."""
    series = np.asarray(series, dtype=float)
    k = len(series) // batch
    if k < 4:
        raise ValueError(f"need at least {4 * batch} observations for MSER-{batch}, got {len(series)}")
    means = series[: k * batch].reshape(k, batch).mean(axis=1)
    statistic = np.full(k, np.inf)
    for d in range(k // 2):
        rest = means[d:]
        statistic[d] = np.sum((rest - rest.mean()) ** 2) / len(rest) ** 2
    best = int(np.argmin(statistic))
    return best * batch, statistic


def suggest_warmup_days(daily_by_replication: np.ndarray, batch: int = 5) -> int:
    """MSER-5 on the replication-averaged daily series (rows: replications, columns: days)."""
    averaged = np.asarray(daily_by_replication, dtype=float).mean(axis=0)
    return mser(averaged, batch)[0]
