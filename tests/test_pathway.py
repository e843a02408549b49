"""Pathway rules calibrated on the thesis cohort: hospital-only episodes, conventions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.model.draws import Draws
from sim.model.engine import Model
from sim.scenario.files import load_scenario, with_values
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def test_hospital_only_episodes_match_the_thesis(territory):
    """3 of the 32 episodes were spent entirely in hospital (003:4928-4936)."""
    scenario = load_scenario(BASELINE)
    draws = Draws(scenario, scenario_territory(scenario, territory), 0)
    n = 6000
    hospital_only = 0
    deaths = 0
    intensity = 0.0
    for index in range(n):
        profile, intensity = draws.profile(index, intensity)
        deaths += profile.outcome == "death"
        hospital_only += (profile.outcome == "death" and profile.dies_inpatient) or (
            profile.outcome == "early_stop" and profile.never_home
        )
    share = hospital_only / n
    se = math.sqrt(share * (1 - share) / n)
    assert abs(share - 3 / 32) < 3 * se + 0.002, share
    assert abs(deaths / n - 4 / 32) < 3 * math.sqrt(0.11 / n) + 0.002  # 4 of 32 died in cycle 1


def test_a_convention_is_set_up_once_per_zone_and_reused(territory):
    scenario = with_values(load_scenario(BASELINE), {"home_care.convention_reuse_days": 365})
    terr = scenario_territory(scenario, territory)
    model = Model(scenario, terr, 0)
    rodez, millau, foix = terr.position("12202"), terr.position("12145"), terr.position("09122")
    first, _ = model.draws.profile(0, 0.0)
    first.home = rodez
    assert model.home_care.convention_delay(first) == first.convention_delay
    second, _ = model.draws.profile(1, 0.0)
    second.home = millau  # same zone (UDSMA)
    assert np.array_equal(terr.zones.covers[rodez], terr.zones.covers[millau])
    assert model.home_care.convention_delay(second) == second.startup_delay
    third, _ = model.draws.profile(2, 0.0)
    third.home = foix  # another zone: a convention of its own
    assert model.home_care.convention_delay(third) == third.convention_delay
    # After the reuse window the convention must be set up again.
    model.env.run(until=400)
    again, _ = model.draws.profile(3, 0.0)
    again.home = rodez
    assert model.home_care.convention_delay(again) == again.convention_delay


def test_convention_reuse_shortens_the_wait_for_home_care(territory):
    from sim.runs.replications import run_experiment

    def convention_delays(reuse: float):
        scenario = with_values(
            load_scenario(BASELINE),
            {"run.years": 4, "run.warmup_days": 200, "home_care.convention_reuse_days": reuse},
        )
        e = run_experiment(scenario, replications=3, workers=1, territory=territory).episodes
        return e[e["route"] == "convention"].set_index(["replication", "episode"])["ready_delay"]

    fresh, reused = convention_delays(0.0), convention_delays(730.0)
    assert len(fresh) > 5 and fresh.index.equals(reused.index)  # same patients (common random numbers)
    assert fresh.min() >= 28 - 1e-9  # every convention new: 28-56 days (M8)
    assert (reused < 28).sum() >= 1  # a later patient of a zone found its convention in place
    assert (reused <= fresh + 1e-9).all() and reused.mean() < fresh.mean()
