"""The territory the model runs on: communes, the 14 HAD zones, and travel to care.

Everything here is read from ``geo/`` (built by ``geo/build_territory.py``, edited by planners)
and turned into arrays, so the simulation asks cheap questions: draw home communes, which HADs
cover a commune, whether one of them may give chemotherapy at home, how far it is to IUCT-O.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from sim.travel import CircuityTravel, TravelMatrix, TravelModel, great_circle_km

DEFAULT_GEO_DIR = Path(__file__).resolve().parents[1] / "geo"

# IUCT-Oncopole, Toulouse: the only centre treating adult haematological cancers (BRIEF section 1).
IUCT_ONCOPOLE_LONLAT = (1.4311, 43.5556)

# Two main sites closer than this are the same site for the nearest-site rule (Toulouse hosts two).
SAME_SITE_KM = 0.5


# Cached properties that depend on the geography and the zones only, not on who is authorised.
AUTHORISATION_FREE_CACHES = (
    "zone_adjacency",
    "catchment_index",
    "_cumulative_population",
    "_canton_outlines",
    "site_km_to_centre",
)


class TerritoryDataError(ValueError):
    """A geo/ data file is missing or malformed; the message names the file and the field."""


def geo_dir() -> Path:
    return Path(os.environ.get("OCCISIM_GEO_DIR", DEFAULT_GEO_DIR))


def _read_table(path: Path, required: Sequence[str]) -> pd.DataFrame:
    if not path.exists():
        raise TerritoryDataError(f"{path}: file not found")
    table = pd.read_csv(path, dtype=str, comment="#", keep_default_na=False, skipinitialspace=True)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise TerritoryDataError(f"{path}: missing column(s) {', '.join(missing)}; expected {list(required)}")
    return table


def load_hads(path: Path) -> pd.DataFrame:
    """The HAD table, indexed by id, with typed columns and ``departments`` as tuples."""
    table = _read_table(
        path,
        [
            "id",
            "name",
            "type",
            "site_name",
            "site_insee",
            "site_lat",
            "site_lon",
            "departments",
            "chemo_authorised",
            "tie_rank",
        ],
    )
    if table["id"].duplicated().any():
        raise TerritoryDataError(
            f"{path}: field id: duplicated ids {sorted(table['id'][table['id'].duplicated()])}"
        )
    for row, value in enumerate(table["chemo_authorised"], start=1):
        if value.strip().lower() not in ("true", "false"):
            raise TerritoryDataError(
                f"{path}: row {row} field chemo_authorised: expected true or false, found {value!r}"
            )
    for field in ("site_lat", "site_lon", "tie_rank"):
        parsed = pd.to_numeric(table[field], errors="coerce")
        if parsed.isna().any():
            row = int(parsed.isna().to_numpy().argmax()) + 1
            raise TerritoryDataError(
                f"{path}: row {row} field {field}: expected a number, found {table[field][row - 1]!r}"
            )
        table[field] = parsed
    table["chemo_authorised"] = table["chemo_authorised"].str.strip().str.lower() == "true"
    table["departments"] = [tuple(v.split()) for v in table["departments"]]
    return table.set_index("id")


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
    table = _read_table(path, [c for c in (label_column, "hads", selector_column, code_column, "why") if c])
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


@dataclass(frozen=True)
class CommuneAccess:
    """What the care pathway needs to know about one home commune."""

    insee: str
    name: str
    dep: str
    hads: tuple[str, ...]
    authorised_hads: tuple[str, ...]
    km_to_centre: float
    hours_to_centre: float

    @property
    def any_authorised(self) -> bool:
        return bool(self.authorised_hads)


@dataclass(frozen=True)
class Territory:
    """Communes, HAD zones and travel as arrays; cheap to copy with another authorisation set."""

    communes: gpd.GeoDataFrame
    departements: gpd.GeoDataFrame
    hads: pd.DataFrame
    zones: Zones
    authorised: np.ndarray  # one bool per HAD, in the order of ``hads``
    to_centre: TravelMatrix  # (communes, 1)
    to_had_sites: TravelMatrix  # (communes, HADs)
    centre_lonlat: tuple[float, float] = IUCT_ONCOPOLE_LONLAT

    @classmethod
    def load(
        cls,
        directory: Path | None = None,
        travel: TravelModel | None = None,
        overrides_file: Path | None = None,
    ) -> Territory:
        directory = Path(directory) if directory else geo_dir()
        communes_path = directory / "communes.parquet"
        if not communes_path.exists():
            raise TerritoryDataError(
                f"{communes_path}: file not found; build it with `python geo/build_territory.py`"
            )
        communes = gpd.read_parquet(communes_path)
        departements = gpd.read_parquet(directory / "departements.parquet")
        hads = load_hads(directory / "had.csv")
        zones = build_zones(
            communes,
            hads,
            load_shared_territories(directory / "shared_zones.csv"),
            load_overrides(overrides_file or directory / "zone_overrides.csv"),
        )
        travel = travel or CircuityTravel()
        points = communes[["lon", "lat"]].to_numpy()
        deps = list(communes["dep"])
        return cls(
            communes=communes,
            departements=departements,
            hads=hads,
            zones=zones,
            authorised=hads["chemo_authorised"].to_numpy(copy=True),
            to_centre=travel.matrix(points, np.array([IUCT_ONCOPOLE_LONLAT]), deps),
            to_had_sites=travel.matrix(points, hads[["site_lon", "site_lat"]].to_numpy(), deps),
        )

    # --- authorisation: what scenarios change -------------------------------------------------

    def with_authorisation(
        self,
        changes: Mapping[str, bool] | None = None,
        *,
        authorise: Iterable[str] = (),
        revoke: Iterable[str] = (),
    ) -> Territory:
        """A territory sharing all data with this one, with some HADs' home-chemo status changed."""
        wanted = dict(changes or {})
        wanted.update({h: True for h in authorise})
        wanted.update({h: False for h in revoke})
        unknown = sorted(set(wanted) - set(self.hads.index))
        if unknown:
            raise KeyError(f"unknown HAD id(s) {unknown}; known ids: {list(self.hads.index)}")
        authorised = self.authorised.copy()
        for had, status in wanted.items():
            authorised[self.hads.index.get_loc(had)] = bool(status)
        changed = replace(self, authorised=authorised)
        for name in AUTHORISATION_FREE_CACHES:  # computed once per geography, whatever is authorised
            if name in self.__dict__:
                changed.__dict__[name] = self.__dict__[name]
        return changed

    @cached_property
    def site_km_to_centre(self) -> np.ndarray:
        """Road km from each HAD main site (its commune) to IUCT-Oncopole."""
        rows = [self.position(insee) for insee in self.hads["site_insee"]]
        return self.to_centre.km[rows, 0]

    @cached_property
    def has_authorised_had(self) -> np.ndarray:
        """Per commune: does at least one HAD of its zone hold the home-chemo authorisation?"""
        return (self.zones.covers & self.authorised[None, :]).any(axis=1)

    @cached_property
    def zone_adjacency(self) -> np.ndarray:
        """``adjacency[i, j]``: the zones of HADs i and j touch (share a commune border), i != j."""
        geoms = self.communes.geometry.to_numpy()
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        covers = self.zones.covers.astype(np.int64)
        touching = sparse.coo_matrix(
            (np.ones(len(left), dtype=np.int64), (left, right)), shape=(len(geoms), len(geoms))
        ).tocsr()
        adjacency = (covers.T @ (touching @ covers)) > 0
        np.fill_diagonal(adjacency, False)
        return adjacency

    # --- what the model asks ----------------------------------------------------------------------

    @cached_property
    def catchment_index(self) -> np.ndarray:
        return np.flatnonzero(self.communes["in_catchment"].to_numpy())

    @cached_property
    def _cumulative_population(self) -> np.ndarray:
        weights = self.communes["population"].to_numpy()[self.catchment_index].astype(float)
        return np.cumsum(weights)

    def draw_homes(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Positions (rows of ``communes``) of n home communes, drawn proportionally to population."""
        cumulative = self._cumulative_population
        u = rng.random(n) * cumulative[-1]
        return self.catchment_index[np.searchsorted(cumulative, u, side="right")]

    def position(self, insee: str) -> int:
        matches = np.flatnonzero(self.communes["insee"].to_numpy() == insee)
        if len(matches) == 0:
            raise KeyError(f"no commune with INSEE code {insee!r} in the territory")
        return int(matches[0])

    def access(self, commune: int | str) -> CommuneAccess:
        i = self.position(commune) if isinstance(commune, str) else int(commune)
        row = self.communes.iloc[i]
        covering = self.zones.covers[i]
        ids = self.hads.index.to_numpy()
        return CommuneAccess(
            insee=row["insee"],
            name=row["name"],
            dep=row["dep"],
            hads=tuple(ids[covering]),
            authorised_hads=tuple(ids[covering & self.authorised]),
            km_to_centre=float(self.to_centre.km[i, 0]),
            hours_to_centre=float(self.to_centre.hours[i, 0]),
        )

    # --- tables for planners -----------------------------------------------------------------------

    def coverage_table(self) -> pd.DataFrame:
        """Per HAD: its zone's communes and population (shared communes count for each sharer)."""
        pop = self.communes["population"].to_numpy()
        covers = self.zones.covers
        shared = covers.sum(axis=1) > 1
        table = pd.DataFrame(
            {
                "had": self.hads.index,
                "name": self.hads["name"].to_numpy(),
                "site": self.hads["site_name"].to_numpy(),
                "authorised": self.authorised,
                "communes": covers.sum(axis=0),
                "population": (covers * pop[:, None]).sum(axis=0),
                "shared_communes": (covers & shared[:, None]).sum(axis=0),
            }
        )
        return table

    def unauthorised_population(self) -> pd.DataFrame:
        """Per department of the catchment: communes and people with no authorised HAD."""
        catch = self.communes["in_catchment"].to_numpy()
        frame = pd.DataFrame(
            {
                "dep": self.communes["dep"].to_numpy()[catch],
                "population": self.communes["population"].to_numpy()[catch],
                "uncovered": ~self.has_authorised_had[catch],
            }
        )
        frame["uncovered_population"] = frame["population"] * frame["uncovered"]
        table = frame.groupby("dep").agg(
            communes_without=("uncovered", "sum"),
            population_without=("uncovered_population", "sum"),
            population=("population", "sum"),
        )
        table["share_without"] = table["population_without"] / table["population"]
        return table.reset_index()
