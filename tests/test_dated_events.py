"""Capacity calendars and dated events act inside the simulation (sim.model.timeline).

Beds closed by date never admit above the beds open, and nobody is moved out; closures lengthen
waits; an authorisation from a date changes the routing of requests made from it only; an event on
day 0 is the same run as the scenario saying so itself; flows balance; bad input is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from scenario_variants import BASELINE, baseline_variant
from scipy.integrate import quad

from sim.measures.care import Window
from sim.measures.dated import dated_kpis
from sim.measures.day_hospital_tables import day_hospital_load
from sim.measures.frames import admission_columns, admissions_frame
from sim.model.calendar import Calendar
from sim.model.draws import DemandChanges, dated_arrival_time
from sim.model.engine import simulate
from sim.model.records import BAG_CHANGE, PLANNED
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.schema import DAYS_PER_YEAR, Arrivals
from sim.territory.binding import scenario_territory

START = dt.date(2026, 1, 5)  # the baseline's run.start_date
SHORT = {"run.years": 2.0, "run.warmup_days": 90.0}
SUMMER = [{"from": "07-01", "to": "08-31", "closed": 6}]


def run(territory, replication: int = 0, **changes):
    scenario = baseline_variant(**SHORT, **changes)
    return scenario, simulate(scenario, scenario_territory(scenario, territory), replication)


def day_of(date: dt.date) -> int:
    return (date - START).days


def beds_open_on(day: int, capacity: int, closures: list[tuple[int, int, int]]) -> int:
    """Independent reading of a yearly calendar: (month * 100 + day) ranges, beds closed."""
    date = START + dt.timedelta(days=day)
    key = date.month * 100 + date.day
    return capacity - sum(closed for low, high, closed in closures if low <= key <= high)


def capacity_at(record, t: float) -> int:
    """Beds open at time ``t`` (after the changes made at ``t``)."""
    times = [c.time for c in record.bed_capacity]
    return record.bed_capacity[np.searchsorted(times, t, side="right") - 1].level


# --- beds ----------------------------------------------------------------------------------------


def test_beds_follow_the_calendar_and_admissions_never_exceed_the_beds_open(territory):
    scenario, record = run(territory, **{"capacity_calendar.beds": SUMMER})
    days = np.arange(scenario.run.horizon_whole_days)
    expected = [beds_open_on(int(d), 18, [(701, 831, 6)]) for d in days]
    recorded = [capacity_at(record, float(d)) for d in days]
    assert recorded == expected
    assert min(expected) == 12 and expected.count(12) == 2 * 62  # two summers of 62 days

    # Every rise of the occupancy (an admission) stays within the beds open at that time.
    rises = [
        (now.time, now.level)
        for before, now in zip(record.bed_level, record.bed_level[1:])
        if now.level > before.level
    ]
    assert rises
    assert all(level <= capacity_at(record, t) for t, level in rises)
    # When beds close, the patients in them stay: occupancy is above the beds open for a while.
    levels = np.array([b.level for b in record.bed_level])
    times = np.array([b.time for b in record.bed_level])
    closing = [c.time for c in record.bed_capacity if c.level == 12]
    above = [levels[np.searchsorted(times, t, side="right") - 1] > 12 for t in closing]
    assert any(above), "nobody is moved out when the beds close"
    # Daily: no day's admissions take the occupancy above that day's beds open.
    assert all(level <= expected[int(t)] for t, level in rises if t < len(expected))


def test_a_closure_lengthens_the_waits_of_the_summer(territory):
    waits = {}
    for name, closures in (("open", []), ("closed", SUMMER)):
        total = []
        for replication in (0, 1):
            _, record = run(territory, replication, **{"capacity_calendar.beds": closures})
            adm = admissions_frame(record)
            planned = adm[(adm["kind"] == PLANNED) & adm["admit"].notna()]
            dates = [START + dt.timedelta(days=int(t)) for t in planned["request"]]
            summer = np.array([d.month in (7, 8) for d in dates])
            total.append(planned.loc[summer, "wait"].mean())
        waits[name] = np.mean(total)
    assert waits["closed"] > waits["open"] + 1.0


def test_a_dated_bed_count_acts_from_its_date(territory):
    _, record = run(territory, events=[{"from": "2026-09-01", "set": {"beds.capacity": 10}}])
    day = day_of(dt.date(2026, 9, 1))
    assert [(c.time, c.level) for c in record.bed_capacity] == [(0.0, 18), (float(day), 10)]
    after = [b.level for b in record.bed_level if b.time > day + 60]
    assert max(after) <= 10


# --- day hospital --------------------------------------------------------------------------------


def test_sessions_follow_the_calendar_and_dated_sessions(territory):
    sessions = {d: 20 for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": 0, "sun": 0}
    closure = [{"from": "2026-08-03", "to": "2026-08-14", "closed": 25}]
    event = [{"from": "2026-10-05", "set": {"day_hospital.sessions_per_weekday": sessions}}]
    scenario, record = run(territory, **{"capacity_calendar.day_hospital": closure, "events": event})
    load = day_hospital_load(record)
    calendar = Calendar(scenario.run.start_date, scenario.calendar.holidays_country)
    holiday = np.array([calendar.is_holiday(d) for d in range(len(load))])  # closed on public holidays
    weekday = load["weekday"].isin(["mon", "tue", "wed", "thu", "fri"]).to_numpy()
    expected = np.where(weekday, 30, 0)
    closed = (np.arange(len(load)) >= day_of(dt.date(2026, 8, 3))) & (
        np.arange(len(load)) <= day_of(dt.date(2026, 8, 14))
    )
    expected = np.where(closed, np.maximum(expected - 25, 0), expected)
    expected[day_of(dt.date(2026, 10, 5)) :] = np.where(weekday, 20, 0)[day_of(dt.date(2026, 10, 5)) :]
    expected = np.where(holiday, 0, expected)
    assert holiday.any()
    assert load["capacity"].tolist() == expected.tolist()
    used = load["background"] + load["blinatumomab"] - load["overflow"]
    assert (used <= load["capacity"]).all()


# --- authorisation, bag policy, demand ------------------------------------------------------------


def gers_requests(territory, **changes):
    demand = {"blinatumomab.arrivals.episodes_per_year": 120.0, "beds.capacity": 60, **changes}
    scenario, record = run(territory, **demand)
    return scenario, record.home_care_requests


def test_an_authorisation_from_a_date_routes_only_the_requests_made_from_it(territory):
    date = dt.date(2026, 12, 1)
    event = [{"from": date.isoformat(), "set": {"territory.authorise": ["croix_rouge_gers"]}}]
    _, before = gers_requests(territory)
    _, after = gers_requests(territory, events=event)
    gers = list(territory.hads.index).index("croix_rouge_gers")
    day = day_of(date)
    assert [r for r in before if r.time < day] == [r for r in after if r.time < day]
    assert not any(r.had == gers for r in before)
    assert not any(r.had == gers for r in after if r.time < day)
    to_gers = [r for r in after if r.had == gers]
    assert all(r.time >= day for r in to_gers)
    # From the date, the Gers HAD is asked for its own zone (and by derogation for bordering ones).
    assert any(r.route == "had" and r.reason == "referral" for r in to_gers)


def test_bag_policy_from_a_date(territory):
    date = dt.date(2026, 10, 1)
    event = [{"from": date.isoformat(), "set": {"bags.where_changed": "home"}}]
    demand = {"blinatumomab.arrivals.episodes_per_year": 40.0, "beds.capacity": 30}
    _, record = run(territory, events=event, **demand)
    changes = [b for b in record.blina_bookings if b.purpose == BAG_CHANGE]
    assert any(b.requested < day_of(date) for b in changes)
    assert not any(b.requested >= day_of(date) for b in changes)


def test_dated_arrival_rates_invert_the_cumulative_intensity():
    arrivals = Arrivals(episodes_per_year=8.0, annual_growth=0.1)
    changes = DemandChanges(episodes_per_year=((200.0, 20.0), (500.0, 0.0), (700.0, 4.0)))
    warmup = 365.0

    def rate(t: float) -> float:
        level = 8.0 if t < 200 else 20.0 if t < 500 else 0.0 if t < 700 else 4.0
        growth = (1.1) ** (max(0.0, t - warmup) / DAYS_PER_YEAR)
        return level * growth / DAYS_PER_YEAR

    edges = (0.0, 200.0, warmup, 500.0, 700.0)
    for intensity in (0.5, 3.0, 10.0, 18.0, 25.0):
        t = dated_arrival_time(arrivals, warmup, intensity, changes)
        pieces = [(a, min(b, t)) for a, b in zip(edges, (*edges[1:], math.inf)) if a < t]
        assert sum(quad(rate, a, b)[0] for a, b in pieces) == pytest.approx(intensity, rel=1e-6)
        assert not 500 < t < 700  # no arrival while the rate is 0


def test_dated_demand_changes_the_arrivals_from_its_date(territory):
    date = dt.date(2026, 7, 6)
    event = [{"from": date.isoformat(), "set": {"blinatumomab.arrivals.episodes_per_year": 40.0}}]
    _, record = run(territory, events=event)
    arrivals = np.array([e.profile.arrival for e in record.episodes])
    day = day_of(date)
    per_year_before = (arrivals < day).sum() / day * 365.25
    per_year_after = (arrivals >= day).sum() / (arrivals.max() - day) * 365.25
    assert per_year_before < 20 < per_year_after  # 8.2 a year before, 40 after


# --- equivalence, balance -------------------------------------------------------------------------


OVERRIDES = {
    "beds.capacity": 15,
    "blinatumomab.arrivals.episodes_per_year": 12.0,
    "beds.background.arrivals_per_day": 0.45,
    "bags.where_changed": "home",
    "territory.authorise": ["croix_rouge_gers", "udsma"],
}


def _trace(record):
    return (
        [(a.kind, a.request, a.admit, a.discharge) for a in record.admissions],
        list(record.bed_level),
        list(record.home_care_requests),
        [(b.episode, b.purpose, b.day, b.outcome) for b in record.blina_bookings],
        [(e.profile.arrival, e.exit_time) for e in record.episodes],
    )


def test_an_event_on_the_first_day_is_the_scenario_saying_so(territory):
    keys = {key: value for key, value in OVERRIDES.items()}
    overridden, direct = run(territory, **keys)
    event = [{"from": START.isoformat(), "set": OVERRIDES}]
    _, dated = run(territory, events=event)
    assert overridden.territory.authorise == ["croix_rouge_gers", "udsma"]
    assert _trace(dated) == _trace(direct)


def test_flows_balance_with_closures_and_events(territory):
    events = [
        {"from": "2026-06-01", "set": {"beds.background.arrivals_per_day": 0.7}},
        {"from": "2026-09-01", "set": {"beds.capacity": 14, "blinatumomab.arrivals.episodes_per_year": 20.0}},
    ]
    scenario, record = run(territory, events=events, **{"capacity_calendar.beds": SUMMER})
    rows = record.admissions
    admitted = sum(a.admit is not None for a in rows)
    discharged = sum(a.discharge is not None for a in rows)
    levels = [b.level for b in record.bed_level]
    assert len(levels) == 1 + admitted + discharged
    in_bed = sum(a.admit is not None and a.discharge is None for a in rows)
    assert levels[-1] == admitted - discharged == in_bed
    assert min(levels) >= 0
    assert all(e.exit_time is not None for e in record.episodes), "every episode followed to its end"
    for a in rows:
        assert a.admit is None or a.request <= a.admit
        assert a.discharge is None or a.admit <= a.discharge
    # Nobody waits while a bed is open and free: a request still pending at the end means a full ward.
    if any(a.admit is None for a in rows):
        assert levels[-1] >= capacity_at(record, record.end_time)
    kpi = dated_kpis(record, admission_columns(record), scenario, Window(90.0, scenario.run.horizon, 2.0))
    assert 12 < kpi["beds_available_mean"] < 18
    assert not math.isnan(kpi["planned_wait_mean_days_before_event"])


# --- bad input ------------------------------------------------------------------------------------


def _load(tmp_path: Path, text: str):
    path = tmp_path / "dated.yaml"
    path.write_text(f"extends: {BASELINE}\nname: dated\n{text}")
    return load_scenario(path)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "events:\n  - {from: 2027-03-01, set: {beds.priorities.planned: 3}}\n",
            ["events.0.set", "beds.priorities.planned", "territory.authorise", "bags.where_changed"],
        ),
        ("events:\n  - {from: 2040-03-01, set: {beds.capacity: 12}}\n", ["events.0.from", "within the run"]),
        ("events:\n  - {from: 2025-03-01, set: {beds.capacity: 12}}\n", ["events.0.from", "within the run"]),
        (
            "events:\n  - {from: 2027-03-01, set: {beds.capacity: 0}}\n",
            ["events.0.set.beds.capacity", "found 0"],
        ),
        ("events:\n  - {from: 2027-03-01, set: {}}\n", ["events.0.set"]),
        ("capacity_calendar:\n  beds: [{from: 07-15, to: 2026-08-31, closed: 4}]\n", ["beds.0.to", "like"]),
        ("capacity_calendar:\n  beds: [{from: 02-30, to: 03-02, closed: 4}]\n", ["calendar.beds.0.from"]),
        ("capacity_calendar:\n  beds: [{from: 2026-09-01, to: 2026-08-01, closed: 4}]\n", ["beds.0.to"]),
    ],
)
def test_bad_dates_and_keys_are_refused_in_one_line(tmp_path, text, expected):
    with pytest.raises(ScenarioError) as refused:
        _load(tmp_path, text)
    message = str(refused.value)
    assert "\n" not in message and "dated.yaml" in message
    assert all(part in message for part in expected), message


def test_an_unknown_had_in_an_event_is_refused(tmp_path, territory):
    scenario = _load(tmp_path, "events:\n  - {from: 2027-03-01, set: {territory.authorise: [nowhere]}}\n")
    with pytest.raises(ScenarioError, match=r"events\.0\.set\.territory\.authorise: expected an HAD id"):
        scenario_territory(scenario, territory)


def test_shipped_dated_scenarios_load():
    closure = load_scenario(BASELINE.parent / "summer_closure.yaml")
    assert [(p.start, p.end, p.closed) for p in closure.capacity_calendar.beds] == [("07-15", "08-31", 4)]
    gers = load_scenario(BASELINE.parent / "gers_from_2027.yaml")
    assert gers.events[0].changes == {"territory.authorise": ["croix_rouge_gers"]}
    assert gers.run.start_date + dt.timedelta(days=gers.run.warmup_days) < gers.events[0].start
