"""Verification of the SimPy model against theory and against its own bookkeeping.

Each test checks something that a real bug would break: a queueing result (Erlang C), conservation of
patients and beds, the bag-stability rule, trip origins, HAD capacity, reproducibility across worker
counts, and common random numbers between scenarios.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scenario_variants import variant as make_scenario
from scipy import stats

from sim.model.calendar import Calendar, weekday_set
from sim.model.draws import Draws
from sim.model.engine import Model, simulate
from sim.model.records import (
    ADVERSE_EVENT,
    BAG_CHANGE,
    BLINA_START,
    EMERGENCY,
    PLANNED,
    BagChange,
    HadStay,
)
from sim.runs.replications import run_experiment, run_replication
from sim.scenario.files import resolve_raw
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
TOL = 1e-9


# --- helpers -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def baseline_raw() -> dict:
    return resolve_raw(BASELINE)


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in M/M/c with offered load a = lambda/mu (< c), via the Erlang B recursion."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    rho = a / c
    return b / (1.0 - rho * (1.0 - b))


def mmc_mean_wait(c: int, lam: float, mu: float) -> float:
    return erlang_c(c, lam / mu) / (c * mu - lam)


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Mean and Student-t half-width of the mean of independent replications."""
    n = len(values)
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * values.std(ddof=1) / math.sqrt(n)
    return float(values.mean()), float(half)


def horizon(scenario: Scenario) -> float:
    return scenario.run.warmup_days + scenario.run.years * 365.25


def infusion_end(episode, cycle: int, day1: float, scenario: Scenario, interrupted: float = 0.0) -> float:
    """When the infusion of ``cycle`` stops: day 28 plus the days ``interrupted``, or death / early stop
    in a single-cycle episode."""
    p = episode.profile
    end = day1 + scenario.blinatumomab.infusion_days + interrupted
    if cycle == 1 and p.outcome == "death":
        return min(end, day1 + p.death_day)
    if cycle == 1 and p.outcome == "early_stop":
        return min(end, day1 + p.early_stop_day)
    return end


def bags_by_cycle(episode) -> dict[int, list[BagChange]]:
    cycles: dict[int, list[BagChange]] = defaultdict(list)
    for bag in episode.bags:
        cycles[bag.cycle].append(bag)
    return cycles


# --- 1. Erlang C ---------------------------------------------------------------------------------------


def test_erlang_c_helper_matches_closed_forms():
    # M/M/1: P(wait) = rho; M/M/2 with a = 1: P0 = 1/3 and C = 1/3.
    assert erlang_c(1, 0.7) == pytest.approx(0.7)
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert mmc_mean_wait(1, 0.7, 1.0) == pytest.approx(0.7 / (1.0 - 0.7))
    # Numerically stable for many servers (no factorial overflow), and C < 1.
    assert 0 < erlang_c(200, 180.0) < 1


@pytest.mark.parametrize(
    ("servers", "rho", "los_mean", "years", "replications"),
    [
        (1, 0.70, 1.0, 20, 10),
        (3, 0.80, 1.0, 15, 10),
        (18, 0.85, 28.0, 150, 10),
    ],
    ids=["c1-rho0.70", "c3-rho0.80", "c18-rho0.85-los28"],
)
def test_planned_wait_matches_erlang_c(baseline_raw, territory, servers, rho, los_mean, years, replications):
    """One priority class, Poisson arrivals, exponential stays, c beds: the model is an M/M/c queue."""
    lam = rho * servers / los_mean
    background = {
        **baseline_raw["beds"]["background"],
        "arrivals_per_day": lam,
        "emergency_share": 0.0,
        "seasonal_amplitude": 0.0,
        "length_of_stay": {"dist": "exponential", "mean": los_mean},
    }
    scenario = make_scenario(
        baseline_raw,
        **{
            "blinatumomab.arrivals.episodes_per_year": 0,
            "beds.capacity": servers,
            "beds.background": background,
            "run.years": years,
            "run.warmup_days": 10 * los_mean,
        },
    )
    terr = scenario_territory(scenario, territory)
    outputs = [run_replication(scenario, terr, r).kpis for r in range(replications)]
    waits = np.array([k["planned_wait_mean_days"] for k in outputs])
    occupancy = np.array([k["bed_occupancy"] for k in outputs])
    assert all(math.isnan(k["emergency_wait_mean_days"]) for k in outputs)  # one priority class

    theory = mmc_mean_wait(servers, lam, 1.0 / los_mean)
    mean, half = t_interval(waits)
    assert half / mean < 0.15, f"CI too wide to be a check: {mean:.4f} +/- {half:.4f}"
    assert abs(mean - theory) <= half, f"Erlang C Wq {theory:.4f} outside CI {mean:.4f} +/- {half:.4f}"

    # Utilisation of c servers in M/M/c is rho (99 % interval: a side check, kept from failing by chance).
    occ_mean, occ_half = t_interval(occupancy, confidence=0.99)
    assert occ_half < 0.02
    assert abs(occ_mean - rho) <= occ_half, f"occupancy {occ_mean:.4f} +/- {occ_half:.4f} vs {rho}"


# --- 2. flow balance -----------------------------------------------------------------------------------


@pytest.mark.parametrize("replication", [0, 1])
def test_flow_balance_on_baseline(baseline_raw, territory, replication):
    scenario = make_scenario(baseline_raw)
    terr = scenario_territory(scenario, territory)
    end = horizon(scenario)
    record = simulate(scenario, terr, replication)
    # Arrivals stop at the horizon; the run goes on until every referred episode has finished.
    run_end = record.end_time
    assert run_end >= end

    # Arrivals, replayed independently from the patients' own streams, all entered the model.
    arrivals = [p.arrival for p in Draws(scenario, terr, replication).episode_profiles()]
    assert arrivals and max(arrivals) < end
    assert [e.profile.arrival for e in record.episodes] == arrivals
    assert [e.profile.index for e in record.episodes] == list(range(len(arrivals)))

    finished = [e for e in record.episodes if e.exit_time is not None]
    in_system = [e for e in record.episodes if e.exit_time is None]
    assert len(arrivals) == len(finished) + len(in_system)
    assert finished and len(arrivals) > 20
    assert not in_system, "every episode referred before the horizon is followed to its end"

    rows = record.admissions
    by_episode: dict[int, list] = defaultdict(list)
    for a in rows:
        assert a.kind in (EMERGENCY, PLANNED, BLINA_START, ADVERSE_EVENT)
        assert 0 <= a.request <= run_end
        if a.kind in (EMERGENCY, PLANNED):
            assert a.request < end  # background patients arrive only before the horizon
        if a.admit is not None:
            assert a.request <= a.admit <= run_end
        if a.discharge is not None:
            assert a.admit is not None
            assert a.admit <= a.discharge <= run_end
        if a.kind in (BLINA_START, ADVERSE_EVENT):
            assert 0 <= a.episode < len(record.episodes)
            by_episode[a.episode].append(a)
        else:
            assert a.episode is None

    for e in finished:
        p = e.profile
        assert p.arrival <= e.exit_time <= run_end
        assert e.cycles_started == p.n_cycles  # death and early stop only happen to 1-cycle episodes
        assert max(bags_by_cycle(e), default=0) == p.n_cycles
        # A finished episode holds no bed and waits for none, and its bed-days are its admissions.
        stays = by_episode[p.index]
        assert all(s.discharge is not None and s.discharge <= e.exit_time + TOL for s in stays)
        assert sum(s.discharge - s.admit for s in stays) == pytest.approx(sum(e.bed_days.values()), abs=1e-6)
        assert all(s.request >= p.arrival - TOL for s in stays)
        starts = sum(1 for s in stays if s.kind == BLINA_START)
        # The pre-phase bed carries on into cycle 1: one cycle-start admission per cycle.
        assert starts == len(e.cycle_start_waits) == p.n_cycles
    for e in in_system:
        # Still being treated: its last cycle cannot have finished.
        assert len(bags_by_cycle(e)) <= e.cycles_started <= e.profile.n_cycles
        assert len(bags_by_cycle(e)) < e.profile.n_cycles

    admitted_not_discharged = sum(1 for a in rows if a.admit is not None and a.discharge is None)
    levels = np.array([b.level for b in record.bed_level])
    times = np.array([b.time for b in record.bed_level])
    assert levels[-1] == admitted_not_discharged
    assert levels.min() >= 0
    assert levels.max() <= scenario.beds.capacity
    assert levels.max() == scenario.beds.capacity  # the baseline saturates its beds at times
    assert np.all(np.diff(times) >= 0)
    assert len(record.bed_level) == 1 + sum(1 for a in rows if a.admit is not None) + sum(
        1 for a in rows if a.discharge is not None
    )
    # Nobody waits while a bed is free: a request still pending at the horizon implies full beds.
    if any(a.admit is None for a in rows):
        assert levels[-1] == scenario.beds.capacity


# --- 3. bag stability ----------------------------------------------------------------------------------


def _check_bags(scenario: Scenario, record, stability_days: float) -> int:
    dose = scenario.blinatumomab.dose
    calendar = Calendar(scenario.run.start_date, scenario.calendar.holidays_country)
    start_days = weekday_set(scenario.blinatumomab.start_weekdays)
    pharmacy_days = weekday_set(scenario.bags.pharmacy_weekdays)
    # An interruption (a severe event) stops the infusion from its start to its restart.
    interruptions = {(i.episode, i.cycle, i.start): i.restart for i in record.interruptions}
    n_bags = 0
    for e in record.episodes:
        for cycle, bags in bags_by_cycle(e).items():
            day1 = bags[0].start
            assert day1 == int(day1), "a cycle starts at a day boundary"
            assert calendar.weekday(int(day1)) in start_days
            # The step-up's bag is made that day: the pharmacy's next day after a holiday.
            step_up = calendar.next_day_in(day1 + dose.step_up_day - 1, pharmacy_days)
            interrupted = 0.0
            for i, bag in enumerate(bags):
                start, end = bag.start, bag.end
                assert end > start
                assert end - start <= stability_days + TOL, (e.profile.index, cycle, start, end)
                if i:
                    restart = interruptions.get((e.profile.index, cycle, bags[i - 1].end), bags[i - 1].end)
                    assert start == restart, "bags of one cycle are contiguous, but across an interruption"
                    interrupted += restart - bags[i - 1].end
                if cycle == 1:
                    assert not start < step_up < end, "the step-up day starts a new bag"
                    assert bag.dose == (
                        dose.cycle1_start_ug_per_day if start < step_up else dose.target_ug_per_day
                    )
                else:
                    assert bag.dose == dose.target_ug_per_day
            never_restarted = interruptions.get((e.profile.index, cycle, bags[-1].end)) == math.inf
            if not never_restarted:  # else a death or an early stop came during the interruption
                assert bags[-1].end == pytest.approx(infusion_end(e, cycle, day1, scenario, interrupted))
            n_bags += len(bags)
    return n_bags


@pytest.mark.parametrize(
    ("stability_hours", "patterns"),
    [(96, [["mon", "thu"], ["tue", "fri"]]), (168, [["mon"]])],
    ids=["96h-bags", "7-day-bags"],
)
def test_no_bag_outlives_its_stability(baseline_raw, territory, stability_hours, patterns):
    scenario = make_scenario(
        baseline_raw,
        **{"bags.stability_hours": stability_hours, "bags.change_patterns": patterns, "run.years": 5},
    )
    terr = scenario_territory(scenario, territory)
    n_bags = 0
    longest = 0.0
    for r in range(3):
        record = simulate(scenario, terr, r)
        n_bags += _check_bags(scenario, record, stability_hours / 24)
        longest = max(longest, max(b.end - b.start for e in record.episodes for b in e.bags))
    assert n_bags > 500
    # The bags do use their stability: 7-day bags last 7 days, 96 h bags 4 days.
    assert longest == pytest.approx(stability_hours / 24)


# --- 4. trips ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["day_hospital", "nearest_hospital", "home"])
def test_every_trip_starts_from_home(baseline_raw, territory, where):
    scenario = make_scenario(baseline_raw, **{"bags.where_changed": where, "run.years": 4})
    terr = scenario_territory(scenario, territory)
    # A change with no day-hospital session may be made on a visit to the ward (no-slot policy "ward").
    places_away = {where, "ward_visit"} if where == "day_hospital" else {where}
    episodes_seen = trips_seen = away_bags = visits_seen = 0
    for r in range(2):
        record = simulate(scenario, terr, r)
        episodes = {e.profile.index: e for e in record.episodes}
        episodes_seen += len(episodes)
        visits = {
            (b.episode, b.day, b.purpose)
            for b in record.blina_bookings
            if b.purpose != BAG_CHANGE and not b.cancelled
        }
        trips_per_episode = Counter()
        visit_trips = 0
        for trip in record.trips:
            e = episodes[trip.episode]
            home = e.profile.home
            assert trip.origin == home
            assert trip.km > 0 and trip.hours > 0
            if trip.purpose != BAG_CHANGE or where == "day_hospital":  # to IUCT-O
                assert trip.destination is None
                assert trip.km == pytest.approx(2 * terr.to_centre.km[home, 0])
                assert trip.hours == pytest.approx(2 * terr.to_centre.hours[home, 0])
            else:  # the nearest hospital by road that changes bags (geo/hospitals.csv)
                hospitals = terr.hospitals
                assert hospitals.table["bag_changes"].iloc[trip.destination]
                road = hospitals.from_communes.km[home][hospitals.table["bag_changes"].to_numpy()]
                assert trip.km == pytest.approx(2 * road.min())
            if trip.purpose != BAG_CHANGE:  # a visit made: one visit booking, not cancelled
                assert (trip.episode, trip.time, trip.purpose) in visits
                visit_trips += 1
                continue
            assert any(b.start == trip.time and b.where in places_away for b in e.bags)
            trips_per_episode[trip.episode] += 1
        for e in record.episodes:
            places = Counter(b.where for b in e.bags)
            assert set(places) <= {"ward"} | places_away
            away = sum(places[p] for p in places_away)
            assert trips_per_episode[e.profile.index] == (away if where != "home" else 0)
            away_bags += away
        trips_seen += sum(trips_per_episode.values())
        assert visit_trips == len(visits), "every visit made is one trip"
        visits_seen += visit_trips
        if where == "home":
            assert trips_per_episode == Counter()
            assert not [b for b in record.blina_bookings if b.purpose == BAG_CHANGE]
    assert episodes_seen > 40
    assert away_bags > 100, "home-phase bag changes happen away from the ward"
    assert visits_seen > 10, "the end-of-infusion evaluation is a trip to IUCT-O"
    if where != "home":
        assert trips_seen == away_bags


# --- 5. HAD capacity -----------------------------------------------------------------------------------


def _max_concurrent(stays: list[HadStay], had: int) -> int:
    events = sorted(
        [(s.end, -1) for s in stays if s.had == had] + [(s.start, +1) for s in stays if s.had == had]
    )  # at equal times -1 sorts first: a slot freed at t can be taken at t
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


def _high_demand_scenario(raw: dict) -> Scenario:
    return make_scenario(
        raw,
        **{
            "blinatumomab.arrivals.episodes_per_year": 24.6,
            "home_care.pumps": 1,
            "home_care.pumps_by_had": {"pasteur": 3},
            "run.years": 8,
        },
    )


def test_had_capacity_is_never_exceeded(baseline_raw, territory):
    scenario = _high_demand_scenario(baseline_raw)
    terr = scenario_territory(scenario, territory)
    ids = list(terr.hads.index)
    capacity = [scenario.home_care.pumps_by_had.get(h, scenario.home_care.pumps) for h in ids]
    reached = set()
    for r in range(3):
        record = simulate(scenario, terr, r)
        for stay in record.had_stays:
            assert stay.start <= stay.end
            assert terr.authorised[stay.had]
        for j in range(len(ids)):
            peak = _max_concurrent(record.had_stays, j)
            assert peak <= capacity[j], f"{ids[j]}: {peak} concurrent patients, capacity {capacity[j]}"
            if peak == capacity[j]:
                reached.add(ids[j])
    assert len(reached) >= 2, "the capacity should bind somewhere, or the test checks nothing"


def test_had_slots_are_never_leaked(baseline_raw, territory):
    """At the horizon, every HAD pump still held is held by an episode that is still being treated."""
    scenario = _high_demand_scenario(baseline_raw)
    terr = scenario_territory(scenario, territory)
    leaks = []
    for r in range(3):
        model = Model(scenario, terr, r)
        record = model.run()
        unfinished = {e.profile.index for e in record.episodes if e.exit_time is None}
        for j, bookings in enumerate(model.home_care.capacity.bookings):
            held = Counter(b.episode for b in bookings if b.end is None)
            for episode, count in held.items():
                if episode not in unfinished or count > 1:
                    leaks.append((r, terr.hads.index[j], episode))
    assert leaks == []


# --- 6. worker counts ----------------------------------------------------------------------------------


def test_results_do_not_depend_on_worker_count(baseline_raw, territory):
    scenario = make_scenario(baseline_raw, **{"run.years": 2, "run.warmup_days": 100})
    serial = run_experiment(scenario, replications=4, workers=1, territory=territory)
    parallel = run_experiment(scenario, replications=4, workers=2, territory=territory)
    assert serial.workers == 1 and parallel.workers == 2
    assert list(serial.replications["replication"]) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.episodes, parallel.episodes)
    pd.testing.assert_frame_equal(serial.admissions, parallel.admissions)
    # Replications differ from one another (the seed really is spawned per replication).
    assert serial.replications.drop(columns="replication").duplicated().sum() == 0


# --- 7. common random numbers ---------------------------------------------------------------------------


def test_common_random_numbers_across_scenarios(baseline_raw, territory):
    base = make_scenario(baseline_raw, **{"run.years": 6})
    variant = make_scenario(baseline_raw, **{"run.years": 6, "territory.authorise": ["croix_rouge_gers"]})
    assert base.run.seed == variant.run.seed
    a = run_experiment(base, replications=3, workers=1, territory=territory).episodes
    b = run_experiment(variant, replications=3, workers=1, territory=territory).episodes
    key = ["replication", "episode"]
    same = ["arrival", "indication", "insee", "dep", "cycles_planned", "outcome"]
    pd.testing.assert_frame_equal(a[key + same], b[key + same])

    gers_a = a[a["dep"] == "32"]
    gers_b = b[b["dep"] == "32"]
    assert len(gers_a) >= 3, "too few Gers patients to compare routes"
    assert (gers_a["route"].to_numpy() != gers_b["route"].to_numpy()).any()
    assert (gers_b["had"] == "croix_rouge_gers").any()
    assert not (a["had"] == "croix_rouge_gers").any()  # not authorised in the baseline
