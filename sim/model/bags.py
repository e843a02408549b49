"""The infusion bags of each cycle: their schedule, the change weekdays, and where each change happens.

On day 1 the cycle's bags are planned (``sim.model.calendar.bag_schedule``) on the patient's
change weekdays, Mon+Thu or Tue+Fri (003:4891-4895). The pair is chosen by a rule, not at random
(M6): the one that fits the discharge with the fewest bags (no avoidable 24-48 h bridge bag,
003:4893-4895), then the one whose home change days have the most free day-hospital sessions (the
load is balanced), then the one whose first home change comes soonest after discharge (M6), then
the first listed.

A change is made on the ward while the patient is in a bed; at home it follows the scenario's
policy: a session in IUCT-O's day hospital, the nearest hospital, or a nurse at home. Day-hospital
sessions are booked when the home phase starts, at discharge (``sim.model.day_hospital``). A change
that finds no session on its day gets the scenario's no-slot policies, in order (M4: "a 'no slot'
event forces readmission or an extra short bag"):

- ``bridge``: the change moves to another pharmacy day within the running bag's stability where a
  session can be had, and the rest of the cycle is planned again from there on days with a
  session to be had (an extra, shorter bag where needed; never past stability). Only bags not
  yet made are re-planned: a bag already hung on the ward was made for its planned days (bags
  are made on the day of the change, M5), so the first home change cannot be moved; nor can the
  C1 dose step-up.
- ``ward``: the patient comes to the ward for the change (a trip, no day-hospital session).
- ``had_nurse``: the HAD's nurse changes the bag at home, with a bag couriered from the IUCT-O
  pharmacy (003:5003-5005); only when an HAD gives the home phase, else the next policy.
- ``overbook``: the day hospital takes the patient above its capacity.

Each change away from the ward records the patient's trip or the courier bringing the bag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.model.calendar import Bag, Calendar, ScheduleError, bag_schedule, weekday_set
from sim.model.day_hospital import DayHospital
from sim.model.records import (
    BAG_CHANGE,
    Admission,
    BagChange,
    Bridge,
    Delivery,
    Episode,
    Profile,
    Recorder,
    Trip,
)
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

HAD_ROUTES = ("had", "derogation")  # routes on which an HAD gives the home phase
POLICY_PLACE = {"ward": "ward_visit", "had_nurse": "home", "overbook": "day_hospital"}


@dataclass(slots=True, frozen=True)
class CycleBags:
    """A cycle's bags as planned on day 1, and the change weekdays they follow."""

    cycle: int
    day1: float
    infusion_end: float
    pattern: frozenset[int]
    bags: list[Bag]


@dataclass(slots=True, frozen=True)
class HomeBags:
    """The bags as booked at discharge, and where each home change is to be made (by change day)."""

    bags: list[Bag]
    where: dict[float, str]


@dataclass(slots=True, frozen=True)
class _NoSession:
    """Days a bridge does not plan a change on: those missed, and those with no session to be had now."""

    missed: set[int]
    day_hospital: DayHospital

    def __contains__(self, day: object) -> bool:
        return day in self.missed or not self.day_hospital.can_book(day)


class BagChanges:
    """The bag rules of the scenario: change days, pharmacy days, stability, where changes happen."""

    def __init__(
        self,
        scenario: Scenario,
        territory: Territory,
        calendar: Calendar,
        record: Recorder,
        day_hospital: DayHospital,
    ):
        bags = scenario.bags
        self.territory = territory
        self.calendar = calendar
        self.record = record
        self.day_hospital = day_hospital
        self.dose = scenario.blinatumomab.dose
        self.patterns = [weekday_set(p) for p in bags.change_patterns]
        self.pharmacy_days = weekday_set(bags.pharmacy_weekdays)
        self.stability_days = bags.stability_hours / 24.0
        self.policy = bags.where_changed
        self.no_slot_policy = scenario.day_hospital.no_slot_policy

    def _step_up(self, day1: float) -> int:
        """The cycle-1 dose step-up: its day (003:4624-4626), or the next pharmacy day after a holiday.

        Its bag is made that day (M5); the pharmacy makes none on a holiday, so the step-up waits.
        Day 1 is a start weekday, so the step-up's weekday is one too: only a holiday moves it.
        """
        return self.calendar.next_day_in(int(day1) + self.dose.step_up_day - 1, self.pharmacy_days)

    def _forced(self, cycle: int, day1: float) -> list[int]:
        """Changes that must happen on their day: the cycle-1 dose step-up."""
        return [self._step_up(day1)] if cycle == 1 else []

    def _ug(self, cycle: int, day1: float, start: float) -> float:
        """The bag's dose: the starting dose before the cycle-1 step-up, the target dose after."""
        return self._dose_from(start, self._target_dose_day(cycle, day1))

    def _target_dose_day(self, cycle: int, day1: float) -> float:
        """From when bags carry the target dose: the cycle-1 step-up; from the start in later cycles."""
        return self._step_up(day1) if cycle == 1 else -math.inf

    def _dose_from(self, start: float, target_dose_day: float) -> float:
        """The dose of a bag hung at ``start``: the starting dose before the target dose's day."""
        return self.dose.cycle1_start_ug_per_day if start < target_dose_day else self.dose.target_ug_per_day

    def schedule(
        self,
        cycle: int,
        day1: float,
        infusion_end: float,
        planned_discharge: float,
        start: float | None = None,
    ) -> CycleBags:
        """The cycle's bags, changed at home on the weekdays the rule chooses (module docstring).

        ``start``: when the infusion restarts after an interruption (None: day 1).
        """
        forced = self._forced(cycle, day1)
        plans = [
            bag_schedule(
                self.calendar,
                int(day1) if start is None else start,  # type: ignore[arg-type]
                infusion_end,
                planned_discharge,
                pattern,
                self.pharmacy_days,
                self.stability_days,
                forced,
            )
            for pattern in self.patterns
        ]
        fewest = min(len(bags) for bags in plans)
        options = []
        for order, (pattern, bags) in enumerate(zip(self.patterns, plans, strict=True)):
            if len(bags) > fewest:  # never chosen: the sessions free on its days need not be counted
                continue
            home = [int(b.start) for b in bags if b.start > planned_discharge]
            free = sum(self.day_hospital.free(day) for day in home) if self.policy == "day_hospital" else 0
            first = home[0] if home else math.inf
            options.append(((len(bags), -free, first, order), pattern, bags))
        _, pattern, bags = min(options, key=lambda option: option[0])
        return CycleBags(cycle, day1, infusion_end, pattern, bags)

    # --- booking the home phase ---

    def book_home_phase(self, episode: Episode, planned: CycleBags, discharge: float) -> HomeBags:
        """At discharge: a day-hospital session for each home change, or the no-slot policies."""
        bags = planned.bags
        if self.policy != "day_hospital":
            return HomeBags(bags, {})
        where: dict[float, str] = {}
        missed: set[int] = set()
        i = next((k for k, bag in enumerate(bags) if bag.start > discharge), len(bags))
        while i < len(bags):
            change = int(bags[i].start)
            if self.day_hospital.book(episode.profile.index, BAG_CHANGE, change, change) is not None:
                where[change] = "day_hospital"
                i += 1
                continue
            missed.add(change)
            bridged = self._no_slot(episode, planned, bags, i, discharge, missed, where)
            if bridged is None:
                i += 1
            else:
                bags = bridged  # bags[i] now starts on the day moved to, booked on the next pass
        return HomeBags(bags, where)

    def _no_slot(
        self,
        episode: Episode,
        planned: CycleBags,
        bags: list[Bag],
        i: int,
        discharge: float,
        missed: set[int],
        where: dict[float, str],
    ) -> list[Bag] | None:
        """The first no-slot policy that can be carried out for the change starting bag ``i``.

        Returns the bags re-planned by a bridge, or None when the change keeps its day.
        """
        index, change = episode.profile.index, int(bags[i].start)
        for policy in self.no_slot_policy:
            if policy == "bridge":
                bridged = self._bridge(episode, planned, bags, i, discharge, missed)
                if bridged is not None:
                    self.day_hospital.no_session(index, change, "bridge")
                    return bridged
            elif policy == "had_nurse" and episode.route not in HAD_ROUTES:
                continue
            elif policy == "overbook":
                self.day_hospital.overbook(index, BAG_CHANGE, change, change, change)
                where[change] = POLICY_PLACE[policy]
                return None
            elif policy in POLICY_PLACE:
                self.day_hospital.no_session(index, change, policy)
                where[change] = POLICY_PLACE[policy]
                return None
        raise AssertionError("the last no-slot policy always succeeds (scenario validation)")

    def _bridge(
        self,
        episode: Episode,
        planned: CycleBags,
        bags: list[Bag],
        i: int,
        discharge: float,
        missed: set[int],
    ) -> list[Bag] | None:
        """Move the change starting bag ``i`` to a day with a session, and plan the rest again.

        Candidates: pharmacy days within the running bag's stability. Best: fewest bags, then
        nearest the missed day, then the later day. None: no candidate, or the running bag is
        already hung (made for its days), or the change is the C1 dose step-up.
        """
        running, change = bags[i - 1], int(bags[i].start)
        if running.start <= discharge:
            return None
        forced = self._forced(planned.cycle, planned.day1)
        if change in forced:
            return None
        options = []
        for day in range(int(running.start) + 1, math.floor(running.start + self.stability_days + 1e-9) + 1):
            if (
                day >= planned.infusion_end
                or day in missed
                or not self.calendar.opens(day, self.pharmacy_days)
                or not self.day_hospital.can_book(day)
            ):
                continue
            try:
                rest = bag_schedule(
                    self.calendar,
                    day,
                    planned.infusion_end,
                    day,
                    planned.pattern,
                    self.pharmacy_days,
                    self.stability_days,
                    forced,
                    no_change=_NoSession(missed, self.day_hospital),
                )
            except ScheduleError:
                continue
            options.append(((len(rest), abs(day - change), -day), day, rest))
        if not options:
            return None
        _, day, rest = min(options, key=lambda option: option[0])
        replanned = [*bags[: i - 1], Bag(running.start, day), *rest]
        self.record.bridges.append(
            Bridge(
                episode.profile.index,
                planned.cycle,
                change,
                day,
                self._with_dose(planned, bags[i - 1 :]),
                self._with_dose(planned, replanned[i - 1 :]),
            )
        )
        return replanned

    def _with_dose(self, planned: CycleBags, bags: list[Bag]) -> tuple[tuple[float, float, float], ...]:
        return tuple((b.start, b.end, self._ug(planned.cycle, planned.day1, b.start)) for b in bags)

    # --- what happened ---

    def place(
        self,
        episode: Episode,
        planned: CycleBags,
        home: HomeBags | None,
        discharge: float,
        readmissions: list[Admission],
        stop: float,
    ) -> None:
        """Record each bag, and where its change happened: the ward, or at home as booked.

        The bags were made as planned, knowing nothing of the infusion's ``stop`` (its end, or an
        earlier death or early stop): the bag running then is taken down and the rest of its content
        wasted; the bags planned after it are never hung.
        """
        bags, where = (planned.bags, {}) if home is None else (home.bags, home.where)
        target_dose_day = self._target_dose_day(planned.cycle, planned.day1)
        recorded = episode.bags
        for start, planned_end in bags:
            if start >= stop - 1e-9:
                break
            # A change due on the day of discharge is done on the ward, before the patient leaves.
            on_ward = start <= discharge or (
                bool(readmissions) and any(r.admit <= start < r.discharge for r in readmissions)
            )
            # The first bag: hung on day 1 in the bed, or at a restart in hospital (M13).
            first = start == bags[0].start
            place = "ward" if on_ward or first else where.get(start, self.policy)
            ug = self._dose_from(start, target_dose_day)
            made_until = planned_end if planned_end > stop + 1e-9 else None  # taken down early: rest wasted
            recorded.append(BagChange(planned.cycle, start, min(planned_end, stop), ug, place, made_until))
            if place != "ward":
                self._away_from_ward(episode.profile, start, place)

    def _away_from_ward(self, profile: Profile, time: float, where: str) -> None:
        """The patient's round trip, or the courier's, for a change away from the ward."""
        terr = self.territory
        home = profile.home
        if where in ("day_hospital", "ward_visit"):  # IUCT-O: its day hospital, or a visit to its ward
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
