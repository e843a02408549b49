"""The SimPy model: 18 beds, the day hospital, HAD capacity and the blinatumomab pathway.

``Model`` puts the parts together on one SimPy clock: the ward (``ward``), home care
(``home_care``), the day hospital (``day_hospital``), the bags (``bags``) and the care pathway
each episode follows (``pathway``); the episodes arrive here. Every random number comes from
``draws``; what happens is appended to a ``Recorder`` (``records``), which ``sim.measures`` turns
into tables. No I/O here. Time is in days from simulation day 0 (``run.start_date``).
"""

from __future__ import annotations

import math

import simpy

from sim.model.bags import BagChanges
from sim.model.calendar import Calendar
from sim.model.day_hospital import DayHospital, sessions_open
from sim.model.draws import Draws
from sim.model.emergencies import Emergencies
from sim.model.home_care import HomeCare
from sim.model.pathway import Pathway
from sim.model.records import Episode, Profile, Recorder
from sim.model.ward import Ward
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

DRAIN_LIMIT_DAYS = 3 * 365.0  # longest follow-up of referred episodes past the horizon


class Model:
    """One replication of a scenario."""

    def __init__(self, scenario: Scenario, territory: Territory, replication: int):
        self.scenario = scenario
        self.env = simpy.Environment()
        calendar = Calendar(scenario.run.start_date)
        self.draws = Draws(scenario, territory, replication)
        self.record = Recorder(sessions_open(scenario, calendar))
        self.ward = Ward(self.env, scenario, territory, self.record)
        census_days = math.ceil(scenario.run.horizon + DRAIN_LIMIT_DAYS)  # to the end of the run at most
        self.home_care = HomeCare(self.env, scenario, territory, self.record, self.draws, census_days)
        self.day_hospital = DayHospital(self.env, scenario, territory, calendar, self.record)
        bags = BagChanges(scenario, territory, calendar, self.record, self.day_hospital)
        emergencies = Emergencies(self.env, scenario, territory, self.ward, self.record)
        self.pathway = Pathway(
            self.env, scenario, calendar, self.ward, self.home_care, bags, emergencies, self.day_hospital
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
        self.env.process(self.ward.other_patients(self.draws.background_admissions()))
        requests = self.draws.day_hospital_requests(self.record.day_hospital_days.weekday)
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


def simulate(scenario: Scenario, territory: Territory, replication: int) -> Recorder:
    """Run one replication; the territory must already carry the scenario's authorisation set."""
    return Model(scenario, territory, replication).run()
