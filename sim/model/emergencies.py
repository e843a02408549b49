"""Severe adverse events at home: the nearest capable hospital first, IUCT-O second.

Once home care is agreed, the nearest hospital is the first recourse and the prescribing IUCT-O
service the second (003:1606-1616, 6083-6101). A severe event at home takes the patient, by road
from home, to the nearest capable hospital of ``geo/hospitals.csv``, IUCT-O among them:

- IUCT-O is the nearest: a bed of the ward at the adverse-event priority, for the event's stay;
  the patient waits at home for it, as any readmission does.
- a peripheral hospital: a bed there for the event's stay; or, with the probability the scenario
  gives the kind of event, a first-recourse stay of ``first_recourse_days`` followed by a transfer
  to an IUCT-O bed (asked for at the adverse-event priority, waited for in the peripheral bed) for
  the rest of the stay. Where the scenario limits the beds a peripheral hospital gives these
  patients, a full one sends the patient on to the next nearest capable hospital.

Why a transfer after a first-recourse stay: the thesis names IUCT-O only as the second recourse,
reached through the first; a stay's length is the event's (M12), wherever it is spent, so a
transfer moves the rest of the stay to IUCT-O and the wait for its bed adds to the peripheral stay.
The HAD slot is kept through the stay and the infusion carries on at home afterwards, as before.
"""

from __future__ import annotations

from contextlib import ExitStack

import simpy

from sim.model.records import (
    ADVERSE_EVENT,
    AdverseEventDraw,
    Episode,
    HomeEmergency,
    Leg,
    Recorder,
    Transfer,
)
from sim.model.ward import Ward
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


class Emergencies:
    """Where severe events at home are cared for; the peripheral hospitals' beds, when limited."""

    def __init__(
        self, env: simpy.Environment, scenario: Scenario, territory: Territory, ward: Ward, record: Recorder
    ):
        self.env = env
        self.spec = scenario.emergencies
        self.hospitals = territory.hospitals
        self.homes_km = territory.hospitals.from_communes
        self.ward = ward
        self.record = record
        centre = self.hospitals.centre
        capacity = self.spec.peripheral_beds
        self.beds = [
            None if capacity is None or row == centre else simpy.Resource(env, capacity=capacity)
            for row in range(len(self.hospitals.table))
        ]

    def first_recourse(self, home: int) -> tuple[int, bool]:
        """The nearest capable hospital by road with a bed free; True if a nearer one was full."""
        if self.spec.first_recourse == "iucto":
            return self.hospitals.centre, False
        # IUCT-O is always among the capable hospitals (checked at load) and always takes the patient:
        # its ward queues the request.
        return next(
            (int(row), rank > 0)
            for rank, row in enumerate(self.hospitals.by_distance[home])
            if self.beds[row] is None or self.beds[row].count < self.beds[row].capacity
        )

    def severe_event(self, episode: Episode, event: AdverseEventDraw):
        """The event's hospital stays, first recourse then IUCT-O; returns them (admit and discharge)."""
        hospital, diverted = self.first_recourse(episode.profile.home)
        emergency = HomeEmergency(episode.profile.index, event.kind, self.env.now, hospital, diverted)
        self.record.home_emergencies.append(emergency)
        if hospital == self.hospitals.centre:
            admission = yield from self._iucto_stay(episode, event.stay)
            emergency.admit, emergency.discharge = admission.admit, admission.discharge
            return [admission]
        transfer = (
            event.transfer_u < self.spec.transfer_probability.get(event.kind, 0.0)
            and event.first_recourse_days < event.stay
        )
        with ExitStack() as peripheral_bed:
            beds = self.beds[hospital]
            if beds is not None:
                yield peripheral_bed.enter_context(beds.request())  # free: first_recourse checked
            emergency.admit = self.env.now
            self._leg(episode, hospital)
            if not transfer:
                yield self.env.timeout(event.stay)
                emergency.discharge = self.env.now
                self._leg(episode, hospital)
                return [emergency]
            yield self.env.timeout(event.first_recourse_days)
            rest = event.stay - event.first_recourse_days
            admission = yield from self._iucto_stay(episode, rest, (emergency, peripheral_bed))
        return [emergency, admission]

    def _iucto_stay(
        self, episode: Episode, days: float, transfer_from: tuple[HomeEmergency, ExitStack] | None = None
    ):
        """An IUCT-O bed at the adverse-event priority for ``days``: from home, or by transfer.

        A transferred patient leaves the peripheral stay (and its bed) when the IUCT-O bed is granted.
        """
        with self.ward.request(ADVERSE_EVENT, episode, from_home=transfer_from is None) as bed:
            yield from self.ward.admit(bed)
            if transfer_from is not None:
                emergency, peripheral_bed = transfer_from
                self._transfer(episode, emergency)
                peripheral_bed.close()
            if days > 0:
                episode.bed_days["adverse_event"] += days
                yield self.env.timeout(days)
            self.ward.discharge(bed)
        return bed.admission

    def _transfer(self, episode: Episode, emergency: HomeEmergency) -> None:
        """The peripheral stay ends: the patient is taken to the IUCT-O bed just granted."""
        emergency.discharge = self.env.now
        emergency.transferred = True
        to_centre = self.hospitals.to_centre
        row = emergency.hospital
        self.record.transfers.append(
            Transfer(episode.profile.index, self.env.now, row, to_centre.km[row, 0], to_centre.hours[row, 0])
        )

    def _leg(self, episode: Episode, hospital: int) -> None:
        """One-way journey between home and a peripheral hospital, in or out of its stay."""
        home = episode.profile.home
        km, hours = self.homes_km.km[home, hospital], self.homes_km.hours[home, hospital]
        self.record.legs.append(Leg(episode.profile.index, self.env.now, km, hours, hospital))
