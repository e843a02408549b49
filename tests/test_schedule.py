"""Calendar arithmetic and the bag schedule of one blinatumomab infusion cycle.

Facts (thesis, via scenarios/baseline.yaml): bags last at most 96 h; at home they are changed on
Mon+Thu or Tue+Fri ("one 3-day and one 4-day bag per week"); on the ward on any pharmacy day
(Mon-Fri); cycle 1 is 9 inpatient days with a dose step-up on day 8 (a forced change at start+7),
later cycles 2 inpatient days; 24-48 h bridge bags may align the schedule with the home pattern.
"""

from __future__ import annotations

import datetime as dt
import math
from itertools import pairwise

import pytest

from sim.model.calendar import WEEKDAY_INDEX, Bag, Calendar, ScheduleError, bag_schedule, weekday_set

MONDAY = dt.date(2026, 1, 5)  # the baseline's start_date
CAL = Calendar(MONDAY)
PHARMACY = weekday_set(["mon", "tue", "wed", "thu", "fri"])
PATTERNS = {"mon_thu": weekday_set(["mon", "thu"]), "tue_fri": weekday_set(["tue", "fri"])}
STABILITY = 96 / 24
INFUSION = 28
EPS = 1e-9


def _allowed(day: int, planned_discharge: float, home: frozenset[int], pharmacy=PHARMACY) -> bool:
    weekdays = home if day >= planned_discharge else pharmacy
    return CAL.weekday(day) in weekdays


def _check_schedule(
    bags: list[Bag],
    start: int,
    end: float,
    planned_discharge: float,
    home: frozenset[int],
    stability: float,
    forced: list[int],
    pharmacy: frozenset[int] = PHARMACY,
) -> None:
    assert bags, "no bags"
    # Contiguous from start to end.
    assert bags[0].start == start
    assert bags[-1].end == pytest.approx(end, abs=EPS)
    for before, after in pairwise(bags):
        assert before.end == after.start, bags
    for bag in bags:
        assert 0 < bag.days <= stability + EPS, f"{bag} longer than {stability} days"

    changes = [bag.start for bag in bags[1:]]
    for change in changes:
        assert change == int(change), f"change at {change} is not a day boundary"
        weekday = CAL.weekday(int(change))
        if change in forced:
            continue
        if change >= planned_discharge:
            assert weekday in home, f"home change on weekday {weekday} (day {change}): {bags}"
        else:
            assert weekday in pharmacy, f"ward change on weekday {weekday} (day {change}): {bags}"
    for day in forced:
        if start < day < end:
            assert day in changes, f"forced change at {day} is not a bag boundary: {bags}"

    # Each bag lasts as long as possible: no later legal change day within its stability
    # (unless a forced change cut it short).
    for bag in bags[:-1]:
        if bag.end in forced:
            continue
        later = range(int(bag.end) + 1, math.floor(bag.start + stability + EPS) + 1)
        assert not [d for d in later if d < end and _allowed(d, planned_discharge, home, pharmacy)], (
            f"{bag} could have lasted longer: {bags}"
        )


def _home_bags(bags: list[Bag], planned_discharge: float) -> list[Bag]:
    """Bags hung at or after the planned discharge, except the last (cut by the end of the infusion)."""
    return [bag for bag in bags[:-1] if bag.start >= planned_discharge]


START_WEEKDAYS = ["mon", "tue", "wed", "thu"]


@pytest.mark.parametrize("delay", range(11), ids=lambda d: f"delay{d}")
@pytest.mark.parametrize("cycle", ["cycle1", "later"])
@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("start_weekday", START_WEEKDAYS)
def test_bag_schedule_rules(start_weekday: str, pattern: str, cycle: str, delay: int):
    start = 7 + WEEKDAY_INDEX[start_weekday]  # second simulated week, so day 0 is not special
    end = start + INFUSION
    if cycle == "cycle1":
        planned_discharge, forced = start + 9 + delay, [start + 7]
    else:
        planned_discharge, forced = start + 2 + delay, []
    home = PATTERNS[pattern]
    bags = bag_schedule(CAL, start, end, planned_discharge, home, PHARMACY, STABILITY, forced)
    _check_schedule(bags, start, end, planned_discharge, home, STABILITY, forced)

    home_bags = _home_bags(bags, planned_discharge)
    assert {bag.days for bag in home_bags} <= {3, 4}, bags
    # One 3-day and one 4-day bag a week: consecutive home bags alternate.
    for first, second in pairwise(home_bags):
        assert first.days + second.days == 7, bags
    assert 8 <= len(bags) <= 10, f"{len(bags)} bags in a 28-day cycle: {bags}"


@pytest.mark.parametrize("pattern", list(PATTERNS))
@pytest.mark.parametrize("start_weekday", START_WEEKDAYS)
def test_inpatient_throughout_changes_on_pharmacy_days(start_weekday: str, pattern: str):
    start = WEEKDAY_INDEX[start_weekday]
    end = start + INFUSION
    forced = [start + 7]
    bags = bag_schedule(CAL, start, end, math.inf, PATTERNS[pattern], PHARMACY, STABILITY, forced)
    _check_schedule(bags, start, end, math.inf, PATTERNS[pattern], STABILITY, forced)
    assert 8 <= len(bags) <= 10


@pytest.mark.parametrize("stop", [0.5, 3.25, 8.0, 12.4, 20.9])
@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_infusion_stopped_early_ends_the_last_bag(pattern: str, stop: float):
    start, home = 1, PATTERNS[pattern]
    end = start + stop
    bags = bag_schedule(CAL, start, end, start + 9, home, PHARMACY, STABILITY, [start + 7])
    _check_schedule(bags, start, end, start + 9, home, STABILITY, [start + 7])
    assert bags[-1].end == end


def test_cycle_one_from_a_monday_mon_thu_by_hand():
    # Ward: Mon -> Fri (4 d) -> Mon step-up (3 d); discharge Wed day 9, so the ward bag of day 7
    # runs to the first home change, Thu day 10; then Thu -> Mon -> Thu ... to day 28.
    bags = bag_schedule(CAL, 0, 28, 9, PATTERNS["mon_thu"], PHARMACY, STABILITY, [7])
    assert [(b.start, b.end) for b in bags] == [
        (0, 4),
        (4, 7),
        (7, 10),
        (10, 14),
        (14, 17),
        (17, 21),
        (21, 24),
        (24, 28),
    ]


def test_later_cycle_from_a_monday_tue_fri_by_hand():
    # Discharged Wed day 2; the Monday bag lasts to the first home day, Fri day 4.
    bags = bag_schedule(CAL, 0, 28, 2, PATTERNS["tue_fri"], PHARMACY, STABILITY)
    assert [(b.start, b.end) for b in bags] == [
        (0, 4),
        (4, 8),
        (8, 11),
        (11, 15),
        (15, 18),
        (18, 22),
        (22, 25),
        (25, 28),
    ]


def test_short_bridge_bag_aligns_with_the_home_pattern():
    # Wednesday start, Mon+Thu at home, cycle 1: the step-up bag of Wed day 9 can only reach Thu
    # day 10 (discharge Fri day 11, no home day within 96 h otherwise): a 24 h bridge.
    bags = bag_schedule(CAL, 2, 30, 11, PATTERNS["mon_thu"], PHARMACY, STABILITY, [9])
    assert Bag(9, 10) in bags
    assert bags[bags.index(Bag(9, 10)) + 1] == Bag(10, 14)


@pytest.mark.parametrize("cycle", ["cycle1", "later"])
@pytest.mark.parametrize("start_weekday", START_WEEKDAYS)
def test_seven_day_bags_weekly_on_monday(start_weekday: str, cycle: str):
    start = WEEKDAY_INDEX[start_weekday]
    end = start + INFUSION
    home = weekday_set(["mon"])
    planned_discharge, forced = (start + 9, [start + 7]) if cycle == "cycle1" else (start + 2, [])
    bags = bag_schedule(CAL, start, end, planned_discharge, home, PHARMACY, 7.0, forced)
    _check_schedule(bags, start, end, planned_discharge, home, 7.0, forced)
    home_bags = _home_bags(bags, planned_discharge)
    assert home_bags and all(bag.days == 7 for bag in home_bags), bags
    assert 4 <= len(bags) <= 6


def test_seven_day_bags_from_a_monday():
    bags = bag_schedule(CAL, 0, 28, 2, weekday_set(["mon"]), PHARMACY, 7.0)
    assert [(b.start, b.end) for b in bags] == [(0, 7), (7, 14), (14, 21), (21, 28)]


def test_no_legal_change_day_raises_schedule_error():
    # Changes only on Mondays but bags last 2 days: impossible.
    with pytest.raises(ScheduleError):
        bag_schedule(CAL, 0, 28, 2, weekday_set(["mon"]), weekday_set(["mon"]), 2.0)


def test_single_bag_when_the_infusion_fits_its_stability():
    assert bag_schedule(CAL, 0, 3.5, 2, PATTERNS["mon_thu"], PHARMACY, STABILITY) == [Bag(0, 3.5)]
    assert Bag(0, 3.5).days == 3.5


def test_forced_changes_outside_the_infusion_are_ignored():
    with_outside = bag_schedule(CAL, 0, 28, 2, PATTERNS["mon_thu"], PHARMACY, STABILITY, [0, 28, 40])
    assert with_outside == bag_schedule(CAL, 0, 28, 2, PATTERNS["mon_thu"], PHARMACY, STABILITY)


# --- Calendar ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", range(7))
def test_weekday_of_day_zero_is_the_start_dates(offset: int):
    start_date = MONDAY + dt.timedelta(days=offset)
    calendar = Calendar(start_date)
    assert calendar.start_weekday == start_date.weekday()
    assert calendar.weekday(0) == start_date.weekday()
    for day in range(-10, 40):
        assert calendar.weekday(day) == (start_date + dt.timedelta(days=day)).weekday()


@pytest.mark.parametrize(
    "t, weekdays, expected",
    [
        (0, {0}, 0),  # Monday 0 is itself allowed
        (0.5, {0}, 7),  # half-way through Monday: next Monday
        (1, {0}, 7),
        (2.0, {0, 3}, 3),  # Wednesday -> Thursday
        (3, {0, 3}, 3),
        (3.2, {0, 3}, 7),  # Thursday morning gone -> Monday
        (3 + 1e-12, {3}, 3),  # rounding noise does not skip a day
        (4.0, {4}, 4),
        (4.999, {5}, 5),
        (5.5, {0, 1, 2, 3, 4}, 7),  # Saturday noon -> Monday
        (6.01, {6}, 13),
        (-0.5, {0}, 0),
        (10.25, {1, 4}, 11),  # Thursday 10 + 6 h -> Friday 11
    ],
)
def test_next_day_in(t: float, weekdays: set[int], expected: int):
    assert CAL.next_day_in(t, weekdays) == expected


def test_next_day_in_depends_on_the_start_date():
    sunday = Calendar(dt.date(2026, 1, 4))
    assert sunday.next_day_in(0, {0}) == 1
    assert sunday.next_day_in(0, {6}) == 0
    assert sunday.next_day_in(0.1, {6}) == 7
    assert sunday.next_day_in(2.5, weekday_set(["mon", "thu"])) == 4


def test_next_day_in_without_allowed_days_raises():
    with pytest.raises(ValueError):
        CAL.next_day_in(0, set())


def test_weekday_set():
    assert weekday_set(["mon", "thu"]) == frozenset({0, 3})
    assert weekday_set(["tue", "fri"]) == frozenset({1, 4})
    assert weekday_set([]) == frozenset()
