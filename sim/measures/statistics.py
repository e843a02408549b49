"""Statistics, in one home: confidence intervals, replication summaries and differences.

Every confidence interval occisim prints or writes comes from here (Student t on replications;
differences paired under common random numbers, or Welch for runs with different seeds), and so do
the percentile intervals of PSA draws.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.catalogue import kpi_range


def summarise(
    replications: pd.DataFrame,
    confidence: float = 0.95,
    ranges: Callable[[str], tuple[float, float]] = kpi_range,
) -> pd.DataFrame:
    """Mean, Student-t confidence interval (within the KPI's range: ``ranges``, the scenario's
    ``sim.measures.dated.kpi_ranges``), standard deviation and n of every KPI column."""
    return pd.DataFrame(
        [
            {"kpi": column, **mean_with_interval(replications[column], confidence, ranges(column))}
            for column in replications.columns
            if column != "replication"
        ]
    )


def mean_with_interval(
    values: Sequence[float] | np.ndarray | pd.Series,
    confidence: float = 0.95,
    within: tuple[float, float] = (-math.inf, math.inf),
) -> dict:
    """Mean, Student-t confidence interval, standard deviation and n of the values that are not NaN.

    ``within``: the values a replication can take (``kpi_range``); the interval is cut to them."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    mean, half, std = t_interval(values, confidence)
    low, high = interval_within(mean - half, mean + half, within)
    return {"mean": mean, "ci_low": low, "ci_high": high, "std": std, "n": len(values)}


def interval_within(low: float, high: float, within: tuple[float, float]) -> tuple[float, float]:
    """A confidence interval of a mean cut to the range its values can take: the mean lies in that
    range, so the cut interval holds it whenever the whole one did (NaN ends stay NaN). A mean a
    rounding outside the range (a waste of -1e-10 µg) stays inside its interval: the cut stops at
    the interval's middle; ``+ 0.0`` writes a cut at zero as 0, not -0."""
    middle = (low + high) / 2
    if low == low:
        low = max(low, min(within[0], middle)) + 0.0
    if high == high:
        high = min(high, max(within[1], middle)) + 0.0
    return low, high


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence half-width; half-width NaN below two values."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    std = float(values.std(ddof=1))
    return mean, t_quantile(0.5 + confidence / 2, n - 1) * std / math.sqrt(n), std


@functools.lru_cache(maxsize=1024)
def t_quantile(probability: float, dof: int) -> float:
    """Student t quantile, computed once per (probability, degrees of freedom): a comparison asks
    for the same few thousands of times, and scipy takes about 0.05 ms each."""
    return float(student_ppf(probability, dof))


def student_ppf(probability: float, dof: float | np.ndarray) -> float | np.ndarray:
    """``scipy.stats.t.ppf(probability, dof)``, the same numbers without loading scipy.stats (0.4 s
    at every command): inside the open interval (0, 1) it is ``scipy.special.stdtrit``, which
    ``t.ppf`` computes; at 0 and 1, the ends of its support, scipy.stats itself."""
    if 0 < probability < 1:
        from scipy import special

        return special.stdtrit(dof, probability)
    from scipy import stats  # here, not at import: scipy.stats takes half a second to load

    return stats.t.ppf(probability, dof)


def interval_by_row(
    table: pd.DataFrame | np.ndarray, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of a (points x replications) table: the mean and the Student-t half-width over the
    values that are not NaN (half-width NaN below two values); ``t_interval`` row by row, vectorised."""
    values = np.asarray(table, dtype=float).reshape(len(table), -1)
    present = ~np.isnan(values)
    n = present.sum(axis=1)
    mean = np.divide(
        np.where(present, values, 0.0).sum(axis=1), n, out=np.full(len(n), math.nan), where=n > 0
    )
    squares = np.where(present, values - mean[:, None], 0.0) ** 2
    std = np.sqrt(np.divide(squares.sum(axis=1), n - 1, out=np.full(len(n), math.nan), where=n > 1))
    quantile = student_ppf(0.5 + confidence / 2, np.maximum(n - 1, 1))
    return mean, np.where(n >= 2, quantile * std / np.sqrt(np.maximum(n, 1)), math.nan)


def paired_difference(base: pd.DataFrame, other: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """Per KPI: mean of (other - base) over replications matched by index, with its 95 % CI."""
    base_rows, other_rows = _paired_rows(base["replication"].to_numpy(), other["replication"].to_numpy())
    base_values, other_values = _float_columns(base), _float_columns(other)
    rows = []
    for kpi in kpis:
        if kpi not in other_values or kpi not in base_values or kpi == "replication":
            diff = np.array([])  # a KPI one side does not have (folders written by other code versions)
        else:
            diff = (
                np.asarray(other_values[kpi], float)[other_rows]
                - np.asarray(base_values[kpi], float)[base_rows]
            )
        mean, half, std = t_interval(diff)
        rows.append(
            {
                "kpi": kpi,
                "diff_mean": mean,
                "diff_ci_low": mean - half,
                "diff_ci_high": mean + half,
                "diff_std": std,
                "pairs": int(np.sum(~np.isnan(diff))),
                "significant": bool(half == half and (mean - half > 0 or mean + half < 0)),
            }
        )
    return pd.DataFrame(rows)


def _float_columns(table: pd.DataFrame) -> dict[str, np.ndarray | pd.Series]:
    """A table's columns as float arrays, read in one pass (a column at a time cost a comparison of
    nine scenarios 0.1 s); its columns as they are when one is not a number."""
    try:
        block = np.ascontiguousarray(table.to_numpy(dtype=float).T)
    except (TypeError, ValueError):
        return {name: table[name] for name in table.columns}
    return dict(zip(table.columns, block))


def _paired_rows(base: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the replications both sides ran, in the base's order, as an inner merge on the
    replication pairs them (each replication once per side)."""
    other_rows = pd.Index(other).get_indexer(base)
    kept = np.flatnonzero(other_rows >= 0)
    return kept, other_rows[kept]


def welch_difference(
    base: pd.DataFrame, other: pd.DataFrame, kpis: Sequence[str], confidence: float = 0.95
) -> pd.DataFrame:
    """Per KPI: difference of the means (other - base) of independent samples, with its Welch CI.

    For runs that do not share their seed, so replications cannot be paired.
    """
    rows = []
    for kpi in kpis:
        a = base[kpi].dropna() if kpi in base else pd.Series(dtype=float)
        b = other[kpi].dropna() if kpi in other else pd.Series(dtype=float)
        diff = b.mean() - a.mean()
        var_a = a.var(ddof=1) / len(a) if len(a) > 1 else math.nan
        var_b = b.var(ddof=1) / len(b) if len(b) > 1 else math.nan
        se = np.sqrt(var_a + var_b)
        if se > 0:  # Welch-Satterthwaite degrees of freedom
            dof = se**4 / (var_a**2 / (len(a) - 1) + var_b**2 / (len(b) - 1))
            half = student_ppf(0.5 + confidence / 2, dof) * se
        else:
            half = 0.0 if se == 0 else math.nan  # no spread, or too few values to estimate it
        rows.append(
            {
                "kpi": kpi,
                "diff_mean": diff,
                "diff_ci_low": diff - half,
                "diff_ci_high": diff + half,
                "significant": bool(half > 0 and (diff - half > 0 or diff + half < 0)),
            }
        )
    return pd.DataFrame(rows)


def comparison_table(
    results: dict[str, pd.DataFrame],
    base: str,
    paired: bool = True,
    ranges: Mapping[str, Callable[[str], tuple[float, float]]] | None = None,
) -> pd.DataFrame:
    """Long table: one row per (scenario, KPI) with the mean, its CI, and the difference to base.

    Differences are paired by replication (common random numbers), or with ``paired=False``
    compared as independent samples (Welch). ``ranges``: each scenario's ``kpi_ranges``, the values
    its KPIs can take, that its intervals are cut to (differences are not).
    """
    kpis = [c for c in results[base].columns if c != "replication"]
    difference = paired_difference if paired else welch_difference
    rows = []
    for name, table in results.items():
        # each KPI's row of differences as a dict (read once; ``.loc`` per KPI cost a comparison 0.1 s)
        diffs = {}
        if name != base:
            diffs = difference(results[base], table, kpis).set_index("kpi").to_dict("index")
        columns = _float_columns(table)
        within = (ranges or {}).get(name, kpi_range)  # (the scenario's kpi_ranges; else the safe ones)
        for kpi in kpis:
            values = columns.get(kpi, [])
            interval = mean_with_interval(values, within=within(kpi))
            rows.append({"scenario": name, "kpi": kpi, **interval, **diffs.get(kpi, {})})
    return pd.DataFrame(rows)


def percentile_interval(values: pd.Series | np.ndarray, percent: float = 95.0) -> tuple[float, float]:
    """The central ``percent`` % of the values (e.g. 2.5th and 97.5th percentiles), not a CI of a mean."""
    tail = (100.0 - percent) / 2
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class IncrementalSummary:
    """Incremental cost and effect over PSA draws: means, 95 % intervals, ratio of means, dominance."""

    cost_mean: float
    effect_mean: float
    cost_interval: tuple[float, float]
    effect_interval: tuple[float, float]
    ratio_of_means: float  # cost per unit of effect; NaN when the mean effect is 0
    probability_dominant: float  # share of draws both cost-saving and more effective

    @property
    def quadrant(self) -> str:
        """Where the mean lies on the cost-effectiveness plane. A negative ratio means two opposite
        things (dominant: saves and does more; dominated: costs more and does less), so only the two
        trade-off quadrants have a ratio to quote: 'more_for_more' (EUR per unit gained) and
        'less_for_less' (EUR saved per unit given up); 'no_effect' when the mean effect is 0."""
        cost, effect = self.cost_mean, self.effect_mean
        if not effect:
            return "no_effect"
        if effect > 0:
            return "dominant" if cost <= 0 else "more_for_more"
        return "dominated" if cost >= 0 else "less_for_less"


def incremental_summary(incremental_cost: pd.Series, incremental_effect: pd.Series) -> IncrementalSummary:
    """Summary of PSA draws of the incremental cost and effect of one scenario against another."""
    cost_mean, effect_mean = incremental_cost.mean(), incremental_effect.mean()
    return IncrementalSummary(
        cost_mean=cost_mean,
        effect_mean=effect_mean,
        cost_interval=percentile_interval(incremental_cost),
        effect_interval=percentile_interval(incremental_effect),
        ratio_of_means=cost_mean / effect_mean if effect_mean else math.nan,
        probability_dominant=((incremental_cost < 0) & (incremental_effect > 0)).mean(),
    )
