"""The infusion bags of a replication as named columns, read once: the episode table's counts and
drug costs, and the KPIs of bags hung in the window, all read them (a few thousand bags a run)."""

from __future__ import annotations

import numpy as np

from sim.measures.columns import Columns, once
from sim.model.records import Recorder

# A bag made for less than 3 days bridges from the ward's change days to the home change days.
BRIDGE_MADE_DAYS = 3 - 1e-9

_FIELDS = ("row", "episode", "start", "end", "dose", "where", "made_until")


def bag_columns(record: Recorder) -> Columns:
    """Every bag of every episode, in episode order: ``row`` (the episode's position in
    ``record.episodes``), ``episode`` (its index), start, end, dose, where it was hung, ``days``
    infused and ``made_days`` (the days it was made for), as ``BagChange`` gives them."""

    def build() -> Columns:
        bags = [
            (row, e.profile.index, b.start, b.end, b.dose, b.where, b.made_until)
            for row, e in enumerate(record.episodes)
            for b in e.bags
        ]
        if bags:
            columns = dict(zip(_FIELDS, zip(*bags)))
            ends, made = columns["end"], columns["made_until"]
            columns["made_until"] = [end if m is None else m for end, m in zip(ends, made)]
            # Numbers typed as numpy infers them from the records (whole days stay int64), as before.
            table = {name: np.array(values) for name, values in columns.items()}
            table["where"] = table["where"].astype(object)
        else:
            table = {name: np.array([], dtype=np.int64) for name in _FIELDS[:2]}
            table |= {name: np.array([]) for name in _FIELDS[2:]} | {"where": np.array([], dtype=object)}
        table["days"] = table["end"] - table["start"]
        table["made_days"] = table.pop("made_until") - table["start"]  # None read as the end
        for values in table.values():
            values.flags.writeable = False
        return table

    return once(record, ("bag_columns", len(record.episodes)), build)


def bridge_bags(bags: Columns) -> np.ndarray:
    """Which bags are bridges (made for less than 3 days)."""
    return bags["made_days"] < BRIDGE_MADE_DAYS
