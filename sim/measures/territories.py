"""Results by place of residence: the main patient KPIs per department and per HAD zone of residence.

Each episode has its home commune; the territory gives the commune's department and the HAD zone
that covers it (a shared territory is a zone of its own, "HAD A / HAD B"). Per replication, the
episodes referred in the statistics window are grouped by place; the means over replications get a
Student-t interval, and between two scenarios run with common random numbers the differences are
paired replication by replication, as for the regional KPIs.

Per-episode means (days, waits, trips, km, hours) are over the episodes followed to their end, as
the regional ``*_per_episode`` KPIs; the shares of routes are over every episode referred.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures.catalogue import kpi_range
from sim.measures.columns import group_mean
from sim.measures.statistics import interval_within, t_interval
from sim.model.records import ROUTES
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

LEVELS = ("department", "had_zone")
# Names of the departments of the catchment and around it (INSEE, Code officiel géographique).
DEPARTMENT_NAMES = {
    "09": "Ariège",
    "11": "Aude",
    "12": "Aveyron",
    "30": "Gard",
    "31": "Haute-Garonne",
    "32": "Gers",
    "34": "Hérault",
    "46": "Lot",
    "48": "Lozère",
    "65": "Hautes-Pyrénées",
    "66": "Pyrénées-Orientales",
    "81": "Tarn",
    "82": "Tarn-et-Garonne",
}

# Per-episode columns of the episode table, averaged per place (finished episodes).
EPISODE_MEANS: dict[str, str] = {
    "bed_days_total_per_episode": "bed_days_total",
    "home_days_per_episode": "home_days",
    "first_bed_wait_days": "cycle1_wait",
    "home_care_bed_wait_days_per_episode": "bed_days_waiting_home_care",
    "trips_per_episode": "trips",
    "km_per_episode": "km",
    "hours_per_episode": "hours",
}
ROUTE_SHARES = tuple(f"route_{route}_share" for route in ROUTES)
NEVER_HOME_SHARE = "never_home_share"
EPISODES_PER_YEAR = "episodes_per_year"
TERRITORY_KPIS: tuple[str, ...] = (EPISODES_PER_YEAR, *EPISODE_MEANS, *ROUTE_SHARES, NEVER_HOME_SHARE)


def residence_units(territory: Territory) -> pd.DataFrame:
    """Per commune of the catchment: insee, department, HAD zone id and the zone's HAD names."""
    ids = territory.hads.index.to_numpy()
    names = territory.hads["name"].to_numpy()
    covers = territory.zones.covers
    inside = territory.communes["in_catchment"].to_numpy() & covers.any(axis=1)
    return pd.DataFrame(
        {
            "insee": territory.communes["insee"].to_numpy()[inside],
            "department": territory.communes["dep"].to_numpy()[inside],
            "had_zone": [" + ".join(ids[row]) for row in covers[inside]],
            "had_zone_name": [" / ".join(names[row]) for row in covers[inside]],
        }
    )


def unit_names(units: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(level, unit) -> the name people read: the department code, the HAD names of a zone."""
    names = {("department", d): f"{DEPARTMENT_NAMES.get(d, d)} ({d})" for d in units["department"].unique()}
    names.update({("had_zone", z): n for z, n in zip(units["had_zone"], units["had_zone_name"])})
    return names


def replication_values(
    episodes: pd.DataFrame, units: pd.DataFrame, window: tuple[float, float], years: float
) -> pd.DataFrame:
    """Long table: replication, level, unit, kpi, value - one value per place and replication.

    A place with no episode in a replication has 0 episodes per year and no per-episode value.
    Per level, the rows run KPI by KPI, then replication by replication, then place by place (the
    places sorted); the means are pandas' ``groupby().mean()`` to the last bit (see ``group_mean``
    for the one exception, a tiny run).
    """
    start, end = window
    arrival = episodes["arrival"].to_numpy(float)
    unit_row = pd.Index(units["insee"]).get_indexer(episodes["insee"])
    kept = (arrival >= start) & (arrival < end) & (unit_row >= 0)
    replications = np.sort(episodes["replication"].unique())
    replication_index = np.searchsorted(replications, episodes["replication"].to_numpy()[kept])
    route = episodes["route"].to_numpy()[kept]
    never_home = episodes["home_days"].to_numpy(float)[kept] <= 0
    finished = episodes["finished"].to_numpy()[kept].astype(bool)
    per_episode = {key: episodes[column].to_numpy(float)[kept] for key, column in EPISODE_MEANS.items()}
    parts = []
    for level in LEVELS:
        places, unit_place = np.unique(units[level].to_numpy(), return_inverse=True)
        cells = len(replications) * len(places)
        cell = replication_index * len(places) + unit_place[unit_row[kept]]
        count = np.bincount(cell, minlength=cells)
        wide = {EPISODES_PER_YEAR: count / years}
        for name, key in zip(ROUTES, ROUTE_SHARES):
            wide[key] = _share(cell, route == name, count)
        wide[NEVER_HOME_SHARE] = _share(cell, never_home, count)
        for key, values in per_episode.items():
            wide[key] = group_mean(cell[finished], values[finished], cells)
        kpi_names = np.array(list(wide))  # labels as numpy text: pandas makes them its text columns
        parts.append(
            pd.DataFrame(
                {
                    "replication": np.tile(np.repeat(replications, len(places)), len(kpi_names)),
                    "level": np.full(cells * len(kpi_names), level),
                    "unit": np.tile(places.astype(str), len(replications) * len(kpi_names)),
                    "kpi": np.repeat(kpi_names, cells),
                    "value": np.concatenate(list(wide.values())),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def _share(cell: np.ndarray, flag: np.ndarray, count: np.ndarray) -> np.ndarray:
    """Per cell, the share of its episodes flagged (NaN for a cell without episodes)."""
    flagged = np.bincount(cell, weights=flag.astype(float), minlength=len(count))
    return np.divide(flagged, count, out=np.full(len(count), np.nan), where=count > 0)


def _groups(table: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The groups of ``table.groupby(keys, sort=False)``: each group's first row, in the order groups
    first appear, and each group's rows in table order (as pandas iterates them). Rows with a
    missing key belong to no group, as pandas drops them."""
    combined = np.zeros(len(table), dtype=np.int64)
    keyed = np.ones(len(table), dtype=bool)
    for key in keys:
        codes, uniques = pd.factorize(table[key])
        combined = combined * (len(uniques) + 1) + codes
        keyed &= codes >= 0
    rows = np.flatnonzero(keyed)
    group, _ = pd.factorize(combined[rows])
    order = rows[np.argsort(group, kind="stable")]
    members = np.split(order, np.cumsum(np.bincount(group))[:-1]) if len(rows) else []
    return np.array([part[0] for part in members], dtype=np.int64), members


def summarise_places(values: pd.DataFrame) -> pd.DataFrame:
    """Per level, place and KPI: mean over replications with its 95 % CI (within the KPI's range) and
    n (NaN values left out)."""
    keys = ["level", "unit", "kpi"]
    firsts, members = _groups(values, keys)
    value = values["value"].to_numpy(float)
    labels = {key: values[key].to_numpy()[firsts] for key in keys}
    rows = []
    for i, rows_of_group in enumerate(members):
        group = value[rows_of_group]
        mean, half, _ = t_interval(group)
        low, high = interval_within(mean - half, mean + half, kpi_range(labels["kpi"][i]))
        rows.append(
            {
                **{key: labels[key][i] for key in keys},
                "mean": mean,
                "ci_low": low,
                "ci_high": high,
                "n": int(np.sum(~np.isnan(group))),
            }
        )
    return pd.DataFrame(rows)


def paired_places(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Per level, place and KPI: the mean of (other - base) over replications that both have, 95 % CI."""
    keys = ["replication", "level", "unit", "kpi"]
    joined = base.merge(other, on=keys, suffixes=("_base", "_other"))
    diff = joined["value_other"].to_numpy(float) - joined["value_base"].to_numpy(float)
    firsts, members = _groups(joined, keys[1:])
    labels = {key: joined[key].to_numpy()[firsts] for key in keys[1:]}
    rows = []
    for i, rows_of_group in enumerate(members):
        group = diff[rows_of_group]
        mean, half, _ = t_interval(group)
        rows.append(
            {
                **{key: labels[key][i] for key in keys[1:]},
                "diff_mean": mean,
                "diff_ci_low": mean - half,
                "diff_ci_high": mean + half,
                "pairs": int(np.sum(~np.isnan(group))),
                "significant": bool(half == half and (mean - half > 0 or mean + half < 0)),
            }
        )
    return pd.DataFrame(rows)


def place_table(
    values: dict[str, pd.DataFrame], base: str, names: dict[tuple[str, str], str]
) -> pd.DataFrame:
    """Long table of every scenario: level, unit, unit_name, kpi, scenario, mean and CI, paired difference."""
    tables = []
    for scenario, frame in values.items():
        summary = summarise_places(frame)
        if scenario != base:
            summary = summary.merge(
                paired_places(values[base], frame), on=["level", "unit", "kpi"], how="left"
            )
        tables.append(summary.assign(scenario=scenario))
    table = pd.concat(tables, ignore_index=True)
    table.insert(2, "unit_name", [names.get((lv, u), u) for lv, u in zip(table["level"], table["unit"])])
    front = ["scenario", "level", "unit", "unit_name", "kpi"]
    return table[front + [c for c in table.columns if c not in front]]


def places_of_runs(
    episodes: dict[str, pd.DataFrame], scenarios: dict[str, Scenario], base: str, territory: Territory
) -> pd.DataFrame:
    """``place_table`` of runs (the first, ``base``, is the reference), places of ``territory``'s zones."""
    units = residence_units(territory)
    values = {
        name: replication_values(
            frame,
            units,
            (scenarios[name].run.warmup_days, scenarios[name].run.horizon),
            scenarios[name].run.years,
        )
        for name, frame in episodes.items()
    }
    return place_table(values, base, unit_names(units))
