"""KPIs by indication: how many episodes of each of the scenario's indications, and their bed use.

Keys are ``indication_<name>_<kpi>`` for every indication the scenario names (labels:
``sim.measures.catalogue.indication_rows``). Episodes are counted when referred in the window;
per-episode means are over those referred in the window and finished, as in ``sim.measures.kpis``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.measures.care import Window

# (suffix, episode column averaged; None: a count a year)
INDICATION_KPIS: tuple[tuple[str, str | None], ...] = (
    ("episodes_per_year", None),
    ("cycles_per_episode", "cycles_started"),
    ("bed_days_per_episode", "bed_days_total"),
    ("home_days_per_episode", "home_days"),
)


def indication_key(name: str, suffix: str) -> str:
    return f"indication_{name}_{suffix}"


def indication_kpis(
    episodes: Mapping[str, np.ndarray], indications: list[str], window: Window
) -> dict[str, float]:
    """Per indication: episodes referred a year, and cycles, bed-days and home days per episode
    (``episodes``: the episode table's columns, as ``sim.measures.kpis`` holds them)."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    arrival = episodes.get("arrival", np.empty(0))
    referred = (arrival >= t0) & (arrival < t1)
    finished = episodes["finished"].astype(bool) if len(arrival) else referred
    for name in indications:
        mine = referred & (episodes["indication"] == name) if len(arrival) else referred
        done = mine & finished
        for suffix, column in INDICATION_KPIS:
            if column is None:
                kpi[indication_key(name, suffix)] = int(mine.sum()) / years
            else:
                kpi[indication_key(name, suffix)] = (
                    float(episodes[column][done].mean()) if done.any() else np.nan
                )
    return kpi
