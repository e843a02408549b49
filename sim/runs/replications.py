"""Replications of a scenario: seeds, parallel workers, and summary statistics.

Replication r of a scenario run with seed S draws every random number from
``SeedSequence(S, spawn_key=(r, ...))``, whatever process runs it, so results do not depend on
the number of workers, and two scenarios run with the same seed see the same patients.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
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


# Worker processes keep the territory they loaded, so each loads it once, not once per replication.
_WORKER: dict[str, object] = {}


def _worker_init(scenario_json: str) -> None:
    scenario = Scenario.model_validate_json(scenario_json)
    _WORKER["scenario"] = scenario
    _WORKER["territory"] = scenario_territory(scenario)


def _worker_run(replication: int) -> ReplicationOutput:
    return run_replication(_WORKER["scenario"], _WORKER["territory"], replication)


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


def run_replications(
    scenario: Scenario,
    indices: Sequence[int],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    territory: Territory | None = None,
) -> list[ReplicationOutput]:
    """Run the given replication indices, in parallel processes when ``workers`` > 1, sorted by index."""
    workers = max(1, min(workers or default_workers(), len(indices)))
    try:
        terr = scenario_territory(scenario, territory)  # fails fast on bad input, before any worker starts
    except TerritoryDataError as exc:
        raise ScenarioError([str(exc)]) from None
    outputs: list[ReplicationOutput] = []
    if workers == 1:
        for r in indices:
            outputs.append(run_replication(scenario, terr, r))
            if progress:
                progress(1)
    else:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(scenario.model_dump_json(),)
        ) as pool:
            for output in pool.map(_worker_run, indices):
                outputs.append(output)
                if progress:
                    progress(1)
    return sorted(outputs, key=lambda o: o.replication)


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


def run_experiment(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
    territory: Territory | None = None,
) -> ExperimentResult:
    """Run the replications of a scenario (indices 0..n-1) and summarise them."""
    scenario = with_run_settings(scenario, replications, seed)
    n = scenario.run.replications
    workers = max(1, min(workers or default_workers(), n))
    start = time.perf_counter()
    outputs = run_replications(scenario, range(n), workers, progress, territory)
    return assemble(scenario, outputs, time.perf_counter() - start, workers)


def _job_run(job: tuple[str, int]) -> dict[str, float]:
    scenario_json, replication = job
    scenario = Scenario.model_validate_json(scenario_json)
    base = _WORKER.get("base")
    if base is None:
        base = _WORKER["base"] = Territory.load()
    territory = scenario_territory(scenario, base)
    return run_replication(scenario, territory, replication).kpis


def run_many(
    jobs: Sequence[tuple[Scenario, int]],
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, float]]:
    """KPIs of many (scenario, replication) runs in one pool, in job order (for sensitivity and PSA)."""
    for scenario in {s.model_dump_json(): s for s, _ in jobs}.values():
        scenario_territory(scenario, _WORKER.setdefault("base", Territory.load()))  # fail fast on bad input
    payload = [(s.model_dump_json(), r) for s, r in jobs]
    workers = max(1, min(workers or default_workers(), len(payload)))
    results: list[dict[str, float]] = []
    if workers == 1:
        for job in payload:
            results.append(_job_run(job))
            if progress:
                progress(1)
        return results
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for kpis_of_job in pool.map(_job_run, payload, chunksize=max(1, len(payload) // (8 * workers))):
            results.append(kpis_of_job)
            if progress:
                progress(1)
    return results


def default_output_dir(scenario: Scenario) -> Path:
    return Path("results") / scenario.name
