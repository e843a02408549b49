"""Calibration as a band: seasonal wait KPIs, the band found from synthetic targets, runs across a band.

Small configurations (one simulated year after a short warm-up, a few replications) keep it fast.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli import app
from sim.measures.care import Window
from sim.measures.seasons import seasonal_wait_kpis
from sim.model.records import EMERGENCY, PLANNED
from sim.runs.band import read_band, run_band_comparison
from sim.runs.calibration import MEMBER, Target, calibrate_band, member_scenario
from sim.runs.compare import run_comparison
from sim.runs.replications import run_experiment
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import DAYS_PER_YEAR, Scenario, SensitivityParameter

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
RATE = "beds.background.arrivals_per_day"
LOS = "beds.background.length_of_stay.mean"
PEAK, YEARLY_MAX = "planned_wait_peak_season_p95_days", "planned_wait_yearly_max_days"


def small(years: float = 1.0) -> Scenario:
    scenario = load_scenario(BASELINE)
    run = scenario.run.model_copy(update={"years": years, "warmup_days": 100.0, "replications": 3})
    return scenario.model_copy(update={"run": run})


# --- the seasonal wait KPIs ------------------------------------------------------------------------


def admissions(rows: list[tuple[int, float, float | None]]) -> pd.DataFrame:
    """(kind, request, admit or None) rows as the admissions frame has them."""
    frame = pd.DataFrame(rows, columns=["kind", "request", "admit"])
    frame["admit"] = frame["admit"].astype(float)
    return frame


def test_the_peak_season_is_the_three_months_with_the_longest_waits():
    jan_1 = dt.date(2027, 1, 1)  # day 0 is the 1st of January: day of the year = 1 + time
    rows = [(PLANNED, t, t + 2.0) for t in range(0, 365, 5)]  # short waits all year
    rows += [(PLANNED, t, t + 30.0) for t in (120, 130, 140, 150, 160)]  # long waits in May-June
    rows += [(EMERGENCY, 10.0, 90.0)]  # an emergency's wait is not a planned one
    kpis = seasonal_wait_kpis(admissions(rows), 400.0, Window(0.0, 365.0, 1.0), jan_1)
    assert kpis[PEAK] > 20  # a season holding May-June: 5 long waits among about 18
    assert kpis["planned_wait_low_season_p95_days"] == pytest.approx(2.0)  # winter: only short waits
    assert kpis[YEARLY_MAX] == pytest.approx(30.0)


def test_the_yearly_maximum_is_the_mean_of_each_years_longest_wait_censored_included():
    start = dt.date(2027, 1, 1)
    year = DAYS_PER_YEAR
    rows = [(PLANNED, 10.0, 50.0), (PLANNED, 20.0, 25.0)]  # year 1: 40 days at most
    rows += [(PLANNED, year + 10, year + 12), (PLANNED, 2 * year - 3, None)]  # year 2: waiting at the end
    end_time = 2 * year + 7  # the request still waiting has waited 10 days so far
    kpis = seasonal_wait_kpis(admissions(rows), end_time, Window(0.0, 2 * year, 2.0), start)
    assert kpis[YEARLY_MAX] == pytest.approx((40.0 + 10.0) / 2)


def test_a_seasons_p95_is_that_of_a_typical_year_not_of_the_pooled_years():
    jan_1, year = dt.date(2027, 1, 1), DAYS_PER_YEAR
    rows = [(PLANNED, t, t + 30.0) for t in range(5, 85, 4)]  # first winter: every wait 30 days
    rows += [(PLANNED, year + t, year + t + 10.0) for t in range(5, 85, 4)]  # second winter: 10 days
    rows += [(PLANNED, k * year + t, k * year + t + 1.0) for k in (0, 1) for t in range(100, 360, 4)]
    kpis = seasonal_wait_kpis(admissions(rows), 2 * year + 40, Window(0.0, 2 * year, 2.0), jan_1)
    assert kpis[PEAK] == pytest.approx((30.0 + 10.0) / 2)  # pooled, the p95 would be 30
    assert kpis[YEARLY_MAX] == pytest.approx((30.0 + 10.0) / 2)


def test_the_seasonal_kpis_are_among_a_runs_kpis_and_ordered():
    result = run_experiment(small(), replications=2, workers=1)
    table = result.replications
    assert (table["planned_wait_low_season_p95_days"] <= table[PEAK]).all()
    assert (table[PEAK] <= table[YEARLY_MAX] + 1e-9).all()  # one year: a season's p95 <= the year's longest
    assert (table[YEARLY_MAX] == table["planned_wait_max_days"]).all()  # a one-year window


# --- the band found from synthetic targets --------------------------------------------------------


def test_the_band_holds_the_parameters_that_made_the_targets_and_not_far_ones():
    truth = with_values(small(), {RATE: 0.50, LOS: 27.0})
    observed = run_experiment(truth, replications=6, seed=7, workers=1).summary.set_index("kpi")["mean"]
    targets = [Target(k, 0.75 * observed[k], 1.25 * observed[k]) for k in (PEAK, YEARLY_MAX)]
    assert min(t.low for t in targets) > 2  # the targets say the beds are busy
    for rates in ((0.30, 0.33), (0.66, 0.70)):  # far below (no wait) and far above (saturated)
        calibration = calibrate_band(
            truth, targets, [SensitivityParameter(key=RATE, low=rates[0], high=rates[1])], 4, 4, workers=1
        )
        design = calibration.design
        assert design.loc[0, RATE] == 0.50  # point 0: the scenario's own values
        assert calibration.band[MEMBER].tolist() == [0], design[[RATE, f"{PEAK}_mean", "accepted"]]
        assert design[RATE].iloc[1:].between(*rates).all()


def test_a_set_is_accepted_exactly_when_every_target_ci_meets_its_range():
    scenario = small()
    parameters = [SensitivityParameter(key=RATE, low=0.45, high=0.58)]
    calibration = calibrate_band(
        scenario, [Target(PEAK, 8, 20), Target(YEARLY_MAX, 10, 25)], parameters, 5, 3
    )
    for _, row in calibration.design.iterrows():
        meets = all(
            row[f"{k}_ci_high"] >= low and row[f"{k}_ci_low"] <= high
            for k, low, high in ((PEAK, 8, 20), (YEARLY_MAX, 10, 25))
        )
        assert row["accepted"] == (meets and row["unstable_share"] == 0)
    again = calibrate_band(scenario, calibration.targets, parameters, 5, 3, workers=2)
    pd.testing.assert_frame_equal(calibration.design, again.design)  # same seed, any number of workers


def test_an_unknown_target_kpi_is_refused():
    with pytest.raises(ScenarioError, match="no_such_kpi"):
        calibrate_band(
            small(), [Target("no_such_kpi", 1, 2)], [SensitivityParameter(key=RATE, low=0.4, high=0.5)], 2, 2
        )


# --- runs and comparisons across a band -----------------------------------------------------------


def band_file(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "band.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_a_band_comparison_ranges_hold_each_members_own_comparison(tmp_path):
    base = small()
    plus2 = with_values(base, {"beds.capacity": 20}).model_copy(update={"name": "plus2"})
    path = band_file(tmp_path, [{MEMBER: "a", RATE: 0.47, LOS: 26}, {MEMBER: "b", RATE: 0.55, LOS: 29}])
    band = read_band(path, base)
    result = run_band_comparison([base, plus2], band, replications=3, workers=1)
    ranges = result.ranges().set_index(["scenario", "kpi"])
    for _, member in band.iterrows():
        own = run_comparison(
            [member_scenario(base, member, "test"), member_scenario(plus2, member, "test")], 3, workers=1
        ).table.set_index(["scenario", "kpi"])
        for kpi in ("bed_occupancy", "planned_wait_mean_days", PEAK):
            row, span = own.loc[("plus2", kpi)], ranges.loc[("plus2", kpi)]
            assert span["diff_min"] <= row["diff_mean"] <= span["diff_max"]
            assert (
                span["diff_ci_low_min"] <= row["diff_ci_low"]
                and row["diff_ci_high"] <= span["diff_ci_high_max"]
            )
            assert span["mean_min"] <= row["mean"] <= span["mean_max"]
            members = result.table.set_index([MEMBER, "scenario", "kpi"])
            assert members.loc[(member[MEMBER], "plus2", kpi), "diff_mean"] == row["diff_mean"]
    occupancy = ranges.loc[("baseline", "bed_occupancy")]
    assert occupancy["mean_max"] - occupancy["mean_min"] > 0.05  # the members' demand did act
    parallel = run_band_comparison([base, plus2], band, replications=3, workers=2)
    pd.testing.assert_frame_equal(result.table, parallel.table)


def call(args: list[object], capsys: pytest.CaptureFixture) -> tuple[int, str, str]:
    try:
        app([str(a) for a in args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("content", "named"),
    [
        ("", "expected a CSV band file"),
        (f"{MEMBER},{RATE}\n", "expected 1 to"),
        (f"{MEMBER}\n0\n", "expected a column per scenario key"),
        (f"{MEMBER},beds.nope\n0,1\n", "beds.nope"),
        (f"{MEMBER},{RATE}\n0,abc\n", f"row 1, {RATE}: expected a finite number, found 'abc'"),
        (f"{MEMBER},{RATE}\n0,inf\n", f"row 1, {RATE}: expected a finite number"),
        (f"{MEMBER},beds.background.emergency_share\n0,1.5\n", "beds.background.emergency_share"),
        (f"{MEMBER},{RATE}\n0,0.5\n0,0.6\n", "expected each member once"),
        (f"{MEMBER},beds.background.length_of_stay\n0,28\n", "beds.background.length_of_stay"),
        ("\xff\xfe bad bytes", "expected UTF-8 text"),
    ],
)
def test_bad_band_files_are_refused_in_one_line(tmp_path, capsys, content, named):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(f"extends: {BASELINE}\nname: s\nrun: {{years: 0.3, warmup_days: 10}}\n")
    path = tmp_path / "band.csv"
    path.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    code, _out, err = call(["run", scenario_file, "--band", path, "--out", tmp_path / "out"], capsys)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    assert str(path) in lines[0] and named in lines[0], lines[0]
    assert not (tmp_path / "out").exists()


def test_calibrate_writes_a_band_that_run_reads_back(tmp_path, capsys):
    scenario_file = tmp_path / "s.yaml"
    scenario_file.write_text(f"extends: {BASELINE}\nname: s\nrun: {{years: 0.5, warmup_days: 30}}\n")
    folder = tmp_path / "cal"
    args = ["calibrate", scenario_file, "--points", 3, "--replications", 2, "--workers", 1, "--out", folder]
    args += ["--target", f"{PEAK}=0:1000", "--target", f"{YEARLY_MAX}=0:1000", "--param", f"{RATE}=0.4:0.5"]
    code, _out, err = call(args, capsys)
    assert code == 0, err
    band = pd.read_csv(folder / "band.csv")
    assert band.columns.tolist() == [MEMBER, RATE] and len(band) == 3  # targets anyone meets: all kept
    assert {"design.csv", "band.png", "manifest.json"} <= {p.name for p in folder.iterdir()}
    code, _out, err = call(
        ["run", scenario_file, "--band", folder / "band.csv", "--replications", 2, "--out", tmp_path / "b"],
        capsys,
    )
    assert code == 0, err
    members = pd.read_csv(tmp_path / "b" / "band_members.csv")
    assert sorted(members[MEMBER].unique()) == [0, 1, 2]
    assert np.isfinite(members.loc[members["kpi"] == PEAK, "mean"]).all()
