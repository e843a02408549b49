"""IUCT-O's ward: the beds, shared by blinatumomab patients and the other acute-leukemia inpatients.

A bed is asked for in a ``with`` block, as in SimPy's own examples; the bed goes back to the ward
when the block is left, so none can be kept by mistake:

    with ward.request(BLINA_START, episode, BOOKED_START, window) as bed:
        yield from ward.admit(bed)
        ...
        ward.discharge(bed)

Every admission is recorded with its wait, every change of the occupancy, and the patient's journeys
in from home and back.

A request may carry an admission window (``StartWindow``, for a blinatumomab cycle start): outside it
the request keeps its place in the queue, but a bed that frees goes to the next request in line, so
no bed is held empty, or taken days early, for a patient who cannot start yet.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

import simpy
from simpy.resources.resource import PriorityRequest, SortedQueue

from sim.model.calendar import Calendar
from sim.model.draws import BackgroundAdmissions
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    BOOKED_START,
    EMERGENCY,
    FIRST_ADMISSION,
    PLANNED,
    PRE_PHASE,
    Admission,
    BedLevel,
    Episode,
    Leg,
    Recorder,
)
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


@dataclass(frozen=True)
class StartWindow:
    """When a cycle start may be admitted: day 1 begins at the first start-weekday midnight after the
    admission, so the patient comes in at most ``lead_days`` before it (with 1, the day before: a bed
    freed on a Friday is not held to a Monday start), and not before ``not_before`` (the booked day,
    or the first start weekday after referral).
    """

    calendar: Calendar
    weekdays: frozenset[int]
    not_before: float
    lead_days: float  # the longest a patient may be in the bed before day 1

    def day1(self, t: float) -> int:
        """Day 1 of a patient admitted at ``t``: the next start-weekday midnight (``t`` itself if one)."""
        return self.calendar.next_day_in(t, self.weekdays)

    def admits(self, t: float) -> bool:
        return t >= self.not_before and self.day1(t) - t < self.lead_days

    def next_opening(self, t: float) -> float:
        """A time after ``t`` when the window is open (a start weekday's midnight)."""
        return self.day1(max(t, self.not_before))


class BedRequest(PriorityRequest):
    """A request for a bed, with the record of its admission; leaving its ``with`` block frees the bed."""

    def __init__(
        self,
        ward: Ward,
        kind: int,
        episode: Episode | None,
        start_type: int | None = None,
        window: StartWindow | None = None,
        from_home: bool = True,
    ) -> None:
        self.episode = episode
        self.window = window
        self.from_home = from_home  # False: transferred from another hospital (that journey is its own)
        self.closed_until = -math.inf  # before then its window is known to be shut (see Beds)
        self.admission = Admission(
            kind,
            ward.env.now,
            episode=None if episode is None else episode.profile.index,
            start_type=start_type,
        )
        ward.record.admissions.append(self.admission)
        priority = ward.start_priority[start_type] if kind == BLINA_START else ward.priority[kind]
        super().__init__(ward.beds, priority)


def _request_key(request: PriorityRequest) -> tuple:
    return request.key


class BedQueue(SortedQueue):
    """The queue for beds in SimPy's order (priority, then request time, then first asked), kept sorted
    by inserting each request at its place: O(log n) comparisons where SimPy re-sorts the whole queue
    (every key computed again) on each request, which dominated saturated runs with long queues.
    """

    def append(self, item: PriorityRequest) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=_request_key)  # after equal keys, as a stable sort puts it


def _shut_until(window: StartWindow, opening: float) -> float:
    """A time up to which a window found shut stays shut, given its ``next_opening`` from then.

    Until ``opening`` its day 1 is ``opening``, so it stays shut before ``not_before`` and while day 1 is
    ``lead_days`` away or more (with a margin for rounding: near the bound ``admits`` decides). Long
    queues of booked starts are passed over on every bed freed: this spares the calendar each time.
    """
    return max(window.not_before, opening - window.lead_days - 1e-6)


class Beds(simpy.PriorityResource):
    """Beds served in priority order, first come first served within a priority; a request outside its
    admission window is passed over (keeping its place) and looked at again when the window opens.
    """

    PutQueue = BedQueue

    def __init__(self, env: simpy.Environment, capacity: int):
        super().__init__(env, capacity)
        self._wake_ups: set[float] = set()

    def set_capacity(self, beds: int) -> None:
        """Beds open from now (a capacity calendar, a dated event): nobody is moved out when it drops;
        no one is admitted until fewer than ``beds`` are taken. More beds admit the requests in line."""
        self._capacity = beds
        self._trigger_put(None)

    def _do_put(self, request: BedRequest) -> bool:
        """Admit ``request`` if a bed is free; True: look at the next request in line."""
        now = self._env.now
        if request.window is not None and (now < request.closed_until or not request.window.admits(now)):
            if now >= request.closed_until:  # its wake-up is set, and when its window stays shut
                opening = request.window.next_opening(now)
                self._wake_up_at(opening)
                request.closed_until = _shut_until(request.window, opening)
            return True
        super()._do_put(request)
        # Beds can be free with requests waiting only when windows held them back: go on while any is.
        return len(self.users) < self.capacity

    def _wake_up_at(self, t: float) -> None:
        if t not in self._wake_ups:
            self._wake_ups.add(t)
            self._env.timeout(t - self._env.now).callbacks.append(lambda _: self._wake_up(t))

    def _wake_up(self, t: float) -> None:
        self._wake_ups.discard(t)
        self._trigger_put(None)


class Ward:
    """The beds, each request served at the scenario's priority for its kind of admission."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, territory: Territory, record: Recorder):
        self.env = env
        self.territory = territory
        self.record = record
        self.beds = Beds(env, capacity=scenario.beds.capacity)
        self.occupied = 0  # beds taken, as recorded in the occupancy curve
        record.bed_capacity.append(BedLevel(env.now, scenario.beds.capacity))
        priorities = scenario.beds.priorities
        self.priority = {
            EMERGENCY: priorities.emergency,
            PLANNED: priorities.planned,
            ADVERSE_EVENT: priorities.adverse_event,
        }
        self.start_priority = {  # cycle starts (BLINA_START), by how they ask for their bed
            FIRST_ADMISSION: priorities.blinatumomab_first_admission,
            BOOKED_START: priorities.blinatumomab_booked_start,
            PRE_PHASE: priorities.blinatumomab_pre_phase,
        }

    def set_capacity(self, beds: int) -> None:
        """Beds open from now on, recorded in the capacity curve."""
        self.beds.set_capacity(beds)
        self.record.bed_capacity.append(BedLevel(self.env.now, beds))

    def request(
        self,
        kind: int,
        episode: Episode | None = None,
        start_type: int | None = None,
        window: StartWindow | None = None,
        from_home: bool = True,
    ) -> BedRequest:
        """Ask for a bed, at the priority of the admission's kind (of a cycle start: of its ``start_type``),
        admitted only within ``window`` if given; ``episode`` None: another patient; ``from_home`` False:
        transferred from another hospital."""
        return BedRequest(self, kind, episode, start_type, window, from_home)

    def admit(self, bed: BedRequest):
        """Wait for the bed, then take it (a blinatumomab patient comes in from home)."""
        yield bed
        bed.admission.admit = self.env.now
        self._level(+1)
        if bed.episode is not None and bed.from_home:
            self._leg(bed.episode)

    def discharge(self, bed: BedRequest, died: bool = False) -> None:
        """Record the discharge (the bed itself is freed as its ``with`` block is left)."""
        bed.admission.discharge = self.env.now
        if bed.episode is not None and not died:
            self._leg(bed.episode)  # the patient goes home
        self._level(-1)

    def _level(self, delta: int) -> None:
        self.occupied += delta
        self.record.bed_level.append(BedLevel(self.env.now, self.occupied))

    def _leg(self, episode: Episode) -> None:
        """One-way journey between home and IUCT-O for an admission or a discharge."""
        home = episode.profile.home
        to_centre = self.territory.to_centre
        self.record.legs.append(
            Leg(episode.profile.index, self.env.now, to_centre.km[home, 0], to_centre.hours[home, 0])
        )

    # --- other acute-leukemia inpatients ---

    def other_patients(self, admissions: BackgroundAdmissions):
        """Other acute-leukemia inpatients sharing the beds (M3, docs/sources.md; all assumptions)."""
        for t, stay, urgent in zip(admissions.times, admissions.stays, admissions.emergency):
            yield self.env.timeout(t - self.env.now)
            self.env.process(self._other_stay(EMERGENCY if urgent else PLANNED, float(stay)))

    def _other_stay(self, kind: int, days: float):
        with self.request(kind) as bed:
            yield from self.admit(bed)
            yield self.env.timeout(days)
            self.discharge(bed)
