"""Results by place of residence (sim.measures.territories, places.csv): no patient lost between the
places and the region, the per-place means and paired differences computed right, the Gers effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scenario_variants import BASELINE, variant

from sim.measures.territories import (
    EPISODES_PER_YEAR,
    paired_places,
    replication_values,
    residence_units,
    summarise_places,
)
from sim.outputs.folders import load_comparison, read_places, write_comparison
from sim.outputs.maps import zone_outlines
from sim.runs.compare import run_comparison
from sim.scenario.files import resolve_raw

GERS = "32"
SHORT = {"run.years": 2.0, "run.warmup_days": 60.0, "run.replications": 3}


def _episode(replication: int, insee: str, **values) -> dict:
    row = {
        "replication": replication,
        "insee": insee,
        "arrival": 100.0,
        "finished": True,
        "route": "had",
        "home_days": 10.0,
        "bed_days_total": 20.0,
        "cycle1_wait": 1.0,
        "bed_days_waiting_home_care": 0.0,
        "trips": 5,
        "km": 100.0,
        "hours": 2.0,
    }
    return {**row, **values}


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "insee": ["A", "B", "C"],
            "department": ["32", "31", "31"],
            "had_zone": ["gers", "toulouse", "toulouse"],
            "had_zone_name": ["HAD Gers", "HAD Toulouse", "HAD Toulouse"],
        }
    )


def _value(values: pd.DataFrame, replication: int, level: str, unit: str, kpi: str) -> float:
    row = values[
        (values["replication"] == replication)
        & (values["level"] == level)
        & (values["unit"] == unit)
        & (values["kpi"] == kpi)
    ]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_per_place_values_count_the_window_and_follow_finished_episodes(units):
    episodes = pd.DataFrame(
        [
            _episode(0, "A", bed_days_total=30.0),
            _episode(0, "A", bed_days_total=10.0, route="convention"),
            _episode(0, "A", bed_days_total=99.0, finished=False),  # counted, not in per-episode means
            _episode(0, "B", arrival=10.0, bed_days_total=99.0),  # referred in the warm-up: left out
            _episode(0, "C", home_days=0.0, route="inpatient"),
            _episode(1, "B"),  # replication 1 has no episode in Gers
        ]
    )
    values = replication_values(episodes, units, (50.0, 500.0), years=2.0)
    assert _value(values, 0, "department", GERS, EPISODES_PER_YEAR) == 3 / 2.0
    assert _value(values, 0, "department", GERS, "bed_days_total_per_episode") == 20.0
    assert _value(values, 0, "department", GERS, "route_convention_share") == pytest.approx(1 / 3)
    assert _value(values, 0, "had_zone", "toulouse", "never_home_share") == 1.0
    assert _value(values, 0, "department", "31", EPISODES_PER_YEAR) == 1 / 2.0
    # a place without patients in a replication: 0 episodes, no per-episode value
    assert _value(values, 1, "department", GERS, EPISODES_PER_YEAR) == 0.0
    assert np.isnan(_value(values, 1, "department", GERS, "bed_days_total_per_episode"))
    summary = summarise_places(values).set_index(["level", "unit", "kpi"])
    assert summary.loc[("department", GERS, "bed_days_total_per_episode"), "n"] == 1
    assert summary.loc[("department", GERS, EPISODES_PER_YEAR), "mean"] == pytest.approx(0.75)


def test_paired_places_subtract_replication_by_replication(units):
    base = pd.DataFrame([_episode(r, "A", km=100.0 + 50 * r) for r in range(4)])
    other = base.assign(km=base["km"] + 7.0)  # the same patients, 7 km more each
    values = [replication_values(frame, units, (0.0, 500.0), years=1.0) for frame in (base, other)]
    diffs = paired_places(*values).set_index(["level", "unit", "kpi"])
    km = diffs.loc[("department", GERS, "km_per_episode")]
    # paired: the spread between replications (50 km apart) cancels, the interval is exact
    assert km["diff_mean"] == pytest.approx(7.0)
    assert km["diff_ci_low"] == pytest.approx(7.0) and km["diff_ci_high"] == pytest.approx(7.0)
    assert km["pairs"] == 4
    assert diffs.loc[("department", GERS, "trips_per_episode"), "diff_mean"] == 0.0


def test_residence_units_partition_the_catchment_like_the_map(territory):
    units = residence_units(territory)
    catchment = territory.communes[territory.communes["in_catchment"]]
    assert set(units["insee"]) == set(catchment["insee"])  # every commune once, in one zone
    assert units["insee"].is_unique
    assert set(units["had_zone"]) == set(zone_outlines(territory)["zone"])  # the map draws each zone
    shared = units[units["had_zone"].str.contains(" + ", regex=False)]
    assert len(shared) and shared["had_zone_name"].str.contains(" / ", regex=False).all()


@pytest.fixture(scope="module")
def gers_comparison(tmp_path_factory, territory):
    raw = resolve_raw(BASELINE)
    # Enough Gers patients in 2 years, and replications enough for their mean change to show.
    demand = {**SHORT, "run.replications": 10, "blinatumomab.arrivals.episodes_per_year": 30.0}
    base = variant(raw, name="base_busy", **demand)
    gers_raw = resolve_raw(BASELINE.parent / "gers_pasteur.yaml")
    other = variant(gers_raw, name="gers_busy", **demand)
    comparison = run_comparison([base, other], workers=1, territory=territory)
    folder = tmp_path_factory.mktemp("places") / "cmp"
    files = [BASELINE, BASELINE.parent / "gers_pasteur.yaml"]
    write_comparison(comparison, folder, files)
    return comparison, folder


def test_no_patient_is_lost_between_the_places_and_the_region(gers_comparison):
    comparison, _ = gers_comparison
    places = comparison.places
    for name, result in comparison.results.items():
        regional = result.replications.set_index("replication")["episodes_per_year"]
        for level in ("department", "had_zone"):
            mine = places[(places["scenario"] == name) & (places["level"] == level)]
            total = mine.loc[mine["kpi"] == EPISODES_PER_YEAR, "mean"].sum()
            assert total == pytest.approx(regional.mean(), rel=1e-9), (name, level)


def test_gers_residents_wait_less_in_a_bed_for_home_care_when_pasteur_takes_over(gers_comparison):
    comparison, _ = gers_comparison
    places = comparison.places.set_index(["scenario", "level", "unit", "kpi"])
    gers = ("gers_busy", "department", GERS)
    assert places.loc[(*gers, "route_had_share"), "diff_mean"] > 0.5  # their zone's HAD now takes them
    assert places.loc[(*gers, "home_care_bed_wait_days_per_episode"), "diff_mean"] < 0
    assert places.loc[(*gers, "bed_days_total_per_episode"), "diff_mean"] < 0
    # far from the Gers, no change the replications can tell for the patients of the Ariège
    ariege = places.loc[("gers_busy", "department", "09", "bed_days_total_per_episode")]
    assert ariege["diff_ci_low"] <= 0 <= ariege["diff_ci_high"]
    assert abs(ariege["diff_mean"]) < abs(places.loc[(*gers, "bed_days_total_per_episode"), "diff_mean"])
    assert places.loc[(*gers, "route_had_share"), "verdict"] == "important"


def test_places_csv_is_written_and_read_back_with_department_codes_as_text(gers_comparison):
    comparison, folder = gers_comparison
    loaded = load_comparison(folder).places
    assert loaded is not None and len(loaded) == len(comparison.places)
    assert "09" in set(loaded["unit"])  # not 9
    assert "Ariège (09)" in set(loaded["unit_name"])
    for name in comparison.results:
        own = read_places(folder / name)
        assert own is not None and set(own["scenario"]) == {name}
