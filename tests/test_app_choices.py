"""The app's choices without a browser: levers, scenario made, coverage, YAML out and in, jobs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.app import choices as ch
from sim.app.jobs import CANCELLED, DONE, ComparisonJob, ScenarioFile
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.sources import parameter_sources
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

GERS = "croix_rouge_gers"


@pytest.fixture(scope="module")
def base() -> Territory:
    return Territory.load()


@pytest.fixture(scope="module")
def baseline(base):
    path = ch.shipped_scenarios()["baseline"]
    scenario = load_scenario(path)
    return scenario, scenario_territory(scenario, base), parameter_sources(path)


def test_levers_carry_schema_bounds_and_the_file_source(baseline):
    _, _, sources = baseline
    levers = {lever.key: lever for lever in ch.levers(sources)}
    assert (levers["beds.capacity"].low, levers["beds.capacity"].high) == (1, 1000)
    assert "003:6166" in levers["beds.capacity"].source
    assert ch.is_assumption(levers["day_hospital.sessions_per_weekday"].source)
    assert not ch.is_assumption(levers["blinatumomab.arrivals.episodes_per_year"].source)
    assert set(levers["bags.where_changed"].options) == {"day_hospital", "home", "nearest_hospital"}
    assert levers["run.years"].low == 0 and not levers["run.years"].low_allowed


@pytest.mark.parametrize("name", list(ch.shipped_scenarios()))
def test_untouched_choices_give_back_the_scenario(name, base):
    scenario = load_scenario(ch.shipped_scenarios()[name])
    territory = scenario_territory(scenario, base)
    assert ch.apply_choices(scenario, territory, ch.choices_of(scenario, territory)) == scenario


def test_choices_change_what_they_name_and_nothing_else(baseline):
    scenario, territory, _ = baseline
    choices = (
        ch.choices_of(scenario, territory)
        .toggled(GERS)
        .toggled("albi")
        .with_value("beds.capacity", 20)
        .with_value("day_hospital.sessions_per_weekday", 34)
        .with_value("bags.where_changed", "home")
    )
    made = ch.apply_choices(scenario, territory, choices)
    assert made.name == "baseline_app" and "beds.capacity 18 -> 20" in made.description
    assert made.territory.authorise == [GERS] and made.territory.revoke == ["albi"]
    assert made.beds.capacity == 20 and made.bags.where_changed == "home"
    assert made.day_hospital.sessions_per_weekday == {
        "mon": 34, "tue": 34, "wed": 34, "thu": 34, "fri": 34, "sat": 0, "sun": 0
    }  # fmt: skip
    assert made.blinatumomab == scenario.blinatumomab and made.home_care == scenario.home_care
    bound = scenario_territory(made, Territory.load())
    assert set(bound.hads.index[bound.authorised]) == set(choices.authorised)


def test_a_refused_value_is_one_line_naming_the_key(baseline):
    scenario, territory, _ = baseline
    with pytest.raises(ScenarioError) as caught:
        ch.apply_choices(
            scenario, territory, ch.choices_of(scenario, territory).with_value("beds.capacity", 0)
        )
    assert caught.value.messages == ["app: beds.capacity: expected greater than or equal to 1, found 0"]


def test_coverage_moves_with_the_gers_authorisation(baseline):
    _scenario, territory, _ = baseline
    gers = territory.with_authorisation(authorise=[GERS])
    total = ch.coverage_total(gers, territory)
    assert (total["without"], total["total"]) == (765_498, 3_376_887)  # README: territory section
    assert total["delta"] == 765_498 - 941_396
    by_dep = ch.coverage_by_department(gers, territory).set_index("dep")
    assert by_dep.loc["32", "change_without"] == total["delta"]  # all of it in the Gers
    assert (by_dep.drop("32")["change_without"] == 0).all()
    assert (by_dep["population_with"] + by_dep["population_without"] == by_dep["population"]).all()
    zones = ch.coverage_by_zone(gers).set_index("had")
    assert (
        zones.loc[GERS, "authorised"]
        and not ch.coverage_by_zone(territory).set_index("had").loc[GERS, "authorised"]
    )


def test_scenario_yaml_is_read_back_as_the_same_scenario_with_sources(baseline, tmp_path):
    scenario, territory, sources = baseline
    choices = ch.choices_of(scenario, territory).toggled(GERS).with_value("beds.capacity", 20)
    made = ch.apply_choices(scenario, territory, choices)
    text = ch.scenario_yaml(made, sources, ch.changes(scenario, territory, choices))
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path) == made
    written = parameter_sources(path)
    assert "set in occisim app" in written["beds.capacity"][0]
    assert "003:6166" in written["beds.capacity"][0]
    assert written["bags.stability_hours"][0] == sources["bags.stability_hours"][0]


def test_an_uploaded_file_is_refused_with_validates_lines(base, tmp_path):
    bad = b"extends: baseline.yaml\nname: mine\nbeds:\n  capacity: -2\nterritory:\n  authorise: [nowhere]\n"
    with pytest.raises(ScenarioError) as caught:
        ch.read_uploaded("mine.yaml", bad, base)
    (tmp_path / "mine.yaml").write_bytes(bad)
    (tmp_path / "baseline.yaml").write_bytes(ch.shipped_scenarios()["baseline"].read_bytes())
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "mine.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert cli.returncode == 2
    assert [f"error: {line}" for line in caught.value.messages] == cli.stderr.strip().splitlines()


def test_an_uploaded_variant_reads_like_the_shipped_file(base):
    shipped = ch.shipped_scenarios()["gers_pasteur"]
    scenario, sources = ch.read_uploaded("gers_pasteur.yaml", shipped.read_bytes(), base)
    assert scenario == load_scenario(shipped)
    assert sources["beds.capacity"][0] == parameter_sources(shipped)["beds.capacity"][0]


def short_pair(baseline, replications: int = 2):
    scenario, territory, sources = baseline
    choices = (
        ch.choices_of(scenario, territory)
        .toggled(GERS)
        .with_value("run.years", 0.5)
        .with_value("run.replications", replications)
    )
    reference, chosen = ch.comparison_pair(scenario, ch.apply_choices(scenario, territory, choices))
    changed = ch.changes(scenario, territory, choices)
    return (
        ScenarioFile(reference, ch.scenario_yaml(reference, sources, {})),
        ScenarioFile(chosen, ch.scenario_yaml(chosen, sources, changed)),
    )


def test_a_job_gives_the_numbers_of_occisim_compare(baseline, base, tmp_path):
    files = short_pair(baseline)
    job = ComparisonJob(*files, root=tmp_path / "app", workers=2, territory=base).start()
    status = job.wait(600)
    assert status.state == DONE, status.error
    assert (status.done, status.total) == (4, 4)
    scenario_files = [status.folder / "scenarios" / f"{f.scenario.name}.yaml" for f in files]
    assert [load_scenario(p) for p in scenario_files] == [f.scenario for f in files]
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "compare", *map(str, scenario_files), "--workers", "1",
         "--out", str(tmp_path / "cli")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    app_table = (status.folder / "comparison" / "comparison.csv").read_bytes()
    assert app_table == (tmp_path / "cli" / "comparison.csv").read_bytes()
    assert (status.folder / "comparison" / "report.html").stat().st_size > 10_000


def test_a_cancelled_job_stops_and_writes_no_comparison(baseline, base, tmp_path):
    reference, chosen = short_pair(baseline, replications=40)
    job = ComparisonJob(reference, chosen, root=tmp_path / "app", workers=2, territory=base)
    job.cancel()  # asked before the first replication ends: the first progress tick stops it
    status = job.start().wait(600)
    assert status.state == CANCELLED
    assert status.done < status.total
    assert not (status.folder / "comparison").exists()
    leftovers = [p.name for p in (tmp_path / "app").iterdir() if p.name.startswith(".")]
    assert leftovers == []
    assert Path(status.folder / "scenarios").is_dir()
