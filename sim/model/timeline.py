"""Dates in a run: the scenario in force on each day, capacities closed by date range, and the process
that applies, on its day, what a dated event changes.

- **Dated events** (``events:``) set keys of the scenario from a date on. ``periods`` gives the scenario
  in force from day 0 (events dated day 0 included: the run starts with them, exactly as if the
  scenario itself said so), then from each later event date.
- **Capacity calendars** (``capacity_calendar:``) close beds, or day-hospital sessions, by date range,
  once or every year; what is closed is taken from what the scenario in force opens (never below 0).

Everything here is known before the run: a closure is planned, so the day hospital books later days
knowing their sessions. Beds follow their calendar in simulated time (``Timeline.beds``): when
capacity drops nobody leaves, and no one is admitted until occupancy is below the new capacity.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.calendar import Calendar
from sim.model.draws import DemandChanges
from sim.scenario.schema import ClosurePeriod, Scenario
from sim.scenario.timeline import is_yearly, parse_day, with_changes


@dataclass(frozen=True)
class Period:
    """The scenario in force from simulation day ``day`` to the next period."""

    day: int
    scenario: Scenario


def periods(scenario: Scenario) -> list[Period]:
    """The scenario in force from day 0 (with the events dated that day), then from each later event date."""
    start = scenario.run.start_date
    dated = sorted(scenario.events, key=lambda event: event.start)
    result: list[Period] = [Period(0, scenario)]
    changes: dict = {}
    for date, events in itertools.groupby(dated, key=lambda event: event.start):
        for event in events:
            changes.update(event.changes)
        day = (date - start).days
        if day == 0:
            result = []
        result.append(Period(day, with_changes(scenario, changes)))
    return result


def period_index(periods_: list[Period], days: np.ndarray) -> np.ndarray:
    """For each day of ``days``: the index of the period in force."""
    return np.searchsorted([p.day for p in periods_], days, side="right") - 1


def closed_by_day(closures: list[ClosurePeriod], calendar: Calendar, n_days: int) -> np.ndarray:
    """Beds (or sessions) closed on each of the first ``n_days`` days, by the calendar's periods."""
    closed = np.zeros(n_days, dtype=np.int64)
    if not closures:
        return closed
    days = np.arange(n_days)
    dates = np.datetime64(calendar.start_date, "D") + days
    months = dates.astype("datetime64[M]")
    month_day = (months.astype(np.int64) % 12 + 1) * 100 + (dates - months).astype(np.int64) + 1
    for period in closures:
        first, last = parse_day(period.start), parse_day(period.end)
        if is_yearly(period.start):
            low, high = first.month * 100 + first.day, last.month * 100 + last.day
            after_low, before_high = month_day >= low, month_day <= high
            inside = after_low & before_high if low <= high else after_low | before_high  # may wrap the year
        else:
            since_start = (first - calendar.start_date).days, (last - calendar.start_date).days
            inside = (days >= since_start[0]) & (days <= since_start[1])
        closed += period.closed * inside
    return closed


def beds_by_day(scenario: Scenario, in_force: list[Period], calendar: Calendar, n_days: int) -> np.ndarray:
    """Beds open on each of the first ``n_days`` days: the scenario in force's, less those closed."""
    beds = np.array([p.scenario.beds.capacity for p in in_force])
    capacity = beds[period_index(in_force, np.arange(n_days))]
    closed = closed_by_day(scenario.capacity_calendar.beds, calendar, n_days)
    return np.maximum(capacity - closed, 0)


def demand_changes(in_force: list[Period]) -> DemandChanges:
    """Arrival rates changed by events after day 0 (from day 0, the scenario in force holds them); a
    period that keeps the rate is no change, so that arrivals stay the same draws to the last bit."""

    def changes(rate) -> tuple[tuple[float, float], ...]:
        steps = [(float(p.day), rate(p.scenario)) for p in in_force]
        return tuple(now for before, now in itertools.pairwise(steps) if now[1] != before[1])

    return DemandChanges(
        episodes_per_year=changes(lambda s: s.blinatumomab.arrivals.episodes_per_year),
        background_per_day=changes(lambda s: s.beds.background.arrivals_per_day),
    )


class Timeline:
    """Applies on its day what changes during the run: beds open, the authorisation set, the bag policy."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, calendar: Calendar, n_days: int):
        self.env = env
        self.periods = periods(scenario)
        self.beds_open = beds_by_day(scenario, self.periods, calendar, n_days)
        self.demand = demand_changes(self.periods)

    @property
    def start(self) -> Scenario:
        """The scenario in force on day 0."""
        return self.periods[0].scenario

    def beds(self, ward):
        """Each day the beds open change, the ward's capacity follows (nobody is moved out)."""
        changed = np.flatnonzero(np.diff(self.beds_open)) + 1
        for day in changed.tolist():
            yield self.env.timeout(day - self.env.now)
            ward.set_capacity(int(self.beds_open[day]))

    def events(self, home_care, bags, authorised):
        """From each later period's day: its authorisation set (``authorised``: scenario -> one bool per
        HAD) for home-care requests made from then, and its bag policy."""
        for period in self.periods[1:]:
            yield self.env.timeout(period.day - self.env.now)
            home_care.authorise(authorised(period.scenario))
            bags.policy = period.scenario.bags.where_changed
