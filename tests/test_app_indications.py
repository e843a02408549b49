"""Demand by indication in the app: one lever per indication of the loaded scenario, its label, its
source, its schema bounds, and the scenario YAML that carries the change and runs unchanged."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sim.app import choices as ch
from sim.scenario.bounds import MAX_WEIGHT
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.sources import parameter_sources
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory


@pytest.fixture(scope="module")
def base() -> Territory:
    return Territory.load()


def loaded(name: str, base: Territory):
    path = ch.shipped_scenarios()[name]
    scenario = load_scenario(path)
    return scenario, scenario_territory(scenario, base), parameter_sources(path)


def test_one_lever_per_indication_with_its_label_source_and_bounds(base):
    scenario, _, sources = loaded("demand_x3", base)
    found = {lever.key: lever for lever in ch.levers(sources, scenario) if lever.label}
    assert list(found) == [
        "blinatumomab.indications.phi_neg_rr.share",
        "blinatumomab.indications.phi_pos_rr.share",
        "blinatumomab.indications.mrd_pos.share",
        "blinatumomab.indications.mrd_consolidation.episodes_per_year",
    ]
    share = found["blinatumomab.indications.phi_neg_rr.share"]
    assert share.label == "Phi- relapsed/refractory B-ALL"
    assert "003:2145-2155" in share.source and not ch.is_assumption(share.source)
    assert (share.low, share.high) == (0, MAX_WEIGHT)
    own = found["blinatumomab.indications.mrd_consolidation.episodes_per_year"]
    assert own.label.startswith("MRD+ B-ALL in remission, consolidation")
    assert ch.is_assumption(own.source)  # its rate is an assumption, and the lever says so
    assert (own.low, own.high) == (0, 10_000)
    keys = [lever.key for lever in ch.levers(sources, scenario)]
    assert keys == ch.lever_keys(scenario)  # the page reads back exactly the levers it shows
    assert keys.index(ch.DEMAND_KEY) + 1 == keys.index("blinatumomab.indications.phi_neg_rr.share")


def test_the_levers_follow_the_loaded_scenario(base):
    baseline, _, sources = loaded("baseline", base)
    keys = [lever.key for lever in ch.levers(sources, baseline) if lever.label]
    assert len(keys) == 3 and not any("mrd_consolidation" in key for key in keys)
    assert [lever.key for lever in ch.levers(sources)] == [key for key, _, _ in ch.LEVER_SPECS]


def test_episodes_by_indication_follow_the_shares_and_the_referred_demand(base):
    scenario, territory, _ = loaded("baseline", base)
    start = ch.choices_of(scenario, territory)
    rates = ch.episodes_by_indication(scenario, start)
    assert sum(rates.values()) == pytest.approx(scenario.blinatumomab.arrivals.episodes_per_year)
    assert rates["blinatumomab.indications.phi_neg_rr.share"] == pytest.approx(8.2 * 18 / 32)
    doubled = start.with_value("blinatumomab.indications.phi_neg_rr.share", 36.0)
    moved = ch.episodes_by_indication(scenario, doubled)
    assert moved["blinatumomab.indications.phi_neg_rr.share"] == pytest.approx(8.2 * 36 / 50)
    assert moved["blinatumomab.indications.mrd_pos.share"] < rates["blinatumomab.indications.mrd_pos.share"]
    refused = start.with_value("blinatumomab.indications.phi_neg_rr.share", -1.0)
    assert ch.episodes_by_indication(scenario, refused) == {}


def test_an_indication_moved_changes_only_its_demand(base):
    scenario, territory, _ = loaded("demand_x3", base)
    key = "blinatumomab.indications.mrd_consolidation.episodes_per_year"
    made = ch.apply_choices(scenario, territory, ch.choices_of(scenario, territory).with_value(key, 4.0))
    assert made.blinatumomab.indications["mrd_consolidation"].episodes_per_year == 4.0
    assert made.blinatumomab.indication_rates()["mrd_consolidation"] == 4.0
    others = {n: i for n, i in made.blinatumomab.indications.items() if n != "mrd_consolidation"}
    assert others == {n: i for n, i in scenario.blinatumomab.indications.items() if n != "mrd_consolidation"}
    assert made.name == "demand_x3_app" and f"{key} 16.4 -> 4.0" in made.description


def test_a_refused_indication_value_is_one_line_naming_its_key(base):
    scenario, territory, _ = loaded("baseline", base)
    key = "blinatumomab.indications.mrd_pos.share"
    with pytest.raises(ScenarioError) as caught:
        ch.apply_choices(scenario, territory, ch.choices_of(scenario, territory).with_value(key, -3.0))
    assert caught.value.messages == [f"app: {key}: expected greater than or equal to 0, found -3.0"]


def test_the_yaml_carries_the_indication_and_occisim_run_accepts_it(base, tmp_path):
    scenario, territory, sources = loaded("baseline", base)
    key = "blinatumomab.indications.mrd_pos.share"
    choices = ch.choices_of(scenario, territory).with_value(key, 12.0)
    made = ch.apply_choices(scenario, territory, choices)
    path = tmp_path / "mine.yaml"
    path.write_text(
        ch.scenario_yaml(made, sources, ch.changes(scenario, territory, choices)), encoding="utf-8"
    )
    assert load_scenario(path).blinatumomab.indications["mrd_pos"].share == 12.0
    assert "set in occisim app (the file had 6.0" in parameter_sources(path)[key][0]
    run = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "--replications", "1",
         "--out", str(tmp_path / "run")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
