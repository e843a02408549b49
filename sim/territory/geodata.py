"""The geo/ data files: where they are, reading them, and the HAD table."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is imported by the functions that read tables: `validate` needs only ids
    import pandas as pd

DEFAULT_GEO_DIR = Path(__file__).resolve().parents[2] / "geo"


# IUCT-Oncopole, Toulouse: the only centre treating adult haematological cancers (docs/sources.md, system).
IUCT_ONCOPOLE_LONLAT = (1.4311, 43.5556)


# Two main sites closer than this are the same site for the nearest-site rule (Toulouse hosts two).
SAME_SITE_KM = 0.5


class TerritoryDataError(ValueError):
    """A geo/ data file is missing or malformed; the message names the file and the field."""


def geo_dir() -> Path:
    return Path(os.environ.get("OCCISIM_GEO_DIR", DEFAULT_GEO_DIR))


def read_table(path: Path, required: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise TerritoryDataError(f"{path}: file not found")
    try:
        table = pd.read_csv(path, dtype=str, comment="#", keep_default_na=False, skipinitialspace=True)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problem = " ".join(str(getattr(exc, "strerror", None) or exc).split())[:200]
        raise TerritoryDataError(
            f"{path}: expected a CSV file with columns {list(required)}, found: {problem}"
        ) from None
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise TerritoryDataError(f"{path}: missing column(s) {', '.join(missing)}; expected {list(required)}")
    return table


def load_hads(path: Path) -> pd.DataFrame:
    """The HAD table, indexed by id, with typed columns and ``departments`` as tuples."""
    import pandas as pd

    table = read_table(
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


def table_column(path: Path, column: str) -> list[str]:
    """One column of a geo/ CSV file, read without pandas (for checks that need no territory): rows as
    ``read_table`` reads them (``#`` comment lines and blank lines skipped, spaces after commas dropped)."""
    try:
        with open(path, encoding="utf-8", newline="") as file:
            lines = [line for line in file if line.strip() and not line.lstrip().startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        problem = " ".join(str(getattr(exc, "strerror", None) or exc).split())[:200]
        raise TerritoryDataError(
            f"{path}: expected a CSV file with a column {column}, found: {problem}"
        ) from None
    rows = list(csv.reader(lines, skipinitialspace=True))
    if not rows or column not in rows[0]:
        raise TerritoryDataError(f"{path}: missing column {column}")
    at = rows[0].index(column)
    return [row[at] if at < len(row) else "" for row in rows[1:]]


def had_ids(directory: Path | None = None) -> list[str]:
    """The HAD ids of geo/had.csv, in file order (the territory's HAD index)."""
    return table_column((directory or geo_dir()) / "had.csv", "id")


def peripheral_hospital_ids(directory: Path | None = None) -> list[str]:
    """The ids of geo/hospitals.csv but IUCT-O's (role ``centre``), in file order."""
    path = (directory or geo_dir()) / "hospitals.csv"
    return [h for h, role in zip(table_column(path, "id"), table_column(path, "role")) if role != "centre"]


def load_annex_sites(path: Path, hads: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The HADs' annex sites (``had``, ``site_name``, ``site_insee``), each at its commune's town hall."""
    table = read_table(path, ["had", "site_name", "site_insee", "why"])
    for row, record in enumerate(table.to_dict("records"), start=1):
        if record["had"] not in hads.index:
            known = list(hads.index)
            raise TerritoryDataError(
                f"{path}: row {row} field had: unknown HAD id {record['had']!r}; known ids: {known}"
            )
        if not (communes["insee"] == record["site_insee"]).any():
            raise TerritoryDataError(
                f"{path}: row {row} field site_insee: no commune with INSEE code {record['site_insee']!r}"
            )
    points = communes.set_index("insee").loc[table["site_insee"], ["lon", "lat"]].to_numpy()
    return table.assign(site_lon=points[:, 0], site_lat=points[:, 1])
