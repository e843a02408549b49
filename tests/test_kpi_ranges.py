"""Every KPI stays in the range the catalogue declares for it, and its confidence interval is cut there.

A planner reads "waiting time 1.7 days [-1.2, 4.5]" as a broken tool: the Student-t interval is
symmetric, and with few replications its low end falls below what any run can give. Intervals of
means are cut to the KPI's range (``kpi_range``); that range is checked here against what runs give,
under every no-slot policy, a capacity calendar, dated events, held sessions, home bag changes and
a saturated ward, so a KPI that goes negative (a lost bed-day, a wait computed backwards) fails.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scenario_variants import variant

from sim.measures.catalogue import SIGNED_KPIS, kpi_range
from sim.measures.dated import kpi_ranges
from sim.measures.statistics import comparison_table, mean_with_interval, summarise
from sim.measures.territories import summarise_places
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario, resolve_raw

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHORT = {"run.years": 2, "run.warmup_days": 60}
CASES = {
    "baseline": ("baseline", {}),
    "home_bag_change": ("home_bag_change", {}),
    "summer_closure": ("summer_closure", {}),
    "gers_from_2027": ("gers_from_2027", {"run.years": 3}),
    "reserved_day_hospital_slots": ("reserved_day_hospital_slots", {}),
    # Bag changes with no session: a bridge, the ward, an HAD nurse, overbooked.
    "no_sessions_bridge_nurse": (
        "baseline",
        {
            "day_hospital.sessions_per_weekday": {"wed": 30},
            "day_hospital.no_slot_policy": ["bridge", "had_nurse", "overbook"],
        },
    ),
    "no_sessions_ward": (
        "baseline",
        {"day_hospital.sessions_per_weekday": {"wed": 30}, "day_hospital.no_slot_policy": ["ward"]},
    ),
    # A saturated ward: the bed queue grows, episodes never start.
    "demand_x3_few_beds": ("demand_x3", {"beds.capacity": 8}),
}


@pytest.fixture(scope="module", params=list(CASES))
def run(request, territory):
    name, changes = CASES[request.param]
    scenario = variant(resolve_raw(SCENARIOS / f"{name}.yaml"), **{**SHORT, **changes})
    return run_experiment(scenario, replications=3, seed=11, workers=1, territory=territory)


def test_every_kpi_of_every_replication_is_within_its_range(run):
    table = run.replications.drop(columns="replication")
    ranges = kpi_ranges(run.scenario)  # bed occupancy at most 1 where beds never close
    outside = []
    for kpi in table.columns:
        low, high = ranges(kpi)
        values = table[kpi].to_numpy(float)
        values = values[~np.isnan(values)]
        if ((values < low) | (values > high)).any():
            outside.append(f"{kpi}: {values.tolist()} not in [{low}, {high}]")
    assert not outside, outside


def test_every_interval_of_the_summary_is_within_the_kpis_range(run):
    ranges = kpi_ranges(run.scenario)
    for row in run.summary.itertuples():
        low, high = ranges(row.kpi)
        if row.n >= 2:
            assert low <= row.ci_low <= row.mean <= row.ci_high <= high, row


def test_a_rare_event_counted_on_three_replications_has_no_negative_interval():
    table = pd.DataFrame({"replication": [0, 1, 2], "planned_wait_mean_days": [0.2, 0.4, 4.9]})
    row = summarise(table).iloc[0]
    mean, std = np.mean([0.2, 0.4, 4.9]), np.std([0.2, 0.4, 4.9], ddof=1)
    half = 4.302652729911275 * std / math.sqrt(3)  # Student t, 2 degrees of freedom, 97.5 %
    assert mean - half < 0  # the whole interval would start below 0
    assert row["ci_low"] == 0.0
    assert row["ci_high"] == pytest.approx(mean + half)


def test_a_share_is_cut_at_one_and_a_signed_kpi_not_at_zero():
    share = mean_with_interval([1.0, 1.0, 0.9], within=kpi_range("beds_full_day_share"))
    assert share["ci_high"] == 1.0 and share["ci_low"] < share["mean"] < 1.0
    growth = mean_with_interval([-3.0, 0.5, 1.0], within=kpi_range("bed_queue_growth"))
    assert growth["ci_low"] < -3.0 and growth["ci_high"] > 1.0
    dated = kpi_range("planned_wait_mean_days_from_event")
    assert dated == (0.0, math.inf)
    assert all(kpi_range(kpi) == (-math.inf, math.inf) for kpi in SIGNED_KPIS)


def test_bed_occupancy_is_cut_at_one_only_where_beds_never_close():
    """Nobody is moved out when beds close: only then can the patients in bed outnumber the beds open."""
    table = pd.DataFrame({"replication": [0, 1], "bed_occupancy": [0.80, 0.93]})  # 2 replications: wide
    cut_at_one = {"baseline": True, "summer_closure": False, "gers_from_2027": True, "beds_20": True}
    for name, cut in cut_at_one.items():
        row = summarise(table, ranges=kpi_ranges(load_scenario(SCENARIOS / f"{name}.yaml"))).iloc[0]
        assert bool(row["ci_high"] == 1.0) is cut and row["ci_low"] < 0.80, (name, row)
    closing = variant(
        resolve_raw(SCENARIOS / "baseline.yaml"),
        events=[{"from": "2027-01-01", "set": {"beds.capacity": 16}}],
    )
    assert kpi_ranges(closing)("bed_occupancy") == (0.0, math.inf)
    assert summarise(table).iloc[0]["ci_high"] > 1.0  # without the scenario: the safe range, uncut


def test_one_replication_keeps_no_interval():
    row = mean_with_interval([3.0], within=(0.0, math.inf))
    assert row["mean"] == 3.0 and math.isnan(row["ci_low"]) and math.isnan(row["ci_high"])


def test_the_comparison_table_and_the_places_cut_their_intervals_too():
    base = pd.DataFrame({"replication": [0, 1, 2], "hdj_bag_changes_ward_per_year": [0.0, 0.0, 1.5]})
    other = base.assign(hdj_bag_changes_ward_per_year=[0.0, 0.0, 0.0])
    table = comparison_table({"base": base, "other": other}, "base").set_index("scenario")
    assert table.loc["base", "ci_low"] == 0.0 and table.loc["base", "ci_high"] > 1.5
    assert table.loc["other", "diff_ci_low"] < -1.5  # a difference keeps its sign
    places = pd.DataFrame(
        {
            "replication": [0, 1, 2],
            "level": "department",
            "unit": "32",
            "kpi": "route_inpatient_share",
            "value": [0.0, 0.0, 0.9],
        }
    )
    row = summarise_places(places).iloc[0]
    assert row["ci_low"] == 0.0 and row["ci_high"] == 1.0
