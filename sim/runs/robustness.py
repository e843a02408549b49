"""Robustness of a search over authorisation sets: the selection repeated on variants of the base
scenario (the uncertain assumptions one at a time, the parameter sets of a calibration band, draws of
its ``psa`` section); each set's share of wins is reported."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd

from sim.measures.selection import SelectionSettings
from sim.model.draws import latin_hypercube, psa_iteration_seeds
from sim.runs.replications import Progress, Scheduler, WorkerPool, base_territory, with_run_settings
from sim.runs.search import Objective, SearchResult, search
from sim.scenario.errors import ScenarioError
from sim.scenario.files import with_values
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


@dataclass(frozen=True)
class Variant:
    label: str
    updates: dict[str, float]
    seed: int | None = None  # a PSA draw runs on its own inner seed


def assumption_variants(varies: Sequence[str]) -> list[Variant]:
    """``key=v1,v2`` options, one variant per value (one assumption at a time)."""
    variants = []
    for text in varies:
        key, sep, values = text.partition("=")
        try:
            numbers = [float(v) for v in values.split(",") if v.strip()]
        except ValueError:
            numbers = []
        if not sep or not key.strip() or not numbers:
            raise ValueError(
                f"--vary {text!r}: expected KEY=V1,V2,..., e.g. home_care.derogation_max_km=50,100"
            )
        variants += [Variant(f"{key.strip()}={v:g}", {key.strip(): v}) for v in numbers]
    return variants


def psa_variants(scenario: Scenario, draws: int, seed: int | None = None) -> list[Variant]:
    """``draws`` parameter draws of the scenario's ``psa`` section (Latin hypercube, as ``occisim psa``)."""
    spec = scenario.psa
    if not spec.parameters:
        raise ScenarioError(
            ["psa.parameters: expected at least one parameter with a distribution, found none"]
        )
    seed = scenario.run.seed if seed is None else seed
    u = latin_hypercube(len(spec.parameters), draws, seed)
    seeds = psa_iteration_seeds(seed, draws)
    return [
        Variant(
            f"psa draw {i + 1}",
            {p.key: float(p.distribution.ppf(u[i : i + 1, j])[0]) for j, p in enumerate(spec.parameters)},
            seeds[i],
        )
        for i in range(draws)
    ]


def band_variants(band: pd.DataFrame) -> list[Variant]:
    """One variant per parameter set of a calibration band (``sim.runs.band.read_band``)."""
    from sim.runs.calibration import MEMBER

    keys = [column for column in band.columns if column != MEMBER]
    return [
        Variant(f"band member {row[MEMBER]}", {key: float(row[key]) for key in keys})
        for _, row in band.iterrows()
    ]


def robustness(
    scenario: Scenario,
    variants: Sequence[Variant],
    objective: Objective,
    settings: SelectionSettings,
    max_new: int,
    among: Sequence[str] | None = None,
    cost_per_authorisation: float = 0.0,
    workers: int | None = None,
    progress: Progress | None = None,
    on_variant: Callable[[Variant, SearchResult], None] | None = None,
    scheduler: Scheduler | str | None = None,
    territory: Territory | None = None,
) -> pd.DataFrame:
    """The search repeated on each variant; per set, the share of variants where it is selected."""
    base = territory if territory is not None else base_territory()
    winners = []
    with WorkerPool(workers, base, scheduler) as pool:
        for variant in variants:
            varied = with_values(scenario, variant.updates, origin="--vary")
            if variant.seed is not None:
                varied = with_run_settings(varied, seed=variant.seed)
            result = search(
                varied,
                objective,
                settings,
                max_new,
                among,
                cost_per_authorisation,
                progress=progress,
                territory=base,
                pool=pool,
            )
            winners.append(
                {
                    "variant": variant.label,
                    "best": result.best,
                }
            )
            if on_variant:
                on_variant(variant, result)
    frame = pd.DataFrame(winners)
    share = frame["best"].value_counts(normalize=True).rename("probability_best")
    return (
        share.rename_axis("set")
        .reset_index()
        .merge(
            frame.groupby("best")["variant"]
            .apply(", ".join)
            .rename("best_under")
            .rename_axis("set")
            .reset_index()
        )
    )
