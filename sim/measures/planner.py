"""KPIs a planner asks for first: how often every bed is taken, the day hospital over capacity, the
busiest HAD against its pumps, and the episodes that never went home (whatever their route)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.measures.care import Window
from sim.measures.columns import Columns
from sim.measures.day_hospital_tables import day_hospital_load_columns
from sim.measures.frames import daily_beds_occupied
from sim.model.records import Recorder

FULL_TOLERANCE = 1e-6  # beds: a day's mean level within this of the capacity is a day with every bed taken


def planner_kpis(
    record: Recorder,
    episodes: pd.DataFrame | Columns,
    capacity: int,
    had_peak_shares: list[float],
    window: Window,
) -> dict[str, float]:
    """Share of days with all beds full the whole day; shares of open day-hospital days full and over
    capacity; the highest HAD peak of pumps in use against its pumps; episodes that never went home
    per year."""
    first, last = int(np.ceil(window.start)), int(np.floor(window.end))
    daily = daily_beds_occupied(record, math.ceil(window.end))[first:last]  # the daily table's days
    load = {name: values[first:last] for name, values in day_hospital_load_columns(record).items()}
    is_open = load["capacity"] > 0
    sessions, overflow = load["capacity"][is_open], load["overflow"][is_open]
    taken = load["background"][is_open] + load["blinatumomab"][is_open]
    over = (taken > sessions) | (overflow > 0)
    shares = [s for s in had_peak_shares if s == s]
    arrival = np.asarray(episodes["arrival"])
    referred = (arrival >= window.start) & (arrival < window.end)
    finished = np.asarray(episodes["finished"]).astype(bool)[referred]
    never_home = finished & (np.asarray(episodes["home_days"])[referred] <= 0)
    return {
        "beds_full_day_share": float(np.mean(daily >= capacity - FULL_TOLERANCE)) if len(daily) else np.nan,
        "hdj_full_day_share": float((taken >= sessions).mean()) if len(sessions) else np.nan,
        "hdj_over_capacity_day_share": float(over.mean()) if len(sessions) else np.nan,
        "had_peak_pump_share_max": max(shares) if shares else np.nan,
        "episodes_never_home_per_year": float(never_home.sum()) / window.years,
    }
