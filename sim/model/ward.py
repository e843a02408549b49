"""IUCT-O's ward: the beds, shared by blinatumomab patients and the other acute-leukemia inpatients.

A bed is asked for in a ``with`` block, as in SimPy's own examples; the bed goes back to the ward
when the block is left, so none can be kept by mistake:

    with ward.request(BLINA_START, episode) as bed:
        yield from ward.admit(bed)
        ...
        ward.discharge(bed)

Every admission is recorded with its wait, every change of the occupancy, and the patient's journeys
in from home and back.
"""

from __future__ import annotations

import simpy
from simpy.resources.resource import PriorityRequest

from sim.model.draws import BackgroundAdmissions
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    EMERGENCY,
    PLANNED,
    Admission,
    BedLevel,
    Episode,
    Leg,
    Recorder,
)
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory


class BedRequest(PriorityRequest):
    """A request for a bed, with the record of its admission; leaving its ``with`` block frees the bed."""

    def __init__(self, ward: Ward, kind: int, episode: Episode | None, from_home: bool = True) -> None:
        self.episode = episode
        self.from_home = from_home  # False: transferred from another hospital (that journey is its own)
        self.admission = Admission(
            kind, ward.env.now, episode=None if episode is None else episode.profile.index
        )
        ward.record.admissions.append(self.admission)
        super().__init__(ward.beds, ward.priority[kind])


class Ward:
    """The beds, each request served at the scenario's priority for its kind of admission."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, territory: Territory, record: Recorder):
        self.env = env
        self.territory = territory
        self.record = record
        self.beds = simpy.PriorityResource(env, capacity=scenario.beds.capacity)
        self.occupied = 0  # beds taken, as recorded in the occupancy curve
        priorities = scenario.beds.priorities
        self.priority = {
            EMERGENCY: priorities.emergency,
            PLANNED: priorities.planned,
            BLINA_START: priorities.blinatumomab_cycle_start,
            ADVERSE_EVENT: priorities.adverse_event,
        }

    def request(self, kind: int, episode: Episode | None = None, from_home: bool = True) -> BedRequest:
        """Ask for a bed, at the priority of the admission's kind; ``episode`` None: another patient."""
        return BedRequest(self, kind, episode, from_home)

    def admit(self, bed: BedRequest):
        """Wait for the bed, then take it (a blinatumomab patient comes in from home)."""
        yield bed
        bed.admission.admit = self.env.now
        self._level(+1)
        if bed.episode is not None and bed.from_home:
            self._leg(bed.episode)

    def discharge(self, bed: BedRequest, died: bool = False) -> None:
        """Record the discharge (the bed itself is freed as its ``with`` block is left)."""
        bed.admission.discharge = self.env.now
        if bed.episode is not None and not died:
            self._leg(bed.episode)  # the patient goes home
        self._level(-1)

    def _level(self, delta: int) -> None:
        self.occupied += delta
        self.record.bed_level.append(BedLevel(self.env.now, self.occupied))

    def _leg(self, episode: Episode) -> None:
        """One-way journey between home and IUCT-O for an admission or a discharge."""
        home = episode.profile.home
        to_centre = self.territory.to_centre
        self.record.legs.append(
            Leg(episode.profile.index, self.env.now, to_centre.km[home, 0], to_centre.hours[home, 0])
        )

    # --- other acute-leukemia inpatients ---

    def other_patients(self, admissions: BackgroundAdmissions):
        """Other acute-leukemia inpatients sharing the beds (M3, docs/sources.md; all assumptions)."""
        for t, stay, urgent in zip(admissions.times, admissions.stays, admissions.emergency):
            yield self.env.timeout(t - self.env.now)
            self.env.process(self._other_stay(EMERGENCY if urgent else PLANNED, float(stay)))

    def _other_stay(self, kind: int, days: float):
        with self.request(kind) as bed:
            yield from self.admit(bed)
            yield self.env.timeout(days)
            self.discharge(bed)
