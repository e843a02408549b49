"""Nothing lost, nothing silent: where occisim writes, and what a run says about itself.

- No command deletes or hides what it did not write: a user's folder, a file, a folder holding other
  results, a result folder with other files in it are refused, before any simulation; an earlier
  result of the same kind is replaced only once the new one is complete, or refused with
  --no-overwrite; folders follow the user's umask; scratch folders of a killed run are cleaned.
- Waits include the requests still waiting at the end (censored); a run whose bed queue grows
  without bound, or whose episodes never start, warns, is flagged in summary.csv and the manifest,
  and the report opens with a banner.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.model.records import PLANNED
from sim.outputs.excel import Readable
from sim.outputs.folders import load_results, write_comparison, write_results
from sim.outputs.report import EARLIER_HEAD, REPORT_MARK, build_report
from sim.outputs.study_folders import write_psa, write_sensitivity, write_territory, write_warmup
from sim.outputs.writing import (
    COMPARISON,
    FILES,
    HOST,
    MARKER,
    PSA,
    RUN,
    SENSITIVITY,
    TERRITORY,
    WARMUP,
    OutputError,
    atomic_output_dir,
    check_output_dir,
    check_output_file,
    folder_kind,
)
from sim.runs.calibration import probe_warmup
from sim.runs.compare import run_comparison
from sim.runs.replications import run_experiment
from sim.runs.sensitivity import one_way, one_way_warnings, psa, study_warning
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import SensitivityParameter

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
runner = CliRunner()


def short(**values: float):
    """The baseline, 0.3 years after a 10-day warm-up, with values at dotted key paths."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    return with_values(base, {"run.years": 0.3, "run.warmup_days": 10.0, **values}, origin="test")


def short_file(folder: Path, name: str = "short", extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: {name}\n"
        f"run: {{years: 0.3, warmup_days: 10}}\n{extra}",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def result():
    return run_experiment(short(), replications=2, workers=1)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- every folder is ours, and says so -----------------------------------------------------------------


def test_every_writer_marks_its_folder_and_writes_only_its_kinds_files(tmp_path, result, territory):
    scenario = short()
    other = short(**{"beds.capacity": 20}).model_copy(update={"name": "b20"})
    comparison = run_comparison([scenario, other], replications=2, workers=1)
    price = SensitivityParameter(key="costs.had_day_eur", low=150, high=350)
    table = one_way(scenario, [price], ["cost_total_per_year"], 1, workers=1)
    written = {
        RUN: write_results(result, tmp_path / "run"),
        COMPARISON: write_comparison(comparison, tmp_path / "cmp", [SCENARIOS / "baseline.yaml"] * 2),
        SENSITIVITY: write_sensitivity(table, ["cost_total_per_year"], tmp_path / "sens", scenario),
        WARMUP: write_warmup(probe_warmup(scenario, 2, 100, 10, workers=1), scenario, tmp_path / "warm"),
        PSA: write_psa(psa(scenario, scenario, 2, 1, workers=1), scenario, scenario, tmp_path / "psa"),
        TERRITORY: write_territory(territory, "status quo", tmp_path / "terr"),
    }
    for kind, folder in written.items():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["created_by"] == "occisim" and manifest["kind"] == kind
        assert folder_kind(folder) == kind
        check_output_dir(folder, kind)  # ours, of its kind, nothing else in it: may be replaced
        assert {p.name for p in folder.iterdir() if p.is_file()} >= {FILES[kind][0], FILES[kind][1]}
    assert list(comparison.results) == ["baseline", "b20"]
    for name in comparison.results:
        assert folder_kind(written[COMPARISON] / name) == RUN


def test_older_folders_are_recognised_by_their_manifest_keys_or_their_files(tmp_path, result):
    run = write_results(result, tmp_path / "run")
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    del manifest["created_by"], manifest["kind"]
    (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert folder_kind(run) == RUN
    old_sensitivity = tmp_path / "sens"
    old_sensitivity.mkdir()
    for name in ("sensitivity.csv", "tornado_cost_total_per_year.png"):
        (old_sensitivity / name).write_text("x", encoding="utf-8")
    assert folder_kind(old_sensitivity) == SENSITIVITY
    (old_sensitivity / "notes.txt").write_text("mine", encoding="utf-8")
    assert folder_kind(old_sensitivity) is None


# --- what is refused, and left as it was ---------------------------------------------------------------


@pytest.mark.parametrize("make", ["user folder", "folder of results", "file", "symlink", "dot"])
def test_run_refuses_what_it_did_not_write_before_simulating(tmp_path, result, monkeypatch, make):
    scenario = short_file(tmp_path / "s")
    out = tmp_path / "out"
    if make == "user folder":
        out.mkdir()
        (out / "thesis.docx").write_text("months of work", encoding="utf-8")
    elif make == "folder of results":
        write_results(result, out / "other_run")
    elif make == "file":
        out.write_text("a file", encoding="utf-8")
    elif make == "symlink":
        (tmp_path / "elsewhere").mkdir()
        out.symlink_to(tmp_path / "elsewhere")
    else:
        out = tmp_path / "s" / ".."
    before = snapshot(tmp_path)

    def no_simulation(*args, **kwargs):
        raise AssertionError("the output path must be refused before any simulation")

    monkeypatch.setattr("sim.runs.replications.run_experiment", no_simulation)
    outcome = runner.invoke(app, ["run", str(scenario), "--out", str(out), "--workers", "1"])
    assert outcome.exit_code == 2, outcome.output
    (line,) = outcome.output.splitlines()
    assert line.startswith("error: ") and "Traceback" not in outcome.output
    assert snapshot(tmp_path) == before  # nothing deleted, hidden or added
    assert not [p for p in tmp_path.rglob(".*") if ".old-" in p.name or ".partial-" in p.name]


def test_results_folder_itself_is_refused_and_keeps_every_result(tmp_path, result, monkeypatch):
    write_results(result, tmp_path / "results" / "baseline")
    write_results(result, tmp_path / "results" / "demand_x3")
    before = snapshot(tmp_path / "results")
    monkeypatch.chdir(tmp_path)
    outcome = runner.invoke(app, ["run", str(short_file(tmp_path / "s")), "--out", "results"])
    assert outcome.exit_code == 2
    assert "not an occisim result" in outcome.output
    assert snapshot(tmp_path / "results") == before


def test_a_result_folder_with_other_files_in_it_is_refused(tmp_path, result):
    folder = write_results(result, tmp_path / "run")
    (folder / "my_notes.txt").write_text("kept", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds files occisim did not write there \(\['my_notes.txt'\]\)"):
        write_results(result, folder)
    assert (folder / "my_notes.txt").read_text(encoding="utf-8") == "kept"


def test_an_occisim_folder_of_another_kind_is_refused(tmp_path, result):
    folder = write_results(result, tmp_path / "run")
    with pytest.raises(OutputError, match="holds an occisim run folder, not a territory one"):
        check_output_dir(folder, TERRITORY)


def test_an_earlier_result_is_replaced_once_complete_or_refused_with_no_overwrite(tmp_path, result):
    folder = write_results(result, tmp_path / "run")
    before = snapshot(folder)
    with pytest.raises(RuntimeError, match="half-way"), atomic_output_dir(folder, RUN) as scratch:
        (scratch / "summary.csv").write_text("half", encoding="utf-8")
        raise RuntimeError("half-way")
    assert snapshot(folder) == before
    with pytest.raises(OutputError, match="--no-overwrite"):
        write_results(result, folder, overwrite=False)
    assert snapshot(folder) == before
    write_results(result, folder)  # replaced: the same run writes the same tables
    assert snapshot(folder).keys() == before.keys()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no scratch, no old folder left


def test_cli_no_overwrite_refuses_before_running(tmp_path, result, monkeypatch):
    folder = write_results(result, tmp_path / "run")
    before = snapshot(folder)
    monkeypatch.setattr("sim.runs.replications.run_experiment", lambda *a, **k: pytest.fail("ran"))
    outcome = runner.invoke(
        app, ["run", str(short_file(tmp_path / "s")), "--out", str(folder), "--no-overwrite"]
    )
    assert outcome.exit_code == 2 and "--no-overwrite" in outcome.output
    assert snapshot(folder) == before


def test_unwritable_places_are_refused_in_one_line(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for target in (tmp_path / "file" / "out", Path("/proc/occisim_out"), tmp_path / ("x" * 5000)):
        with pytest.raises(OutputError) as info:
            check_output_dir(target, RUN)
        assert "\n" not in str(info.value) and len(str(info.value)) < 500


@pytest.mark.parametrize("name", [".", "..", "a/b", "../up", "a\\b", "", "a" * 101])
def test_scenario_names_that_are_no_folder_name_are_refused(tmp_path, name):
    path = short_file(tmp_path, "variant")
    path.write_text(path.read_text(encoding="utf-8").replace("name: variant", f"name: {json.dumps(name)}"))
    with pytest.raises(ScenarioError, match="name"):
        load_scenario(path)


def test_a_saved_scenario_this_version_refuses_is_one_line_naming_the_folder(tmp_path, result):
    folder = write_results(result, tmp_path / "old_run")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["resolved_scenario"]["beds"]["capacity"] = 5000  # above today's bound
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        _ = load_results(folder).scenario
    (message,) = info.value.messages
    assert message.startswith(f"{folder}: manifest.json: resolved_scenario.beds.capacity: expected")
    outcome = runner.invoke(app, ["report", str(folder), "--out", str(tmp_path / "r.html")])
    assert outcome.exit_code == 2 and len(outcome.output.splitlines()) == 1, outcome.output


def test_a_report_never_replaces_another_file(tmp_path):
    mine = tmp_path / "mine.html"
    mine.write_text("<html>my own page</html>", encoding="utf-8")
    with pytest.raises(OutputError, match="not written by occisim"):
        check_output_file(mine, "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>occisim")
    with pytest.raises(OutputError, match="not a regular file"):
        check_output_file(tmp_path, "<!DOCTYPE")


def test_a_report_in_either_language_or_of_an_earlier_version_is_replaced_and_nothing_else(tmp_path, result):
    folder = write_results(result, tmp_path / "run")
    target = tmp_path / "report.html"
    for lang in ("fr", "en", "fr"):  # each replaces the one before, whatever their languages
        outcome = runner.invoke(app, ["report", str(folder), "--lang", lang, "--out", str(target)])
        assert outcome.exit_code == 0, outcome.output
        assert f"<html lang='{lang}'>" in target.read_text(encoding="utf-8")
    # as reports began before their language was on <html>: still ours
    target.write_text(EARLIER_HEAD + "</head><body>an old report</body></html>", encoding="utf-8")
    outcome = runner.invoke(app, ["report", str(folder), "--out", str(target)])
    assert outcome.exit_code == 0 and "an old report" not in target.read_text(encoding="utf-8")
    # a page that merely looks like one (the mark not at its beginning) is somebody else's
    theirs = tmp_path / "theirs.html"
    theirs.write_text(f"<!-- my notes -->{REPORT_MARK}<html lang='fr'></html>", encoding="utf-8")
    outcome = runner.invoke(app, ["report", str(folder), "--out", str(theirs)])
    assert outcome.exit_code == 2 and "not written by occisim" in outcome.output
    assert theirs.read_text(encoding="utf-8").startswith("<!-- my notes -->")


# --- folders follow the umask; leftovers of a killed run are cleaned -----------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o002, 0o775), (0o077, 0o700)])
def test_result_folders_follow_the_umask(tmp_path, result, umask, mode):
    previous = os.umask(umask)
    try:
        folder = write_results(result, tmp_path / "run")
    finally:
        os.umask(previous)
    assert folder.stat().st_mode & 0o777 == mode
    assert (folder / "summary.csv").stat().st_mode & 0o777 == mode & 0o666


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_leftovers_of_a_dead_run_are_cleaned_by_the_next_write_beside_them(tmp_path, result):
    dead = dead_pid()
    stale = tmp_path / f".killed.partial-{HOST}-{dead}-0badc0de"
    stale.mkdir()
    (stale / MARKER).write_text(json.dumps({"host": HOST, "pid": dead}), encoding="utf-8")
    (stale / "summary.csv").write_text("half", encoding="utf-8")
    unmarked = tmp_path / f".user.partial-{HOST}-{dead}-0badc0de"  # looks like ours, but no marker
    unmarked.mkdir()
    alive = tmp_path / f".running.partial-{HOST}-{os.getpid()}-0badc0de"  # a run still going
    alive.mkdir()
    (alive / MARKER).write_text("{}", encoding="utf-8")
    other_host = tmp_path / f".elsewhere.partial-00000000-{dead}-0badc0de"  # a shared folder
    other_host.mkdir()
    (other_host / MARKER).write_text("{}", encoding="utf-8")
    # a run killed between its two renames: the old result, put aside, whose replacement never came
    put_aside = write_results(result, tmp_path / "first").rename(
        tmp_path / f".earlier.old-{HOST}-{dead}-0badc0de"
    )
    write_results(result, tmp_path / "second")
    assert not stale.exists()
    assert unmarked.exists() and alive.exists() and other_host.exists()
    assert not put_aside.exists() and folder_kind(tmp_path / "earlier") == RUN


# --- censoring and stability ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def saturated():
    """One bed for the unit: the queue grows for ever."""
    return run_experiment(short(**{"beds.capacity": 1}), replications=2, workers=1)


@pytest.fixture(scope="module")
def demand_x50():
    return run_experiment(
        short(**{"blinatumomab.arrivals.episodes_per_year": 410}), replications=2, workers=1
    )


def test_waits_count_the_requests_still_waiting_at_the_end(saturated):
    summary = saturated.summary.set_index("kpi")["mean"]
    assert summary["planned_waits_censored"] > 0
    assert summary["planned_wait_mean_days"] > 30  # not the 0.0 of the admitted few
    admissions = saturated.admissions
    planned = admissions[(admissions["replication"] == 0) & (admissions["kind"] == PLANNED)]
    served = planned.loc[
        planned["request"].between(10, short().run.horizon, inclusive="left"), "wait"
    ].dropna()
    first = saturated.replications.iloc[0]
    assert first["planned_waits_censored"] > 0 and first["planned_wait_mean_days"] > 30
    # left out, they would leave the mean of the few admitted (or none: NaN), biased low
    assert served.empty or first["planned_wait_mean_days"] > served.mean()
    assert served.empty or first["planned_wait_max_days"] > served.max()


@pytest.mark.parametrize("case", ["saturated", "demand_x50"])
def test_unstable_runs_warn_and_are_flagged_in_summary_and_manifest(case, request, tmp_path):
    unstable = request.getfixturevalue(case)
    assert any("grows without bound" in w for w in unstable.warnings()), unstable.warnings()
    assert unstable.summary.set_index("kpi").loc["unstable", "mean"] == 1.0
    folder = write_results(unstable, tmp_path / case)
    written = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert written == unstable.warnings()
    assert pd.read_csv(folder / "summary.csv").set_index("kpi").loc["unstable", "mean"] == 1.0


def test_the_baseline_does_not_warn(result):
    assert result.warnings() == []
    assert result.summary.set_index("kpi").loc["unstable", "mean"] == 0.0


def test_the_cli_prints_the_warnings_and_the_report_shows_a_banner(tmp_path):
    scenario = short_file(tmp_path / "s", "one_bed", "beds: {capacity: 1}\n")
    outcome = runner.invoke(
        app, ["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(tmp_path / "r")]
    )
    assert outcome.exit_code == 0, outcome.output
    assert "warning: the bed queue grows without bound" in outcome.output
    document = build_report([tmp_path / "r"])
    banner = document.split("<div class='warning'>", 1)[1].split("</div>", 1)[0]
    assert "grows without bound" in banner and "one_bed" in banner


def test_warnings_in_french_in_the_terminal_the_manifest_and_the_report(saturated, tmp_path):
    """A French planner reads the warnings in French: numbers as French writes them, the folder's
    manifest in its readable language (the report shows the manifest's), 'attention :' in the terminal."""
    french = saturated.warnings("fr")
    assert len(french) == len(saturated.warnings()) >= 2
    assert "croît sans limite" in french[0] and "le lit du service" in french[0]
    assert "grows without bound" not in " ".join(french)
    kinds = ("planned", "emergency", "blina_cycle_start")
    censored = int(saturated.replications[[f"{k}_waits_censored" for k in kinds]].to_numpy().sum())
    assert f"{censored:,}".replace(",", "\u00a0") in french[-1]
    folder = write_results(saturated, tmp_path / "fr", readable=Readable("fr"))
    assert json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["warnings"] == french
    banner = build_report([folder], lang="fr").split("<div class='warning'>", 1)[1].split("</div>", 1)[0]
    assert "croît sans limite" in banner and "Attention" in banner


def test_the_cli_prints_french_warnings_under_lang_fr(tmp_path):
    scenario = short_file(tmp_path / "s", "one_bed", "beds: {capacity: 1}\n")
    arguments = ["run", str(scenario), "--replications", "2", "--workers", "1", "--out", str(tmp_path / "r")]
    outcome = runner.invoke(app, [*arguments, "--lang", "fr"])
    assert outcome.exit_code == 0, outcome.output
    assert "attention : la file d'attente des lits croît sans limite" in outcome.output


def test_sensitivity_warnings_in_french():
    table = pd.DataFrame(
        {
            "parameter": ["beds.capacity"],
            "low_value": [1.5],
            "high_value": [30.0],
            "unstable_at_base": [1.0],
            "unstable_at_low": [1.0],
            "unstable_at_high": [0.0],
        }
    )
    assert one_way_warnings(table, "fr") == [
        study_warning("base_unstable", "fr"),
        "beds.capacity = 1,5 : instable",
        study_warning("unstable_note", "fr"),
    ]
    assert one_way_warnings(table)[1] == "beds.capacity = 1.5: unstable"


def test_the_run_table_brackets_its_intervals_as_the_comparison_does(result):
    """'-545 - 20 781' read as a subtraction: each interval is written '[low ; high]' (French) or
    '[low, high]', a negative low with its minus sign."""
    from rich.console import Console

    from sim.outputs.terminal import experiment_table

    summary = result.summary.copy()
    cost = summary["kpi"] == "cost_total_per_year"
    summary.loc[cost, ["mean", "ci_low", "ci_high"]] = [10_118.0, -545.0, 20_781.0]
    shown = dataclasses.replace(result, summary=summary)
    for lang, expected in (("fr", "[-545 ; 20\u00a0781]"), ("en", "[-545, 20,781]")):
        with open(os.devnull, "w", encoding="utf-8") as nowhere:
            console = Console(width=200, record=True, file=nowhere)
            console.print(experiment_table(shown, lang))
        lines = [line for line in console.export_text().splitlines() if "10" in line and ("118" in line)]
        assert any(expected in line for line in lines), lines


def test_report_of_a_study_folder_says_what_it_is_and_where_its_figures_are(tmp_path, result):
    """A sensitivity folder was 'not a result folder of a run or a search: …; run occisim run first'."""
    from sim.outputs.writing import CREATED_BY

    study = tmp_path / "sens"
    study.mkdir()
    (study / "manifest.json").write_text(json.dumps({"created_by": CREATED_BY, "kind": SENSITIVITY}))
    run = write_results(result, tmp_path / "run")
    outcome = runner.invoke(app, ["report", str(run), str(study), "--out", str(tmp_path / "r.html")])
    assert outcome.exit_code == 2 and not (tmp_path / "r.html").exists()
    (line,) = outcome.output.strip().splitlines()
    assert f"{study} (sensitivity): expected result folders of `occisim run`, `compare` or `choose`" in line
