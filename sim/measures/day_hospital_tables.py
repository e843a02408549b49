"""IUCT-O's day hospital as it happened, in columns built once per replication: the other patients'
requests, the blinatumomab patients' bookings, and each day's sessions open, used and above capacity
(read by the KPIs, the planner's KPIs and the daily table)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures.columns import Columns, columns, once
from sim.model.records import BackgroundRow, BlinaBooking, Recorder
from sim.scenario.schema import WEEKDAYS


def background_columns(record: Recorder) -> Columns:
    """Other patients' day-hospital requests: when made, due, acceptable to, the day booked (-1: none)."""

    def build() -> Columns:
        bookings = record.background_bookings  # already columns (tens of thousands of rows)
        table = {}
        for name in BackgroundRow._fields:
            values = getattr(bookings, name)
            try:  # (np.fromiter: a third faster than np.array on a list of ints)
                table[name] = np.fromiter(values, np.int64, len(values))
            except TypeError:  # a day None: no session (held sessions only, and rare)
                table[name] = np.fromiter((-1 if v is None else v for v in values), np.int64, len(values))
        for values in table.values():
            values.flags.writeable = False
        return table

    return once(record, ("background_columns", len(record.background_bookings)), build)


def background_frame(record: Recorder) -> pd.DataFrame:
    """Other patients' day-hospital requests: when made, due, acceptable to, the day booked (-1: none)."""
    return pd.DataFrame(background_columns(record))


def blina_bookings_columns(record: Recorder) -> Columns:
    """Blinatumomab patients' day-hospital requests (bag changes and visits) and how each ended."""

    def build() -> Columns:
        table = dict(columns(record, "blina_bookings", BlinaBooking))
        return table | {
            "day": table["day"].astype(int),
            "over_capacity": table["over_capacity"].astype(bool),
            "cancelled": table["cancelled"].astype(bool),
        }

    return once(record, ("blina_bookings_columns", len(record.blina_bookings)), build)


def blina_bookings_frame(record: Recorder) -> pd.DataFrame:
    """Blinatumomab patients' day-hospital requests (bag changes and visits) and how each ended."""
    return pd.DataFrame(blina_bookings_columns(record))


def day_hospital_load_columns(record: Recorder) -> Columns:
    """Per simulated day, as it happened: sessions open, used by other patients and by blinatumomab
    patients (bag changes and visits, less those cancelled by a stay in hospital), and above capacity.
    Built once per replication (the KPIs, the planner's KPIs and the daily table read it)."""

    def build() -> Columns:
        days = record.day_hospital_days
        n_days = len(days.capacity)
        background = background_columns(record)["day"]
        blina = blina_bookings_columns(record)
        used = (blina["day"] >= 0) & (blina["day"] < n_days) & ~blina["cancelled"]
        table = {
            "weekday": np.array(WEEKDAYS, dtype=object)[days.weekday],
            "capacity": days.capacity.view(),  # a view: read-only here, the record's array left as it is
            "background": _per_day(background[(background >= 0) & (background < n_days)], n_days),
            "blinatumomab": _per_day(blina["day"][used], n_days),
            "overflow": _per_day(blina["day"][used & blina["over_capacity"]], n_days),  # above capacity
        }
        for values in table.values():
            values.flags.writeable = False
        return table

    sizes = (len(record.background_bookings), len(record.blina_bookings))
    return once(record, ("day_hospital_load_columns", *sizes), build)


def _per_day(days: np.ndarray, n_days: int) -> np.ndarray:
    return np.bincount(days, minlength=n_days)[:n_days].astype(int)


def day_hospital_load(record: Recorder) -> pd.DataFrame:
    """Per simulated day, as it happened: sessions open, used by other patients and by blinatumomab
    patients (bag changes and visits, less those cancelled by a stay in hospital), and above capacity."""
    return pd.DataFrame(day_hospital_load_columns(record))
