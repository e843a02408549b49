"""Scenario comparison: CI and paired-difference arithmetic, common random numbers, compare folders,
and `occisim compare`.

The arithmetic tests use small hand-computed cases; the simulation tests use short runs (1.5 years,
a 60-day warm-up, a few replications, one worker) so the whole file stays quick.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.measures.statistics import comparison_table, paired_difference, summarise, t_interval
from sim.outputs.folders import is_comparison_folder, load_results, result_folders, write_comparison
from sim.outputs.terminal import precision_message
from sim.runs.compare import ComparisonResult, relative_half_widths, run_comparison
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
T_975_4 = 2.7764451051977934  # Student t quantile 0.975 with 4 degrees of freedom (tables: 2.776)
T_95_4 = 2.1318467863266495  # 0.95, 4 dof (tables: 2.132)
T_975_3 = 3.1824463052837078  # 0.975, 3 dof (tables: 3.182)
T_975_2 = 4.302652729749462  # 0.975, 2 dof (tables: 4.303)


def short(scenario, years: float = 1.5, warmup_days: float = 60.0, **run):
    return scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"years": years, "warmup_days": warmup_days, **run})}
    )


def write_short_pair(folder: Path, replications: int = 3) -> tuple[Path, Path]:
    """Two scenario files extending the real ones (absolute extends:) with short run settings."""
    folder.mkdir(parents=True, exist_ok=True)
    run = f"run:\n  years: 1.5\n  warmup_days: 60\n  replications: {replications}\n"
    base = folder / "base_short.yaml"
    base.write_text(f"extends: {BASELINE}\nname: base_short\n{run}", encoding="utf-8")
    other = folder / "gers_short.yaml"
    other.write_text(f"extends: {SCENARIOS / 'gers_pasteur.yaml'}\nname: gers_short\n{run}", encoding="utf-8")
    return base, other


# --- t_interval and summarise: hand-computed ---------------------------------------------------------------


def test_t_interval_on_one_to_five():
    mean, half, std = t_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert mean == pytest.approx(3.0)
    assert std == pytest.approx(math.sqrt(2.5))  # sample std (ddof=1), not sqrt(2)
    assert half == pytest.approx(2.776 * 1.5811 / 2.2361, rel=1e-3)  # the table value, by hand
    assert half == pytest.approx(T_975_4 * math.sqrt(2.5) / math.sqrt(5), rel=1e-12)
    _, half90, _ = t_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), confidence=0.90)
    assert half90 == pytest.approx(T_95_4 * math.sqrt(2.5) / math.sqrt(5), rel=1e-12)


def test_t_interval_ignores_nan_and_needs_two_values():
    mean, half, std = t_interval(np.array([1.0, np.nan, 3.0]))
    assert mean == pytest.approx(2.0)
    assert std == pytest.approx(math.sqrt(2.0))
    assert half == pytest.approx(12.706204736174698 * math.sqrt(2.0) / math.sqrt(2.0))
    mean, half, std = t_interval(np.array([4.0, np.nan]))
    assert mean == 4.0 and math.isnan(half) and math.isnan(std)
    assert all(math.isnan(v) for v in t_interval(np.array([])))


def test_summarise_on_known_data():
    table = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3, 4],
            "a": [1.0, 2.0, 3.0, 4.0, 5.0],
            "b": [2.0, np.nan, 4.0, np.nan, 6.0],
            "c": [np.nan, np.nan, 7.0, np.nan, np.nan],
        }
    )
    summary = summarise(table).set_index("kpi")
    assert list(summary.index) == ["a", "b", "c"]  # the replication column is not a KPI
    half_a = T_975_4 * math.sqrt(2.5) / math.sqrt(5)
    assert summary.loc["a", "mean"] == pytest.approx(3.0)
    assert summary.loc["a", "std"] == pytest.approx(math.sqrt(2.5))
    assert summary.loc["a", "ci_low"] == pytest.approx(3.0 - half_a)
    assert summary.loc["a", "ci_high"] == pytest.approx(3.0 + half_a)
    assert summary.loc["a", "n"] == 5
    # b: NaN dropped, values 2, 4, 6: mean 4, std 2, half t(0.975, 2) * 2 / sqrt(3)
    assert summary.loc["b", "n"] == 3
    assert summary.loc["b", "std"] == pytest.approx(2.0)
    assert summary.loc["b", "ci_high"] - summary.loc["b", "mean"] == pytest.approx(T_975_2 * 2 / math.sqrt(3))
    # c: one value, no interval
    assert summary.loc["c", "mean"] == 7.0 and summary.loc["c", "n"] == 1
    assert math.isnan(summary.loc["c", "ci_low"]) and math.isnan(summary.loc["c", "std"])
    # summarise and t_interval agree, the interval cut at 0 (a KPI is not negative, unless signed)
    mean, half, std = t_interval(table["b"].to_numpy())
    assert mean - half < 0
    assert (summary.loc["b", "mean"], summary.loc["b", "ci_low"], summary.loc["b", "std"]) == pytest.approx(
        (mean, 0.0, std)
    )


# --- paired differences ----------------------------------------------------------------------------------


def test_paired_difference_matches_rows_by_replication_column():
    base = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [10.0, 20.0, 30.0, 40.0]})
    other = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [11.0, 22.0, 33.0, 44.0]})  # diffs 1, 2, 3, 4
    shuffled = other.iloc[[2, 0, 3, 1]].reset_index(drop=True)
    # matched by position, the shuffled frame would give diffs 23, 1, 14, -18
    for frame in (other, shuffled):
        row = paired_difference(base, frame, ["x"]).set_index("kpi").loc["x"]
        half = T_975_3 * math.sqrt(5 / 3) / 2  # diffs 1..4: mean 2.5, std sqrt(5/3)
        assert row["diff_mean"] == pytest.approx(2.5)
        assert row["diff_std"] == pytest.approx(math.sqrt(5 / 3))
        assert row["diff_ci_low"] == pytest.approx(2.5 - half)
        assert row["diff_ci_high"] == pytest.approx(2.5 + half)
        assert row["pairs"] == 4
        assert bool(row["significant"]) is True  # 2.5 +- 2.05 excludes 0


def test_paired_difference_significance_cases():
    base = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "noisy": [5.0, 5.0, 5.0, 5.0],
            "same": [1.0, 2.0, 3.0, 4.0],
            "shift": [1.0, 2.0, 3.0, 4.0],
            "down": [10.0, 20.0, 30.0, 40.0],
        }
    )
    other = pd.DataFrame(
        {
            "replication": [0, 1, 2, 3],
            "noisy": [6.0, 4.0, 7.0, 3.0],  # diffs 1, -1, 2, -2: mean 0
            "same": [1.0, 2.0, 3.0, 4.0],  # diffs all 0: zero-width interval at 0
            "shift": [4.0, 5.0, 6.0, 7.0],  # diffs all 3: zero-width interval at 3
            "down": [5.0, 14.0, 26.0, 33.0],  # diffs -5, -6, -4, -7: mean -5.5
        }
    )
    rows = paired_difference(base, other, ["noisy", "same", "shift", "down"]).set_index("kpi")
    assert rows.loc["noisy", "diff_mean"] == pytest.approx(0.0)
    assert not rows.loc["noisy", "significant"]
    assert rows.loc["same", "diff_ci_low"] == 0.0 and rows.loc["same", "diff_ci_high"] == 0.0
    assert not rows.loc["same", "significant"]
    assert rows.loc["shift", "diff_ci_low"] == pytest.approx(3.0)
    assert rows.loc["shift", "significant"]
    assert rows.loc["down", "diff_mean"] == pytest.approx(-5.5)
    assert rows.loc["down", "diff_ci_high"] < 0
    assert rows.loc["down", "significant"]


def test_paired_difference_uses_only_replications_in_both():
    base = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [1.0, 2.0, 3.0, 100.0]})
    other = pd.DataFrame({"replication": [2, 1, 0], "x": [5.0, 3.0, 2.0]})  # diffs 1, 1, 2
    row = paired_difference(base, other, ["x"]).iloc[0]
    assert row["pairs"] == 3
    assert row["diff_mean"] == pytest.approx(4 / 3)
    one = paired_difference(base, other.iloc[[0]], ["x"]).iloc[0]  # a single pair: no interval
    assert one["pairs"] == 1 and one["diff_mean"] == pytest.approx(2.0)
    assert math.isnan(one["diff_ci_low"]) and not one["significant"]


# --- comparison table and relative half-widths -------------------------------------------------------------


def test_comparison_table_rows_for_base_and_others():
    base = pd.DataFrame({"replication": [0, 1, 2], "x": [1.0, 2.0, 3.0], "y": [10.0, 10.0, 13.0]})
    other = pd.DataFrame({"replication": [1, 0, 2], "x": [4.0, 2.0, 6.0], "y": [10.0, 10.0, 13.0]})
    table = comparison_table({"base": base, "other": other}, "base")
    assert list(table["scenario"]) == ["base", "base", "other", "other"]
    assert list(table["kpi"]) == ["x", "y", "x", "y"]
    rows = table.set_index(["scenario", "kpi"])
    for column in ("diff_mean", "diff_ci_low", "diff_ci_high", "diff_std", "pairs", "significant"):
        assert column in table.columns
        assert rows.loc[("base", "x"), column] != rows.loc[("base", "x"), column]  # NaN: nothing filled
    # means and CIs of each scenario on its own
    assert rows.loc[("base", "x"), "mean"] == pytest.approx(2.0)
    assert rows.loc[("base", "x"), "ci_high"] == pytest.approx(2.0 + T_975_2 * 1.0 / math.sqrt(3))
    assert rows.loc[("other", "x"), "mean"] == pytest.approx(4.0)
    assert rows.loc[("other", "x"), "n"] == 3
    # paired x: diffs 1, 2, 3 (replication 0: 2-1, 1: 4-2, 2: 6-3)
    assert rows.loc[("other", "x"), "diff_mean"] == pytest.approx(2.0)
    assert rows.loc[("other", "x"), "diff_std"] == pytest.approx(1.0)
    assert rows.loc[("other", "x"), "diff_ci_low"] == pytest.approx(2.0 - T_975_2 / math.sqrt(3))
    assert bool(rows.loc[("other", "x"), "significant"]) is False  # 2 +- 2.48 contains 0
    assert rows.loc[("other", "y"), "diff_mean"] == 0.0
    assert bool(rows.loc[("other", "y"), "significant"]) is False


def test_comparison_table_tolerates_a_kpi_missing_from_a_scenario():
    base = pd.DataFrame({"replication": [0, 1, 2], "x": [1.0, 2.0, 3.0], "new_kpi": [1.0, 1.0, 2.0]})
    older = pd.DataFrame({"replication": [0, 1, 2], "x": [2.0, 3.0, 4.0]})  # e.g. a folder from older code
    rows = comparison_table({"base": base, "older": older}, "base").set_index(["scenario", "kpi"])
    assert rows.loc[("older", "x"), "diff_mean"] == pytest.approx(1.0)
    assert rows.loc[("older", "new_kpi"), "n"] == 0


def test_relative_half_widths_of_means_and_of_differences():
    base = pd.DataFrame({"replication": [0, 1, 2], "k": [100.0, 110.0, 90.0], "zero": [0.0, 0.0, 0.0]})
    other = pd.DataFrame({"replication": [0, 1, 2], "k": [102.0, 113.0, 91.0], "zero": [0.0, 0.0, 0.0]})
    widths = relative_half_widths({"base": base, "other": other}, "base", ["k", "zero"])
    widths = widths.set_index("quantity")["relative_half_width"]
    assert set(widths.index) == {
        "base: k",
        "base: zero",
        "other: k",
        "other: zero",
        "other - base: k",
        "other - base: zero",
    }
    # the mean's half-width relative to the mean: std 10, mean 100
    assert widths["base: k"] == pytest.approx(T_975_2 * 10 / math.sqrt(3) / 100)
    mean_o, half_o, _ = t_interval(other["k"].to_numpy())
    assert widths["other: k"] == pytest.approx(half_o / mean_o)
    # the difference (diffs 2, 3, 1: mean 2, std 1) relative to the BASE mean 100, not to its own mean 2
    assert widths["other - base: k"] == pytest.approx(T_975_2 * 1 / math.sqrt(3) / 100)
    # identically zero: known exactly, relative width 0 (not 0/0)
    assert widths["base: zero"] == 0.0 and widths["other - base: zero"] == 0.0


def test_relative_half_width_is_infinite_when_undefined():
    base = pd.DataFrame({"replication": [0], "k": [5.0]})  # one replication: no interval
    widths = relative_half_widths({"base": base}, "base", ["k"])
    assert widths["relative_half_width"].tolist() == [math.inf]
    centred = pd.DataFrame({"replication": [0, 1], "k": [-1.0, 1.0]})  # mean 0, spread: no relative width
    assert relative_half_widths({"b": centred}, "b", ["k"])["relative_half_width"].tolist() == [math.inf]


def test_run_comparison_rejects_duplicate_names():
    scenario = load_scenario(BASELINE)
    with pytest.raises(ValueError, match="must differ"):
        run_comparison([scenario, scenario], replications=2, workers=1)


# --- common random numbers --------------------------------------------------------------------------------


def test_common_random_numbers_reduce_the_variance_of_a_difference(territory):
    base = short(load_scenario(BASELINE))
    seed = base.run.seed
    # the variant's own seed differs: run_comparison must still give it the base's seed
    variant = short(load_scenario(SCENARIOS / "gers_pasteur.yaml"), seed=seed + 1000)
    n = 8
    crn = run_comparison([base, variant], replications=n, workers=1, territory=territory)
    independent = run_experiment(variant, replications=n, workers=1, territory=territory)
    assert crn.results["gers_pasteur"].scenario.run.seed == seed
    assert independent.scenario.run.seed == seed + 1000

    # Same seed: replication r of both scenarios draws the same patients.
    cols = ["replication", "episode", "arrival", "insee", "indication"]
    a, b = crn.results["baseline"].episodes, crn.results["gers_pasteur"].episodes
    assert a["replication"].nunique() == n
    pd.testing.assert_frame_equal(a[cols], b[cols])
    c = independent.episodes
    first = a[a["replication"] == 0]["arrival"].to_numpy()
    other_first = c[c["replication"] == 0]["arrival"].to_numpy()
    assert len(first) != len(other_first) or not np.allclose(first, other_first)

    base_table = crn.results["baseline"].replications.set_index("replication")
    crn_table = crn.results["gers_pasteur"].replications.set_index("replication")
    ind_table = independent.replications.set_index("replication")
    summary = crn.table.set_index(["scenario", "kpi"])
    for kpi in ("blina_bed_days_per_year", "travel_km_per_year", "bed_occupancy"):
        var_crn = (crn_table[kpi] - base_table[kpi]).var(ddof=1)
        var_ind = (ind_table[kpi] - base_table[kpi]).var(ddof=1)
        assert var_crn * 4 <= var_ind, f"{kpi}: CRN variance {var_crn:.4g}, independent {var_ind:.4g}"
        # the comparison table reports exactly this paired standard deviation
        assert summary.loc[("gers_pasteur", kpi), "diff_std"] == pytest.approx(math.sqrt(var_crn))
    # the variant does change something (otherwise the variance test above would be trivial)
    assert (crn_table["travel_km_per_year"] - base_table["travel_km_per_year"]).var(ddof=1) > 0


# --- compare folders and occisim compare --------------------------------------------------------------


def invoke(*args: str):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def compare_files(files: Sequence[Path], out: Path, **settings) -> ComparisonResult:
    """What `occisim compare FILES --workers 1 --out OUT` runs and writes, from Python."""
    comparison = run_comparison([load_scenario(f) for f in files], workers=1, **settings)
    write_comparison(comparison, out, files)
    return comparison


def test_compare_cli_prints_the_table_and_writes_the_folder(tmp_path):
    base, other = write_short_pair(tmp_path / "scenarios")
    out = tmp_path / "cmp"
    result = invoke("compare", base, other, "--workers", "1", "--out", out)
    assert "gers_short vs base_short" in result.output
    assert "comparison written to" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "base_short",
        "comparison.csv",
        "comparison.xlsx",  # for people: summary, comparison (and territory) sheets
        "gers_short",
        "manifest.json",
        "places.csv",
        "readable_comparison.csv",  # for people: KPI labels, HAD names, the reader's language
    ]


def test_compare_folder_has_table_manifest_and_result_folders(tmp_path):
    base, other = write_short_pair(tmp_path / "scenarios")
    out = tmp_path / "cmp"
    compare_files([base, other], out)

    table = pd.read_csv(out / "comparison.csv")
    expected = ["scenario", "kpi", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high"]
    assert {*expected, "significant", "std", "n"} <= set(table.columns)
    assert list(table.columns[:5]) == expected[:5]
    assert set(table["scenario"]) == {"base_short", "gers_short"}
    base_rows, other_rows = table[table["scenario"] == "base_short"], table[table["scenario"] == "gers_short"]
    assert len(base_rows) == len(other_rows) > 20
    assert base_rows[["diff_mean", "diff_ci_low", "diff_ci_high"]].isna().all().all()
    assert other_rows.set_index("kpi").loc["bed_occupancy", ["diff_ci_low", "diff_ci_high"]].notna().all()

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["base"] == "base_short"
    assert manifest["scenarios"] == ["base_short", "gers_short"]
    assert manifest["replications"] == 3
    assert manifest["replication_steps"] == [3]
    assert manifest["seed"] == load_scenario(BASELINE).run.seed
    assert "precision" not in manifest and not (out / "precision.csv").exists()

    loaded = {name: load_results(out / name) for name in manifest["scenarios"]}
    for name, res in loaded.items():
        assert res.manifest["scenario"] == name
        assert res.manifest["seed"] == manifest["seed"]
        assert res.replications["replication"].tolist() == [0, 1, 2]
        assert res.scenario.run.years == 1.5 and res.scenario.run.warmup_days == 60
        assert Path(res.manifest["scenario_file"]) == (tmp_path / "scenarios" / f"{name}.yaml").resolve()
        assert len(res.episodes) and len(res.daily) and len(res.admissions)
    assert loaded["gers_short"].scenario.territory.merge == {"croix_rouge_gers": "pasteur"}
    # the written difference is the paired one, recomputable from the two replications.csv
    kpi = "travel_km_per_year"
    diffs = (
        loaded["gers_short"].replications.set_index("replication")[kpi]
        - loaded["base_short"].replications.set_index("replication")[kpi]
    )
    assert other_rows.set_index("kpi").loc[kpi, "diff_mean"] == pytest.approx(diffs.mean())
    # common random numbers survive into the written episodes
    cols = ["replication", "episode", "arrival", "insee"]
    pd.testing.assert_frame_equal(loaded["base_short"].episodes[cols], loaded["gers_short"].episodes[cols])

    # the manifest says what the folder is; `occisim report` expands it into the scenarios' folders
    assert manifest["kind"] == "comparison"
    assert is_comparison_folder(out) and not is_comparison_folder(out / "base_short")
    assert result_folders([out, out / "gers_short"]) == [
        out / "base_short",
        out / "gers_short",
        out / "gers_short",
    ]
    del manifest["kind"]  # folders written before the manifest said its kind are still recognised
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert is_comparison_folder(out)
    (out / "comparison.csv").unlink()
    assert not is_comparison_folder(out)


def test_compare_target_precision_stops_when_reached(tmp_path):
    base, other = write_short_pair(tmp_path / "scenarios")
    out = tmp_path / "cmp"
    cap = 40
    comparison = compare_files([base, other], out, replications=3, target_precision=0.5, max_replications=cap)
    manifest = json.loads((out / "manifest.json").read_text())
    precision = manifest["precision"]
    steps = manifest["replication_steps"]
    assert precision["reached"] is True
    assert precision["target_relative_half_width"] == 0.5 and precision["cap"] == cap
    assert precision["replications_needed"] == manifest["replications"] == steps[-1]
    assert precision["replications_needed"] < cap  # stopped when reached, not at the cap
    assert steps[0] == 3 and all(b > a for a, b in itertools.pairwise(steps))
    assert all(b <= 2 * a for a, b in itertools.pairwise(steps))  # at most doubles per step
    widths = pd.read_csv(out / "precision.csv")
    assert (widths["relative_half_width"] <= 0.5).all()
    assert any(" - base_short: " in q for q in widths["quantity"])  # differences are controlled too
    for name in manifest["scenarios"]:
        assert len(load_results(out / name).replications) == steps[-1]
    assert "precision target 50.0%: reached" in precision_message(comparison)


def test_compare_target_precision_stops_at_the_cap(tmp_path):
    base, other = write_short_pair(tmp_path / "scenarios")
    out = tmp_path / "cmp"
    comparison = compare_files(
        [base, other], out, replications=3, target_precision=0.0001, max_replications=12
    )
    manifest = json.loads((out / "manifest.json").read_text())
    precision = manifest["precision"]
    assert precision["reached"] is False
    assert precision["cap"] == 12
    assert precision["replications_needed"] == 12 == manifest["replications"]
    assert manifest["replication_steps"][0] == 3 and manifest["replication_steps"][-1] == 12
    widths = pd.read_csv(out / "precision.csv")
    assert (widths["relative_half_width"] > 0.0001).any()
    assert len(load_results(out / "gers_short").replications) == 12
    assert "NOT reached" in precision_message(comparison)
