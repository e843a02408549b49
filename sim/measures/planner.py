"""KPIs a planner asks for first: how often every bed is taken, the day hospital over capacity, the
busiest HAD against its pumps, and the episodes that never went home (whatever their route)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures.care import Window
from sim.measures.frames import bed_levels, daily_mean_level, day_hospital_load
from sim.model.records import Recorder

FULL_TOLERANCE = 1e-6  # beds: a day's mean level within this of the capacity is a day with every bed taken


def planner_kpis(
    record: Recorder, episodes: pd.DataFrame, capacity: int, had_peak_shares: list[float], window: Window
) -> dict[str, float]:
    """Share of days with all beds full the whole day; shares of open day-hospital days full and over
    capacity; the highest HAD peak of pumps in use against its pumps; episodes that never went home
    per year."""
    first, last = int(np.ceil(window.start)), int(np.floor(window.end))
    times, levels = bed_levels(record)
    daily = daily_mean_level(times, levels, last)[first:last]
    load = day_hospital_load(record).iloc[first:last]
    open_days = load[load["capacity"] > 0]
    taken = open_days["background"] + open_days["blinatumomab"]
    over = (taken > open_days["capacity"]) | (open_days["overflow"] > 0)
    shares = [s for s in had_peak_shares if s == s]
    referred = episodes[(episodes["arrival"] >= window.start) & (episodes["arrival"] < window.end)]
    never_home = referred["finished"].astype(bool) & (referred["home_days"] <= 0)
    return {
        "beds_full_day_share": float(np.mean(daily >= capacity - FULL_TOLERANCE)) if len(daily) else np.nan,
        "hdj_full_day_share": float((taken >= open_days["capacity"]).mean()) if len(open_days) else np.nan,
        "hdj_over_capacity_day_share": float(over.mean()) if len(open_days) else np.nan,
        "had_peak_pump_share_max": max(shares) if shares else np.nan,
        "episodes_never_home_per_year": float(never_home.sum()) / window.years,
    }
