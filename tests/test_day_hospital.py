"""Verification of the day hospital as a simulated capacity (sim.model.day_hospital, sim.model.bags).

What a real bug would break: a request lost or counted twice (flow balance), a day booked above
its sessions without an overbooking, a bag hung past its stability when no session can be had, a
deferral that differs from the one computed by hand, a bridge or a pattern other than the rule's,
results that depend on the number of workers, and more sessions that change nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import simpy
from scenario_variants import variant

from sim.measures.day_hospital_tables import day_hospital_load
from sim.model.bags import BagChanges, CycleBags
from sim.model.calendar import Calendar, bag_schedule, weekday_set
from sim.model.day_hospital import DayHospital, sessions_open
from sim.model.draws import DayHospitalRequests, Draws
from sim.model.engine import simulate
from sim.model.records import BAG_CHANGE, Episode, Recorder
from sim.runs.replications import run_experiment
from sim.scenario.files import resolve_raw
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
MONDAY = dt.date(2026, 1, 5)  # the baseline's start date: day 0 is a Monday
TOL = 1e-9
POLICIES = [["bridge", "ward"], ["bridge", "overbook"], ["had_nurse", "ward"], ["ward"], ["overbook"]]


@pytest.fixture(scope="module")
def baseline_raw() -> dict:
    return resolve_raw(BASELINE)


def short(raw: dict, **changes) -> Scenario:
    return variant(raw, **{"run.years": 2, "run.warmup_days": 60, **changes})


def used_per_day(record: Recorder) -> pd.DataFrame:
    load = day_hospital_load(record)
    return load.assign(used=load["background"] + load["blinatumomab"])


# --- flow balance ----------------------------------------------------------------------------------


def _check_flow(scenario: Scenario, record: Recorder, terr) -> Counter:
    """Every request is accounted for once; returns the blinatumomab outcomes seen."""
    # Other patients: every request drawn was booked once, never before it was due, on an open day.
    days = record.day_hospital_days
    replay = Draws(scenario, terr, 0).day_hospital_requests(days.weekday, days.closed)
    background = record.background_bookings
    assert [(b.requested, b.due) for b in background] == list(zip(replay.requested, replay.due))
    calendar = Calendar(scenario.run.start_date)
    sessions = scenario.day_hospital.sessions_per_weekday
    done = deferred = moved = 0
    for b in background:
        assert b.day is not None and b.day >= b.due and b.requested <= b.due
        assert sessions.get(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[calendar.weekday(b.day)], 0) > 0
        if b.displaced:
            moved += 1
        elif b.day > b.latest:
            deferred += 1
        else:
            done += 1
    assert len(background) == done + deferred + moved

    # Blinatumomab: each bag change at home was requested once; it got a session (done, or
    # cancelled by a stay in hospital), or a no-slot policy (moved); it never waits (deferred = 0).
    outcomes: Counter = Counter()
    episodes = {e.profile.index: e for e in record.episodes}
    bridges = Counter((b.episode, b.missed) for b in record.bridges)
    by_episode: dict[int, list] = defaultdict(list)
    for booking in record.blina_bookings:
        by_episode[booking.episode].append(booking)
        outcomes[booking.outcome] += 1
        if booking.purpose == BAG_CHANGE:
            assert booking.due == booking.latest
            assert booking.day in (None, booking.due), "a bag change cannot wait"
        assert booking.requested < booking.due
        if booking.outcome == "bridge":
            assert bridges[(booking.episode, booking.due)] == 1
    assert sum(bridges.values()) == outcomes["bridge"]
    for index, e in episodes.items():
        bookings = [b for b in by_episode[index] if b.purpose == BAG_CHANGE]
        requested = len(bookings)
        sessions_done = sum(1 for b in bookings if b.day is not None and not b.cancelled)
        cancelled = sum(1 for b in bookings if b.cancelled)
        no_slot = sum(1 for b in bookings if b.day is None and not b.cancelled)
        assert requested == sessions_done + cancelled + no_slot
        places = Counter(bag.where for bag in e.bags)
        assert sessions_done == places["day_hospital"]
        moved_away = sum(1 for b in bookings if b.outcome in ("ward", "had_nurse") and not b.cancelled)
        assert moved_away == places["ward_visit"] + places["home"]
        # The changes the day hospital was asked for: every home change (not on the ward), plus
        # the missed days the bridges moved; those cancelled were made on the ward.
        home_changes = places["day_hospital"] + places["ward_visit"] + places["home"]
        assert requested == home_changes + outcomes_of(bookings, "bridge") + cancelled
    return outcomes


def outcomes_of(bookings, outcome: str) -> int:
    return sum(1 for b in bookings if b.outcome == outcome and not b.cancelled)


def test_flow_balance_on_the_baseline(baseline_raw, territory):
    scenario = variant(baseline_raw, **{"run.years": 3})
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    outcomes = _check_flow(scenario, record, terr)
    assert outcomes["free"] > 200 and outcomes["displaced"] > 0
    assert sum(b.displaced for b in record.background_bookings) == outcomes["displaced"]
    deferred = [b for b in record.background_bookings if b.day > b.latest]
    assert deferred, "a saturated day hospital defers some of its other patients"


@pytest.mark.parametrize("policy", POLICIES, ids="+".join)
def test_flow_balance_when_sessions_run_short(baseline_raw, territory, policy):
    # 26 sessions for 28.5 requests a day and 4 times the episodes: no-slot events every week.
    scenario = short(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 26 for d in ("mon", "tue", "wed", "thu", "fri")},
            "day_hospital.no_slot_policy": policy,
            "blinatumomab.arrivals.episodes_per_year": 32.8,
        },
    )
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    outcomes = _check_flow(scenario, record, terr)
    assert sum(outcomes[p] for p in policy) > 0, "the policies were put to work"


def test_visits_are_made_only_by_patients_at_home(baseline_raw, territory):
    scenario = variant(baseline_raw, **{"run.years": 4})
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    episodes = {e.profile.index: e for e in record.episodes}
    stays: dict[int, list] = defaultdict(list)
    for a in record.admissions:
        if a.episode is not None and a.admit is not None:
            stays[a.episode].append((a.admit, a.discharge))
    for h in record.home_emergencies:  # first-recourse stays in a peripheral hospital count too
        if h.admit is not None:
            stays[h.episode].append((h.admit, math.inf if h.discharge is None else h.discharge))
    visits = [b for b in record.blina_bookings if b.purpose != BAG_CHANGE]
    assert len(visits) > 30 and {b.purpose for b in visits} == {"end_of_infusion"}
    per_episode = Counter(b.episode for b in visits)
    for b in visits:
        e = episodes[b.episode]
        # None once a death or an early stop ended the episode in its only cycle.
        assert e.profile.outcome == "completed"
        in_hospital = any(admit <= b.day < discharge for admit, discharge in stays[b.episode])
        assert b.cancelled == in_hospital, "a visit is cancelled exactly when the patient is in hospital"
        # Due on the day the infusion ends: the end of the cycle's last bag.
        assert any(math.ceil(bag.end - 1e-9) == b.due for bag in e.bags)  # (later, after an interruption)
        assert b.due <= b.day <= b.latest + 28
    for index, n in per_episode.items():
        assert n <= episodes[index].cycles_started  # at most one per cycle (none for a cycle in hospital)


# --- capacity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy", POLICIES, ids="+".join)
def test_sessions_used_never_exceed_capacity_but_by_the_overbooked(baseline_raw, territory, policy):
    scenario = short(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 26 for d in ("mon", "tue", "wed", "thu", "fri")},
            "day_hospital.no_slot_policy": policy,
            "day_hospital.reserved_per_pattern_day": 1,
            "blinatumomab.arrivals.episodes_per_year": 32.8,
        },
    )
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    days = used_per_day(record)
    excess = (days["used"] - days["capacity"]).clip(lower=0)
    over = Counter(
        b.day for b in record.blina_bookings if b.over_capacity and not b.cancelled and b.day < len(days)
    )
    assert excess.tolist() == [over[d] for d in range(len(days))]
    if "overbook" in policy:
        assert excess.sum() > 0
    else:
        assert excess.sum() == 0
    assert record.day_hospital_days.reserved.sum() > 0  # held sessions (and their release) at work


def test_utilisation_is_computed_from_what_happened(baseline_raw, territory):
    scenario = variant(baseline_raw, **{"run.years": 2})
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    days = used_per_day(record)
    assert (days.loc[days["capacity"] == 0, "used"] == 0).all()
    open_days = days[days["capacity"] > 0]
    # Saturated (003:6140-6142): about 95 % booked by other patients (M4), plus blinatumomab.
    background = open_days["background"].sum() / open_days["capacity"].sum()
    assert 0.93 < background < 0.965
    used = open_days["used"].sum() / open_days["capacity"].sum()
    assert background < used <= 1


# --- bag stability under every no-slot policy ---------------------------------------------------------


def _check_stability(record: Recorder, stability_days: float) -> int:
    n = 0
    restarts = {(i.episode, i.cycle, i.start): i.restart for i in record.interruptions}
    for e in record.episodes:
        by_cycle: dict[int, list] = defaultdict(list)
        for bag in e.bags:
            by_cycle[bag.cycle].append(bag)
        for bags in by_cycle.values():
            for before, after in itertools.pairwise(bags):
                restart = restarts.get((e.profile.index, before.cycle, before.end), before.end)
                assert after.start == restart, "bags of one cycle are contiguous, but across an interruption"
            for bag in bags:
                assert 0 < bag.end - bag.start <= stability_days + TOL, (e.profile.index, bag)
                n += 1
    return n


TIGHT = {
    # The change weekdays closed: no Mon, Tue, Thu or Fri session for anyone.
    "closed": {"day_hospital.sessions_per_weekday": {"wed": 30}},
    # Every session taken by other patients' bookings that cannot move (no tolerance).
    "immovable": {
        "day_hospital.background.requests_per_day": 60.0,
        "day_hospital.background.tolerance_days": 0,
    },
}


@pytest.mark.parametrize("tight", list(TIGHT))
@pytest.mark.parametrize("policy", [*POLICIES, ["bridge", "had_nurse", "overbook"]], ids="+".join)
def test_no_bag_outlives_its_stability_when_no_session_can_be_had(baseline_raw, territory, tight, policy):
    scenario = short(baseline_raw, **{**TIGHT[tight], "day_hospital.no_slot_policy": policy})
    terr = scenario_territory(scenario, territory)
    record = simulate(scenario, terr, 0)
    assert _check_stability(record, scenario.bags.stability_hours / 24) > 100
    changes = [b for b in record.blina_bookings if b.purpose == BAG_CHANGE]
    no_slot = Counter(b.outcome for b in changes if b.outcome in ("bridge", "ward", "had_nurse", "overbook"))
    assert sum(no_slot.values()) > 20
    assert set(no_slot) <= set(policy)
    if policy[0] == "had_nurse":  # only patients with an HAD; convention patients fall back to the ward
        episodes = {e.profile.index: e for e in record.episodes}
        assert {episodes[b.episode].route for b in changes if b.outcome == "had_nurse"} <= {
            "had",
            "derogation",
        }
        assert any(episodes[b.episode].route == "convention" for b in changes if b.outcome == "ward")
    _check_flow(scenario, record, terr)


# --- by hand -------------------------------------------------------------------------------------------


def _day_hospital(scenario: Scenario, territory) -> tuple[simpy.Environment, DayHospital, Recorder]:
    env = simpy.Environment()
    calendar = Calendar(scenario.run.start_date)
    record = Recorder(sessions_open(scenario, calendar))
    return env, DayHospital(env, scenario, territory, calendar, record), record


def test_deferrals_by_hand(baseline_raw, territory):
    """Two sessions a weekday, tolerance 1 day, five requests made on Monday (day 0) due Tuesday."""
    scenario = variant(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 2 for d in ("mon", "tue", "wed", "thu", "fri")},
            "day_hospital.background.tolerance_days": 1,
        },
    )
    env, dh, record = _day_hospital(scenario, territory)
    requests = DayHospitalRequests(np.array([0, 0, 0, 0, 0, 3]), np.array([1, 1, 1, 1, 1, 4]))
    env.process(dh.other_patients(requests))
    env.run(until=0.5)
    bookings = record.background_bookings
    # Tuesday takes two; Wednesday (the last day of tolerance) two; the fifth is deferred to Thursday.
    assert bookings.day == [1, 1, 2, 2, 3]
    assert bookings.latest == [2] * 5
    # A bag change on Wednesday: both bookings are at their last day; none can move: no session.
    assert not dh.can_book(2)
    assert dh.book(7, BAG_CHANGE, 2, 2) is None
    # A bag change on Tuesday takes r0's session (the most tolerance left, the first of equals);
    # r0 is booked again on its next free day, Thursday: deferred 2 days, like r4.
    change = dh.book(7, BAG_CHANGE, 1, 1)
    assert change.outcome == "displaced" and change.day == 1
    assert (bookings.day[0], bookings.displaced[0]) == (3, 1)
    assert dh.free(3) == 0
    # A visit due Thursday with 1 day of tolerance: Thursday is full of bookings past their
    # window (they cannot move), so Friday.
    visit = dh.book(7, "end_of_infusion", 3, 4)
    assert (visit.day, visit.outcome) == (4, "free")
    # The request made on Thursday (day 3) for Friday takes Friday's last session.
    env.run(until=3.5)
    r5 = bookings[5]
    assert (r5.due, r5.day) == (4, 4)
    assert dh.free(4) == 0
    deferred = [b for b in record.background_bookings if b.displaced or b.day > b.latest]
    assert [b.day - b.due for b in deferred] == [2, 2]


def test_held_sessions_are_released_to_the_backlog_the_day_before(baseline_raw, territory):
    """Two sessions a weekday, one held on Mon, Tue, Thu, Fri; no tolerance; released a day ahead."""
    scenario = variant(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 2 for d in ("mon", "tue", "wed", "thu", "fri")},
            "day_hospital.background.tolerance_days": 0,
            "day_hospital.reserved_per_pattern_day": 1,
            "day_hospital.reserved_release_days": 1,
        },
    )
    env, dh, record = _day_hospital(scenario, territory)
    env.process(dh.other_patients(DayHospitalRequests(np.array([0, 0, 0]), np.array([3, 3, 3]))))
    env.process(dh.release_held())
    env.run(until=1.5)
    booked = record.background_bookings.day
    # Thursday 3 has one session for other patients; Friday 4 one; Monday 7 one (weekend closed).
    assert booked == [3, 4, 7]
    assert dh.free(3, held_too=False) == 0 and dh.free(3) == 1  # held for blinatumomab
    env.run(until=2.5)  # Wednesday: Thursday's held session is released to the first in the backlog
    assert booked == [3, 3, 7]
    env.run(until=3.5)  # Thursday: Friday's held session and r1's old one go to r2
    assert booked == [3, 3, 4]
    assert dh.backlog == []


def test_a_friday_request_slips_over_the_weekend(baseline_raw, territory):
    scenario = variant(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 1 for d in ("mon", "tue", "wed", "thu", "fri")},
            "day_hospital.background.tolerance_days": 1,
        },
    )
    env, dh, record = _day_hospital(scenario, territory)
    env.process(dh.other_patients(DayHospitalRequests(np.array([0, 0]), np.array([4, 4]))))
    env.run(until=1)
    first, second = record.background_bookings
    assert (first.day, second.day) == (4, 7)  # Friday, then Monday (the weekend is closed)
    assert second.day > second.latest  # deferred: Saturday was its last acceptable day


def _episode(scenario: Scenario, territory, route: str = "had") -> Episode:
    profile = Draws(scenario, scenario_territory(scenario, territory), 0).episode_profiles()[0]
    return Episode(profile, route=route)


def _full(dh: DayHospital, day: int) -> None:
    """Fill ``day`` with other patients' bookings that cannot move (at the last day of their window)."""
    while dh.free(day, held_too=False) > 0:
        dh.background_on[day].append(dh.bookings.add(0, day, day, day))


def _bag_changes(scenario: Scenario, territory) -> tuple[DayHospital, Recorder, BagChanges]:
    """The bag rules on an empty day hospital at time 0 (day 0 a Monday)."""
    _, dh, record = _day_hospital(scenario, territory)
    return dh, record, BagChanges(scenario, territory, Calendar(MONDAY), record, dh)


def _later_cycle(bags: BagChanges) -> CycleBags:
    """A later cycle from Monday day 7, planned discharge Wednesday day 9, on Mon+Thu."""
    return bags.schedule(2, 7.0, 35.0, 9.0)


def test_the_change_pattern_follows_the_rule(baseline_raw, territory):
    scenario = variant(baseline_raw)
    dh, _, bags = _bag_changes(scenario, territory)
    mon_thu, tue_fri = weekday_set(["mon", "thu"]), weekday_set(["tue", "fri"])
    # Both patterns take 8 bags; with an empty day hospital the first home change comes first on Thursday.
    planned = _later_cycle(bags)
    assert planned.pattern == mon_thu and len(planned.bags) == 8
    assert [b.start for b in planned.bags] == [7, 10, 14, 17, 21, 24, 28, 31]
    # Sessions booked on Mon+Thu days: the Tue+Fri days have more free sessions.
    dh.background_on[14].append(dh.bookings.add(0, 14, 16, 14))
    planned = _later_cycle(bags)
    assert planned.pattern == tue_fri
    assert [b.start for b in planned.bags] == [7, 11, 15, 18, 22, 25, 29, 32]
    # The pattern does not depend on any random draw any more: the profile carries none.
    assert not hasattr(_episode(scenario, territory).profile, "pattern_u")


def test_a_bridge_moves_a_full_thursday_to_friday(baseline_raw, territory):
    scenario = variant(baseline_raw)
    dh, record, bags = _bag_changes(scenario, territory)
    planned = _later_cycle(bags)
    _full(dh, 17)  # the second Thursday
    home = bags.book_home_phase(_episode(scenario, territory), planned, 9.0)
    # Mon 14 -> Fri 18 (4 days, within stability) -> Mon 21: no extra bag.
    assert [b.start for b in home.bags] == [7, 10, 14, 18, 21, 24, 28, 31]
    assert home.where == {d: "day_hospital" for d in (10, 14, 18, 21, 24, 28, 31)}
    (bridge,) = record.bridges
    assert (bridge.missed, bridge.moved_to) == (17, 18)
    assert len(bridge.replanned) == len(bridge.planned)
    assert Counter(b.outcome for b in record.blina_bookings) == {"free": 7, "bridge": 1}


def test_a_bridge_adds_a_bag_when_monday_is_full(baseline_raw, territory):
    scenario = variant(baseline_raw)
    dh, record, bags = _bag_changes(scenario, territory)
    planned = _later_cycle(bags)
    _full(dh, 21)  # the third Monday
    home = bags.book_home_phase(_episode(scenario, territory), planned, 9.0)
    # From Thursday 17 the bag must be changed by Monday 21: only Friday 18 is a pharmacy day with
    # a session; from Friday no Mon/Thu day but the full Monday within 4 days, so Tuesday 22, then
    # Thursday 24: Thu-Fri (1 day), Fri-Tue (4), Tue-Thu (2) for Thu-Mon (4), Mon-Thu (3).
    assert [b.start for b in home.bags] == [7, 10, 14, 17, 18, 22, 24, 28, 31]
    assert set(home.where.values()) == {"day_hospital"}
    (bridge,) = record.bridges
    assert (bridge.missed, bridge.moved_to) == (21, 18)
    assert len(bridge.replanned) - len(bridge.planned) == 1
    assert Counter(b.outcome for b in record.blina_bookings) == {"free": 8, "bridge": 1}


def test_no_bridge_over_a_full_thursday_and_friday(baseline_raw, territory):
    scenario = variant(baseline_raw)
    dh, record, bags = _bag_changes(scenario, territory)
    planned = _later_cycle(bags)
    _full(dh, 17)
    _full(dh, 18)
    home = bags.book_home_phase(_episode(scenario, territory), planned, 9.0)
    # From Monday 14 a change on Tuesday 15 or Wednesday 16 would need another by Sunday, and
    # Thursday, Friday and the weekend have no session: no bridge; the ward (baseline policy).
    assert record.bridges == []
    assert [b.start for b in home.bags] == [b.start for b in planned.bags]
    assert home.where[17] == "ward_visit"
    assert Counter(b.outcome for b in record.blina_bookings) == {"free": 6, "ward": 1}


def test_a_bag_hung_on_the_ward_is_neither_cut_nor_lengthened(baseline_raw, territory):
    scenario = variant(baseline_raw)
    dh, record, bags = _bag_changes(scenario, territory)
    planned = _later_cycle(bags)
    _full(dh, 10)  # the first home change: its bag (7 -> 10) was hung on the ward
    home = bags.book_home_phase(_episode(scenario, territory, route="convention"), planned, 9.0)
    assert record.bridges == [] and home.where[10] == "ward_visit"
    assert [b.start for b in home.bags] == [b.start for b in planned.bags]


def test_bridged_schedules_keep_to_the_pharmacy_days(baseline_raw, territory):
    """The re-planned bags obey the same rules as planned ones (bag_schedule from the new day)."""
    calendar = Calendar(MONDAY)
    pharmacy = weekday_set(["mon", "tue", "wed", "thu", "fri"])
    rest = bag_schedule(calendar, 16, 35.0, 16, weekday_set(["mon", "thu"]), pharmacy, 4.0, (), {17})
    assert [b.start for b in rest] == [16, 18, 21, 24, 28, 31]


# --- reproducibility and consequences ------------------------------------------------------------------


def test_results_do_not_depend_on_worker_count_when_sessions_run_short(baseline_raw, territory):
    scenario = short(
        baseline_raw,
        **{
            "day_hospital.sessions_per_weekday": {d: 26 for d in ("mon", "tue", "wed", "thu", "fri")},
            "blinatumomab.arrivals.episodes_per_year": 32.8,
        },
    )
    serial = run_experiment(scenario, replications=2, workers=1, territory=territory)
    parallel = run_experiment(scenario, replications=2, workers=2, territory=territory)
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    pd.testing.assert_frame_equal(serial.daily, parallel.daily)
    assert (serial.replications["hdj_bag_changes_ward_per_year"] > 0).all()


def test_more_sessions_defer_fewer_patients_and_move_fewer_changes(baseline_raw, territory):
    sessions = {"mon": 28, "tue": 28, "wed": 28, "thu": 28, "fri": 28}
    base = short(baseline_raw, **{"day_hospital.sessions_per_weekday": sessions})
    more = short(baseline_raw, **{"day_hospital.sessions_per_weekday": {d: 34 for d in sessions}})
    a = run_experiment(base, replications=2, workers=1, territory=territory).replications
    b = run_experiment(more, replications=2, workers=1, territory=territory).replications
    for kpi in ("hdj_background_deferred_per_year", "hdj_utilisation"):
        assert (b[kpi] < a[kpi]).all(), kpi
    # A handful a year in a 2-year run, and the schedules of the two runs diverge: fewer in total.
    assert b["hdj_bag_changes_displacing_per_year"].sum() < a["hdj_bag_changes_displacing_per_year"].sum()
    assert (a["hdj_bag_changes_bridge_per_year"] + a["hdj_bag_changes_ward_per_year"] > 0).all()
    assert (b["hdj_bag_changes_bridge_per_year"] + b["hdj_bag_changes_ward_per_year"] == 0).all()
