"""The SimPy model: 18 beds, the day hospital, HAD capacity and the blinatumomab pathway.

One process per treatment episode reads as its protocol: referral and home-care request, wait for a
bed, (pre-phase), then per cycle: inpatient start, home phase with bag changes, rest, next cycle.
Other acute-leukemia patients load the same beds. No I/O here: the model returns plain records.
Time is in days from simulation day 0 (``run.start_date``).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from sim.model import day_hospital
from sim.model.calendar import Bag, Calendar, bag_schedule, weekday_set
from sim.model.draws import CYCLES_DRAWN, Draws
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    EMERGENCY,
    PLANNED,
    Admission,
    BagChange,
    BedLevel,
    CycleStartWait,
    DayHospitalSession,
    Delivery,
    Episode,
    HadStay,
    HomeSegment,
    Leg,
    Profile,
    Recorder,
    Trip,
)
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

DRAIN_LIMIT_DAYS = 3 * 365.0  # longest follow-up of referred episodes past the horizon


class Model:
    def __init__(self, scenario: Scenario, territory: Territory, replication: int):
        self.scenario = scenario
        self.territory = territory
        self.horizon = scenario.run.horizon
        self.calendar = Calendar(scenario.run.start_date)
        self.env = simpy.Environment()
        self.beds = simpy.PriorityResource(self.env, capacity=scenario.beds.capacity)
        home_care = scenario.home_care
        self.had_ids = list(territory.hads.index)
        self.had_capacity = [
            home_care.had_capacity_by_had.get(h, home_care.had_capacity) for h in self.had_ids
        ]
        self.had_slots = [simpy.Resource(self.env, capacity=c) for c in self.had_capacity]
        self.had_last_active = np.full(len(self.had_ids), -np.inf)
        self.convention_last_set_up: dict[tuple[int, ...], float] = {}
        for had in home_care.experienced_at_start:
            self.had_last_active[self.had_ids.index(had)] = 0.0
        bags = scenario.bags
        self.patterns = [weekday_set(p) for p in bags.change_patterns]
        self.pharmacy_days = weekday_set(bags.pharmacy_weekdays)
        self.start_days = weekday_set(scenario.blinatumomab.start_weekdays)
        self.stability_days = bags.stability_hours / 24.0
        self.draws = Draws(scenario, territory, replication)
        self.record = Recorder(day_hospital.book_background(scenario, self.calendar, self.draws))
        self.episode_processes: list[simpy.Process] = []

    # --- arrivals ---

    def arrivals(self):
        if self.scenario.blinatumomab.arrivals.episodes_per_year == 0:
            return
        intensity = 0.0
        index = 0
        while True:
            profile, intensity = self.draws.profile(index, intensity)
            if profile.arrival >= self.horizon:
                return
            yield self.env.timeout(profile.arrival - self.env.now)
            episode = Episode(profile)
            self.record.episodes.append(episode)
            self.episode_processes.append(self.env.process(self.episode(episode)))
            index += 1

    # --- beds ---

    def _bed_change(self, delta: int) -> None:
        self.record.bed_level.append(BedLevel(self.env.now, self.record.bed_level[-1].level + delta))

    def admit(self, kind: int, priority: int, episode: int | None = None):
        """Wait for a bed; returns (request, admission record). Every admission records its wait."""
        admission = Admission(kind, self.env.now, episode=episode)
        self.record.admissions.append(admission)
        request = self.beds.request(priority=priority)
        yield request
        admission.admit = self.env.now
        self._bed_change(+1)
        if episode is not None:
            self._leg(episode)  # the patient comes in from home
        return request, admission

    def discharge(self, request, admission: Admission, home: bool = False) -> None:
        """Free the bed; ``home``: the patient goes home (a leg of travel), else died in hospital."""
        admission.discharge = self.env.now
        if home:
            self._leg(admission.episode)
        self.beds.release(request)
        self._bed_change(-1)

    def _leg(self, episode: int) -> None:
        """One-way journey between home and IUCT-O for an admission or a discharge."""
        home = self.record.episodes[episode].profile.home
        terr = self.territory
        self.record.legs.append(
            Leg(episode, self.env.now, terr.to_centre.km[home, 0], terr.to_centre.hours[home, 0])
        )

    def background_demand(self):
        """Other acute-leukemia inpatients sharing the beds (BRIEF section 5; all assumptions)."""
        drawn = self.draws.background_admissions()
        priorities = self.scenario.beds.priorities
        for t, stay, urgent in zip(drawn.times, drawn.stays, drawn.emergency):
            yield self.env.timeout(t - self.env.now)
            kind = EMERGENCY if urgent else PLANNED
            priority = priorities.emergency if urgent else priorities.planned
            self.env.process(self.background_stay(kind, priority, float(stay)))

    def background_stay(self, kind: int, priority: int, stay: float):
        request, row = yield from self.admit(kind, priority)
        yield self.env.timeout(stay)
        self.discharge(request, row)

    # --- home-care routing ---

    def choose_route(self, episode: Episode) -> None:
        """Decide at referral who gives the home phase, and when that care can start (BRIEF section 2)."""
        p = episode.profile
        terr = self.territory
        home_care = self.scenario.home_care
        covering = np.flatnonzero(terr.zones.covers[p.home] & terr.authorised)
        km_to_sites = terr.to_had_sites.km[p.home]
        now = self.env.now
        if len(covering):
            load = [self.had_slots[j].count / self.had_capacity[j] for j in covering]
            had = int(covering[np.lexsort((km_to_sites[covering], load))[0]])
            episode.route, episode.had = "had", had
            delay = p.startup_delay + self._training(had, p)
        else:
            delay = math.inf
            for fallback in home_care.fallback:
                if fallback == "derogation":
                    had = self._derogation_had(p.home)
                    if had is None:
                        continue
                    episode.route, episode.had = "derogation", had
                    delay = p.startup_delay + p.derogation_extra + self._training(had, p)
                elif fallback == "convention":
                    episode.route = "convention"
                    delay = self._convention_delay(p)
                else:
                    episode.route = "inpatient"
                break
        episode.ready_time = now + delay

    def _convention_delay(self, profile: Profile) -> float:
        """A new convention takes weeks (003:6013-6015); one set up for the same zone lately is reused."""
        zone = tuple(np.flatnonzero(self.territory.zones.covers[profile.home]))
        now = self.env.now
        last = self.convention_last_set_up.get(zone, -math.inf)
        self.convention_last_set_up[zone] = now
        if now - last <= self.scenario.home_care.convention_reuse_days:
            return profile.startup_delay
        return profile.convention_delay

    def _training(self, had: int, profile: Profile) -> float:
        """An HAD that never treated such a patient, or not for a year, trains its staff (003:6066-6081)."""
        now = self.env.now
        trained = now - self.had_last_active[had] <= self.scenario.home_care.retraining_after_days
        self.had_last_active[had] = max(self.had_last_active[had], now)
        return 0.0 if trained else profile.training_delay

    def _derogation_had(self, home: int) -> int | None:
        """Nearest authorised HAD whose zone borders the patient's zone, within the distance limit."""
        terr = self.territory
        zone_hads = terr.zones.covers[home]
        neighbours = terr.zone_adjacency[zone_hads].any(axis=0) & terr.authorised
        km = terr.to_had_sites.km[home]
        candidates = np.flatnonzero(neighbours & (km <= self.scenario.home_care.derogation_max_km))
        if len(candidates) == 0:
            return None
        return int(candidates[np.argmin(km[candidates])])

    # --- the episode ---

    def episode(self, episode: Episode):
        p = episode.profile
        blina = self.scenario.blinatumomab
        priority = self.scenario.beds.priorities.blinatumomab_cycle_start
        self.choose_route(episode)
        bed = None
        if p.pre_phase:
            request_time = self.env.now
            bed = yield from self.admit(BLINA_START, priority, p.index)
            episode.cycle_start_waits.append(CycleStartWait(request_time, self.env.now - request_time))
            yield from self._stay(episode, "pre_phase", p.pre_phase_days)
        target = self.env.now
        for cycle in range(1, p.n_cycles + 1):
            if bed is None:
                # A planned cycle start is booked for a start weekday: the patient waits at home until then.
                target = self.calendar.next_day_in(max(target, self.env.now), self.start_days)
                yield self.env.timeout(max(0.0, target - self.env.now))
                request_time = self.env.now
                bed = yield from self.admit(BLINA_START, priority, p.index)
                episode.cycle_start_waits.append(CycleStartWait(request_time, self.env.now - request_time))
            day1 = self.calendar.next_day_in(self.env.now, self.start_days)
            yield from self._stay(episode, "waiting_start_day", day1 - self.env.now)
            episode.cycles_started = cycle
            ended = yield from self.cycle(episode, cycle, bed)
            bed = None
            if ended:
                break
            target = self.env.now + blina.rest_days
        episode.exit_time = self.env.now

    def _stay(self, episode: Episode, cause: str, days: float):
        if days > 0:
            episode.bed_days[cause] += days
            yield self.env.timeout(days)

    def cycle(self, episode: Episode, cycle: int, bed):
        """One 28-day infusion from day 1 (now, in a bed). Returns True when the episode ends here."""
        p = episode.profile
        blina = self.scenario.blinatumomab
        day1 = self.env.now
        end = day1 + blina.infusion_days
        ends_episode = False
        stop_at = math.inf
        inpatient_throughout = episode.route == "inpatient"
        if cycle == 1 and p.outcome == "death":
            stop_at = day1 + p.death_day
            ends_episode = episode.died = True
            inpatient_throughout |= p.dies_inpatient
        elif cycle == 1 and p.outcome == "early_stop":
            stop_at = day1 + p.early_stop_day
            ends_episode = True
            inpatient_throughout |= p.never_home
        infusion_end = min(end, stop_at)

        adverse = [a for a in p.adverse[min(cycle, CYCLES_DRAWN) - 1] if day1 + a.onset < infusion_end]
        inpatient_days = blina.cycle1_inpatient_days if cycle == 1 else blina.later_inpatient_days
        first_discharge = day1 + inpatient_days
        # Severe events in the compulsory inpatient days lengthen the stay (003:3740-3746).
        # A severe event while in hospital anyway keeps the patient until it is over (003:3740-3746).
        extension = max(
            [0.0]
            + [day1 + a.onset + a.stay - first_discharge for a in adverse if day1 + a.onset < first_discharge]
        )
        ready = episode.ready_time if cycle == 1 else day1
        planned_discharge = (
            math.inf if inpatient_throughout else math.ceil(max(first_discharge + extension, ready) - 1e-9)
        )
        pattern = self.patterns[int(p.pattern_u[(cycle - 1) % CYCLES_DRAWN] * len(self.patterns))]
        forced = [int(day1) + blina.dose.step_up_day - 1] if cycle == 1 else []
        bags = bag_schedule(
            self.calendar,
            int(day1),
            infusion_end,
            planned_discharge,
            pattern,
            self.pharmacy_days,
            self.stability_days,
            forced,
        )

        request, row = bed
        yield from self._stay(episode, "cycle_start", min(first_discharge, infusion_end) - self.env.now)
        if inpatient_throughout:
            cause = "inpatient_only"
            yield from self._stay(
                episode, cause, max(stop_at if ends_episode else infusion_end, infusion_end) - self.env.now
            )
            self.discharge(request, row, home=p.outcome != "death")
            self._place_bags(episode, cycle, bags, day1, math.inf, [])
            return ends_episode

        yield from self._stay(episode, "adverse_event", min(extension, infusion_end - self.env.now))
        yield from self._stay(episode, "waiting_home_care", min(ready, infusion_end) - self.env.now)
        slot = None
        if episode.had is not None and self.env.now < infusion_end:
            slot = self.had_slots[episode.had].request()
            waited_from = self.env.now
            yield slot | self.env.timeout(infusion_end - self.env.now)
            episode.bed_days["waiting_home_care"] += self.env.now - waited_from
            # A slot may be granted in the very instant the wait times out: it is then ours to release.
            if not slot.triggered:
                slot.cancel()
                slot = None
        # Severe events that begin while the patient still waits in the bed for home care lengthen the stay.
        late = sum(a.stay for a in adverse if first_discharge <= day1 + a.onset < self.env.now)
        yield from self._stay(episode, "adverse_event", min(late, infusion_end - self.env.now))
        if self.env.now >= infusion_end or (episode.had is not None and slot is None):
            if slot is not None:
                self.had_slots[episode.had].release(slot)
            died_here = p.outcome == "death" and stop_at <= self.env.now
            self.discharge(request, row, home=not died_here)
            self._place_bags(episode, cycle, bags, day1, math.inf, [])
            return ends_episode

        discharge_time = self.env.now
        self.discharge(request, row, home=True)
        slot_start = self.env.now
        readmissions: list[tuple[float, float]] = []
        segment_start = self.env.now
        for event in adverse:
            onset = day1 + event.onset
            if onset < self.env.now or onset >= infusion_end:
                continue
            yield self.env.timeout(onset - self.env.now)
            episode.home_segments.append(HomeSegment(segment_start, self.env.now))
            readmit_request, readmit_row = yield from self.admit(
                ADVERSE_EVENT, self.scenario.beds.priorities.adverse_event, p.index
            )
            admitted = self.env.now
            yield from self._stay(episode, "adverse_event", event.stay)
            self.discharge(readmit_request, readmit_row, home=True)
            readmissions.append((admitted, self.env.now))
            segment_start = self.env.now
        if self.env.now < infusion_end:
            yield self.env.timeout(infusion_end - self.env.now)
            episode.home_segments.append(HomeSegment(segment_start, self.env.now))
        if slot is not None:
            self.had_slots[episode.had].release(slot)
            self.record.had_stays.append(HadStay(episode.had, slot_start, self.env.now))
            self.had_last_active[episode.had] = self.env.now
        self._place_bags(episode, cycle, bags, day1, discharge_time, readmissions)
        if ends_episode and math.isfinite(stop_at) and stop_at > self.env.now:
            yield self.env.timeout(stop_at - self.env.now)  # death at home after the infusion stopped
        return ends_episode

    def _place_bags(
        self,
        episode: Episode,
        cycle: int,
        bags: list[Bag],
        day1: float,
        discharge: float,
        readmissions: list[tuple[float, float]],
    ) -> None:
        """Record each bag, and where its change happened: the ward, or at home per the scenario's policy."""
        p = episode.profile
        dose = self.scenario.blinatumomab.dose
        step_up = day1 + dose.step_up_day - 1
        policy = self.scenario.bags.where_changed
        terr = self.territory
        for bag in bags:
            ug = (
                dose.cycle1_start_ug_per_day if cycle == 1 and bag.start < step_up else dose.target_ug_per_day
            )
            # A change due on the day of discharge is done on the ward, before the patient leaves.
            on_ward = bag.start <= discharge or any(a <= bag.start < b for a, b in readmissions)
            where = "ward" if on_ward or bag.start == day1 else policy
            episode.bags.append(BagChange(cycle, bag.start, bag.end, ug, where))
            if where == "day_hospital":
                self.record.day_hospital_sessions.append(DayHospitalSession(int(bag.start), p.index))
                self.record.trips.append(
                    Trip(
                        p.index,
                        bag.start,
                        p.home,
                        None,
                        2 * terr.to_centre.km[p.home, 0],
                        2 * terr.to_centre.hours[p.home, 0],
                    )
                )
            elif where == "nearest_hospital":
                site = int(np.argmin(terr.to_had_sites.km[p.home]))
                self.record.trips.append(
                    Trip(
                        p.index,
                        bag.start,
                        p.home,
                        site,
                        2 * terr.to_had_sites.km[p.home, site],
                        2 * terr.to_had_sites.hours[p.home, site],
                    )
                )
                # The bag still comes from the IUCT-O pharmacy (003:5003-5005): a courier takes it there.
                self.record.deliveries.append(Delivery(p.index, bag.start, 2 * terr.site_km_to_centre[site]))
            elif where == "home":
                self.record.deliveries.append(Delivery(p.index, bag.start, 2 * terr.to_centre.km[p.home, 0]))

    # --- run ---

    def run(self) -> Recorder:
        """Simulate to the horizon, then let the episodes already referred finish (no new arrivals).

        Statistics keep to [warm-up, horizon]; running on lets every referred episode be followed
        and costed to its end, so per-episode figures are not biased towards short episodes.
        """
        self.env.process(self.background_demand())
        self.env.process(self.arrivals())
        self.env.run(until=self.horizon)
        unfinished = [p for p in self.episode_processes if p.is_alive]
        if unfinished:
            self.env.run(
                until=self.env.any_of([self.env.all_of(unfinished), self.env.timeout(DRAIN_LIMIT_DAYS)])
            )
        self.record.end_time = self.env.now
        return self.record


def simulate(scenario: Scenario, territory: Territory, replication: int) -> Recorder:
    """Run one replication; the territory must already carry the scenario's authorisation set."""
    return Model(scenario, territory, replication).run()
