"""The ward's bed queue serves requests in SimPy's PriorityResource order, inserting each at its place.

SimPy re-sorts its queue on every request (a stable sort by priority, then request time); the
ward's ``BedQueue`` inserts by bisection instead. Both must give the same order: on random streams
of requests (many at equal times and priorities) with some withdrawn before they are served, in
SimPy's own PriorityResource given the new queue, and in the ward's ``Beds`` (which admits every
request a free bed allows in one step) against ``Beds`` with SimPy's queue.
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


class PlainRequest(PriorityRequest):
    """A bed request with no admission window (what ``Beds`` reads of a request)."""

    window = None


# A request: arrival day (few distinct values, so many ties), priority, stay, and a withdrawal
# after that many days unless admitted before (None: it waits as long as it takes).
requests = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.integers(0, 3),
        st.integers(1, 4),
        st.none() | st.integers(0, 3),
    ),
    min_size=1,
    max_size=40,
)


def served_order(resource_type: type, capacity: int, stream: list[tuple]) -> list[tuple[int, float]]:
    """(request number, admission time) in the order the resource admitted them."""
    env = simpy.Environment()
    resource = resource_type(env, capacity)
    admitted: list[tuple[int, float]] = []

    def patient(number: int, arrival: int, priority: int, stay: int, patience: int | None):
        yield env.timeout(arrival)
        with PlainRequest(resource, priority) as bed:
            if patience is None:
                yield bed
            else:
                yield bed | env.timeout(patience)
                if not bed.triggered:
                    return  # withdrawn: leaving the block takes it out of the queue
            admitted.append((number, env.now))
            yield env.timeout(stay)

    for number, (arrival, priority, stay, patience) in enumerate(stream):
        env.process(patient(number, arrival, priority, stay, patience))
    env.run()
    return admitted


class PriorityResourceWithBedQueue(simpy.PriorityResource):
    PutQueue = BedQueue


class BedsWithSimpyQueue(Beds):
    PutQueue = SortedQueue


@settings(max_examples=300, deadline=None)
@given(stream=requests, capacity=st.integers(1, 3))
def test_the_bed_queue_serves_in_simpy_priority_resource_order(stream, capacity):
    expected = served_order(simpy.PriorityResource, capacity, stream)
    assert served_order(PriorityResourceWithBedQueue, capacity, stream) == expected


@settings(max_examples=300, deadline=None)
@given(stream=requests, capacity=st.integers(1, 3))
def test_the_ward_serves_as_it_did_with_simpys_queue(stream, capacity):
    expected = served_order(BedsWithSimpyQueue, capacity, stream)
    assert served_order(Beds, capacity, stream) == expected
    assert Beds.PutQueue is BedQueue


class Keyed:
    def __init__(self, key: tuple) -> None:
        self.key = key


@settings(max_examples=300, deadline=None)
@given(
    operations=st.lists(
        st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 4), st.integers(0, 1000)), max_size=80
    )
)
def test_the_queue_is_the_one_simpy_sorts_after_inserts_and_removals(operations):
    ours, simpys = BedQueue(), SortedQueue()
    for insert, priority, time, pick in operations:
        if insert or not ours:
            item = Keyed((priority, float(time), False))
            ours.append(item)
            simpys.append(item)
        else:
            item = ours[pick % len(ours)]
            ours.remove(item)
            simpys.remove(item)
        assert [id(x) for x in ours] == [id(x) for x in simpys]


def test_a_full_queue_refuses_an_item_as_simpy_does():
    queue = BedQueue(maxlen=1)
    queue.append(Keyed((0, 0.0, False)))
    try:
        queue.append(Keyed((0, 0.0, False)))
    except RuntimeError:
        return
    raise AssertionError("a full queue took one more item")


# --- admission windows: requests passed over keep their place -----------------------------------------


class WindowedRequest(PriorityRequest):
    def __init__(self, resource, priority: int, window: StartWindow | None) -> None:
        self.window = window
        self.closed_until = -math.inf
        super().__init__(resource, priority)


class BedsAskingEveryTime(Beds):
    """The ward's beds as they were: every request passed over asks its window again."""

    def _do_put(self, request) -> bool:
        now = self._env.now
        if request.window is not None and not request.window.admits(now):
            self._wake_up_at(request.window.next_opening(now))
            return True
        simpy.PriorityResource._do_put(self, request)
        return len(self.users) < self.capacity


CALENDAR = Calendar(dt.date(2025, 1, 1))

windowed = st.lists(
    st.tuples(
        st.floats(0, 20).map(lambda t: round(t * 4) / 4),  # quarter days: many on the window bounds
        st.integers(0, 2),
        st.floats(0.25, 6).map(lambda t: round(t * 4) / 4),
        st.none()
        | st.tuples(
            st.frozensets(st.integers(0, 6), min_size=1), st.integers(0, 20), st.sampled_from([0.5, 1, 3])
        ),
    ),
    min_size=1,
    max_size=30,
)


def served_with_windows(resource_type: type, capacity: int, stream: list[tuple]) -> list[tuple[int, float]]:
    env = simpy.Environment()
    beds = resource_type(env, capacity)
    admitted: list[tuple[int, float]] = []

    def patient(number: int, arrival: float, priority: int, stay: float, spec):
        yield env.timeout(arrival)
        window = None if spec is None else StartWindow(CALENDAR, spec[0], float(spec[1]), float(spec[2]))
        with WindowedRequest(beds, priority, window) as bed:
            yield bed
            admitted.append((number, env.now))
            yield env.timeout(stay)

    for number, (arrival, priority, stay, spec) in enumerate(stream):
        env.process(patient(number, arrival, priority, stay, spec))
    env.run()
    return admitted


@settings(max_examples=300, deadline=None)
@given(stream=windowed, capacity=st.integers(1, 3))
def test_windows_known_shut_are_passed_over_as_when_asked_every_time(stream, capacity):
    expected = served_with_windows(BedsAskingEveryTime, capacity, stream)
    assert served_with_windows(Beds, capacity, stream) == expected
