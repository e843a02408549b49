"""Pilot runs that choose a scenario's settings: the background bed demand and the warm-up.

Background demand. The sources give one bed figure: admissions wait "up to 3 weeks" depending on
the season (003:6168-6170). The other acute-leukemia admissions that share the 18 beds are not
described, so their arrival rate is chosen so that the 95th percentile wait of planned admissions,
averaged over replications, hits a target (21 days by default). Monotone in the rate, so bisection
works.

Warm-up. Replications started from empty beds give the daily occupancy; Welch's moving average
shows where it levels off and MSER-5 suggests the days to discard (``sim.measures.warmup``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.measures.warmup import suggest_warmup_days, welch_moving_average
from sim.runs.replications import Progress, Scheduler, WorkerPool, check_workload, run_experiment
from sim.scenario.schema import DAYS_PER_YEAR, Scenario
from sim.territory.catchment import Territory

KPI = "planned_wait_p95_days"


@dataclass(frozen=True)
class CalibrationStep:
    arrivals_per_day: float
    p95_wait_days: float
    ci_low: float
    ci_high: float
    occupancy: float


def with_background_rate(scenario: Scenario, rate: float) -> Scenario:
    background = scenario.beds.background.model_copy(update={"arrivals_per_day": rate})
    return scenario.model_copy(update={"beds": scenario.beds.model_copy(update={"background": background})})


def evaluate(scenario: Scenario, rate: float, replications: int, pool: WorkerPool) -> CalibrationStep:
    result = run_experiment(with_background_rate(scenario, rate), replications, pool=pool)
    summary = result.summary.set_index("kpi")
    return CalibrationStep(
        rate,
        float(summary.loc[KPI, "mean"]),
        float(summary.loc[KPI, "ci_low"]),
        float(summary.loc[KPI, "ci_high"]),
        float(summary.loc["bed_occupancy", "mean"]),
    )


def calibrate_background_rate(
    scenario: Scenario,
    target_p95_days: float = 21.0,
    low: float = 0.40,
    high: float = 0.60,
    replications: int = 20,
    iterations: int = 7,
    workers: int | None = None,
    territory: Territory | None = None,
    on_step: Callable[[CalibrationStep], None] | None = None,
    scheduler: Scheduler | str | None = None,
) -> tuple[float, list[CalibrationStep]]:
    """Bisect the background arrival rate (per day) until the mean p95 planned wait meets the target."""
    steps: list[CalibrationStep] = []
    check_workload([(with_background_rate(scenario, high), replications * iterations)])  # all the steps
    with WorkerPool(workers, territory, scheduler) as pool:
        for _ in range(iterations):
            middle = (low + high) / 2
            step = evaluate(scenario, middle, replications, pool)
            steps.append(step)
            if on_step:
                on_step(step)
            if step.p95_wait_days > target_p95_days:
                high = middle
            else:
                low = middle
    best = min(steps, key=lambda s: abs(s.p95_wait_days - target_p95_days))
    return best.arrivals_per_day, steps


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
