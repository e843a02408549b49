"""The HTML report: built from a small comparison, self-contained, with its sections; parameter sources.

One short comparison (1.5 years, 3 replications, one worker) and one report are shared by the module.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs.description import model_logic, scenario_logic
from sim.outputs.folders import Results, load_results, write_comparison, write_results
from sim.outputs.parameters_report import parameters_table, run_parameter_sources
from sim.outputs.report import kpi_table
from sim.runs.compare import run_comparison
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario
from sim.scenario.sources import parameter_sources

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"


@pytest.fixture(scope="module")
def compare_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    run = "run:\n  years: 1.5\n  warmup_days: 60\n  replications: 3\n"
    base = folder / "base_short.yaml"
    base.write_text(f"extends: {BASELINE}\nname: base_short\n{run}", encoding="utf-8")
    other = folder / "gers_short.yaml"
    other.write_text(f"extends: {SCENARIOS / 'gers_pasteur.yaml'}\nname: gers_short\n{run}", encoding="utf-8")
    comparison = run_comparison([load_scenario(base), load_scenario(other)], workers=1)
    return write_comparison(comparison, folder / "cmp", sources=[base, other])


@pytest.fixture(scope="module")
def report_html(compare_dir) -> str:
    target = compare_dir.parent / "tmp" / "report.html"
    result = CliRunner().invoke(app, ["report", str(compare_dir), "--out", str(target)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    assert "report written to" in result.output
    assert not list(target.parent.glob(".*partial"))  # written atomically, no scratch file left
    return target.read_text(encoding="utf-8")


# --- the report of a small comparison ----------------------------------------------------------------------


def test_report_is_self_contained(report_html):
    assert report_html.startswith("<!DOCTYPE html>") and report_html.rstrip().endswith("</html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", report_html, flags=re.I)
    # Scripts (the interactive maps' Leaflet) are in the page: inline, or a data: URL; nothing is linked.
    assert "<link" not in report_html.lower()
    for source in re.findall(r"<script([^>]*)>", report_html, flags=re.I):
        inline = not source.strip()
        assert inline or re.fullmatch(r"""\s*src=['"]data:text/javascript;base64,[^'"]+['"]""", source)
    sources = re.findall(r"""<img[^>]*\ssrc=["']([^"']*)["']""", report_html)
    assert len(sources) >= 8
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1][:24] + "==")[:8] == b"\x89PNG\r\n\x1a\n"
    assert report_html.count("<img") == len(sources)  # no image left without an embedded source


def test_report_has_its_sections_and_names_the_scenarios(report_html):
    for section in ("question", "kpis", "figures", "maps", "parameters", "stress"):
        assert re.search(rf"""id=["']{section}["']""", report_html), section
        assert f"href='#{section}'" in report_html  # reachable from the navigation
    for name in ("base_short", "gers_short"):
        assert report_html.count(name) >= 3
    question = load_scenario(SCENARIOS / "gers_pasteur.yaml").question
    assert question.replace("'", "&#x27;") in report_html
    # both runs share the seed: the report pairs the differences
    assert "paired by replication (common random numbers)" in report_html


def test_report_has_kpis_and_stress_des_rows(report_html):
    assert "Bed occupancy" in report_html and "Km travelled per year" in report_html
    for row in (
        "1.1 Purpose",
        "3.3 Input parameters and assumptions",
        "4.1 Initialisation",
        "4.2 Run length",
        "4.3 Estimation approach",
        "5.1 Software",
        "5.2 Random sampling",
        "6 Code access",
    ):
        assert f"<b>{row}</b>" in report_html, row
    seed = load_scenario(BASELINE).run.seed
    assert "warm-up 60 days excluded" in report_html  # from the run's manifest, not the baseline's 365
    assert "1.5 years after the warm-up" in report_html
    assert "3 independent replications" in report_html
    assert re.search(rf"5\.2 Random sampling</b></td><td[^>]*>[^<]*seed {seed}", report_html)
    assert "Scenarios compared: base_short, gers_short" in report_html
    # the model logic is the runs': the base's beds and bags, and what the variant changes
    logic = re.search(r"2\.2 Base model logic</b></td><td[^>]*>(.*?)</td>", report_html).group(1)
    assert "<b>base_short</b><br>18 beds in a priority queue" in logic
    assert "96 h" in logic and "Mon+Thu or Tue+Fri" in logic and "8 of 14 HADs authorised" in logic
    changes = re.search(r"2\.3 Scenario logic</b></td><td[^>]*>(.*?)</td>", report_html).group(1)
    assert "<b>gers_short</b><br>Home phase with an authorised HAD" in changes
    assert "croix_rouge_gers taken over by pasteur" in changes
    assert "beds" not in changes.split("gers_short", 1)[1]


def test_report_marks_parameters_as_source_or_assumption(report_html):
    statuses = re.findall(r"<td class='left tag-[a-z]+'>([a-z ]+)</td>", report_html)
    assert statuses.count("assumption") >= 1
    assert statuses.count("source") >= 1
    row = re.search(r"<tr><td>beds\.capacity</td>.*?</tr>", report_html)
    assert row and "tag-source'>source<" in row.group(0) and "003:6166" in row.group(0)
    row = re.search(r"<tr><td>beds\.background\.length_of_stay</td>.*?</tr>", report_html)
    assert row and "tag-assumption'>assumption<" in row.group(0)
    # the variant's table lists what it changes, with the comment of the file that changes it
    marker = "gers_short: 1 parameter changed from base_short"
    assert marker in report_html
    variant_part = report_html.split(marker, 1)[1].split("</details>", 1)[0]
    row = re.search(r"<tr><td>territory\.merge[.a-z_]*</td>.*?</tr>", variant_part)
    assert row and "pasteur" in row.group(0) and "gers_pasteur.yaml" in row.group(0)


def test_report_on_a_missing_folder_exits_2_with_a_message(tmp_path):
    missing = tmp_path / "no_such_results"
    result = CliRunner().invoke(app, ["report", str(missing), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "not a result folder" in result.output and "no_such_results" in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)
    assert not (tmp_path / "r.html").exists()


# --- KPI table: paired under common random numbers, Welch otherwise -------------------------------------


def fake_results(name: str, seed: int, values: list[float]) -> Results:
    table = pd.DataFrame({"replication": range(len(values)), "k": values})
    empty = pd.DataFrame()
    scenario = load_scenario(BASELINE).model_dump(mode="json")  # its KPIs' ranges are read from it
    manifest = {"scenario": name, "seed": seed, "resolved_scenario": scenario}
    return Results(Path(name), manifest, table, empty, empty, empty, empty)


def test_kpi_table_pairs_when_seeds_match_and_uses_welch_otherwise():
    a_values, b_values = [1.0, 2.0, 3.0, 4.0], [3.0, 5.0, 4.0, 8.0]
    paired, method = kpi_table([fake_results("a", 1, a_values), fake_results("b", 1, b_values)])
    assert method.startswith("paired")
    row = paired.set_index(["scenario", "kpi"]).loc[("b", "k")]
    diffs = pd.Series(b_values) - pd.Series(a_values)  # 2, 3, 1, 4
    half = stats.t.ppf(0.975, 3) * diffs.std() / 2
    assert row["diff_mean"] == pytest.approx(2.5)
    assert row["diff_ci_low"] == pytest.approx(2.5 - half)
    assert bool(row["significant"]) is True

    welch, method = kpi_table([fake_results("a", 1, a_values), fake_results("b", 2, b_values)])
    assert method.startswith("independent")
    row = welch.set_index(["scenario", "kpi"]).loc[("b", "k")]
    reference = stats.ttest_ind(b_values, a_values, equal_var=False).confidence_interval(0.95)
    assert row["diff_mean"] == pytest.approx(2.5)
    assert row["diff_ci_low"] == pytest.approx(reference.low)  # -0.754: wider than the paired interval
    assert row["diff_ci_high"] == pytest.approx(reference.high)
    assert bool(row["significant"]) is False
    base_row = welch.set_index(["scenario", "kpi"]).loc[("a", "k")]
    assert math.isnan(base_row["diff_mean"])


# --- parameters and their sources --------------------------------------------------------------------------


def by_parameter(table: pd.DataFrame) -> pd.DataFrame:
    return table.set_index("parameter")


def test_parameters_table_of_the_baseline():
    table = by_parameter(parameters_table(load_scenario(BASELINE), parameter_sources(BASELINE)))
    assert set(table.columns) >= {"value", "status", "source or note", "file"}
    assert set(table["status"]) <= {"source", "assumption", "not documented"}
    capacity = table.loc["beds.capacity"]
    assert capacity["status"] == "source"
    assert "003:6166" in capacity["source or note"] and "18 lits" in capacity["source or note"]
    assert capacity["value"] == "18" and capacity["file"] == "baseline.yaml"
    assert table.loc["beds.background.length_of_stay", "status"] == "assumption"
    assert table.loc["beds.background.length_of_stay", "value"].startswith("dist: lognormal")
    # a key without its own comment takes its nearest documented ancestor's (flow mapping per weekday)
    assert table.loc["day_hospital.sessions_per_weekday.mon", "status"] == "assumption"
    assert "name" not in table.index and "question" not in table.index


def test_a_variant_key_without_comment_is_not_documented(tmp_path):
    variant = tmp_path / "variant.yaml"
    variant.write_text(
        f"extends: {BASELINE}\nname: variant\nbeds:   # what-if block, 003:6166\n  capacity: 20\n"
        "home_care:\n  pumps: 3   # assumption: one more pump per HAD\n",
        encoding="utf-8",
    )
    table = by_parameter(parameters_table(load_scenario(variant), parameter_sources(variant)))
    assert table.loc["beds.capacity", "value"] == "20"
    # neither the baseline's source for 18 nor the comment of the parent key `beds:`
    assert table.loc["beds.capacity", "status"] == "not documented"
    assert table.loc["beds.capacity", "file"] == "variant.yaml"
    assert table.loc["beds.capacity", "source or note"] == ""
    assert table.loc["home_care.pumps", "status"] == "assumption"
    assert table.loc["home_care.pumps", "file"] == "variant.yaml"
    # keys the variant does not set keep the baseline's comments
    assert table.loc["beds.background.length_of_stay", "status"] == "assumption"
    assert table.loc["beds.background.length_of_stay", "file"] == "baseline.yaml"
    assert table.loc["bags.stability_hours", "status"] == "source"

    sources = parameter_sources(variant)
    assert sources["beds.capacity"] == ("", "variant.yaml")
    assert sources["beds.background.emergency_share"][1] == "baseline.yaml"


def test_parameter_sources_follow_a_relative_extends_chain(tmp_path):
    (tmp_path / "baseline.yaml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "middle.yaml").write_text(
        "extends: baseline.yaml\nname: middle\nbeds:\n  capacity: 20   # what-if: 003:6166 plus two\n",
        encoding="utf-8",
    )
    (tmp_path / "leaf.yaml").write_text(
        "extends: middle.yaml   # two levels\nname: leaf\nbags:\n  where_changed: home   # M22 assumption\n",
        encoding="utf-8",
    )
    sources = parameter_sources(tmp_path / "leaf.yaml")
    assert sources["beds.capacity"] == ("what-if: 003:6166 plus two", "middle.yaml")
    assert sources["bags.where_changed"] == ("M22 assumption", "leaf.yaml")
    assert sources["bags.stability_hours"][1] == "baseline.yaml"


def test_parameter_sources_with_a_quoted_extends(tmp_path):
    variant = tmp_path / "quoted.yaml"
    variant.write_text(f'extends: "{BASELINE}"\nname: quoted\nbeds:\n  capacity: 20\n', encoding="utf-8")
    scenario = load_scenario(variant)  # loads fine
    table = by_parameter(parameters_table(scenario, parameter_sources(variant)))
    assert table.loc["beds.capacity", "status"] == "not documented"
    assert table.loc["beds.background.length_of_stay", "status"] == "assumption"


def test_compare_manifest_lists_the_scenario_folders(compare_dir):
    # `occisim report` expands a compare folder through this manifest
    manifest = json.loads((compare_dir / "manifest.json").read_text())
    assert manifest["scenarios"] == ["base_short", "gers_short"]
    for name in manifest["scenarios"]:
        assert (compare_dir / name / "manifest.json").exists()


# --- the model described from the run, not from a fixed text --------------------------------------------


def manifest_results(scenario_file: Path) -> Results:
    """A result whose manifest holds only what the description reads (no simulation)."""
    scenario = load_scenario(scenario_file)
    manifest = {"scenario": scenario.name, "resolved_scenario": scenario.model_dump(mode="json")}
    empty = pd.DataFrame()
    return Results(Path(scenario.name), manifest, empty, empty, empty, empty, empty)


def test_model_logic_of_the_baseline():
    logic = model_logic(load_scenario(BASELINE))
    assert logic["beds"].startswith(
        "18 beds in a priority queue (emergencies, adverse-event readmissions and blinatumomab "
        "pre-phases first, then booked blinatumomab cycles, then planned admissions and blinatumomab "
        "first admissions)"
    )
    assert "started on Mon, Tue, Wed or Thu" in logic["cycles"]
    assert "first 9 days of cycle 1 and 2 days of later cycles" in logic["cycles"]
    assert logic["bags"].startswith("bags stable 96 h, made by the pharmacy on Mon, Tue, Wed, Thu and Fri")
    assert "at home changed on Mon+Thu or Tue+Fri, in the IUCT-O day hospital" in logic["bags"]
    assert logic["day_hospital"] == "day-hospital sessions: 30 a day on Mon, Tue, Wed, Thu and Fri"
    assert logic["home_care"].endswith(
        "else a neighbouring authorised HAD by derogation (its nearest site within 70 km), "
        "else a convention with a home-care provider, else the whole infusion in hospital"
    )


def test_the_description_of_beds_20_says_20_beds():
    logic = model_logic(load_scenario(SCENARIOS / "beds_20.yaml"))
    assert logic["beds"].startswith("20 beds in a priority queue") and "18" not in logic["beds"]
    base, changes = scenario_logic([manifest_results(BASELINE), manifest_results(SCENARIOS / "beds_20.yaml")])
    assert "18 beds" in base and "20 beds" not in base
    assert changes.startswith("<br><b>beds_20</b><br>20 beds in a priority queue")
    assert "bags" not in changes  # only what differs from the base
    # a report led by beds_20 describes beds_20
    base, changes = scenario_logic([manifest_results(SCENARIOS / "beds_20.yaml")])
    assert base.startswith("<b>beds_20</b><br>20 beds") and changes == ""


def test_the_description_of_seven_day_bags_gives_its_stability_and_patterns():
    logic = model_logic(load_scenario(SCENARIOS / "seven_day_bags.yaml"))
    assert logic["bags"].startswith("bags stable 168 h,")
    assert "at home changed on Mon or Tue," in logic["bags"]
    assert "96 h" not in logic["bags"] and "Thu" not in logic["bags"].split("at home", 1)[1]
    _, changes = scenario_logic(
        [manifest_results(BASELINE), manifest_results(SCENARIOS / "seven_day_bags.yaml")]
    )
    assert "<b>seven_day_bags</b><br>Bags stable 168 h" in changes and "beds" not in changes


def test_the_description_follows_where_bags_are_changed():
    home = model_logic(load_scenario(SCENARIOS / "home_bag_change.yaml"))["bags"]
    assert "at home by the HAD or convention nurse" in home and "day hospital" not in home
    nearest = model_logic(load_scenario(SCENARIOS / "nearest_hospital_bags.yaml"))["bags"]
    assert "nearest hospital" in nearest
    short = model_logic(load_scenario(SCENARIOS / "short_cycle1_stay.yaml"))["cycles"]
    assert "first 5 days of cycle 1 and 2 days of later cycles" in short
    # demand_x2 adds an indication with its own stays: its logic says so; x3 differs from x2 in rate only.
    x2, x3 = manifest_results(SCENARIOS / "demand_x2.yaml"), manifest_results(SCENARIOS / "demand_x3.yaml")
    _, changes = scenario_logic([manifest_results(BASELINE), x2])
    assert "(MRD+ B-ALL in remission, consolidation (new indication): 3 and 2)" in changes
    _, changes = scenario_logic([x2, x3])
    assert changes == "<br><b>demand_x3</b><br>The same logic, other parameter values."


# --- parameter sources travel with the run ----------------------------------------------------------------


def test_parameter_sources_are_kept_in_the_manifest_when_the_files_move(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    (files / "baseline.yaml").write_text(BASELINE.read_text(encoding="utf-8"), encoding="utf-8")
    (files / "tiny.yaml").write_text(
        "extends: baseline.yaml\nname: tiny\n"
        "run: {years: 0.1, warmup_days: 5, replications: 1}\n"
        "beds:\n  capacity: 19   # what-if: one more bed\n",
        encoding="utf-8",
    )
    out = write_results(
        run_experiment(load_scenario(files / "tiny.yaml"), workers=1),
        tmp_path / "tiny",
        source=files / "tiny.yaml",
    )
    (files / "tiny.yaml").rename(tmp_path / "moved.yaml")
    (files / "baseline.yaml").unlink()

    results = load_results(out)
    stored = results.manifest["parameter_sources"]
    assert stored["beds.capacity"] == ["what-if: one more bed", "tiny.yaml"]
    table = by_parameter(parameters_table(results.scenario, run_parameter_sources(results)))
    assert table.loc["beds.capacity", "value"] == "19"
    assert table.loc["beds.capacity", "source or note"] == "what-if: one more bed"
    assert table.loc["beds.capacity", "file"] == "tiny.yaml"
    assert table.loc["bags.stability_hours", "status"] == "source"
    assert "003:1066" in table.loc["bags.stability_hours", "source or note"]
    assert table.loc["bags.stability_hours", "file"] == "baseline.yaml"


def test_an_older_manifest_without_sources_reads_the_scenario_file(tmp_path):
    results = manifest_results(BASELINE)
    results.manifest["scenario_file"] = str(BASELINE)
    assert run_parameter_sources(results) == parameter_sources(BASELINE)
    results.manifest["scenario_file"] = str(tmp_path / "gone.yaml")
    assert run_parameter_sources(results) == {}


def test_the_had_load_table_leaves_out_an_had_taken_over(territory):
    """An HAD merged into another has no pump and no visit: its row would read as always full."""
    from sim.outputs.places_report import had_load_section

    rows = []
    for had in territory.hads.index:
        gone = had == "croix_rouge_gers"
        rows += [
            {"kpi": f"had_max_concurrent_{had}", "mean": 0.0 if gone else 2.0},
            {"kpi": f"had_peak_pump_share_{had}", "mean": math.nan if gone else 0.5},
            {"kpi": f"had_full_days_per_year_{had}", "mean": math.nan if gone else 12.0},
            {"kpi": f"had_patient_days_per_year_{had}", "mean": 0.0 if gone else 40.0},
        ]
    empty = pd.DataFrame()
    result = Results(Path("g"), {"scenario": "gers_pasteur"}, empty, pd.DataFrame(rows), empty, empty, empty)
    page = "".join(had_load_section([result], territory))
    names = territory.hads["name"].map(html.escape)
    assert names["croix_rouge_gers"] not in page
    assert all(names[h] in page for h in territory.hads.index if h != "croix_rouge_gers")


def test_parameter_values_read_as_values_in_either_language():
    """psa.parameters was shown as a Python dict ({'dist': 'uniform', …}); French wrote 0.3."""
    english = by_parameter(parameters_table(load_scenario(BASELINE), parameter_sources(BASELINE)))
    french = by_parameter(parameters_table(load_scenario(BASELINE), parameter_sources(BASELINE), "fr"))
    psa = english.loc["psa.parameters", "value"]
    assert "'" not in psa and psa.startswith("[{key: ") and "distribution: {dist: " in psa
    assert english.loc["beds.background.length_of_stay", "value"] == "dist: lognormal, mean: 28.0, cv: 0.5"
    assert french.loc["beds.background.length_of_stay", "value"] == "dist: lognormal ; mean: 28,0 ; cv: 0,5"
    assert french.loc["beds.capacity", "value"] == "18"
