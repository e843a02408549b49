"""Warm-up analysis: Welch's moving average, MSER-5, the scenario-file edit, and `occisim warmup`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.measures.warmup import mser, suggest_warmup_days, welch_moving_average
from sim.runs.calibration import probe_warmup
from sim.scenario.edit import set_warmup_days
from sim.scenario.files import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
PROBE = ["--replications", "3", "--days", "400", "--workers", "1"]  # a short probe from empty beds


def ramp_then_noise(seed: int, ramp: int = 200, rest: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.concatenate([np.linspace(0.0, 10.0, ramp), 10.0 + rng.normal(0.0, 1.0, rest)])


# --- Welch's moving average -----------------------------------------------------------------------------


def test_welch_of_a_constant_is_the_constant_where_defined():
    out = welch_moving_average(np.full(50, 7.5), window=5)
    assert out.shape == (50,)
    np.testing.assert_allclose(out[:45], 7.5)
    assert np.isnan(out[45:]).all()  # the last `window` points have no full window


def test_welch_hand_computed_with_shrinking_window_at_the_start():
    series = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0])
    out = welch_moving_average(series, window=2)
    expected = [1.0, 7 / 3, 31 / 5, 62 / 5, 124 / 5, 248 / 5]  # 1, 3 then 5 points, centred
    np.testing.assert_allclose(out[:6], expected)
    assert np.isnan(out[6:]).all()
    line = np.arange(100, dtype=float) * 0.3 + 2.0  # a centred average leaves a straight line unchanged
    np.testing.assert_allclose(welch_moving_average(line, 10)[:90], line[:90])


# --- MSER-5 -------------------------------------------------------------------------------------------


def test_mser_hand_computed():
    series = np.array([0.0] * 5 + [10.0] * 15)  # batch means 0, 10, 10, 10
    cut, statistic = mser(series)
    assert cut == 5  # one batch of 5 observations
    assert statistic.shape == (4,)
    assert statistic[0] == pytest.approx((7.5**2 + 3 * 2.5**2) / 4**2)  # 4.6875
    assert statistic[1] == 0.0
    assert np.isinf(statistic[2:]).all()  # only the first half is searched
    # batch means, not raw values: an outlier inside the first batch is averaged in it
    assert mser(np.array([0, 0, 0, 0, 50.0] + [10.0] * 15))[0] == 0


def test_mser_finds_the_end_of_a_ramp():
    for seed in (0, 1, 2):
        cut, statistic = mser(ramp_then_noise(seed))
        assert 100 <= cut <= 400, (seed, cut)
        assert cut % 5 == 0
        assert np.isinf(statistic[len(statistic) // 2 :]).all()


def test_mser_of_a_stationary_series_cuts_little():
    for seed in (0, 1, 2):
        series = np.random.default_rng(seed).normal(10.0, 1.0, 2000)
        assert mser(series)[0] <= 50, seed


def test_mser_needs_four_batches():
    with pytest.raises(ValueError, match="at least 20 observations"):
        mser(np.arange(19.0))
    assert mser(np.arange(20.0))[0] in (0, 5)


def test_suggest_warmup_days_averages_over_replications():
    daily = np.vstack([ramp_then_noise(seed) for seed in range(3)])  # rows: replications, columns: days
    suggested = suggest_warmup_days(daily)
    assert suggested == mser(daily.mean(axis=0))[0]
    assert 100 <= suggested <= 400


# --- occisim warmup -----------------------------------------------------------------------------------


def suggestion(output: str) -> int:
    match = re.search(r"suggested warm-up.*?(\d+) days", output, flags=re.S)
    assert match, output
    return int(match.group(1))


def test_warmup_cli_writes_plot_and_table(tmp_path):
    out = tmp_path / "wu"
    before = BASELINE.read_bytes()
    result = CliRunner().invoke(app, ["warmup", str(BASELINE), *PROBE, "--out", str(out)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    days = suggestion(result.output)
    assert "the scenario has" in result.output
    assert (out / "warmup.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = pd.read_csv(out / "warmup.csv")
    assert list(table.columns) == ["day", "mean_beds", "welch"]
    assert table["day"].tolist() == list(range(400))
    assert table["welch"].iloc[:370].notna().all() and table["welch"].iloc[370:].isna().all()  # window 30
    # the suggestion is MSER-5 of the series written, searched over its first half
    assert days == mser(table["mean_beds"].to_numpy())[0]
    assert 0 <= days < 200
    # the probe starts from empty beds and fills up
    capacity = load_scenario(BASELINE).beds.capacity
    assert table["mean_beds"].iloc[0] < 3 < table["mean_beds"].iloc[200:].mean() <= capacity
    assert BASELINE.read_bytes() == before  # without --write the file is left alone


def test_warmup_write_updates_a_variant_file(tmp_path):
    shutil.copy(BASELINE, tmp_path / "baseline.yaml")
    variant = tmp_path / "gers_pasteur.yaml"
    shutil.copy(SCENARIOS / "gers_pasteur.yaml", variant)
    original = variant.read_text(encoding="utf-8")
    baseline_before = (tmp_path / "baseline.yaml").read_bytes()
    days = probe_warmup(load_scenario(variant), replications=3, days=400, window=30, workers=1).suggested_days
    set_warmup_days(variant, days, force=True)  # the probe may suggest less than the inherited 365

    text = variant.read_text(encoding="utf-8")
    assert text.startswith(original)  # every original line and comment kept, in place
    assert "# announced takeover by Clinique Pasteur's HAD (003:6029-6035)" in text
    assert len(re.findall(r"^\s+warmup_days:", text, flags=re.M)) == 1
    scenario = load_scenario(variant)
    assert scenario.run.warmup_days == days
    assert scenario.run.years == load_scenario(BASELINE).run.years  # the rest of run: still inherited
    assert scenario.territory.merge == {"croix_rouge_gers": "pasteur"}
    assert (tmp_path / "baseline.yaml").read_bytes() == baseline_before  # the parent is not edited


def test_warmup_cli_write_sets_the_suggestion_and_says_so(tmp_path):
    path = tmp_path / "gers_pasteur.yaml"
    path.write_text(f"extends: {SCENARIOS / 'gers_pasteur.yaml'}\n", encoding="utf-8")
    probe = ["--replications", "2", "--days", "100", "--workers", "1"]  # the shortest probe allowed
    result = CliRunner().invoke(
        app, ["warmup", str(path), *probe, "--out", str(tmp_path / "wu"), "--write", "--force"]
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    days = suggestion(result.output)
    assert "run.warmup_days set to" in result.output
    assert load_scenario(path).run.warmup_days == days


# --- the file edit behind --write -------------------------------------------------------------------------


def test_set_warmup_replaces_an_existing_value_in_place(tmp_path):
    path = tmp_path / "baseline.yaml"
    shutil.copy(BASELINE, path)
    before = path.read_text(encoding="utf-8").splitlines()
    set_warmup_days(path, 123, force=True)
    after = path.read_text(encoding="utf-8").splitlines()
    assert len(after) == len(before)
    changed = [i for i, (a, b) in enumerate(zip(before, after)) if a != b]
    assert len(changed) == 1 and re.match(r"^  warmup_days: 123\s+#", after[changed[0]])
    assert before[changed[0]].lstrip().startswith("warmup_days:")
    scenario = load_scenario(path)
    assert scenario.run.warmup_days == 123
    assert scenario.run.years == load_scenario(BASELINE).run.years
    set_warmup_days(path, 45, force=True)  # again: updated, not duplicated
    assert path.read_text(encoding="utf-8").count("warmup_days:") == 1
    assert load_scenario(path).run.warmup_days == 45


def test_set_warmup_inserts_into_a_run_block_without_it(tmp_path):
    path = tmp_path / "variant.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: variant\nrun:   # short runs\n  years: 2   # analyst\n"
        "  replications: 4\nbeds:\n  capacity: 20   # what-if\n",
        encoding="utf-8",
    )
    set_warmup_days(path, 77, force=True)
    text = path.read_text(encoding="utf-8")
    assert "run:   # short runs\n" in text and "years: 2   # analyst\n" in text and "# what-if\n" in text
    scenario = load_scenario(path)
    assert (scenario.run.warmup_days, scenario.run.years, scenario.run.replications) == (77, 2, 4)
    assert scenario.beds.capacity == 20


def test_set_warmup_on_a_file_without_final_newline(tmp_path):
    path = tmp_path / "variant.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: variant\nbeds:\n  capacity: 20   # what-if", encoding="utf-8"
    )
    set_warmup_days(path, 42, force=True)
    scenario = load_scenario(path)
    assert scenario.run.warmup_days == 42 and scenario.beds.capacity == 20


def test_set_warmup_with_a_flow_style_run_mapping(tmp_path):
    path = tmp_path / "variant.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: variant\nrun: {{years: 2, warmup_days: 30}}\n", encoding="utf-8"
    )
    assert load_scenario(path).run.years == 2
    set_warmup_days(path, 42, force=True)
    scenario = load_scenario(path)
    assert scenario.run.warmup_days == 42
    assert scenario.run.years == 2  # fails: back to the baseline's 5 years
