"""What the model records, each kind of record declared once and read by field name.

The records are plain values appended while the simulation runs; ``sim.measures.frames`` turns
them into tables. "None" is explicit (``None``), never a -1 or NaN stand-in: an admission still
waiting for its bed has ``admit=None``, another acute-leukemia patient's admission ``episode=None``.
Time is in days from simulation day 0.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import NamedTuple

import numpy as np

# Admission kinds (recorded with every bed request).
EMERGENCY, PLANNED, BLINA_START, ADVERSE_EVENT = 0, 1, 2, 3
ADMISSION_KINDS = ("emergency", "planned", "blinatumomab_cycle_start", "adverse_event")
# How a blinatumomab cycle start (kind BLINA_START) asked for its bed: cycle 1 on the waiting list from
# referral, a later cycle on its booked day, or the urgent pre-phase before cycle 1.
FIRST_ADMISSION, BOOKED_START, PRE_PHASE = 0, 1, 2
START_TYPES = ("first_admission", "booked_start", "pre_phase")
ROUTES = ("had", "derogation", "convention", "inpatient")
# Why home care was asked of someone: at the cycle-1 decision, of the zone's other HAD when the
# first was full, or of a fallback after waiting for room at the zone's full HADs.
REQUEST_REASONS = ("referral", "zone_partner", "full")
BED_CAUSES = (
    "pre_phase",
    "waiting_start_day",
    "cycle_start",
    "waiting_home_care",
    "adverse_event",
    "inpatient_only",
)
CHANGE_PLACES = ("ward", "day_hospital", "home", "nearest_hospital", "ward_visit")
# How a blinatumomab patient's day-hospital request ended: a session ("free", "displaced": taken from
# another patient's booking that could still move, "overbook": above capacity), or, for a bag change
# with no session to be had, the no-slot policy carried out ("bridge", "ward", "had_nurse").
SESSION_OUTCOMES = ("free", "displaced", "overbook")
NO_SLOT_OUTCOMES = ("bridge", "ward", "had_nurse")
BAG_CHANGE = "bag_change"  # purpose of a trip or a day-hospital request; a visit's purpose is its name


# --- beds ---


class BedLevel(NamedTuple):
    """Beds occupied from ``time`` on (a step of the occupancy curve)."""

    time: float
    level: int


@dataclass(slots=True)
class Admission:
    """One bed request, filled in as the patient is admitted and discharged."""

    kind: int  # EMERGENCY, PLANNED, BLINA_START or ADVERSE_EVENT
    request: float
    admit: float | None = None  # None: still waiting for a bed when the run stopped
    discharge: float | None = None  # None: still in the bed when the run stopped
    episode: int | None = None  # None: another acute-leukemia patient (background demand)
    start_type: int | None = None  # a cycle start's FIRST_ADMISSION, BOOKED_START or PRE_PHASE


# --- travel and logistics ---


class Leg(NamedTuple):
    """A one-way journey between home and a hospital, in or out of a stay."""

    episode: int
    time: float
    km: float
    hours: float
    hospital: int | None = None  # None: IUCT-O; else a peripheral hospital (row of territory.hospitals)


class Transfer(NamedTuple):
    """A patient taken from a peripheral hospital to an IUCT-O bed (one way)."""

    episode: int
    time: float
    hospital: int  # where from (row of territory.hospitals)
    km: float
    hours: float


class Trip(NamedTuple):
    """A round trip from home: for a bag change away from home, or a visit to IUCT-O's day hospital."""

    episode: int
    time: float
    origin: int  # the home commune (row of territory.communes)
    destination: int | None  # hospital (row of territory.hospitals); None: IUCT-O's day hospital
    km: float
    hours: float
    purpose: str = BAG_CHANGE  # or the name of the visit (day_hospital.visits)


class Delivery(NamedTuple):
    """A courier taking a bag from the IUCT-O pharmacy to where it is changed (round trip km)."""

    episode: int
    time: float
    km: float


# --- the day hospital ---


@dataclass(slots=True, frozen=True)
class DayHospitalDays:
    """Per simulated day to the horizon: its weekday, the sessions open, those held for blinatumomab."""

    weekday: np.ndarray  # 0 = Monday
    capacity: np.ndarray
    reserved: np.ndarray
    closed: np.ndarray | None = None  # True on a public holiday (no session); None: no holiday


class BackgroundRow(NamedTuple):
    """One of ``BackgroundBookings``'s rows (see there), as read at one time."""

    requested: int
    due: int
    latest: int
    day: int | None
    displaced: int


@dataclass(slots=True)
class BackgroundBookings:
    """Other patients' day-hospital sessions, one column per field; request ``i`` is row ``i``, in the
    order the requests are made.

    Asked for on day ``requested[i]``, due on ``due[i]``; any day up to ``latest[i]`` (due + tolerance)
    will do; ``day[i]`` is the day it is booked on now (None: waiting in the backlog, no session in
    its window); ``displaced[i]`` the times a blinatumomab patient took its session. Columns rather
    than an object per request: a replication books about 44,000 of them in the day hospital's
    tightest loop, where building one object each cost a third of the model's time.
    """

    requested: list[int] = field(default_factory=list)
    due: list[int] = field(default_factory=list)
    latest: list[int] = field(default_factory=list)
    day: list[int | None] = field(default_factory=list)
    displaced: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.day)

    def __getitem__(self, row: int) -> BackgroundRow:
        """Row ``row`` as it is now (a copy: later bookings do not change it)."""
        return BackgroundRow(
            self.requested[row], self.due[row], self.latest[row], self.day[row], self.displaced[row]
        )

    def __iter__(self) -> Iterator[BackgroundRow]:
        return map(self.__getitem__, range(len(self)))

    def add(self, requested: int, due: int, latest: int, day: int | None = None) -> int:
        """One more request (its row), booked on ``day`` if given."""
        self.requested.append(requested)
        self.due.append(due)
        self.latest.append(latest)
        self.day.append(day)
        self.displaced.append(0)
        return len(self.day) - 1


@dataclass(slots=True)
class BlinaBooking:
    """A day-hospital session asked for a blinatumomab patient: a bag change or a visit.

    Bag changes are asked for their day (``due`` = ``latest``), visits for a window.
    """

    episode: int
    purpose: str  # BAG_CHANGE or the visit's name
    requested: float  # when it was asked for (the discharge that starts the home phase)
    due: int
    latest: int
    day: int | None  # the session's day; None: no session (a NO_SLOT_OUTCOMES policy)
    outcome: str  # one of SESSION_OUTCOMES or NO_SLOT_OUTCOMES
    over_capacity: bool = False  # an overbooked session still above the day's capacity
    cancelled: bool = False  # the patient was in hospital that day: the session went unused


class Bridge(NamedTuple):
    """A bag change moved to another day because no session could be had on its own.

    The bags from the one before the missed change to the end of the cycle, as planned and as
    re-planned (start, end, ug/day each): their difference is the extra bags and vials.
    """

    episode: int
    cycle: int
    missed: int
    moved_to: int
    planned: tuple[tuple[float, float, float], ...]
    replanned: tuple[tuple[float, float, float], ...]


# --- home care ---


class HadStay(NamedTuple):
    """An HAD's pump and daily nurse visit held for a patient: granted in the bed, to the infusion end."""

    had: int  # row of territory.hads
    start: float
    end: float
    episode: int


@dataclass(slots=True, frozen=True)
class HadCensus:
    """What each HAD can do, and the daily visits its other patients ask for (drawn before the run)."""

    pumps: np.ndarray  # per HAD
    visits_per_day: np.ndarray  # per HAD: nurse visits a day
    demand: np.ndarray  # (HADs, days): other patients in the HAD's care on each day, one visit each


class HomeCareRequest(NamedTuple):
    """Home care asked for an episode: of an HAD or a convention, and from when it can start."""

    episode: int
    cycle: int
    time: float
    route: str  # "had", "derogation" or "convention"
    had: int | None  # None: a convention
    ready: float
    reason: str  # one of REQUEST_REASONS
    reused: bool  # a convention already in use in the patient's canton


class HomeCareWait(NamedTuple):
    """A cycle's wait in the bed for home care, once the compulsory inpatient days are over."""

    episode: int
    cycle: int
    start: float
    setup_days: float  # until someone asked could start
    room_days: float  # then until a ready HAD had a pump and a visit free
    route: str | None  # how the patient went home; None: the infusion ended in the bed
    had: int | None


class DischargeDayWait(NamedTuple):
    """Days in the bed, home care being ready, until a day it may begin (a weekday, not a holiday)."""

    episode: int
    cycle: int
    start: float
    days: float


class Interruption(NamedTuple):
    """The infusion stopped for a severe event (``kind``, the first if several overlap) and restarted."""

    episode: int
    cycle: int
    kind: str
    start: float
    restart: float  # inf: never restarted (a death or an early stop came first; the infusion ended)


class HomeSegment(NamedTuple):
    """A stretch of the home phase spent at home (between readmissions)."""

    start: float
    end: float


# --- emergencies at home ---


@dataclass(slots=True)
class HomeEmergency:
    """A severe adverse event at home, and its first-recourse stay (003:1606-1616, 6083-6101).

    ``hospital`` is the centre's row for an event taken straight to an IUCT-O bed; the stay is then
    that IUCT-O admission. A peripheral stay ends at discharge home, or at the transfer to IUCT-O.
    """

    episode: int
    kind: str
    onset: float
    hospital: int  # row of territory.hospitals
    diverted: bool  # a nearer capable hospital had no bed free
    admit: float | None = None  # None: still waiting for an IUCT-O bed when the run stopped
    discharge: float | None = None  # None: still there when the run stopped
    transferred: bool = False


# --- the episode ---


class BagChange(NamedTuple):
    """One infusion bag: hung at ``start`` where the change happened (a CHANGE_PLACES entry).

    A bag is made for its planned days; when the infusion stops before its planned change (a death,
    an early stop), it is taken down at ``end`` and ``made_until`` is the end it was made for.
    """

    cycle: int
    start: float
    end: float
    dose: float  # ug/day
    where: str
    made_until: float | None = None  # None: taken down when planned (the end it was made for)

    @property
    def made_days(self) -> float:
        """The days of infusion the bag was made for."""
        return (self.end if self.made_until is None else self.made_until) - self.start


class CycleStartWait(NamedTuple):
    """The wait for a cycle-start bed."""

    request: float
    wait: float


class AdverseEventDraw(NamedTuple):
    kind: str
    onset: float  # days after day 1 of the cycle
    stay: float  # days in hospital, wherever spent
    transfer_u: float  # at home: a peripheral stay ends in a transfer if below the kind's probability
    first_recourse_days: float  # days at the peripheral hospital before such a transfer


@dataclass(slots=True)
class Profile:
    """Everything random about one episode, drawn from its indication's streams before the run."""

    index: int  # in order of referral, all indications merged
    arrival: float
    indication: str  # a key of blinatumomab.indications
    home: int  # row of territory.communes
    n_cycles: int
    outcome: str  # "death", "early_stop" or "completed" (drawn for single-cycle episodes)
    death_day: float
    early_stop_day: float
    never_home: bool  # an early stop spent entirely in hospital
    dies_inpatient: bool  # a death in cycle 1 after a cycle spent entirely in hospital
    pre_phase: bool
    pre_phase_days: float
    adverse: list[list[AdverseEventDraw]]  # per cycle given (index 0 = cycle 1), severe events only
    startup_delay: float
    training_delay: float
    derogation_extra: float
    convention_delay: float
    ars_acceptance_u: float  # the ARS grants a derogation when below the acceptance probability


@dataclass(slots=True)
class Episode:
    """What happened to one episode: the per-patient record the outputs are built from."""

    profile: Profile
    route: str | None = None  # one of ROUTES: asked at referral, then the one that took cycle 1 home
    had: int | None = None  # HAD (row of territory.hads) asked at referral, then of the latest home phase
    ready_time: float = 0.0  # when the home care asked at referral can start
    cycles_started: int = 0
    exit_time: float | None = None  # None: still being treated when the run stopped
    died: bool = False
    bed_days: dict[str, float] = field(default_factory=lambda: dict.fromkeys(BED_CAUSES, 0.0))
    home_segments: list[HomeSegment] = field(default_factory=list)
    cycle_start_waits: list[CycleStartWait] = field(default_factory=list)
    bags: list[BagChange] = field(default_factory=list)


@dataclass(slots=True)
class Recorder:
    """Everything recorded in one replication, appended to while the model runs."""

    day_hospital_days: DayHospitalDays  # sessions open, set before the run
    bed_level: list[BedLevel] = field(default_factory=lambda: [BedLevel(0.0, 0)])
    bed_capacity: list[BedLevel] = field(default_factory=list)  # beds open from each time (calendars, events)
    admissions: list[Admission] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    background_bookings: BackgroundBookings = field(default_factory=BackgroundBookings)
    blina_bookings: list[BlinaBooking] = field(default_factory=list)
    bridges: list[Bridge] = field(default_factory=list)
    had_stays: list[HadStay] = field(default_factory=list)
    home_emergencies: list[HomeEmergency] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    had_census: HadCensus | None = None  # drawn when home care is set up
    home_care_requests: list[HomeCareRequest] = field(default_factory=list)
    home_care_waits: list[HomeCareWait] = field(default_factory=list)
    discharge_day_waits: list[DischargeDayWait] = field(default_factory=list)
    interruptions: list[Interruption] = field(default_factory=list)
    episodes: list[Episode] = field(default_factory=list)
    end_time: float = 0.0  # when the run stopped (after the referred episodes finished)

    def discard(self) -> None:
        """Empty every list of records (once measured): freed then by reference counts, where the run's
        processes left alive at its end hold the recorder in a reference cycle, for the cyclic collector
        to scan record by record."""
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, list):
                value.clear()
        for column in fields(self.background_bookings):
            getattr(self.background_bookings, column.name).clear()
