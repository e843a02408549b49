"""One worker pool for a whole command, and the territory loaded once per process.

A compare of three scenarios, a one-way sensitivity and a PSA each start exactly one pool of worker
processes (a pool per scenario or per batch would start workers again and load the territory
again), and no process loads the base territory twice or binds one scenario to it twice. Worker
processes are forked here, so they inherit the counting wrappers and write what they do to a file.
"""

from __future__ import annotations

import collections
import multiprocessing
import os
from pathlib import Path

import pytest
from scenario_variants import baseline_variant

from sim.runs import replications
from sim.runs.compare import run_comparison
from sim.runs.sensitivity import one_way, psa
from sim.scenario.schema import SensitivityParameter
from sim.territory.catchment import Territory

pytestmark = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="counts through workers forked from this process"
)

SHORT = {"run.years": 0.3, "run.warmup_days": 10.0}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pools started, territory loads and scenario bindings, one line each in a file, with the pid."""
    log = tmp_path / "log"

    def note(what: str) -> None:
        with log.open("a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {what}\n")

    load, bind = Territory.load.__func__, replications.scenario_territory

    def counting_load(cls, *args, **kwargs):
        note("load")
        return load(cls, *args, **kwargs)

    def counting_bind(scenario, base):
        note(f"bind {scenario.hash()}")
        return bind(scenario, base)

    class CountingExecutor(replications.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs) -> None:
            note("pool")
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(Territory, "load", classmethod(counting_load))
    monkeypatch.setattr(replications, "scenario_territory", counting_bind)
    monkeypatch.setattr(replications, "ProcessPoolExecutor", CountingExecutor)
    replications._base_territory.cache_clear()  # loaded again here (counted), inherited by the workers
    replications._worker_binding.cache_clear()
    log.touch()
    return log


def events(log: Path) -> list[tuple[int, str]]:
    return [(int(pid), what) for pid, what in (line.split(" ", 1) for line in log.read_text().splitlines())]


def check_one_pool_and_single_loads(log: Path) -> None:
    seen = events(log)
    assert [what for _, what in seen].count("pool") == 1, seen
    workers = {pid for pid, _ in seen} - {os.getpid()}
    assert workers, "the jobs never reached a worker process"
    loads = collections.Counter(pid for pid, what in seen if what == "load")
    assert max(loads.values()) == 1, loads  # the caller once; the forked workers inherit it
    binds = collections.Counter(
        (pid, what) for pid, what in seen if what.startswith("bind") and pid in workers
    )
    assert binds and max(binds.values()) == 1, binds  # a worker binds each scenario it is sent once


def test_a_comparison_of_three_scenarios_runs_in_one_pool(counted):
    scenarios = [baseline_variant(**SHORT, name=f"s{k}", **{"beds.capacity": 16 + k}) for k in range(3)]
    run_comparison(scenarios, replications=4, workers=2)
    check_one_pool_and_single_loads(counted)


def test_a_one_way_sensitivity_runs_in_one_pool(counted):
    parameter = SensitivityParameter(key="beds.capacity", low=16, high=20)
    one_way(baseline_variant(**SHORT), [parameter], ["bed_occupancy"], replications=3, workers=2)
    check_one_pool_and_single_loads(counted)


def test_a_psa_runs_in_one_pool(counted):
    other = baseline_variant(**SHORT, name="other", **{"beds.capacity": 20})
    psa(baseline_variant(**SHORT), other, iterations=2, replications=2, workers=2)
    check_one_pool_and_single_loads(counted)
