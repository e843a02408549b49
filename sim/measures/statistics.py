"""Statistics, in one home: confidence intervals, replication summaries and paired differences.

Every confidence interval occisim prints or writes comes from here (Student t on replications;
paired differences under common random numbers), and so do the percentile intervals of PSA draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


def summarise(replications: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, Student-t confidence interval, standard deviation and n of every KPI column."""
    rows = []
    for column in replications.columns:
        if column == "replication":
            continue
        values = replications[column].dropna().to_numpy(dtype=float)
        n = len(values)
        mean = float(values.mean()) if n else np.nan
        std = float(values.std(ddof=1)) if n > 1 else np.nan
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / np.sqrt(n)) if n > 1 else np.nan
        rows.append(
            {"kpi": column, "mean": mean, "ci_low": mean - half, "ci_high": mean + half, "std": std, "n": n}
        )
    return pd.DataFrame(rows)


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
    return mean, float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / math.sqrt(n)), std


def paired_difference(base: pd.DataFrame, other: pd.DataFrame, kpis: Sequence[str]) -> pd.DataFrame:
    """Per KPI: mean of (other - base) over replications matched by index, with its 95 % CI."""
    joined = base.merge(other, on="replication", how="inner", suffixes=("_base", "_other"))
    rows = []
    for kpi in kpis:
        if f"{kpi}_other" not in joined or f"{kpi}_base" not in joined:
            diff = np.array([])  # a KPI one side does not have (folders written by other code versions)
        else:
            diff = (joined[f"{kpi}_other"] - joined[f"{kpi}_base"]).to_numpy(dtype=float)
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


def comparison_table(results: dict[str, pd.DataFrame], base: str) -> pd.DataFrame:
    """Long table: one row per (scenario, KPI) with the mean, its CI, and the paired difference to base."""
    kpis = [c for c in results[base].columns if c != "replication"]
    rows = []
    for name, table in results.items():
        diffs = paired_difference(results[base], table, kpis).set_index("kpi") if name != base else None
        for kpi in kpis:
            values = table[kpi].to_numpy(dtype=float) if kpi in table else np.array([])
            mean, half, std = t_interval(values)
            row = {
                "scenario": name,
                "kpi": kpi,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "std": std,
                "n": int(np.sum(~np.isnan(values))),
            }
            if diffs is not None:
                row.update(diffs.loc[kpi].to_dict())
            rows.append(row)
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
