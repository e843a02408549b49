"""Health economics: vial arithmetic, transport fares, and costs that reconcile with what was counted.

The arithmetic tests use hand-computed cases (BLINCYTO 38.5 µg vials at 2628 €, 9 then 28 µg/day,
4 h overfill on 1- to 3-day bags, the scenario's transport fares). The reconciliation tests take
short runs of the real baseline (1.5 years after a 60-day warm-up) and check every cost column
against the counts it comes from: bed-days by cause, day-hospital sessions, HAD days, nurse
visits, vials and trips; then the per-year KPIs against the per-episode costs.
"""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.measures.economics import COST_ITEMS, bag_drug, episode_costs, expected_trip_cost, trip_cost
from sim.model.engine import simulate
from sim.model.records import BED_CAUSES
from sim.runs.replications import run_replication
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario, with_values
from sim.scenario.schema import Costs, DrugCost, Transport, TransportMode
from sim.territory.binding import scenario_territory

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
VIAL_UG = 38.5  # BLINCYTO 38.5 microgrammes
EXTRACTABLE_UG = 37.5  # what the baseline's vial gives (costs.drug.extractable_ug)
VIAL_EUR = 2628.0
OVERFILL_H = 4.0
BED_DAY = 950.0
PERIPHERAL_BED_DAY = 950.0  # the baseline's peripheral_bed_day_price_ratio is 1
SESSION = 396.0
HAD_DAY = 250.0
NURSE = 20.0
YEARS, WARMUP = 1.5, 60.0
REPLICATIONS = (0, 1)
TOL = 1e-9


def short(scenario, years: float = YEARS, warmup_days: float = WARMUP):
    return scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"years": years, "warmup_days": warmup_days})}
    )


def drug(**kw) -> object:
    return bag_drug(kw.pop("dose"), kw.pop("days"), VIAL_UG, OVERFILL_H, **kw)


# --- bag_drug: hand-computed vials ----------------------------------------------------------------------


def test_three_day_bag_at_28_carries_overfill_and_takes_three_vials():
    b = drug(dose=28, days=3)
    assert b.prepared_ug == pytest.approx(28 * (3 + 4 / 24))  # 88.67 µg (seed facts M25: "≈ 88.7 µg")
    assert b.prepared_ug == pytest.approx(88.667, abs=1e-3)
    assert b.vials == 3
    assert b.infused_ug == pytest.approx(84.0)
    assert b.wasted_ug == pytest.approx(3 * 38.5 - 84)  # 31.5 µg: overfill and vial remainder


def test_four_day_bag_at_28_has_no_overfill_and_takes_three_vials():
    b = drug(dose=28, days=4)
    assert b.prepared_ug == pytest.approx(112.0)
    assert b.vials == 3
    assert b.infused_ug == pytest.approx(112.0)
    assert b.wasted_ug == pytest.approx(3 * 38.5 - 112)  # 3.5 µg


@pytest.mark.parametrize(
    ("days", "prepared", "vials"),
    [
        (1, 28 * (1 + 1 / 6), 1),  # 32.67 µg
        (2, 28 * (2 + 1 / 6), 2),  # 60.67 µg
        (3, 28 * (3 + 1 / 6), 3),  # 88.67 µg
        (4, 28 * 4, 3),  # 112 µg, no overfill
    ],
)
def test_one_two_and_three_day_bags_get_four_hours_of_overfill(days, prepared, vials):
    b = drug(dose=28, days=days)
    assert b.prepared_ug == pytest.approx(prepared)
    assert b.vials == vials
    assert b.wasted_ug == pytest.approx(vials * 38.5 - 28 * days)


@pytest.mark.parametrize(("days", "prepared"), [(3, 9 * (3 + 1 / 6)), (4, 36.0)])
def test_bags_at_9_ug_per_day_take_one_vial(days, prepared):
    b = drug(dose=9, days=days)
    assert b.prepared_ug == pytest.approx(prepared)
    assert b.vials == 1
    assert b.wasted_ug == pytest.approx(38.5 - 9 * days)


def test_overfill_can_cost_a_whole_extra_vial():
    # 35 µg for one day fits one vial; with 4 h of overfill (40.8 µg) it needs two.
    assert drug(dose=35, days=1, overfill_max_days=0).vials == 1
    assert drug(dose=35, days=1).prepared_ug == pytest.approx(35 * 7 / 6)
    assert drug(dose=35, days=1).vials == 2


def test_a_bag_exactly_filling_its_vials_is_not_rounded_up():
    b = drug(dose=9.625, days=4)  # 38.5 µg exactly
    assert b.vials == 1
    assert b.wasted_ug == pytest.approx(0.0, abs=1e-12)
    assert drug(dose=19.25, days=4).vials == 2  # 77 µg


def test_floating_noise_in_bag_length_does_not_add_a_day():
    assert drug(dose=28, days=3 + 1e-12).prepared_ug == pytest.approx(28 * (3 + 1 / 6))
    assert drug(dose=28, days=4 - 1e-12).vials == 3


def test_fractional_final_bag_is_prepared_for_whole_days():
    b = drug(dose=28, days=2.5)  # e.g. infusion stopped mid-bag: prepared for 3 days + overfill
    assert b.prepared_ug == pytest.approx(28 * (3 + 1 / 6))
    assert b.vials == 3
    assert b.infused_ug == pytest.approx(70.0)
    assert b.wasted_ug == pytest.approx(115.5 - 70.0)
    b = drug(dose=28, days=3.5)  # rounds to a 4-day bag, which carries no overfill
    assert b.prepared_ug == pytest.approx(112.0)
    assert b.vials == 3
    assert b.infused_ug == pytest.approx(98.0)


def test_vial_sharing_gives_fractional_vials():
    b = drug(dose=28, days=4, vial_sharing=True)
    assert b.vials == pytest.approx(112 / 38.5)
    assert not float(b.vials).is_integer()
    assert b.wasted_ug == pytest.approx(0.0, abs=1e-9)


def test_vial_sharing_is_pro_rata_with_no_waste():
    for dose, days in ((28, 3), (28, 1), (28, 2.5)):
        b = drug(dose=dose, days=days, vial_sharing=True)
        assert b.wasted_ug == pytest.approx(0.0, abs=1e-9), (dose, days, b)
        assert b.vials == pytest.approx(dose * days / 38.5)


def full_cycle_bags(step_up: bool = False) -> list[tuple[float, float]]:
    """(dose, days) of one 28-day cycle started on a Monday, bags changed Monday and Thursday."""
    bags = []
    for week in range(4):
        dose = 9.0 if step_up and week == 0 else 28.0
        bags += [(dose, 3.0), (dose, 4.0)]
    return bags


def test_full_28_ug_cycle_takes_24_vials_against_20_4_pro_rata():
    bags = [drug(dose=d, days=n) for d, n in full_cycle_bags()]
    vials = sum(b.vials for b in bags)
    assert vials == 24  # ~6 vials a week (seed facts M25)
    assert vials * VIAL_EUR == pytest.approx(63_072.0)  # "about 24 vials ≈ 63 000 €"
    infused = sum(b.infused_ug for b in bags)
    assert infused == pytest.approx(28 * 28)  # 784 µg
    assert infused / VIAL_UG == pytest.approx(20.3636, abs=1e-4)
    assert infused / VIAL_UG * VIAL_EUR == pytest.approx(53_515.6, abs=0.1)
    # The thesis rounds the vial to 38 µg: 784 / 38 x 2628 = 54 219 € (seed facts D3).
    assert math.floor(infused / 38 * VIAL_EUR) == 54_219
    assert sum(b.wasted_ug for b in bags) == pytest.approx(24 * 38.5 - 784)


def test_first_cycle_with_step_up_takes_20_vials_for_651_ug():
    bags = [drug(dose=d, days=n) for d, n in full_cycle_bags(step_up=True)]
    assert [b.vials for b in bags[:2]] == [1, 1]  # 28.5 and 36 µg at 9 µg/day
    assert sum(b.vials for b in bags) == 20
    assert sum(b.infused_ug for b in bags) == pytest.approx(7 * 9 + 21 * 28)  # 651 µg (seed facts D4)
    assert sum(b.vials for b in bags) * VIAL_EUR == pytest.approx(52_560.0)


def test_baseline_drug_section_matches_blincyto(baseline_short):
    d = baseline_short.costs.drug
    assert (d.vial_ug, d.vial_price_eur, d.overfill_hours_short_bags, d.vial_sharing) == (
        38.5,
        2628.0,
        4.0,
        False,
    )


# --- transport fares ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_short():
    return short(load_scenario(BASELINE))


@pytest.fixture(scope="module")
def fares(baseline_short) -> Transport:
    return baseline_short.costs.transport


def test_vsl_round_trip_by_hand(fares):
    vsl = fares.modes["vsl"]
    assert (vsl.flat_eur, vsl.included_km, vsl.pickup_eur, vsl.per_km_eur) == (12.91, 3.0, 15.58, 1.02)
    assert trip_cost(50, vsl) == pytest.approx(2 * (12.91 + 15.58 + 1.02 * 47))  # 152.86 €
    assert trip_cost(50, vsl) == pytest.approx(152.86)


def test_taxi_and_ambulance_and_private_car_by_hand(fares):
    assert trip_cost(50, fares.modes["taxi"]) == pytest.approx(2 * (13 + 15 + 1.17 * 46))  # 163.64 €
    assert trip_cost(50, fares.modes["ambulance"]) == pytest.approx(2 * (51.30 + 2.19 * 50))  # 321.60 €
    assert trip_cost(50, fares.modes["private_car"]) == pytest.approx(2 * 0.30 * 50)


def test_trips_within_the_included_km_pay_only_the_fixed_fees(fares):
    assert trip_cost(2, fares.modes["vsl"]) == pytest.approx(2 * (12.91 + 15.58))
    assert trip_cost(3, fares.modes["vsl"]) == pytest.approx(2 * (12.91 + 15.58))
    assert trip_cost(4, fares.modes["taxi"]) == pytest.approx(2 * 28.0)
    assert trip_cost(0, fares.modes["ambulance"]) == pytest.approx(2 * 51.30)
    assert trip_cost(0, fares.modes["private_car"]) == 0.0


def test_expected_trip_cost_is_the_mix_weighted_average(baseline_short):
    costs = baseline_short.costs
    by_hand = 0.6 * 152.86 + 0.3 * 163.64 + 0.05 * 321.60 + 0.05 * 30.0  # 158.388 €
    assert expected_trip_cost(50, costs) == pytest.approx(by_hand)
    for km in (0.0, 3.0, 12.5, 180.0):
        weighted = sum(
            share * trip_cost(km, costs.transport.modes[m]) for m, share in costs.transport.mix.items()
        )
        assert expected_trip_cost(km, costs) == pytest.approx(weighted)


def test_expected_trip_cost_normalises_the_shares(baseline_short):
    costs = baseline_short.costs
    modes = costs.transport.modes

    def with_mix(mix):
        return costs.model_copy(update={"transport": Transport(modes=modes, mix=mix)})

    a = expected_trip_cost(40, with_mix({"vsl": 3, "taxi": 1}))
    b = expected_trip_cost(40, with_mix({"vsl": 0.75, "taxi": 0.25, "ambulance": 0.0}))
    assert a == pytest.approx(b)
    assert a == pytest.approx(0.75 * trip_cost(40, modes["vsl"]) + 0.25 * trip_cost(40, modes["taxi"]))
    assert expected_trip_cost(40, with_mix({"taxi": 7})) == pytest.approx(trip_cost(40, modes["taxi"]))


# --- episode_costs on a hand-made table ---------------------------------------------------------------------


def hand_costs(**changes) -> Costs:
    values = {
        "drug": DrugCost(vial_price_eur=VIAL_EUR, vial_ug=VIAL_UG),
        "inpatient_bed_day_eur": 1000.0,
        "day_hospital_session_eur": 400.0,
        "had_day_eur": 200.0,
        "had_day_by_had": {"albi": 300.0},
        "nurse_visit_eur": 20.0,
        "transport": Transport(modes={"car": TransportMode(per_km_eur=0.5, flat_eur=10.0)}, mix={"car": 1}),
    }
    return Costs(**{**values, **changes})


def hand_episodes() -> pd.DataFrame:
    rows = []
    for episode, route, had, home_days, at_home, sessions, causes in (
        (0, "had", "albi", 10.0, 0, 2, {"cycle_start": 9.0, "pre_phase": 5.0, "adverse_event": 2.5}),
        (1, "convention", "", 5.0, 2, 0, {"waiting_home_care": 3.0, "waiting_start_day": 1.0}),
        (2, "inpatient", "", 0.0, 0, 0, {"inpatient_only": 28.0}),
        (3, "derogation", "srd", 4.0, 0, 1, {}),
    ):
        row = {"episode": episode, "route": route, "had": had, "home_days": home_days}
        row["had_home_days"] = home_days if had else 0.0  # days at home in an HAD's care
        row |= {"bag_changes_at_home": at_home, "day_hospital_sessions": sessions}
        row |= {f"bed_days_{c}": causes.get(c, 0.0) for c in BED_CAUSES}
        rows.append(row)
    return pd.DataFrame(rows)


def test_episode_costs_on_a_hand_made_table():
    bags = pd.DataFrame(
        [(0, 3.0, 28.0), (0, 4.0, 28.0), (1, 4.0, 9.0), (2, 1.0, 28.0)], columns=["episode", "days", "dose"]
    )
    trips = pd.DataFrame({"episode": [0, 0, 3], "km": [100.0, 100.0, 20.0]})  # round-trip km
    out = episode_costs(hand_episodes(), bags, trips, hand_costs()).set_index("episode")

    assert out["vials"].tolist() == [6, 1, 1, 0]
    assert out["cost_drug"].tolist() == pytest.approx([6 * VIAL_EUR, VIAL_EUR, VIAL_EUR, 0.0])
    assert out["infused_ug"].tolist() == pytest.approx([196.0, 36.0, 28.0, 0.0])
    assert out["wasted_ug"].tolist() == pytest.approx([231 - 196, 38.5 - 36, 38.5 - 28, 0.0])
    assert out["cost_drug_wasted"].tolist() == pytest.approx(
        [35 / 38.5 * VIAL_EUR, 2.5 / 38.5 * VIAL_EUR, 10.5 / 38.5 * VIAL_EUR, 0.0]
    )
    # pre-phase and waiting for the start day are billed with the cycle start
    assert out["cost_inpatient_cycle_start"].tolist() == pytest.approx([14_000.0, 1000.0, 0.0, 0.0])
    assert out["cost_inpatient_waiting_home_care"].tolist() == pytest.approx([0.0, 3000.0, 0.0, 0.0])
    assert out["cost_inpatient_adverse_event"].tolist() == pytest.approx([2500.0, 0.0, 0.0, 0.0])
    assert out["cost_inpatient_only"].tolist() == pytest.approx([0.0, 0.0, 28_000.0, 0.0])
    assert out["cost_day_hospital"].tolist() == pytest.approx([800.0, 0.0, 0.0, 400.0])
    # HAD days at the per-HAD tariff (albi) or the default; none for convention or inpatient routes
    assert out["cost_had"].tolist() == pytest.approx([3000.0, 0.0, 0.0, 800.0])
    # convention: one visit a home day plus one per bag change at home
    assert out["nurse_visits"].tolist() == pytest.approx([0.0, 7.0, 0.0, 0.0])
    assert out["cost_nurse_visits"].tolist() == pytest.approx([0.0, 140.0, 0.0, 0.0])
    # car: 10 € a leg + 0.5 €/km, two legs of 50 km each trip -> 70 € a trip
    assert out["cost_transport"].tolist() == pytest.approx([140.0, 0.0, 0.0, 2 * (10 + 0.5 * 10)])
    items = out[[f"cost_{i}" for i in COST_ITEMS]].sum(axis=1)
    assert out["cost_total"].to_numpy() == pytest.approx(items.to_numpy())


def test_episode_costs_without_any_trip_or_bag():
    empty_bags = pd.DataFrame(columns=["episode", "days", "dose"])
    empty_trips = pd.DataFrame(columns=["episode", "km"])
    out = episode_costs(hand_episodes(), empty_bags, empty_trips, hand_costs())
    assert (out["cost_transport"] == 0).all()
    assert (out["cost_drug"] == 0).all()
    assert (out["vials"] == 0).all()
    assert out["cost_total"].sum() > 0


# --- reconciliation on short runs of the baseline -----------------------------------------------------------


@pytest.fixture(scope="module")
def base_runs(baseline_short, territory):
    terr = scenario_territory(baseline_short, territory)
    return [
        (run_replication(baseline_short, terr, r), simulate(baseline_short, terr, r)) for r in REPLICATIONS
    ]


@pytest.fixture(scope="module")
def base_episodes(base_runs) -> pd.DataFrame:
    return pd.concat([out.episodes for out, _ in base_runs], ignore_index=True)


def test_the_runs_cover_every_cost_item(base_episodes):
    e = base_episodes
    assert len(e) >= 15
    assert {"had", "convention"} <= set(e["route"])
    for item in COST_ITEMS:
        if item == "bag_delivery":  # the baseline changes every bag at IUCT-O: no courier (tested below)
            assert (e["cost_bag_delivery"] == 0).all()
            continue
        assert (e[f"cost_{item}"] > 0).any(), f"no episode with a {item} cost: the checks below are vacuous"
    assert (e["bed_days_pre_phase"] > 0).any()
    assert (e["bed_days_waiting_start_day"] > 0).any()


def test_cost_columns_are_exactly_the_items_and_total_is_their_sum(base_episodes):
    e = base_episodes
    cost_columns = {c for c in e.columns if c.startswith("cost_")}
    assert cost_columns == {f"cost_{i}" for i in COST_ITEMS} | {
        "cost_total",
        "cost_drug_wasted",
        "cost_drug_unused_bags",  # the part of the waste in bags taken down early
    }
    items = e[[f"cost_{i}" for i in COST_ITEMS]].sum(axis=1)
    np.testing.assert_allclose(e["cost_total"], items, rtol=1e-12)
    assert (e[[f"cost_{i}" for i in COST_ITEMS]] >= 0).all().all()


def test_inpatient_costs_are_bed_days_by_cause_times_the_bed_day_price(base_episodes):
    e = base_episodes
    cycle_start = e["bed_days_cycle_start"] + e["bed_days_pre_phase"] + e["bed_days_waiting_start_day"]
    np.testing.assert_allclose(e["cost_inpatient_cycle_start"], cycle_start * BED_DAY, rtol=1e-12)
    for item, cause in (
        ("inpatient_waiting_home_care", "waiting_home_care"),
        ("inpatient_adverse_event", "adverse_event"),
        ("inpatient_only", "inpatient_only"),
    ):
        np.testing.assert_allclose(e[f"cost_{item}"], e[f"bed_days_{cause}"] * BED_DAY, rtol=1e-12)
    peripheral = e["peripheral_bed_days"] * PERIPHERAL_BED_DAY
    np.testing.assert_allclose(e["cost_inpatient_peripheral"], peripheral, rtol=1e-12)
    inpatient = e[[c for c in e.columns if c.startswith("cost_inpatient_")]].sum(axis=1)
    # no cause left out: IUCT-O bed-days and peripheral hospitals' (severe events at home)
    np.testing.assert_allclose(inpatient, e["bed_days_total"] * BED_DAY + peripheral, rtol=1e-12)


def test_bed_days_behind_the_costs_are_the_episodes_admissions(base_runs):
    for out, _ in base_runs:
        adm = out.admissions[out.admissions["episode"] >= 0]
        assert adm["discharge"].notna().all()  # the run drains: every referred episode finished
        stays = (adm["discharge"] - adm["admit"]).groupby(adm["episode"]).sum()
        e = out.episodes.set_index("episode")
        np.testing.assert_allclose(stays.reindex(e.index, fill_value=0.0), e["bed_days_total"], atol=1e-9)


def test_day_hospital_had_and_nurse_costs_reconcile(base_episodes):
    e = base_episodes
    np.testing.assert_allclose(e["cost_day_hospital"], e["day_hospital_sessions"] * SESSION, rtol=1e-12)
    at_had = e["route"].isin(["had", "derogation"])
    np.testing.assert_allclose(e.loc[at_had, "cost_had"], e.loc[at_had, "home_days"] * HAD_DAY, rtol=1e-12)
    assert (e.loc[~at_had, "cost_had"] == 0).all()
    assert (e.loc[at_had, "had"] != "").all()
    convention = e["route"] == "convention"
    assert (e.loc[convention, "home_days"] > 0).any()
    # bags are changed at the day hospital in the baseline: one nurse visit per home day
    np.testing.assert_allclose(e.loc[convention, "nurse_visits"], e.loc[convention, "home_days"], rtol=1e-12)
    assert (e.loc[~convention, "nurse_visits"] == 0).all()
    np.testing.assert_allclose(e["cost_nurse_visits"], e["nurse_visits"] * NURSE, rtol=1e-12)


def test_every_day_hospital_session_is_one_trip_to_the_iuct(base_episodes):
    e = base_episodes
    # Day-hospital sessions are bag changes and visits; a change with no session may be a ward visit.
    np.testing.assert_array_equal(e["trips"], e["day_hospital_sessions"] + e["bag_changes_ward_visit"])
    assert (e["visits"] > 0).any()
    np.testing.assert_allclose(e["visit_km"], 2 * e["km_to_iucto"] * e["visits"], rtol=1e-9)
    np.testing.assert_allclose(
        e["bag_change_km"] + e["visit_km"], 2 * e["km_to_iucto"] * e["trips"], rtol=1e-9
    )
    # Patient km add the journeys in and out of each hospital stay (one way each), IUCT-O's or a
    # peripheral hospital's, and the transfers from a peripheral hospital to IUCT-O.
    iucto_legs = e["legs"] - e["peripheral_legs"]
    np.testing.assert_allclose(
        e["legs_km"], e["km_to_iucto"] * iucto_legs + e["peripheral_legs_km"], rtol=1e-9, atol=1e-9
    )
    np.testing.assert_allclose(
        e["km"], e["bag_change_km"] + e["visit_km"] + e["legs_km"] + e["transfer_km"], rtol=1e-12
    )
    assert (e["peripheral_legs"] > 0).any() and (e["transfers"] > 0).any()


def test_each_stay_is_a_journey_in_and_one_out_unless_the_patient_died(base_runs, territory):
    for out, record in base_runs:
        # A stay in a peripheral hospital is one more stay; a transfer joins it to the IUCT-O stay
        # that follows (no journey home between the two).
        stays: dict[int, int] = defaultdict(int)
        for admission in record.admissions:
            if admission.episode is not None and admission.admit is not None:
                stays[admission.episode] += 1
        for emergency in record.home_emergencies:
            stays[emergency.episode] += emergency.hospital != territory.hospitals.centre
        for transfer in record.transfers:
            stays[transfer.episode] -= 1
        e = out.episodes.set_index("episode")
        for episode, n in stays.items():
            legs = e.loc[episode, "legs"]
            died_in_hospital = bool(e.loc[episode, "outcome"] == "death") and legs == 2 * n - 1
            assert legs == 2 * n or died_in_hospital, (episode, n, legs)
        assert (e["legs"] >= 2).mean() > 0.9


def test_transport_cost_is_the_sum_of_its_trips_at_the_expected_fare(base_runs, baseline_short):
    costs = baseline_short.costs
    for out, record in base_runs:
        per_episode: dict[int, float] = defaultdict(float)
        for trip in record.trips:
            per_episode[trip.episode] += expected_trip_cost(trip.km / 2, costs)
        for episode, _, km, _, _ in record.legs:  # one way: half a round trip's fare
            per_episode[episode] += expected_trip_cost(km, costs) / 2
        for episode, _, _, km, _ in record.transfers:  # peripheral hospital to IUCT-O: one way too
            per_episode[episode] += expected_trip_cost(km, costs) / 2
        e = out.episodes.set_index("episode")
        expected = pd.Series(per_episode).reindex(e.index, fill_value=0.0)
        np.testing.assert_allclose(e["cost_transport"], expected, rtol=1e-12)
        # Episodes whose every stay was at IUCT-O: all their journeys are between home and IUCT-O.
        e = e[(e["peripheral_legs"] == 0) & (e["transfers"] == 0)]
        by_hand = [
            (t + legs / 2) * expected_trip_cost(k, costs)
            for t, legs, k in zip(e["trips"], e["legs"], e["km_to_iucto"])
        ]
        np.testing.assert_allclose(e["cost_transport"], by_hand, rtol=1e-9)


# Vials per bag, by hand (dose µg/day, bag days) for the whole-day bags of the schedule.
VIALS_BY_HAND = {
    (28.0, 1): 1,
    (28.0, 2): 2,
    (28.0, 3): 3,
    (28.0, 4): 3,
    (9.0, 1): 1,
    (9.0, 2): 1,
    (9.0, 3): 1,
    (9.0, 4): 1,
}


def test_vials_are_counted_bag_by_bag_from_the_schedule(base_runs):
    fractional = 0
    for out, record in base_runs:
        e = out.episodes.set_index("episode")
        for episode in record.episodes:
            vials = infused = 0.0
            for bag in episode.bags:
                days, made = bag.end - bag.start, bag.made_days  # a bag is made for its planned days
                if abs(made - round(made)) < 1e-9:
                    vials += VIALS_BY_HAND[(bag.dose, round(made))]
                else:
                    fractional += 1
                    prepared = bag.dose * (math.ceil(made) + (4 / 24 if made <= 3 else 0))
                    vials += math.ceil(prepared / EXTRACTABLE_UG - 1e-9)
                infused += bag.dose * days
            row = e.loc[episode.profile.index]
            assert row["vials"] == vials
            assert row["infused_ug"] == pytest.approx(infused)
            assert row["cost_drug"] == pytest.approx(vials * VIAL_EUR)
            assert row["vials"] * EXTRACTABLE_UG == pytest.approx(row["infused_ug"] + row["wasted_ug"])
            assert row["cost_drug_wasted"] == pytest.approx(row["wasted_ug"] / EXTRACTABLE_UG * VIAL_EUR)
    restarts = sum(len(record.interruptions) for _, record in base_runs)
    assert fractional <= 2 * restarts  # only bags made after a restart (at any time of day)


def test_completed_cycles_infuse_651_then_784_ug(base_episodes):
    e = base_episodes
    full = e[(e["outcome"] == "completed") & (e["cycles_started"] == e["cycles_planned"]) & e["finished"]]
    full = full[full["unused_ug"] == 0]  # no bag taken down early: no interruption (restarts keep the dose)
    assert len(full) >= 5
    # A step-up due on a public holiday waits for the pharmacy's next day: a day more at 9 ug (19 ug less).
    short_of = 651 + 784 * (full["cycles_started"] - 1) - full["infused_ug"]
    steps = short_of / (28 - 9)
    np.testing.assert_allclose(steps, np.round(steps), atol=1e-9)
    assert steps.between(0, 3).all() and (steps == 0).mean() > 0.8
    # ~20 vials in cycle 1, ~24 in later cycles; never less than pro rata
    assert (full["vials"] >= np.ceil(full["infused_ug"] / VIAL_UG)).all()
    assert (full["vials"] <= 20 + 26 * (full["cycles_started"] - 1) + 2).all()


def in_window(episodes: pd.DataFrame) -> pd.DataFrame:
    return episodes[(episodes["arrival"] >= WARMUP) & (episodes["arrival"] < WARMUP + YEARS * 365.25)]


def test_per_year_and_per_episode_cost_kpis_recompute_from_the_episodes(base_runs):
    for out, _ in base_runs:
        referred = in_window(out.episodes)
        assert len(referred) >= 3
        k = out.kpis
        assert k["episodes_per_year"] == pytest.approx(len(referred) / YEARS)
        for item in (*COST_ITEMS, "total", "drug_wasted"):
            column = referred[f"cost_{item}"]
            assert k[f"cost_{item}_per_year"] == pytest.approx(column.sum() / YEARS, rel=1e-12), item
            assert k[f"cost_{item}_per_episode"] == pytest.approx(column.mean(), rel=1e-12), item
        items = sum(k[f"cost_{item}_per_year"] for item in COST_ITEMS)
        assert k["cost_total_per_year"] == pytest.approx(items, rel=1e-12)
        assert k["vials_per_episode"] == pytest.approx(referred["vials"].mean())
        assert k["nurse_visits_per_episode"] == pytest.approx(referred["nurse_visits"].mean())
        wasted = referred["wasted_ug"].sum()
        assert k["drug_wasted_share"] == pytest.approx(wasted / (referred["vials"].sum() * EXTRACTABLE_UG))


def test_patient_outcome_kpis_recompute_from_the_episodes(base_runs):
    for out, _ in base_runs:
        done = in_window(out.episodes)
        done = done[done["finished"]]
        for column in ("trips", "km", "hours", "home_days", "bed_days_total"):
            assert out.kpis[f"{column}_per_episode"] == pytest.approx(done[column].mean()), column


def test_the_episodes_frame_is_reproducible(base_runs, baseline_short, territory):
    out, _ = base_runs[0]
    again = run_replication(baseline_short, scenario_territory(baseline_short, territory), 0)
    pd.testing.assert_frame_equal(out.episodes, again.episodes)
    assert out.kpis == pytest.approx(again.kpis, nan_ok=True)


# --- prices do not feed back into the simulation ------------------------------------------------------------


PRICE_KEYS = (
    "costs.drug.vial_price_eur",
    "costs.inpatient_bed_day_eur",
    "costs.day_hospital_session_eur",
    "costs.had_day_eur",
    "costs.nurse_visit_eur",
    "costs.convention_provider_day_eur",
    "costs.bag_delivery.flat_eur",
    "costs.bag_delivery.per_km_eur",
    *(
        f"costs.transport.modes.{mode}.{fee}"
        for mode in ("vsl", "taxi", "ambulance", "private_car")
        for fee in ("flat_eur", "pickup_eur", "per_km_eur")
    ),
)


def price_dependent(name: str) -> bool:
    return name.startswith("cost_")


def test_changing_one_price_moves_cost_kpis_only(base_runs, baseline_short, territory):
    out, _ = base_runs[0]
    dearer = with_values(baseline_short, {"costs.had_day_eur": 400.0})
    other = run_replication(dearer, scenario_territory(dearer, territory), 0)
    assert set(other.kpis) == set(out.kpis)
    for name, value in out.kpis.items():
        if not price_dependent(name):
            assert other.kpis[name] == pytest.approx(value, nan_ok=True, rel=0, abs=0), name
    had_days = in_window(out.episodes).pipe(
        lambda e: e.loc[e["route"].isin(["had", "derogation"]), "home_days"]
    )
    assert other.kpis["cost_had_per_year"] == pytest.approx(had_days.sum() * 400 / YEARS)
    assert other.kpis["cost_total_per_year"] - out.kpis["cost_total_per_year"] == pytest.approx(
        had_days.sum() * 150 / YEARS
    )
    for item in ("drug", "inpatient_cycle_start", "day_hospital", "transport", "nurse_visits"):
        assert other.kpis[f"cost_{item}_per_year"] == out.kpis[f"cost_{item}_per_year"]


def test_doubling_every_price_doubles_every_cost_and_nothing_else(base_runs, baseline_short, territory):
    out, _ = base_runs[0]
    raw = baseline_short.model_dump(mode="json")

    def value(key):
        node = raw
        for part in key.split("."):
            node = node[part]
        return node

    dear = with_values(baseline_short, {k: 2 * value(k) for k in PRICE_KEYS})
    assert dear.costs.transport.modes["vsl"].included_km == 3.0
    other = run_replication(dear, scenario_territory(dear, territory), 0)
    for name, v in out.kpis.items():
        expected = 2 * v if price_dependent(name) else v
        assert other.kpis[name] == pytest.approx(expected, nan_ok=True, rel=1e-12), name
    pd.testing.assert_series_equal(out.episodes["vials"], other.episodes["vials"])


def test_a_per_had_tariff_changes_only_that_hads_patients(base_runs, baseline_short, territory):
    out, _ = base_runs[0]
    e = out.episodes
    at_home = e[e["route"].isin(["had", "derogation"]) & (e["home_days"] > 0)]
    assert at_home["had"].nunique() >= 2
    had = at_home["had"].value_counts().index[0]
    scenario = baseline_short.model_copy(
        update={"costs": baseline_short.costs.model_copy(update={"had_day_by_had": {had: 400.0}})}
    )
    other = run_replication(scenario, scenario_territory(scenario, territory), 0).episodes
    mine = e["had"] == had
    np.testing.assert_allclose(other.loc[mine, "cost_had"], e.loc[mine, "home_days"] * 400.0, rtol=1e-12)
    assert (other.loc[mine, "cost_had"] > e.loc[mine, "cost_had"]).any()
    pd.testing.assert_series_equal(other.loc[~mine, "cost_had"], e.loc[~mine, "cost_had"])
    for column in [c for c in e.columns if c.startswith("cost_") and c not in ("cost_had", "cost_total")]:
        pd.testing.assert_series_equal(other[column], e[column])


def test_a_per_had_tariff_for_an_unknown_had_is_rejected(baseline_short, territory):
    scenario = baseline_short.model_copy(
        update={"costs": baseline_short.costs.model_copy(update={"had_day_by_had": {"albii": 400.0}})}
    )
    with pytest.raises(ScenarioError, match="had_day_by_had"):
        scenario_territory(scenario, territory)


# --- bag changes at home --------------------------------------------------------------------------------


def test_home_bag_changes_cost_no_patient_transport_but_a_courier(base_runs, territory):
    scenario = short(load_scenario(SCENARIOS / "home_bag_change.yaml"))
    assert scenario.bags.where_changed == "home"
    terr = scenario_territory(scenario, territory)
    for (base_out, _), r in zip(base_runs, REPLICATIONS):
        out = run_replication(scenario, terr, r)
        e = out.episodes
        # No bag-change trip is left: the only patient transport is the visits to IUCT-O (the
        # end-of-infusion evaluation), the journeys in and out of hospital stays and transfers
        # between them: the baseline's transport less its bag-change trips.
        assert (e["trips"] == e["visits"]).all() and (e["bag_change_km"] == 0).all()
        base = base_out.episodes
        np.testing.assert_array_equal(e["visits"], base["visits"])
        fare = [expected_trip_cost(k, scenario.costs) for k in base["km_to_iucto"]]
        trips_fare = (base["trips"] - e["trips"]) * fare
        np.testing.assert_allclose(e["cost_transport"], base["cost_transport"] - trips_fare, rtol=1e-9)
        pd.testing.assert_series_equal(e["legs"], base_out.episodes["legs"])
        pd.testing.assert_series_equal(e["visits"], base_out.episodes["visits"])
        np.testing.assert_allclose(e["cost_day_hospital"], e["visits"] * SESSION, rtol=1e-12)
        assert out.kpis["hdj_blina_sessions_per_week"] == 0
        assert out.kpis["bag_change_km_per_year"] == 0
        # same seed, same patients and stays: only where the bags are changed differs (and so the
        # weekdays of the changes, chosen for the day hospital's load, and its bridge bags)
        base = base_out.episodes
        for column in ("cost_had", "bed_days_total", "home_days"):
            pd.testing.assert_series_equal(e[column], base[column])
        assert (base["cost_transport"] > 0).any()
        # a convention nurse changes the bags at home: one visit more per change
        convention = e["route"] == "convention"
        np.testing.assert_allclose(
            e.loc[convention, "nurse_visits"],
            e.loc[convention, "home_days"] + e.loc[convention, "bag_changes_at_home"],
            rtol=1e-12,
        )
        # every bag changed at home is brought from the IUCT-O pharmacy by a courier
        np.testing.assert_array_equal(e["deliveries"], e["bag_changes_at_home"])
        courier = [
            n * trip_cost(km, scenario.costs.bag_delivery) for n, km in zip(e["deliveries"], e["km_to_iucto"])
        ]
        np.testing.assert_allclose(e["cost_bag_delivery"], courier, rtol=1e-9)
        np.testing.assert_allclose(e["delivery_km"], 2 * e["deliveries"] * e["km_to_iucto"], rtol=1e-9)
        assert (e["cost_bag_delivery"] > 0).any()
        saved = (base["cost_transport"] - e["cost_transport"]) + (
            base["cost_day_hospital"] - e["cost_day_hospital"]
        )
        saved += base["cost_drug"] - e["cost_drug"]
        extra = (e["nurse_visits"] - base["nurse_visits"]) * NURSE + e["cost_bag_delivery"]
        np.testing.assert_allclose(base["cost_total"] - e["cost_total"], saved - extra, rtol=1e-9, atol=1e-6)


def test_a_run_without_episodes_costs_nothing(baseline_short, territory):
    scenario = with_values(baseline_short, {"blinatumomab.arrivals.episodes_per_year": 0})
    out = run_replication(scenario, scenario_territory(scenario, territory), 0)
    assert len(out.episodes) == 0
    assert out.kpis["cost_total_per_year"] == 0.0
    assert out.kpis["cost_drug_per_year"] == 0.0
