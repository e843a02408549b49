"""The hospitals of ``geo/hospitals.csv``: first recourse for severe events at home, bag-change sites.

The thesis sends a severe event at home to the nearest hospital first and to IUCT-O second
(003:1606-1616, 6083-6101). The table lists IUCT-O (role ``centre``) and the peripheral hospitals,
each flagged ``capable`` (first recourse for an adult haematology emergency) and ``bag_changes``
(the nearest_hospital bag policy). Distances are by road from each commune's town hall, with the
territory's travel model, so "nearest" means nearest by road from the patient's home.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from sim.territory.geodata import IUCT_ONCOPOLE_LONLAT, SAME_SITE_KM, TerritoryDataError, read_table
from sim.territory.travel import TravelMatrix, TravelModel, great_circle_km

HOSPITAL_COLUMNS = ("id", "name", "role", "insee", "lon", "lat", "capable", "bag_changes", "source")
ROLES = ("centre", "peripheral")
YES_NO = {"yes": True, "no": False}


@dataclass(frozen=True)
class Hospitals:
    """The hospital table (indexed by id, in file order) and road travel to and from its hospitals."""

    table: pd.DataFrame  # name, role, insee, lon, lat, capable (bool), bag_changes (bool), source
    from_communes: TravelMatrix  # (communes, hospitals): from each commune's town hall
    to_centre: TravelMatrix  # (hospitals, 1): from each hospital to IUCT-O (transfers, couriers)

    @cached_property
    def centre(self) -> int:
        """Row of IUCT-O (found once: every severe event at home asks)."""
        return int(np.flatnonzero(self.table["role"].to_numpy() == "centre")[0])

    @cached_property
    def by_distance(self) -> np.ndarray:
        """Per commune, the capable hospitals' rows, nearest by road first (IUCT-O among them)."""
        km = np.where(self.table["capable"].to_numpy()[None, :], self.from_communes.km, np.inf)
        n_capable = int(self.table["capable"].sum())
        return np.argsort(km, axis=1, kind="stable")[:, :n_capable]

    @cached_property
    def nearest_bag_change(self) -> np.ndarray:
        """Per commune, the row of the nearest hospital by road that changes bags."""
        able = self.table["bag_changes"].to_numpy()
        if not able.any():
            raise TerritoryDataError(
                "geo/hospitals.csv: no row with bag_changes yes, so bags.where_changed: nearest_hospital "
                "has nowhere to go"
            )
        return np.where(able[None, :], self.from_communes.km, np.inf).argmin(axis=1)


def load_hospitals(
    path: Path,
    communes: pd.DataFrame,
    travel: TravelModel,
    departments: Sequence[str],
    arrondissements: Sequence[str] | None = None,
) -> Hospitals:
    """Read and check ``path``; road travel from every commune (its town hall) and to IUCT-O.

    ``departments`` and ``arrondissements`` are the communes' (for a travel model's circuity by area).
    A malformed row stops the load with one line naming the file, the row and the column.
    """
    table = _read(path, communes)
    points = table[["lon", "lat"]].to_numpy(dtype=float)
    rows = table.pop("commune_row")
    hospital_departments = [departments[i] for i in rows]
    hospital_arrondissements = None if arrondissements is None else [arrondissements[i] for i in rows]
    return Hospitals(
        table=table,
        from_communes=travel.matrix(
            communes[["lon", "lat"]].to_numpy(), points, departments, arrondissements
        ),
        to_centre=travel.matrix(
            points, np.array([IUCT_ONCOPOLE_LONLAT]), hospital_departments, hospital_arrondissements
        ),
    )


def _read(path: Path, communes: pd.DataFrame) -> pd.DataFrame:
    table = read_table(path, HOSPITAL_COLUMNS)

    def fail(row: int, column: str, problem: str) -> TerritoryDataError:
        return TerritoryDataError(f"{path}: row {row} column {column}: {problem}")

    rows = range(1, len(table) + 1)
    seen: set[str] = set()
    for row, value in zip(rows, table["id"]):
        if not value or value in seen:
            raise fail(row, "id", f"expected a unique, non-empty id, found {value!r}")
        seen.add(value)
    for column, allowed in (("role", ROLES), ("capable", tuple(YES_NO)), ("bag_changes", tuple(YES_NO))):
        for row, value in zip(rows, table[column]):
            if value.strip().lower() not in allowed:
                raise fail(row, column, f"expected one of {', '.join(allowed)}, found {value!r}")
        table[column] = table[column].str.strip().str.lower()
    for column in ("capable", "bag_changes"):
        table[column] = table[column].map(YES_NO)
    for column, low, high in (("lon", -180.0, 180.0), ("lat", -90.0, 90.0)):
        parsed = pd.to_numeric(table[column], errors="coerce")
        for row, value, number in zip(rows, table[column], parsed):
            if not low <= number <= high:  # NaN (not a number) fails too
                raise fail(row, column, f"expected a number from {low:g} to {high:g}, found {value!r}")
        table[column] = parsed.astype(float)
    by_insee = pd.Series(range(len(communes)), index=communes["insee"].to_numpy())
    by_insee = by_insee[~by_insee.index.duplicated()]
    for row, value in zip(rows, table["insee"]):
        if value not in by_insee.index:
            raise fail(row, "insee", f"expected the INSEE code of a commune in geo/, found {value!r}")
    table["commune_row"] = by_insee[table["insee"]].to_numpy()
    _check_centre(path, table)
    return table.set_index("id")


def _check_centre(path: Path, table: pd.DataFrame) -> None:
    """Exactly one IUCT-O row, at IUCT-O, capable (the recourse when others are full), no bag changes."""
    centres = np.flatnonzero(table["role"].to_numpy() == "centre")
    if len(centres) != 1:
        raise TerritoryDataError(
            f"{path}: column role: expected exactly one row with role centre (IUCT-O), found {len(centres)}"
        )
    row = int(centres[0])
    centre = table.iloc[row]
    point = np.array([[centre["lon"], centre["lat"]]])
    km = great_circle_km(point, np.array([IUCT_ONCOPOLE_LONLAT]))[0, 0]
    where = f"{path}: row {row + 1} column"
    if km > SAME_SITE_KM:
        raise TerritoryDataError(
            f"{where} lon: expected IUCT-O's point {IUCT_ONCOPOLE_LONLAT} within {SAME_SITE_KM} km, "
            f"found {km:.1f} km away"
        )
    if not centre["capable"]:
        raise TerritoryDataError(f"{where} capable: expected yes for IUCT-O (the recourse when all are full)")
    if centre["bag_changes"]:
        raise TerritoryDataError(
            f"{where} bag_changes: expected no for IUCT-O (its sessions are the day_hospital policy)"
        )
