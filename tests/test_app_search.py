"""The app's "which HADs next" job: the same search.csv as `occisim choose`, progress, cancel."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.app import choices as ch
from sim.app.jobs import CANCELLED, DONE, FAILED, ScenarioFile
from sim.app.search_job import SearchJob, SearchRequest, candidate_hads, replication_budget
from sim.scenario.files import load_scenario
from sim.scenario.sources import parameter_sources
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

TWO = ("croix_rouge_gers", "udsma")


@pytest.fixture(scope="module")
def base() -> Territory:
    return Territory.load()


@pytest.fixture(scope="module")
def short_base(base) -> ScenarioFile:
    """The baseline as the page makes it with one simulated year."""
    path = ch.shipped_scenarios()["baseline"]
    scenario, sources = load_scenario(path), parameter_sources(path)
    territory = scenario_territory(scenario, base)
    choices = ch.choices_of(scenario, territory).with_value("run.years", 1.0)
    made = ch.apply_choices(scenario, territory, choices)
    return ScenarioFile(made, ch.scenario_yaml(made, sources, ch.changes(scenario, territory, choices)))


def test_the_candidates_offered_are_the_unauthorised_hads(base, short_base):
    found = candidate_hads(short_base.scenario, base)
    assert set(TWO) <= set(found)
    territory = scenario_territory(short_base.scenario, base)
    assert not any(territory.authorised[list(territory.hads.index).index(h)] for h in found)
    gers = short_base.scenario.model_copy(
        update={
            "territory": short_base.scenario.territory.model_copy(update={"authorise": ["croix_rouge_gers"]})
        }
    )
    assert "croix_rouge_gers" not in candidate_hads(gers, base)


def test_the_budget_counts_the_sets_left_by_the_screen(base, short_base):
    request = SearchRequest(TWO, max_new=2, first_stage=2, max_replications=5)
    assert replication_budget(short_base.scenario, request, base) == 4 * 5  # status quo, 2 singles, the pair
    one = SearchRequest(TWO[:1], max_new=1, first_stage=6, max_replications=3)
    assert (
        replication_budget(short_base.scenario, one, base) == 2 * 6
    )  # the budget is at least the first stage


def choose_on_the_command_line(path: Path, request: SearchRequest, out: Path) -> None:
    """``occisim choose`` with the options the page shows for ``request``, into ``out``."""
    cli = subprocess.run(
        [sys.executable, "-m", "sim", "choose", str(path), *request.cli_options(), "--workers", "1",
         "--out", str(out)],
        capture_output=True, text=True, cwd=out.parent,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr


def test_a_search_gives_the_search_csv_of_occisim_choose(base, short_base, tmp_path):
    request = SearchRequest(TWO, max_new=1, delta=50.0, first_stage=2, max_replications=4)
    job = SearchJob(short_base, request, base, root=tmp_path / "app", workers=2).start()
    status = job.wait(900)
    assert status.state == DONE, status.error
    assert job.result is not None and 0 < status.done <= status.total == 3 * 4
    assert status.done == sum(job.result.table["replications"].fillna(0))
    path = status.folder / "scenarios" / f"{short_base.scenario.name}.yaml"
    assert load_scenario(path) == short_base.scenario
    choose_on_the_command_line(path, request, tmp_path / "cli")
    app_csv = (job.search_folder / "search.csv").read_bytes()
    assert app_csv == (tmp_path / "cli" / "search.csv").read_bytes()
    assert (job.search_folder / "report.html").stat().st_size > 10_000
    table = pd.read_csv(job.search_folder / "search.csv")
    assert (
        table["best"].eq(True).sum() == 1
        and table.loc[table["best"].eq(True), "set"].item() == job.result.best
    )


def test_a_cancelled_search_stops_and_writes_no_search(base, short_base, tmp_path):
    request = SearchRequest(TWO, max_new=2, first_stage=20, max_replications=40)
    job = SearchJob(short_base, request, base, root=tmp_path / "app", workers=2)
    job.cancel()  # asked before the first replication ends: the first progress tick stops it
    status = job.start().wait(600)
    assert status.state == CANCELLED
    assert status.done < status.total
    assert not (status.folder / "search").exists()
    assert job.result is None


def test_a_search_without_candidates_fails_with_one_line(base, short_base, tmp_path):
    status = SearchJob(short_base, SearchRequest(()), base, root=tmp_path / "app").start().wait(60)
    assert (status.state, status.error) == (FAILED, "no candidate HAD chosen")


def test_a_bad_objective_fails_before_any_replication(base, short_base, tmp_path):
    request = SearchRequest(TWO, max_new=1, objective="no_such_kpi", first_stage=2, max_replications=2)
    status = SearchJob(short_base, request, base, root=tmp_path / "app", workers=1).start().wait(300)
    assert status.state == FAILED and "no_such_kpi" in status.error and status.done == 0


def test_a_search_repeated_on_psa_draws_gives_the_robustness_of_occisim_choose(base, short_base, tmp_path):
    """The page's 'repeat on PSA draws': the same robustness.csv as `occisim choose --psa-draws`, each
    draw a whole search (the progress counts them), the shares of wins adding up to 1."""
    request = SearchRequest(TWO[:1], max_new=1, delta=50.0, first_stage=2, max_replications=2, psa_draws=2)
    assert request.cli_options()[-1] == "--psa-draws=2"
    job = SearchJob(short_base, request, base, root=tmp_path / "app", workers=1).start()
    status = job.wait(900)
    assert status.state == DONE, status.error
    assert status.total == replication_budget(short_base.scenario, request, base) == 3 * 2 * 2
    assert status.done == 3 * sum(job.result.table["replications"].fillna(0))  # the search, then 2 draws
    robust = job.result.robustness
    assert robust is not None and robust["probability_best"].sum() == pytest.approx(1.0)
    assert sorted(", ".join(robust["best_under"]).split(", ")) == ["psa draw 1", "psa draw 2"]
    path = status.folder / "scenarios" / f"{short_base.scenario.name}.yaml"
    choose_on_the_command_line(path, request, tmp_path / "cli")
    for name in ("search.csv", "robustness.csv"):
        assert (job.search_folder / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name


def test_psa_draws_on_a_scenario_without_a_psa_section_fail_with_one_line(base, short_base, tmp_path):
    no_psa = short_base.scenario.model_copy(
        update={"psa": short_base.scenario.psa.model_copy(update={"parameters": []})}
    )
    request = SearchRequest(TWO[:1], max_new=1, psa_draws=2)
    job = SearchJob(ScenarioFile(no_psa, short_base.yaml), request, base, root=tmp_path / "app").start()
    status = job.wait(120)
    assert status.state == FAILED, status
    assert status.error.startswith("psa.parameters: expected at least one"), status.error
    assert status.done == 0  # refused before any replication
