"""Which HADs to authorise next: a search over authorisation sets.

1. The candidates are the HADs of the territory that may not give chemotherapy at home in the base
   scenario (or those the user names). Every set of at most ``max_new`` of them is a configuration,
   the status quo (no new authorisation) included as the reference.
2. A screen at no cost, on the territory: the simulation sees an authorisation only through the
   options it opens to a home commune (an authorised HAD of its zone; an authorised HAD of a bordering
   zone within the derogation distance). Sets that open exactly the same options to every commune of
   the catchment simulate identically, so only the one with the fewest authorisations is simulated; a
   set that adds an HAD opening no option is dominated by the set without it (same care, one more
   authorisation to pay for).
3. The rest are simulated under common random numbers (replication r of every set has the same seeds)
   and ranked by KN++ (``sim.measures.selection``) on the objective the user names, a KPI or a weighted
   sum of KPIs, always minimised (a negative weight rewards a KPI).
4. Robustness (``sim.runs.robustness``): the selection is repeated on variants of the base scenario;
   each set's share of wins is reported.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.measures.catalogue import kpi_range
from sim.measures.selection import SelectionResult, SelectionSettings, kn_plus_plus, pareto_front
from sim.measures.statistics import interval_within, t_interval
from sim.runs.checks import scenario_kpi_names
from sim.runs.replications import (
    Progress,
    Scheduler,
    WorkerPool,
    base_territory,
    check_workload,
    with_run_settings,
)
from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

STATUS_QUO = "status quo"
# Why a set is not simulated (the report translates them): its HADs, or the set it simulates like.
OPENS_NOTHING = " opens no option to any resident"
SAME_OPTIONS = "same options as "
COST_KPI = "cost_total_per_year"  # an authorisation's yearly cost (--cost-per-authorisation) adds to it
_TERM = re.compile(
    r"^\s*(?:(?P<weight>[-+]?\d+(?:\.\d*)?(?:e[-+]?\d+)?)\s*\*)?\s*(?P<kpi>[a-z][a-z0-9_]*)\s*$"
)


@dataclass(frozen=True)
class Objective:
    """A KPI or a weighted sum of KPIs, minimised: "blina_bed_days_per_year + 0.001*travel_km_per_year"."""

    terms: tuple[tuple[float, str], ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> Objective:
        pieces = re.split(r"(?<=[a-z0-9_])\s*(?=[-+])", text.strip())  # split before + and - between terms
        terms = []
        for piece in pieces:
            sign = -1.0 if piece.startswith("-") else 1.0
            match = _TERM.match(piece.lstrip("+-").strip())
            if not piece.strip() or match is None:
                raise ValueError(
                    f"--objective {text!r}: expected a KPI name or a sum of WEIGHT*KPI terms, "
                    f"e.g. 'blina_bed_days_per_year + 0.001*travel_km_per_year'"
                )
            weight = float(match["weight"]) if match["weight"] else 1.0
            terms.append((sign * weight, match["kpi"]))
        return cls(tuple(terms), text.strip())

    @property
    def kpis(self) -> list[str]:
        return [kpi for _, kpi in self.terms]

    @property
    def value_range(self) -> tuple[float, float]:
        """The values a replication's objective can take: each term's KPI range (``kpi_range``)
        weighted, and added (a negative weight turns its range round; one unbounded side, unbounded)."""
        low = high = 0.0
        for weight, kpi in self.terms:
            if weight == 0:
                continue
            ends = [weight * end for end in kpi_range(kpi)]
            low, high = low + min(ends), high + max(ends)
        return low, high

    def values(self, replications: pd.DataFrame) -> np.ndarray:
        """The objective of every row (replication) of a KPI table, term by term."""
        total = np.zeros(len(replications))
        for weight, kpi in self.terms:
            total = total + weight * replications[kpi].to_numpy(dtype=float)
        return total


@dataclass(frozen=True)
class AuthorisationSet:
    hads: tuple[str, ...]  # the HADs newly authorised, sorted

    @property
    def name(self) -> str:
        return "+".join(self.hads) if self.hads else STATUS_QUO


@dataclass(frozen=True)
class Coverage:
    """What a set opens to the catchment's residents (people, from geo/communes)."""

    zone_had: float  # people with an authorised HAD in their zone
    derogation_only: float  # people with none, but an authorised HAD of a bordering zone within reach
    none: float  # people with neither: a convention, or the ward
    signature: bytes  # the options of every commune: equal signatures simulate identically


@dataclass
class SearchResult:
    table: pd.DataFrame  # one row per authorisation set: coverage, screen, replications, objective, CIs
    selection: SelectionResult | None
    objective: Objective
    settings: SelectionSettings
    candidates: list[str]
    max_new: int
    cost_per_authorisation: float
    robustness: pd.DataFrame | None = None  # per set: wins across variants, and the variants
    kpis: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # per simulated set

    @property
    def best(self) -> str:
        """The selected set (the status quo when it was the only one to simulate)."""
        return self.selection.best if self.selection else STATUS_QUO


def authorisable(scenario: Scenario, territory: Territory, among: Sequence[str] | None = None) -> list[str]:
    """The HADs a search may authorise: not authorised in the scenario, with a zone in the catchment."""
    known = list(territory.hads.index)
    if among:
        unknown = [had for had in among if had not in known]
        if unknown:
            raise ScenarioError(
                [f"--among: expected HAD ids of geo/had.csv ({', '.join(known)}), found {unknown}"]
            )
    catchment = territory.communes["in_catchment"].to_numpy()
    has_zone = territory.zones.covers[catchment].any(axis=0)
    pool = [h for h in known if (not among or h in among)]
    return [h for h in pool if not territory.authorised[known.index(h)] and has_zone[known.index(h)]]


def authorisation_sets(candidates: Sequence[str], max_new: int) -> list[AuthorisationSet]:
    """The status quo and every set of 1..max_new candidates."""
    sets = [AuthorisationSet(())]
    for size in range(1, min(max_new, len(candidates)) + 1):
        sets += [AuthorisationSet(tuple(sorted(combo))) for combo in itertools.combinations(candidates, size)]
    return sets


def coverage(territory: Territory, derogation_max_km: float) -> Coverage:
    """The options an authorisation set (already applied to ``territory``) opens to each commune."""
    catchment = territory.communes["in_catchment"].to_numpy()
    covers = territory.zones.covers[catchment]
    authorised = territory.authorised[None, :]
    zone = covers & authorised
    bordering = ((covers.astype(np.int64) @ territory.zone_adjacency.astype(np.int64)) > 0) & ~covers
    within = territory.to_had_nearest_site.km[catchment] <= derogation_max_km
    derogation = bordering & authorised & within
    population = territory.communes["population"].to_numpy(dtype=float)[catchment]
    has_zone, has_derogation = zone.any(axis=1), derogation.any(axis=1)
    return Coverage(
        zone_had=float(population[has_zone].sum()),
        derogation_only=float(population[~has_zone & has_derogation].sum()),
        none=float(population[~has_zone & ~has_derogation].sum()),
        signature=np.packbits(zone).tobytes() + np.packbits(derogation).tobytes(),
    )


def with_authorised(scenario: Scenario, chosen: AuthorisationSet) -> Scenario:
    """The base scenario with the set's HADs authorised too."""
    if not chosen.hads:
        return scenario
    territory = scenario.territory
    authorise = list(dict.fromkeys([*territory.authorise, *chosen.hads]))
    revoke = [had for had in territory.revoke if had not in chosen.hads]
    spec = territory.model_copy(update={"authorise": authorise, "revoke": revoke})
    return scenario.model_copy(
        update={"territory": spec, "name": f"{scenario.name}-{chosen.name}".replace("+", ".")}
    )


def screen(
    scenario: Scenario, sets: Sequence[AuthorisationSet], base: Territory
) -> tuple[pd.DataFrame, list[AuthorisationSet]]:
    """Coverage of every set, and the sets worth simulating (see the module's point 2)."""
    rows: list[dict] = []
    first_with: dict[bytes, AuthorisationSet] = {}
    kept: list[AuthorisationSet] = []
    signatures: dict[tuple[str, ...], bytes] = {}
    max_km = scenario.home_care.derogation_max_km
    for chosen in sets:  # in order of size: the smallest set of a signature comes first
        cover = coverage(scenario_territory(with_authorised(scenario, chosen), base), max_km)
        signatures[chosen.hads] = cover.signature
        reason = ""
        idle = [
            h
            for h in chosen.hads
            if signatures.get(tuple(x for x in chosen.hads if x != h)) == cover.signature
        ]
        if idle:
            reason = f"{', '.join(idle)}{OPENS_NOTHING}"
        elif cover.signature in first_with:
            reason = f"{SAME_OPTIONS}{first_with[cover.signature].name}"
        else:
            first_with[cover.signature] = chosen
            kept.append(chosen)
        rows.append(
            {
                "set": chosen.name,
                "new_authorisations": len(chosen.hads),
                "population_zone_had": cover.zone_had,
                "population_derogation_only": cover.derogation_only,
                "population_no_had": cover.none,
                "screened_out": reason,
            }
        )
    return pd.DataFrame(rows), kept


def search(
    scenario: Scenario,
    objective: Objective,
    settings: SelectionSettings,
    max_new: int = 2,
    among: Sequence[str] | None = None,
    cost_per_authorisation: float = 0.0,
    workers: int | None = None,
    progress: Progress | None = None,
    territory: Territory | None = None,
    pool: WorkerPool | None = None,
    scheduler: Scheduler | str | None = None,
) -> SearchResult:
    """Screen every authorisation set of at most ``max_new`` new HADs, then select the best by KN++."""
    base = territory if territory is not None else base_territory()
    candidates = authorisable(scenario, scenario_territory(scenario, base), among)
    if not candidates:
        raise ScenarioError(
            ["every HAD with a zone in the catchment is already authorised: nothing to choose"]
        )
    table, kept = screen(scenario, authorisation_sets(candidates, max_new), base)
    scenarios = {chosen.name: with_run_settings(with_authorised(scenario, chosen)) for chosen in kept}
    check_workload([(s, settings.max_replications) for s in scenarios.values()])
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in scenarios}
    sizes = {chosen.name: len(chosen.hads) for chosen in kept}

    def observe(alive: Sequence[str], start: int, stop: int) -> dict[str, np.ndarray]:
        jobs = [(scenarios[name], r) for name in alive for r in range(start, stop)]
        results = runner.kpis(jobs, progress)
        n = stop - start
        for i, name in enumerate(alive):
            block = [_priced(k, sizes[name], cost_per_authorisation) for k in results[i * n : (i + 1) * n]]
            rows[name].extend(block)
        return {name: objective.values(pd.DataFrame(rows[name][start:stop])) for name in alive}

    with WorkerPool(workers, base, scheduler) if pool is None else contextlib.nullcontext(pool) as runner:
        _check_objective(objective, scenarios[STATUS_QUO], base)
        selection = kn_plus_plus(observe, list(scenarios), settings) if len(scenarios) > 1 else None
    kpis = {name: pd.DataFrame(r) for name, r in rows.items() if r}
    table = _ranked(table, kpis, objective, selection)
    return SearchResult(
        table, selection, objective, settings, candidates, max_new, cost_per_authorisation, kpis=kpis
    )


def _priced(kpis: dict[str, float], authorisations: int, cost: float) -> dict[str, float]:
    if cost and COST_KPI in kpis:
        kpis = {**kpis, COST_KPI: kpis[COST_KPI] + authorisations * cost}
    return kpis


def _check_objective(objective: Objective, scenario: Scenario, territory: Territory) -> None:
    """Refuse, before any replication, an objective naming a KPI a run does not produce."""
    names = scenario_kpi_names(scenario, scenario_territory(scenario, territory))
    missing = [kpi for kpi in objective.kpis if kpi not in names]
    if missing:
        raise ScenarioError(
            [f"--objective: {kpi}: expected a KPI name of replications.csv" for kpi in missing]
        )


def _ranked(
    table: pd.DataFrame,
    kpis: dict[str, pd.DataFrame],
    objective: Objective,
    selection: SelectionResult | None,
) -> pd.DataFrame:
    """The screen's table with each simulated set's objective, its difference to the best (paired, CI),
    the stage it was eliminated at, and whether it is on the cost / objective Pareto front."""
    table = table.copy()
    best = selection.best if selection else next(iter(kpis))
    objectives = {name: objective.values(frame) for name, frame in kpis.items()}  # per replication, once
    best_values = objectives[best]
    extra = []
    for name in table["set"]:
        if name not in kpis:
            extra.append({})
            continue
        values = objectives[name]
        mean, half, _ = t_interval(values)
        low, high = interval_within(mean - half, mean + half, objective.value_range)  # as every KPI's CI is
        n = min(len(values), len(best_values))  # the replications both have: paired (common random numbers)
        d_mean, d_half, _ = t_interval(values[:n] - best_values[:n]) if name != best else (0.0, 0.0, 0.0)
        extra.append(
            {
                "replications": len(values),
                "objective": mean,
                "objective_ci_low": low,
                "objective_ci_high": high,
                "minus_best": d_mean,
                "minus_best_ci_low": d_mean - d_half,
                "minus_best_ci_high": d_mean + d_half,
                "cost_per_year": float(kpis[name][COST_KPI].mean()) if COST_KPI in kpis[name] else math.nan,
                "eliminated_at": (selection.eliminated_at.get(name) if selection else None),
                "best": name == best,
                "not_told_apart": bool(selection and name in selection.survivors),
            }
        )
    table = pd.concat([table, pd.DataFrame(extra, index=table.index)], axis=1)
    # The Pareto front, on the replications every simulated set has (common random numbers): means
    # over different numbers of replications would not compare.
    names = [name for name in table["set"] if name in kpis]
    n = min(len(kpis[name]) for name in names)
    common = pd.DataFrame(
        {
            "set": names,
            "common_replications": n,
            "objective_common": [objectives[name][:n].mean() for name in names],
            "cost_common": [
                kpis[name][COST_KPI][:n].mean() if COST_KPI in kpis[name] else math.nan for name in names
            ],
        }
    )
    points = common[["cost_common", "objective_common"]].to_numpy()
    common["pareto"] = pareto_front(points) if np.isfinite(points).all() else False
    table = table.merge(common, on="set", how="left")
    table["pareto"] = table["pareto"].eq(True)
    # The best first, then by the paired difference to it (the objective's own means are over different
    # numbers of replications, so they do not rank), the screened-out sets last.
    order = table.assign(_first=~table["best"].eq(True))
    return (
        order.sort_values(["_first", "minus_best", "new_authorisations"], na_position="last")
        .drop(columns="_first")
        .reset_index(drop=True)
    )
