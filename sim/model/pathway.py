"""The blinatumomab care pathway: one SimPy process per treatment episode, step by step.

Referral and home-care request; a bed for cycle 1 (the urgent pre-phase, else the referral's request
on the waiting list); then per cycle: day 1 in the bed, the compulsory inpatient days, the wait for
home care, the home phase to day 28 with its bag changes and readmissions for severe events, then
the rest before the next cycle, whose start is booked as this one ends. A death or early stop in
cycle 1 ends the episode.

Cycle starts and the bed queue (M14, docs/sources.md, leaves open "same queue as M3, or priority"; the
order is the scenario's ``beds.priorities``, an assumption): the pre-phase (003:2365-2369) is urgent
and admitted any day, cycle 1 following in the same bed; cycle 1 without one waits on the list of
planned admissions from referral; a later cycle is booked for the first start weekday after the
rest and asks for its bed that day, ahead of the planned admissions. Day 1 falls on a start weekday
(M7), at the first midnight after admission; a patient whose bed comes late is admitted at most
``booking.admission_lead_days`` before a start weekday (``StartWindow``), not to wait days in the bed.

Home care begins on ``calendar.home_care_start_weekdays`` outside public holidays: a patient ready
on another day stays in the bed until the next such day. A severe event of
``blinatumomab.interrupting_events`` stops the infusion for its stay; it restarts in hospital and
runs to its full infusion days (``Pathway.interruptions``), so the infusion is made of segments,
each with bags planned when it starts, knowing nothing of a later interruption, death or early stop.

At discharge the home phase's day-hospital sessions are booked (bag changes, visits); a stay in
hospital during it cancels those of its days; an interruption at home cancels the bag changes
booked from its start, and those of the restarted infusion are booked at the return home.

Beds and HAD slots are held in ``with`` blocks, so each goes back when its block is left. The two
holdings overlap: the HAD slot is granted while the patient is still in the bed and kept through the
home phase, so it is handed from the bed's block to the home phase's (``ExitStack.pop_all``).
"""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass

import simpy

from sim.model.bags import BagChanges, CycleBags, HomeBags
from sim.model.calendar import Calendar, weekday_set
from sim.model.day_hospital import DayHospital
from sim.model.emergencies import Emergencies
from sim.model.home_care import HomeCare
from sim.model.records import (
    BAG_CHANGE,
    BLINA_START,
    BOOKED_START,
    FIRST_ADMISSION,
    PRE_PHASE,
    Admission,
    AdverseEventDraw,
    BlinaBooking,
    CycleStartWait,
    DischargeDayWait,
    Episode,
    HomeEmergency,
    HomeSegment,
    Interruption,
)
from sim.model.ward import BedRequest, StartWindow, Ward
from sim.scenario.schema import Scenario


@dataclass(slots=True, frozen=True)
class CyclePlan:
    """What is settled on day 1 of a cycle."""

    cycle: int
    day1: float
    stop_at: float  # death or early stop in cycle 1; inf: none
    ends_episode: bool
    inpatient_throughout: bool  # no home phase
    infusion_end: float
    adverse: list[AdverseEventDraw]  # the severe events before the infusion ends, by onset
    first_discharge: float  # the end of the compulsory inpatient days
    extension: float  # days in the bed past them, for severe events during them
    ready: float  # when home care can start
    bags: CycleBags  # as planned on day 1 (the first segment's)
    segments: list[Segment]  # the infusion between interruptions, each with its bags


@dataclass(slots=True)
class Segment:
    """The infusion from day 1 or a restart to the next interruption (``stop``) or its end.

    Its bags are planned when it starts, knowing nothing of a later interruption or stop; ``home``
    holds the day-hospital bookings of its changes at home, made at discharge or at the return home.
    """

    bags: CycleBags
    stop: float
    home: HomeBags | None = None


class Pathway:
    """The steps of the care pathway, on the model's ward, home care and bags."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        calendar: Calendar,
        ward: Ward,
        home_care: HomeCare,
        bags: BagChanges,
        emergencies: Emergencies,
        day_hospital: DayHospital,
    ):
        self.env = env
        self.blina = scenario.blinatumomab
        self.calendar = calendar
        self.ward = ward
        self.home_care = home_care
        self.bags = bags
        self.emergencies = emergencies
        self.day_hospital = day_hospital
        self.start_days = weekday_set(self.blina.start_weekdays)
        self.home_care_days = weekday_set(scenario.calendar.home_care_start_weekdays)
        self.interrupting = frozenset(self.blina.interrupting_events)
        self.record = home_care.record  # the model's one recorder

    def episode(self, episode: Episode):
        """The episode's process: referral, then its cycles, each later one on its booked day; its exit."""
        p = episode.profile
        self.home_care.request_home_care(episode)  # at the cycle-1 decision (M8)
        booked = None  # cycle 1 asks for its bed at referral
        for cycle in range(1, p.n_cycles + 1):
            if booked is not None:
                yield from self.at_home_until_start_day(booked)
            if (yield from self.cycle(episode, cycle)):
                break
            # Booked as the cycle ends (its infusion, or a readmission outlasting it): after the rest.
            booked = self.start_day(self.env.now + self.blina.rest_days)
        episode.exit_time = self.env.now

    def at_home_until_start_day(self, booked: int):
        """A later cycle is booked for a start weekday: the patient waits at home until then."""
        yield self.env.timeout(booked - self.env.now)

    def start_day(self, t: float) -> int:
        """The first start weekday's midnight at or after ``t``."""
        return self.calendar.next_day_in(t, self.start_days)

    def start_request(self, episode: Episode, cycle: int) -> BedRequest:
        """The bed request of a cycle start, made now: the pre-phase's (urgent, any day), the referral's
        (admitted from the first start weekday), or a booked cycle's (asked for on its booked day)."""
        if cycle == 1 and episode.profile.pre_phase:
            return self.ward.request(BLINA_START, episode, PRE_PHASE)
        start_type = FIRST_ADMISSION if cycle == 1 else BOOKED_START
        lead = self.blina.booking.admission_lead_days
        window = StartWindow(self.calendar, self.start_days, self.start_day(self.env.now), lead)
        return self.ward.request(BLINA_START, episode, start_type, window)

    def cycle(self, episode: Episode, cycle: int):
        """One infusion cycle, from its admission to the end of its home phase; True if the episode ends."""
        p = episode.profile
        visits: list[BlinaBooking] = []
        with ExitStack() as home_phase:  # the HAD slot, handed over at discharge
            with self.start_request(episode, cycle) as bed:
                plan = yield from self.cycle_start(episode, cycle, bed)
                if plan.inpatient_throughout:
                    yield from self.in_bed_throughout(episode, plan)
                    goes_home, died = False, p.outcome == "death"
                else:
                    goes_home = yield from self.until_home_care(episode, plan, home_phase)
                    died = p.outcome == "death" and plan.stop_at <= self.env.now
                discharge = self.env.now if goes_home else math.inf  # no home phase: all bags on the ward
                if goes_home:
                    visits = self.book_home_phase(episode, plan)
                self.ward.discharge(bed, died=died)
            readmissions = (yield from self.home(episode, plan)) if goes_home else []
        if goes_home and plan.ends_episode:  # the day hospital learns of the stop: later sessions go unused
            self.day_hospital.cancel(p.index, plan.infusion_end, math.inf)
        for segment in plan.segments:
            self.bags.place(episode, segment.bags, segment.home, discharge, readmissions, segment.stop)
        self.day_hospital.visit_trips(visits, p.home)
        if goes_home and plan.ends_episode and math.isfinite(plan.stop_at) and plan.stop_at > self.env.now:
            yield self.env.timeout(plan.stop_at - self.env.now)  # death at home after the infusion stopped
        return plan.ends_episode

    def book_home_phase(self, episode: Episode, plan: CyclePlan) -> list[BlinaBooking]:
        """At discharge, the home phase's day-hospital sessions: the bag changes of the infusion running
        (up to a later interruption, booked at the return home), then its visits.

        A cycle that ends the episode (a death or an early stop) has no visit.
        """
        self.book_segment(episode, plan, self.env.now)
        if plan.ends_episode:
            return []
        return self.day_hospital.book_visits(episode.profile.index, plan.day1, plan.infusion_end)

    def book_segment(self, episode: Episode, plan: CyclePlan, t: float) -> None:
        """The day-hospital sessions of the changes at home of the segment running (or next) at ``t``."""
        segment = next((s for s in plan.segments if t < s.stop), plan.segments[-1])
        # A restart's first bag is hung in hospital: only the changes after it are booked.
        segment.home = self.bags.book_home_phase(episode, segment.bags, max(t, segment.bags.bags[0].start))

    def cycle_start(self, episode: Episode, cycle: int, bed: BedRequest):
        """Admission (and pre-phase), day 1 on a start weekday, the compulsory inpatient days."""
        p = episode.profile
        requested = self.env.now
        yield from self.ward.admit(bed)
        episode.cycle_start_waits.append(CycleStartWait(requested, self.env.now - requested))
        waiting = "waiting_start_day"  # admitted at most admission_lead_days before day 1 (StartWindow)
        if cycle == 1 and p.pre_phase:
            yield from self.in_bed(episode, "pre_phase", p.pre_phase_days)
            waiting = "pre_phase"  # the cytoreduction goes on to day 1, in the same bed
        yield from self.in_bed(episode, waiting, self.start_day(self.env.now) - self.env.now)
        episode.cycles_started = cycle
        plan = self.plan(episode, cycle)
        yield from self.in_bed(
            episode, "cycle_start", min(plan.first_discharge, plan.infusion_end) - self.env.now
        )
        return plan

    def plan(self, episode: Episode, cycle: int) -> CyclePlan:
        """Day 1 (now) settles the cycle: its end, its severe events, the earliest discharge, the bags."""
        p = episode.profile
        blina = self.blina
        day1 = self.env.now
        stop_at, ends_episode, inpatient_throughout = self.outcome(episode, cycle, day1)
        drawn = p.adverse[cycle - 1]
        stops, infusion_end = self.interruptions(drawn, day1, stop_at)
        adverse = [a for a in drawn if day1 + a.onset < infusion_end]
        first_discharge = day1 + blina.inpatient_days(p.indication, cycle)  # the indication's protocol
        # Severe events in the compulsory inpatient days lengthen the stay (003:3740-3746).
        extension = max(
            [0.0]
            + [day1 + a.onset + a.stay - first_discharge for a in adverse if day1 + a.onset < first_discharge]
        )
        ready = episode.ready_time  # in every cycle: a convention may not be ready by cycle 2
        # Home care begins on its weekdays, not on a holiday (calendar.home_care_start_weekdays).
        planned_discharge = (
            math.inf
            if inpatient_throughout
            else self.calendar.next_day_in(max(first_discharge + extension, ready), self.home_care_days)
        )
        segments = self.segments(cycle, day1, planned_discharge, stops, infusion_end)
        for kind, start, restart in stops:
            self.record.interruptions.append(Interruption(p.index, cycle, kind, start, restart))
        return CyclePlan(
            cycle=cycle,
            day1=day1,
            stop_at=stop_at,
            ends_episode=ends_episode,
            inpatient_throughout=inpatient_throughout,
            infusion_end=infusion_end,
            adverse=adverse,
            first_discharge=first_discharge,
            extension=extension,
            ready=ready,
            bags=segments[0].bags,
            segments=segments,
        )

    def interruptions(
        self, drawn: list[AdverseEventDraw], day1: float, stop_at: float
    ) -> tuple[list[tuple[str, float, float]], float]:
        """When severe events stop the infusion, (kind, stop, restart) each, and when it ends.

        An interrupting event (``blinatumomab.interrupting_events``) stops the infusion for its stay
        (003:3740-3746: "stoppée pendant trois jours"; 003:916-918: "arrêt temporaire"); it restarts
        when the stay ends, in hospital (M13), and runs on to its full infusion days, the days before
        and after the interruption (the product label, docs/sources.md). Overlapping events make one
        interruption. A death or an early stop (``stop_at``) still ends it.
        """
        end = day1 + self.blina.infusion_days
        stops: list[tuple[str, float, float]] = []
        for event in drawn:  # by onset
            onset = day1 + event.onset
            if onset >= min(end, stop_at):
                break
            if event.kind not in self.interrupting:
                continue
            restart = onset + event.stay
            if stops and onset < stops[-1][2]:  # during the previous interruption: it lasts longer
                kind, start, previous = stops[-1]
                end += max(0.0, restart - previous)
                stops[-1] = (kind, start, max(previous, restart))
            else:
                end += event.stay
                stops.append((event.kind, onset, restart))
        if stops and stops[-1][2] >= stop_at:  # a death or an early stop before the restart: none
            kind, onset, _ = stops[-1]
            stops[-1] = (kind, onset, math.inf)
            return stops, onset
        return stops, min(end, stop_at)

    def segments(
        self,
        cycle: int,
        day1: float,
        planned_discharge: float,
        stops: list[tuple[str, float, float]],
        infusion_end: float,
    ) -> list[Segment]:
        """The infusion's segments between interruptions, each with bags planned from its start to the
        end then known (day 1 + infusion days + the days interrupted so far): not knowing the future."""
        segments = []
        start, end = None, day1 + self.blina.infusion_days
        for _, stop, restart in stops:
            if math.isinf(restart):  # never restarted: the segment running then ends the infusion
                break
            discharge = planned_discharge if start is None else max(planned_discharge, start)
            segments.append(Segment(self.bags.schedule(cycle, day1, end, discharge, start), stop))
            start, end = restart, end + restart - stop
        discharge = planned_discharge if start is None else max(planned_discharge, start)
        segments.append(Segment(self.bags.schedule(cycle, day1, end, discharge, start), infusion_end))
        return segments

    def outcome(self, episode: Episode, cycle: int, day1: float) -> tuple[float, bool, bool]:
        """How the cycle ends: (stop, ends the episode, spent entirely in hospital).

        Only single-cycle episodes die or stop early, in cycle 1; ``stop`` is then when the infusion
        stops, else inf (it runs its course). Marks the episode's death.
        """
        p = episode.profile
        inpatient_throughout = episode.route == "inpatient"
        if cycle == 1 and p.outcome == "death":
            episode.died = True
            return day1 + p.death_day, True, inpatient_throughout or p.dies_inpatient
        if cycle == 1 and p.outcome == "early_stop":
            return day1 + p.early_stop_day, True, inpatient_throughout or p.never_home
        return math.inf, False, inpatient_throughout

    def in_bed(self, episode: Episode, cause: str, days: float):
        """Days in the bed, counted to their cause."""
        if days > 0:
            episode.bed_days[cause] += days
            yield self.env.timeout(days)

    def in_bed_throughout(self, episode: Episode, plan: CyclePlan):
        """No home phase: in the bed to the end of the infusion, or to the death or early stop."""
        until = max(plan.stop_at if plan.ends_episode else plan.infusion_end, plan.infusion_end)
        yield from self.in_bed(episode, "inpatient_only", until - self.env.now)

    def until_home_care(self, episode: Episode, plan: CyclePlan, home_phase: ExitStack):
        """In the bed past the compulsory days until home care takes over; True if the patient goes home.

        A slot of the episode's HAD granted here goes to ``home_phase``, unless the patient never goes
        home; then it is given back before the bed.
        """
        end = plan.infusion_end
        # A severe event while in hospital anyway keeps the patient until it is over (003:3740-3746).
        yield from self.in_bed(episode, "adverse_event", min(plan.extension, end - self.env.now))
        with ExitStack() as in_bed:
            granted = False
            if self.env.now < end:
                granted = yield from self.home_care.wait_for_home_care(episode, plan.cycle, end, in_bed)
            since = plan.first_discharge
            while True:
                # Severe events that begin while the patient waits in the bed lengthen the stay.
                late = sum(a.stay for a in plan.adverse if since <= plan.day1 + a.onset < self.env.now)
                since = self.env.now
                yield from self.in_bed(episode, "adverse_event", min(late, end - self.env.now))
                if not (granted and self.env.now < end) or self.may_go_home_today():
                    break
                yield from self.until_home_care_day(episode, plan.cycle, end)
            goes_home = self.env.now < end and granted
            if goes_home:
                home_phase.push(in_bed.pop_all())
        return goes_home

    def may_go_home_today(self) -> bool:
        """Whether home care may begin today: one of its weekdays, not a public holiday."""
        return self.calendar.opens(math.floor(self.env.now + 1e-9), self.home_care_days)

    def until_home_care_day(self, episode: Episode, cycle: int, end: float):
        """Home care is ready on a day it may not begin: the patient stays in the bed (counted as
        waiting for home care) until the next day it may, in the morning, at most until ``end``."""
        wait = min(self.calendar.next_day_in(self.env.now, self.home_care_days), end) - self.env.now
        waiting = DischargeDayWait(episode.profile.index, cycle, self.env.now, wait)
        self.record.discharge_day_waits.append(waiting)
        yield from self.in_bed(episode, "waiting_home_care", wait)

    def home(self, episode: Episode, plan: CyclePlan):
        """The home phase to the end of the infusion; returns the hospital stays for severe events."""
        segment_start = self.env.now
        readmissions: list[Admission | HomeEmergency] = []
        for event in plan.adverse:
            onset = plan.day1 + event.onset
            if onset < self.env.now or onset >= plan.infusion_end:
                continue
            yield self.env.timeout(onset - self.env.now)
            episode.home_segments.append(HomeSegment(segment_start, self.env.now))
            interrupts = any(s.stop == onset for s in plan.segments[:-1])
            if interrupts:  # the infusion stops: its changes booked from now on go unused
                self.day_hospital.cancel(episode.profile.index, onset, math.inf, BAG_CHANGE)
            # The nearest capable hospital first, IUCT-O second (003:1606-1616, 6083-6101).
            stays = yield from self.emergencies.severe_event(episode, event)
            readmissions.extend(stays)
            for stay in stays:  # day-hospital sessions booked for days spent in hospital go unused
                end = math.inf if stay.discharge is None else stay.discharge
                self.day_hospital.cancel(episode.profile.index, stay.admit, end)
            if interrupts:  # restarted at the end of the stay: the new bags' changes at home are booked
                self.book_segment(episode, plan, self.env.now)
            segment_start = self.env.now
        if self.env.now < plan.infusion_end:
            yield self.env.timeout(plan.infusion_end - self.env.now)
            episode.home_segments.append(HomeSegment(segment_start, self.env.now))
        if episode.had is not None:
            self.home_care.home_phase_ended(episode)
        return readmissions
