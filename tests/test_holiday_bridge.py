"""Holidays that close the pharmacy longer than a bag lasts: the on-call pharmacy makes the bag.

Ascension Thursday 7 May 2043 and Victory Day Friday 8 May 2043 close the pharmacy with the weekend
from Thursday to Sunday: a bag hung on the Wednesday would have to last 5 days, and the stability is 4
(96 h). Before this rule any run reaching May 2043 stopped with a ScheduleError.
"""

from __future__ import annotations

import datetime as dt

from scenario_variants import baseline_variant

from sim.measures.kpis import compute
from sim.model.calendar import Calendar, bag_schedule, weekday_set
from sim.model.engine import simulate
from sim.territory.binding import scenario_territory

WEEKDAYS = weekday_set(["mon", "tue", "wed", "thu", "fri"])
MON_THU = weekday_set(["mon", "thu"])
START = dt.date(2043, 4, 27)  # a Monday; 6 May is day 9 (Wednesday), 7-10 May days 10-13, closed


def test_a_bridge_longer_than_a_bag_is_covered_by_the_on_call_pharmacy():
    calendar = Calendar(START, "FR")
    wednesday = (dt.date(2043, 5, 6) - START).days
    assert [calendar.opens(d, WEEKDAYS) for d in range(wednesday, wednesday + 6)] == [
        True, False, False, False, False, True,
    ]  # fmt: skip
    bags = bag_schedule(calendar, wednesday, wednesday + 20, wednesday, MON_THU, WEEKDAYS, 4.0)
    assert all(b.days <= 4.0 + 1e-9 for b in bags)  # never past the bag's stability
    assert bags[0].end == wednesday + 2  # the Friday holiday: a pharmacy weekday, the on-call makes it
    assert not calendar.opens(int(bags[0].end), WEEKDAYS)
    # after it, the schedule is back on pharmacy days
    assert all(calendar.opens(int(b.start), WEEKDAYS) for b in bags[2:])


def test_an_ordinary_weekend_and_holiday_are_bridged_without_the_on_call():
    """A single holiday next to a weekend (the 2027 Ascension) is bridged with pharmacy-day bags."""
    calendar = Calendar(dt.date(2027, 5, 3), "FR")
    bags = bag_schedule(calendar, 0, 28, 2, MON_THU, WEEKDAYS, 4.0)
    assert all(calendar.opens(int(b.start), WEEKDAYS) for b in bags)


def test_a_run_across_may_2043_completes_and_counts_its_on_call_bags(territory):
    scenario = baseline_variant(run={"start_date": "2043-01-05", "years": 1.0, "warmup_days": 0.0})
    bound = scenario_territory(scenario, territory)
    calendar = Calendar(scenario.run.start_date, "FR")
    counted = []
    for replication in range(3):
        record = simulate(scenario, bound, replication)
        bags = [b for e in record.episodes for b in e.bags if b.start < scenario.run.horizon]
        assert all(b.end - b.start <= scenario.bags.stability_hours / 24 + 1e-9 for b in bags)
        on_call = sum(not calendar.opens(int(b.start), WEEKDAYS) for b in bags)
        kpis = compute(record, scenario, bound)
        assert kpis["bags_pharmacy_on_call_per_year"] == on_call / scenario.run.years
        counted.append(on_call)
    assert sum(counted) > 0
