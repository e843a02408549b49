"""Episode arrivals: Poisson at the configured rate, with optional yearly growth after the warm-up."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.model.draws import Draws
from sim.scenario.files import load_scenario, with_values
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def arrival_times(scenario, territory, replication: int) -> np.ndarray:
    return np.array([p.arrival for p in Draws(scenario, territory, replication).episode_profiles()])


def expected_per_year(rate: float, growth: float, year: int) -> float:
    """Integral of rate * (1 + growth)^t over year [year, year + 1), t in years after the warm-up."""
    if growth == 0:
        return rate
    k = math.log1p(growth)
    return rate * ((1 + growth) ** (year + 1) - (1 + growth) ** year) / k


@pytest.mark.parametrize("growth", [0.0, 0.5, -0.3])
def test_arrivals_follow_the_rate_and_its_growth(territory, growth):
    base = with_values(
        load_scenario(BASELINE),
        {"run.years": 3, "run.warmup_days": 365.25, "blinatumomab.arrivals.annual_growth": growth},
    )
    terr = scenario_territory(base, territory)
    reps = 150
    counts = np.zeros((reps, 4))
    for r in range(reps):
        years = np.floor(arrival_times(base, terr, r) / 365.25).astype(int)
        counts[r] = np.bincount(years, minlength=4)[:4]
    rate = base.blinatumomab.arrivals.episodes_per_year
    # Warm-up year at the base rate, then growth compounds year after year.
    expected = [rate] + [expected_per_year(rate, growth, y) for y in range(3)]
    mean = counts.mean(axis=0)
    half = 3 * counts.std(axis=0, ddof=1) / math.sqrt(reps)  # ~3 standard errors
    for year in range(4):
        assert abs(mean[year] - expected[year]) <= half[year], (year, mean[year], expected[year])
    # Poisson: the variance of a year's count equals its mean (within sampling error).
    assert counts[:, 0].var(ddof=1) == pytest.approx(expected[0], rel=0.35)
