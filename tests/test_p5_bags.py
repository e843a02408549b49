"""Bag planning for less (issue 12 [P]): the open-day tables of ``Calendar`` and ``bag_schedule`` built
on them give, to the bit, what the day-by-day scans they replace gave.

The replaced code is copied below (``old_*``); each new function is compared with it on many inputs:
starts and ends on and off day boundaries, discharges before, inside and after the infusion (and
never: inf), every weekday set, stabilities of 1 to 8 days (4 days: the baseline; 7: seven_day_bags),
forced changes, ``no_change`` days, public holidays (2043's Ascension + 8 May next to a weekend, where
the pharmacy's on-call makes the bag) and runs without holidays.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Container, Iterable
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_variants import baseline_variant

import sim.model.bags as bags_module
from sim.model.bags import BagChanges, CycleBags
from sim.model.calendar import MAX_CLOSED_RUN_DAYS, Bag, Calendar, ScheduleError, bag_schedule, weekday_set
from sim.model.engine import Model
from sim.model.records import BagChange

PHARMACY = weekday_set(["mon", "tue", "wed", "thu", "fri"])
MON_THU, TUE_FRI = weekday_set(["mon", "thu"]), weekday_set(["tue", "fri"])
ASCENSION_2043 = dt.date(2043, 4, 27)  # a Monday; Thursday 7 and Friday 8 May 2043 are holidays
# Shared across examples, so that their tables grow as later days are asked for (as in a run).
SHARED = [
    Calendar(dt.date(2026, 1, 5), "FR"),
    Calendar(ASCENSION_2043, "FR"),
    Calendar(dt.date(2026, 1, 4)),  # a Sunday, no holidays
]


# --- the replaced code, as it was ---


def old_opens(calendar: Calendar, day: int, weekdays: Container[int]) -> bool:
    return (calendar.start_weekday + day) % 7 in weekdays and not calendar.is_holiday(day)


def old_next_day_in(calendar: Calendar, t: float, weekdays: Iterable[int]) -> int:
    allowed = set(weekdays)
    day = math.ceil(t - 1e-9)
    for _ in range(MAX_CLOSED_RUN_DAYS):
        if old_opens(calendar, day, allowed):
            return day
        day += 1
    raise ValueError(f"no allowed weekday in {sorted(allowed)} outside holidays")


def old_bag_schedule(
    calendar: Calendar,
    start: int,
    end: float,
    planned_discharge: float,
    home_change_days: frozenset[int],
    pharmacy_days: frozenset[int],
    stability_days: float,
    forced_changes: Iterable[int] = (),
    no_change: Container[int] = (),
) -> list[Bag]:
    forced = sorted(d for d in forced_changes if start < d < end)
    bags: list[Bag] = []
    t: float = start
    while t < end - 1e-9:
        limit = t + stability_days
        if limit >= end - 1e-9:
            next_forced = [d for d in forced if t < d]
            if not next_forced:
                bags.append(Bag(t, end))
                break
        due = [d for d in forced if t < d <= limit]
        if due:
            change = due[0]
        else:
            first, last = math.floor(t) + 1, math.floor(limit + 1e-9)
            candidates = [
                d
                for d in range(first, last + 1)
                if d < end
                and d not in no_change
                and old_opens(calendar, d, home_change_days if d >= planned_discharge else pharmacy_days)
            ]
            if not candidates:
                candidates = [
                    d
                    for d in range(first, last + 1)
                    if old_opens(calendar, d, pharmacy_days) and d not in no_change
                ]
            if not candidates and not any(
                old_opens(calendar, d, pharmacy_days) for d in range(first, last + 1)
            ):
                candidates = [d for d in range(first, last + 1) if calendar.weekday(d) in pharmacy_days][-1:]
            if not candidates:
                raise ScheduleError(f"no change day between day {t:g} and day {limit:g}")
            change = candidates[-1]
        bags.append(Bag(t, change))
        t = change
    return bags


# --- inputs ---


class _Days:
    """A ``no_change`` that is not a set (as the bridge's ``_NoSession``): days by a rule."""

    def __init__(self, modulus: int, residue: int):
        self.modulus, self.residue = modulus, residue

    def __contains__(self, day: object) -> bool:
        return isinstance(day, int) and day % self.modulus == self.residue


weekdays = st.frozensets(st.integers(0, 6))
some_weekdays = st.sampled_from([PHARMACY, MON_THU, TUE_FRI, weekday_set(["mon"])]) | weekdays
calendars = st.sampled_from(SHARED) | st.builds(
    Calendar,
    st.dates(dt.date(2020, 1, 1), dt.date(2050, 12, 31)),
    st.sampled_from(["FR", None]),
)
day_or_time = st.integers(-20, 900) | st.floats(-20, 900, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def schedules(draw):
    start = draw(st.integers(-20, 900) | st.floats(-20, 900).map(lambda x: round(x, 2)))
    end = start + draw(st.sampled_from([28.0, 28, 0.5]) | st.floats(0, 70).map(lambda x: round(x, 2)))
    discharge = draw(
        st.sampled_from([math.inf, start])
        | st.integers(-5, 40).map(lambda k: math.floor(start) + k)
        | st.floats(-5, 40).map(lambda x: start + round(x, 2))
    )
    stability = draw(st.sampled_from([4.0, 7.0, 2.0]) | st.floats(1.0, 8.0).map(lambda x: round(x, 2)))
    forced = draw(st.lists(st.integers(-5, 40).map(lambda k: math.floor(start) + k), max_size=3))
    no_change = draw(
        st.just(())
        | st.sets(st.integers(-5, 75).map(lambda k: math.floor(start) + k), max_size=12)
        | st.builds(_Days, st.integers(2, 5), st.integers(0, 1))
    )
    home = draw(some_weekdays)
    pharmacy = draw(st.sampled_from([PHARMACY]) | weekdays)
    return start, end, discharge, home, pharmacy, stability, forced, no_change


def _outcome(function, *args) -> tuple:
    """What a call gives, to the bit: each bag's bounds with their types, or the error it raises."""
    try:
        bags = function(*args)
    except (ScheduleError, ValueError) as error:
        return type(error), str(error)
    return tuple((type(b.start), b.start, type(b.end), b.end) for b in bags)


# --- the new code against the old ---


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calendars, schedules())
def test_bag_schedule_gives_the_old_bags(calendar: Calendar, inputs: tuple) -> None:
    assert _outcome(bag_schedule, calendar, *inputs) == _outcome(old_bag_schedule, calendar, *inputs)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 900), st.sampled_from([0, 1.5, 2.25]), st.sampled_from([4.0, 7.0]))
def test_bag_schedule_across_may_2043_gives_the_old_bags(start: int, offset: float, stability: float) -> None:
    """Every start around 2043's closed Thursday-to-Sunday, discharges inside the infusion, a step-up."""
    calendar = SHARED[1]
    for home in (MON_THU, TUE_FRI):
        inputs = (start, start + 28.0, start + 9 + offset, home, PHARMACY, stability, [start + 7])
        assert _outcome(bag_schedule, calendar, *inputs) == _outcome(old_bag_schedule, calendar, *inputs)


def test_the_2043_closure_is_made_on_call_as_before() -> None:
    """The four closed days of May 2043 (two holidays, a weekend) exceed a 4-day bag: on-call bag."""
    calendar = Calendar(ASCENSION_2043, "FR")
    wednesday = (dt.date(2043, 5, 6) - ASCENSION_2043).days
    inputs = (wednesday, wednesday + 20, wednesday, MON_THU, PHARMACY, 4.0)
    new = bag_schedule(calendar, *inputs)
    assert new == old_bag_schedule(calendar, *inputs)
    assert any(not calendar.opens(int(b.start), PHARMACY) for b in new[1:]), "no on-call bag"


@settings(max_examples=1000, deadline=None)
@given(calendars, day_or_time, some_weekdays | st.sets(st.integers(0, 6)))
def test_next_day_in_gives_the_old_day(calendar: Calendar, t: float, allowed) -> None:
    assert _outcome(lambda: [Bag(calendar.next_day_in(t, allowed), 0)]) == _outcome(
        lambda: [Bag(old_next_day_in(calendar, t, allowed), 0)]
    )


@settings(max_examples=1000, deadline=None)
@given(calendars, st.integers(-30, 3000), st.integers(-3, 12), some_weekdays)
def test_latest_open_is_the_last_day_that_opens(calendar: Calendar, first: int, span: int, allowed) -> None:
    last = first + span
    expected = [d for d in range(first, last + 1) if old_opens(calendar, d, allowed)][-1:]
    assert [calendar.latest_open(allowed, first, last)] == (expected or [None])


def test_tables_grown_later_agree_with_each_day() -> None:
    """Asked first for an early day, then for days years later (the table grows): every day as opens."""
    calendar = Calendar(dt.date(2026, 1, 5), "FR")
    assert calendar.latest_open(PHARMACY, 0, 3) == 3
    for last in (600, 5000):
        calendar.latest_open(PHARMACY, last, last)
    table = calendar._open_tables[PHARMACY]
    assert len(table) > 5000
    assert list(table) == [old_opens(calendar, d, PHARMACY) for d in range(len(table))]
    holidays = [d for d in range(len(table)) if calendar.is_holiday(d) and calendar.weekday(d) < 5]
    assert len(holidays) > 50 and not any(table[d] for d in holidays)  # every weekday holiday closed


def test_no_change_days_are_never_change_days() -> None:
    """With every Monday and Thursday barred, a Mon+Thu patient's changes fall on other days, but for
    the dose step-up (forced: always on its day)."""
    calendar = Calendar(dt.date(2026, 1, 5))
    barred = {d for d in range(40) if calendar.weekday(d) in MON_THU}
    bags = bag_schedule(calendar, 0, 28.0, 9, MON_THU, PHARMACY, 4.0, [7], barred)
    assert bags == old_bag_schedule(calendar, 0, 28.0, 9, MON_THU, PHARMACY, 4.0, [7], barred)
    assert not {int(b.start) for b in bags[1:]} & (barred - {7})  # the step-up (day 7) is made anyway
    assert bags[0].start == 0 and bags[-1].end == 28.0


@pytest.mark.parametrize("stability", [4.0, 7.0])
def test_every_bag_within_its_stability(stability: float) -> None:
    calendar = Calendar(dt.date(2026, 1, 5), "FR")
    for start in range(0, 730, 3):
        inputs = (start, start + 28.0, start + 9, TUE_FRI, PHARMACY, stability, [start + 7])
        bags = bag_schedule(calendar, *inputs)
        assert all(0 < b.days <= stability + 1e-9 for b in bags)
        assert all(a.end == b.start for a, b in pairwise(bags))


# --- whole runs: the old bag planning (schedule, place and the calendar's scans) against the new ---


def old_schedule(self, cycle, day1, infusion_end, planned_discharge, start=None):
    options = []
    for order, pattern in enumerate(self.patterns):
        bags = bag_schedule(
            self.calendar,
            int(day1) if start is None else start,
            infusion_end,
            planned_discharge,
            pattern,
            self.pharmacy_days,
            self.stability_days,
            self._forced(cycle, day1),
        )
        home = [int(b.start) for b in bags if b.start > planned_discharge]
        free = sum(self.day_hospital.free(day) for day in home) if self.policy == "day_hospital" else 0
        first = home[0] if home else math.inf
        options.append(((len(bags), -free, first, order), pattern, bags))
    _, pattern, bags = min(options, key=lambda option: option[0])
    return CycleBags(cycle, day1, infusion_end, pattern, bags)


def old_ug(self, cycle, day1, start):
    if cycle == 1 and start < self._step_up(day1):
        return self.dose.cycle1_start_ug_per_day
    return self.dose.target_ug_per_day


def old_place(self, episode, planned, home, discharge, readmissions, stop):
    bags, where = (planned.bags, {}) if home is None else (home.bags, home.where)
    for bag in bags:
        if bag.start >= stop - 1e-9:
            break
        on_ward = bag.start <= discharge or any(r.admit <= bag.start < r.discharge for r in readmissions)
        first = bag.start == bags[0].start
        place = "ward" if on_ward or first else where.get(bag.start, self.policy)
        ug = self._ug(planned.cycle, planned.day1, bag.start)
        made_until = bag.end if bag.end > stop + 1e-9 else None
        end = min(bag.end, stop)
        episode.bags.append(BagChange(planned.cycle, bag.start, end, ug, place, made_until))
        if place != "ward":
            self._away_from_ward(episode.profile, bag.start, place)


def _what_happened(scenario, territory) -> str:
    record = Model(scenario, territory, 3).run()
    parts = [record.episodes, record.bridges, record.trips, record.deliveries, record.blina_bookings]
    return repr((parts, record.interruptions, record.admissions, record.end_time))


@pytest.mark.parametrize(
    "changes",
    [
        {  # a saturated day hospital: no-slot days, ward visits, bridges
            "blinatumomab.arrivals.episodes_per_year": 30.0,
            "day_hospital.background.requests_per_day": 30.0,
        },
        {"run.start_date": "2043-01-05", "blinatumomab.arrivals.episodes_per_year": 20.0},  # May 2043
        {"bags.stability_hours": 168, "bags.change_patterns": [["mon"], ["tue"]]},  # seven_day_bags
    ],
)
def test_a_run_plans_and_places_the_bags_as_before(territory, monkeypatch, changes) -> None:
    scenario = baseline_variant(**{"run.years": 2.0, "run.warmup_days": 0.0, **changes})
    new = _what_happened(scenario, territory)
    monkeypatch.setattr(bags_module, "bag_schedule", old_bag_schedule)
    monkeypatch.setattr(Calendar, "next_day_in", old_next_day_in)
    monkeypatch.setattr(BagChanges, "schedule", old_schedule)
    monkeypatch.setattr(BagChanges, "_ug", old_ug)
    monkeypatch.setattr(BagChanges, "place", old_place)
    assert new == _what_happened(scenario, territory)
