"""Calendar arithmetic and the bag schedule of one infusion cycle (pure functions, no SimPy).

Time is in days since simulation day 0, which falls on ``start_date``; day d starts at time d.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Container, Iterable
from dataclasses import dataclass

import numpy as np

WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


@dataclass(frozen=True)
class Calendar:
    start_date: dt.date

    @property
    def start_weekday(self) -> int:
        return self.start_date.weekday()

    def weekday(self, day: int | np.ndarray) -> int | np.ndarray:
        """Weekday of simulation day ``day`` (0 = Monday), or of each day of an array."""
        return (self.start_weekday + day) % 7

    def next_day_in(self, t: float, weekdays: Iterable[int]) -> int:
        """First day boundary at or after time t whose weekday is in ``weekdays``."""
        allowed = set(weekdays)
        day = math.ceil(t - 1e-9)
        for _ in range(8):
            if self.weekday(day) in allowed:
                return day
            day += 1
        raise ValueError(f"no allowed weekday in {sorted(allowed)}")


def weekday_set(names: Iterable[str]) -> frozenset[int]:
    return frozenset(WEEKDAY_INDEX[n] for n in names)


@dataclass(frozen=True)
class Bag:
    start: float  # time the bag is hung
    end: float  # time it is taken down (next change, or end of infusion)

    @property
    def days(self) -> float:
        return self.end - self.start


class ScheduleError(RuntimeError):
    """No legal change day exists: the scenario's bag rules cannot be met."""


def bag_schedule(
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
    """The bags of one infusion from ``start`` (a day boundary) to ``end``.

    Each bag lasts as long as possible without passing its stability: the next change is the
    latest allowed day within the stability window. Before the planned discharge, bags are changed
    on the ward on any pharmacy day; from the discharge on, only on the patient's home change days
    (Mon+Thu or Tue+Fri); so the last ward bag bridges to the first home change day (the thesis's
    24-48 h bridge bags, 003:4893-4895). A forced change (the C1 dose step-up) always starts a bag.
    No change is made on a day of ``no_change`` (a day the day hospital has no session to give).
    """
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
                and (
                    calendar.weekday(d) in home_change_days
                    if d >= planned_discharge
                    else calendar.weekday(d) in pharmacy_days
                )
            ]
            if not candidates:
                # Discharge falls where no home change day is reachable: bridge with a pharmacy-day bag.
                candidates = [
                    d
                    for d in range(first, last + 1)
                    if calendar.weekday(d) in pharmacy_days and d not in no_change
                ]
            if not candidates:
                raise ScheduleError(f"no change day between day {t:g} and day {limit:g}")
            change = candidates[-1]
        bags.append(Bag(t, change))
        t = change
    return bags
