"""The ward's queue parts (awake, dormant, ripe by window shape) admit exactly as SimPy's full pass does,
and a bed freed costs the same whatever the number of cycle starts waiting for their window.

``Beds`` with SimPy's own ``SortedQueue`` runs SimPy's pass over every request in line (``_do_put`` on
each); with ``BedQueue`` it skips the requests whose window is known shut and looks once at all the
windows of a shape whose ``not_before`` is past. Both must admit the same requests at the same times,
with withdrawals, capacity changes and windows of different shapes mixed in one queue.
"""

from __future__ import annotations

import datetime as dt
import math

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from simpy.resources.resource import PriorityRequest, SortedQueue

from sim.model.calendar import Calendar
from sim.model.ward import BedQueue, Beds, StartWindow

CALENDARS = (Calendar(dt.date(2025, 1, 1)), Calendar(dt.date(2026, 1, 5), "FR"))


class WindowedRequest(PriorityRequest):
    def __init__(self, resource, priority: int, window: StartWindow | None) -> None:
        self.window = window
        self.closed_until = -math.inf
        super().__init__(resource, priority)


class BedsWithSimpyPass(Beds):
    """The ward's beds with SimPy's queue: SimPy's pass over every request in line."""

    PutQueue = SortedQueue


# A request: arrival (quarter days: many on window bounds), priority, stay, window (weekdays,
# not_before day, lead days, calendar) or None, patience (None: waits as long as it takes).
stream_of_requests = st.lists(
    st.tuples(
        st.integers(0, 80).map(lambda q: q / 4),
        st.integers(0, 2),
        st.integers(1, 24).map(lambda q: q / 4),
        st.none()
        | st.tuples(
            st.sampled_from(
                [frozenset({0, 1, 2, 3}), frozenset({0}), frozenset({1, 4}), frozenset(range(7))]
            ),
            st.integers(0, 20),
            st.sampled_from([0.5, 1.0, 3.0]),
            st.integers(0, 1),
        ),
        st.none() | st.integers(1, 12).map(lambda q: q / 2),
    ),
    min_size=1,
    max_size=60,
)
capacity_changes = st.lists(st.tuples(st.integers(0, 20), st.integers(1, 4)), max_size=4)


def admitted(beds_type: type, capacity: int, stream: list[tuple], changes: list[tuple]) -> list:
    """(request number, admission time, beds taken then) in the order the beds admitted them."""
    env = simpy.Environment()
    beds = beds_type(env, capacity)
    order: list[tuple[int, float, int]] = []

    def patient(number: int, arrival: float, priority: int, stay: float, spec, patience):
        yield env.timeout(arrival)
        window = None
        if spec is not None:
            weekdays, not_before, lead, calendar = spec
            window = StartWindow(CALENDARS[calendar], weekdays, float(not_before), lead)
        with WindowedRequest(beds, priority, window) as bed:
            if patience is None:
                yield bed
            else:
                yield bed | env.timeout(patience)
                if not bed.triggered:
                    return  # withdrawn: leaving the block takes it out of the queue
            order.append((number, env.now, len(beds.users)))
            yield env.timeout(stay)

    def change_capacity(day: int, beds_open: int):
        yield env.timeout(day)
        beds.set_capacity(beds_open)

    for number, request in enumerate(stream):
        env.process(patient(number, *request))
    for day, beds_open in changes:
        env.process(change_capacity(day, beds_open))
    env.run(until=200)
    return order


@settings(max_examples=400, deadline=None)
@given(stream=stream_of_requests, capacity=st.integers(1, 3), changes=capacity_changes)
def test_the_queue_parts_admit_as_simpys_pass_over_every_request(stream, capacity, changes):
    assert admitted(Beds, capacity, stream, changes) == admitted(BedsWithSimpyPass, capacity, stream, changes)


def test_withdrawn_and_admitted_requests_leave_every_part_of_the_queue():
    env = simpy.Environment()
    beds = Beds(env, 1)
    calendar = CALENDARS[0]
    window = StartWindow(calendar, frozenset({0}), 3.0, 1.0)  # day 0: a Wednesday; day 5 a Monday
    holder = WindowedRequest(beds, 0, None)  # takes the one bed
    waiting = [WindowedRequest(beds, 1, window) for _ in range(5)] + [WindowedRequest(beds, 2, None)]
    env.run(until=1)
    for request in waiting[:2]:
        request.cancel()
    queue = beds.put_queue
    assert isinstance(queue, BedQueue)
    assert list(queue) == waiting[2:]
    parts = queue.awake + [i for _, _, i in queue.dormant if i._bed_place == "dormant"]
    parts += [r for ripe in queue.ripe.values() for r in ripe]
    assert sorted(map(id, parts)) == sorted(map(id, waiting[2:]))
    env.run(until=4.5)  # a Sunday: Monday's windows open (a day ahead), the bed still taken
    beds.release(holder)
    env.run(until=20)
    assert holder.triggered and waiting[2].triggered and not waiting[3].triggered
    assert waiting[2] not in queue and all(waiting[2] not in ripe for ripe in queue.ripe.values())


class CountingWindow(StartWindow):
    """A start window counting how often it is asked whether it admits."""

    asked = 0

    def admits(self, t: float) -> bool:
        CountingWindow.asked += 1
        return super().admits(t)


def looks_per_bed_freed(beds_type: type, waiting: int) -> float:
    """Requests looked at (``_do_put`` calls and windows asked) per bed freed, with ``waiting`` cycle
    starts in line.

    Two beds: emergencies (priority 0) take one bed half a day at a time, again and again; the other
    is free most of the week, but the cycle starts (Monday starts, admitted at most half a day before)
    may take it only on Sunday afternoons, one a week as each keeps it three days.
    """
    env = simpy.Environment()
    beds = beds_type(env, 2)
    window = CountingWindow(CALENDARS[0], frozenset({0}), 0.0, 0.5)  # day 0: a Wednesday
    freed = looked = 0
    put = beds._do_put

    def counted_put(request) -> bool:
        nonlocal looked
        looked += 1
        return put(request)

    beds._do_put = counted_put

    def emergencies():
        nonlocal freed
        while True:
            with WindowedRequest(beds, 0, None) as bed:
                yield bed
                yield env.timeout(0.5)
            freed += 1

    def cycle_start():
        with WindowedRequest(beds, 1, window) as bed:
            yield bed
            yield env.timeout(3)

    for _ in range(waiting):
        env.process(cycle_start())
    env.process(emergencies())
    env.run(until=1)
    CountingWindow.asked, looked, freed = 0, 0, 0
    env.run(until=60)
    assert len(beds.put_queue) >= waiting - 10  # they are still waiting
    return (looked + CountingWindow.asked) / freed


def test_a_bed_freed_costs_the_same_whatever_the_queue_of_windows_behind():
    few, many = looks_per_bed_freed(Beds, 20), looks_per_bed_freed(Beds, 400)
    assert many <= 1.2 * few
    # SimPy's pass looks at every request in line at each bed freed: 20x the requests, 20x the looks
    simpy_few, simpy_many = (
        looks_per_bed_freed(BedsWithSimpyPass, 20),
        looks_per_bed_freed(BedsWithSimpyPass, 400),
    )
    assert simpy_many > 10 * simpy_few
