"""Road distance and travel time between points, behind one small interface.

There is no routing engine offline, so the default model (``CircuityTravel``) turns great-circle
distance into road distance with a circuity factor (European mean detour 1.34; docs/sources.md,
Territory and travel, uses 1.3, more in the mountains) and road distance into time with speed
bands; a trip that can ride a motorway or expressway corridor out of Toulouse
(``sim.territory.corridors``) does so when that is faster. An OSRM server can replace it all
(``OSRMTravel``). docs/travel.md checks the model against road times.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from sim.scenario.schema import TravelConfig
from sim.territory.corridors import CORRIDORS, Corridor, cumulated, haversine_km, meet


@dataclass(frozen=True)
class TravelMatrix:
    """Road distance (km) and one-way travel time (hours), shape (origins, destinations)."""

    km: np.ndarray
    hours: np.ndarray


class TravelModel(Protocol):
    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        origin_departments: Sequence[str] | None = None,
        origin_arrondissements: Sequence[str] | None = None,
    ) -> TravelMatrix:
        """Origins and destinations are (n, 2) arrays of (lon, lat) in degrees."""
        ...


def great_circle_km(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Haversine distance matrix in km between (lon, lat) arrays of shape (n, 2) and (m, 2)."""
    return haversine_km(
        origins[:, None, 0], origins[:, None, 1], destinations[None, :, 0], destinations[None, :, 1]
    )


@dataclass(frozen=True)
class SpeedBand:
    """Average speed on the kilometres of a trip up to ``up_to_km`` (None: no upper limit)."""

    up_to_km: float | None
    kmh: float


def _speed_bands(config: TravelConfig) -> tuple[SpeedBand, ...]:
    bands = config.speed_bands
    return (
        SpeedBand(bands.local_up_to_km, bands.local_kmh),
        SpeedBand(bands.regional_up_to_km, bands.regional_kmh),
        SpeedBand(None, bands.long_kmh),
    )


# The defaults are the scenario schema's: a scenario that leaves travel out gets this very model.
_DEFAULTS = TravelConfig()


@dataclass(frozen=True)
class CircuityTravel:
    """Road km = circuity x great-circle km; time = terminal minutes + driving time, by the faster
    of the ordinary roads and each corridor (km follow the route taken).

    On ordinary roads, speeds apply to successive slices of the road km (the kilometres of each band
    at its speed), so time grows continuously with distance; their circuity is the origin's (its
    arrondissement's, else its department's, else the general one). A trip by a corridor drives on
    ordinary roads to where it joins the corridor (banded from zero), along the corridor
    (``corridor_circuity``, each segment at its road class's speed), and on ordinary roads again
    from the corridor's spot nearest the destination. A trip rides at most one corridor. Every value
    is a parameter; the defaults are those of the scenario schema (``TravelConfig``).
    """

    circuity: float = _DEFAULTS.circuity
    circuity_by_department: dict[str, float] = field(
        default_factory=lambda: dict(_DEFAULTS.circuity_by_department)
    )
    circuity_by_arrondissement: dict[str, float] = field(
        default_factory=lambda: dict(_DEFAULTS.circuity_by_arrondissement)
    )
    terminal_minutes: float = _DEFAULTS.terminal_minutes
    bands: tuple[SpeedBand, ...] = _speed_bands(_DEFAULTS)
    motorway_kmh: float = _DEFAULTS.motorway_kmh
    expressway_kmh: float = _DEFAULTS.expressway_kmh
    main_road_kmh: float = _DEFAULTS.main_road_kmh
    corridor_circuity: float = _DEFAULTS.corridor_circuity
    corridors: tuple[Corridor, ...] = CORRIDORS

    @classmethod
    def from_config(cls, config: TravelConfig) -> CircuityTravel:
        """The travel model a scenario's ``territory.travel`` section describes."""
        return cls(
            circuity=config.circuity,
            circuity_by_department=dict(config.circuity_by_department),
            circuity_by_arrondissement=dict(config.circuity_by_arrondissement),
            terminal_minutes=config.terminal_minutes,
            bands=_speed_bands(config),
            motorway_kmh=config.motorway_kmh,
            expressway_kmh=config.expressway_kmh,
            main_road_kmh=config.main_road_kmh,
            corridor_circuity=config.corridor_circuity,
        )

    def __post_init__(self) -> None:
        factors = [self.circuity, self.corridor_circuity, *self.circuity_by_department.values()]
        if min(factors + list(self.circuity_by_arrondissement.values())) < 1.0:
            raise ValueError("circuity is road km per great-circle km and cannot be below 1")
        if not self.bands or self.bands[-1].up_to_km is not None:
            raise ValueError("the last speed band must have no upper limit")
        limits = [b.up_to_km for b in self.bands[:-1]]
        if any(b.kmh <= 0 for b in self.bands) or limits != sorted(limits):
            raise ValueError("speed bands need positive speeds and increasing limits")
        if min(self.motorway_kmh, self.expressway_kmh, self.main_road_kmh) <= 0:
            raise ValueError("corridor speeds must be positive")

    def origin_circuity(
        self,
        n: int,
        origin_departments: Sequence[str] | None = None,
        origin_arrondissements: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Each origin's circuity: its arrondissement's, else its department's, else the general one."""
        departments = origin_departments if origin_departments is not None else [None] * n
        arrondissements = origin_arrondissements if origin_arrondissements is not None else [None] * n
        return np.array(
            [
                self.circuity_by_arrondissement.get(arr, self.circuity_by_department.get(dep, self.circuity))
                for dep, arr in zip(departments, arrondissements, strict=True)
            ],
            dtype=float,
        )

    def driving_hours(self, km: np.ndarray) -> np.ndarray:
        """Hours to drive ``km`` road km on ordinary roads, speed band by speed band."""
        km = np.asarray(km, dtype=float)
        hours = np.zeros_like(km)
        lower = 0.0
        for band in self.bands:
            upper = np.inf if band.up_to_km is None else band.up_to_km
            hours += np.clip(km - lower, 0.0, upper - lower) / band.kmh
            lower = upper
        return hours

    def hours_for_km(self, km: np.ndarray) -> np.ndarray:
        """Door-to-door hours for ``km`` road km on ordinary roads."""
        # A trip of zero km (same commune) still costs the terminal time: parking, walking in.
        return self.driving_hours(km) + self.terminal_minutes / 60.0

    def _segments(self, corridor: Corridor) -> tuple[np.ndarray, np.ndarray]:
        """Road km and driving hours of each segment of a corridor."""
        speed = {
            "motorway": self.motorway_kmh,
            "expressway": self.expressway_kmh,
            "main road": self.main_road_kmh,
        }
        segment_km = corridor.segment_km() * self.corridor_circuity
        return segment_km, segment_km / np.array([speed[road] for road in corridor.roads])

    def _ride(
        self, corridor: Corridor, origins: np.ndarray, destinations: np.ndarray, factor: np.ndarray
    ) -> TravelMatrix:
        """Road km and driving hours (no terminal time) of every trip riding this corridor.

        A trip joins the corridor at the spot nearest its origin or at one of its waypoints (the
        interchanges), whichever is fastest, and leaves it at the spot nearest the destination.
        """
        segment_km, segment_h = self._segments(corridor)
        nearest, leave = meet(corridor, origins), meet(corridor, destinations)
        leave_km, leave_h = leave.along(segment_km)[None, :], leave.along(segment_h)[None, :]
        # joining at the spot nearest the origin
        access_km = nearest.access_km[:, None] * factor[:, None]
        km = access_km + np.abs(nearest.along(segment_km)[:, None] - leave_km)
        hours = self.driving_hours(access_km) + np.abs(nearest.along(segment_h)[:, None] - leave_h)
        # or at the waypoint that makes each trip fastest
        to_waypoint_km = great_circle_km(origins, corridor.lonlat) * factor[:, None]  # (origins, waypoints)
        waypoint_to_leave_h = np.abs(cumulated(segment_h)[None, :] - leave_h.T)  # (destinations, waypoints)
        by_waypoint_h = self.driving_hours(to_waypoint_km)[:, None, :] + waypoint_to_leave_h[None, :, :]
        best = by_waypoint_h.argmin(axis=2)  # (origins, destinations)
        best_h = np.take_along_axis(by_waypoint_h, best[:, :, None], axis=2)[:, :, 0]
        best_km = np.take_along_axis(to_waypoint_km, best, axis=1)
        best_km += np.abs(cumulated(segment_km)[best] - leave_km)
        km, hours = np.where(best_h < hours, best_km, km), np.minimum(best_h, hours)
        egress_km = leave.access_km[None, :] * factor[:, None]
        return TravelMatrix(km=km + egress_km, hours=hours + self.driving_hours(egress_km))

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        origin_departments: Sequence[str] | None = None,
        origin_arrondissements: Sequence[str] | None = None,
    ) -> TravelMatrix:
        factor = self.origin_circuity(len(origins), origin_departments, origin_arrondissements)
        km = great_circle_km(origins, destinations) * factor[:, None]
        hours = self.driving_hours(km)
        for corridor in self.corridors:
            by_corridor = self._ride(corridor, origins, destinations, factor)
            faster = by_corridor.hours < hours
            km, hours = np.where(faster, by_corridor.km, km), np.where(faster, by_corridor.hours, hours)
        return TravelMatrix(km=km, hours=hours + self.terminal_minutes / 60.0)


@dataclass
class OSRMTravel:
    """Road distance and time from an OSRM server (car profile), cached on disk.

    Needs the optional dependency ``routingpy`` (``pip install occisim[osrm]``) and a reachable
    server; the cache (one ``.npz`` per set of points) makes later runs work offline.
    """

    base_url: str
    cache_dir: Path
    client: object | None = None  # injectable for tests; defaults to routingpy.OSRM(base_url)

    def _key(self, origins: np.ndarray, destinations: np.ndarray) -> str:
        blob = json.dumps([self.base_url, np.round(origins, 6).tolist(), np.round(destinations, 6).tolist()])
        return hashlib.sha256(blob.encode()).hexdigest()[:24]

    def matrix(
        self,
        origins: np.ndarray,
        destinations: np.ndarray,
        origin_departments: Sequence[str] | None = None,
        origin_arrondissements: Sequence[str] | None = None,
    ) -> TravelMatrix:
        path = Path(self.cache_dir) / f"osrm-{self._key(origins, destinations)}.npz"
        if path.exists():
            cached = np.load(path)
            return TravelMatrix(km=cached["km"], hours=cached["hours"])
        client = self.client
        if client is None:
            import routingpy  # optional dependency

            client = routingpy.OSRM(base_url=self.base_url)
        locations = [list(p) for p in np.vstack([origins, destinations])]
        n = len(origins)
        result = client.matrix(
            locations=locations,
            profile="car",
            sources=list(range(n)),
            destinations=list(range(n, n + len(destinations))),
            annotations=["distance", "duration"],
        )
        km = np.asarray(result.distances, dtype=float) / 1000.0
        hours = np.asarray(result.durations, dtype=float) / 3600.0
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(path, km=km, hours=hours)
        return TravelMatrix(km=km, hours=hours)
