"""Tables built once per replication from the model's records: episodes, admissions, daily load.

Also the step-function helpers (time-weighted levels) that the KPIs and the daily table share.
"""

from __future__ import annotations

import functools
import operator
import typing
from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.model.records import (
    BAG_CHANGE,
    BED_CAUSES,
    Admission,
    BagChange,
    BlinaBooking,
    Delivery,
    HomeCareWait,
    HomeEmergency,
    Leg,
    Recorder,
    Transfer,
    Trip,
)
from sim.scenario.schema import WEEKDAYS, Costs
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


# The tables keep their conventions for "none": NaN for a missing time, -1 for a missing index,
# "" for a missing label.
_MISSING = {float: np.nan, int: -1, str: ""}


@functools.cache
def _columns(record: type) -> tuple[tuple[str, ...], dict[int, object]]:
    """Field names of a record type (NamedTuple or dataclass), and what stands for None in optional ones."""
    hints = typing.get_type_hints(record)
    names = tuple(hints)
    missing = {}
    for i, name in enumerate(names):
        args = typing.get_args(hints[name])
        if type(None) in args:
            (kind,) = (a for a in args if a is not type(None))
            missing[i] = _MISSING[kind]
    return names, missing


def records_frame(rows: Sequence[object], record: type) -> pd.DataFrame:
    """One row per record, one column per field of ``record``, in field order."""
    names, missing = _columns(record)
    values = operator.attrgetter(*names)
    table = [values(row) for row in rows]
    if missing and table:
        columns = list(zip(*table))
        for i, stand_in in missing.items():
            columns[i] = [stand_in if v is None else v for v in columns[i]]
        table = list(zip(*columns))
    return pd.DataFrame(table, columns=list(names))


def admissions_frame(record: Recorder) -> pd.DataFrame:
    frame = records_frame(record.admissions, Admission)
    frame["kind"] = frame["kind"].astype(int)
    frame["episode"] = frame["episode"].astype(int)
    frame["start_type"] = frame["start_type"].astype(int)
    frame["wait"] = frame["admit"] - frame["request"]
    return frame


def bed_levels(record: Recorder) -> tuple[np.ndarray, np.ndarray]:
    """Times and levels of the bed-occupancy step function."""
    steps = record.bed_level
    return np.array([s.time for s in steps], dtype=float), np.array([s.level for s in steps], dtype=float)


def _table(columns: dict[str, list]) -> pd.DataFrame:
    """A table from named columns, built row-wise so that an empty one has the same (object) columns."""
    return pd.DataFrame(list(zip(*columns.values())), columns=list(columns))


def _episode_columns(record: Recorder, territory: Territory) -> pd.DataFrame:
    """Columns read straight from each episode's record: who, from where, route, cycles, bed-days, bags."""
    episodes = record.episodes
    profiles = [e.profile for e in episodes]
    insee, dep = territory.communes["insee"], territory.communes["dep"]
    places = [Counter(b.where for b in e.bags) for e in episodes]
    visits = Counter(b.episode for b in record.blina_bookings if b.purpose != BAG_CHANGE and not b.cancelled)
    return _table(
        {
            "episode": [p.index for p in profiles],
            "indication": [p.indication for p in profiles],
            "insee": [insee.iat[p.home] for p in profiles],
            "dep": [dep.iat[p.home] for p in profiles],
            "km_to_iucto": [float(territory.to_centre.km[p.home, 0]) for p in profiles],
            "arrival": [p.arrival for p in profiles],
            "route": [e.route for e in episodes],
            "had": [territory.hads.index[e.had] if e.had is not None else "" for e in episodes],
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
            "bags": [len(e.bags) for e in episodes],
            "bag_changes_ward": [n["ward"] for n in places],
            "bag_changes_away": [len(e.bags) - n["ward"] for e, n in zip(episodes, places)],
            "bag_changes_at_home": [n["home"] for n in places],
            "bag_changes_ward_visit": [n["ward_visit"] for n in places],  # no-slot policy "ward"
            "visits": [visits[p.index] for p in profiles],
            # IUCT-O day-hospital sessions: bag changes and visits
            "day_hospital_sessions": [n["day_hospital"] + visits[p.index] for n, p in zip(places, profiles)],
            "local_hospital_sessions": [n["nearest_hospital"] for n in places],
            "bridge_bags": [sum(1 for b in e.bags if is_bridge_bag(b)) for e in episodes],
        }
    )


def episodes_frame(record: Recorder, territory: Territory, costs: Costs | None = None) -> pd.DataFrame:
    """One row per blinatumomab episode: the per-patient record (with its costs, given prices)."""
    episodes = record.episodes
    frame = _episode_columns(record, territory)
    trips = records_frame(record.trips, Trip)
    by_episode = trips.groupby("episode").agg(trips=("km", "size"))
    frame = frame.join(by_episode, on="episode")
    for purpose, prefix in (
        (trips["purpose"] == BAG_CHANGE, "bag_change"),
        (trips["purpose"] != BAG_CHANGE, "visit"),
    ):
        by_purpose = (
            trips[purpose]
            .groupby("episode")
            .agg(**{f"{prefix}_km": ("km", "sum"), f"{prefix}_hours": ("hours", "sum")})
        )
        frame = frame.join(by_purpose, on="episode")
    legs = records_frame(record.legs, Leg)
    by_leg = legs.groupby("episode").agg(
        legs=("km", "size"), legs_km=("km", "sum"), legs_hours=("hours", "sum")
    )
    frame = frame.join(by_leg, on="episode")
    transfers = records_frame(record.transfers, Transfer)
    frame = frame.join(emergency_columns(record, territory, legs, transfers), on="episode")
    frame = frame.join(_home_care_by_episode(record, territory), on="episode")
    counts = [
        "trips",
        "bag_change_km",
        "bag_change_hours",
        "visit_km",
        "visit_hours",
        "legs",
        "legs_km",
        "legs_hours",
        *EMERGENCY_COLUMNS,
        *HOME_CARE_EPISODE_COLUMNS,
    ]
    # Floats even when a replication has none of a kind (an empty group's sum is an object column).
    frame[counts] = frame[counts].fillna(0).astype(float)
    whole = ["trips", "legs", "peripheral_legs", "peripheral_admissions", "transfers"]
    frame[whole] = frame[whole].astype(int)
    # Patient travel: round trips from home (bag changes, visits), journeys in and out of hospital
    # stays, transfers between hospitals.
    frame["km"] = frame["bag_change_km"] + frame["visit_km"] + frame["legs_km"] + frame["transfer_km"]
    frame["hours"] = (
        frame["bag_change_hours"] + frame["visit_hours"] + frame["legs_hours"] + frame["transfer_hours"]
    )
    frame["bed_days_total"] = frame[[f"bed_days_{c}" for c in BED_CAUSES]].sum(axis=1)
    if costs is not None:
        bags = pd.DataFrame(
            [(e.profile.index, b.end - b.start, b.dose) for e in episodes for b in e.bags],
            columns=["episode", "days", "dose"],
        )
        deliveries = records_frame(record.deliveries, Delivery)
        frame = frame.merge(
            economics.episode_costs(frame, bags, trips, costs, deliveries, legs, transfers),
            on="episode",
            how="left",
        )
    return frame


EMERGENCY_COLUMNS = (
    "peripheral_admissions",
    "peripheral_bed_days",
    "peripheral_legs",
    "peripheral_legs_km",
    "transfers",
    "transfer_km",
    "transfer_hours",
)


def emergency_columns(
    record: Recorder, territory: Territory, legs: pd.DataFrame, transfers: pd.DataFrame
) -> pd.DataFrame:
    """Per episode: stays in peripheral hospitals, the journeys in and out of them, transfers to IUCT-O.

    A stay still going on when the run stopped counts its days to then.
    """
    peripheral = peripheral_stays(record, territory)
    by_stay = peripheral.groupby("episode").agg(
        peripheral_admissions=("days", "size"), peripheral_bed_days=("days", "sum")
    )
    local = legs[legs["hospital"] >= 0].groupby("episode")
    by_leg = pd.DataFrame({"peripheral_legs": local.size(), "peripheral_legs_km": local["km"].sum()})
    moved = transfers.groupby("episode")
    by_transfer = pd.DataFrame(
        {"transfers": moved.size(), "transfer_km": moved["km"].sum(), "transfer_hours": moved["hours"].sum()}
    )
    return pd.concat([by_stay, by_leg, by_transfer], axis=1).reindex(columns=list(EMERGENCY_COLUMNS))


def peripheral_stays(record: Recorder, territory: Territory) -> pd.DataFrame:
    """The stays in peripheral hospitals (one row per severe event at home cared for there), with days."""
    emergencies = records_frame(record.home_emergencies, HomeEmergency)
    stays = emergencies[emergencies["hospital"] != territory.hospitals.centre].copy()
    stays["discharge"] = stays["discharge"].fillna(record.end_time)
    stays["days"] = stays["discharge"] - stays["admit"]
    return stays


def is_bridge_bag(bag: BagChange) -> bool:
    """A bag shorter than 3 days: bridges from the ward's change days to the home change days."""
    return bag.end - bag.start < 3 - 1e-9


def background_frame(record: Recorder) -> pd.DataFrame:
    """Other patients' day-hospital requests: when made, due, acceptable to, the day booked (-1: none)."""
    bookings = record.background_bookings  # tens of thousands: built column by column
    return pd.DataFrame(
        {
            "requested": [b.requested for b in bookings],
            "due": [b.due for b in bookings],
            "latest": [b.latest for b in bookings],
            "day": [-1 if b.day is None else b.day for b in bookings],
            "displaced": [b.displaced for b in bookings],
        },
        dtype=int,
    )


def blina_bookings_frame(record: Recorder) -> pd.DataFrame:
    """Blinatumomab patients' day-hospital requests (bag changes and visits) and how each ended."""
    frame = records_frame(record.blina_bookings, BlinaBooking)
    return frame.astype({"day": int, "over_capacity": bool, "cancelled": bool})


def day_hospital_load(record: Recorder) -> pd.DataFrame:
    """Per simulated day, as it happened: sessions open, used by other patients and by blinatumomab
    patients (bag changes and visits, less those cancelled by a stay in hospital), and above capacity."""
    days = record.day_hospital_days
    n_days = len(days.capacity)
    background = np.zeros(n_days, dtype=int)
    np.add.at(
        background, [b.day for b in record.background_bookings if b.day is not None and b.day < n_days], 1
    )
    used = [b for b in record.blina_bookings if b.day is not None and b.day < n_days and not b.cancelled]
    blina = np.zeros(n_days, dtype=int)
    np.add.at(blina, [b.day for b in used], 1)
    over = np.zeros(n_days, dtype=int)
    np.add.at(over, [b.day for b in used if b.over_capacity], 1)
    return pd.DataFrame(
        {
            "weekday": np.array(WEEKDAYS)[days.weekday],
            "capacity": days.capacity,
            "background": background,
            "blinatumomab": blina,
            "overflow": over,  # overbooked sessions above the day's capacity
        }
    )


def max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    events = np.concatenate(
        [np.stack([starts, np.ones_like(starts)], 1), np.stack([ends, -np.ones_like(ends)], 1)]
    )
    order = np.lexsort((events[:, 1], events[:, 0]))  # ends before starts at equal times
    return int(np.cumsum(events[order, 1]).max()) if len(events) else 0


# --- home care ---

HOME_CARE_EPISODE_COLUMNS = (
    "home_care_wait_days",
    "had_room_wait_days",
    "had_home_days",
    "had_nurse_km",
    "had_nurse_hours",
)


def had_visits_at_home(record: Recorder, territory: Territory) -> pd.DataFrame:
    """Per stretch at home in an HAD's care: had, episode, start, end, and one nurse round trip a day.

    The nurse drives from the HAD's site nearest to the patient's home (``km`` and ``hours`` per day).
    """
    segments = {e.profile.index: (e.profile.home, e.home_segments) for e in record.episodes}
    rows = []
    for stay in record.had_stays:
        home, stretches = segments[stay.episode]
        for s in stretches:
            start, end = max(s.start, stay.start), min(s.end, stay.end)
            if end > start:
                rows.append((stay.had, stay.episode, home, start, end))
    frame = pd.DataFrame(rows, columns=["had", "episode", "home", "start", "end"])
    nearest = territory.to_had_nearest_site
    homes, hads = frame["home"].to_numpy(dtype=int), frame["had"].to_numpy(dtype=int)
    frame["km"] = 2 * nearest.km[homes, hads]
    frame["hours"] = 2 * nearest.hours[homes, hads]
    return frame


def _home_care_by_episode(record: Recorder, territory: Territory) -> pd.DataFrame:
    """Per episode: days waiting in a bed for home care (for room at a full HAD); days at home in an
    HAD's care, and its nurses' driving."""
    waits = records_frame(record.home_care_waits, HomeCareWait)
    waits["home_care_wait_days"] = waits["setup_days"] + waits["room_days"]
    waits = waits.rename(columns={"room_days": "had_room_wait_days"})
    by_episode = waits.groupby("episode")[["home_care_wait_days", "had_room_wait_days"]].sum()
    visits = had_visits_at_home(record, territory)
    days = visits["end"] - visits["start"]
    driving = (
        visits.assign(
            had_home_days=days, had_nurse_km=days * visits["km"], had_nurse_hours=days * visits["hours"]
        )
        .groupby("episode")[["had_home_days", "had_nurse_km", "had_nurse_hours"]]
        .sum()
    )
    return by_episode.join(driving, how="outer")


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
