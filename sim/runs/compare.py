"""Scenario comparison with common random numbers, paired differences and precision control.

Every scenario runs replication r with the same seed, so replication r of two scenarios sees the
same patients (arrivals, homes, groups, cycles, adverse events, background admissions). The
difference other - base is then computed replication by replication (paired), which removes the
noise the scenarios share: the confidence interval of the difference is far narrower than the
intervals of the two means would suggest.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.measures.catalogue import minimal_important_difference
from sim.measures.dated import kpi_ranges
from sim.measures.statistics import comparison_table, paired_difference, t_interval, t_quantile
from sim.measures.territories import places_of_runs
from sim.runs.replications import (
    ExperimentResult,
    Scheduler,
    WorkerPool,
    assemble,
    base_territory,
    check_workload,
    default_workers,
    with_run_settings,
)
from sim.scenario.errors import ScenarioError, shown
from sim.scenario.reading import read_yaml
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

# KPIs whose precision --target-precision controls (they answer the users' questions).
HEADLINE_KPIS = (
    "bed_occupancy",
    "planned_wait_mean_days",
    "blina_cycle_start_wait_mean_days",
    "blina_bed_days_per_year",
    "bed_days_saved_by_home_care_per_year",
    "hdj_blina_sessions_per_week",
    "trips_per_year",
    "travel_km_per_year",
)


@dataclass
class PrecisionReport:
    target: float
    cap: int
    replications: int
    reached: bool
    worst: pd.DataFrame  # per quantity: relative half-width at the end


def relative_half_widths(results: dict[str, pd.DataFrame], base: str, kpis: Sequence[str]) -> pd.DataFrame:
    """Relative CI half-width of every headline KPI of every scenario and of every difference.

    A mean's half-width is relative to the mean. A difference's half-width is relative to the
    base scenario's mean: a difference that is truly zero can never be known to within 5 % of
    itself, but it can be known to within 5 % of the quantity it changes.
    """
    rows = []
    base_means = {k: t_interval(results[base][k])[0] for k in kpis}
    for name, table in results.items():
        for kpi in kpis:
            mean, half, _ = t_interval(table[kpi])
            rows.append({"quantity": f"{name}: {kpi}", "relative_half_width": _ratio(half, mean)})
        if name == base:
            continue
        diffs = paired_difference(results[base], table, kpis).set_index("kpi")
        for kpi in kpis:
            half = (diffs.loc[kpi, "diff_ci_high"] - diffs.loc[kpi, "diff_ci_low"]) / 2
            rows.append(
                {"quantity": f"{name} - {base}: {kpi}", "relative_half_width": _ratio(half, base_means[kpi])}
            )
    return pd.DataFrame(rows)


def _ratio(half: float, scale: float) -> float:
    if not np.isfinite(half):
        return math.inf
    if half == 0:
        return 0.0
    return abs(half / scale) if scale else math.inf


@dataclass
class ComparisonResult:
    base: str
    results: dict[str, ExperimentResult]
    table: pd.DataFrame
    seconds: float
    precision: PrecisionReport | None = None
    history: list[int] = field(default_factory=list)  # replication counts tried
    places: pd.DataFrame | None = None  # KPIs by department and HAD zone of residence (territories)


def run_comparison(
    scenarios: Sequence[Scenario],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    target_precision: float | None = None,
    max_replications: int = 200,
    headline: Sequence[str] = HEADLINE_KPIS,
    progress: Callable[[int, int], None] | None = None,
    territory: Territory | None = None,
    scheduler: Scheduler | str | None = None,
) -> ComparisonResult:
    """Run every scenario with the same seed and replication indices; the first is the base.

    With ``target_precision``, replications are added (sequential procedure in the spirit of the
    replications algorithm of Hoad, Robinson and Davies, 2010) until every headline KPI of every
    scenario and every paired difference has a relative 95 % half-width at or below the target, or
    the cap is reached. Each step estimates the replications still needed from the current
    standard deviations, n_needed = (t * s / (target * scale))^2, and at most doubles n.

    Every step runs in one pool (local processes, or the Dask cluster ``scheduler``).
    """
    mids = mid_overrides()  # a wrong $OCCISIM_MID_FILE is refused before the runs, not after
    base_seed = seed if seed is not None else scenarios[0].run.seed
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ to be compared, found {names}")
    scenarios = [with_run_settings(s, seed=base_seed) for s in scenarios]
    n = replications or scenarios[0].run.replications
    if target_precision is not None:  # the steps may go up to the cap: refuse now what it would cost
        check_workload([(s, max(n, max_replications)) for s in scenarios])
    workers = workers or default_workers()
    territory = territory if territory is not None else base_territory()  # loaded once, for places too
    start = time.perf_counter()
    outputs: dict[str, list] = {s.name: [] for s in scenarios}
    history: list[int] = []
    precision = None
    with WorkerPool(workers, territory, scheduler) as pool:
        while True:
            jobs = [(s, r) for s in scenarios for r in range(len(outputs[s.name]), n)]
            total = n * len(scenarios)
            tick = (lambda k, total=total: progress(k, total)) if progress else None
            for (scenario, _), output in zip(jobs, pool.outputs(jobs, tick), strict=True):
                outputs[scenario.name].append(output)
            done = n
            history.append(n)
            tables = {
                s.name: pd.DataFrame([{"replication": o.replication, **o.kpis} for o in outputs[s.name]])
                for s in scenarios
            }
            if target_precision is None:
                break
            widths = relative_half_widths(tables, names[0], headline)
            reached = bool((widths["relative_half_width"] <= target_precision).all())
            precision = PrecisionReport(target_precision, max_replications, done, reached, widths)
            if reached or done >= max_replications:
                break
            n = min(
                max_replications,
                max(done + 1, min(2 * done, _needed(tables, names[0], headline, target_precision))),
            )
        workers = pool.workers  # a cluster's worker count is known once it has run
    elapsed = time.perf_counter() - start
    results = {s.name: assemble(s, outputs[s.name], elapsed, workers) for s in scenarios}
    table = comparison_table(
        {k: v.replications for k, v in results.items()},
        names[0],
        ranges={k: kpi_ranges(v.scenario) for k, v in results.items()},
    )
    places = places_of_runs(
        {k: v.episodes for k, v in results.items()},
        {k: v.scenario for k, v in results.items()},
        names[0],
        scenario_territory(scenarios[0], territory),
    )
    judged = judge_differences(table, mids), judge_differences(places, mids)
    return ComparisonResult(names[0], results, judged[0], elapsed, precision, history, judged[1])


def _needed(tables: dict[str, pd.DataFrame], base: str, kpis: Sequence[str], target: float) -> int:
    """Replications each quantity needs at its current standard deviation; the largest of them."""
    n = len(tables[base])
    t = t_quantile(0.975, max(n - 1, 1))
    needed = n
    base_means = {k: t_interval(tables[base][k])[0] for k in kpis}
    for name, table in tables.items():
        for kpi in kpis:
            mean, _, std = t_interval(table[kpi])
            if std == std and mean:
                needed = max(needed, math.ceil((t * std / (target * abs(mean))) ** 2))
            if name != base:
                diff = table[kpi].to_numpy(float) - tables[base][kpi].to_numpy(float)
                _, _, dstd = t_interval(diff)
                if dstd == dstd and base_means[kpi]:
                    needed = max(needed, math.ceil((t * dstd / (target * abs(base_means[kpi]))) ** 2))
    return needed


def judge_differences(table: pd.DataFrame, mids: dict[str, float] | None = None) -> pd.DataFrame:
    """The comparison table with each difference judged against the KPI's minimal important difference.

    Two marks, kept apart: ``significant`` (the 95 % CI excludes 0) and ``important`` (significant,
    and the mean difference at least the minimal important difference, MID). ``verdict`` says it in
    one word: "important"; "negligible" when the whole CI lies within +/- MID (the scenarios are
    equivalent for this KPI); "unclear" otherwise (too few replications to tell). Without a MID for a
    KPI, the MID is ``RELATIVE_MID`` of the base scenario's mean (``minimal_important_difference``).
    """
    table = table.copy()
    if "diff_mean" not in table:
        return table
    mids = mid_overrides() if mids is None else mids
    keys = [c for c in ("level", "unit", "kpi") if c in table]  # a place's KPI is judged on its own base
    base = table[table["diff_mean"].isna()].drop_duplicates(keys).set_index(keys)["mean"].to_dict()
    mid = np.array(
        [
            minimal_important_difference(key[-1], base.get(key if len(keys) > 1 else key[0], np.nan), mids)
            for key in table[keys].itertuples(index=False, name=None)
        ],
        dtype=float,
    )
    low, high, mean = (table[c].to_numpy(float) for c in ("diff_ci_low", "diff_ci_high", "diff_mean"))
    significant = table["significant"].astype("boolean").fillna(False).to_numpy(bool)
    compared = ~np.isnan(mean)
    important = compared & significant & (np.abs(mean) >= mid)
    negligible = compared & ~important & (low > -mid) & (high < mid)
    table["mid"] = mid
    table["important"] = important
    table["verdict"] = np.where(
        important, "important", np.where(negligible, "negligible", np.where(compared, "unclear", ""))
    )
    return table


MID_FILE_VARIABLE = "OCCISIM_MID_FILE"


def mid_overrides() -> dict[str, float]:
    """The planner's own minimal important differences: a YAML file of ``kpi: value`` named by
    $OCCISIM_MID_FILE (none: the catalogue's); ScenarioError naming the file and key if wrong."""
    path = os.environ.get(MID_FILE_VARIABLE)
    if not path:
        return {}
    data = read_yaml(Path(path))
    problems = [
        f"{path}: {key}: expected a number >= 0 (minimal important difference), found {shown(value)}"
        for key, value in data.items()
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf
    ]
    if problems:
        raise ScenarioError(problems)
    return {str(k): float(v) for k, v in data.items()}
