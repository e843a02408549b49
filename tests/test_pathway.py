"""Pathway rules calibrated on the thesis cohort: hospital-only episodes, conventions."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.model.draws import Draws
from sim.model.engine import Model
from sim.model.records import Episode
from sim.scenario.files import load_scenario, with_values
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def test_hospital_only_episodes_match_the_thesis(territory):
    """3 of the 32 episodes were spent entirely in hospital (003:4928-4936)."""
    scenario = with_values(load_scenario(BASELINE), {"run.years": 750})  # about 6,000 episodes
    profiles = Draws(scenario, scenario_territory(scenario, territory), 0).episode_profiles()
    n = len(profiles)
    assert n > 5000
    hospital_only = 0
    deaths = 0
    for profile in profiles:
        deaths += profile.outcome == "death"
        hospital_only += (profile.outcome == "death" and profile.dies_inpatient) or (
            profile.outcome == "early_stop" and profile.never_home
        )
    share = hospital_only / n
    se = math.sqrt(share * (1 - share) / n)
    assert abs(share - 3 / 32) < 3 * se + 0.002, share
    assert abs(deaths / n - 4 / 32) < 3 * math.sqrt(0.11 / n) + 0.002  # 4 of 32 died in cycle 1


def test_a_convention_is_set_up_once_per_canton_and_reused(territory):
    """A convention is local (GP, liberal nurses): reused within its canton, not across a zone."""
    scenario = with_values(load_scenario(BASELINE), {"home_care.convention_reuse_days": 365})
    terr = scenario_territory(scenario, territory)
    model = Model(scenario, terr, 0)
    cantons = terr.communes["canton"]
    # Onet-le-Château and Salles-la-Source share a canton; Millau is in UDSMA's zone too, in another.
    onet, salles, millau = terr.position("12176"), terr.position("12254"), terr.position("12145")
    assert cantons.iat[onet] == cantons.iat[salles] != cantons.iat[millau]
    assert np.array_equal(terr.zones.covers[onet], terr.zones.covers[millau])

    def convention_delay(index: int, home: int) -> float:
        profile = model.draws.episode_profiles()[index]
        profile.home = home
        return model.home_care.ask_convention(Episode(profile), 1, "referral").ready - model.env.now, profile

    delay, first = convention_delay(0, onet)
    assert delay == first.convention_delay
    delay, second = convention_delay(1, salles)  # same canton: the convention is in place
    assert delay == min(second.startup_delay, second.convention_delay)
    delay, third = convention_delay(2, millau)  # same HAD zone, another canton: a convention of its own
    assert delay == third.convention_delay
    # After the reuse window the convention must be set up again.
    model.env.run(until=400)
    delay, again = convention_delay(3, onet)
    assert delay == pytest.approx(again.convention_delay)


def test_convention_reuse_shortens_the_wait_for_home_care(territory):
    from sim.runs.replications import run_experiment

    def convention_delays(reuse: float):
        scenario = with_values(
            load_scenario(BASELINE),
            {
                "run.years": 4,
                "run.warmup_days": 200,
                "home_care.convention_reuse_days": reuse,
                "blinatumomab.arrivals.episodes_per_year": 25,  # enough for two patients of one canton
                "home_care.pumps": 50,  # HADs never full: conventions only where no HAD is authorised
                "home_care.census.staffing_sd": 10,
            },
        )
        e = run_experiment(scenario, replications=3, workers=1, territory=territory).episodes
        return e[e["route"] == "convention"].set_index(["replication", "episode"])["ready_delay"]

    fresh, reused = convention_delays(0.0), convention_delays(730.0)
    assert len(fresh) > 5 and fresh.index.equals(reused.index)  # same patients (common random numbers)
    new_convention = load_scenario(BASELINE).home_care.convention_delay_days.low
    assert fresh.min() >= new_convention - 1e-9  # every convention new
    assert (reused < new_convention).sum() >= 1  # a later patient of a canton found its convention in place
    assert (reused <= fresh + 1e-9).all() and reused.mean() < fresh.mean()
