"""The model against raw SimPy references, measures against the model, and cost per event as runs grow.

python bench/bench_reference.py [--replications N] [--quick]

Everything runs in this one process, on one core, timed in CPU seconds of the process, and is printed
as ratios of timings taken side by side (interleaved), so that a shared machine's noise falls on
both sides of each ratio alike:

1. measures / model: building the tables and KPIs of a replication (what ``run_replication`` does
   after the simulation) against the simulation itself (``Model.run``), on the same records;
2. the model against a raw-SimPy replay of its own bed queue: the same admissions (requests at the
   same times and priorities, each holding its bed as long as it did in the model) through a bare
   ``simpy.PriorityResource`` of the same beds, one process per admission, and nothing else;
3. the model's events per second against a bare SimPy M/M/18 queue (as ``bench_engine.py``);
4. time per SimPy event of the model from demand x1 to x30 (blinatumomab episodes a year) and from
   5 to 50 years: flat within +-20 % means the cost grows linearly with the work. Then the cost of
   each added episode between successive demands: events are not the only work (the day hospital's
   other patients are booked without one, and a busier day hospital makes each booking look further),
   so this tells apart a change of mix from a cost that grows faster than the work;
5. where a replication's time goes: the model timed beside itself with one part left out (the day
   hospital's other patients, the other inpatients, the blinatumomab episodes);
6. over ``bench_compare.py``'s nine scenarios, a replication as a user runs it (model, tables and
   KPIs) with and without the day hospital's other patients: how much a comparison could gain from
   booking them at no cost at all.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import time
from collections.abc import Callable

import numpy as np
import simpy
from bench_compare import SCENARIOS as COMPARED
from bench_engine import BASELINE, CountingEnvironment, count_mm_c, counting_model, mm_c

from sim.measures.columns import forget_measured
from sim.model.engine import Model
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    BOOKED_START,
    EMERGENCY,
    FIRST_ADMISSION,
    PLANNED,
    PRE_PHASE,
    Recorder,
)
from sim.runs.replications import measure_replication
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory


def timed(function: Callable[[], object]) -> float:
    """CPU seconds of this process spent in ``function``: on a shared machine, the time other
    processes hold the cores does not count (wall-clock ratios were off by 2x there). Each starts
    from a collected heap, its result freed outside the timing."""
    gc.collect()
    start = time.process_time()
    result = function()
    seconds = time.process_time() - start
    del result
    return seconds


def measure(record: Recorder, scenario: Scenario, territory: Territory) -> None:
    """What ``run_replication`` computes from a replication's records (tables and KPIs): its own code."""
    measure_replication(record, scenario, territory, 0)
    forget_measured()  # as the runner does: the columns kept for the replication's readers are freed


def bed_workload(record: Recorder, scenario: Scenario) -> list[tuple[float, int, float]]:
    """Each admission of a model run as (request time, priority, days in the bed; inf: to the end)."""
    priorities = scenario.beds.priorities
    by_kind = {
        EMERGENCY: priorities.emergency,
        PLANNED: priorities.planned,
        ADVERSE_EVENT: priorities.adverse_event,
    }
    by_start = {
        FIRST_ADMISSION: priorities.blinatumomab_first_admission,
        BOOKED_START: priorities.blinatumomab_booked_start,
        PRE_PHASE: priorities.blinatumomab_pre_phase,
    }
    workload = []
    for a in record.admissions:
        priority = by_start[a.start_type] if a.kind == BLINA_START else by_kind[a.kind]
        stay = math.inf if a.admit is None or a.discharge is None else a.discharge - a.admit
        workload.append((a.request, priority, stay))
    return sorted(workload, key=lambda w: w[0])


def replay_beds(env: simpy.Environment, capacity: int, workload: list[tuple[float, int, float]], end: float):
    """The bed queue alone in raw SimPy: one process per admission, a PriorityResource of the beds."""
    beds = simpy.PriorityResource(env, capacity=capacity)

    def stay(priority: int, days: float):
        with beds.request(priority=priority) as bed:
            yield bed
            if days < math.inf:
                yield env.timeout(days)
            else:
                yield env.timeout(end - env.now)

    def arrivals():
        for t, priority, days in workload:
            yield env.timeout(t - env.now)
            env.process(stay(priority, days))

    env.process(arrivals())
    env.run(until=end)
    return env


def interleaved(
    first: Callable[[], object], second: Callable[[], object], rounds: int
) -> tuple[float, float, float]:
    """Median seconds of each, and the median of the per-round ratios first/second."""
    a, b = [], []
    for _ in range(rounds):
        a.append(timed(first))
        b.append(timed(second))
    ratios = [x / y for x, y in zip(a, b)]
    return float(np.median(a)), float(np.median(b)), float(np.median(ratios))


def scaled(scenario: Scenario, demand: float = 1.0, years: float | None = None) -> Scenario:
    treatment = scenario.blinatumomab
    arrivals = treatment.arrivals.model_copy(
        update={"episodes_per_year": treatment.arrivals.episodes_per_year * demand}
    )
    run = scenario.run.model_copy(update={"years": years or scenario.run.years})
    return scenario.model_copy(
        update={
            "blinatumomab": treatment.model_copy(update={"arrivals": arrivals}),
            "run": run,
        }
    )


def events_of(scenario: Scenario, territory: Territory) -> int:
    """SimPy events of replication 0 (counted in an untimed run)."""
    return work_of(scenario, territory)[0]


def work_of(scenario: Scenario, territory: Territory) -> tuple[int, int]:
    """SimPy events and blinatumomab episodes of replication 0 (counted in an untimed run)."""
    with counting_model() as built:
        record = Model(scenario, territory, 0).run()
    return built[0].events, len(record.episodes)


def cost_per_event(
    scenario: Scenario, reference: Scenario, territory: Territory, rounds: int
) -> tuple[int, float, float, float]:
    """Events of ``scenario``, its seconds per event, the median ratio of that to ``reference``'s
    (each round timing the two one after the other), and its seconds per run against the reference's."""
    events, reference_events = events_of(scenario, territory), events_of(reference, territory)
    per_event, ratios, per_run = [], [], []
    for _ in range(rounds):
        seconds = timed(lambda: Model(scenario, territory, 0).run())
        theirs = timed(lambda: Model(reference, territory, 0).run())
        per_event.append(seconds / events)
        ratios.append(per_event[-1] / (theirs / reference_events))
        per_run.append(seconds / theirs)
    return events, float(np.median(per_event)), float(np.median(ratios)), float(np.median(per_run))


def marginal_cost(points: list[tuple[str, int, float]]) -> None:
    """Cost of each added episode between successive demands (in reference runs: the baseline's
    seconds): flat means the cost grows linearly with the episodes, whatever the fixed work (the day
    hospital's other patients, the other inpatients) each run carries at any demand."""
    steps = []
    for (low, low_episodes, low_runs), (high, high_episodes, high_runs) in itertools.pairwise(points):
        steps.append((high_runs - low_runs) / (high_episodes - low_episodes))
        row(
            f"added cost per added episode, {low} to {high}",
            f"{steps[-1] * 1e3:8.2f}   (1/1000 of a baseline run; {high_episodes - low_episodes} episodes)",
        )
    if len(steps) > 1:
        row("  last step / first step", f"{steps[-1] / steps[0]:8.2f}")


def row(label: str, value: str) -> None:
    print(f"{label:<58}{value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=5, help="rounds timed (default 5)")
    parser.add_argument("--quick", action="store_true", help="x1, x10 and x30 demand; 5 and 50 years only")
    args = parser.parse_args()
    n = args.replications

    scenario = load_scenario(BASELINE)
    territory = scenario_territory(scenario)
    run = scenario.run
    record = Model(scenario, territory, 0).run()  # warms caches; its records are the replay's workload
    measure(record, scenario, territory)
    print(f"baseline, {run.years:g} years + {run.warmup_days:g} d warm-up; one core; medians of {n} rounds")

    # 1. measures against the model, on the same replication
    records: dict[int, Recorder] = {}

    def simulate_r(r: int) -> None:
        records[r] = Model(scenario, territory, r).run()

    model_s, measure_s = [], []
    for r in range(n):
        model_s.append(timed(lambda r=r: simulate_r(r)))
        measure_s.append(timed(lambda r=r: measure(records[r], scenario, territory)))
    ratios = [m / s for m, s in zip(measure_s, model_s)]
    row("model (Model.run), s per replication", f"{np.median(model_s):8.3f}")
    row("measures (tables + KPIs), s per replication", f"{np.median(measure_s):8.3f}")
    row("measures / model", f"{np.median(ratios):8.2f}   (range {min(ratios):.2f}-{max(ratios):.2f})")
    records.clear()

    # 2. the model against a raw-SimPy replay of its bed queue
    workload = bed_workload(record, scenario)
    capacity, end = scenario.beds.capacity, record.end_time
    with counting_model() as built:
        Model(scenario, territory, 0).run()
    model_events = built[0].events
    replay_events = replay_beds(CountingEnvironment(), capacity, workload, end).events
    model_t, replay_t, ratio = interleaved(
        lambda: Model(scenario, territory, 0).run(),
        lambda: replay_beds(simpy.Environment(), capacity, workload, end),
        n,
    )
    row(
        "raw SimPy replay of the bed queue, s per replication",
        f"{replay_t:8.3f}   ({len(workload)} admissions)",
    )
    row("model / bed-queue replay, time", f"{ratio:8.2f}")
    rate = (model_events / model_t) / (replay_events / replay_t)
    row(
        "model / bed-queue replay, events per second",
        f"{rate:8.2f}   ({model_events} vs {replay_events} events)",
    )

    # 3. events per second against M/M/18 of about as many events
    horizon = 1000.0 * model_events / count_mm_c(1000.0)
    mm_events = count_mm_c(horizon)
    model_t, mm_t, _ = interleaved(
        lambda: Model(scenario, territory, 0).run(), lambda: mm_c(simpy.Environment(), horizon, seed=0), n
    )
    row(
        "model / raw SimPy M/M/18, events per second", f"{(model_events / model_t) / (mm_events / mm_t):8.2f}"
    )

    # 4. time per event as the work grows, each against the 5-year baseline timed beside it
    demands = (1, 10, 30) if args.quick else (1, 3, 10, 30)
    spans = (5, 50) if args.quick else (5, 10, 25, 50)
    for label, reference, cases in (
        (
            "demand",
            scaled(scenario, years=5),
            [(f"x{d}", scaled(scenario, demand=d, years=5)) for d in demands],
        ),
        (
            "years",
            scaled(scenario, years=5),
            [(f"{y} years", scaled(scenario, years=y)) for y in spans],
        ),
    ):
        points = []
        for name, variant in cases:
            events, per_event, ratio, runs = cost_per_event(variant, reference, territory, max(3, n // 2))
            row(
                f"time per event, {label} {name}",
                f"{per_event * 1e6:8.2f} us   ({events} events; {ratio:.2f}x the 5-year baseline's)",
            )
            points.append((name, work_of(variant, territory)[1], runs))
        if label == "demand":
            marginal_cost(points)

    # 5. where a replication's time goes
    where_the_time_goes(scenario, territory, replay_t, n)

    # 6. the same, over bench_compare.py's nine scenarios, as a user runs them
    comparison_bound(territory, max(2, n // 2))


def _nothing(*_: object):
    """A process that ends at once: stands in for a part of the model left out of a timing."""
    return
    yield


def without(scenario: Scenario, territory: Territory, part: str) -> Callable[[], object]:
    """A run of the model with one part's process left out (in this bench only): the day hospital's
    other patients (their requests drawn, none booked), the other inpatients (drawn, none admitted),
    or the blinatumomab episodes (none referred)."""

    def run() -> object:
        model = Model(scenario, territory, 0)
        if part == "day-hospital other patients":
            model.day_hospital.other_patients = _nothing
        elif part == "other inpatients":
            model.ward.other_patients = _nothing
        else:
            model.arrivals = lambda: None
        return model.run()

    return run


def where_the_time_goes(scenario: Scenario, territory: Territory, replay_s: float, rounds: int) -> None:
    """The model's time less each part's, timed beside the whole model: what each part costs, and
    what the model would cost against the bed-queue replay without the day hospital's other patients
    (the largest part, about 44,000 requests a replication, booked without an event each)."""
    whole = lambda: Model(scenario, territory, 0).run()  # noqa: E731
    for part in ("day-hospital other patients", "other inpatients", "blinatumomab episodes"):
        model_t, rest_t, _ = interleaved(whole, without(scenario, territory, part), rounds)
        row(f"share of the model: {part}", f"{1 - rest_t / model_t:8.2f}   ({model_t - rest_t:.3f} s)")
        if part == "day-hospital other patients":
            row("  the model without them / bed-queue replay", f"{rest_t / replay_s:8.2f}")


def comparison_bound(base: Territory, rounds: int) -> None:
    """The nine scenarios of ``bench_compare.py``, a replication each as ``run_replication`` runs it
    (the model, then its tables and KPIs), beside the same without the day hospital's other patients:
    what the comparison would cost if booking them cost nothing, a bound on any faster way to book
    them (a compiled kernel)."""
    whole_s = rest_s = 0.0
    for name in COMPARED:
        scenario = load_scenario(BASELINE.with_name(f"{name}.yaml"))
        territory = scenario_territory(scenario, base)

        def whole(scenario: Scenario = scenario, territory: Territory = territory) -> None:
            measure(Model(scenario, territory, 0).run(), scenario, territory)

        def rest(scenario: Scenario = scenario, territory: Territory = territory) -> None:
            measure(without(scenario, territory, "day-hospital other patients")(), scenario, territory)

        whole_t, rest_t, _ = interleaved(whole, rest, rounds)
        whole_s, rest_s = whole_s + whole_t, rest_s + rest_t
    row(
        "9 compared scenarios: replication without / with other patients",
        f"{rest_s / whole_s:8.2f}   ({whole_s / len(COMPARED):.3f} s a replication, model and measures)",
    )


if __name__ == "__main__":
    main()
