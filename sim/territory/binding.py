"""Binding a scenario to the territory: its travel model, zone overrides, authorisation set and takeovers."""

from __future__ import annotations

from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory
from sim.territory.travel import CircuityTravel


def scenario_territory(scenario: Scenario, base: Territory | None = None) -> Territory:
    """The territory a scenario runs on: its travel model, zone overrides, authorisation set and takeovers."""
    spec = scenario.territory
    travel = CircuityTravel.from_config(spec.travel)
    if base is None or spec.overrides_file is not None or travel != CircuityTravel():
        base = Territory.load(travel=travel, overrides_file=spec.overrides_file)
    known = list(base.hads.index)
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
    if problems:
        raise ScenarioError(problems)
    base.zone_adjacency  # noqa: B018 - computed once on the shared base, then inherited by every variant
    return base.with_authorisation(authorise=spec.authorise, revoke=spec.revoke).with_merges(spec.merge)
