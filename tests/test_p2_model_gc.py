"""The model runs with Python's cyclic garbage collector off, which is safe only if a run leaves
(almost) no reference cycles: else memory would grow with the run instead of being freed as it goes.

What a real bug would break: a record or an event holding a cycle (a closure on itself, a back
reference), which would leave garbage proportional to the run; the collector left off after a run
(or after one that failed), which would change every later computation of the process.
"""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from scenario_variants import variant

from sim.model import engine
from sim.model.engine import Model
from sim.scenario.files import resolve_raw
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def saturated(territory):
    """Three times the demand, sessions held for blinatumomab: every part of the model at work."""
    scenario = variant(
        resolve_raw(BASELINE),
        **{
            "run.years": 3,
            "run.warmup_days": 30,
            "blinatumomab.arrivals.episodes_per_year": 25,
            "day_hospital.reserved_per_pattern_day": 2,
        },
    )
    return scenario, scenario_territory(scenario, territory)


def test_a_run_leaves_almost_no_reference_cycles(saturated):
    scenario, territory = saturated
    gc.collect()
    gc.disable()
    try:
        record = Model(scenario, territory, 0).run()
        left = gc.collect()  # unreachable objects: the garbage the collector would have had to find
    finally:
        gc.enable()
    assert len(record.background_bookings) > 20_000 and len(record.episodes) > 50  # a real run
    assert left < 1_000, f"a run left {left} objects in reference cycles"


@pytest.mark.parametrize("was_on", [True, False])
def test_the_collector_is_as_it_was_after_a_run(saturated, was_on):
    scenario, territory = saturated
    short = scenario.model_copy(update={"run": scenario.run.model_copy(update={"years": 0.2})})
    (gc.enable if was_on else gc.disable)()
    try:
        Model(short, territory, 0).run()
        assert gc.isenabled() is was_on
    finally:
        gc.enable()


def test_the_collector_is_on_again_after_a_run_that_failed():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), engine.without_cyclic_gc():
        assert not gc.isenabled()
        raise RuntimeError("the model stopped")
    assert gc.isenabled()


def test_a_replication_leaves_no_record_behind(saturated):
    """The runner empties the records once measured and collects what is left of the run: none of
    them outlives its replication (else memory would grow with the replications of a worker)."""
    from sim.model.records import Admission, BedLevel, BlinaBooking, Episode
    from sim.runs.replications import run_replication

    scenario, territory = saturated
    short = scenario.model_copy(update={"run": scenario.run.model_copy(update={"years": 0.5})})
    record_types = (Admission, BedLevel, BlinaBooking, Episode)
    gc.collect()
    before = sum(isinstance(o, record_types) for o in gc.get_objects())
    output = run_replication(short, territory, 0)
    assert len(output.admissions) > 100 and len(output.episodes) > 5  # a real replication
    gc.disable()  # what the replication itself freed, not a later collection
    try:
        left = sum(isinstance(o, record_types) for o in gc.get_objects())
    finally:
        gc.enable()
    assert left == before, f"{left - before} records outlived their replication"
