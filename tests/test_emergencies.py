"""Verification of severe events at home: nearest capable hospital first, IUCT-O second.

Each test checks something a real bug would break: an event at home that goes nowhere (or twice), a
transfer without its IUCT-O bed, a patient sent past the nearest capable hospital, a peripheral
hospital holding more patients than it has beds, the old all-to-IUCT-O behaviour not recovered when
there is no peripheral hospital, and the hospitals file read without its checks.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scenario_variants import baseline_variant as scenario

from sim.measures.frames import max_concurrent
from sim.model.draws import Draws
from sim.model.engine import simulate
from sim.model.records import ADVERSE_EVENT, BAG_CHANGE, BLINA_START
from sim.runs.replications import run_replication
from sim.scenario.errors import ScenarioError
from sim.scenario.files import with_values
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory
from sim.territory.geodata import DEFAULT_GEO_DIR, IUCT_ONCOPOLE_LONLAT, TerritoryDataError
from sim.territory.travel import CircuityTravel

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
GOURDON = "46127"  # Lot: HAD of Cahors (authorised); nearest capable hospital CH de Cahors, ~42 km by road
TOL = 1e-9


# Many severe events: every cycle has a grade >= 3 infection somewhere in its infusion.
FREQUENT_EVENTS = {
    "run.years": 2,
    "run.warmup_days": 60,
    "blinatumomab.arrivals.episodes_per_year": 20.0,
    "home_care.pumps": 10,
    "blinatumomab.adverse_events.infection.probability_cycle1": 1.0,
    "blinatumomab.adverse_events.infection.probability_later": 1.0,
    "blinatumomab.adverse_events.infection.severe_share": 1.0,
}


def geo_copy(tmp_path: Path, hospitals_rows: list[str] | None = None) -> Path:
    """A copy of geo/ whose hospitals.csv keeps its header and only ``hospitals_rows`` (None: all)."""
    target = tmp_path / "geo"
    shutil.copytree(DEFAULT_GEO_DIR, target, ignore=shutil.ignore_patterns(".cache", "*.py"))
    if hospitals_rows is not None:
        path = target / "hospitals.csv"
        header = next(
            line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("id,")
        )
        path.write_text("\n".join([header, *hospitals_rows]) + "\n", encoding="utf-8")
    return target


def hospital_rows(*ids: str) -> list[str]:
    lines = (DEFAULT_GEO_DIR / "hospitals.csv").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.split(",", 1)[0] in ids]


def living_in(territory: Territory, insee: str) -> Territory:
    """The territory with every patient living in one commune."""
    communes = territory.communes.copy()
    communes["in_catchment"] = communes["insee"] == insee
    return dataclasses.replace(territory, communes=communes)


def in_hospital_intervals(record) -> dict[int, list[tuple[float, float]]]:
    """Per episode: when the patient was in a hospital bed or waiting for an IUCT-O one."""
    spans: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for a in record.admissions:
        if a.episode is not None:
            spans[a.episode].append((a.request, math.inf if a.discharge is None else a.discharge))
    for h in record.home_emergencies:
        spans[h.episode].append((h.onset, math.inf if h.discharge is None else h.discharge))
    return spans


# --- every severe event at home goes somewhere ------------------------------------------------------------


@pytest.fixture(scope="module")
def frequent_runs(territory):
    s = scenario(**FREQUENT_EVENTS)
    terr = scenario_territory(s, territory)
    return s, terr, [simulate(s, terr, r) for r in range(2)]


def test_every_severe_event_at_home_goes_to_one_hospital(frequent_runs):
    """Events drawn while the patient was at home, in a home phase = the first-recourse admissions."""
    _, terr, records = frequent_runs
    centre = terr.hospitals.centre
    n_events = 0
    for record in records:
        in_hospital = in_hospital_intervals(record)
        starts = defaultdict(list)
        for a in record.admissions:
            if a.kind == BLINA_START:
                starts[a.episode].append(a)
        expected = []
        for e in record.episodes:
            index = e.profile.index
            cycles = sorted({b.cycle for b in e.bags})
            for cycle in cycles:
                bags = [b for b in e.bags if b.cycle == cycle]
                day1, end = bags[0].start, bags[-1].end  # the bags cover the infusion
                home_from = starts[index][cycle - 1].discharge
                for event in e.profile.adverse[cycle - 1]:
                    t = day1 + event.onset
                    # In a bed already (or waiting for one): the stay absorbs the event.
                    away = any(a + 1e-7 < t < b - 1e-7 for a, b in in_hospital[index])
                    if home_from <= t < end and not away:
                        expected.append((index, round(t, 6), event.kind))
        seen = sorted((h.episode, round(h.onset, 6), h.kind) for h in record.home_emergencies)
        assert seen == sorted(expected)
        n_events += len(seen)

        # Count balance: each event went to one first recourse; each IUCT-O adverse-event admission is
        # a direct one or a transfer, each transfer from a peripheral stay.
        direct = [h for h in record.home_emergencies if h.hospital == centre]
        peripheral = [h for h in record.home_emergencies if h.hospital != centre]
        assert len(direct) + len(peripheral) == len(record.home_emergencies)
        transferred = [h for h in peripheral if h.transferred]
        assert not any(h.transferred for h in direct)
        assert len(record.transfers) == len(transferred) <= len(peripheral)
        iucto = [a for a in record.admissions if a.kind == ADVERSE_EVENT]
        assert all(a.admit is not None and a.discharge is not None for a in iucto)  # the run drains
        assert len(iucto) == len(direct) + len(transferred)
        # A transfer leaves the peripheral bed the moment its IUCT-O bed is granted.
        admitted = {(a.episode, a.admit) for a in iucto}
        assert all((h.episode, h.discharge) in admitted for h in transferred)
        moved = {(t.episode, t.time, t.hospital) for t in record.transfers}
        assert moved == {(h.episode, h.discharge, h.hospital) for h in transferred}
    assert n_events > 100
    assert any(h.transferred for r in records for h in r.home_emergencies)
    assert any(h.hospital == centre for r in records for h in r.home_emergencies)


def test_kpis_count_the_events_where_they_went(frequent_runs):
    s, terr, _ = frequent_runs
    k = run_replication(s, terr, 0).kpis
    at_home = k["severe_events_at_home_per_year"]
    first = k["severe_events_direct_to_iucto_per_year"] + k["peripheral_admissions_per_year"]
    assert at_home == pytest.approx(first)
    assert k["transfers_to_iucto_per_year"] <= k["peripheral_admissions_per_year"]
    hospitals = [h for h in terr.hospitals.table.index if h != "iucto"]
    by_hospital = sum(k[f"peripheral_admissions_per_year_{h}"] for h in hospitals)
    assert by_hospital == pytest.approx(k["peripheral_admissions_per_year"])
    days = sum(k[f"peripheral_bed_days_per_year_{h}"] for h in hospitals)
    assert days == pytest.approx(k["peripheral_bed_days_per_year"]) and days > 0
    assert k["iucto_adverse_event_bed_days_per_year"] > 0
    assert k["peripheral_admissions_diverted_per_year"] == 0  # no limit on peripheral beds


# --- the nearest capable hospital, by road -----------------------------------------------------------------


def test_the_first_recourse_is_the_nearest_capable_hospital_by_road(tmp_path, frequent_runs):
    """Checked against the file read by hand and the road-distance rule (1.3 x great circle)."""
    s, _, _ = frequent_runs
    # Clinique Pasteur cannot take the event: Toulouse's patients go elsewhere.
    geo = geo_copy(tmp_path)
    path = geo / "hospitals.csv"
    pasteur = "clinique_pasteur,Clinique Pasteur,peripheral,31555,1.44305,43.60405,"
    text = path.read_text(encoding="utf-8")
    assert pasteur + "yes,yes" in text
    path.write_text(text.replace(pasteur + "yes,yes", pasteur + "no,yes"), encoding="utf-8")
    terr = scenario_territory(s, Territory.load(geo))
    table = pd.read_csv(path, comment="#", dtype={"insee": str})
    capable = table[table["capable"] == "yes"].reset_index(drop=True)
    assert "clinique_pasteur" not in set(capable["id"])
    record = simulate(s, terr, 0)
    homes = {e.profile.index: e.profile.home for e in record.episodes}
    ids = terr.hospitals.table.index
    for h in record.home_emergencies:
        km = road_km(terr, homes[h.episode], capable, s)
        assert ids[h.hospital] == capable["id"][int(km.argmin())]
    assert len(record.home_emergencies) > 40
    assert any(ids[h.hospital] == "iucto" for h in record.home_emergencies)  # Toulouse, without Pasteur
    # Bags changed at the nearest hospital go to the nearest one that changes bags.
    bags = s.model_copy(update={"bags": s.bags.model_copy(update={"where_changed": "nearest_hospital"})})
    record = simulate(bags, terr, 0)
    changes = table[table["bag_changes"] == "yes"].reset_index(drop=True)
    for trip in record.trips:
        if trip.purpose != BAG_CHANGE:
            continue  # the end-of-infusion evaluation is at IUCT-O's day hospital
        km = road_km(terr, trip.origin, changes, s)
        assert ids[trip.destination] == changes["id"][int(km.argmin())]
        assert trip.km == pytest.approx(2 * km.min())
    assert len(record.trips) > 100


def road_km(territory: Territory, commune: int, hospitals: pd.DataFrame, scenario) -> np.ndarray:
    """Road km from a commune's town hall to each hospital of the file read by hand, by the scenario's
    travel model (circuity by area, corridors), computed here apart from the territory's own tables."""
    home = territory.communes.iloc[commune]
    points = hospitals[["lon", "lat"]].to_numpy(float)
    travel = CircuityTravel.from_config(scenario.territory.travel)
    origin = np.array([[home["lon"], home["lat"]]])
    return travel.matrix(origin, points, [home["dep"]], [home["arrondissement"]]).km[0]


# --- without peripheral hospitals: all to IUCT-O, as before -----------------------------------------------


def test_no_peripheral_hospital_and_transfers_certain_recover_all_to_iucto(tmp_path, territory):
    kinds = ("cytokine_release", "neurotoxicity", "infection")
    certain = {f"emergencies.transfer_probability.{kind}": 1.0 for kind in kinds}
    s = scenario(**FREQUENT_EVENTS, **certain)
    only_iucto = scenario_territory(s, Territory.load(geo_copy(tmp_path, hospital_rows("iucto"))))
    old = scenario(**FREQUENT_EVENTS, **{"emergencies.first_recourse": "iucto"})
    old_terr = scenario_territory(old, territory)
    for r in range(2):
        new_record, old_record = simulate(s, only_iucto, r), simulate(old, old_terr, r)
        assert new_record.home_emergencies and not new_record.transfers
        assert all(h.hospital == only_iucto.hospitals.centre for h in new_record.home_emergencies)
        assert new_record.admissions == old_record.admissions
        assert new_record.legs == old_record.legs
        assert all(leg.hospital is None for leg in new_record.legs)
        assert [e.bed_days for e in new_record.episodes] == [e.bed_days for e in old_record.episodes]
        assert [e.bags for e in new_record.episodes] == [e.bags for e in old_record.episodes]
        assert new_record.trips == old_record.trips
    new_kpis, old_kpis = run_replication(s, only_iucto, 0).kpis, run_replication(old, old_terr, 0).kpis
    for key in new_kpis.keys() & old_kpis.keys():
        assert new_kpis[key] == pytest.approx(old_kpis[key], nan_ok=True), key
    assert new_kpis["peripheral_admissions_per_year"] == 0 == new_kpis["transfers_to_iucto_per_year"]


# --- a deterministic small case ---------------------------------------------------------------------------


DETERMINISTIC = {
    "run.years": 1,
    "run.warmup_days": 0,
    "beds.background.arrivals_per_day": 0.0,
    "blinatumomab.arrivals.episodes_per_year": 6.0,
    "blinatumomab.indications": {
        "mrd_pos": {"label": "MRD+", "source": "test", "share": 1, "cycles": {"dist": "fixed", "value": 2}}
    },
    "blinatumomab.adverse_events.cytokine_release.probability_cycle1": 0.0,
    "blinatumomab.adverse_events.cytokine_release.probability_later": 0.0,
    "blinatumomab.adverse_events.neurotoxicity.probability_cycle1": 0.0,
    "blinatumomab.adverse_events.neurotoxicity.probability_later": 0.0,
    "blinatumomab.adverse_events.infection.probability_cycle1": 1.0,
    "blinatumomab.adverse_events.infection.probability_later": 1.0,
    "blinatumomab.adverse_events.infection.severe_share": 1.0,
    "blinatumomab.adverse_events.infection.onset_day": {"dist": "fixed", "value": 20},
    "blinatumomab.adverse_events.infection.stay_days": {"dist": "fixed", "value": 7},
    "home_care.startup_delay_days": {"dist": "fixed", "value": 2},
    "home_care.experienced_at_start": ["cahors"],
    "home_care.pumps": 20,
    "emergencies.first_recourse_days": {"dist": "fixed", "value": 1.5},
}


@pytest.mark.parametrize("transfer", [1.0, 0.0], ids=["transferred", "kept"])
def test_a_deterministic_small_case(territory, transfer):
    """Patients of Gourdon; a grade-3 infection on day 20 of each of their 2 cycles, 7 days in hospital."""
    s = scenario(**DETERMINISTIC, **{"emergencies.transfer_probability.infection": transfer})
    terr = living_in(scenario_territory(s, territory), GOURDON)
    hospitals = terr.hospitals
    home = terr.position(GOURDON)
    cahors = hospitals.table.index.get_loc("ch_cahors")
    assert hospitals.by_distance[home][0] == cahors
    record = simulate(s, terr, 0)
    assert len(record.episodes) >= 3
    by_time = {(h.episode, h.onset): h for h in record.home_emergencies}
    ae = {(a.episode, a.request): a for a in record.admissions if a.kind == ADVERSE_EVENT}
    legs = {(leg.episode, leg.time): leg for leg in record.legs}
    for e in record.episodes:
        i = e.profile.index
        assert e.cycles_started == 2
        for cycle in (1, 2):
            bags = [b for b in e.bags if b.cycle == cycle]
            t = bags[0].start + 20
            h = by_time[(i, t)]
            assert (h.hospital, h.admit, h.diverted) == (cahors, t, False)
            to_cahors = hospitals.from_communes.km[home, cahors], hospitals.from_communes.hours[home, cahors]
            assert legs[(i, t)] == (i, t, *to_cahors, cahors)
            # Bags due during the stay are changed in hospital; the infusion goes on at home after it.
            assert all(b.where == "ward" for b in bags if t <= b.start < t + 7)
            assert any(seg.start == t + 7 and seg.end == bags[-1].end for seg in e.home_segments)
            if transfer:
                assert h.transferred and h.discharge == t + 1.5
                a = ae[(i, t + 1.5)]
                assert (a.admit, a.discharge) == (t + 1.5, t + 7)
                to_iucto = hospitals.to_centre.km[cahors, 0], hospitals.to_centre.hours[cahors, 0]
                assert (i, t + 1.5, cahors, *to_iucto) in record.transfers
                home_from_iucto = terr.to_centre.km[home, 0], terr.to_centre.hours[home, 0]
                assert legs[(i, t + 7)] == (i, t + 7, *home_from_iucto, None)
            else:
                assert not h.transferred and h.discharge == t + 7
                assert legs[(i, t + 7)] == legs[(i, t)]._replace(time=t + 7)
        assert e.bed_days["adverse_event"] == pytest.approx(2 * 5.5 if transfer else 0.0)
    assert len(record.transfers) == (2 * len(record.episodes) if transfer else 0)
    episodes = run_replication(s, terr, 0).episodes
    assert (episodes["peripheral_admissions"] == 2).all()
    assert episodes["peripheral_bed_days"].to_numpy() == pytest.approx(2 * (1.5 if transfer else 7.0))
    bed_day = s.costs.inpatient_bed_day_eur * s.costs.peripheral_bed_day_price_ratio
    cost = episodes["peripheral_bed_days"] * bed_day
    assert episodes["cost_inpatient_peripheral"].to_numpy() == pytest.approx(cost.to_numpy())


# --- peripheral beds: a limit sends patients on, and is never exceeded -------------------------------------


@pytest.mark.parametrize("beds", [None, 1], ids=["unlimited", "one-bed"])
def test_peripheral_beds_limit_is_held_and_sends_patients_on(territory, beds):
    s = scenario(
        **{
            **FREQUENT_EVENTS,
            "blinatumomab.arrivals.episodes_per_year": 30.0,
            "blinatumomab.adverse_events.infection.stay_days": {"dist": "fixed", "value": 10},
            "emergencies.transfer_probability.infection": 0.0,
            "emergencies.peripheral_beds": beds,
            "home_care.pumps": 50,
        }
    )
    terr = living_in(scenario_territory(s, territory), GOURDON)
    order = list(terr.hospitals.by_distance[terr.position(GOURDON)])
    record = simulate(s, terr, 0)
    stays = record.home_emergencies
    busiest = 0
    for row in set(order) - {terr.hospitals.centre}:
        here = [h for h in stays if h.hospital == row]
        most = max_concurrent(np.array([h.admit for h in here]), np.array([h.discharge for h in here]))
        busiest = max(busiest, most)
        if beds is not None:
            assert most <= beds
    for h in stays:
        if not h.diverted:
            assert h.hospital == order[0]
            continue
        # Diverted: every nearer capable hospital was full at that moment.
        for nearer in order[: order.index(h.hospital)]:
            ongoing = sum(1 for o in stays if o.hospital == nearer and o.admit <= h.admit < o.discharge)
            assert ongoing >= beds
    diverted = sum(h.diverted for h in stays)
    if beds is None:
        assert diverted == 0 and busiest > 1  # the limit below would bind
    else:
        assert diverted > 0 and busiest == 1


# --- parameters, streams and the hospitals file ----------------------------------------------------------


def test_emergency_parameters_are_reachable_by_sensitivity_key_paths():
    base = scenario()
    changed = with_values(
        base,
        {
            "emergencies.transfer_probability.infection": 0.9,
            "emergencies.first_recourse_days.mode": 1.5,
            "costs.peripheral_bed_day_price_ratio": 0.8,
        },
    )
    assert changed.emergencies.transfer_probability["infection"] == 0.9
    assert changed.emergencies.first_recourse_days.mode == 1.5
    assert changed.costs.peripheral_bed_day_price_ratio == 0.8
    with pytest.raises(ScenarioError, match="expected a number there"):  # null (no limit): set one first
        with_values(base, {"emergencies.peripheral_beds": 2})
    limited = scenario(**{"emergencies.peripheral_beds": 2})
    assert with_values(limited, {"emergencies.peripheral_beds": 3}).emergencies.peripheral_beds == 3


def test_emergency_draws_leave_the_other_draws_as_they_were(territory):
    """Their own stream: transfer probabilities or first-recourse days change nothing else drawn."""
    base = scenario()
    other = scenario(
        **{
            "emergencies.transfer_probability.infection": 1.0,
            "emergencies.first_recourse_days": {"dist": "uniform", "low": 2, "high": 3},
        }
    )
    terr = scenario_territory(base, territory)
    profiles_a, profiles_b = Draws(base, terr, 0).episode_profiles(), Draws(other, terr, 0).episode_profiles()
    assert len(profiles_a) == len(profiles_b) > 0
    for a, b in zip(profiles_a, profiles_b):
        for field in dataclasses.fields(a):
            if field.name != "adverse":
                assert np.array_equal(getattr(a, field.name), getattr(b, field.name)), field.name
        for cycle_a, cycle_b in zip(a.adverse, b.adverse):
            assert [x[:4] for x in cycle_a] == [x[:4] for x in cycle_b]  # kind, onset, stay, transfer_u


@pytest.mark.parametrize(
    ("row", "old", "new", "message"),
    [
        (2, ",yes,yes,", ",maybe,yes,", r"row 2 column capable: expected one of yes, no"),
        (2, ",09122,", ",99999,", r"row 2 column insee: expected the INSEE code"),
        (2, "chiva_foix,", "iucto,", r"row 2 column id: expected a unique"),
        (2, ",peripheral,", ",centre,", r"column role: expected exactly one row with role centre"),
        (1, ",1.4311,", ",1.5311,", r"row 1 column lon: expected IUCT-O's point"),
        (1, ",yes,no,", ",yes,yes,", r"row 1 column bag_changes: expected no"),
        (2, ",42.96375,", ",north,", r"row 2 column lat: expected a number"),
    ],
)
def test_a_bad_hospitals_file_is_refused_naming_file_row_and_column(tmp_path, row, old, new, message):
    geo = geo_copy(tmp_path)
    path = geo / "hospitals.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    target = [i for i, line in enumerate(lines) if not line.startswith("#")][row]  # row 0: the header
    assert old in lines[target]
    lines[target] = lines[target].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TerritoryDataError, match=message) as excinfo:
        Territory.load(geo)
    assert "hospitals.csv" in str(excinfo.value)


def test_the_hospitals_file_holds_iucto_and_sourced_rows(territory):
    table = territory.hospitals.table
    assert table.loc["iucto", "role"] == "centre"
    assert (table.loc["iucto", "lon"], table.loc["iucto", "lat"]) == IUCT_ONCOPOLE_LONLAT
    assert (table["source"].str.len() > 20).all()  # every row says where it comes from, or that it is assumed
    assert table["capable"].all() and table["bag_changes"].sum() == len(table) - 1
