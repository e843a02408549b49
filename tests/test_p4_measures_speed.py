"""The faster measures give numpy's and the former code's numbers to the last bit.

The percentiles of a replication are taken without ``np.percentile``'s overhead, those of the 12
seasons in one sort per replication: each must equal ``np.percentile`` bit for bit, with ties, one or
two values, and groups left empty.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.measures import kpis
from sim.measures.bags import bag_columns, bridge_bags
from sim.measures.care import Window
from sim.measures.columns import (
    GroupSum,
    forget_measured,
    group_max_concurrent,
    group_percentile,
    group_sum,
    group_sums,
    percentile,
)
from sim.measures.economics import expected_trip_costs
from sim.measures.frames import daily_mean_level, episode_table, episodes_frame, max_concurrent
from sim.measures.seasons import DAYS_PER_YEAR, MONTH_DAYS, SEASON_DAYS, SEASONS, day_of_year, season_p95s
from sim.model.engine import simulate
from sim.model.records import BAG_CHANGE
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory

ROOT = Path(__file__).resolve().parents[1]

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


def fares_one_by_one(km: float, costs) -> float:
    """The expected round-trip fare as economics computed it before, one distance at a time."""

    def trip(one_way_km: float, mode) -> float:
        return 2 * (
            mode.flat_eur + mode.pickup_eur + mode.per_km_eur * max(0.0, one_way_km - mode.included_km)
        )

    mix = costs.transport.mix
    total = sum(mix.values())
    return sum(share / total * trip(km, costs.transport.modes[name]) for name, share in mix.items())


@settings(max_examples=100, deadline=None)
@given(km=st.lists(st.floats(0, 400) | st.integers(0, 400).map(float), min_size=1, max_size=30))
def test_fares_for_all_distances_at_once_equal_one_by_one(km):
    costs = load_scenario(ROOT / "scenarios" / "baseline.yaml").costs
    found = expected_trip_costs(np.array(km), costs)
    assert found.tobytes() == np.array([fares_one_by_one(k, costs) for k in km]).tobytes()


@settings(max_examples=100, deadline=None)
@given(
    steps=st.lists(st.tuples(st.floats(0, 40), st.integers(0, 18)), min_size=1, max_size=40),
    days=st.integers(1, 45),
)
def test_the_first_days_of_a_longer_daily_mean_are_the_same_to_the_bit(steps, days):
    times = np.array(sorted({t for t, _ in steps} | {0.0}))
    levels = np.resize(np.array([level for _, level in steps], dtype=float), len(times))
    longer = daily_mean_level(times, levels, days + 7)[:days]
    assert longer.tobytes() == daily_mean_level(times, levels, days).tobytes()


@pytest.fixture(scope="module")
def measured_run(territory):
    scenario = load_scenario(ROOT / "scenarios" / "home_bag_change.yaml")
    run = scenario.run.model_copy(update={"years": 1.0, "warmup_days": 90.0})
    scenario = scenario.model_copy(update={"run": run})
    bound = scenario_territory(scenario, territory)
    return scenario, bound, simulate(scenario, bound, 0)


def test_bag_columns_are_every_bag_of_every_episode(measured_run):
    _, _, record = measured_run
    bags = bag_columns(record)
    every = [(e.profile.index, b) for e in record.episodes for b in e.bags]
    assert len(every) > 100 and len(bags["episode"]) == len(every)
    assert bags["episode"].tolist() == [index for index, _ in every]
    assert bags["where"].tolist() == [b.where for _, b in every]
    assert bags["days"].tolist() == [b.end - b.start for _, b in every]
    assert bags["made_days"].tolist() == [b.made_days for _, b in every]
    assert bridge_bags(bags).tolist() == [b.made_days < 3 - 1e-9 for _, b in every]
    assert [record.episodes[row].profile.index for row in bags["row"]] == bags["episode"].tolist()


def test_episode_counts_of_bags_and_visits_add_up_per_episode(measured_run):
    _, bound, record = measured_run
    table = episode_table(record, bound)
    for row, episode in enumerate(record.episodes):
        places = [b.where for b in episode.bags]
        visits = sum(
            1
            for b in record.blina_bookings
            if b.episode == episode.profile.index and b.purpose != BAG_CHANGE and not b.cancelled
        )
        assert table["bags"][row] == len(places)
        assert table["bag_changes_at_home"][row] == places.count("home")
        assert table["bag_changes_away"][row] == len(places) - places.count("ward")
        assert table["visits"][row] == visits
        assert table["day_hospital_sessions"][row] == places.count("day_hospital") + visits
    assert table["bags"].sum() == sum(len(e.bags) for e in record.episodes)


def test_kpis_from_the_columns_equal_those_from_the_frame(measured_run):
    scenario, bound, record = measured_run
    from_columns = kpis.compute(record, scenario, bound, episode_table(record, bound, scenario.costs))
    forget_measured()
    from_frame = kpis.compute(record, scenario, bound, episodes_frame(record, bound, scenario.costs))
    assert list(from_columns) == list(from_frame)
    assert np.array(list(from_columns.values())).tobytes() == np.array(list(from_frame.values())).tobytes()


def max_concurrent_one_group(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most intervals open at once as frames.max_concurrent computed it before, one group at a time."""
    if not len(starts):
        return 0
    events = np.concatenate(
        [np.stack([starts, np.ones_like(starts)], 1), np.stack([ends, -np.ones_like(ends)], 1)]
    )
    order = np.lexsort((events[:, 1], events[:, 0]))
    return int(np.cumsum(events[order, 1]).max())


@settings(max_examples=200, deadline=None)
@given(
    stays=st.lists(
        st.tuples(
            st.integers(0, 4), st.sampled_from([0.0, 1.0, 2.5, 3.0]) | st.floats(0, 10), st.floats(0, 5)
        ),
        max_size=40,
    )
)
def test_peaks_of_every_group_at_once_equal_each_group_alone(stays):
    """Ties included: a stay ending as another starts does not overlap it."""
    groups = np.array([g for g, _, _ in stays], dtype=np.int64)
    starts = np.array([s for _, s, _ in stays], dtype=float)
    ends = starts + np.array([d for _, _, d in stays], dtype=float)
    peaks = group_max_concurrent(groups, starts, ends, 6)  # group 5 never has a stay
    for g in range(6):
        assert peaks[g] == max_concurrent_one_group(starts[groups == g], ends[groups == g]), g
    assert max_concurrent(starts, ends) == max_concurrent_one_group(starts, ends)


def test_back_to_back_stays_hold_one_pump_and_overlapping_ones_two():
    peaks = group_max_concurrent(
        np.array([0, 0, 1, 1]), np.array([0.0, 2.0, 0.0, 1.0]), np.array([2.0, 4.0, 2.0, 3.0]), 2
    )
    assert peaks.tolist() == [1, 2]


def test_background_columns_write_minus_one_for_a_request_with_no_session():
    """No session at all (a day None, held sessions only): -1, the other rows as recorded."""
    from sim.measures.day_hospital_tables import background_columns
    from sim.model.records import DayHospitalDays, Recorder

    no_days = np.zeros(0, dtype=int)
    record = Recorder(DayHospitalDays(no_days, no_days, no_days, no_days.astype(bool)))
    record.background_bookings.add(0, 3, 5, 4)
    record.background_bookings.add(1, 4, 6, None)
    record.background_bookings.displaced[0] = 2
    columns = background_columns(record)
    assert columns["day"].tolist() == [4, -1] and columns["day"].dtype == np.int64
    assert columns["displaced"].tolist() == [2, 0] and columns["latest"].tolist() == [5, 6]
