"""Replications of a scenario: seeds, parallel workers, and summary statistics.

Replication r of a scenario run with seed S draws every random number from
``SeedSequence(S, spawn_key=(r, ...))``, whatever process runs it, so results do not depend on
the number of workers, and two scenarios run with the same seed see the same patients.

Every command runs its replications through one ``WorkerPool``: results come back in job order,
and each worker process loads the territory once, whatever number of scenarios it is sent. The
pool's workers are local processes, or those of a Dask cluster (``scheduler``, see
``sim.runs.backends``): the same jobs, the same numbers.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.measures import frames, kpis
from sim.measures.columns import forget_measured
from sim.measures.dated import kpi_ranges
from sim.measures.day_hospital_tables import day_hospital_load_columns
from sim.measures.statistics import summarise
from sim.model.engine import simulate, without_cyclic_gc
from sim.model.records import Recorder
from sim.runs.backends import DaskRunner, Scheduler, parse_scheduler
from sim.runs.processes import WorkerCrashed, stop_signals_blocked, worker_start
from sim.scenario.bounds import MAX_CYCLES, MAX_REPLICATIONS, MAX_SEED
from sim.scenario.errors import ScenarioError, shown
from sim.scenario.schema import DAYS_PER_YEAR, Indication, Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError


@dataclass
class ReplicationOutput:
    replication: int
    kpis: dict[str, float]
    episodes: pd.DataFrame
    admissions: pd.DataFrame
    daily: pd.DataFrame


def run_replication(scenario: Scenario, territory: Territory, replication: int) -> ReplicationOutput:
    """One replication: the simulation, its KPIs and tables. The cyclic garbage collector stays off
    until the records are freed: turned on between the simulation and the measures, it would scan
    every record once more (about 12 % of the time).

    The run's processes left alive at its end hold its objects in reference cycles, and so its
    records, which only the collector would free: left to it, they would outlive two collections and
    be found only by a full one, which scans every object of the process (about 60 ms, every few
    replications). So, once measured, the records are emptied (freed by reference counts) and what
    is left of the run collected here, while still the youngest.
    """
    with without_cyclic_gc():
        record = simulate(scenario, territory, replication)
        output = measure_replication(record, scenario, territory, replication)
        forget_measured()  # the columns kept for the replication's readers, and so its records
        record.discard()
        del record
        gc.collect(0)
    return output


def measure_replication(
    record: Recorder, scenario: Scenario, territory: Territory, replication: int
) -> ReplicationOutput:
    """The KPIs and tables of a replication's records: all a replication computes after its simulation."""
    episodes = frames.episode_table(record, territory, scenario.costs)
    values = kpis.compute(record, scenario, territory, episodes)
    horizon_days = scenario.run.horizon_whole_days
    load = day_hospital_load_columns(record)  # the columns, not a table built to be read
    daily = pd.DataFrame(
        {
            "replication": replication,
            "day": np.arange(horizon_days),
            "weekday": load["weekday"],
            "beds_occupied": frames.daily_beds_occupied(record, horizon_days),
            "hdj_capacity": load["capacity"],
            "hdj_background": load["background"],
            "hdj_blinatumomab": load["blinatumomab"],
            "hdj_overflow": load["overflow"],
        }
    )
    # Tables built once, from the columns the KPIs read, with the replication first.
    episodes = pd.DataFrame({"replication": replication} | episodes)
    admissions = pd.DataFrame({"replication": replication} | frames.admission_columns(record))
    return ReplicationOutput(replication, values, episodes, admissions, daily)


@dataclass
class ExperimentResult:
    scenario: Scenario
    replications: pd.DataFrame  # one row per replication, one column per KPI
    summary: pd.DataFrame  # one row per KPI
    episodes: pd.DataFrame
    admissions: pd.DataFrame
    daily: pd.DataFrame
    seconds: float = 0.0
    workers: int = 1
    outputs: list[ReplicationOutput] = field(default_factory=list, repr=False)

    def warnings(self, lang: str = "en") -> list[str]:
        """What to know before quoting the KPIs (unstable queues, censored waits), in ``lang``."""
        return kpis.run_warnings(self.replications, self.scenario.beds.capacity, lang)


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def with_run_settings(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with its replication count and seed replaced (when given, within the schema's bounds)."""
    for name, value, low, high in (
        ("replications", replications, 1, MAX_REPLICATIONS),
        ("seed", seed, 0, MAX_SEED),
    ):
        if value is not None and not low <= value <= high:
            raise ScenarioError([f"run.{name}: expected {low:,} to {high:,}, found {shown(value)}"])
    update = {k: v for k, v in (("replications", replications), ("seed", seed)) if v is not None}
    return scenario.model_copy(update={"run": scenario.run.model_copy(update=update)}) if update else scenario


def assemble(
    scenario: Scenario, outputs: list[ReplicationOutput], seconds: float, workers: int
) -> ExperimentResult:
    outputs = sorted(outputs, key=lambda o: o.replication)
    table = pd.DataFrame([{"replication": o.replication, **o.kpis} for o in outputs])
    return ExperimentResult(
        scenario=with_run_settings(scenario, replications=len(outputs)),
        replications=table,
        summary=summarise(table, ranges=kpi_ranges(scenario)),
        episodes=pd.concat([o.episodes for o in outputs], ignore_index=True),
        admissions=pd.concat([o.admissions for o in outputs], ignore_index=True),
        daily=pd.concat([o.daily for o in outputs], ignore_index=True),
        seconds=seconds,
        workers=workers,
        outputs=outputs,
    )


# --- the workload: each bound of the schema keeps a run finite, not their product short ---------

# SimPy events, measured on the baseline (bench/bench_engine.py counts them): about 6 per admission
# of another patient and 10 per blinatumomab cycle, about 20 us each with the KPIs on one core. A
# saturated ward costs more: SimPy sorts the bed queue again at every request, about 1/200 of an
# event per request already waiting (measured with 1 bed for 40 years: 7,000 waiting at the end).
# The caps keep a replication within a few minutes and a command within about an hour of one core
# (measured: 20 to 40 us per estimated event); the scenario's bounds each keep a run finite, not
# their product short.
EVENTS_PER_ADMISSION = 6
EVENTS_PER_CYCLE = 10
EVENTS_PER_QUEUED_REQUEST = 0.005
MAX_EVENTS_PER_REPLICATION = 5_000_000
MAX_EVENTS_PER_COMMAND = 100_000_000
WORKLOAD_KNOBS = (
    "run.years, run.warmup_days, beds (capacity, background arrivals_per_day and length_of_stay), "
    "blinatumomab.arrivals (episodes_per_year, annual_growth) or indications (episodes_per_year, cycles)"
)


def simulated_events(scenario: Scenario) -> float:
    """A rough count of the SimPy events of one replication, from the scenario alone.

    Days simulated x (other admissions a day x events each + episodes a day x cycles x events per
    cycle), episodes at their rate at the horizon when they grow; plus, when the beds asked for
    exceed the ward (other patients' stays and cycles' compulsory inpatient days), the cost of
    the queue that grows: requests x the mean length of the queue they join.
    """
    run, beds, blina = scenario.run, scenario.beds, scenario.blinatumomab
    days = run.horizon
    background = beds.background.arrivals_per_day
    episodes = cycle_starts = blina_bed_days = 0.0  # a day, over the indications
    for name, rate in blina.indication_rates().items():
        growth = (1 + max(0.0, blina.annual_growth(name))) ** run.years
        per_day = rate * growth / DAYS_PER_YEAR
        cycles = _mean_cycles(blina.indications[name])
        episodes += per_day
        cycle_starts += per_day * cycles
        stays = blina.inpatient_days(name, 1) + (cycles - 1) * blina.inpatient_days(name, 2)
        blina_bed_days += per_day * stays
    requests = background + cycle_starts  # a day
    bed_days = background * beds.background.length_of_stay.mean_value + blina_bed_days
    queue_growth = requests * max(0.0, 1 - beds.capacity / bed_days) if bed_days > 0 else 0.0
    events = days * (background * EVENTS_PER_ADMISSION + cycle_starts * EVENTS_PER_CYCLE)
    return events + requests * days * (queue_growth * days / 2) * EVENTS_PER_QUEUED_REQUEST


def _mean_cycles(indication: Indication) -> float:
    """Mean cycles per episode of an indication (its distribution's mean, within 1 and its cap)."""
    cap = indication.max_cycles or MAX_CYCLES
    return min(cap, max(1.0, indication.cycles.mean_value))


def check_workload(runs: Sequence[tuple[Scenario, int]]) -> None:
    """Refuse (ScenarioError) what would run for hours: ``runs`` are (scenario, replications) pairs."""
    total = 0.0
    for scenario, replications in runs:
        events = simulated_events(scenario)
        if events > MAX_EVENTS_PER_REPLICATION:
            raise ScenarioError(
                [
                    f"run: expected at most {MAX_EVENTS_PER_REPLICATION:,} simulated events per "
                    f"replication (about {EVENTS_PER_ADMISSION} per admission, {EVENTS_PER_CYCLE} per "
                    f"cycle), found about {events:,.0f} for {scenario.name}: lower {WORKLOAD_KNOBS}"
                ]
            )
        total += events * replications
    if total > MAX_EVENTS_PER_COMMAND:
        raise ScenarioError(
            [
                f"run: expected at most {MAX_EVENTS_PER_COMMAND:,} simulated events in one command, found "
                f"about {total:,.0f} (replications x events per replication): use fewer replications or "
                f"iterations, or lower {WORKLOAD_KNOBS}"
            ]
        )


Job = tuple[Scenario, int]  # (scenario, replication index)
Progress = Callable[[int], None]  # told how many more runs are done


@functools.cache
def _base_territory() -> Territory:
    """The project's territory (geo/), loaded once per process: the caller's and each worker's."""
    return Territory.load()


def base_territory() -> Territory:
    """The project's territory (geo/), loaded once per process and shared by every command's steps."""
    return _base_territory()


@functools.lru_cache(maxsize=8)
def _worker_binding(scenario_json: str) -> tuple[Scenario, Territory]:
    """In a worker process: a scenario and its territory, bound to the process's base once."""
    scenario = Scenario.model_validate_json(scenario_json)
    return scenario, scenario_territory(scenario, _base_territory())


def _outputs_task(scenario: Scenario, territory: Territory, replication: int) -> ReplicationOutput:
    return run_replication(scenario, territory, replication)


def _kpis_task(scenario: Scenario, territory: Territory, replication: int) -> dict[str, float]:
    return run_replication(scenario, territory, replication).kpis


def _in_worker(task: Callable, job: tuple[str, int]) -> object:
    scenario_json, replication = job
    scenario, territory = _worker_binding(scenario_json)
    return task(scenario, territory, replication)


def stop_now(executor: ProcessPoolExecutor) -> None:
    """Stopped (Ctrl-C, an error, a crashed worker, a cancelled job): the queued jobs are dropped and
    the running ones stopped now, rather than waited for.

    The executor keeps its processes, result queue and manager thread in private attributes, the only
    handles on them. A worker stopped while sending a result leaves half a message in the results
    pipe; the executor's manager thread then waits for the rest, which only the end of the pipe can
    break, and the interpreter waits for that thread at exit (a command or a test that never ends).
    The workers' ends of the pipe close with them; this process's own end is closed here.
    """
    processes = list((getattr(executor, "_processes", None) or {}).values())
    results = getattr(executor, "_result_queue", None)
    manager = getattr(executor, "_executor_manager_thread", None)
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    if results is not None:
        results._writer.close()  # the manager thread reads the end of the pipe, and stops
    if manager is not None:
        manager.join(timeout=5)


class WorkerPool:
    """Runs (scenario, replication) jobs and returns their results in job order.

    One job in all, or one worker: the jobs run in this process. Otherwise they run in worker
    processes, started at the first call that needs them and kept until the ``with`` block ends, so
    a command's successive batches (scenarios, precision steps, bisection steps) share them. Every
    scenario is bound to the territory here first, so bad input fails before any worker starts;
    each worker loads the base territory once and binds each scenario it is sent to it.

    With ``scheduler`` (``tcp://HOST:PORT`` or ``local:N``, or a parsed ``Scheduler``) every job is
    sent to a Dask cluster instead, connected at the first batch and kept until the block ends.
    """

    def __init__(
        self,
        workers: int | None = None,
        territory: Territory | None = None,
        scheduler: Scheduler | str | None = None,
    ) -> None:
        self.workers = workers or default_workers()
        self.territory = territory  # the base territory of this process (default: geo/, loaded once)
        self._executor: ProcessPoolExecutor | None = None
        if isinstance(scheduler, str):
            scheduler = parse_scheduler(scheduler)
        self._cluster = DaskRunner(scheduler) if scheduler is not None else None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if self._cluster is not None:
            self._cluster.close(cancel=exc_type is not None)
        if self._executor is None:
            return
        executor, self._executor = self._executor, None
        if exc_type is None:
            executor.shutdown()
            return
        stop_now(executor)

    def outputs(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[ReplicationOutput]:
        """Everything each run gives: KPIs and the episode, admission and daily tables."""
        return self._run(jobs, _outputs_task, progress)

    def kpis(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[dict[str, float]]:
        """The KPIs of each run only (less to send back from the workers)."""
        return self._run(jobs, _kpis_task, progress)

    def _run(self, jobs: Sequence[Job], task: Callable, progress: Progress | None) -> list:
        keys = self._check(jobs)
        workers = min(self.workers, len(jobs))
        if self._cluster is not None:
            payloads = [(keys[id(scenario)], r) for scenario, r in jobs]
            results = self._cluster.map(functools.partial(_in_worker, task), payloads, progress)
            self.workers = self._cluster.workers
            return results
        if workers <= 1:
            results = self._here(jobs, keys, task)
        else:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    max_workers=workers, initializer=worker_start, initargs=(os.getpid(),)
                )
            with stop_signals_blocked():  # the workers start (at the first job) with Ctrl-C blocked
                results = self._executor.map(
                    functools.partial(_in_worker, task),
                    [(keys[id(scenario)], r) for scenario, r in jobs],
                    chunksize=max(1, len(jobs) // (8 * workers)),
                )
        collected = []
        try:
            for result in results:
                collected.append(result)
                if progress:
                    progress(1)
        except BrokenProcessPool:
            raise WorkerCrashed(
                "a worker process stopped before finishing its replications (killed, or out of memory?)"
            ) from None
        return collected

    def _base(self) -> Territory:
        return self.territory if self.territory is not None else _base_territory()

    def _check(self, jobs: Sequence[Job]) -> dict[int, str]:
        """Bind every scenario of the jobs once, so bad input fails now; their JSON, by identity.

        The workload is checked first: too much work is refused before anything starts.
        """
        counts = collections.Counter(id(scenario) for scenario, _ in jobs)
        scenarios = {id(scenario): scenario for scenario, _ in jobs}
        check_workload([(scenarios[key], n) for key, n in counts.items()])
        keys: dict[int, str] = {}
        checked: set[str] = set()
        for scenario, _ in jobs:
            if id(scenario) in keys:
                continue
            keys[id(scenario)] = key = scenario.model_dump_json()
            if key not in checked:
                try:
                    scenario_territory(scenario, self._base())
                except TerritoryDataError as exc:
                    raise ScenarioError([str(exc)]) from None
                checked.add(key)
        return keys

    def _here(self, jobs: Sequence[Job], keys: dict[int, str], task: Callable) -> Iterator[object]:
        """The jobs run in this process, each scenario bound once per run of jobs in a row."""
        bound_to, territory = None, None
        for scenario, r in jobs:
            if keys[id(scenario)] != bound_to:
                bound_to, territory = keys[id(scenario)], scenario_territory(scenario, self._base())
            yield task(scenario, territory, r)


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    territory: Territory | None = None,
    pool: WorkerPool | None = None,
    scheduler: Scheduler | str | None = None,
) -> ExperimentResult:
    """Run the replications of a scenario (indices 0..n-1) and summarise them.

    They run in ``pool`` when given (its workers and territory), else in a pool of their own (on the
    Dask cluster ``scheduler`` when given).
    """
    scenario = with_run_settings(scenario, replications, seed)
    n = scenario.run.replications
    start = time.perf_counter()
    own = WorkerPool(workers, territory, scheduler) if pool is None else contextlib.nullcontext(pool)
    with own as runner:
        outputs = runner.outputs([(scenario, r) for r in range(n)], progress)
    return assemble(scenario, outputs, time.perf_counter() - start, max(1, min(runner.workers, n)))


def run_many(
    jobs: Sequence[Job],
    workers: int | None = None,
    progress: Progress | None = None,
    scheduler: Scheduler | str | None = None,
) -> list[dict[str, float]]:
    """KPIs of many (scenario, replication) runs in one pool, in job order (for sensitivity and PSA)."""
    with WorkerPool(workers, scheduler=scheduler) as pool:
        return pool.kpis(jobs, progress)


def default_output_dir(scenario: Scenario) -> Path:
    return Path("results") / scenario.name
