"""HAD zones: which HADs cover each commune, from editable rules (shared territories, overrides)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from sim.territory.geodata import SAME_SITE_KM, TerritoryDataError, read_table
from sim.territory.travel import great_circle_km


@dataclass(frozen=True)
class AreaSelector:
    """A set of communes named by administrative unit, as the data files write it."""

    kind: str  # "epci", "canton" or "commune"
    codes: tuple[str, ...]

    COLUMNS: ClassVar[dict[str, str]] = {"epci": "epci", "canton": "canton", "commune": "insee"}

    def mask(self, communes: pd.DataFrame) -> np.ndarray:
        return communes[self.COLUMNS[self.kind]].isin(self.codes).to_numpy()


@dataclass(frozen=True)
class ZoneRule:
    """Communes selected by ``area`` are served by exactly ``hads``."""

    label: str
    hads: tuple[str, ...]
    area: AreaSelector
    why: str
    source: str  # file the rule came from


def _load_rules(path: Path, label_column: str | None) -> list[ZoneRule]:
    selector_column = "selector"
    code_column = "codes" if label_column else "code"
    table = read_table(path, [c for c in (label_column, "hads", selector_column, code_column, "why") if c])
    rules = []
    for row, record in enumerate(table.to_dict("records"), start=1):
        kind = record[selector_column].strip()
        if kind not in AreaSelector.COLUMNS:
            raise TerritoryDataError(
                f"{path}: row {row} field selector: expected one of "
                f"{sorted(AreaSelector.COLUMNS)}, found {kind!r}"
            )
        codes = tuple(record[code_column].split())
        hads = tuple(record["hads"].split())
        if not codes or not hads:
            raise TerritoryDataError(f"{path}: row {row}: needs at least one code and one HAD id")
        label = record[label_column] if label_column else f"override {kind} {' '.join(codes)}"
        rules.append(ZoneRule(label, hads, AreaSelector(kind, codes), record["why"], path.name))
    return rules


def load_shared_territories(path: Path) -> list[ZoneRule]:
    return _load_rules(path, "territory")


def load_overrides(path: Path) -> list[ZoneRule]:
    return _load_rules(path, None)


@dataclass(frozen=True)
class Zones:
    """Which HADs cover each commune: ``covers[i, j]`` is True when HAD j serves commune i."""

    covers: np.ndarray
    rule: np.ndarray  # why each commune got its HADs (for the map and for planners' questions)


def build_zones(
    communes: pd.DataFrame, hads: pd.DataFrame, shared: Sequence[ZoneRule], overrides: Sequence[ZoneRule]
) -> Zones:
    """Assign every catchment commune to the HAD(s) whose zone covers it.

    1. Among the HADs whose departments of intervention include the commune's department, the
       one with the nearest main site (great-circle) serves it. Two HADs on the same site: the
       lower ``tie_rank`` wins.
    2. The shared territories replace that choice by their pair of HADs.
    3. The planner's overrides replace anything before them.
    Communes outside the catchment get no HAD.
    """
    had_ids = list(hads.index)
    for rule in (*shared, *overrides):
        unknown = [h for h in rule.hads if h not in hads.index]
        if unknown:
            raise TerritoryDataError(
                f"{rule.source}: {rule.label}: field hads: unknown HAD id(s) {unknown}; known ids: {had_ids}"
            )
    n, m = len(communes), len(hads)
    sites = hads[["site_lon", "site_lat"]].to_numpy()
    km = great_circle_km(communes[["lon", "lat"]].to_numpy(), sites)
    serves_department = np.array(
        [[dep in deps for deps in hads["departments"]] for dep in communes["dep"]], dtype=bool
    )
    in_catchment = communes["in_catchment"].to_numpy()
    if not serves_department[in_catchment].any(axis=1).all():
        orphan = communes.loc[in_catchment & ~serves_department.any(axis=1), "insee"].tolist()
        raise TerritoryDataError(f"had.csv: field departments: no HAD intervenes in communes {orphan[:10]}")

    eligible_km = np.where(serves_department, km, np.inf)
    nearest = eligible_km.min(axis=1, keepdims=True)
    ties = eligible_km <= nearest + SAME_SITE_KM
    rank = np.where(ties, hads["tie_rank"].to_numpy()[None, :], np.inf)
    covers = np.zeros((n, m), dtype=bool)
    covers[np.arange(n), rank.argmin(axis=1)] = True
    rule = np.full(n, "nearest main site in department", dtype=object)

    column = {h: j for j, h in enumerate(had_ids)}
    for zone_rule in (*shared, *overrides):
        mask = zone_rule.area.mask(communes) & in_catchment
        if not mask.any():
            raise TerritoryDataError(
                f"{zone_rule.source}: {zone_rule.label}: field codes: selects no catchment commune "
                f"({zone_rule.area.kind} {' '.join(zone_rule.area.codes)})"
            )
        covers[mask] = False
        covers[np.ix_(mask, [column[h] for h in zone_rule.hads])] = True
        rule[mask] = zone_rule.label

    covers[~in_catchment] = False
    rule[~in_catchment] = "outside catchment"
    return Zones(covers=covers, rule=rule)
