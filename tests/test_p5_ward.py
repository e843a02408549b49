"""The ward's cheaper admissions (issue 12 [P]) admit exactly as the code they replace.

The ward now builds a bed request and its release in one step instead of through SimPy's chain of
constructors, skips the pass over the queue when nobody waits (or when no bed is free and the first
in line takes any bed), and feeds its other inpatients' arrivals as Python floats. None of it may
move an event: the old code is copied here (``OldWard``), and both run the same inputs, the whole
model on several scenarios and seeds and the ward alone on random streams of requests, with windows,
withdrawals and capacity changes. Every record must be equal, and as many events scheduled.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st
from simpy.resources.resource import PriorityRequest, Release

import sim.model.engine as engine
from sim.model.calendar import Calendar
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    BOOKED_START,
    EMERGENCY,
    FIRST_ADMISSION,
    PLANNED,
    PRE_PHASE,
    Admission,
    Recorder,
)
from sim.model.ward import BedQueue, BedRequest, Beds, StartWindow, Ward, _shut_until
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory

# --- the code replaced, as it was (sim/model/ward.py before issue 12's p5-ward) ---


class OldBedRequest(PriorityRequest):
    def __init__(self, ward, kind, episode, start_type=None, window=None, from_home=True) -> None:
        self.episode = episode
        self.window = window
        self.from_home = from_home
        self.closed_until = -math.inf
        self.admission = Admission(
            kind,
            ward.env.now,
            episode=None if episode is None else episode.profile.index,
            start_type=start_type,
        )
        ward.record.admissions.append(self.admission)
        priority = ward.start_priority[start_type] if kind == BLINA_START else ward.priority[kind]
        super().__init__(ward.beds, priority)


class OldBeds(Beds):
    def release(self, request):
        return Release(self, request)  # SimPy's, through its get queue

    def _trigger_put(self, get_event) -> None:
        queue = self.put_queue
        if not isinstance(queue, BedQueue):
            simpy.PriorityResource._trigger_put(self, get_event)
            return
        now = self._env.now
        queue.wake(now)
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


class OldWard(Ward):
    def __init__(self, env, scenario, territory, record) -> None:
        super().__init__(env, scenario, territory, record)
        self.beds = OldBeds(env, capacity=scenario.beds.capacity)

    def request(self, kind, episode=None, start_type=None, window=None, from_home=True):
        return OldBedRequest(self, kind, episode, start_type, window, from_home)

    def other_patients(self, admissions):
        for t, stay, urgent in zip(admissions.times, admissions.stays, admissions.emergency):
            yield self.env.timeout(t - self.env.now)
            self.env.process(self._other_stay(EMERGENCY if urgent else PLANNED, float(stay)))


# --- comparing what two runs recorded ---


def assert_same(old: object, new: object, where: str) -> None:
    """Equal values all the way down (arrays element by element; a float and a numpy scalar of the
    same value are equal: the ward now records Python floats where numpy scalars came through)."""
    if isinstance(old, np.ndarray):
        assert np.array_equal(old, new, equal_nan=True), where
    elif dataclasses.is_dataclass(old):
        for field in dataclasses.fields(old):
            assert_same(getattr(old, field.name), getattr(new, field.name), f"{where}.{field.name}")
    elif isinstance(old, list) and old and dataclasses.is_dataclass(old[0]):
        assert len(old) == len(new), where
        for index, (a, b) in enumerate(zip(old, new)):
            assert_same(a, b, f"{where}[{index}]")
    else:
        assert old == new, where


def model_run(ward_type: type, scenario, territory, replication: int) -> tuple[Recorder, int]:
    """The records of one replication with ``ward_type`` as the ward, and the events it scheduled."""
    saved = engine.Ward
    engine.Ward = ward_type
    try:
        model = engine.Model(scenario, territory, replication)
        record = model.run()
    finally:
        engine.Ward = saved
    return record, next(model.env._eid)


@pytest.mark.parametrize(
    "name", ["baseline", "demand_x3", "summer_closure", "beds_20", "reserved_day_hospital_slots"]
)
def test_the_model_records_the_same_with_the_old_ward_and_the_new(name):
    scenario = load_scenario(f"scenarios/{name}.yaml")
    territory = scenario_territory(scenario)
    for replication in range(3):
        old, old_events = model_run(OldWard, scenario, territory, replication)
        new, new_events = model_run(Ward, scenario, territory, replication)
        assert new_events == old_events  # not one event added or removed
        assert_same(old, new, f"{name} #{replication}")
        assert len(new.admissions) > 500  # the ward was busy: the comparison says something


# --- the ward alone, on random streams of requests ---

CALENDARS = (Calendar(dt.date(2025, 1, 1)), Calendar(dt.date(2026, 1, 5), "FR"))
KINDS = [(EMERGENCY, None), (PLANNED, None), (ADVERSE_EVENT, None)] + [
    (BLINA_START, start) for start in (FIRST_ADMISSION, BOOKED_START, PRE_PHASE)
]

# A request: arrival (quarter days: many ties), kind, stay, window (weekdays, not_before, lead days,
# calendar) or None, patience (None: waits as long as it takes).
stream_of_requests = st.lists(
    st.tuples(
        st.integers(0, 80).map(lambda q: q / 4),
        st.integers(0, len(KINDS) - 1),
        st.integers(1, 24).map(lambda q: q / 4),
        st.none()
        | st.tuples(
            st.sampled_from([frozenset({0, 1, 2, 3}), frozenset({0}), frozenset({1, 4})]),
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


@pytest.fixture(scope="module")
def baseline():
    scenario = load_scenario("scenarios/baseline.yaml")
    return scenario, scenario_territory(scenario)


class BedsTaken(list):
    """The ward's ``users``, failing the test if a bed is taken when none is free (beds closed by a
    capacity change keep their patients, so only the moment of admission tells)."""

    def __init__(self, beds: Beds) -> None:
        super().__init__()
        self.beds = beds

    def append(self, request: PriorityRequest) -> None:
        assert len(self) < self.beds.capacity, "a bed taken when none is free"
        super().append(request)


def ward_run(ward_type: type, baseline, capacity: int, stream: list, changes: list) -> tuple:
    """What the ward recorded, who it admitted in which order with how many beds taken then, the
    events scheduled, and the requests neither admitted, withdrawn nor waiting (0: none lost)."""
    scenario, territory = baseline
    scenario = scenario.model_copy(update={"beds": scenario.beds.model_copy(update={"capacity": capacity})})
    env = simpy.Environment()
    record = Recorder(day_hospital_days=None)
    ward = ward_type(env, scenario, territory, record)
    ward.beds.users = BedsTaken(ward.beds)
    order: list[tuple[int, float, int]] = []
    withdrawn = [0]

    def patient(number, arrival, kind, stay, spec, patience):
        yield env.timeout(arrival)
        window = None
        if spec is not None:
            weekdays, not_before, lead, calendar = spec
            window = StartWindow(CALENDARS[calendar], weekdays, float(not_before), lead)
        kind, start_type = KINDS[kind]
        with ward.request(kind, None, start_type, window) as bed:
            if patience is None:
                yield from ward.admit(bed)
            else:
                yield bed | env.timeout(patience)
                if not bed.triggered:
                    withdrawn[0] += 1
                    return  # withdrawn: leaving the block takes it out of the queue
                yield from ward.admit(bed)
            order.append((number, env.now, len(ward.beds.users)))
            yield env.timeout(stay)
            ward.discharge(bed)
        assert not ward.beds.get_queue  # a release never waits

    def change_capacity(day, beds_open):
        yield env.timeout(day)
        ward.set_capacity(beds_open)

    for number, request in enumerate(stream):
        env.process(patient(number, *request))
    for day, beds_open in changes:
        env.process(change_capacity(day, beds_open))
    env.run(until=200)
    lost = len(stream) - len(order) - withdrawn[0] - len(ward.beds.put_queue)
    return record, order, next(env._eid), lost, ward


@settings(max_examples=300, deadline=None)
@given(stream=stream_of_requests, capacity=st.integers(1, 3), changes=capacity_changes)
def test_the_ward_admits_as_before_on_random_streams(baseline, stream, capacity, changes):
    old_record, old_order, old_events, _, _ = ward_run(OldWard, baseline, capacity, stream, changes)
    record, order, events, lost, ward = ward_run(Ward, baseline, capacity, stream, changes)
    assert order == old_order
    assert events == old_events
    assert_same(old_record, record, "ward")
    assert lost == 0
    assert all(not request.triggered for request in ward.beds.put_queue)  # the queue's invariant


def test_a_request_with_a_free_bed_and_nobody_waiting_is_admitted_at_once(baseline):
    scenario, territory = baseline
    env = simpy.Environment()
    ward = Ward(env, scenario, territory, Recorder(day_hospital_days=None))
    with ward.request(EMERGENCY) as bed:
        assert bed.triggered and bed in ward.beds.users and not ward.beds.put_queue
        assert isinstance(bed, BedRequest) and bed.key == (scenario.beds.priorities.emergency, 0.0, False)
    assert bed not in ward.beds.users  # its bed freed as the block is left
    assert not ward.beds.get_queue


def test_a_request_with_no_bed_free_waits_first_in_line_and_gets_the_next_bed(baseline):
    scenario, territory = baseline
    scenario = scenario.model_copy(update={"beds": scenario.beds.model_copy(update={"capacity": 1})})
    env = simpy.Environment()
    ward = Ward(env, scenario, territory, Recorder(day_hospital_days=None))
    admitted = []

    def patient(name, stay):
        with ward.request(PLANNED) as bed:
            yield from ward.admit(bed)
            admitted.append((name, env.now))
            yield env.timeout(stay)
            ward.discharge(bed)

    env.process(patient("first", 2.0))
    env.process(patient("second", 1.0))
    env.process(patient("third", 1.0))
    env.run()
    assert admitted == [("first", 0.0), ("second", 2.0), ("third", 3.0)]
    assert [level.level for level in ward.record.bed_level] == [0, 1, 0, 1, 0, 1, 0]
