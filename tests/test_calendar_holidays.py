"""The calendar: public holidays close the pharmacy and the day hospital; home care begins on its days.

Each rule is checked over the baseline's 5 simulated years: on the model before the calendar, about
4 % of home bag changes and 5 % of cycle day 1s fell on a public holiday, and 17 % of returns home on
a Saturday or a Sunday.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scenario_variants import BASELINE, baseline_variant

from sim.measures.kpis import compute
from sim.model.calendar import Calendar, bag_schedule, weekday_set
from sim.model.engine import simulate
from sim.model.records import BLINA_START
from sim.outputs.description import model_logic
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory

REPLICATIONS = 2


@pytest.fixture(scope="module")
def runs(territory):
    """The baseline (French holidays, home care Mon-Fri), 5 years after the warm-up, 2 replications."""
    scenario = load_scenario(BASELINE)
    terr = scenario_territory(scenario, territory)
    calendar = Calendar(scenario.run.start_date, "FR")
    return scenario, calendar, [simulate(scenario, terr, r) for r in range(REPLICATIONS)], terr


def home_returns(record) -> list[float]:
    """When each home phase began: the discharge of a cycle start's bed followed by a home segment."""
    starts = {s.start for e in record.episodes for s in e.home_segments}
    return [
        a.discharge
        for a in record.admissions
        if a.kind == BLINA_START and a.discharge is not None and a.discharge in starts
    ]


def test_the_library_knows_french_holidays():
    calendar = Calendar(dt.date(2027, 1, 4), "FR")  # a Monday
    day = {d: (d - dt.date(2027, 1, 4)).days for d in (dt.date(2027, 5, 6), dt.date(2027, 7, 14))}
    assert calendar.is_holiday(day[dt.date(2027, 5, 6)])  # Ascension Thursday
    assert calendar.is_holiday(day[dt.date(2027, 7, 14)])
    assert not calendar.is_holiday(day[dt.date(2027, 7, 14)] + 1)
    assert sum(calendar.is_holiday(d) for d in range(365)) == 11  # 2027 after 1 January, and 1 January 2028
    assert not any(Calendar(dt.date(2027, 1, 4)).is_holiday(d) for d in range(365))


def test_a_holiday_is_bridged_like_a_weekend():
    # Mon 3 May 2027 start, at home from day 2 on Mon+Thu: Thursday 6 May (Ascension) has no change.
    calendar = Calendar(dt.date(2027, 5, 3), "FR")
    mon_thu, weekdays = weekday_set(["mon", "thu"]), weekday_set(["mon", "tue", "wed", "thu", "fri"])
    bags = bag_schedule(calendar, 0, 28, 2, mon_thu, weekdays, 4.0)
    changes = [int(b.start) for b in bags[1:]]
    assert 3 not in changes and 4 in changes  # Friday instead of the holiday Thursday
    assert all(b.days <= 4.0 for b in bags)
    without = bag_schedule(Calendar(dt.date(2027, 5, 3)), 0, 28, 2, mon_thu, weekdays, 4.0)
    assert 3 in [int(b.start) for b in without[1:]]


def test_no_bag_change_on_a_holiday(runs):
    scenario, calendar, records, _ = runs
    window = scenario.run.warmup_days, scenario.run.horizon
    changes = [b for r in records for e in r.episodes for b in e.bags if window[0] <= b.start < window[1]]
    at_home = [b for b in changes if b.where != "ward"]
    assert len(at_home) > 1000
    # A restart after an interruption is hung in hospital when the event is over, any day (its bag
    # from the pharmacy's on-call, an assumption); every planned change keeps off holidays.
    restarts = {i.restart for r in records for i in r.interruptions}
    assert [b for b in changes if calendar.is_holiday(int(b.start)) and b.start not in restarts] == []


def test_no_cycle_starts_on_a_holiday(runs):
    _, calendar, records, _ = runs
    day1s = [
        min(b.start for b in e.bags if b.cycle == c)
        for r in records
        for e in r.episodes
        for c in {b.cycle for b in e.bags}
    ]
    assert len(day1s) > 200
    assert [d for d in day1s if calendar.is_holiday(int(d))] == []


def test_home_care_begins_on_a_weekday_outside_holidays(runs):
    _, calendar, records, _ = runs
    returns = [t for r in records for t in home_returns(r)]
    assert len(returns) > 200
    day = [int(np.floor(t + 1e-9)) for t in returns]
    assert [d for d in day if calendar.weekday(d) >= 5] == []
    assert [d for d in day if calendar.is_holiday(d)] == []


def test_the_day_hospital_is_closed_on_holidays(runs):
    _, calendar, records, _ = runs
    record = records[0]
    days = record.day_hospital_days
    holidays = np.flatnonzero(days.closed)
    assert len(holidays) >= 40 and (days.capacity[holidays] == 0).all()
    assert all(calendar.is_holiday(d) for d in holidays)
    background = {b.day for b in record.background_bookings}
    blina = {b.day for b in record.blina_bookings if b.day is not None}
    assert not (background | blina) & set(holidays.tolist())


def test_waiting_for_a_home_care_day_is_counted(runs, territory):
    scenario, _, records, terr = runs
    kpi = compute(records[0], scenario, terr)
    waited = kpi["blina_bed_days_waiting_home_care_day_per_year"]
    assert waited > 1.0
    # Home care every day and no holiday: nobody waits for a day, and returns home fall at weekends.
    anyday = baseline_variant(
        **{
            "calendar.public_holidays": "none",
            "calendar.home_care_start_weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        }
    )
    record = simulate(anyday, scenario_territory(anyday, territory), 0)
    assert compute(record, anyday, terr)["blina_bed_days_waiting_home_care_day_per_year"] == 0
    cal = Calendar(anyday.run.start_date)
    assert any(cal.weekday(int(np.floor(t + 1e-9))) >= 5 for t in home_returns(record))


def test_the_model_description_names_the_calendar():
    logic = model_logic(load_scenario(BASELINE))["calendar"]
    assert logic.startswith("French public holidays close the pharmacy and the day hospital")
    assert logic.endswith("home care begins on Mon, Tue, Wed, Thu or Fri")
    none = baseline_variant(**{"calendar.public_holidays": "none"})
    assert model_logic(none)["calendar"].startswith("no public holiday")
