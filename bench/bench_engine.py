"""Speed of the engine: seconds per baseline replication, and SimPy events per second against raw SimPy.

python bench/bench_engine.py [--replications N]

Everything runs in this one process, on one core. The key figure is the ratio of the model's events
per second to those of a bare SimPy M/M/18 queue timed in the same run, interleaved with the model:
machine noise moves both, the ratio much less. Events are counted in separate, untimed passes with a
counting environment, so the timed runs carry no counting overhead.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import simpy

from sim.model.engine import Model
from sim.runs.replications import run_replication
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

# Raw SimPy reference: M/M/18 at utilisation rho = lambda / (servers * mu).
SERVERS, RHO, MU = 18, 0.85, 1.0


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    def __init__(self, initial_time: float = 0) -> None:
        super().__init__(initial_time)
        self.events = 0

    def step(self) -> None:
        super().step()
        self.events += 1


@contextmanager
def counting_model() -> Iterator[list[CountingEnvironment]]:
    """Make ``Model`` build counting environments; yields the list of those it built."""
    built: list[CountingEnvironment] = []

    def factory(*args, **kwargs) -> CountingEnvironment:
        env = CountingEnvironment(*args, **kwargs)
        built.append(env)
        return env

    original = simpy.Environment
    simpy.Environment = factory
    try:
        yield built
    finally:
        simpy.Environment = original


def mm_c(env: simpy.Environment, horizon: float, seed: int) -> simpy.Environment:
    """Run a process-per-customer M/M/c queue (Poisson arrivals, exponential service) until horizon."""
    rng = random.Random(seed)
    servers = simpy.Resource(env, capacity=SERVERS)
    arrival_rate = RHO * SERVERS * MU

    def customer():
        with servers.request() as request:
            yield request
            yield env.timeout(rng.expovariate(MU))

    def source():
        while True:
            yield env.timeout(rng.expovariate(arrival_rate))
            env.process(customer())

    env.process(source())
    env.run(until=horizon)
    return env


def count_mm_c(horizon: float) -> int:
    env = CountingEnvironment()
    mm_c(env, horizon, seed=0)
    return env.events


def timed(function: Callable[[], object]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def model_events(scenario: Scenario, territory: Territory, replications: int) -> list[int]:
    """Events the model processes in each replication (deterministic: a replication fixes its seeds)."""
    with counting_model() as built:
        for r in range(replications):
            Model(scenario, territory, r).run()
    return [env.events for env in built]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5, help="replications timed (default 5)")
    args = parser.parse_args()
    n = args.replications

    start = time.perf_counter()
    scenario = load_scenario(BASELINE)
    territory = scenario_territory(scenario)
    load_s = time.perf_counter() - start
    run = scenario.run

    # Warm caches (imports, territory lookups) before timing anything.
    run_replication(scenario, territory, 0)

    events = model_events(scenario, territory, n)
    events_per_rep = float(np.median(events))

    # The M/M/18 reference processes about as many events as one model replication.
    probe = 1000.0
    horizon = probe * events_per_rep / count_mm_c(probe)
    raw_events = count_mm_c(horizon)

    # Interleave the timings so that machine noise falls on all of them alike: each model run is
    # bracketed by two runs of the reference, and the ratio is taken per round, then its median.
    def raw_run() -> float:
        return timed(lambda: mm_c(simpy.Environment(), horizon, seed=0))

    model_s, full_s, raw_s, ratios = [], [], [], []
    for r in range(n):
        before = raw_run()
        model_s.append(timed(lambda r=r: Model(scenario, territory, r).run()))
        after = raw_run()
        full_s.append(timed(lambda r=r: run_replication(scenario, territory, r)))
        raw_s += [before, after]
        ratios.append((events[r] / model_s[r]) / (raw_events / ((before + after) / 2)))

    model_med, full_med, raw_med = (float(np.median(t)) for t in (model_s, full_s, raw_s))
    model_rate = float(np.median([e / t for e, t in zip(events, model_s)]))
    raw_rate = raw_events / raw_med
    ratio = float(np.median(ratios))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux

    def row(label: str, value: str) -> None:
        print(f"{label:<48}{value}")

    print(
        f"baseline, {n} replications on one core, each {run.warmup_days:g} d warm-up"
        f" + {run.years:g} years; medians"
    )
    row("load scenario + territory (once)", f"{load_s:9.3f} s")
    row("replication, SimPy model only (Model.run)", f"{model_med:9.3f} s")
    row("replication, with KPIs (run_replication)", f"{full_med:9.3f} s")
    row("  of which KPIs and data frames", f"{full_med - model_med:9.3f} s")
    row("SimPy events per replication", f"{events_per_rep:9.0f}   (min {min(events)}, max {max(events)})")
    row("model events per second", f"{model_rate:9.0f}")
    row(
        f"raw SimPy M/M/{SERVERS} events per second",
        f"{raw_rate:9.0f}   (rho {RHO}, {raw_events} events, {raw_med * 1e3:.1f} ms per run)",
    )
    row(
        "model / raw SimPy events per second",
        f"{ratio:9.2f}   (median of {n} rounds, range {min(ratios):.2f}-{max(ratios):.2f})",
    )
    row("peak memory (ru_maxrss)", f"{peak_mb:9.0f} MB")


if __name__ == "__main__":
    main()
