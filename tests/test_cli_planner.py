"""The command line as a planner meets it: compare folders named for their scenarios and never
written over another comparison; --set what-ifs; psa --outcome; warmup --write that keeps a
documented warm-up; precision messages naming the KPIs; tables at 80 columns; plain progress."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from rich.console import Console
from short_scenarios import write_short
from typer.testing import CliRunner

from sim.cli import app
from sim.cli.experiments import MAX_FOLDER_NAME, comparison_folder_name
from sim.measures.catalogue import TERMINAL_KPIS
from sim.outputs import terminal
from sim.outputs.i18n import number
from sim.scenario.files import load_scenario

OCCISIM = Path(sys.executable).with_name("occisim")


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def words(text: str) -> str:
    """Printed text with its line wrapping undone."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("planner")
    return {
        "base": write_short(folder, "baseline", "base_p"),
        "gers": write_short(folder, "gers_pasteur", "gers_p"),
        "home": write_short(folder, "home_bag_change", "home_p"),
        "folder": folder,
    }


def _scenarios(folder: Path) -> list[str]:
    return json.loads((folder / "manifest.json").read_text())["scenarios"]


# --- compare folders ------------------------------------------------------------------------------


def test_compare_folders_are_named_for_their_scenarios_and_never_replace_another(
    files, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    first = invoke("compare", files["base"], files["gers"], "--workers", "1")
    assert first.exit_code == 0, first.output
    gers = tmp_path / "results" / "compare-base_p-vs-gers_p"
    assert _scenarios(gers) == ["base_p", "gers_p"]
    second = invoke("compare", files["base"], files["home"], "--workers", "1")
    assert second.exit_code == 0, second.output
    home = tmp_path / "results" / "compare-base_p-vs-home_p"
    assert _scenarios(home) == ["base_p", "home_p"] and _scenarios(gers) == ["base_p", "gers_p"]

    before = (home / "comparison.csv").read_bytes()
    refused = invoke("compare", files["base"], files["gers"], "--out", home, "--workers", "1")
    assert refused.exit_code == 2
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("error: ") and "holds another comparison (base_p vs home_p)" in line
    assert (home / "comparison.csv").read_bytes() == before

    again = invoke("compare", files["base"], files["gers"], "--workers", "1")  # the same comparison
    assert again.exit_code == 0, again.output
    assert _scenarios(gers) == ["base_p", "gers_p"]


def test_a_long_scenario_set_is_named_by_a_short_hash():
    names = ["baseline", *(f"scenario_with_a_long_name_{i}" for i in range(8))]
    name = comparison_folder_name(names)
    assert len(name) <= MAX_FOLDER_NAME and name.startswith("compare-baseline-vs-8-scenarios-")
    assert comparison_folder_name([*names[:-1], "another"]) != name
    assert comparison_folder_name(["a", "b", "c"]) == "compare-a-vs-b-c"


# --- --set ----------------------------------------------------------------------------------------


def test_run_set_changes_the_scenario_and_names_the_folder_after_it(files, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("run", files["base"], "--set", "beds.capacity=20", "--workers", "1")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "results" / "base_p_beds.capacity_20"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["resolved_scenario"]["beds"]["capacity"] == 20
    assert manifest["scenario"] == "base_p_beds.capacity_20"
    assert load_scenario(files["base"]).beds.capacity == 18  # the file is not edited


@pytest.mark.parametrize(
    "setting, message",
    [
        (
            "beds.capcity=20",
            "--set beds.capcity: expected a key of beds (background, capacity, priorities), found",
        ),
        ("beds.capacity=-2", "--set beds.capacity: expected greater than or equal to 1, found -2"),
        ("beds.capacity=yes", "--set beds.capacity: expected a valid integer, found 'yes'"),
        ("run.years=.nan", "--set run.years: expected a finite number"),
        ("beds.capacity", "--set 'beds.capacity': expected key.path=value, e.g. beds.capacity=20"),
        # a misspelt section: every key listed (territory was cut off at 12), the nearest one named
        ("territoire.authorise=[udsma]", "--set territoire.authorise: expected a key of the scenario ("),
        ("territoire.authorise=[udsma]", "territory), found 'territoire' (did you mean territory?)"),
        # an HAD id checked against the territory: the value is the command line's, not the file's
        ("territory.authorise=[gers]", "--set territory.authorise: expected an HAD id of geo/had.csv"),
    ],
)
def test_a_bad_setting_is_refused_in_one_line_naming_the_key(files, tmp_path, setting, message):
    for command in ("run", "compare"):
        result = invoke(command, files["base"], "--set", setting, "--out", tmp_path / "x")
        assert result.exit_code == 2
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: --set ") and message in line, line
        assert not (tmp_path / "x").exists()


def test_compare_with_settings_alone_compares_the_base_with_its_what_if(files, tmp_path):
    out = tmp_path / "what_if"
    result = invoke("compare", files["base"], "--set", "beds.capacity=24", "--workers", "1", "--out", out)
    assert result.exit_code == 0, result.output
    assert _scenarios(out) == ["base_p", "base_p_beds.capacity_24"]
    table = pd.read_csv(out / "comparison.csv").set_index(["scenario", "kpi"])
    assert table.loc[("base_p_beds.capacity_24", "bed_occupancy"), "diff_mean"] < 0  # more beds, less full
    nothing = invoke("compare", files["base"], "--out", tmp_path / "none")
    assert nothing.exit_code == 2 and "expected scenario files to compare with the base" in nothing.stderr


# --- psa --outcome --------------------------------------------------------------------------------


def test_psa_says_when_its_outcome_never_changes_and_takes_another(files, tmp_path):
    short = ["--iterations", "2", "--replications", "1", "--workers", "1"]
    same = invoke("psa", files["base"], files["home"], *short, "--out", tmp_path / "a")
    assert same.exit_code == 0, same.output
    said = words(same.stdout)
    assert "is the same in both scenarios in every draw: no cost-effectiveness ratio" in said
    assert "nan" not in said and "--outcome trips_per_year --outcome-direction decrease" in said

    trips = ["--outcome", "trips_per_year", "--outcome-direction", "decrease"]
    other = invoke("psa", files["base"], files["home"], *short, *trips, "--out", tmp_path / "b")
    assert other.exit_code == 0, other.output
    said = words(other.stdout)
    assert "incremental effect (trips from home per year (bag changes, visits), avoided)" in said
    assert "ratio of means:" in said and "nan" not in said
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert (manifest["outcome"], manifest["outcome_direction"]) == ("trips_per_year", "decrease")
    draws = pd.read_csv(tmp_path / "b" / "psa_draws.csv")
    assert (draws["incremental_effect"] > 0).all()  # bag changes at home avoid trips in every draw

    bad = invoke("psa", files["base"], files["home"], "--outcome", "not a kpi!", "--out", tmp_path / "c")
    assert bad.exit_code == 2 and "--outcome 'not a kpi!': expected a KPI name" in bad.stderr


# --- warmup --write -------------------------------------------------------------------------------


def test_warmup_write_never_lowers_a_documented_warmup_without_force(tmp_path):
    path = tmp_path / "documented.yaml"
    baseline = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
    path.write_text(
        f"extends: {baseline}\nname: documented\nrun:\n"
        "  warmup_days: 365   # assumption: one year primes HAD experience\n",
        encoding="utf-8",
    )
    before = path.read_bytes()
    probe = ["--replications", "2", "--days", "100", "--workers", "1"]
    kept = invoke("warmup", path, *probe, "--out", tmp_path / "w1", "--write")
    assert kept.exit_code == 0, kept.output
    assert "run.warmup_days: kept at 365 days" in words(kept.stdout) and "--force" in kept.stdout
    assert path.read_bytes() == before
    in_french = invoke("warmup", path, *probe, "--out", tmp_path / "w0", "--write", "--lang", "fr")
    assert in_french.exit_code == 0, in_french.output
    assert "run.warmup_days : laissé à 365 jours" in words(in_french.stdout) and "--force" in in_french.stdout
    assert path.read_bytes() == before

    lowered = invoke("warmup", path, *probe, "--out", tmp_path / "w2", "--write", "--force")
    assert lowered.exit_code == 0, lowered.output
    line = next(x for x in path.read_text(encoding="utf-8").splitlines() if "warmup_days:" in x)
    assert load_scenario(path).run.warmup_days < 365
    assert "was 365" in line and "assumption: one year primes HAD experience" in line


# --- precision, tables, progress ------------------------------------------------------------------


def test_a_missed_precision_target_names_the_kpis_that_missed():
    worst = pd.DataFrame(
        {
            "quantity": ["base: bed_occupancy", "gers - base: planned_wait_p95_days", "gers: km_per_episode"],
            "relative_half_width": [0.01, 0.30, 0.08],
        }
    )
    precision = SimpleNamespace(target=0.05, reached=False, replications=40, cap=40, worst=worst)
    message = terminal.precision_message(SimpleNamespace(precision=precision, history=[10, 20, 40]))
    assert "NOT reached" in message
    missed = message.split("missed by: ")[1]
    assert missed.startswith("gers - base: planned admission wait, p95")
    assert "gers: km travelled per episode (8.0%)" in missed and "occupancy" not in missed


@pytest.fixture(scope="module")
def printed_at_80(files, tmp_path_factory):
    out = tmp_path_factory.mktemp("narrow") / "cmp"
    env = {**os.environ, "COLUMNS": "80", "OCCISIM_LANG": ""}
    done = subprocess.run(
        [OCCISIM, "compare", files["base"], files["gers"], "--workers", "1", "--out", out],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout, pd.read_csv(out / "comparison.csv")


def test_tables_fit_80_columns_and_no_number_is_cut(printed_at_80):
    stdout, table = printed_at_80
    lines = stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in stdout
    means = table.set_index(["scenario", "kpi"])["mean"]
    for key, _, fmt in TERMINAL_KPIS:
        if ("gers_p", key) in means.index:
            assert number(means[("gers_p", key)], fmt) in stdout, key


def test_a_number_column_is_as_wide_as_its_widest_number():
    mean, interval = "1,380,300", "[1,350,000, 1,410,000]"
    layouts = (f"{mean} {interval}", f"{mean}\n{interval}", f"{mean}\n[1,350,000,\n1,410,000]")
    rows = [("a label long enough to wrap over several lines of the table", [(layouts, "")])]
    for width in (40, 60, 80, 120):
        console = Console(width=width, record=True)
        console.print(terminal.fitted_table("t", "KPI", ["mean [95% CI]"], rows, width=width))
        shown = console.export_text()
        assert "1,380,300" in shown and "1,410,000]" in shown and "…" not in shown
        assert max(len(line) for line in shown.splitlines()) <= width


def test_plain_progress_lines_when_not_a_terminal(monkeypatch):
    console = Console(record=True, width=80, force_terminal=False)
    monkeypatch.setattr(terminal, "err_console", console)
    monkeypatch.setattr(terminal, "PLAIN_PROGRESS_AFTER_S", 0.0)
    with terminal.progress_bar("replications", 20) as advance:
        for _ in range(20):
            advance(1)
    lines = console.export_text().splitlines()
    assert lines[0] == "replications 2/20" and lines[-1] == "replications 20/20"
    assert len(lines) == 10
    with terminal.progress_bar("replications", None) as advance:  # the total learned on the way
        advance(5, 10)
        advance(5)
    assert console.export_text().splitlines()[-2:] == ["replications 5/10", "replications 10/10"]


def test_territory_tables_at_80_columns_cut_no_number(territory):
    console = Console(width=80, record=True)
    heading = terminal.territory_heading([], [])
    console.print(*terminal.territory_tables(territory, heading))
    shown = console.export_text()
    assert "…" not in shown and max(len(line) for line in shown.splitlines()) <= 80
    for population in territory.coverage_table()["population"]:
        assert f"{population:,d}" in shown
