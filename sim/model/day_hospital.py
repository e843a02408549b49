"""IUCT-O's day hospital: its sessions, booked day by day in simulated time by all its patients.

Why a capacity inside the simulation: the thesis's day hospital is saturated (003:6140-6142), and
a blinatumomab patient at home comes back to it every 3 or 4 days for a new bag (003:4997-5005) on
fixed weekdays (Mon+Thu or Tue+Fri, 003:4891-4895); a bag lasts at most 96 h (003:1066-1068,
4885-4887), so a change cannot wait. Who gets a session, and what the others do instead, is
decided here as the run goes, so that a scenario's sessions change what happens.

A ledger holds, for every day, the sessions open (``sessions_per_weekday``), those held for
blinatumomab (``reserved_per_pattern_day`` on the weekdays of a change pattern, M4), and who booked.
Held sessions still unused ``reserved_release_days`` before their day go to other patients.

- **Other patients** ask for a session ``lead_days`` ahead of its due day; the request is booked on
  the earliest day from its due day with a session neither booked nor held: within its tolerance
  window [due, due + tolerance], or past it (deferred). Requests are booked in the order they are
  made, so those that overflow their window form a backlog served first come, first served; when
  held sessions are released, they go first to that backlog (requests already due, booked later).
- **Blinatumomab patients** book when the home phase starts (at discharge), with priority: a bag
  change takes a free session of its day (held ones included), else the session of another
  patient's booking that can still move (days of tolerance left: the one with the most), which is
  booked again on its next free day (in its window or past it); else no session can be had (every booking
  is at its last acceptable day, or the day is closed) and ``sim.model.bags`` carries out the
  scenario's no-slot policy (``overbook`` books here, above capacity).
- **Visits** of patients at home (the end-of-infusion evaluation, 003:2604-2608; M26) are booked
  the same way in their own window, a free session before a displaced one; past the window, on
  the first later day a session can be had (the visit is then deferred); failing that, overbooked.
  A visit is made only by a patient at home: none while in hospital, none once the cycle ended
  the episode (a death or an early stop).

A readmitted patient's sessions of the days in hospital are cancelled when the stay ends: the day
hospital learns of the readmission when the patient does not come, and those places go unused.
Sessions used on a day (served other patients + blinatumomab sessions not cancelled) never exceed
its sessions open, except by the overbooked sessions still above capacity (``over_capacity``).
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import math
from collections import defaultdict

import numpy as np
import simpy

from sim.model.calendar import Calendar, weekday_set
from sim.model.draws import DayHospitalRequests
from sim.model.records import BAG_CHANGE, BlinaBooking, DayHospitalDays, Recorder, Trip
from sim.model.timeline import Period, closed_by_day, period_index
from sim.scenario.schema import WEEKDAYS, Scenario
from sim.territory.catchment import Territory

# A visit with no session in its window looks this many days further before it is overbooked.
VISIT_SEARCH_DAYS = 28


def sessions_open(
    scenario: Scenario, calendar: Calendar, n_days: int | None = None, in_force: list[Period] | None = None
) -> DayHospitalDays:
    """Each day to the horizon (or of ``n_days``): its weekday, the sessions open, those held for
    blinatumomab; by the weekly sessions of the scenario in force (``in_force``: its periods, from
    dated events), less the sessions its capacity calendar closes; none on a public holiday."""
    days = np.arange(scenario.run.horizon_whole_days if n_days is None else n_days)
    weekday = calendar.weekday(days)
    in_force = in_force or [Period(0, scenario)]
    # (period, open or held, weekday)
    weekly = np.array([_weekly_sessions(period.scenario) for period in in_force])
    which = period_index(in_force, days)
    sessions, held = weekly[which, 0, weekday], weekly[which, 1, weekday]
    closed = closed_by_day(scenario.capacity_calendar.day_hospital, calendar, len(days))
    if closed.any():
        sessions = np.maximum(sessions - closed, 0)
        held = np.minimum(held, sessions)
    holiday = np.array([calendar.is_holiday(d) for d in days], dtype=bool)  # public holidays: no session
    return DayHospitalDays(weekday, np.where(holiday, 0, sessions), np.where(holiday, 0, held), holiday)


def _weekly_sessions(scenario: Scenario) -> tuple[list[int], list[int]]:
    """Sessions open, and held for blinatumomab, on each weekday (0 = Monday)."""
    spec = scenario.day_hospital
    sessions = [spec.sessions_per_weekday.get(day, 0) for day in WEEKDAYS]
    pattern_days = frozenset().union(*(weekday_set(p) for p in scenario.bags.change_patterns))
    held = [min(spec.reserved_per_pattern_day, sessions[w]) if w in pattern_days else 0 for w in range(7)]
    return sessions, held


class DayHospital:
    """The ledger of sessions, the other patients' requests, and blinatumomab patients' bookings."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        territory: Territory,
        calendar: Calendar,
        record: Recorder,
        days: DayHospitalDays | None = None,
    ):
        self.env = env
        self.territory = territory
        self.calendar = calendar
        self.record = record
        spec = scenario.day_hospital
        self.sessions, self.held = _weekly_sessions(scenario)  # by weekday: the days past ``days``
        # By day (a capacity calendar, dated events), as plain lists: looked up at every booking.
        days = days or record.day_hospital_days
        self.sessions_by_day, self.held_by_day = days.capacity.tolist(), days.reserved.tolist()
        self.weekday_of_day0 = calendar.start_weekday  # (Calendar.weekday, without its date arithmetic)
        self.tolerance = spec.background.tolerance_days
        self.visits = spec.visits
        # Other patients' requests (rows of ``record.background_bookings``) by the day booked, in the
        # order booked there: what a blinatumomab patient may displace.
        self.bookings = record.background_bookings
        self.background_on: defaultdict[int, list[int]] = defaultdict(list)
        self.blina_on: defaultdict[int, int] = defaultdict(int)  # blinatumomab sessions, not cancelled
        self.over_capacity: defaultdict[int, list[BlinaBooking]] = defaultdict(list)
        self.full_until: dict[int, int] = {}  # a day with no session for other patients -> a later day to try
        self.background_sessions_a_week = sum(self.sessions) - sum(self.held)
        self.release_days = spec.reserved_release_days
        self.released: set[int] = set()  # days whose held sessions other patients may now book
        self.holds = any(self.held) or any(self.held_by_day)
        # Past their window or waiting, in request order: (request, its membership); see ``_serve_backlog``.
        self._backlog: list[tuple[int, list]] = []
        self._member: dict[int, list] = {}  # a request in the backlog -> [in it, its entries]
        self._backlog_ends: list[tuple] = []  # (day it leaves, n, request, membership, its day then)
        self._backlog_count = itertools.count()
        self._backlog_live = 0  # entries of bookings still in the backlog
        self.by_episode: defaultdict[int, list[BlinaBooking]] = defaultdict(list)

    # --- the ledger ---

    def free(self, day: int, held_too: bool = True) -> int:
        """Sessions of ``day`` nobody booked; other patients (``held_too`` False) may not take held ones."""
        sessions, held = self.open_on(day)
        blina = self.blina_on[day] if held_too or day in self.released else max(self.blina_on[day], held)
        return sessions - len(self.background_on[day]) - blina

    def open_on(self, day: int) -> tuple[int, int]:
        """Sessions open on ``day``, and those held for blinatumomab (past the days known: by weekday,
        as the scenario in force at the start opens them)."""
        if 0 <= day < len(self.sessions_by_day):
            return self.sessions_by_day[day], self.held_by_day[day]
        weekday = (self.weekday_of_day0 + day) % 7
        if self.calendar.is_holiday(day):  # closed on public holidays
            return 0, 0
        return self.sessions[weekday], self.held[weekday]

    def _movable(self, day: int) -> int | None:
        """Another patient's booking of ``day`` that may still move: the one with the most days left
        (the first booked there of equals)."""
        latest, requested = self.bookings.latest, self.bookings.requested
        movable = [i for i in self.background_on[day] if latest[i] > day]
        return max(movable, key=lambda i: (latest[i], requested[i])) if movable else None

    def can_book(self, day: int) -> bool:
        """Can a blinatumomab patient have a session on ``day`` (a later day), without overbooking?"""
        return day > self.env.now and (self.free(day) > 0 or self._movable(day) is not None)

    # --- other patients ---

    def other_patients(self, requests: DayHospitalRequests):
        """Other patients' requests, each booked on the day it is made, in the order they are made."""
        env, tolerance, bookings = self.env, self.tolerance, self.bookings
        if self.background_sessions_a_week <= 0 or self.holds:  # no session for them, or a backlog
            for requested, due in zip(requests.requested.tolist(), requests.due.tolist()):
                if requested > env.now:
                    yield env.timeout(requested - env.now)
                self._book_background(bookings.add(requested, due, due + tolerance), due)
            return
        # About 44,000 requests a replication: ``_book_background``'s one step left, in one loop on
        # the columns (``bookings.add`` and ``_next_free``'s common case inline).
        add_requested, add_due = bookings.requested.append, bookings.due.append
        add_latest = bookings.latest.append
        add_day, add_displaced = bookings.day.append, bookings.displaced.append
        full_until, sessions_by_day, blina_on = self.full_until, self.sessions_by_day, self.blina_on
        background_on, next_free, known_days = self.background_on, self._next_free, len(self.sessions_by_day)
        row, now = len(bookings), env.now
        for requested, due in zip(requests.requested.tolist(), requests.due.tolist()):
            if requested > now:
                yield env.timeout(requested - now)
                now = env.now
            day = due
            if day in full_until:  # its day was found full: the day found free then, free still mostly
                day = full_until[day]
            if (
                day in full_until
                or not 0 <= day < known_days
                or sessions_by_day[day] - len(background_on[day]) - blina_on.get(day, 0) <= 0
            ):
                day = next_free(due)
            add_requested(requested)
            add_due(due)
            add_latest(due + tolerance)
            add_day(day)
            add_displaced(0)
            background_on[day].append(row)
            row += 1

    def _book_background(self, request: int, first: int) -> None:
        """The first day from ``first`` with a session neither booked nor held, in its window or past it.

        Past its window, or with no session ever free of holds (day None), it joins the backlog.
        """
        bookings = self.bookings
        day = bookings.day[request] = self._next_free(first) if self.background_sessions_a_week > 0 else None
        if day is not None:
            self.background_on[day].append(request)
        if self.holds and (day is None or day > bookings.latest[request]):
            self._join_backlog(request)
        elif request in self._member:  # (not seen: a deferred booking moves only later)
            self._backlog_end(request, self._member[request])

    @property
    def backlog(self) -> list[int]:
        """The other patients' requests past their window or waiting, in request order."""
        return [request for request, membership in self._backlog if membership[0]]

    def _join_backlog(self, request: int) -> None:
        """One more entry of ``request`` in the backlog, after the requests made by its day (a booking
        displaced again while in the backlog has two entries, and is served at the first)."""
        membership = self._member.get(request)
        if membership is None:
            membership = self._member[request] = [True, 0]
        membership[1] += 1
        self._backlog_live += 1
        requested = self.bookings.requested
        bisect.insort(self._backlog, (request, membership), key=lambda entry: requested[entry[0]])
        self._backlog_end(request, membership)

    def _backlog_end(self, request: int, membership: list) -> None:
        """When ``request``, booked as it is now, leaves the backlog: on its day (in its window: at once)."""
        day = self.bookings.day[request]
        if day is not None:
            leaves = day if day > self.bookings.latest[request] else -math.inf
            heapq.heappush(self._backlog_ends, (leaves, next(self._backlog_count), request, membership, day))

    def _leave_backlog(self, request: int) -> None:
        """Every entry of ``request`` leaves the backlog (it stays in the list until pruned, marked out)."""
        membership = self._member.pop(request)
        membership[0] = False
        self._backlog_live -= membership[1]

    def release_held(self):
        """Each day, the held sessions still unused ``reserved_release_days`` ahead go to other patients.

        The backlog is served first; days found full before may now have room (their record is reset).
        """
        if not self.holds:
            return
        day = 0
        while True:
            released = day + self.release_days
            self.released.add(released)
            self.full_until.clear()
            self._serve_backlog(released)
            yield self.env.timeout(1)
            day += 1

    def _serve_backlog(self, day: int) -> None:
        """The sessions of ``day`` free for other patients go to the backlog's requests due by then.

        A request leaves the backlog once booked by ``day`` (served now, or its later day has come):
        it is marked out at once, and the list pruned when that is cheap (its head, or when half of it
        is out), so that a long backlog of a saturated day hospital is not rebuilt every day.
        """
        free = self.free(day, held_too=False)
        booked_on, due, latest = self.bookings.day, self.bookings.due, self.bookings.latest
        for request, membership in self._backlog:
            if free <= 0:
                break
            booked = booked_on[request]
            if membership[0] and due[request] <= day and (booked is None or booked > day):
                if booked is not None:
                    self.background_on[booked].remove(request)
                    self._freed(booked)
                booked_on[request] = day
                self.background_on[day].append(request)
                self._leave_backlog(request)
                free -= 1
        ends = self._backlog_ends
        while ends and ends[0][0] <= day:
            _, _, request, membership, booked = heapq.heappop(ends)
            # (Booked on another day since: that day's entry tells; out already: served.)
            if membership[0] and booked_on[request] == booked and booked <= max(latest[request], day):
                self._leave_backlog(request)
        self._prune_backlog()

    def _prune_backlog(self) -> None:
        backlog = self._backlog
        head = 0
        while head < len(backlog) and not backlog[head][1][0]:
            head += 1
        del backlog[:head]
        if len(backlog) > 2 * self._backlog_live + 64:
            self._backlog = [entry for entry in backlog if entry[1][0]]

    def _next_free(self, day: int) -> int:
        """The first day from ``day`` with a session another patient may book.

        Days found full are skipped until held sessions are next released: until then a later
        day's sessions free for other patients never increase (a displaced booking leaves its
        place to a blinatumomab patient, and a cancellation only concerns days already past).
        """
        # ``free(day, held_too=False)`` inline (about 44,000 requests a replication come here)
        full_until, released = self.full_until, self.released
        sessions_by_day, held_by_day = self.sessions_by_day, self.held_by_day
        background_on, blina_on = self.background_on, self.blina_on
        seen = []
        while True:
            later = full_until.get(day)
            if later is not None:
                seen.append(day)
                day = later
                continue
            if 0 <= day < len(sessions_by_day):
                sessions, held = sessions_by_day[day], held_by_day[day]
            else:
                sessions, held = self.open_on(day)
            blina = blina_on.get(day, 0)
            if blina < held and day not in released:
                blina = held
            booked = background_on.get(day)
            if sessions - (len(booked) if booked else 0) - blina > 0:
                break
            seen.append(day)
            day += 1
        for full in seen:
            full_until[full] = day
        return day

    # --- blinatumomab patients ---

    def book(self, episode: int, purpose: str, due: int, latest: int, later: int = 0) -> BlinaBooking | None:
        """A session on the earliest day of [due, latest] one can be had; None: none.

        A free session first (held ones included) on any day of the window, else one taken from
        another patient's booking that may still move, which is booked again later. ``later``:
        look instead on the days after the window, up to ``later`` days past it.
        """
        first, last = (latest + 1, latest + later) if later else (due, latest)
        days = [d for d in range(first, last + 1) if d > self.env.now]
        for day in days:
            if self.free(day) > 0:
                return self._session(episode, purpose, due, latest, day, "free")
        for day in days:
            moved = self._movable(day)
            if moved is not None:
                self.background_on[day].remove(moved)
                self.bookings.displaced[moved] += 1
                self._book_background(moved, day + 1)
                return self._session(episode, purpose, due, latest, day, "displaced")
        return None

    def overbook(self, episode: int, purpose: str, due: int, latest: int, day: int) -> BlinaBooking:
        """A session above the day's capacity (the no-slot policy ``overbook``)."""
        return self._session(episode, purpose, due, latest, day, "overbook")

    def no_session(self, episode: int, day: int, outcome: str) -> None:
        """A bag change with no session on its day: what was done instead (a NO_SLOT_OUTCOMES policy)."""
        self._keep(BlinaBooking(episode, BAG_CHANGE, self.env.now, day, day, None, outcome))

    def _session(self, episode: int, purpose: str, due: int, latest: int, day: int, how: str) -> BlinaBooking:
        booking = BlinaBooking(episode, purpose, self.env.now, due, latest, day, how)
        self.blina_on[day] += 1
        if self.free(day) < 0:
            booking.over_capacity = True
            self.over_capacity[day].append(booking)
        self._keep(booking)
        return booking

    def _keep(self, booking: BlinaBooking) -> None:
        self.record.blina_bookings.append(booking)
        self.by_episode[booking.episode].append(booking)

    def cancel(self, episode: int, start: float, end: float, purpose: str | None = None) -> None:
        """The patient was in hospital from ``start`` to ``end``: the bookings of those days go unused.

        ``purpose``: only the bookings of that purpose (e.g. the bag changes of a stopped infusion).
        """
        for booking in self.by_episode[episode]:
            day = booking.due if booking.day is None else booking.day
            if booking.cancelled or not start <= day < end or purpose not in (None, booking.purpose):
                continue
            booking.cancelled = True
            if booking.day is None:
                continue
            self.blina_on[day] -= 1
            if booking.over_capacity:
                self.over_capacity[day].remove(booking)
                booking.over_capacity = False
            else:
                self._freed(day)

    def _freed(self, day: int) -> None:
        """A session of ``day`` was given back: an overbooked session of that day takes its place."""
        if self.over_capacity[day]:
            self.over_capacity[day].pop(0).over_capacity = False

    # --- visits ---

    def book_visits(self, episode: int, day1: float, infusion_end: float) -> list[BlinaBooking]:
        """The cycle's visits, booked at discharge; none is made while the patient is in hospital."""
        booked = []
        for name, visit in self.visits.items():
            start = math.ceil(infusion_end - 1e-9) if visit.after == "infusion_end" else int(day1)
            due = start + visit.offset_days
            if due <= self.env.now:
                continue
            latest = due + visit.tolerance_days
            booking = self.book(episode, name, due, latest) or self.book(
                episode, name, due, latest, later=VISIT_SEARCH_DAYS
            )
            if booking is None:
                open_days = [d for d in range(due, latest + VISIT_SEARCH_DAYS + 1) if self.open_on(d)[0]]
                if not open_days:
                    continue  # the day hospital is closed: no visit
                booking = self.overbook(episode, name, due, latest, open_days[0])
            booked.append(booking)
        return booked

    def visit_trips(self, visits: list[BlinaBooking], home: int) -> None:
        """Each visit made (not cancelled by a stay in hospital) is a round trip from home to IUCT-O."""
        km, hours = self.territory.to_centre.km[home, 0], self.territory.to_centre.hours[home, 0]
        for visit in visits:
            if not visit.cancelled:
                self.record.trips.append(
                    Trip(visit.episode, float(visit.day), home, None, 2 * km, 2 * hours, visit.purpose)
                )
