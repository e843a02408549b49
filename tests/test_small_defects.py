"""Smaller defects of [M2] point 7, each with a test that failed before its fix.

a. Bags do not know the future: a cycle cut short (a death, an early stop) had a last bag made for
   the fraction of a day left; now the planned bag is made, taken down early and its rest wasted.
b. Severe cytokine release and neurotoxicity interrupt the infusion for their stay; it restarts in
   hospital and runs to its full 28 days.
c. A vial's labelled 38.5 µg includes non-extractable overfill: waste counts on the 37.5 µg it gives.
d. Start weekdays that are not pharmacy days are refused.
"""

from __future__ import annotations

import pytest
from scenario_variants import BASELINE, baseline_variant

from sim.measures.economics import bag_drug
from sim.measures.frames import episodes_frame
from sim.measures.kpis import compute
from sim.model.engine import simulate
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory


@pytest.fixture(scope="module")
def run(territory):
    scenario = load_scenario(BASELINE)
    terr = scenario_territory(scenario, territory)
    return scenario, terr, [simulate(scenario, terr, r) for r in range(2)]


def cut_short(record) -> list:
    """Episodes whose only cycle stopped before day 28 after going home (a death or an early stop)."""
    return [
        e
        for e in record.episodes
        if e.profile.outcome in ("death", "early_stop") and e.home_segments and e.bags
    ]


# --- a. bags made as planned ------------------------------------------------------------------------


def interrupted_cycles(record) -> set[tuple[int, int]]:
    """(episode, cycle) of the cycles whose infusion was interrupted (restarted at any time of day)."""
    return {(i.episode, i.cycle) for i in record.interruptions}


def test_bags_are_made_for_whole_planned_days(run):
    _, _, records = run
    bags = [
        b
        for r in records
        for e in r.episodes
        for b in e.bags
        if (e.profile.index, b.cycle) not in interrupted_cycles(r)
    ]
    assert len(bags) > 1000
    # Bags are hung at day boundaries and made for whole days up to their planned change.
    assert all(b.made_days >= 1 - 1e-9 and float(b.made_days).is_integer() for b in bags)


def test_a_cycle_cut_short_wastes_its_running_bag(run):
    scenario, terr, records = run
    # (An interrupted cycle runs longer than 28 days: see the interruption tests.)
    stopped = [e for r in records for e in cut_short(r) if (e.profile.index, 1) not in interrupted_cycles(r)]
    assert len(stopped) >= 3
    for e in stopped:
        last = e.bags[-1]
        stop = e.profile.death_day if e.profile.outcome == "death" else e.profile.early_stop_day
        stop = min(stop, scenario.blinatumomab.infusion_days)
        assert last.end == pytest.approx(e.bags[0].start + stop)  # taken down when the infusion stops
        if last.made_until is not None:
            assert last.made_until > last.end and last.made_days <= scenario.bags.stability_hours / 24
    # The drug made and not infused is counted as waste, for the episodes with a bag taken down early
    # (a stop, or an interruption) only.
    frame = episodes_frame(records[0], terr, scenario.costs).set_index("episode")
    cut = {e.profile.index for e in records[0].episodes if any(b.made_until is not None for b in e.bags)}
    assert {e.profile.index for e in cut_short(records[0]) if e.bags[-1].made_until is not None} <= cut
    assert cut and (frame.loc[list(cut), "cost_drug_unused_bags"] > 0).all()
    assert (frame.drop(index=list(cut))["cost_drug_unused_bags"] == 0).all()
    assert (frame["cost_drug_unused_bags"] <= frame["cost_drug_wasted"] + 1e-6).all()


def test_a_bag_taken_down_early_still_needed_its_vials():
    # A 4-day bag at 28 ug/day (112 ug: 3 vials of 37.5 ug) taken down after 0.15 day.
    early = bag_drug(28, 0.15, 37.5, 4, made_days=4)
    assert early.vials == 3 and early.unused_ug == pytest.approx(28 * 3.85)
    assert early.wasted_ug == pytest.approx(3 * 37.5 - 28 * 0.15)
    assert bag_drug(28, 0.15, 37.5, 4).vials == 1  # as if made for 0.15 day: the old, wrong count


# --- b. interruptions -------------------------------------------------------------------------------


def test_severe_events_interrupt_the_infusion_which_runs_its_full_days(run):
    scenario, terr, records = run
    days = scenario.blinatumomab.infusion_days
    restarted = [(r, i) for r in records for i in r.interruptions if i.restart < float("inf")]
    assert len(restarted) >= 5
    assert {i.kind for _, i in restarted} <= {"cytokine_release", "neurotoxicity"}
    for record, i in restarted:
        e = next(e for e in record.episodes if e.profile.index == i.episode)
        bags = [b for b in e.bags if b.cycle == i.cycle]
        stopped = next(b for b in bags if b.end == i.start)
        after = next(b for b in bags if b.start == i.restart)
        assert stopped.made_until is not None and stopped.made_until > i.start  # taken down, rest wasted
        assert after.where == "ward"  # restarted in hospital (M13)
        assert not any(i.start < b.start < i.restart for b in bags)  # nothing infused meanwhile
        if e.profile.outcome == "completed":
            assert sum(b.end - b.start for b in bags) == pytest.approx(days)  # 28 days infused in all
            assert bags[-1].end == pytest.approx(bags[0].start + days + (i.restart - i.start), abs=1e-6) or (
                len([j for j in record.interruptions if (j.episode, j.cycle) == (i.episode, i.cycle)]) > 1
            )
    kpi = compute(records[0], scenario, terr)
    assert kpi["infusion_interruptions_per_episode"] > 0 and kpi["infusion_interrupted_days_per_year"] > 0


def test_without_interrupting_events_the_infusion_never_stops(territory):
    scenario = baseline_variant(**{"blinatumomab.interrupting_events": [], "run.years": 2})
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    assert record.interruptions == []
    assert compute(record, scenario, terr)["infusion_interruptions_per_episode"] == 0


# --- c. extractable vial content --------------------------------------------------------------------


def test_waste_counts_on_the_extractable_content():
    full = bag_drug(28, 4, 37.5, 4)
    assert full.vials == 3 and full.wasted_ug == pytest.approx(0.5)  # 112 ug from 3 x 37.5
    labelled = bag_drug(28, 4, 38.5, 4)
    assert labelled.wasted_ug == pytest.approx(3.5)  # 3 x 1 ug of overfill wrongly counted as waste


def test_the_baseline_vial_gives_37_5_ug(run):
    scenario, terr, records = run
    assert scenario.costs.drug.vial_ug == 38.5 and scenario.costs.drug.usable_ug == 37.5
    share = compute(records[0], scenario, terr)["drug_wasted_share"]
    labelled = baseline_variant(**{"costs.drug.extractable_ug": None})
    share_labelled = compute(records[0], labelled, terr)["drug_wasted_share"]
    assert 0 < share < share_labelled - 0.015  # about 2.6 points were the vials' overfill


def test_extractable_content_above_the_vial_is_refused(tmp_path):
    path = tmp_path / "vial.yaml"
    text = f"extends: {BASELINE}\nname: vial\ncosts:\n  drug:\n    extractable_ug: 40\n"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    assert "costs.drug.extractable_ug" in str(refused.value) and "vial_ug" in str(refused.value)


# --- d. start weekdays on pharmacy days -------------------------------------------------------------


def test_start_weekdays_must_be_pharmacy_days(tmp_path):
    path = tmp_path / "saturday.yaml"
    path.write_text(
        f"extends: {BASELINE}\nname: saturday\nblinatumomab:\n  start_weekdays: [mon, sat]\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    message = str(refused.value)
    assert "saturday.yaml" in message and "blinatumomab.start_weekdays" in message
    assert "pharmacy" in message and "sat" in message and "\n" not in message.strip()
