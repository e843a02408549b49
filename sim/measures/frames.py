"""Tables built once per replication from the model's records: episodes, admissions, daily load.

The records are read into named numpy columns once (``sim.measures.columns``); the tables and the
KPIs are computed from those, with sums and counts per episode by ``group_sum`` and ``np.bincount``.
Also the step-function helpers (time-weighted levels) that the KPIs and the daily table share.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.measures.bags import bag_columns, bridge_bags
from sim.measures.columns import (
    Columns,
    GroupSum,
    columns,
    group_count,
    group_max_concurrent,
    group_sums,
    once,
    record_columns,
)
from sim.measures.day_hospital_tables import blina_bookings_columns
from sim.model.records import (
    BAG_CHANGE,
    BED_CAUSES,
    Admission,
    Delivery,
    HomeCareWait,
    HomeEmergency,
    Leg,
    Recorder,
    Transfer,
    Trip,
)
from sim.scenario.schema import Costs
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


def records_frame(rows: Sequence[object], record: type) -> pd.DataFrame:
    """One row per record, one column per field of ``record``, in field order."""
    return pd.DataFrame(record_columns(rows, record))


def admission_columns(record: Recorder) -> Columns:
    """The bed requests as columns, with each one's wait (NaN: not admitted when the run stopped)."""

    def build() -> Columns:
        table = dict(columns(record, "admissions", Admission))
        for name in ("kind", "episode", "start_type"):
            table[name] = table[name].astype(int)
        table["wait"] = table["admit"] - table["request"]
        return table

    return once(record, ("admission_columns", len(record.admissions)), build)


def admissions_frame(record: Recorder) -> pd.DataFrame:
    return pd.DataFrame(admission_columns(record))


def bed_levels(record: Recorder) -> tuple[np.ndarray, np.ndarray]:
    """Times and levels of the bed-occupancy step function (read once per replication)."""

    def build() -> tuple[np.ndarray, np.ndarray]:
        steps = record.bed_level  # (time, level) pairs, read straight into one array
        pairs = np.fromiter(itertools.chain.from_iterable(steps), dtype=float, count=2 * len(steps))
        times, levels = pairs[0::2].copy(), pairs[1::2].copy()
        times.flags.writeable = levels.flags.writeable = False
        return times, levels

    return once(record, ("bed_levels", len(record.bed_level)), build)


def daily_beds_occupied(record: Recorder, n_days: int) -> np.ndarray:
    """Mean beds occupied on each day 0..n_days-1 (once per replication; the first days of a longer
    run's are the same to the bit, their integral being the same sum in the same order)."""

    def build() -> np.ndarray:
        daily = daily_mean_level(*bed_levels(record), n_days)
        daily.flags.writeable = False
        return daily

    return once(record, ("daily_beds_occupied", n_days), build)


def _episode_record_columns(record: Recorder, territory: Territory) -> dict[str, list | np.ndarray]:
    """Columns read straight from each episode's record: who, from where, route, cycles, bed-days, bags.

    The bags and the day-hospital visits are counted from their columns, read once per replication.
    """
    episodes = record.episodes
    profiles = [e.profile for e in episodes]
    homes = np.array([p.home for p in profiles], dtype=np.int64)
    hads = territory.hads.index.tolist()
    bags = bag_columns(record)
    blina = blina_bookings_columns(record)
    visited = (blina["purpose"] != BAG_CHANGE) & ~blina["cancelled"]
    ids = np.array([p.index for p in profiles], dtype=np.int64)
    visits = group_count(ids, blina["episode"][visited]) if len(ids) else np.array([])

    def bags_per_episode(which: np.ndarray | None = None) -> np.ndarray:
        rows = bags["row"] if which is None else bags["row"][which]
        return np.bincount(rows, minlength=len(episodes)) if episodes else np.array([])

    place = bags["where"]
    ward, every = bags_per_episode(place == "ward"), bags_per_episode()
    table = {
        "episode": [p.index for p in profiles],
        "indication": [p.indication for p in profiles],
        "insee": territory.communes["insee"].array.take(homes).to_numpy(),
        "dep": territory.communes["dep"].array.take(homes).to_numpy(),
        "km_to_iucto": [float(territory.to_centre.km[p.home, 0]) for p in profiles],
        "arrival": [p.arrival for p in profiles],
        "route": [e.route for e in episodes],
        "had": [hads[e.had] if e.had is not None else "" for e in episodes],
        "ready_delay": [e.ready_time - e.profile.arrival for e in episodes],
        "cycles_planned": [p.n_cycles for p in profiles],
        "cycles_started": [e.cycles_started for e in episodes],
        "outcome": [p.outcome for p in profiles],
        "died_in_cycle1": [e.died for e in episodes],
        "exit_time": [np.nan if e.exit_time is None else e.exit_time for e in episodes],
        "finished": [e.exit_time is not None for e in episodes],
        "cycle1_wait": [e.cycle_start_waits[0].wait if e.cycle_start_waits else np.nan for e in episodes],
        **{f"bed_days_{c}": [e.bed_days[c] for e in episodes] for c in BED_CAUSES},
        "home_days": [sum(s.end - s.start for s in e.home_segments) for e in episodes],
        "bags": every,
        "bag_changes_ward": ward,
        "bag_changes_away": every - ward,
        "bag_changes_at_home": bags_per_episode(place == "home"),
        "bag_changes_ward_visit": bags_per_episode(place == "ward_visit"),  # no-slot policy "ward"
        "visits": visits,
        # IUCT-O day-hospital sessions: bag changes and visits
        "day_hospital_sessions": bags_per_episode(place == "day_hospital") + visits,
        "local_hospital_sessions": bags_per_episode(place == "nearest_hospital"),
        "bridge_bags": bags_per_episode(bridge_bags(bags)),
    }
    return table if episodes else {name: [] for name in table}  # no episode: empty columns, as always


def _typed(values: list | np.ndarray) -> np.ndarray:
    """A column as pandas would type it (labels as objects)."""
    array = np.array(values)
    return array.astype(object) if array.dtype.kind == "U" else array


def episode_columns(record: Recorder, territory: Territory) -> Columns:
    """The episode table's columns before costs: the record's, then journeys, emergencies, home care
    (their sums per episode computed together, ``group_sums``)."""
    table: dict[str, object] = {
        name: _typed(values) for name, values in _episode_record_columns(record, territory).items()
    }
    ids = table["episode"]
    trips = columns(record, "trips", Trip)
    table["trips"] = group_count(ids, trips["episode"])
    bag_change = trips["purpose"] == BAG_CHANGE
    for purpose, prefix in ((bag_change, "bag_change"), (~bag_change, "visit")):
        for measure in ("km", "hours"):
            table[f"{prefix}_{measure}"] = GroupSum(trips["episode"][purpose], trips[measure][purpose])
    legs = columns(record, "legs", Leg)
    table["legs"] = group_count(ids, legs["episode"])
    table["legs_km"] = GroupSum(legs["episode"], legs["km"])
    table["legs_hours"] = GroupSum(legs["episode"], legs["hours"])
    table |= emergency_columns(record, territory, ids)
    table |= _home_care_by_episode(record, territory)
    table = group_sums(ids, table)
    # Patient travel: round trips from home (bag changes, visits), journeys in and out of hospital
    # stays, transfers between hospitals.
    table["km"] = table["bag_change_km"] + table["visit_km"] + table["legs_km"] + table["transfer_km"]
    table["hours"] = (
        table["bag_change_hours"] + table["visit_hours"] + table["legs_hours"] + table["transfer_hours"]
    )
    bed_days = [np.asarray(table[f"bed_days_{c}"], dtype=float) for c in BED_CAUSES]
    table["bed_days_total"] = functools.reduce(operator.add, bed_days)
    return table


def episodes_frame(record: Recorder, territory: Territory, costs: Costs | None = None) -> pd.DataFrame:
    """One row per blinatumomab episode: the per-patient record (with its costs, given prices)."""
    return pd.DataFrame(episode_table(record, territory, costs))


def episode_table(record: Recorder, territory: Territory, costs: Costs | None = None) -> Columns:
    """``episodes_frame``'s columns: what the KPIs read, and the frame is built from."""
    table = episode_columns(record, territory)
    if costs is not None:
        bags = bag_columns(record)
        priced = economics.episode_cost_columns(
            table,
            {name: bags[name] for name in ("episode", "days", "dose", "made_days")},
            columns(record, "trips", Trip),
            costs,
            columns(record, "deliveries", Delivery),
            columns(record, "legs", Leg),
            columns(record, "transfers", Transfer),
        )
        table |= {name: values for name, values in priced.items() if name != "episode"}
    return table


EMERGENCY_COLUMNS = (
    "peripheral_admissions",
    "peripheral_bed_days",
    "peripheral_legs",
    "peripheral_legs_km",
    "transfers",
    "transfer_km",
    "transfer_hours",
)


def emergency_columns(record: Recorder, territory: Territory, ids: np.ndarray) -> dict[str, object]:
    """Per episode (``ids``): stays in peripheral hospitals, the journeys in and out of them, transfers
    to IUCT-O. A stay still going on when the run stopped counts its days to then. The sums are left
    to compute (``GroupSum``), with the episode table's others.
    """
    stays = peripheral_stays(record, territory)
    legs = columns(record, "legs", Leg)
    local = legs["hospital"] >= 0
    transfers = columns(record, "transfers", Transfer)
    return {
        "peripheral_admissions": group_count(ids, stays["episode"]),
        "peripheral_bed_days": GroupSum(stays["episode"], stays["days"]),
        "peripheral_legs": group_count(ids, legs["episode"][local]),
        "peripheral_legs_km": GroupSum(legs["episode"][local], legs["km"][local]),
        "transfers": group_count(ids, transfers["episode"]),
        "transfer_km": GroupSum(transfers["episode"], transfers["km"]),
        "transfer_hours": GroupSum(transfers["episode"], transfers["hours"]),
    }


def peripheral_stays(record: Recorder, territory: Territory) -> Columns:
    """The stays in peripheral hospitals (one per severe event at home cared for there), with days."""

    def build() -> Columns:
        emergencies = columns(record, "home_emergencies", HomeEmergency)
        there = emergencies["hospital"] != territory.hospitals.centre
        stays = {name: values[there] for name, values in emergencies.items()}
        stays["discharge"] = np.where(np.isnan(stays["discharge"]), record.end_time, stays["discharge"])
        stays["days"] = stays["discharge"] - stays["admit"]
        return stays

    return once(record, ("peripheral_stays", len(record.home_emergencies)), build)


def max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most intervals [start, end) open at once (one ending as another starts: not both)."""
    return int(group_max_concurrent(np.zeros(len(starts), dtype=np.int64), starts, ends, 1)[0])


# --- home care ---

HOME_CARE_EPISODE_COLUMNS = (
    "home_care_wait_days",
    "had_room_wait_days",
    "had_home_days",
    "had_nurse_km",
    "had_nurse_hours",
)


def had_visits_at_home(record: Recorder, territory: Territory) -> Columns:
    """Per stretch at home in an HAD's care: had, episode, start, end, and one nurse round trip a day.

    The nurse drives from the HAD's site nearest to the patient's home (``km`` and ``hours`` per day).
    """

    def build() -> Columns:
        segments = {e.profile.index: (e.profile.home, e.home_segments) for e in record.episodes}
        rows = []
        for stay in record.had_stays:
            home, stretches = segments[stay.episode]
            for s in stretches:
                start, end = max(s.start, stay.start), min(s.end, stay.end)
                if end > start:
                    rows.append((stay.had, stay.episode, home, start, end))
        names = ("had", "episode", "home", "start", "end")
        table = dict(zip(names, map(np.array, zip(*rows)))) if rows else {}
        table = {n: table.get(n, np.array([], dtype=float if n in ("start", "end") else int)) for n in names}
        nearest = territory.to_had_nearest_site
        table["km"] = 2 * nearest.km[table["home"], table["had"]]
        table["hours"] = 2 * nearest.hours[table["home"], table["had"]]
        return table

    return once(record, ("had_visits_at_home", len(record.had_stays)), build)


def _home_care_by_episode(record: Recorder, territory: Territory) -> dict[str, GroupSum]:
    """Per episode, to compute with the table's other sums: days waiting in a bed for home care (for
    room at a full HAD); days at home in an HAD's care, and its nurses' driving."""
    waits = columns(record, "home_care_waits", HomeCareWait)
    visits = had_visits_at_home(record, territory)
    days = visits["end"] - visits["start"]
    return {
        "home_care_wait_days": GroupSum(waits["episode"], waits["setup_days"] + waits["room_days"]),
        "had_room_wait_days": GroupSum(waits["episode"], waits["room_days"]),
        "had_home_days": GroupSum(visits["episode"], days),
        "had_nurse_km": GroupSum(visits["episode"], days * visits["km"]),
        "had_nurse_hours": GroupSum(visits["episode"], days * visits["hours"]),
    }


class HadDailyVisits(NamedTuple):
    """Per HAD and day (arrays HADs x days): visits it can make, other patients' asked, blinatumomab held."""

    visits_per_day: np.ndarray
    others: np.ndarray
    blinatumomab: np.ndarray

    @property
    def deferred(self) -> np.ndarray:
        """Other patients' visits the nurses cannot make because blinatumomab patients hold theirs.

        The other patients alone may ask for more than the nurses can do (the census is drawn apart):
        only the excess the blinatumomab patients cause is theirs.
        """
        excess = np.clip(self.others + self.blinatumomab - self.visits_per_day, 0, None)
        return excess - np.clip(self.others - self.visits_per_day, 0, None)


def had_daily_visits(record: Recorder) -> HadDailyVisits:
    """A blinatumomab patient holds a visit every day his booking overlaps."""
    census = record.had_census
    n_hads, n_days = census.demand.shape
    stays = record.had_stays
    blina = np.zeros((n_hads, n_days + 1), dtype=np.int64)
    had = np.array([s.had for s in stays], dtype=np.int64)
    first = np.minimum(np.array([s.start for s in stays], dtype=float).astype(np.int64), n_days)
    after_last = np.minimum(np.ceil(np.array([s.end for s in stays], dtype=float)).astype(np.int64), n_days)
    np.add.at(blina, (had, first), 1)
    np.add.at(blina, (had, after_last), -1)
    capacity = np.broadcast_to(census.visits_per_day[:, None], (n_hads, n_days))
    return HadDailyVisits(capacity, census.demand, np.cumsum(blina, axis=1)[:, :n_days])


def had_daily_load(record: Recorder) -> pd.DataFrame:
    """One row per HAD and day: ``had_daily_visits`` as a table, with the deferred visits."""
    daily = had_daily_visits(record)
    n_hads, n_days = daily.others.shape
    return pd.DataFrame(
        {
            "had": np.repeat(np.arange(n_hads), n_days),
            "day": np.tile(np.arange(n_days), n_hads),
            "visits_per_day": daily.visits_per_day.ravel(),
            "others": daily.others.ravel(),
            "blinatumomab": daily.blinatumomab.ravel(),
            "deferred": daily.deferred.ravel(),
        }
    )
