"""What limits an HAD: its infusion pumps, and its nurses' daily visits shared with its other patients.

A blinatumomab patient at home needs a pump (the Mini Rythmic NP+, which every HAD had to buy,
003:5935-5958) and a nurse visit every day (003:4974-4993). Each of the HAD's other patients, a
census drawn before the run, takes one visit a day too. An HAD takes a patient when one of its
pumps is free and its nurses have a visit left today; the patient keeps both to the end of the
infusion, so other patients asking for more visits than are left are deferred (counted after the
run, in ``sim.measures``). The nurses are staffed for the mean census plus a margin.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import simpy

from sim.model.draws import Draws
from sim.model.records import HadCensus, HadStay, Recorder
from sim.scenario.schema import HomeCare as HomeCareSpec
from sim.territory.catchment import Territory


def census_means(spec: HomeCareSpec, territory: Territory) -> np.ndarray:
    """Mean number of other patients in each HAD's care: per head of its zone's population."""
    return spec.census.patients_per_100k * territory.zone_population / 100_000


def visits_per_day(spec: HomeCareSpec, territory: Territory) -> np.ndarray:
    """Nurse visits each HAD can make a day: staffed for its mean census plus ``staffing_sd`` sd.

    The mean counts the patients in care at some time of a day (a stay's last day is visited too).
    """
    daily_mean = census_means(spec, territory) * (1 + 1 / spec.census.stay_days)
    staffed = np.ceil(daily_mean + spec.census.staffing_sd * np.sqrt(daily_mean)).astype(np.int64)
    for had, visits in spec.visits_per_day_by_had.items():
        staffed[territory.hads.index.get_loc(had)] = visits
    return staffed


def pumps(spec: HomeCareSpec, territory: Territory, merges: dict[str, str]) -> np.ndarray:
    """Pumps of each HAD; an HAD taking over another also takes over its pumps."""
    ids = territory.hads.index
    count = np.array([spec.pumps_by_had.get(h, spec.pumps) for h in ids], dtype=np.int64)
    for absorbed, absorber in merges.items():
        count[ids.get_loc(absorber)] += count[ids.get_loc(absorbed)]
        count[ids.get_loc(absorbed)] = 0
    return count


@dataclass(slots=True)
class Booking:
    """A pump and a daily visit of an HAD held for a patient; given back when its ``with`` block ends."""

    capacity: HadCapacity
    had: int
    episode: int
    start: float
    end: float | None = None  # None: still held

    def __enter__(self) -> Booking:
        return self

    def __exit__(self, *exc: object) -> None:
        self.capacity.release(self)


class HadCapacity:
    """Each HAD's pumps and nurse visits, the bookings holding them, and the other patients' visits."""

    def __init__(self, env: simpy.Environment, census: HadCensus, record: Recorder):
        self.env = env
        self.census = census
        self.record = record
        self.bookings: list[list[Booking]] = [[] for _ in census.pumps]  # held, or given back today
        self.changed = env.event()  # succeeds when a booking is given back, then is replaced

    @classmethod
    def drawn(
        cls,
        env: simpy.Environment,
        spec: HomeCareSpec,
        territory: Territory,
        merges: dict[str, str],
        draws: Draws,
        n_days: int,
        record: Recorder,
    ) -> HadCapacity:
        """The HADs' capacity with their other patients drawn for ``n_days`` (recorded in ``record``)."""
        census = HadCensus(
            pumps=pumps(spec, territory, merges),
            visits_per_day=visits_per_day(spec, territory),
            demand=draws.had_census(census_means(spec, territory), spec.census.stay_days, n_days),
        )
        record.had_census = census
        return cls(env, census, record)

    def free_pumps(self, had: int) -> int:
        held = sum(1 for b in self.bookings[had] if b.end is None)
        return int(self.census.pumps[had]) - held

    def free_visits_today(self, had: int) -> int:
        """Visits left today: a patient whose booking ended today was visited today too."""
        today = math.floor(self.env.now)
        self.bookings[had] = [b for b in self.bookings[had] if b.end is None or b.end > today]
        demand = self.census.demand[had]
        others = int(demand[min(today, len(demand) - 1)])
        return int(self.census.visits_per_day[had]) - others - len(self.bookings[had])

    def has_room(self, had: int) -> bool:
        return self.free_pumps(had) > 0 and self.free_visits_today(had) > 0

    def book(self, had: int, episode: int) -> Booking:
        """Hold a pump and a daily visit of ``had`` (which must have room) for ``episode``."""
        if not self.has_room(had):
            raise RuntimeError(f"HAD {had} has no room at t={self.env.now}")
        booking = Booking(self, had, episode, self.env.now)
        self.bookings[had].append(booking)
        return booking

    def release(self, booking: Booking) -> None:
        booking.end = self.env.now
        self.record.had_stays.append(HadStay(booking.had, booking.start, booking.end, booking.episode))
        changed, self.changed = self.changed, self.env.event()
        changed.succeed()
