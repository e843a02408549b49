"""The territory the model runs on: communes, the 14 HAD zones, and travel to care.

Everything here is read from ``geo/`` (built by ``geo/build_territory.py``, edited by planners)
and turned into arrays, so the simulation asks cheap questions: draw home communes, which HADs
cover a commune, whether one of them may give chemotherapy at home, how far it is to IUCT-O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from sim.territory.geodata import (
    IUCT_ONCOPOLE_LONLAT,
    TerritoryDataError,
    geo_dir,
    load_annex_sites,
    load_hads,
)
from sim.territory.hospitals import Hospitals, load_hospitals
from sim.territory.travel import CircuityTravel, TravelMatrix, TravelModel
from sim.territory.zones import Zones, build_zones, load_overrides, load_shared_territories

if TYPE_CHECKING:
    from scipy import sparse

# Cached properties that depend on the geography only: kept by every variant of a territory.
GEOGRAPHY_CACHES = (
    "commune_touching",
    "catchment_index",
    "_cumulative_population",
    "canton_outlines",
)
# ... and those that depend on the zones too: kept by a change of authorisation, not by a merger.
AUTHORISATION_FREE_CACHES = (*GEOGRAPHY_CACHES, "zone_adjacency", "zone_population")


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
    to_had_sites: TravelMatrix  # (communes, HADs): to each HAD's main site
    sites: pd.DataFrame  # every site (main and annex): had, site_name, site_insee, site_lon, site_lat
    to_had_nearest_site: TravelMatrix  # (communes, HADs): to the nearest of each HAD's sites
    hospitals: Hospitals  # first recourse for emergencies at home, bag-change sites (geo/hospitals.csv)
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
        areas = list(communes["dep"]), list(communes["arrondissement"])  # circuity differs by area
        main_sites = (
            hads[["site_name", "site_insee", "site_lon", "site_lat"]].rename_axis("had").reset_index()
        )
        sites = pd.concat(
            [main_sites, load_annex_sites(directory / "had_sites.csv", hads, communes).drop(columns="why")],
            ignore_index=True,
        )
        to_sites = travel.matrix(points, sites[["site_lon", "site_lat"]].to_numpy(), *areas)
        return cls(
            communes=communes,
            departements=departements,
            hads=hads,
            zones=zones,
            authorised=hads["chemo_authorised"].to_numpy(copy=True),
            to_centre=travel.matrix(points, np.array([IUCT_ONCOPOLE_LONLAT]), *areas),
            to_had_sites=TravelMatrix(km=to_sites.km[:, : len(hads)], hours=to_sites.hours[:, : len(hads)]),
            sites=sites,
            to_had_nearest_site=_nearest_site(
                to_sites, sites["had"].map(hads.index.get_loc).to_numpy(), len(hads)
            ),
            hospitals=load_hospitals(directory / "hospitals.csv", communes, travel, *areas),
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
        return self._sharing(replace(self, authorised=authorised), AUTHORISATION_FREE_CACHES)

    def with_merges(self, merges: Mapping[str, str]) -> Territory:
        """A territory where each HAD ``absorbed`` of ``merges`` is taken over by ``merges[absorbed]``.

        The absorbing HAD serves the absorbed zone from all the sites of both and keeps its own
        authorisation; the absorbed HAD is left with no zone and no authorisation (a takeover,
        003:6029-6035). What an HAD can do (pumps, nurses, experience) follows its zone: the model
        reads it from the merged territory.
        """
        unknown = sorted({*merges, *merges.values()} - set(self.hads.index))
        if unknown:
            raise KeyError(f"unknown HAD id(s) {unknown}; known ids: {list(self.hads.index)}")
        if not merges:
            return self
        covers = self.zones.covers.copy()
        rule = self.zones.rule.copy()
        authorised = self.authorised.copy()
        km, hours = self.to_had_nearest_site.km.copy(), self.to_had_nearest_site.hours.copy()
        sites = self.sites.copy()
        for absorbed, absorber in merges.items():
            a, b = self.hads.index.get_loc(absorbed), self.hads.index.get_loc(absorber)
            rule[covers[:, a]] = f"taken over by {absorber} from {absorbed}"
            covers[:, b] |= covers[:, a]
            covers[:, a] = False
            authorised[a] = False
            closer = km[:, a] < km[:, b]
            km[:, b] = np.where(closer, km[:, a], km[:, b])
            hours[:, b] = np.where(closer, hours[:, a], hours[:, b])
            sites.loc[sites["had"] == absorbed, "had"] = absorber
        merged = replace(
            self,
            zones=Zones(covers=covers, rule=rule),
            authorised=authorised,
            sites=sites,
            to_had_nearest_site=TravelMatrix(km=km, hours=hours),
        )
        return self._sharing(merged, GEOGRAPHY_CACHES)

    def _sharing(self, variant: Territory, caches: tuple[str, ...]) -> Territory:
        """``variant`` with this territory's cached ``caches`` (computed once, whatever changed)."""
        for name in caches:
            if name in self.__dict__:
                variant.__dict__[name] = self.__dict__[name]
        return variant

    @cached_property
    def has_authorised_had(self) -> np.ndarray:
        """Per commune: does at least one HAD of its zone hold the home-chemo authorisation?"""
        return (self.zones.covers & self.authorised[None, :]).any(axis=1)

    @cached_property
    def commune_touching(self) -> sparse.csr_matrix:
        """``touching[i, k]`` is 1 when communes i and k share a border (or i == k)."""
        from scipy import sparse  # here, not at import: only the zones' adjacency needs it

        geoms = self.communes.geometry.to_numpy()
        left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
        return sparse.coo_matrix(
            (np.ones(len(left), dtype=np.int64), (left, right)), shape=(len(geoms), len(geoms))
        ).tocsr()

    @cached_property
    def zone_adjacency(self) -> np.ndarray:
        """``adjacency[i, j]``: the zones of HADs i and j touch (share a commune border), i != j."""
        covers = self.zones.covers.astype(np.int64)
        adjacency = (covers.T @ (self.commune_touching @ covers)) > 0
        np.fill_diagonal(adjacency, False)
        return adjacency

    @cached_property
    def zone_population(self) -> np.ndarray:
        """People in each HAD's zone, a commune served by two HADs counting half for each."""
        covers = self.zones.covers
        sharers = np.maximum(covers.sum(axis=1), 1)
        pop = self.communes["population"].to_numpy(dtype=float) / sharers
        return (covers * pop[:, None]).sum(axis=0)

    @cached_property
    def canton_outlines(self) -> gpd.GeoDataFrame:
        """Cantons of the catchment dissolved from their communes (columns canton, geometry)."""
        catchment = self.communes[self.communes["in_catchment"]]
        return catchment[["canton", "geometry"]].dissolve(by="canton").reset_index()

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

    def bordering_hads(self, commune: int) -> np.ndarray:
        """Per HAD: does its zone border the zone of (one of) the HADs serving ``commune``?"""
        return self.zone_adjacency[self.zones.covers[commune]].any(axis=0) & ~self.zones.covers[commune]

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

    def commune_zone_table(self) -> pd.DataFrame:
        """Per commune of the catchment: its HADs, the zoning rule, authorisation and travel to IUCT-O."""
        communes = self.communes
        table = pd.DataFrame(
            {
                "insee": communes["insee"],
                "name": communes["name"],
                "dep": communes["dep"],
                "canton": communes["canton"],
                "population": communes["population"],
                "hads": [" ".join(self.hads.index[row]) for row in self.zones.covers],
                "rule": self.zones.rule,
                "authorised_had": self.has_authorised_had,
                "km_to_iucto": self.to_centre.km[:, 0].round(1),
                "hours_to_iucto": self.to_centre.hours[:, 0].round(2),
            }
        )
        return table[communes["in_catchment"].to_numpy()]


def _nearest_site(to_sites: TravelMatrix, site_had: np.ndarray, n_hads: int) -> TravelMatrix:
    """Per origin and HAD: the distance and time to the nearest of the HAD's sites (by km)."""
    km = np.full((to_sites.km.shape[0], n_hads), np.inf)
    hours = np.full_like(km, np.inf)
    for site, had in enumerate(site_had):
        closer = to_sites.km[:, site] < km[:, had]
        km[:, had] = np.where(closer, to_sites.km[:, site], km[:, had])
        hours[:, had] = np.where(closer, to_sites.hours[:, site], hours[:, had])
    return TravelMatrix(km=km, hours=hours)
