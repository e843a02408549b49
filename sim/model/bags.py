"""The infusion bags of each cycle: their schedule, and where each change happens.

A change is made on the ward while the patient is in a bed; at home it follows the scenario's
policy: a session in IUCT-O's day hospital, the nearest hospital, or a nurse at home. Each change
away from the ward records the patient's trip or the courier bringing the bag.
"""

from __future__ import annotations

from sim.model.calendar import Bag, Calendar, bag_schedule, weekday_set
from sim.model.draws import CYCLES_DRAWN
from sim.model.records import (
    Admission,
    BagChange,
    DayHospitalSession,
    Delivery,
    Episode,
    Profile,
    Recorder,
    Trip,
)
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


class BagChanges:
    """The bag rules of the scenario: change days, pharmacy days, stability, where changes happen."""

    def __init__(self, scenario: Scenario, territory: Territory, calendar: Calendar, record: Recorder):
        bags = scenario.bags
        self.territory = territory
        self.calendar = calendar
        self.record = record
        self.dose = scenario.blinatumomab.dose
        self.patterns = [weekday_set(p) for p in bags.change_patterns]
        self.pharmacy_days = weekday_set(bags.pharmacy_weekdays)
        self.stability_days = bags.stability_hours / 24.0
        self.policy = bags.where_changed

    def schedule(
        self, profile: Profile, cycle: int, day1: float, infusion_end: float, planned_discharge: float
    ) -> list[Bag]:
        """The cycle's bags, changed at home on the patient's change days (Mon+Thu or Tue+Fri)."""
        pattern = self.patterns[int(profile.pattern_u[(cycle - 1) % CYCLES_DRAWN] * len(self.patterns))]
        forced = [int(day1) + self.dose.step_up_day - 1] if cycle == 1 else []
        return bag_schedule(
            self.calendar,
            int(day1),
            infusion_end,
            planned_discharge,
            pattern,
            self.pharmacy_days,
            self.stability_days,
            forced,
        )

    def place(
        self,
        episode: Episode,
        cycle: int,
        day1: float,
        bags: list[Bag],
        discharge: float,
        readmissions: list[Admission],
    ) -> None:
        """Record each bag, and where its change happened: the ward, or at home per the scenario's policy."""
        dose = self.dose
        step_up = day1 + dose.step_up_day - 1
        for bag in bags:
            ug = (
                dose.cycle1_start_ug_per_day if cycle == 1 and bag.start < step_up else dose.target_ug_per_day
            )
            # A change due on the day of discharge is done on the ward, before the patient leaves.
            on_ward = bag.start <= discharge or any(r.admit <= bag.start < r.discharge for r in readmissions)
            where = "ward" if on_ward or bag.start == day1 else self.policy
            episode.bags.append(BagChange(cycle, bag.start, bag.end, ug, where))
            if where != "ward":
                self._away_from_ward(episode.profile, bag.start, where)

    def _away_from_ward(self, profile: Profile, time: float, where: str) -> None:
        """The patient's round trip, or the courier's, for a change away from the ward."""
        terr = self.territory
        home = profile.home
        if where == "day_hospital":
            self.record.day_hospital_sessions.append(DayHospitalSession(int(time), profile.index))
            km, hours = terr.to_centre.km[home, 0], terr.to_centre.hours[home, 0]
            self.record.trips.append(Trip(profile.index, time, home, None, 2 * km, 2 * hours))
        elif where == "nearest_hospital":
            # The nearest hospital by road that changes bags (geo/hospitals.csv, bag_changes yes).
            hospitals = terr.hospitals
            site = int(hospitals.nearest_bag_change[home])
            km, hours = hospitals.from_communes.km[home, site], hospitals.from_communes.hours[home, site]
            self.record.trips.append(Trip(profile.index, time, home, site, 2 * km, 2 * hours))
            # The bag still comes from the IUCT-O pharmacy (003:5003-5005): a courier takes it there.
            self.record.deliveries.append(Delivery(profile.index, time, 2 * hospitals.to_centre.km[site, 0]))
        elif where == "home":
            self.record.deliveries.append(Delivery(profile.index, time, 2 * terr.to_centre.km[home, 0]))
