"""The model's records as named numpy columns, read once per replication; sums and counts per group.

Every table and KPI of a replication reads its records through ``columns(record, field, type)``: one
pass over the records per replication (tens of thousands of day-hospital bookings), kept for the
other readers of the same replication. The arrays are read-only, so no reader can change another's.

``group_sum`` adds up, per group, in row order with Kahan compensation: the very arithmetic of
pandas' ``groupby().sum()``, so the tables and KPIs stay equal to the last bit to those built with
pandas before.
"""

from __future__ import annotations

import functools
import operator
import typing
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from sim.model.records import Recorder

# What stands for "none" in a column: NaN for a missing time, -1 for a missing index, "" for a label.
_MISSING = {float: np.nan, int: -1, str: ""}

Columns = dict[str, np.ndarray]


@functools.cache
def _fields(record: type) -> tuple[tuple[str, type | None, object], ...]:
    """Per field of a record type (NamedTuple or dataclass): name, simple kind, stand-in for None."""
    fields = []
    for name, hint in typing.get_type_hints(record).items():
        args = typing.get_args(hint)
        if type(None) in args:
            (kind,) = (a for a in args if a is not type(None))
            fields.append((name, kind, _MISSING[kind]))
        else:
            fields.append((name, hint if hint in (float, int, str, bool) else None, None))
    return tuple(fields)


def _column(values: Sequence[object], kind: type | None, stand_in: object) -> np.ndarray:
    """One field of every record, as an array (numbers read straight into their numpy type)."""
    if stand_in is None and kind in (int, bool):
        return np.fromiter(values, dtype=np.int64 if kind is int else bool, count=len(values))
    if stand_in is not None:
        values = [stand_in if v is None else v for v in values]
    if kind is str:
        return np.array(list(values), dtype=object)
    listed = list(values)
    if not listed:
        return np.array([], dtype=float if kind is float else object)
    if kind is float and any(isinstance(v, float) for v in listed):
        return np.fromiter(listed, dtype=float, count=len(listed))  # what numpy infers then, faster
    return np.array(listed)  # numpy infers, as pandas did: int64 for whole numbers, float64 otherwise


def _transposed(rows: Sequence[object], names: list[str]) -> list[tuple]:
    """Each field's values over the records, read in one pass over the records."""
    if not rows:
        return [() for _ in names]
    if len(names) == 1:
        return [tuple(map(operator.attrgetter(names[0]), rows))]
    if isinstance(rows[0], tuple) and getattr(rows[0], "_fields", None) == tuple(names):
        return list(zip(*rows))  # NamedTuples: their fields in order already
    return list(zip(*map(operator.attrgetter(*names), rows)))


def record_columns(rows: Sequence[object], record: type) -> Columns:
    """One read-only array per field of ``record``, in field order, None replaced by its stand-in."""
    fields = _fields(record)
    values = _transposed(rows, [name for name, _, _ in fields])
    arrays = {name: _column(read, kind, stand_in) for (name, kind, stand_in), read in zip(fields, values)}
    for array in arrays.values():
        array.flags.writeable = False
    return arrays


# The replication last measured, and what was read from it: a KPI module and the tables that the
# runner writes read the same records, once. Keyed by the record itself and its lists' lengths.
_last: list[object] = [None, {}]


def once(record: Recorder, key: tuple, build: Callable[[], object]) -> object:
    """``build()``, computed once per replication and ``key``."""
    if _last[0] is not record:
        _last[0], _last[1] = record, {}
    cache = _last[1]
    if key not in cache:
        cache[key] = build()
    return cache[key]


def forget_measured() -> None:
    """Drop what ``once`` keeps of the replication last measured (and with it, its records)."""
    _last[0], _last[1] = None, {}


def columns(record: Recorder, field: str, record_type: type) -> Columns:
    """The records in ``record.<field>`` as named columns (read once per replication)."""
    rows = getattr(record, field)
    return once(record, (field, len(rows)), lambda: record_columns(rows, record_type))


def rows_of(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each key, its position in ``ids`` (unique); -1 where it is not there."""
    keys = np.asarray(keys)
    if not len(ids) or not len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    at = np.clip(np.searchsorted(ids, keys, sorter=order), 0, len(ids) - 1)
    rows = order[at]
    return np.where(ids[rows] == keys, rows, -1)


def group_count(ids: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of ``ids``, how many of ``keys`` equal it."""
    rows = rows_of(ids, keys)
    return np.bincount(rows[rows >= 0], minlength=len(ids)).astype(np.int64)


class GroupSum(NamedTuple):
    """A sum per group still to compute: ``group_sums`` computes a table's together."""

    keys: np.ndarray
    values: np.ndarray


def group_sum(ids: np.ndarray, keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """For each of ``ids``, the sum of the ``values`` whose key equals it (0 if none), as pandas'
    ``groupby(keys).sum()`` computes it, to the last bit.

    Pandas adds each group's values in row order with ``np.add.reduceat`` when the keys come sorted
    and no value is NaN, and otherwise with Kahan compensation, skipping NaN: so does this.
    """
    return group_sums(ids, {"sum": GroupSum(keys, values)})["sum"]


def group_sums(ids: np.ndarray, table: Mapping[str, object]) -> dict[str, object]:
    """``table`` with each ``GroupSum`` in it replaced by its ``group_sum`` over ``ids`` (the rest
    left as it is, in its order). The sums that need Kahan compensation are computed in one loop
    for all of them, each group of each sum on its own (the loop runs as often as the largest group
    has values, whatever the number of sums)."""
    out = dict(table)
    n = len(ids)
    compensated: list[tuple[str, np.ndarray, np.ndarray]] = []
    for name, item in table.items():
        if not isinstance(item, GroupSum):
            continue
        keys, values = np.asarray(item.keys), np.asarray(item.values, dtype=float)
        out[name] = sums = np.zeros(n)
        if not len(keys):
            continue
        rows = rows_of(ids, keys)
        nan = np.isnan(values)
        if not nan.any() and (np.diff(keys) >= 0).all():
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            segment = np.add.reduceat(values, starts)
            found = rows[starts] >= 0
            sums[rows[starts][found]] = segment[found]
            continue
        keep = (rows >= 0) & ~nan
        compensated.append((name, rows[keep], values[keep]))
    if compensated:  # sum j's group r is group j * n + r of one Kahan summation
        rows = np.concatenate([r + j * n for j, (_, r, _) in enumerate(compensated)])
        values = np.concatenate([v for _, _, v in compensated])
        totals = _kahan_sums(rows, values, n * len(compensated)).reshape(len(compensated), n)
        out |= {name: total for (name, _, _), total in zip(compensated, totals)}
    return out


def group_mean(groups: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1 (``groups``: each value's group), the mean of its values that are not NaN
    (NaN if none): the Kahan-compensated sum in row order over the count, as pandas' Cython
    ``groupby().mean()`` computes it, to the last bit.

    Pandas 3 takes a shortcut when every group's rows come together in order and its block of
    columns has no NaN (``np.add.reduceat``, then the count): there, with three values or more in a
    group, the last bit may differ. A run's episodes come in order of arrival with their places of
    residence mixed, so only a tiny run could be in that order.
    """
    values = np.asarray(values, dtype=float)
    present = ~np.isnan(values)
    count = np.bincount(groups[present], minlength=n)
    sums = _kahan_sums(groups[present], values[present], n)
    return np.divide(sums, count, out=np.full(n, np.nan), where=count > 0)


def _kahan_sums(rows: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per row 0..n-1, the Kahan-compensated sum of its values in order.

    The groups advance together: step k adds the k-th value of every group that has one, so the loop
    runs as many times as the largest group has values.
    """
    total, compensation = np.zeros(n), np.zeros(n)
    if not len(rows):
        return total
    order = np.argsort(rows, kind="stable")
    grouped, ordered = rows[order], values[order]
    rank = np.arange(len(grouped)) - np.searchsorted(grouped, grouped, side="left")
    by_rank = np.argsort(rank, kind="stable")
    start = 0
    for size in np.bincount(rank):
        step = by_rank[start : start + size]
        start += size
        group, value = grouped[step], ordered[step]
        y = value - compensation[group]
        t = total[group] + y
        c = t - total[group] - y
        compensation[group] = np.where(np.isfinite(c), c, 0.0)  # an infinite value: no compensation
        total[group] = t
    return total


def percentile(values: np.ndarray, q: float) -> float:
    """``float(np.percentile(values, q))`` of a non-empty 1-D array, to the last bit, without its
    overhead (a KPI's few percentiles, ten-odd a replication)."""
    ordered = np.sort(values)  # NaN last, as np.percentile's partition puts them
    n = len(ordered)
    if ordered.dtype.kind == "f" and np.isnan(ordered[-1]):
        return np.nan
    below, above, weight = _neighbours(np.array([n]), q)
    return float(_lerp(ordered[below[0]], ordered[above[0]], weight[0]))


def group_percentile(groups: np.ndarray, values: np.ndarray, q: float, n: int) -> np.ndarray:
    """Per group 0..n-1 (``groups``: each value's group), ``np.percentile(its values, q)`` to the last
    bit (method "linear"); NaN for a group with no value or with a NaN among its values. One sort
    for all the groups instead of one call each."""
    groups, values = np.asarray(groups, dtype=np.int64), np.asarray(values)
    result = np.full(n, np.nan)
    counts = np.bincount(groups, minlength=n)
    seen = counts > 0
    if not seen.any():
        return result
    ordered = values[np.lexsort((values, groups))]  # by group, then value (NaN last in its group)
    starts = np.cumsum(counts) - counts
    below, above, weight = _neighbours(counts[seen], q)
    found = _lerp(ordered[starts[seen] + below], ordered[starts[seen] + above], weight)
    result[seen] = found
    if values.dtype.kind == "f":
        has_nan = np.bincount(groups[np.isnan(values)], minlength=n) > 0
        result[has_nan] = np.nan
    return result


def _neighbours(counts: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For samples of ``counts`` values, np.percentile's positions (in the sorted sample) of the two
    values it interpolates between, and its weight of the second: at and past the last position
    both are the last value, and the weight is the virtual index + 1 (numpy's, for any infinity)."""
    virtual = (counts - 1) * np.true_divide(q, 100)
    below = np.floor(virtual)
    last = virtual >= counts - 1
    weight = np.where(last, virtual + 1, virtual - below)
    below = np.where(last, counts - 1, below).astype(np.int64)
    above = np.where(last, counts - 1, below + 1).astype(np.int64)
    return below, above, weight


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's interpolation between ``a`` and ``b``: ``a + (b-a)*t``, from ``b`` when t >= 0.5."""
    difference = b - a
    return np.where(t >= 0.5, b - difference * (1 - t), a + difference * t)


def group_max_concurrent(groups: np.ndarray, starts: np.ndarray, ends: np.ndarray, n: int) -> np.ndarray:
    """Per group 0..n-1 (``groups``: each interval's), the most intervals [start, end) open at once,
    an interval ending when another starts counted out first; 0 for a group with none."""
    peak = np.zeros(n, dtype=np.int64)
    if not len(starts):
        return peak
    group = np.concatenate([groups, groups]).astype(np.int64)
    time = np.concatenate([starts, ends])
    step = np.concatenate([np.ones(len(starts), dtype=np.int64), -np.ones(len(ends), dtype=np.int64)])
    order = np.lexsort((step, time, group))  # by group, then time, ends before starts
    group = group[order]
    # Each group's steps add up to 0, so the running count over all is each group's own.
    open_now = np.cumsum(step[order])
    firsts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    peak[group[firsts]] = np.maximum.reduceat(open_now, firsts)
    return peak
