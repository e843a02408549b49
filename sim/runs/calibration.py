"""Calibrate the background bed demand to an observed waiting time.

The sources give one bed figure: admissions wait "up to 3 weeks" depending on the season
(003:6168-6170). The other acute-leukemia admissions that share the 18 beds are not described, so
their arrival rate is chosen so that the 95th percentile wait of planned admissions, averaged
over replications, hits a target (21 days by default). Monotone in the rate, so bisection works.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sim.runs.replications import WorkerPool, run_experiment
from sim.scenario.schema import Scenario
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
) -> tuple[float, list[CalibrationStep]]:
    """Bisect the background arrival rate (per day) until the mean p95 planned wait meets the target."""
    steps: list[CalibrationStep] = []
    with WorkerPool(workers, territory) as pool:
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
