"""One way for the tests to build scenario variants: a scenario with nested keys replaced."""

from __future__ import annotations

import copy
from pathlib import Path

from sim.scenario.files import resolve_raw
from sim.scenario.schema import Scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def variant(raw: dict, **changes) -> Scenario:
    """The scenario ``raw`` with nested keys replaced: ``variant(raw, **{"run.years": 2})``.

    Any value may go in (lists and maps too); the result is validated like a scenario file.
    """
    raw = copy.deepcopy(raw)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    return Scenario.model_validate(raw)


def baseline_variant(**changes) -> Scenario:
    """The baseline with nested keys replaced: ``baseline_variant(**{"beds.capacity": 3})``."""
    return variant(resolve_raw(BASELINE), **changes)
