"""Booked cycle starts, the urgent pre-phase and the admission window of cycle starts (issue M2, point 3).

Each test checks what a real bug would break: a booked cycle asked for on the wrong day or admitted
before it, a bed left free while a patient who may take it waits, a planned admission going before a
booked cycle, a bed held for days before a start weekday, a patient sent home before home care exists.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from scenario_variants import baseline_variant as make_scenario

from sim.model.calendar import Calendar, weekday_set
from sim.model.engine import simulate
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    BOOKED_START,
    FIRST_ADMISSION,
    PLANNED,
    PRE_PHASE,
    Admission,
)
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory

THESIS_INDICATIONS = ("phi_neg_rr", "phi_pos_rr", "mrd_pos")  # the baseline's indications

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
TOL = 1e-9


class Run:
    """One replication with what the checks need: the start weekdays, the bed level, the admissions."""

    def __init__(self, scenario: Scenario, territory, replication: int):
        self.scenario = scenario
        self.record = simulate(scenario, scenario_territory(scenario, territory), replication)
        self.calendar = Calendar(scenario.run.start_date, scenario.calendar.holidays_country)  # holidays too
        self.start_days = weekday_set(scenario.blinatumomab.start_weekdays)
        self.lead = scenario.blinatumomab.booking.admission_lead_days
        self.times = np.array([b.time for b in self.record.bed_level])
        self.levels = np.array([b.level for b in self.record.bed_level])
        self.starts: dict[int, list[Admission]] = defaultdict(list)  # cycle starts by episode, in order
        for a in self.record.admissions:
            if a.kind == BLINA_START:
                self.starts[a.episode].append(a)

    def start_day(self, t: float) -> int:
        return self.calendar.next_day_in(t, self.start_days)

    def level_after(self, t: float) -> int:
        """Beds taken once everything that happens at time t has happened."""
        return int(self.levels[np.searchsorted(self.times, t, side="right") - 1])

    def admissible(self, a: Admission, t: float) -> bool:
        """May the request ``a`` take a bed at t (its admission window, if it has one)?"""
        if a.kind != BLINA_START or a.start_type == PRE_PHASE:
            return True
        return t >= self.start_day(a.request) and self.start_day(t) - t < self.lead

    def of_type(self, start_type: int) -> list[Admission]:
        return [a for stays in self.starts.values() for a in stays if a.start_type == start_type]


@pytest.fixture(scope="module")
def baseline_runs(territory) -> list[Run]:
    """The baseline's saturated ward: a third of the booked cycles find no bed on their day."""
    scenario = make_scenario(**{"run.years": 6})
    return [Run(scenario, territory, r) for r in range(2)]


def test_cycle_starts_ask_for_their_bed_as_designed(baseline_runs):
    """Cycle 1 at referral (urgent if a pre-phase), each later cycle as booked: one admission per cycle."""
    for run in baseline_runs:
        for e in run.record.episodes:
            p = e.profile
            stays = run.starts[p.index]
            assert len(stays) == p.n_cycles == e.cycles_started
            assert stays[0].request == p.arrival
            assert stays[0].start_type == (PRE_PHASE if p.pre_phase else FIRST_ADMISSION)
            assert all(a.start_type == BOOKED_START for a in stays[1:])


def test_a_later_cycle_is_booked_from_the_end_of_the_previous_one(baseline_runs):
    """Booked day = the first start weekday after the previous cycle's end (its infusion, or a
    readmission outlasting it) plus the rest; the patient is never admitted before it."""
    blina = baseline_runs[0].scenario.blinatumomab
    checked = 0
    for run in baseline_runs:
        readmissions = defaultdict(list)
        for a in run.record.admissions:
            if a.kind == ADVERSE_EVENT:
                readmissions[a.episode].append(a)
        for stay in run.record.home_emergencies:  # first-recourse stays in a peripheral hospital
            readmissions[stay.episode].append(stay)
        for e in run.record.episodes:
            day1 = {}
            for bag in e.bags:
                day1.setdefault(bag.cycle, bag.start)
            stays = run.starts[e.profile.index]
            for cycle, booked in enumerate(stays[1:], start=2):
                if cycle - 1 not in day1:
                    continue  # the run stopped first
                # Multi-cycle episodes run every infusion to its end (deaths and early stops are in cycle 1):
                # its last bag's end, day 1 + infusion days + the days an interruption stopped it.
                end = max(bag.end for bag in e.bags if bag.cycle == cycle - 1)
                assert end >= day1[cycle - 1] + blina.infusion_days - TOL
                # A stay begun before the end extends it, and so does a transfer from it (chained stays).
                extended = True
                while extended:
                    extended = False
                    for r in readmissions[e.profile.index]:
                        started = r.request if isinstance(r, Admission) else r.onset
                        ends_later = r.discharge is not None and r.discharge > end
                        if day1[cycle - 1] <= started <= end and ends_later:
                            end, extended = r.discharge, True
                assert booked.request == run.start_day(end + blina.rest_days)
                assert booked.admit is None or booked.admit >= booked.request
                if cycle in day1:
                    assert day1[cycle] >= booked.request
                checked += 1
    assert checked > 50


def test_a_booked_cycle_gets_a_free_bed_on_its_day(baseline_runs):
    """Admitted at the start of its booked day whenever a bed is free then; delayed only by a full ward."""
    on_time = delayed = 0
    for run in baseline_runs:
        capacity = run.scenario.beds.capacity
        for a in run.of_type(BOOKED_START):
            assert run.calendar.weekday(int(a.request)) in run.start_days and a.request == int(a.request)
            if a.admit == a.request:
                on_time += 1
            else:
                assert run.level_after(a.request) == capacity, "a booked cycle waited while a bed was free"
                delayed += 1
    assert on_time > 50 and delayed > 10  # both cases happen: the check is not vacuous


def test_no_request_waits_while_a_bed_is_free_and_it_may_take_it(baseline_runs):
    """Queue invariant with admission windows: whenever a bed is free, every waiting request is one
    that may not be admitted then (a cycle start outside its window); never above capacity."""
    passed_over = 0
    for run in baseline_runs:
        capacity = run.scenario.beds.capacity
        assert run.levels.max() == capacity and run.levels.min() >= 0
        free_times = run.times[run.levels < capacity]
        for a in run.record.admissions:
            end = a.admit if a.admit is not None else run.record.end_time
            waiting_at = free_times[(free_times > a.request) & (free_times < end)]
            for t in waiting_at:
                if run.level_after(t) < capacity:
                    assert not run.admissible(a, t), (a, t)
                    passed_over += 1
            if a.kind == BLINA_START and a.start_type != PRE_PHASE:
                # At a start weekday's midnight the window is open: a free bed is taken then.
                for d in range(int(np.ceil(a.request)), int(np.ceil(end))):
                    if run.calendar.weekday(d) in run.start_days and d >= run.start_day(a.request):
                        assert run.level_after(d) == capacity, (a, d)
    assert passed_over > 0  # windows did hold some requests back while beds were free


def test_priority_order_booked_before_planned_pre_phase_as_urgent(baseline_runs):
    """No planned admission or first admission goes in while a booked cycle waits within its window;
    none goes in while a pre-phase waits (the pre-phase has the emergencies' priority)."""
    overlaps = 0
    for run in baseline_runs:
        unbooked = [
            a.admit
            for a in run.record.admissions
            if a.admit is not None
            and (a.kind == PLANNED or (a.kind == BLINA_START and a.start_type == FIRST_ADMISSION))
        ]
        unbooked = np.array(sorted(unbooked))
        for a in run.of_type(BOOKED_START) + run.of_type(PRE_PHASE):
            end = a.admit if a.admit is not None else run.record.end_time
            for t in unbooked[(unbooked > a.request) & (unbooked < end)]:
                overlaps += 1
                assert a.start_type == BOOKED_START and not run.admissible(a, t), (a, t)
    assert overlaps > 0  # planned patients did go in while a booked cycle waited outside its window


def test_a_cycle_start_is_admitted_at_most_the_lead_before_day_1(baseline_runs):
    """Day 1 is a start weekday at the first midnight after admission; a bed is held at most the lead
    (the day before); the pre-phase carries on into cycle 1 in the same bed."""
    for run in baseline_runs:
        for e in run.record.episodes:
            p = e.profile
            day1 = min((b.start for b in e.bags if b.cycle == 1), default=None)
            first = run.starts[p.index][0]
            if day1 is None or first.admit is None:
                continue
            if p.pre_phase:
                assert day1 == run.start_day(first.admit + p.pre_phase_days)
            else:
                assert day1 == run.start_day(first.admit)
                assert day1 - first.admit < run.lead
                assert first.admit >= run.start_day(p.arrival)  # called in from the first start weekday


def test_plentiful_beds_mean_no_wait_and_no_bed_held_for_a_start_weekday(territory):
    scenario = make_scenario(**{"beds.capacity": 300, "run.years": 4})
    for r in range(2):
        run = Run(scenario, territory, r)
        assert all(a.admit == a.request for a in run.record.admissions if a.kind != BLINA_START)
        assert all(a.admit == a.request for a in run.of_type(BOOKED_START) + run.of_type(PRE_PHASE))
        for a in run.of_type(FIRST_ADMISSION):
            assert a.admit == run.start_day(a.request)  # called in for the first start weekday
        assert len(run.of_type(BOOKED_START)) > 10
        assert sum(e.bed_days["waiting_start_day"] for e in run.record.episodes) == 0


def test_a_longer_lead_holds_beds_for_start_weekdays(territory):
    """The lead is a real choice: admitting up to 4 days early lets patients hold beds for a start day."""
    held = {}
    for lead in (1.0, 4.0):
        scenario = make_scenario(**{"run.years": 6, "blinatumomab.booking.admission_lead_days": lead})
        run = Run(scenario, territory, 0)
        assert all(
            run.start_day(a.admit) - a.admit < lead
            for a in run.of_type(FIRST_ADMISSION) + run.of_type(BOOKED_START)
            if a.admit is not None
        )
        held[lead] = sum(e.bed_days["waiting_start_day"] for e in run.record.episodes)
    assert held[4.0] > held[1.0] + 5


def test_a_convention_is_ready_before_the_patient_goes_home_in_every_cycle(territory):
    """From cycle 2 a convention's ready date used to be ignored: patients went home before it existed."""
    no_had = [had for had, ok in zip(territory.hads.index, territory.authorised) if ok]
    three_cycles = {"dist": "empirical", "values": [3], "weights": [1]}
    scenario = make_scenario(
        **{
            "run.years": 3,
            "run.warmup_days": 0,
            "territory.revoke": no_had,
            "home_care.fallback": ["convention", "inpatient"],
            "home_care.convention_delay_days": {"dist": "fixed", "value": 70},
            "home_care.convention_reuse_days": 0,
            **{f"blinatumomab.indications.{name}.cycles": three_cycles for name in THESIS_INDICATIONS},
        }
    )
    record = simulate(scenario, scenario_territory(scenario, territory), 0)
    checked = 0
    for e in record.episodes:
        assert e.route == "convention"
        for segment in e.home_segments:
            assert segment.start >= e.ready_time - TOL, (e.profile.index, segment, e.ready_time)
            checked += 1
    assert checked > 20
