"""Indications as data: each with its own demand and protocol, drawn from streams of its own."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from scenario_variants import variant

from sim.measures.frames import episodes_frame
from sim.measures.kpis import compute
from sim.model.draws import Draws
from sim.model.engine import simulate
from sim.model.records import BLINA_START
from sim.scenario.bounds import MAX_CYCLES
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, resolve_raw, with_values
from sim.territory.binding import scenario_territory

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
THESIS = ("phi_neg_rr", "phi_pos_rr", "mrd_pos")


def _short(name: str, years: float = 2, warmup: float = 0):
    return with_values(load_scenario(SCENARIOS / name), {"run.years": years, "run.warmup_days": warmup})


def _same_patient(a, b) -> bool:
    return (a.arrival, a.indication, a.home, a.pre_phase, a.startup_delay, a.adverse[0]) == (
        b.arrival,
        b.indication,
        b.home,
        b.pre_phase,
        b.startup_delay,
        b.adverse[0],
    )


# --- the schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "key", "replacement"),
    [
        (
            "blinatumomab:\n  arrivals:\n    group_mix: {mrd_pos: 1}\n",
            "blinatumomab.arrivals.group_mix",
            "share",
        ),
        ("blinatumomab:\n  cycles:\n    per_group: {}\n", "blinatumomab.cycles", "max_cycles"),
        (
            "blinatumomab:\n  pre_phase:\n    probability: {mrd_pos: 0}\n",
            "blinatumomab.pre_phase.probability",
            "pre_phase_probability",
        ),
    ],
)
def test_the_former_group_keys_say_what_replaced_them(tmp_path, body, key, replacement):
    path = tmp_path / "old.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\n{body}", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    lines = str(refused.value).splitlines()
    assert len(lines) == 1
    assert key in lines[0] and "blinatumomab.indications" in lines[0] and replacement in lines[0]


def test_an_indication_has_a_share_or_a_rate_not_both():
    raw = resolve_raw(SCENARIOS / "demand_x3.yaml")
    with pytest.raises(ValueError, match="either share or episodes_per_year, found both"):
        variant(raw, **{"blinatumomab.indications.mrd_consolidation.share": 1})
    with pytest.raises(ValueError, match="found neither"):
        variant(raw, **{"blinatumomab.indications.mrd_consolidation.episodes_per_year": None})


def test_a_multiplier_may_not_push_a_probability_above_one():
    raw = resolve_raw(SCENARIOS / "baseline.yaml")
    key = "blinatumomab.indications.mrd_pos.adverse_event_multipliers"
    with pytest.raises(ValueError, match="infection's probabilities at most 1"):
        variant(raw, **{key: {"infection": 3.0}})  # 0.43 x 3 > 1
    scenario = variant(raw, **{key: {"infection": 2.0}})
    assert scenario.blinatumomab.adverse_event_probabilities("mrd_pos", "infection") == (0.86, 0.86)
    assert scenario.blinatumomab.adverse_event_probabilities("phi_neg_rr", "infection") == (0.43, 0.43)


def test_the_baseline_keeps_the_thesis_groups_and_their_protocol():
    blina = load_scenario(SCENARIOS / "baseline.yaml").blinatumomab
    assert tuple(blina.indications) == THESIS
    rates = blina.indication_rates()
    assert sum(rates.values()) == pytest.approx(8.2)
    assert rates["phi_neg_rr"] == pytest.approx(8.2 * 18 / 32)
    assert {blina.inpatient_days(n, 1) for n in THESIS} == {9}
    assert {blina.inpatient_days(n, 3) for n in THESIS} == {2}
    assert [blina.indications[n].pre_phase_probability for n in THESIS] == [0.54, 0.54, 0.0]
    assert {blina.indications[n].max_cycles for n in THESIS} == {5}


# --- the draws ------------------------------------------------------------------------------------


def test_each_indication_arrives_at_its_own_rate(territory):
    scenario = _short("demand_x2.yaml", years=20)
    terr = scenario_territory(scenario, territory)
    counts = {}
    reps = 20
    for r in range(reps):
        for p in Draws(scenario, terr, r).episode_profiles():
            counts[p.indication] = counts.get(p.indication, 0) + 1
    years = scenario.run.horizon / 365.25
    for name, rate in scenario.blinatumomab.indication_rates().items():
        expected = rate * years * reps
        assert abs(counts[name] - expected) < 4 * math.sqrt(expected), (name, counts[name], expected)


def test_an_added_indication_leaves_the_others_patients_as_they_were(territory):
    base, x3 = _short("baseline.yaml"), _short("demand_x3.yaml")
    terr = scenario_territory(base, territory)
    for r in range(3):
        before = Draws(base, terr, r).episode_profiles()
        after = Draws(x3, terr, r).episode_profiles()
        kept = [p for p in after if p.indication in THESIS]
        assert len(kept) == len(before) and len(after) > len(before)
        assert all(_same_patient(a, b) for a, b in zip(before, kept))
        assert [p.index for p in after] == list(range(len(after)))  # numbered in order of arrival
        assert all(a.arrival <= b.arrival for a, b in itertools.pairwise(after))


def test_a_cycle_draws_the_same_whatever_the_cap_or_the_horizon(territory):
    """Block draws are (cycle, episode) arrays: more cycles or a longer run change no drawn number."""
    base, tower = _short("baseline.yaml", years=8), _short("tower_9_cycles.yaml", years=12)
    terr = scenario_territory(base, territory)
    a = Draws(base, terr, 0).episode_profiles()
    b = [p for p in Draws(tower, terr, 0).episode_profiles() if p.arrival < base.run.horizon]
    assert len(a) == len(b)
    lifted = 0
    for x, y in zip(a, b):
        assert _same_patient(x, y)
        assert y.adverse[: x.n_cycles] == x.adverse  # the cycles both give drew the same events
        if y.n_cycles > x.n_cycles:
            assert x.n_cycles == 5 and y.n_cycles == 9 and x.indication == "phi_neg_rr"
            lifted += 1
    assert lifted > 0


def test_the_cycles_drawn_follow_the_indication_and_its_cap(territory):
    scenario = _short("demand_x3.yaml", years=30)
    profiles = Draws(scenario, scenario_territory(scenario, territory), 0).episode_profiles()
    for name, indication in scenario.blinatumomab.indications.items():
        cycles = np.array([p.n_cycles for p in profiles if p.indication == name])
        allowed = set(int(v) for v in indication.cycles.values)
        assert set(cycles) == {min(v, indication.max_cycles) for v in allowed}, name
    consolidation = [p for p in profiles if p.indication == "mrd_consolidation"]
    assert not any(p.pre_phase for p in consolidation)
    assert all(len(p.adverse) == p.n_cycles for p in profiles)


# --- the model ------------------------------------------------------------------------------------


def test_each_episode_keeps_its_indications_inpatient_days(territory):
    """Compulsory days at each start: 3 then 2 for the new indication, 9 then 2 for the thesis groups."""
    scenario = _short("demand_x3.yaml", years=2, warmup=0)
    scenario = with_values(scenario, {"beds.capacity": 60})  # no wait: the stays are the protocol's
    blina = scenario.blinatumomab
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    starts: dict[int, list] = {}
    for a in record.admissions:
        if a.kind == BLINA_START:
            starts.setdefault(a.episode, []).append(a)
    seen = set()
    for e in record.episodes:
        p = e.profile
        if e.exit_time is None or p.outcome != "completed" or e.route == "inpatient" or p.pre_phase:
            continue
        expected = sum(blina.inpatient_days(p.indication, c) for c in range(1, e.cycles_started + 1))
        assert e.bed_days["cycle_start"] == pytest.approx(expected), (p.indication, e.bed_days)
        seen.add(p.indication)
    assert {"mrd_consolidation", "phi_neg_rr"} <= seen


def test_kpis_by_indication_add_up(territory):
    scenario = _short("demand_x3.yaml", years=3, warmup=0)
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 1)
    episodes = episodes_frame(record, terr, scenario.costs)
    kpi = compute(record, scenario, terr, episodes)
    names = list(scenario.blinatumomab.indications)
    by_indication = [kpi[f"indication_{n}_episodes_per_year"] for n in names]
    assert sum(by_indication) == pytest.approx(kpi["episodes_per_year"])
    assert set(episodes["indication"]) <= set(names)
    # The new indication's shorter first stay shows: fewer bed-days per episode than Phi- R/R.
    new, thesis = (kpi[f"indication_{n}_bed_days_per_episode"] for n in ("mrd_consolidation", "phi_neg_rr"))
    assert new < thesis


def test_cycles_from_a_continuous_distribution_stay_whole_and_bounded(territory):
    """A lognormal cycle count is rounded, at least 1, and never past MAX_CYCLES without a max_cycles."""
    raw = resolve_raw(SCENARIOS / "baseline.yaml")
    scenario = variant(
        raw,
        **{
            "run.years": 10,
            "blinatumomab.indications.phi_pos_rr.cycles": {"dist": "lognormal", "mean": 200, "cv": 2.0},
            "blinatumomab.indications.phi_pos_rr.max_cycles": None,
        },
    )
    profiles = Draws(scenario, scenario_territory(scenario, territory), 0).episode_profiles()
    cycles = [p.n_cycles for p in profiles if p.indication == "phi_pos_rr"]
    assert min(cycles) >= 1 and max(cycles) == MAX_CYCLES  # some draws are far above the bound
    assert all(len(p.adverse) == p.n_cycles for p in profiles)
