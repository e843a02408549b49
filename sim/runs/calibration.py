"""Pilot runs that choose a scenario's settings: the background bed demand (a band) and the warm-up.

Background demand. The sources give one bed figure: admission delays reach "jusqu'à 3 semaines"
"selon les périodes de l'année" (003:6168-6170). The other acute-leukemia admissions that share the
18 beds are not described (arrival rate, length of stay, emergency share, seasonality: all
assumptions), so they are fitted to readings of that sentence (``Target``: a KPI and the range it
should fall in). A design of parameter sets (the scenario's own values, then a Latin hypercube over
the ranges given) runs the same replications each (common random numbers); a set is kept in the
band when, for every target, the 95 % confidence interval of the KPI's mean over replications meets
the target's range, and no replication's bed queue grew without bound. The band, not one number,
is what the sentence supports: ``sim.runs.band`` repeats runs and comparisons across it.

Warm-up. Replications started from empty beds give the daily occupancy; Welch's moving average
shows where it levels off and MSER-5 suggests the days to discard (``sim.measures.warmup``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.catalogue import kpi_range
from sim.measures.statistics import interval_within, t_interval
from sim.measures.warmup import suggest_warmup_days, welch_moving_average
from sim.model.draws import latin_hypercube
from sim.runs.replications import Progress, Scheduler, WorkerPool, run_experiment, with_run_settings
from sim.runs.sensitivity import parse_parameter, split_range
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.files import value_at, with_values
from sim.scenario.schema import DAYS_PER_YEAR, Scenario, SensitivityParameter
from sim.territory.catchment import Territory

MEMBER = "member"  # the band file's first column: the design point each parameter set comes from
SCENARIO_POINT = 0  # design point 0 is the scenario's own values


@dataclass(frozen=True)
class Target:
    """A KPI and the range [low, high] a reading of the sources puts it in."""

    kpi: str
    low: float
    high: float


# Readings of "jusqu'à 3 semaines selon les périodes de l'année" (003:6168-6170); docs/calibration.md.
# Both ranges are assumptions of reading: the long waits (p95) of the peak season reach 2 to 3 weeks,
# and the longest wait of a year is 3 weeks, 4 at most (a figure spoken in whole weeks).
DEFAULT_TARGETS = (
    Target("planned_wait_peak_season_p95_days", 14.0, 21.0),
    Target("planned_wait_yearly_max_days", 21.0, 28.0),
)
# The background demand (M3 in docs/sources.md, all assumptions) and the ranges searched by default.
DEFAULT_PARAMETERS = (
    SensitivityParameter(key="beds.background.arrivals_per_day", low=0.40, high=0.60),
    SensitivityParameter(key="beds.background.length_of_stay.mean", low=20.0, high=35.0),
    SensitivityParameter(key="beds.background.emergency_share", low=0.3, high=0.7),
    SensitivityParameter(key="beds.background.seasonal_amplitude", low=0.0, high=0.2),
)


def parse_target(text: str) -> Target:
    """``kpi=low:high`` from the command line (ScenarioError, one line, if it is not)."""
    kpi, low, high = split_range(text, "--target", "kpi=low:high", "planned_wait_yearly_max_days=21:28")
    if not (np.isfinite(low) and np.isfinite(high) and low <= high and kpi):
        raise ScenarioError(
            [f"--target {one_line(repr(text), 120)}: expected a KPI name and finite low <= high"]
        )
    return Target(kpi, low, high)


def parse_design_parameter(text: str) -> SensitivityParameter:
    """``key=low:high`` (a number of the scenario and the range searched), as for sensitivity."""
    parameter = parse_parameter(text)
    if not parameter.low < parameter.high:
        raise ScenarioError([f"--param {one_line(repr(text), 120)}: expected low < high"])
    return parameter


def design_points(
    scenario: Scenario, parameters: Sequence[SensitivityParameter], points: int, seed: int
) -> pd.DataFrame:
    """Point 0: the scenario's own values; points 1..points-1: a Latin hypercube over the ranges."""
    keys = [p.key for p in parameters]
    own = {key: value_at(scenario, key) for key in keys}
    unit = latin_hypercube(len(keys), max(points - 1, 0), seed) if points > 1 else np.empty((0, len(keys)))
    low = np.array([p.low for p in parameters])
    high = np.array([p.high for p in parameters])
    drawn = pd.DataFrame(low + unit * (high - low), columns=keys)
    design = pd.concat([pd.DataFrame([own]), drawn], ignore_index=True)
    design.insert(0, MEMBER, np.arange(len(design)))
    return design


def member_scenario(scenario: Scenario, member: pd.Series | dict, origin: str) -> Scenario:
    """The scenario with one parameter set of a design or band applied (its 'member' column left out)."""
    values = {k: float(v) for k, v in dict(member).items() if k != MEMBER}
    return with_values(scenario, values, origin=origin)


@dataclass
class BandCalibration:
    targets: tuple[Target, ...]
    design: pd.DataFrame  # one row per design point: parameters, KPI means and CIs, accepted
    replications: int
    seed: int
    parameters: tuple[SensitivityParameter, ...]

    @property
    def band(self) -> pd.DataFrame:
        """The accepted parameter sets: the band file's rows (member, then one column per key)."""
        keys = [p.key for p in self.parameters]
        return self.design.loc[self.design["accepted"], [MEMBER, *keys]].reset_index(drop=True)


def calibrate_band(
    scenario: Scenario,
    targets: Sequence[Target] = DEFAULT_TARGETS,
    parameters: Sequence[SensitivityParameter] = DEFAULT_PARAMETERS,
    points: int = 40,
    replications: int = 10,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    territory: Territory | None = None,
    scheduler: Scheduler | str | None = None,
) -> BandCalibration:
    """Run every design point with the same seed and replications; keep those meeting every target."""
    seed = scenario.run.seed if seed is None else seed
    scenario = with_run_settings(scenario, replications=replications, seed=seed)
    design = design_points(scenario, parameters, points, seed)
    variants = [member_scenario(scenario, row, "--param") for _, row in design.iterrows()]
    jobs = [(variant, r) for variant in variants for r in range(replications)]
    with WorkerPool(workers, territory, scheduler) as pool:
        results = pool.kpis(jobs, progress)
    names = set(results[0]) if results else set()
    missing = [t.kpi for t in targets if t.kpi not in names]
    if missing:
        raise ScenarioError([f"--target: expected KPI names of replications.csv, found {missing}"])
    rows = [
        _assess(pd.DataFrame(results[k * replications : (k + 1) * replications]), targets)
        for k in range(len(variants))
    ]
    design = pd.concat([design, pd.DataFrame(rows)], axis=1)
    return BandCalibration(tuple(targets), design, replications, seed, tuple(parameters))


def _assess(block: pd.DataFrame, targets: Sequence[Target]) -> dict[str, float | bool]:
    """KPI means and CIs of one design point, whether each target is met, and its distance to them.

    The distance is 0 inside every target; otherwise the sum, over targets, of how far the mean is
    outside the range, in units of the range's width (the closest sets when none is accepted).
    """
    row: dict[str, float | bool] = {}
    accepted, distance = True, 0.0
    for target in targets:
        mean, half, _ = t_interval(block[target.kpi].to_numpy(dtype=float))
        low, high = (mean - half, mean + half) if half == half else (mean, mean)
        low, high = interval_within(low, high, kpi_range(target.kpi))  # (a target lies in the range)
        met = bool(high >= target.low and low <= target.high)
        width = max(target.high - target.low, 1e-9)
        distance += max(target.low - mean, mean - target.high, 0.0) / width
        row |= {f"{target.kpi}_mean": mean, f"{target.kpi}_ci_low": low, f"{target.kpi}_ci_high": high}
        row[f"{target.kpi}_met"] = met
        accepted &= met
    row["bed_occupancy_mean"] = float(block["bed_occupancy"].mean())
    row["unstable_share"] = float(block["unstable"].mean())
    row["distance"] = distance
    row["accepted"] = bool(accepted and row["unstable_share"] == 0)
    return row


@dataclass
class WarmupProbe:
    """Beds occupied day by day from empty beds, and the warm-up it suggests."""

    daily: np.ndarray  # one row per replication, one column per day
    welch: np.ndarray  # Welch's moving average of the mean over replications
    suggested_days: int  # MSER-5 on the mean over replications

    def table(self) -> pd.DataFrame:
        """Per day: mean beds occupied over replications and its moving average."""
        return pd.DataFrame(
            {"day": np.arange(self.daily.shape[1]), "mean_beds": self.daily.mean(axis=0), "welch": self.welch}
        )


def probe_warmup(
    scenario: Scenario,
    replications: int,
    days: int,
    window: int,
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: Scheduler | str | None = None,
) -> WarmupProbe:
    """Run ``days`` from empty beds, no warm-up discarded; Welch's half-window ``window`` days."""
    run = scenario.run.model_copy(update={"warmup_days": 0.0, "years": days / DAYS_PER_YEAR})
    probe = scenario.model_copy(update={"run": run})
    result = run_experiment(probe, replications, workers=workers, progress=progress, scheduler=scheduler)
    daily = result.daily.pivot(index="replication", columns="day", values="beds_occupied").to_numpy()[
        :, :days
    ]
    return WarmupProbe(daily, welch_moving_average(daily.mean(axis=0), window), suggest_warmup_days(daily))
