"""Binding a scenario to the territory: its travel model, zone overrides, authorisation set and takeovers."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario

if TYPE_CHECKING:  # (the territory is loaded by the functions that need it: `validate` checks ids only)
    import numpy as np

    from sim.territory.catchment import Territory


def scenario_territory(scenario: Scenario, base: Territory | None = None) -> Territory:
    """The territory a scenario runs on: its travel model, zone overrides, authorisation set and takeovers."""
    from sim.territory.catchment import Territory
    from sim.territory.travel import CircuityTravel

    spec = scenario.territory
    travel = CircuityTravel.from_config(spec.travel)
    if base is None or spec.overrides_file is not None or travel != CircuityTravel():
        base = Territory.load(travel=travel, overrides_file=spec.overrides_file)
    check_had_ids(scenario, list(base.hads.index))
    base.zone_adjacency  # noqa: B018 - computed once on the shared base, then inherited by every variant
    return base.with_authorisation(authorise=spec.authorise, revoke=spec.revoke).with_merges(spec.merge)


def check_had_ids(scenario: Scenario, known: list[str]) -> None:
    """Refuse (ScenarioError, a line per id) the HAD ids of the scenario that are not ``known``
    (the ids of geo/had.csv)."""
    spec = scenario.territory
    problems = [
        f"territory.{key}: expected an HAD id of geo/had.csv ({', '.join(known)}), found {had!r}"
        for key, hads in (
            ("authorise", spec.authorise),
            ("revoke", spec.revoke),
            ("merge", [*spec.merge, *spec.merge.values()]),
        )
        for had in hads
        if had not in known
    ]
    home_care = scenario.home_care
    problems += [
        f"{key}: expected an HAD id of geo/had.csv ({', '.join(known)}), found {had!r}"
        for key, hads in (
            ("home_care.pumps_by_had", home_care.pumps_by_had),
            ("home_care.visits_per_day_by_had", home_care.visits_per_day_by_had),
            ("home_care.startup_delay_factor_by_had", home_care.startup_delay_factor_by_had),
            ("home_care.experienced_at_start", home_care.experienced_at_start),
            ("costs.had_day_by_had", scenario.costs.had_day_by_had),
        )
        for had in hads
        if had not in known
    ]
    problems += [
        f"events.{i}.set.{key}: expected an HAD id of geo/had.csv ({', '.join(known)}), found {had!r}"
        for i, event in enumerate(scenario.events)
        for key in ("territory.authorise", "territory.revoke")
        for had in event.changes.get(key, ())
        if had not in known
    ]
    if problems:
        raise ScenarioError(problems)


def authorised_hads(territory: Territory, scenario: Scenario) -> np.ndarray:
    """Which HADs hold the authorisation under ``scenario``'s territory section, on ``territory`` (bound
    to the same scenario or to one that differs only in its authorisation set): one bool per HAD.

    What a dated event changes (``territory.authorise``, ``territory.revoke``) from its date: the set is
    made again from geo/had.csv, as ``scenario_territory`` makes it.
    """
    spec = scenario.territory
    in_geo = territory.hads["chemo_authorised"].to_numpy(dtype=bool, copy=True)
    as_in_geo = replace(territory, authorised=in_geo)
    changed = as_in_geo.with_authorisation(authorise=spec.authorise, revoke=spec.revoke)
    return changed.with_merges(spec.merge).authorised
