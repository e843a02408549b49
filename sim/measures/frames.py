"""Tables built once per replication from the model's records: episodes, admissions, daily load.

Also the step-function helpers (time-weighted levels) that the KPIs and the daily table share.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.model.calendar import Calendar
from sim.model.engine import BED_CAUSES, STREAM_DAY_HOSPITAL, Recorder, stream
from sim.scenario.schema import WEEKDAYS, Costs, Scenario
from sim.territory.catchment import Territory


def step_integral(times: np.ndarray, levels: np.ndarray, t0: float, t1: float) -> float:
    """Integral over [t0, t1] of the right-continuous step function (times, levels)."""
    edges = np.clip(np.append(times, t1), t0, t1)
    return float(np.sum(levels * np.diff(edges)))


def daily_mean_level(times: np.ndarray, levels: np.ndarray, n_days: int) -> np.ndarray:
    """Mean level of a step function over each day 0..n_days-1."""
    grid = np.arange(n_days + 1, dtype=float)
    all_t = np.union1d(times, grid)
    idx = np.searchsorted(times, all_t, side="right") - 1
    values = levels[np.clip(idx, 0, None)]
    cumulative = np.concatenate([[0.0], np.cumsum(values[:-1] * np.diff(all_t))])
    at_grid = np.interp(grid, all_t, cumulative)
    return np.diff(at_grid)


def clipped_overlap(starts: np.ndarray, ends: np.ndarray, t0: float, t1: float) -> np.ndarray:
    return np.clip(np.minimum(ends, t1) - np.maximum(starts, t0), 0.0, None)


def admissions_frame(record: Recorder) -> pd.DataFrame:
    frame = pd.DataFrame(record.admissions, columns=["kind", "request", "admit", "discharge", "episode"])
    frame["kind"] = frame["kind"].astype(int)
    frame["episode"] = frame["episode"].astype(int)
    frame["wait"] = frame["admit"] - frame["request"]
    return frame


EPISODE_COLUMNS = [
    "episode",
    "group",
    "insee",
    "dep",
    "km_to_iucto",
    "arrival",
    "route",
    "had",
    "ready_delay",
    "cycles_planned",
    "cycles_started",
    "outcome",
    "died_in_cycle1",
    "exit_time",
    "finished",
    "cycle1_wait",
    *[f"bed_days_{c}" for c in BED_CAUSES],
    "home_days",
    "bags",
    "bag_changes_ward",
    "bag_changes_away",
    "bag_changes_at_home",
    "day_hospital_sessions",
    "local_hospital_sessions",
    "bridge_bags",
]


def episodes_frame(record: Recorder, territory: Territory, costs: Costs | None = None) -> pd.DataFrame:
    """One row per blinatumomab episode: the per-patient record (with its costs, given prices)."""
    communes = territory.communes
    trips = pd.DataFrame(record.trips, columns=["episode", "time", "origin", "destination", "km", "hours"])
    by_episode = trips.groupby("episode").agg(trips=("km", "size"), km=("km", "sum"), hours=("hours", "sum"))
    rows = []
    for e in record.episodes:
        p = e.profile
        bags = e.bags
        home_days = sum(b - a for a, b in e.home_segments)
        rows.append(
            {
                "episode": p.index,
                "group": p.group,
                "insee": communes["insee"].iat[p.home],
                "dep": communes["dep"].iat[p.home],
                "km_to_iucto": float(territory.to_centre.km[p.home, 0]),
                "arrival": p.arrival,
                "route": e.route,
                "had": territory.hads.index[e.had] if e.had >= 0 else "",
                "ready_delay": e.ready_time - p.arrival,
                "cycles_planned": p.n_cycles,
                "cycles_started": e.cycles_started,
                "outcome": p.outcome,
                "died_in_cycle1": e.died,
                "exit_time": e.exit_time,
                "finished": bool(np.isfinite(e.exit_time)),
                "cycle1_wait": e.cycle_start_waits[0][1] if e.cycle_start_waits else np.nan,
                **{f"bed_days_{c}": e.bed_days[c] for c in BED_CAUSES},
                "home_days": home_days,
                "bags": len(bags),
                "bag_changes_ward": sum(1 for b in bags if b[4] == "ward"),
                "bag_changes_away": sum(1 for b in bags if b[4] != "ward"),
                "bag_changes_at_home": sum(1 for b in bags if b[4] == "home"),
                "day_hospital_sessions": sum(1 for b in bags if b[4] == "day_hospital"),
                "local_hospital_sessions": sum(1 for b in bags if b[4] == "nearest_hospital"),
                "bridge_bags": sum(1 for b in bags if b[2] - b[1] < 3 - 1e-9),
            }
        )
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    frame = frame.join(by_episode, on="episode")
    legs = pd.DataFrame(record.legs, columns=["episode", "time", "km", "hours"])
    by_leg = legs.groupby("episode").agg(
        legs=("km", "size"), legs_km=("km", "sum"), legs_hours=("hours", "sum")
    )
    frame = frame.join(by_leg, on="episode")
    counts = ["trips", "km", "hours", "legs", "legs_km", "legs_hours"]
    frame[counts] = frame[counts].fillna(0)
    frame[["trips", "legs"]] = frame[["trips", "legs"]].astype(int)
    # Patient travel: bag-change round trips plus the journeys in and out of hospital stays.
    frame = frame.rename(columns={"km": "bag_change_km", "hours": "bag_change_hours"})
    frame["km"] = frame["bag_change_km"] + frame["legs_km"]
    frame["hours"] = frame["bag_change_hours"] + frame["legs_hours"]
    frame["bed_days_total"] = frame[[f"bed_days_{c}" for c in BED_CAUSES]].sum(axis=1)
    if costs is not None:
        bags = pd.DataFrame(
            [(e.profile.index, end - start, ug) for e in record.episodes for _, start, end, ug, _ in e.bags],
            columns=["episode", "days", "dose"],
        )
        deliveries = pd.DataFrame(record.deliveries, columns=["episode", "time", "km"])
        frame = frame.merge(
            economics.episode_costs(frame, bags, trips, costs, deliveries, legs), on="episode", how="left"
        )
    return frame


def day_hospital_load(record: Recorder, scenario: Scenario, replication: int, n_days: int) -> pd.DataFrame:
    """Per simulated day: capacity, background sessions, blinatumomab sessions, overflow."""
    calendar = Calendar(scenario.run.start_date)
    weekday = np.array([calendar.weekday(d) for d in range(n_days)])
    names = np.array(WEEKDAYS)[weekday]
    capacity = np.array([scenario.day_hospital.sessions_per_weekday.get(n, 0) for n in names])
    rng = stream(scenario.run.seed, replication, STREAM_DAY_HOSPITAL)
    background = np.rint(scenario.day_hospital.background_sessions_per_day.sample(rng, n_days)).astype(int)
    background = np.minimum(np.clip(background, 0, None), capacity)  # the day hospital books up to capacity
    blina = np.zeros(n_days, dtype=int)
    days = [d for d, _ in record.day_hospital if d < n_days]
    np.add.at(blina, days, 1)
    free = capacity - background
    overflow = np.clip(blina - free, 0, None)
    return pd.DataFrame(
        {
            "weekday": names,
            "capacity": capacity,
            "background": background,
            "blinatumomab": blina,
            "overflow": overflow,
        }
    )


def max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    events = np.concatenate(
        [np.stack([starts, np.ones_like(starts)], 1), np.stack([ends, -np.ones_like(ends)], 1)]
    )
    order = np.lexsort((events[:, 1], events[:, 0]))  # ends before starts at equal times
    return int(np.cumsum(events[order, 1]).max()) if len(events) else 0
