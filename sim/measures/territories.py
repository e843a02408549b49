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

from sim.measures.statistics import t_interval
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
    """
    start, end = window
    referred = episodes[(episodes["arrival"] >= start) & (episodes["arrival"] < end)]
    referred = referred.merge(units[["insee", *LEVELS]], on="insee", how="inner")
    replications = np.sort(episodes["replication"].unique())
    parts = []
    for level in LEVELS:
        places = np.sort(units[level].unique())
        full = pd.MultiIndex.from_product([replications, places], names=["replication", "unit"])
        grouped = referred.groupby(["replication", level])
        wide = pd.DataFrame(index=full)
        wide[EPISODES_PER_YEAR] = grouped.size().reindex(full, fill_value=0) / years
        for route, key in zip(ROUTES, ROUTE_SHARES):
            wide[key] = (
                (referred["route"] == route).groupby([referred["replication"], referred[level]]).mean()
            )
        never_home = referred["home_days"] <= 0
        wide[NEVER_HOME_SHARE] = never_home.groupby([referred["replication"], referred[level]]).mean()
        done = referred[referred["finished"].astype(bool)]
        means = done.groupby(["replication", level])[list(EPISODE_MEANS.values())].mean()
        for key, column in EPISODE_MEANS.items():
            wide[key] = means[column].reindex(full) if len(means) else np.nan
        long = wide.reset_index().melt(id_vars=["replication", "unit"], var_name="kpi", value_name="value")
        parts.append(long.assign(level=level))
    table = pd.concat(parts, ignore_index=True)
    return table[["replication", "level", "unit", "kpi", "value"]]


def summarise_places(values: pd.DataFrame) -> pd.DataFrame:
    """Per level, place and KPI: mean over replications with its 95 % CI and n (NaN values left out)."""
    rows = []
    for (level, unit, kpi), group in values.groupby(["level", "unit", "kpi"], sort=False):
        mean, half, _ = t_interval(group["value"].to_numpy(float))
        n = int(group["value"].notna().sum())
        rows.append(
            {
                "level": level,
                "unit": unit,
                "kpi": kpi,
                "mean": mean,
                "ci_low": mean - half,
                "ci_high": mean + half,
                "n": n,
            }
        )
    return pd.DataFrame(rows)


def paired_places(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """Per level, place and KPI: the mean of (other - base) over replications that both have, 95 % CI."""
    keys = ["replication", "level", "unit", "kpi"]
    joined = base.merge(other, on=keys, suffixes=("_base", "_other"))
    joined["diff"] = joined["value_other"] - joined["value_base"]
    rows = []
    for (level, unit, kpi), group in joined.groupby(["level", "unit", "kpi"], sort=False):
        diff = group["diff"].to_numpy(float)
        mean, half, _ = t_interval(diff)
        rows.append(
            {
                "level": level,
                "unit": unit,
                "kpi": kpi,
                "diff_mean": mean,
                "diff_ci_low": mean - half,
                "diff_ci_high": mean + half,
                "pairs": int(np.sum(~np.isnan(diff))),
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
