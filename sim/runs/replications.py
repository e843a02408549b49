"""Replications of a scenario: seeds, parallel workers, and summary statistics.

Replication r of a scenario run with seed S draws every random number from
``SeedSequence(S, spawn_key=(r, ...))``, whatever process runs it, so results do not depend on
the number of workers, and two scenarios run with the same seed see the same patients.

Every command runs its replications through one ``WorkerPool``: results come back in job order,
and each worker process loads the territory once, whatever number of scenarios it is sent.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.measures import frames, kpis
from sim.measures.statistics import summarise
from sim.model.engine import simulate
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
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
    record = simulate(scenario, territory, replication)
    episodes = frames.episodes_frame(record, territory, scenario.costs)
    values = kpis.compute(record, scenario, territory, episodes)
    horizon_days = scenario.run.horizon_whole_days
    level = np.array(record.bed_level, dtype=float)
    load = frames.day_hospital_load(record)
    daily = pd.DataFrame(
        {
            "replication": replication,
            "day": np.arange(horizon_days),
            "weekday": load["weekday"],
            "beds_occupied": frames.daily_mean_level(level[:, 0], level[:, 1], horizon_days),
            "hdj_capacity": load["capacity"],
            "hdj_background": load["background"],
            "hdj_blinatumomab": load["blinatumomab"],
            "hdj_overflow": load["overflow"],
        }
    )
    episodes = episodes.copy()
    episodes.insert(0, "replication", replication)
    admissions = frames.admissions_frame(record)
    admissions.insert(0, "replication", replication)
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


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def with_run_settings(
    scenario: Scenario, replications: int | None = None, seed: int | None = None
) -> Scenario:
    """The scenario with its replication count and seed replaced (when given)."""
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
        summary=summarise(table),
        episodes=pd.concat([o.episodes for o in outputs], ignore_index=True),
        admissions=pd.concat([o.admissions for o in outputs], ignore_index=True),
        daily=pd.concat([o.daily for o in outputs], ignore_index=True),
        seconds=seconds,
        workers=workers,
        outputs=outputs,
    )


Job = tuple[Scenario, int]  # (scenario, replication index)
Progress = Callable[[int], None]  # told how many more runs are done


@functools.cache
def _base_territory() -> Territory:
    """The project's territory (geo/), loaded once per process: the caller's and each worker's."""
    return Territory.load()


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


class WorkerPool:
    """Runs (scenario, replication) jobs and returns their results in job order.

    One job in all, or one worker: the jobs run in this process. Otherwise they run in worker
    processes, started at the first call that needs them and kept until the ``with`` block ends, so
    a command's successive batches (scenarios, precision steps, bisection steps) share them. Every
    scenario is bound to the territory here first, so bad input fails before any worker starts;
    each worker loads the base territory once and binds each scenario it is sent to it.
    """

    def __init__(self, workers: int | None = None, territory: Territory | None = None) -> None:
        self.workers = workers or default_workers()
        self.territory = territory  # the base territory of this process (default: geo/, loaded once)
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None

    def outputs(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[ReplicationOutput]:
        """Everything each run gives: KPIs and the episode, admission and daily tables."""
        return self._run(jobs, _outputs_task, progress)

    def kpis(self, jobs: Sequence[Job], progress: Progress | None = None) -> list[dict[str, float]]:
        """The KPIs of each run only (less to send back from the workers)."""
        return self._run(jobs, _kpis_task, progress)

    def _run(self, jobs: Sequence[Job], task: Callable, progress: Progress | None) -> list:
        keys = self._check(jobs)
        workers = min(self.workers, len(jobs))
        if workers <= 1:
            results = self._here(jobs, keys, task)
        else:
            if self._executor is None:
                self._executor = ProcessPoolExecutor(max_workers=workers)
            results = self._executor.map(
                functools.partial(_in_worker, task),
                [(keys[id(scenario)], r) for scenario, r in jobs],
                chunksize=max(1, len(jobs) // (8 * workers)),
            )
        collected = []
        for result in results:
            collected.append(result)
            if progress:
                progress(1)
        return collected

    def _base(self) -> Territory:
        return self.territory if self.territory is not None else _base_territory()

    def _check(self, jobs: Sequence[Job]) -> dict[int, str]:
        """Bind every scenario of the jobs once, so bad input fails now; their JSON, by identity."""
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
) -> ExperimentResult:
    """Run the replications of a scenario (indices 0..n-1) and summarise them.

    They run in ``pool`` when given (its workers and territory), else in a pool of their own.
    """
    scenario = with_run_settings(scenario, replications, seed)
    n = scenario.run.replications
    start = time.perf_counter()
    with WorkerPool(workers, territory) if pool is None else contextlib.nullcontext(pool) as runner:
        outputs = runner.outputs([(scenario, r) for r in range(n)], progress)
    return assemble(scenario, outputs, time.perf_counter() - start, max(1, min(runner.workers, n)))


def run_many(
    jobs: Sequence[Job], workers: int | None = None, progress: Progress | None = None
) -> list[dict[str, float]]:
    """KPIs of many (scenario, replication) runs in one pool, in job order (for sensitivity and PSA)."""
    with WorkerPool(workers) as pool:
        return pool.kpis(jobs, progress)


def default_output_dir(scenario: Scenario) -> Path:
    return Path("results") / scenario.name
