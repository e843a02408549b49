"""Statistics, in one home: confidence intervals, replication summaries and paired differences.

Every confidence interval occisim prints or writes comes from here (Student t on replications;
paired differences under common random numbers).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
