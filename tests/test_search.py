"""The search over authorisation sets: candidates, the coverage screen, the simulated selection under
common random numbers, robustness, and `occisim choose` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.measures.selection import SelectionSettings
from sim.runs import search as search_module
from sim.runs.replications import run_replication
from sim.runs.robustness import assumption_variants, robustness
from sim.runs.search import (
    STATUS_QUO,
    AuthorisationSet,
    Coverage,
    Objective,
    authorisable,
    authorisation_sets,
    coverage,
    screen,
    search,
    with_authorised,
)
from sim.scenario.errors import ScenarioError
from sim.territory.binding import scenario_territory
from tests.scenario_variants import baseline_variant

SHORT = {"run": {"years": 1.0, "warmup_days": 60.0}}
GERS, MOISSAC, UDSMA = "croix_rouge_gers", "moissac", "udsma"


@pytest.fixture(scope="module")
def short():
    return baseline_variant(**SHORT)


def test_candidates_are_the_unauthorised_hads_with_residents(short, territory):
    bound = scenario_territory(short, territory)
    candidates = authorisable(short, bound)
    ids = list(territory.hads.index)
    assert candidates and all(not bound.authorised[ids.index(h)] for h in candidates)
    assert GERS in candidates
    assert authorisable(short, bound, [GERS, UDSMA]) == [h for h in candidates if h in (GERS, UDSMA)]
    with pytest.raises(ScenarioError, match="--among"):
        authorisable(short, bound, ["no_such_had"])


def test_every_set_of_at_most_k_and_the_status_quo():
    sets = authorisation_sets(["a", "b", "c", "d"], 2)
    assert sets[0] == AuthorisationSet(())
    assert len(sets) == 1 + 4 + 6
    assert len({s.hads for s in sets}) == len(sets)
    assert len(authorisation_sets(["a", "b", "c", "d", "e", "f"], 6)) == 64


def test_authorising_the_gers_had_opens_home_care_to_gers_residents(short, territory):
    before = coverage(scenario_territory(short, territory), short.home_care.derogation_max_km)
    gers = with_authorised(short, AuthorisationSet((GERS,)))
    after = coverage(scenario_territory(gers, territory), short.home_care.derogation_max_km)
    assert after.signature != before.signature
    assert after.zone_had > before.zone_had
    assert after.none <= before.none
    total = before.zone_had + before.derogation_only + before.none
    assert after.zone_had + after.derogation_only + after.none == pytest.approx(total)


def test_screen_simulates_one_set_per_distinct_options_and_drops_idle_authorisations(
    short, territory, monkeypatch
):
    """Sets whose options are the same simulate identically: only the smallest is kept; a set adding
    an HAD that opens nothing is dominated by the set without it."""
    options = {
        (): b"0",
        ("a",): b"A",
        ("b",): b"0",
        ("c",): b"C",
        ("a", "b"): b"A",
        ("a", "c"): b"AC",
        ("b", "c"): b"C",
    }
    monkeypatch.setattr(search_module, "scenario_territory", lambda scenario, base: scenario)
    monkeypatch.setattr(search_module, "with_authorised", lambda scenario, chosen: chosen.hads)
    monkeypatch.setattr(search_module, "coverage", lambda hads, km: Coverage(1.0, 0.0, 0.0, options[hads]))
    table, kept = screen(short, authorisation_sets(["a", "b", "c"], 2), territory)
    assert [s.hads for s in kept] == [(), ("a",), ("c",), ("a", "c")]
    reasons = dict(zip(table["set"], table["screened_out"]))
    assert "b opens no option" in reasons["b"] and "b opens no option" in reasons["a+b"]
    assert reasons["b+c"] and not reasons["a+c"]


@pytest.fixture(scope="module")
def small_search(short, territory):
    settings = SelectionSettings(delta=2.0, first_stage=3, max_replications=6, batch=3)
    objective = Objective.parse("blina_bed_days_per_year")
    return search(short, objective, settings, max_new=1, among=[GERS, UDSMA], workers=1, territory=territory)


def test_search_runs_each_set_under_common_random_numbers(small_search, short, territory):
    """The status quo's replication r is the base scenario's replication r: the same numbers a plain
    run gives, so a search and `occisim run`/`compare` agree for the same seed."""
    kpis = small_search.kpis[STATUS_QUO]
    bound = scenario_territory(short, territory)
    for r in range(len(kpis)):
        alone = run_replication(short, bound, r).kpis
        assert kpis.iloc[r]["blina_bed_days_per_year"] == alone["blina_bed_days_per_year"]
        assert kpis.iloc[r]["cost_total_per_year"] == alone["cost_total_per_year"]


def test_search_table_accounts_for_every_set(small_search):
    table = small_search.table
    assert set(table["set"]) == {STATUS_QUO, GERS, UDSMA}
    simulated = table[table["objective"].notna()]
    assert (simulated["replications"] >= 3).all() and (simulated["replications"] <= 6).all()
    best = table[table["best"].eq(True)]
    assert len(best) == 1 and best["set"].iloc[0] == small_search.best
    assert best["minus_best"].iloc[0] == 0.0
    # The paired difference to the best is the difference of the objective on common replications.
    for _, row in simulated.iterrows():
        n = int(min(row["replications"], best["replications"].iloc[0]))
        mine = small_search.kpis[row["set"]]["blina_bed_days_per_year"][:n].to_numpy()
        theirs = small_search.kpis[small_search.best]["blina_bed_days_per_year"][:n].to_numpy()
        assert row["minus_best"] == pytest.approx(np.mean(mine - theirs))
    assert simulated["pareto"].any()


def test_authorisation_cost_is_added_to_the_yearly_cost(short, territory):
    settings = SelectionSettings(delta=1e6, first_stage=2, max_replications=2, batch=2)
    objective = Objective.parse("cost_total_per_year")
    free = search(short, objective, settings, 1, [GERS], 0.0, workers=1, territory=territory)
    priced = search(short, objective, settings, 1, [GERS], 50_000.0, workers=1, territory=territory)
    gap = priced.kpis[GERS]["cost_total_per_year"] - free.kpis[GERS]["cost_total_per_year"]
    assert np.allclose(gap, 50_000.0)
    assert (
        priced.kpis[STATUS_QUO]["cost_total_per_year"] == free.kpis[STATUS_QUO]["cost_total_per_year"]
    ).all()


def test_objectives_parse_and_bad_ones_are_refused(short, territory):
    objective = Objective.parse("blina_bed_days_per_year + 0.001*travel_km_per_year - 2*episodes_per_year")
    assert objective.terms == (
        (1.0, "blina_bed_days_per_year"),
        (0.001, "travel_km_per_year"),
        (-2.0, "episodes_per_year"),
    )
    rows = pd.DataFrame(
        {"blina_bed_days_per_year": [10, 0], "travel_km_per_year": [1000, 0], "episodes_per_year": [1, 3]}
    )
    assert objective.values(rows).tolist() == [9, -6]
    # the values an objective can take, as its CI in search.csv is cut to (as every KPI's is)
    assert objective.value_range == (-np.inf, np.inf)
    assert Objective.parse("blina_bed_days_per_year + 0.001*travel_km_per_year").value_range == (0, np.inf)
    assert Objective.parse("2*beds_full_day_share - unstable").value_range == (-1, 2)
    assert Objective.parse("-1*blina_bed_days_per_year").value_range == (-np.inf, 0)
    for bad in ("", "2*", "bed days", "a + + b"):
        with pytest.raises(ValueError, match="--objective"):
            Objective.parse(bad)
    settings = SelectionSettings(delta=1, first_stage=2, max_replications=2)
    with pytest.raises(ScenarioError, match="no_such_kpi"):
        search(short, Objective.parse("no_such_kpi"), settings, 1, [GERS], workers=1, territory=territory)


def test_robustness_reports_each_sets_share_of_wins(short, territory):
    variants = assumption_variants(["home_care.derogation_max_km=30,100"])
    assert [v.label for v in variants] == [
        "home_care.derogation_max_km=30",
        "home_care.derogation_max_km=100",
    ]
    settings = SelectionSettings(delta=2.0, first_stage=2, max_replications=4, batch=2)
    table = robustness(
        short,
        variants,
        Objective.parse("blina_bed_days_per_year"),
        settings,
        1,
        [GERS, UDSMA],
        workers=1,
        territory=territory,
    )
    assert table["probability_best"].sum() == pytest.approx(1.0)
    assert set(table["set"]) <= {STATUS_QUO, GERS, UDSMA}
    with pytest.raises(ValueError, match="--vary"):
        assumption_variants(["home_care.derogation_max_km"])


def _occisim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    occisim = Path(sys.executable).with_name("occisim")
    return subprocess.run([occisim, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_choose_command_writes_a_search_folder(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    scenario = tmp_path / "short.yaml"
    scenario.write_text(
        f"extends: {repo / 'scenarios/baseline.yaml'}\nname: short\nrun:\n  years: 1\n  warmup_days: 60\n"
    )
    out = tmp_path / "choice"
    common = [
        "--max-new",
        "1",
        "--among",
        GERS,
        "--among",
        UDSMA,
        "--first-stage",
        "2",
        "--max-replications",
        "4",
        "--workers",
        "1",
    ]
    done = _occisim("choose", str(scenario), *common, "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "best set" in done.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "search" and manifest["best"] in {STATUS_QUO, GERS, UDSMA}
    page = (out / "report.html").read_text()
    assert "STRESS-DES" in page and "Pareto" in page
    assert "src='http" not in page and 'src="http' not in page  # self-contained
    bad = _occisim(
        "choose", str(scenario), *common, "--objective", "nope", "--out", str(tmp_path / "x"), cwd=tmp_path
    )
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "nope" in bad.stderr


def test_band_members_become_variants(short, tmp_path):
    from sim.runs.band import read_band
    from sim.runs.robustness import band_variants

    band_file = tmp_path / "band.csv"
    band_file.write_text("member,beds.background.arrivals_per_day\n3,0.45\n7,0.55\n")
    variants = band_variants(read_band(band_file, short))
    assert [v.label for v in variants] == ["band member 3", "band member 7"]
    assert variants[1].updates == {"beds.background.arrivals_per_day": 0.55}


def test_search_on_a_dask_cluster_gives_the_local_numbers(short, territory):
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    settings = SelectionSettings(delta=1e6, first_stage=2, max_replications=2, batch=2)
    objective = Objective.parse("blina_bed_days_per_year")
    here = search(short, objective, settings, 1, [GERS], workers=1, territory=territory)
    cluster = search(short, objective, settings, 1, [GERS], territory=territory, scheduler="local:2")
    for name, table in here.kpis.items():
        assert (
            table["blina_bed_days_per_year"].tolist()
            == cluster.kpis[name]["blina_bed_days_per_year"].tolist()
        )
