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
import heapq
import itertools
import math
from dataclasses import dataclass

import simpy
from simpy.resources.resource import PriorityRequest, Release, SortedQueue

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
    """A request for a bed, with the record of its admission; leaving its ``with`` block frees the bed.

    SimPy's ``PriorityRequest`` built in one step (its chain of constructors cost as much again as the
    rest of the request), with the same attributes; it asks ``Beds`` for the bed as ``Put`` does."""

    def __init__(
        self,
        ward: Ward,
        kind: int,
        episode: Episode | None,
        start_type: int | None = None,
        window: StartWindow | None = None,
        from_home: bool = True,
    ) -> None:
        beds = ward.beds
        env = beds._env
        now = env.now
        self.episode = episode
        self.window = window
        self.from_home = from_home  # False: transferred from another hospital (that journey is its own)
        self.closed_until = -math.inf  # before then its window is known to be shut (see Beds)
        self.admission = Admission(
            kind,
            now,
            episode=None if episode is None else episode.profile.index,
            start_type=start_type,
        )
        ward.record.admissions.append(self.admission)
        # What SimPy's constructors set (Event, Put, then PriorityRequest's sorting key), less Put's
        # callback to the get queue: ``Beds.release`` frees a bed at once and never queues.
        self.env = env
        self.callbacks = []
        self.resource = beds
        self.proc = env.active_process
        self.priority = ward.start_priority[start_type] if kind == BLINA_START else ward.priority[kind]
        self.preempt = True
        self.time = now
        self.key = (self.priority, now, False)  # (priority, request time, not preempt), as SimPy's
        beds.ask(self)

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        """SimPy's ``Request.__exit__``: out of the queue if still waiting, and the bed released (unless
        the generator is being closed, as SimPy)."""
        self.cancel()
        if exc_type is not GeneratorExit:
            self.resource.release(self)


class BedRelease(Release):
    """SimPy's ``Release`` of a bed in one step: the bed freed at once, the release scheduled now and,
    when processed, the queue looked at (SimPy goes through a get queue that a release leaves at once)."""

    def __init__(self, beds: Beds, request: PriorityRequest) -> None:
        self.request = request
        self.env = beds._env
        self.callbacks = [beds._trigger_put]
        self.resource = beds
        self.proc = self.env.active_process
        if request in beds.users:  # else never admitted (withdrawn): SimPy's release succeeds all the same
            beds.users.remove(request)
        self.succeed()


# Where a request waits in the ``BedQueue``'s parts (see there).
AWAKE, DORMANT, RIPE = "awake", "dormant", "ripe"


def _order(request: PriorityRequest) -> tuple:
    return request._bed_order


def _shape(window: StartWindow) -> tuple:
    """What makes windows open and shut alike, once their ``not_before`` is past."""
    return window.calendar, window.weekdays, window.lead_days


class BedQueue(SortedQueue):
    """The queue for beds in SimPy's order (priority, then request time, then first asked), kept sorted
    by inserting each request at its place: O(log n) comparisons where SimPy re-sorts the whole queue
    (every key computed again) on each request, which dominated saturated runs with long queues.

    ``Beds`` reads it through parts kept beside the list, so that a bed freed does not look at every
    request passed over (a saturated ward holds hundreds of cycle starts waiting for a start weekday):

    - ``awake``: the requests ``Beds`` looks at one by one, in order: no window, or a window whose
      ``not_before`` is still ahead;
    - ``dormant``: those of them whose window is known shut (a heap by ``closed_until``);
    - ``ripe``: windows whose ``not_before`` is past, by window shape, in order: they all open and shut
      together (``StartWindow.admits`` then depends on the time only), so one look tells for all;
      ``shut_until``: until when each shape is known shut;
    - ``unripe``: windowed ``awake`` requests by ``not_before``, to move to ``ripe`` when it passes.
    """

    def __init__(self, maxlen: int | None = None) -> None:
        super().__init__(maxlen)
        self._count = itertools.count()
        self.awake: list[PriorityRequest] = []
        self.dormant: list[tuple[float, int, PriorityRequest]] = []
        self.unripe: list[tuple[float, int, PriorityRequest]] = []
        self.ripe: dict[tuple, list[PriorityRequest]] = {}
        self.shut_until: dict[tuple, float] = {}

    def append(self, item: PriorityRequest) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        item._bed_order = (item.key, next(self._count))  # after equal keys, as a stable sort puts it
        bisect.insort_right(self, item, key=_order)
        window = getattr(item, "window", None)
        self.route(item, item.env.now if window is not None else 0.0)

    def remove(self, item: PriorityRequest) -> None:
        """Take ``item`` out (a request withdrawn, or admitted)."""
        del self[self._index(self, item)]
        self._detach(item)

    def pop(self, index: int = -1) -> PriorityRequest:
        item = super().pop(index)
        self._detach(item)
        return item

    @staticmethod
    def _index(ordered: list[PriorityRequest], item: PriorityRequest) -> int:
        index = bisect.bisect_left(ordered, item._bed_order, key=_order)
        if index == len(ordered) or ordered[index] is not item:
            raise ValueError("request not in the queue")
        return index

    def _detach(self, item: PriorityRequest) -> None:
        place, item._bed_place = item._bed_place, None
        if place == AWAKE:
            del self.awake[self._index(self.awake, item)]
        elif place == RIPE:
            ripe = self.ripe[_shape(item.window)]
            del ripe[self._index(ripe, item)]
        # DORMANT, and ``unripe`` entries: dropped when they come up (their place no longer matches)

    def route(self, item: PriorityRequest, now: float) -> None:
        """Put ``item`` in the part its window gives at ``now``."""
        window = getattr(item, "window", None)
        if window is not None and now < item.closed_until:
            item._bed_place = DORMANT
            heapq.heappush(self.dormant, (item.closed_until, item._bed_order[1], item))
        elif window is not None and window.not_before <= now:
            item._bed_place = RIPE
            bisect.insort_right(self.ripe.setdefault(_shape(window), []), item, key=_order)
        else:
            item._bed_place = AWAKE
            bisect.insort_right(self.awake, item, key=_order)
            if window is not None:
                heapq.heappush(self.unripe, (window.not_before, item._bed_order[1], item))

    def wake(self, now: float) -> None:
        """Requests whose window is no longer known shut, or whose ``not_before`` passed, move parts."""
        dormant, unripe = self.dormant, self.unripe
        while dormant and dormant[0][0] <= now:
            _, _, item = heapq.heappop(dormant)
            if item._bed_place == DORMANT and item.closed_until <= now:
                self.route(item, now)
        while unripe and unripe[0][0] <= now:
            _, _, item = heapq.heappop(unripe)
            if item._bed_place == AWAKE:
                self._detach(item)
                self.route(item, now)

    def next_in_line(
        self, awake_index: int, passed: set[tuple]
    ) -> tuple[PriorityRequest | None, tuple | None]:
        """The first request from ``awake[awake_index]`` or the head of a ripe shape not ``passed``,
        and its shape (None: from ``awake``)."""
        best = self.awake[awake_index] if awake_index < len(self.awake) else None
        best_shape = None
        for shape, ripe in self.ripe.items():
            if ripe and shape not in passed and (best is None or ripe[0]._bed_order < best._bed_order):
                best, best_shape = ripe[0], shape
        return best, best_shape


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

    def _trigger_put(self, get_event: object) -> None:
        """SimPy's pass over the queue (``_do_put`` on each request in order until one returns False),
        skipping what cannot change: requests whose window is known shut are not looked at, and the
        ripe windows of one shape are looked at once (all shut, or the first in line admitted)."""
        queue = self.put_queue
        if not queue:
            return  # nobody waiting (the parts' heaps then hold only requests gone, dropped later)
        if not isinstance(queue, BedQueue):
            super()._trigger_put(get_event)
            return
        now = self._env.now
        queue.wake(now)
        if len(self.users) >= self._capacity and queue[0].window is None:
            return  # no bed free, and the first in line (so next_in_line's) takes any: the pass stops at it
        index, passed = 0, set()
        while True:
            request, shape = queue.next_in_line(index, passed)
            if request is None:
                return
            if shape is None:
                proceed = self._do_put(request)
                if request.triggered:
                    queue.remove(request)
                elif request.window is not None and now < request.closed_until:
                    queue._detach(request)
                    queue.route(request, now)
                else:
                    index += 1
            elif now < queue.shut_until.get(shape, -math.inf) or not request.window.admits(now):
                if now >= queue.shut_until.get(shape, -math.inf):
                    opening = request.window.next_opening(now)
                    self._wake_up_at(opening)
                    queue.shut_until[shape] = _shut_until(request.window, opening)
                passed.add(shape)
                proceed = True
            else:
                simpy.PriorityResource._do_put(self, request)
                proceed = len(self.users) < self.capacity
                if request.triggered:
                    queue.remove(request)
            if not proceed:
                return

    def ask(self, request: BedRequest) -> None:
        """What SimPy's ``Put`` does with a new request: queue it, then admit what the beds allow. With
        nobody waiting and no window, that pass would look at this request alone: done here directly."""
        queue = self.put_queue
        if request.window is None and not queue:
            if len(self.users) < self._capacity:  # admitted now, as the pass would (SimPy's _do_put)
                self.users.append(request)
                request.usage_since = self._env.now
                request.succeed()
            else:
                queue.append(request)  # first in line; the pass would stop at it
            return
        queue.append(request)
        self._trigger_put(None)

    def release(self, request: PriorityRequest) -> BedRelease:
        """Free ``request``'s bed (SimPy's ``Resource.release``)."""
        return BedRelease(self, request)

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
        env = self.env
        # Python floats, not numpy scalars: the same values, but every time computed from them (and
        # the clock itself, once it has reached one) would be a numpy scalar, each sum several times slower.
        times, stays = admissions.times.tolist(), admissions.stays.tolist()
        for t, stay, urgent in zip(times, stays, admissions.emergency.tolist()):
            yield env.timeout(t - env.now)
            env.process(self._other_stay(EMERGENCY if urgent else PLANNED, stay))

    def _other_stay(self, kind: int, days: float):
        with self.request(kind) as bed:
            yield from self.admit(bed)
            yield self.env.timeout(days)
            self.discharge(bed)
