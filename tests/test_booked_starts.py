"""Booked cycle starts, the urgent pre-phase and the admission window of cycle starts (issue M2, point 3).

Each test checks what a real bug would break: a booked cycle asked for on the wrong day or admitted
before it, a bed left free while a patient who may take it waits, a planned admission going before a
booked cycle, a bed held for days before a start weekday, a patient sent home before home care exists.
"""

from __future__ import annotations

import copy
from pathlib import Path

from sim.model.engine import simulate
from sim.scenario.files import resolve_raw
from sim.scenario.schema import GROUPS, Scenario
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
TOL = 1e-9


def make_scenario(**changes) -> Scenario:
    """The baseline with nested keys replaced: ``make_scenario(**{"beds.capacity": 3})``."""
    raw = copy.deepcopy(resolve_raw(BASELINE))
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    return Scenario.model_validate(raw)


def test_a_convention_is_ready_before_the_patient_goes_home_in_every_cycle(territory):
    """From cycle 2 a convention's ready date used to be ignored: patients went home before it existed."""
    no_had = [had for had, ok in zip(territory.hads.index, territory.authorised) if ok]
    every_group = {"dist": "empirical", "values": [3], "weights": [1]}
    scenario = make_scenario(
        **{
            "run.years": 3,
            "run.warmup_days": 0,
            "territory.revoke": no_had,
            "home_care.fallback": ["convention", "inpatient"],
            "home_care.convention_delay_days": {"dist": "fixed", "value": 70},
            "home_care.convention_reuse_days": 0,
            "blinatumomab.cycles.per_group": dict.fromkeys(GROUPS, every_group),
        }
    )
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    checked = 0
    for e in record.episodes:
        assert e.route == "convention"
        for segment in e.home_segments:
            assert segment.start >= e.ready_time - TOL, (e.profile.index, segment, e.ready_time)
            checked += 1
    assert checked > 20
