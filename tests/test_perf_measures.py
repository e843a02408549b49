"""The numpy measures give the KPIs and tables the pandas ones gave, and their building blocks are right.

``tests/data/perf_measures_kpis.json`` pins every KPI of short runs of several shipped scenarios; it
is written by the pandas measures of main (the numpy ones must give the same values, to 1e-9). A
change that moves the numbers on purpose regenerates it:
    python tests/test_perf_measures.py --regenerate
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.measures import day_hospital_tables, frames, kpis
from sim.measures.catalogue import COST_ITEMS
from sim.measures.columns import group_count, group_sum, record_columns
from sim.model.engine import simulate
from sim.model.records import Trip
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

ROOT = Path(__file__).resolve().parents[1]
PINNED = Path(__file__).resolve().parent / "data" / "perf_measures_kpis.json"
SCENARIOS = ("baseline", "demand_x3", "home_bag_change", "nearest_hospital_bags", "seven_day_bags")
EPISODE_COLUMNS_START = ["episode", "indication", "insee", "dep", "km_to_iucto", "arrival", "route", "had"]


def short(name: str):
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
    run = scenario.run.model_copy(update={"years": 1.0, "warmup_days": 90.0})
    return scenario.model_copy(update={"run": run})


def measured(name: str, territory: Territory) -> dict[str, float]:
    scenario = short(name)
    bound = scenario_territory(scenario, territory)
    record = simulate(scenario, bound, 1)
    return kpis.compute(record, scenario, bound, frames.episodes_frame(record, bound, scenario.costs))


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_kpi_equals_the_pinned_value(name, territory):
    pinned = json.loads(PINNED.read_text())[name]
    values = measured(name, territory)
    assert list(values) == list(pinned), "KPI names or their order changed"
    for kpi, expected in pinned.items():
        value = values[kpi]
        if expected is None:
            assert math.isnan(value), kpi
        else:
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), (
                f"{name}: {kpi} is {value!r}, pinned {expected!r}. If on purpose, "
                "regenerate with `python tests/test_perf_measures.py --regenerate` and say so."
            )


def test_tables_keep_their_columns_and_types(territory):
    scenario = short("baseline")
    bound = scenario_territory(scenario, territory)
    record = simulate(scenario, bound, 0)
    episodes = frames.episodes_frame(record, bound, scenario.costs)
    assert list(episodes.columns[: len(EPISODE_COLUMNS_START)]) == EPISODE_COLUMNS_START
    assert episodes["trips"].dtype == np.int64 and episodes["transfers"].dtype == np.int64
    assert episodes["km"].dtype == np.float64 and episodes["finished"].dtype == bool
    assert episodes["cost_total"].to_numpy() == pytest.approx(
        episodes[[f"cost_{item}" for item in COST_ITEMS]].sum(axis=1).to_numpy()
    )  # the items of the bill; what was wasted or made for nothing is part of the drug item
    admissions = frames.admissions_frame(record)
    assert list(admissions.columns) == [
        "kind", "request", "admit", "discharge", "episode", "start_type", "wait",
    ]  # fmt: skip
    assert admissions["episode"].dtype == np.int64
    load = day_hospital_tables.day_hospital_load(record)
    assert list(load.columns) == ["weekday", "capacity", "background", "blinatumomab", "overflow"]
    assert load["background"].sum() == sum(
        1 for day in record.background_bookings.day if day is not None and day < len(load)
    )


def test_trips_per_episode_add_up_to_the_trips_recorded(territory):
    """Counting by episode neither loses nor invents a trip, and each episode gets its own."""
    scenario = short("home_bag_change")
    bound = scenario_territory(scenario, territory)
    record = simulate(scenario, bound, 0)
    episodes = frames.episodes_frame(record, bound)
    assert episodes["trips"].sum() == len(record.trips)
    for row in episodes.sample(n=min(20, len(episodes)), random_state=0).itertuples():
        mine = [t for t in record.trips if t.episode == row.episode]
        assert row.trips == len(mine)
        assert row.bag_change_km + row.visit_km == pytest.approx(sum(t.km for t in mine))


def test_a_second_replication_is_not_measured_with_the_first_ones_records(territory):
    scenario = short("baseline")
    bound = scenario_territory(scenario, territory)
    first, second = simulate(scenario, bound, 0), simulate(scenario, bound, 1)
    alone = kpis.compute(second, scenario, bound)
    kpis.compute(first, scenario, bound)
    again = kpis.compute(second, scenario, bound)
    assert alone == pytest.approx(again, nan_ok=True)
    other = kpis.compute(first, scenario, bound)
    assert any(alone[k] != other[k] for k in alone if not math.isnan(alone[k]))


groups = st.lists(st.tuples(st.integers(0, 6), st.floats(-1e6, 1e6) | st.just(float("nan"))), max_size=60)


@settings(max_examples=200, deadline=None)
@given(rows=groups, sort=st.booleans())
def test_group_sum_is_pandas_groupby_sum_to_the_last_bit(rows, sort):
    if sort:
        rows = sorted(rows, key=lambda r: r[0])
    keys = np.array([k for k, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=float)
    ids = np.array([3, 0, 1, 2, 5, 6, 4])  # not in key order, as episode ids need not be
    expected = pd.Series(values, dtype=float).groupby(keys).sum().reindex(ids).fillna(0.0).to_numpy()
    assert group_sum(ids, keys, values).tobytes() == expected.tobytes()
    counts = pd.Series(keys, dtype=np.int64).groupby(keys).size().reindex(ids).fillna(0).to_numpy()
    assert group_count(ids, keys).tolist() == counts.tolist()


def test_record_columns_stand_in_for_none_and_refuse_writes():
    trips = [Trip(0, 1.5, 3, None, 10.0, 0.5), Trip(1, 2.0, 4, 2, 20.0, 1.0, "visit")]
    table = record_columns(trips, Trip)
    assert table["destination"].tolist() == [-1, 2]
    assert table["purpose"].tolist() == ["bag_change", "visit"]
    with pytest.raises(ValueError):
        table["km"][0] = 0.0


if __name__ == "__main__" and "--regenerate" in sys.argv:
    base = Territory.load()
    pinned = {
        name: {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in measured(name, base).items()
        }
        for name in SCENARIOS
    }
    PINNED.write_text(json.dumps(pinned, indent=1) + "\n")
    print(f"KPIs pinned in {PINNED}")
