"""The SimPy model: 18 beds, the day hospital, HAD capacity and the blinatumomab pathway.

``Model`` puts the parts together on one SimPy clock: the ward (``ward``), home care
(``home_care``), the day hospital (``day_hospital``), the bags (``bags``) and the care pathway
each episode follows (``pathway``); the episodes arrive here. Every random number comes from
``draws``; what happens is appended to a ``Recorder`` (``records``), which ``sim.measures`` turns
into tables. No I/O here. Time is in days from simulation day 0 (``run.start_date``).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterator
from contextlib import contextmanager

import simpy

from sim.model.bags import BagChanges
from sim.model.calendar import Calendar
from sim.model.day_hospital import DayHospital, sessions_open
from sim.model.draws import Draws
from sim.model.emergencies import Emergencies
from sim.model.home_care import HomeCare
from sim.model.pathway import Pathway
from sim.model.records import DayHospitalDays, Episode, Profile, Recorder
from sim.model.timeline import Timeline
from sim.model.ward import Ward
from sim.scenario.schema import Scenario
from sim.territory.binding import authorised_hads
from sim.territory.catchment import Territory

DRAIN_LIMIT_DAYS = 3 * 365.0  # longest follow-up of referred episodes past the horizon


class Model:
    """One replication of a scenario."""

    def __init__(self, scenario: Scenario, territory: Territory, replication: int):
        self.scenario = scenario
        self.env = simpy.Environment()
        calendar = Calendar(scenario.run.start_date, scenario.calendar.holidays_country)
        census_days = math.ceil(scenario.run.horizon + DRAIN_LIMIT_DAYS)  # to the end of the run at most
        # Capacity calendars and dated events: the parts below start with the scenario in force on day 0.
        self.timeline = Timeline(self.env, scenario, calendar, census_days + 1)
        start = self.timeline.start
        self.draws = Draws(start, territory, replication, self.timeline.demand)
        days = sessions_open(scenario, calendar, census_days + 1, self.timeline.periods)
        to_horizon = slice(scenario.run.horizon_whole_days)
        self.record = Recorder(
            DayHospitalDays(
                days.weekday[to_horizon],
                days.capacity[to_horizon],
                days.reserved[to_horizon],
                days.closed[to_horizon],
            )
        )
        self.ward = Ward(self.env, start, territory, self.record)
        if self.timeline.beds_open[0] != start.beds.capacity:
            self.ward.set_capacity(int(self.timeline.beds_open[0]))
        self.home_care = HomeCare(self.env, start, territory, self.record, self.draws, census_days)
        if scenario.events:
            self.home_care.authorise(authorised_hads(territory, start))
        self.day_hospital = DayHospital(self.env, start, territory, calendar, self.record, days)
        self.bags = BagChanges(start, territory, calendar, self.record, self.day_hospital)
        emergencies = Emergencies(self.env, start, territory, self.ward, self.record)
        self.pathway = Pathway(
            self.env, start, calendar, self.ward, self.home_care, self.bags, emergencies, self.day_hospital
        )
        self.episode_processes: list[simpy.Process] = []

    def arrivals(self) -> None:
        """Episodes of every indication referred until the horizon, each starting its pathway then.

        Each waits from time 0, so that the clock reads its arrival time exactly (a delay from the
        previous arrival can miss it by a rounding); referrals come in the order of arrival.
        """
        for profile in self.draws.episode_profiles():
            self.env.process(self.referral(profile))

    def referral(self, profile: Profile):
        yield self.env.timeout(profile.arrival)
        episode = Episode(profile)
        self.record.episodes.append(episode)
        self.episode_processes.append(self.env.process(self.pathway.episode(episode)))

    def run(self) -> Recorder:
        """Simulate to the horizon, then let the episodes already referred finish (no new arrivals).

        Statistics keep to [warm-up, horizon]; running on lets every referred episode be followed
        and costed to its end, so per-episode figures are not biased towards short episodes.
        """
        with without_cyclic_gc():  # from the first draw: a run makes objects, and almost no garbage
            self.env.process(self.timeline.beds(self.ward))
            territory = self.home_care.territory
            authorised = lambda in_force: authorised_hads(territory, in_force)  # noqa: E731
            self.env.process(self.timeline.events(self.home_care, self.bags, authorised))
            self.env.process(self.ward.other_patients(self.draws.background_admissions()))
            days = self.record.day_hospital_days
            requests = self.draws.day_hospital_requests(days.weekday, days.closed)
            self.env.process(self.day_hospital.other_patients(requests))
            self.env.process(self.day_hospital.release_held())
            self.arrivals()
            self.env.run(until=self.scenario.run.horizon)
            unfinished = [p for p in self.episode_processes if p.is_alive]
            if unfinished:
                self.env.run(
                    until=self.env.any_of([self.env.all_of(unfinished), self.env.timeout(DRAIN_LIMIT_DAYS)])
                )
        self.record.end_time = self.env.now
        return self.record


@contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Python's cyclic garbage collector off while the model runs (if it was on), on again after.

    A run leaves almost no reference cycles (about 50 objects in a 50-year run,
    tests/test_p2_model_gc.py), but piles up records that the collector would scan again and again:
    10 % of a 5-year replication, a third of a 50-year one. Memory is freed by reference counts as
    before; the numbers do not depend on it.
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def simulate(scenario: Scenario, territory: Territory, replication: int) -> Recorder:
    """Run one replication; the territory must already carry the scenario's authorisation set."""
    return Model(scenario, territory, replication).run()
