"""Road distance and travel time between points, behind one small interface.

There is no routing engine offline, so the default model turns great-circle distance into road
distance with a circuity factor (European mean detour 1.34; docs/sources.md, territory, uses 1.3) and road
distance into time with speed bands. An OSRM server can replace it (``OSRMTravel``).
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

EARTH_RADIUS_KM = 6371.0088


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
    ) -> TravelMatrix:
        """Origins and destinations are (n, 2) arrays of (lon, lat) in degrees."""
        ...


def great_circle_km(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Haversine distance matrix in km between (lon, lat) arrays of shape (n, 2) and (m, 2)."""
    lon1, lat1 = np.radians(origins[:, 0])[:, None], np.radians(origins[:, 1])[:, None]
    lon2, lat2 = np.radians(destinations[:, 0])[None, :], np.radians(destinations[:, 1])[None, :]
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class SpeedBand:
    """Average speed on the kilometres of a trip up to ``up_to_km`` (None: no upper limit)."""

    up_to_km: float | None
    kmh: float


def _speed_bands(config: TravelConfig) -> tuple[SpeedBand, ...]:
    return tuple(SpeedBand(band.up_to_km, band.kmh) for band in config.speed_bands)


# The defaults are the scenario schema's: a scenario that leaves travel out gets this very model.
_DEFAULTS = TravelConfig()


@dataclass(frozen=True)
class CircuityTravel:
    """Road km = circuity x great-circle km; time = terminal minutes + banded driving time.

    Speeds apply to successive slices of the trip (the kilometres of each band at its speed), so
    time grows continuously with distance. docs/sources.md, territory: all values are assumptions and every
    one is a parameter; the defaults are those of the scenario schema (``TravelConfig``).
    """

    circuity: float = _DEFAULTS.circuity
    circuity_by_department: dict[str, float] = field(default_factory=dict)
    terminal_minutes: float = _DEFAULTS.terminal_minutes
    bands: tuple[SpeedBand, ...] = _speed_bands(_DEFAULTS)

    @classmethod
    def from_config(cls, config: TravelConfig) -> CircuityTravel:
        """The travel model a scenario's ``territory.travel`` section describes."""
        return cls(
            circuity=config.circuity,
            circuity_by_department=dict(config.circuity_by_department),
            terminal_minutes=config.terminal_minutes,
            bands=_speed_bands(config),
        )

    def __post_init__(self) -> None:
        if self.circuity < 1.0 or any(c < 1.0 for c in self.circuity_by_department.values()):
            raise ValueError("circuity is road km per great-circle km and cannot be below 1")
        if not self.bands or self.bands[-1].up_to_km is not None:
            raise ValueError("the last speed band must have no upper limit")
        limits = [b.up_to_km for b in self.bands[:-1]]
        if any(b.kmh <= 0 for b in self.bands) or limits != sorted(limits):
            raise ValueError("speed bands need positive speeds and increasing limits")

    def road_km(
        self, origins: np.ndarray, destinations: np.ndarray, origin_departments: Sequence[str] | None = None
    ) -> np.ndarray:
        factor = np.full(len(origins), self.circuity)
        if origin_departments is not None and self.circuity_by_department:
            factor = np.array([self.circuity_by_department.get(d, self.circuity) for d in origin_departments])
        return great_circle_km(origins, destinations) * factor[:, None]

    def hours_for_km(self, km: np.ndarray) -> np.ndarray:
        km = np.asarray(km, dtype=float)
        hours = np.zeros_like(km)
        lower = 0.0
        for band in self.bands:
            upper = np.inf if band.up_to_km is None else band.up_to_km
            hours += np.clip(km - lower, 0.0, upper - lower) / band.kmh
            lower = upper
        # A trip of zero km (same commune) still costs the terminal time: parking, walking in.
        return hours + self.terminal_minutes / 60.0

    def matrix(
        self, origins: np.ndarray, destinations: np.ndarray, origin_departments: Sequence[str] | None = None
    ) -> TravelMatrix:
        km = self.road_km(origins, destinations, origin_departments)
        return TravelMatrix(km=km, hours=self.hours_for_km(km))


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
        self, origins: np.ndarray, destinations: np.ndarray, origin_departments: Sequence[str] | None = None
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
