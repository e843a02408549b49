"""The faster measures give numpy's and the former code's numbers to the last bit.

The percentiles of a replication are taken without ``np.percentile``'s overhead, those of the 12
seasons in one sort per replication: each must equal ``np.percentile`` bit for bit, with ties, one or
two values, and groups left empty.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.measures.care import Window
from sim.measures.columns import GroupSum, group_percentile, group_sum, group_sums, percentile
from sim.measures.seasons import DAYS_PER_YEAR, MONTH_DAYS, SEASON_DAYS, SEASONS, day_of_year, season_p95s

# NaN-free floats, with ties (a few values drawn from a small pool) and far-apart magnitudes.
finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False).map(lambda x: x + 0.0)  # no -0.0
pool = st.sampled_from([0.0, 1.0, 2.5, 7.0, 1e-300, 3.0 / 7.0])
values = st.lists(finite | pool, min_size=1, max_size=40)
quantiles = st.sampled_from([0, 5, 50, 90, 95, 99, 100]) | st.floats(0, 100)


def bits(x: float) -> bytes:
    return np.float64(x).tobytes()


@settings(max_examples=400, deadline=None)
@given(values=values, q=quantiles)
def test_percentile_is_numpys_to_the_last_bit(values, q):
    array = np.array(values)
    assert bits(percentile(array, q)) == bits(float(np.percentile(array, q)))


@pytest.mark.parametrize("sample", [[3.0], [2.0, 5.0], [5.0, 2.0], [1.0, 1.0], [4.0, 4.0, 4.0]])
@pytest.mark.parametrize("q", [0, 90, 95, 100])
def test_percentile_of_one_two_and_tied_values(sample, q):
    assert bits(percentile(np.array(sample), q)) == bits(float(np.percentile(sample, q)))


def test_percentile_of_whole_days_and_with_a_nan():
    days = np.array([3, 0, 7, 7, 1], dtype=np.int64)  # day-hospital deferrals are whole days
    assert bits(percentile(days, 95)) == bits(float(np.percentile(days, 95)))
    assert np.isnan(percentile(np.array([1.0, np.nan, 2.0]), 95))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(st.integers(0, 5), finite | pool), max_size=60),
    q=quantiles,
)
def test_group_percentile_is_numpys_per_group(rows, q):
    groups = np.array([g for g, _ in rows], dtype=np.int64)
    data = np.array([v for _, v in rows], dtype=float)
    found = group_percentile(groups, data, q, 7)  # group 6 never has a value
    for g in range(7):
        mine = data[groups == g]
        if len(mine):
            assert bits(found[g]) == bits(float(np.percentile(mine, q))), g
        else:
            assert np.isnan(found[g])


def test_group_percentile_is_nan_for_a_group_holding_a_nan_only():
    found = group_percentile(np.array([0, 0, 1, 1]), np.array([1.0, 2.0, np.nan, 3.0]), 95, 2)
    assert found[0] == np.percentile([1.0, 2.0], 95) and np.isnan(found[1])


def season_p95s_one_by_one(requests, waits, window, start_date):
    """The seasons as the measures computed them before: one season, one occurrence at a time."""
    days = day_of_year(requests, start_date)
    p95 = np.full(SEASONS, np.nan)
    for season in range(SEASONS):
        first_day = 1 + season * MONTH_DAYS
        into = (days - first_day) % DAYS_PER_YEAR
        inside = into < SEASON_DAYS
        if not inside.any():
            continue
        began = requests[inside] - into[inside]
        occurrence = np.round(began / DAYS_PER_YEAR * 4) / 4
        whole = (began >= window.start - 1e-9) & (began + SEASON_DAYS <= window.end + 1e-9)
        kept = occurrence[whole] if whole.any() else occurrence
        values = waits[inside][whole] if whole.any() else waits[inside]
        p95[season] = np.mean([np.percentile(values[kept == k], 95) for k in np.unique(kept)])
    return p95


@settings(max_examples=150, deadline=None)
@given(
    waits=st.lists(
        st.tuples(st.floats(0, 5 * 365.25), st.floats(0, 60) | st.sampled_from([0.0, 1.0, 7.0])),
        max_size=80,
    ),
    warmup=st.sampled_from([0.0, 90.0, 365.0]),
    years=st.sampled_from([0.3, 1.0, 4.0]),
    month=st.integers(1, 12),
)
def test_season_p95s_equal_the_one_by_one_computation(waits, warmup, years, month):
    requests = np.array([t for t, _ in waits], dtype=float)
    wait = np.array([w for _, w in waits], dtype=float)
    window = Window(warmup, warmup + years * DAYS_PER_YEAR, years)
    start = dt.date(2025, month, 1)
    found = season_p95s(requests, wait, window, start)
    assert found.tobytes() == season_p95s_one_by_one(requests, wait, window, start).tobytes()


def test_a_busy_season_has_the_higher_p95():
    """Waits of 20 days every January-March, 1 day otherwise: the season from January is the peak."""
    times = np.arange(0.0, 3 * DAYS_PER_YEAR, 2.0)
    waits = np.where(day_of_year(times, dt.date(2025, 1, 1)) < 1 + SEASON_DAYS, 20.0, 1.0)
    p95 = season_p95s(times, waits, Window(0.0, 3 * DAYS_PER_YEAR, 3.0), dt.date(2025, 1, 1))
    assert np.nanargmax(p95) == 0 and p95[0] == 20.0 and p95[6] == 1.0


sums_rows = st.lists(st.tuples(st.integers(-1, 6), finite | pool | st.just(float("nan"))), max_size=40)


@settings(max_examples=200, deadline=None)
@given(tables=st.lists(st.tuples(sums_rows, st.booleans()), min_size=1, max_size=4))
def test_sums_computed_together_equal_each_computed_alone(tables):
    """Keys sorted or not (pandas' two ways), NaN skipped, a key of no episode (-1) left out."""
    ids = np.array([3, 0, 1, 2, 5, 6, 4])
    pending = {}
    for j, (rows, sort) in enumerate(tables):
        rows = sorted(rows, key=lambda r: r[0]) if sort else rows
        keys = np.array([k for k, _ in rows], dtype=np.int64)
        pending[f"sum{j}"] = GroupSum(keys, np.array([v for _, v in rows], dtype=float))
    together = group_sums(ids, {"label": "kept", **pending})
    assert list(together) == ["label", *pending] and together["label"] == "kept"
    for name, (keys, values) in pending.items():
        assert together[name].tobytes() == group_sum(ids, keys, values).tobytes()
        expected = pd.Series(values).groupby(keys).sum().reindex(ids).fillna(0.0).to_numpy()
        assert together[name].tobytes() == expected.tobytes()
