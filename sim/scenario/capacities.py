"""Scenario sections for the capacities: beds, the day hospital, home care (HADs), emergencies at home."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    field_validator,
)

from sim.scenario.bounds import (
    MAX_CYCLE_DAYS,
    MAX_PLACES,
    MAX_SESSIONS,
    BackgroundPerDay,
    Beds,
    Days,
    Km,
    Places,
    PositiveDays,
    Priority,
    Probability,
    Sessions,
)
from sim.scenario.common import Weekday, _Section
from sim.scenario.distributions import Distribution
from sim.scenario.errors import shown


class Priorities(_Section):
    """Admission priorities: lower goes first; equal priorities are served first come, first served."""

    emergency: Priority = 0
    adverse_event: Priority = 0
    planned: Priority = 2
    blinatumomab_first_admission: Priority = Field(
        2, description="Cycle 1 without a pre-phase: the referral's request, on the planned waiting list."
    )
    blinatumomab_booked_start: Priority = Field(
        1, description="A later cycle, asking for its bed on its booked day (previous end + rest)."
    )
    blinatumomab_pre_phase: Priority = Field(
        0, description="The pre-phase (cytoreduction) before cycle 1, admitted as urgent."
    )


class BackgroundBeds(_Section):
    arrivals_per_day: BackgroundPerDay
    emergency_share: Probability
    length_of_stay: Distribution
    seasonal_amplitude: Probability = 0.0
    seasonal_peak_day_of_year: Annotated[int, Field(ge=1, le=366)] = 15


class BedsConfig(_Section):
    capacity: Beds
    priorities: Priorities = Field(default_factory=Priorities)
    background: BackgroundBeds


NoSlotPolicy = Literal["bridge", "ward", "had_nurse", "overbook"]


ALWAYS_POSSIBLE: tuple[str, ...] = ("ward", "overbook")  # no-slot policies that never fail


MAX_TOLERANCE_DAYS = 365


class BackgroundSessions(_Section):
    """Other patients' day-hospital sessions: requests due each background weekday, booked ahead."""

    requests_per_day: float = Field(
        ge=0, le=MAX_SESSIONS, description="Mean requests due on each background weekday (Poisson)."
    )
    weekdays: list[Weekday] = Field(
        default_factory=lambda: ["mon", "tue", "wed", "thu", "fri"],
        min_length=1,
        description="Weekdays other patients' sessions fall due on.",
    )
    lead_days: Distribution = Field(description="Days from the request to the due day (rounded to whole).")
    tolerance_days: int = Field(
        ge=0, le=MAX_TOLERANCE_DAYS, description="Days after the due day a session may still be booked on."
    )


class Visit(_Section):
    """A per-cycle visit of a blinatumomab patient at home to IUCT-O's day hospital."""

    after: Literal["day1", "infusion_end"] = Field(description="The day the offset counts from.")
    offset_days: int = Field(ge=0, le=MAX_CYCLE_DAYS, description="Days after it.")
    tolerance_days: int = Field(
        ge=0, le=MAX_TOLERANCE_DAYS, description="Days the visit may slip before it counts as deferred."
    )


class DayHospitalConfig(_Section):
    sessions_per_weekday: dict[Weekday, Sessions] = Field(description="A weekday not named has none.")
    background: BackgroundSessions
    reserved_per_pattern_day: Sessions = Field(
        0, description="Sessions held for blinatumomab patients on each weekday of a bag-change pattern."
    )
    reserved_release_days: int = Field(
        1,
        ge=0,
        le=MAX_TOLERANCE_DAYS,
        description="Days before its day a held session still unused is released.",
    )
    no_slot_policy: list[NoSlotPolicy] = Field(
        min_length=1,
        description="What is done, in order, when a bag change finds no session; ends with ward or overbook.",
    )
    visits: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$", max_length=50)], Visit] = Field(
        default_factory=dict, description="Per-cycle visits of patients at home, by name."
    )

    @field_validator("no_slot_policy")
    @classmethod
    def _ends_with_a_sure_policy(cls, policies: list[str]) -> list[str]:
        if policies[-1] not in ALWAYS_POSSIBLE or len(set(policies)) < len(policies):
            raise ValueError(
                f"expected distinct policies ending with {' or '.join(ALWAYS_POSSIBLE)} (always possible), "
                f"found {shown(policies)}"
            )
        return policies


class HadCensus(_Section):
    """The HAD's other patients: each takes one nurse visit a day, as a blinatumomab patient does."""

    patients_per_100k: float = Field(
        ge=0,
        le=100_000,
        description="Other patients in an HAD's care on an average day, per 100,000 inhabitants of its zone.",
    )
    stay_days: PositiveDays = Field(description="Mean HAD stay of other patients (how fast its census moves)")
    staffing_sd: float = Field(
        ge=0,
        le=10,
        description="Nurses staffed for the mean daily visits plus this many standard deviations of the "
        "census (Poisson): an HAD's visits a day, unless visits_per_day_by_had names it.",
    )


class HomeCare(_Section):
    fallback: list[Literal["derogation", "convention", "inpatient"]] = Field(min_length=1)
    derogation_max_km: Km = Field(description="Road km from home to the nearest site of the derogating HAD.")
    derogation_acceptance_probability: Probability = Field(
        description="Chance that the ARS grants a derogation a bordering HAD within reach asks for."
    )
    startup_delay_days: Distribution
    startup_delay_factor_by_had: dict[str, Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict, description="Multiplies an HAD's start-up delay (reactivity); 1 if not named."
    )
    training_delay_days: Distribution
    retraining_after_days: PositiveDays = 365.0
    derogation_extra_days: Distribution
    convention_delay_days: Distribution
    convention_reuse_days: Days = Field(
        365.0, description="A convention used in a canton within this many days serves its next patient."
    )
    fallback_after_days: Days = Field(
        description="Days a patient waits in a bed for room at the full HADs of the zone before the "
        "fallbacks are asked as well (the first ready with room takes the patient)."
    )
    pumps: Places = Field(
        description="Infusion pumps (Mini Rythmic NP+) per HAD: one per blinatumomab patient at home."
    )
    pumps_by_had: dict[str, Annotated[int, Field(ge=0, le=MAX_PLACES)]] = Field(
        default_factory=dict, description="Pumps of the HADs named (0: not equipped)."
    )
    visits_per_day_by_had: dict[str, Annotated[int, Field(ge=0, le=MAX_SESSIONS)]] = Field(
        default_factory=dict, description="Nurse visits a day an HAD can make, instead of the census rule."
    )
    census: HadCensus
    experienced_at_start: list[str] = Field(default_factory=list)

    @field_validator("fallback")
    @classmethod
    def _ends_inpatient(cls, fallback: list[str]) -> list[str]:
        if fallback[-1] != "inpatient":
            raise ValueError(
                f"expected 'inpatient' last (someone has to give the infusion), found {shown(fallback)}"
            )
        return fallback


AdverseEventKind = Literal["cytokine_release", "neurotoxicity", "infection"]


class Emergencies(_Section):
    """Severe adverse events at home: nearest capable hospital first, IUCT-O second (003:1606-1616).

    The hospitals are ``geo/hospitals.csv``. A first-recourse stay at a peripheral hospital ends,
    with the kind's transfer probability, in a transfer to an IUCT-O bed after ``first_recourse_days``
    (the rest of the event's stay is spent there); otherwise the whole stay is spent there.
    """

    first_recourse: Literal["nearest_hospital", "iucto"] = Field(
        description="nearest_hospital: the nearest capable hospital by road (IUCT-O if nearest); "
        "iucto: every severe event at home straight to an IUCT-O bed."
    )
    transfer_probability: dict[AdverseEventKind, Probability] = Field(
        description="Per kind of event: probability that a peripheral stay ends in a transfer to IUCT-O; "
        "a kind not named is never transferred."
    )
    first_recourse_days: Distribution = Field(
        description="Days at the peripheral hospital before a transfer (then it waits for an IUCT-O bed)."
    )
    peripheral_beds: Places | None = Field(
        description="Blinatumomab patients one peripheral hospital takes at once; null: no limit. "
        "A full hospital sends the patient to the next nearest capable one."
    )
