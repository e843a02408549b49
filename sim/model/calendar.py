"""Calendar arithmetic and the bag schedule of one infusion cycle (pure functions, no SimPy).

Time is in days since simulation day 0, which falls on ``start_date``; day d starts at time d.
Public holidays come from the ``holidays`` library (offline; French law's list for "FR"): on them
the pharmacy makes no bag and the day hospital is closed, as on a weekend (M5: "No production on
weekends or public holidays"); no cycle starts and no home care begins on them.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import holidays
import numpy as np

MAX_CLOSED_RUN_DAYS = 60  # longer than any run of weeks whose allowed weekdays are all holidays
DAYS_GROWN = 366  # days an open-day table grows by, at least (``Calendar._open_table``)
WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


class _Holidays:
    """The holidays of the years read so far from the library, as day numbers; [first, end) is covered."""

    def __init__(self) -> None:
        self.days: set[int] = set()
        self.first = self.end = 0
        self.year_read_first = self.year_read_last = 0

    def add_year_of(self, start_date: dt.date, day: int, country: str) -> None:
        """Read the holidays of the years from those already read to the year of ``day``."""
        year = (start_date + dt.timedelta(days=day)).year
        if self.first == self.end:  # nothing read yet
            first_year = last_year = year
            new_years = [year]
        else:
            first_year = min(year, (start_date + dt.timedelta(days=self.first)).year)
            last_year = max(year, (start_date + dt.timedelta(days=self.end - 1)).year)
            known = range(self.year_read_first, self.year_read_last + 1)
            new_years = [y for y in range(first_year, last_year + 1) if y not in known]
        dates = [date for year in new_years for date in _holiday_dates(country, year)]
        self.days |= {(date - start_date).days for date in dates}
        self.year_read_first, self.year_read_last = first_year, last_year
        self.first = (dt.date(first_year, 1, 1) - start_date).days
        self.end = (dt.date(last_year + 1, 1, 1) - start_date).days


@functools.cache
def _holiday_dates(country: str, year: int) -> tuple[dt.date, ...]:
    """The public holidays of ``year`` (the library builds them anew each time: once per process here)."""
    return tuple(holidays.country_holidays(country, years=[year]))


@dataclass(frozen=True)
class Calendar:
    start_date: dt.date
    public_holidays: str | None = None  # a country code of the holidays library; None: no holiday
    _holidays: _Holidays = field(default_factory=lambda: _Holidays(), compare=False, repr=False)
    # The weekday of day 0, once: asked for every day a bag or a start could fall on.
    _weekday0: int = field(init=False, compare=False, repr=False)
    # Each weekday set's open days from day 0 (``_open_table``): a bag's change day or a start day is
    # then found by one search in C instead of a modulo, a set lookup and a holiday check per day.
    _open_tables: dict[frozenset[int], bytearray] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_weekday0", self.start_date.weekday())

    def is_holiday(self, day: int) -> bool:
        """Whether simulation day ``day`` is a public holiday."""
        if self.public_holidays is None:
            return False
        known = self._holidays
        if not known.first <= day < known.end:
            known.add_year_of(self.start_date, int(day), self.public_holidays)
        return day in known.days

    def opens(self, day: int, weekdays: Container[int]) -> bool:
        """Whether day ``day`` is one of ``weekdays`` and not a public holiday."""
        return (self._weekday0 + day) % 7 in weekdays and not self.is_holiday(day)

    @property
    def start_weekday(self) -> int:
        return self._weekday0

    def weekday(self, day: int | np.ndarray) -> int | np.ndarray:
        """Weekday of simulation day ``day`` (0 = Monday), or of each day of an array."""
        return (self._weekday0 + day) % 7

    def next_day_in(self, t: float, weekdays: Iterable[int]) -> int:
        """First day boundary at or after time t whose weekday is in ``weekdays``, not a holiday."""
        allowed = frozenset(weekdays)
        day = math.ceil(t - 1e-9)
        if day >= 0:
            table = self._open_tables.get(allowed)
            if table is None or day + MAX_CLOSED_RUN_DAYS >= len(table):
                table = self._open_table(allowed, day + MAX_CLOSED_RUN_DAYS)
            found = table.find(1, day, day + MAX_CLOSED_RUN_DAYS)
            if found >= 0:
                return found
        else:  # before day 0, outside the tables: day by day
            for later in range(day, day + MAX_CLOSED_RUN_DAYS):
                if self.opens(later, allowed):
                    return later
        raise ValueError(f"no allowed weekday in {sorted(allowed)} outside holidays")

    def latest_open(self, weekdays: frozenset[int], first: int, last: int) -> int | None:
        """The latest day of [first, last] whose weekday is in ``weekdays``, not a holiday; None if none."""
        if first > last:
            return None
        if first < 0:  # before day 0, outside the tables: day by day
            return next((day for day in range(last, first - 1, -1) if self.opens(day, weekdays)), None)
        found = self._open_table(weekdays, last).rfind(1, first, last + 1)
        return found if found >= 0 else None

    def _open_table(self, weekdays: frozenset[int], last: int) -> bytearray:
        """For each day from 0 to at least ``last``: 1 if it opens on ``weekdays`` (``opens``), else 0.

        Grown at least a year at a time as later days are asked for (a few times a run), reading no
        more than a year of holidays past the days asked for.
        """
        table = self._open_tables.get(weekdays)
        if table is not None and last < len(table):
            return table
        table = table if table is not None else bytearray()
        first, end = len(table), max(last + 1, len(table) + DAYS_GROWN)
        by_weekday = [1 if weekday in weekdays else 0 for weekday in range(7)]
        week = bytes(by_weekday[(self._weekday0 + first + i) % 7] for i in range(7))
        table += (week * ((end - first) // 7 + 1))[: end - first]
        if self.public_holidays is not None:
            self.is_holiday(first)  # reads the holidays of every year from first to end - 1
            self.is_holiday(end - 1)
            for day in self._holidays.days:
                if first <= day < end:
                    table[day] = 0
        self._open_tables[weekdays] = table
        return table


def weekday_set(names: Iterable[str]) -> frozenset[int]:
    return frozenset(WEEKDAY_INDEX[n] for n in names)


class Bag(NamedTuple):
    """One bag of an infusion (a named tuple, immutable: made in the thousands a run, at half a frozen
    dataclass's cost)."""

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
    No change is made on a day of ``no_change`` (a day the day hospital has no session to give), nor
    on a public holiday (the pharmacy is closed, M5): a holiday is bridged like a weekend; when holidays
    close the pharmacy longer than a bag lasts, its on-call makes the bag (``_on_call_day``).
    """
    forced = sorted(d for d in forced_changes if start < d < end)
    next_forced = iter([*forced, math.inf])  # changes are made later and later: each is passed once
    forced_day = next(next_forced)
    days = _ChangeDays(calendar, frozenset(home_change_days), frozenset(pharmacy_days), no_change)
    bags: list[Bag] = []
    t: float = start
    while t < end - 1e-9:
        limit = t + stability_days
        while forced_day <= t:
            forced_day = next(next_forced)
        if limit >= end - 1e-9 and forced_day == math.inf:
            bags.append(Bag(t, end))
            break
        if forced_day <= limit:
            change = forced_day
        else:
            # Every day of the window is before ``end``: a window reaching ``end`` ends the infusion above.
            found = days.latest(math.floor(t) + 1, math.floor(limit + 1e-9), planned_discharge)
            if found is None:
                raise ScheduleError(f"no change day between day {t:g} and day {limit:g}")
            change = found
        bags.append(Bag(t, change))
        t = change
    return bags


class _ChangeDays:
    """The latest day of a bag's window it can be changed on (``Calendar.latest_open``, one search in
    the calendar's table of open days of each weekday set): not a day of ``no_change``."""

    __slots__ = ("calendar", "home_change_days", "no_change", "pharmacy_days")

    def __init__(
        self,
        calendar: Calendar,
        home_change_days: frozenset[int],
        pharmacy_days: frozenset[int],
        no_change: Container[int],
    ):
        self.calendar, self.no_change = calendar, no_change
        self.home_change_days, self.pharmacy_days = home_change_days, pharmacy_days

    def latest(self, first: int, last: int, planned_discharge: float) -> int | None:
        """The change day of the window [first, last]: the latest home change day from the planned
        discharge on, else the latest pharmacy day before it; None if the rules allow no day."""
        if planned_discharge <= first:
            at_home = first
        else:  # the first day at or after the planned discharge (past ``last`` when inf)
            at_home = math.ceil(planned_discharge) if planned_discharge <= last else last + 1
        found = self._latest(self.home_change_days, at_home, last)
        if found is None:
            found = self._latest(self.pharmacy_days, first, at_home - 1)
        if found is None:
            # Discharge falls where no home change day is reachable: bridge with a pharmacy-day bag.
            found = self._latest(self.pharmacy_days, first, last)
        if found is None and self.calendar.latest_open(self.pharmacy_days, first, last) is None:
            found = _on_call_day(self.calendar, first, last, self.pharmacy_days)
        return found

    def _latest(self, weekdays: frozenset[int], first: int, last: int) -> int | None:
        """The latest day of [first, last] open on ``weekdays``, not in ``no_change``."""
        while True:
            found = self.calendar.latest_open(weekdays, first, last)
            if found is None or found not in self.no_change:
                return found
            last = found - 1


def _on_call_day(calendar: Calendar, first: int, last: int, pharmacy_days: frozenset[int]) -> int | None:
    """The change day when holidays close the pharmacy on every day a bag can reach: next to a
    weekend they can close it longer than a bag lasts (Ascension Thursday, then 8 May on the Friday,
    as in 2043). The pharmacy's on-call makes the bag on the last of those holidays, as for a restart
    after an interruption (an assumption). None when no pharmacy weekday is in reach at all: the
    weekly rules themselves cannot be met (ScheduleError).
    """
    return next((day for day in range(last, first - 1, -1) if calendar.weekday(day) in pharmacy_days), None)
