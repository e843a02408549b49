"""KPIs by indication: how many episodes of each of the scenario's indications, and their bed use.

Keys are ``indication_<name>_<kpi>`` for every indication the scenario names (labels:
``sim.measures.catalogue.indication_rows``). Episodes are counted when referred in the window;
per-episode means are over those referred in the window and finished, as in ``sim.measures.kpis``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def indication_kpis(episodes: pd.DataFrame, indications: list[str], window: Window) -> dict[str, float]:
    """Per indication: episodes referred a year, and cycles, bed-days and home days per episode."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    if len(episodes):
        referred = episodes[(episodes["arrival"] >= t0) & (episodes["arrival"] < t1)]
    else:
        referred = pd.DataFrame(columns=["indication", "finished"])
    for name in indications:
        mine = referred[referred["indication"] == name]
        done = mine[mine["finished"].astype(bool)]
        for suffix, column in INDICATION_KPIS:
            if column is None:
                kpi[indication_key(name, suffix)] = len(mine) / years
            else:
                kpi[indication_key(name, suffix)] = float(done[column].mean()) if len(done) else np.nan
    return kpi
