"""The scenario schema: every parameter a scenario file may set, with its type and bounds.

One pydantic model per section of the YAML file; ``Scenario`` is the whole. Loading, ``extends:``
and error messages are in ``sim.scenario.files``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.bounds import (
    MAX_CYCLE_DAYS,
    MAX_CYCLES,
    MAX_EPISODES_PER_YEAR,
    MAX_KM,
    MAX_PLACES,
    MAX_SESSIONS,
    BackgroundPerDay,
    Beds,
    Circuity,
    CycleCount,
    CycleDays,
    Days,
    Episodes,
    Euros,
    Growth,
    Km,
    Kmh,
    LeadDays,
    Places,
    PositiveDays,
    Priority,
    Probability,
    Replications,
    RestDays,
    Seed,
    Sessions,
    StartDate,
    UgPerDay,
    VialUg,
    WarmupDays,
    Weights,
    Years,
)
from sim.scenario.distributions import Distribution, Empirical
from sim.scenario.errors import rule_error, shown

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Group = Literal["phi_neg_rr", "phi_pos_rr", "mrd_pos"]
GROUPS: tuple[str, ...] = ("phi_neg_rr", "phi_pos_rr", "mrd_pos")
DAYS_PER_YEAR = 365.25  # simulated time is in days; a year is a mean Julian year


class _Section(BaseModel):
    # strict: no true for 1, no 1 for true, no "18" for 18; allow_inf_nan: no .inf or .nan anywhere.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class RunConfig(_Section):
    years: Years = Field(5.0, description="Simulated years after the warm-up.")
    warmup_days: WarmupDays = Field(365.0, description="Days simulated before statistics start.")
    # strict=False: a date, or its YYYY-MM-DD text (as saved result folders hold it)
    start_date: StartDate = Field(
        dt.date(2026, 1, 5), strict=False, description="Calendar date of simulation day 0."
    )
    replications: Replications = 20
    seed: Seed = 20261123

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_not_number(cls, value: Any) -> Any:
        if not isinstance(value, dt.date | str):  # lax dates would read a number as a Unix time
            raise ValueError(f"expected a date (YYYY-MM-DD), found {shown(value)}")
        return value

    @property
    def horizon(self) -> float:
        """End of the statistics window, in days from day 0 (the window is [warmup_days, horizon])."""
        return self.warmup_days + self.years * DAYS_PER_YEAR

    @property
    def horizon_whole_days(self) -> int:
        """Whole simulated days up to the horizon (rows of the daily tables)."""
        return math.ceil(self.horizon)


# Travel (docs/sources.md, Territory and travel; checked against road times in docs/travel.md).
# Circuity is higher where roads wind: the Pyrenees (09, 65 and the arrondissement of
# Saint-Gaudens, 312) and the Massif Central (12, 46 and the arrondissement of Albi, 811).
PYRENEES_CIRCUITY, MASSIF_CENTRAL_CIRCUITY = 1.38, 1.35
DepartmentCode = Annotated[str, Field(pattern=r"^(\d{2}|2A|2B|97\d)$")]
ArrondissementCode = Annotated[str, Field(pattern=r"^(\d{2}|2A|2B|97\d)\d$")]


class SpeedBandsConfig(_Section):
    """Speeds on ordinary roads, by slice of a trip's road km: the first km are the slowest."""

    local_up_to_km: Annotated[float, Field(gt=0, le=MAX_KM)] = 15.0
    local_kmh: Kmh = 45.0
    regional_up_to_km: Annotated[float, Field(gt=0, le=MAX_KM)] = 50.0
    regional_kmh: Kmh = 65.0
    long_kmh: Kmh = Field(80.0, description="Speed beyond regional_up_to_km.")

    @model_validator(mode="after")
    def _limits_increase(self) -> SpeedBandsConfig:
        if self.regional_up_to_km < self.local_up_to_km:
            raise rule_error(
                "regional_up_to_km",
                f"expected at least local_up_to_km ({self.local_up_to_km:g}), "
                f"found {self.regional_up_to_km:g}",
            )
        return self


class TravelConfig(_Section):
    circuity: Circuity = Field(1.3, description="Road km per great-circle km on ordinary roads.")
    circuity_by_department: dict[DepartmentCode, Circuity] = Field(
        default_factory=lambda: {
            "09": PYRENEES_CIRCUITY,
            "65": PYRENEES_CIRCUITY,
            "12": MASSIF_CENTRAL_CIRCUITY,
            "46": MASSIF_CENTRAL_CIRCUITY,
        },
        description="Circuity of trips from a department's communes.",
    )
    circuity_by_arrondissement: dict[ArrondissementCode, Circuity] = Field(
        default_factory=lambda: {"312": PYRENEES_CIRCUITY, "811": MASSIF_CENTRAL_CIRCUITY},
        description="Circuity of trips from an arrondissement's communes (wins over its department's).",
    )
    terminal_minutes: float = Field(10.0, ge=0, le=24 * 60, description="At most a day.")
    speed_bands: SpeedBandsConfig = Field(default_factory=SpeedBandsConfig)
    motorway_kmh: Kmh = Field(100.0, description="Mean speed on motorway corridors, exits included.")
    expressway_kmh: Kmh = Field(85.0, description="Mean speed on 2 x 2-lane national-road corridors.")
    main_road_kmh: Kmh = Field(75.0, description="Mean speed on main two-lane road corridors with bypasses.")
    corridor_circuity: Circuity = Field(
        1.1, description="Road km per great-circle km between corridor waypoints."
    )

    @field_validator("circuity_by_department", "circuity_by_arrondissement", mode="before")
    @classmethod
    def _codes_written_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # YAML 1.2 reads an unquoted 09 or 312 as a number (PyYAML writes 09 unquoted): the code meant.
        width = 2 if info.field_name == "circuity_by_department" else 3
        if not isinstance(value, dict):
            return value
        return {f"{k:0{width}d}" if type(k) is int and k >= 0 else k: v for k, v in value.items()}


class TerritoryConfig(_Section):
    authorise: list[str] = Field(default_factory=list, description="HAD ids given home-chemo authorisation.")
    revoke: list[str] = Field(default_factory=list, description="HAD ids losing home-chemo authorisation.")
    overrides_file: Path | None = Field(
        None, strict=False, description="Zone overrides CSV (relative to the scenario file)."
    )
    merge: dict[str, str] = Field(
        default_factory=dict,
        description="Takeovers: {absorbed HAD id: absorbing HAD id}. The absorbing HAD serves both zones "
        "from all their sites, with its own authorisation, experience and start-up delay.",
    )
    travel: TravelConfig = Field(default_factory=TravelConfig)

    @model_validator(mode="after")
    def _authorise_or_revoke(self) -> TerritoryConfig:
        both = sorted(set(self.authorise) & set(self.revoke))
        if both:
            raise rule_error(
                "revoke", f"expected HADs either authorised or revoked, found both for {shown(both)}"
            )
        return self

    @model_validator(mode="after")
    def _merge_into_a_remaining_had(self) -> TerritoryConfig:
        for absorbed, absorber in self.merge.items():
            if absorber == absorbed or absorber in self.merge:
                raise rule_error(
                    f"merge.{absorbed}",
                    f"expected an HAD that is not itself taken over, found {shown(absorber)}",
                )
        return self


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


class Arrivals(_Section):
    episodes_per_year: Episodes
    annual_growth: Growth = Field(0.0, description="Yearly growth of arrivals after the warm-up.")
    group_mix: Weights[Group]


class Cycles(_Section):
    """Cycles per episode: any distribution; draws are rounded to a whole number of at least 1."""

    per_group: dict[Group, Distribution] = Field(
        description="Every group with a positive group_mix weight needs an entry."
    )
    max_cycles: CycleCount | None = None

    @field_validator("per_group")
    @classmethod
    def _whole_positive_cycles(cls, per_group: dict[str, Any]) -> dict[str, Any]:
        for group, dist in per_group.items():
            if isinstance(dist, Empirical) and any(
                not (1 <= v <= MAX_CYCLES and float(v).is_integer()) for v in dist.values
            ):
                expected = f"whole cycle counts from 1 to {MAX_CYCLES} for {group}"
                raise ValueError(f"expected {expected}, found {shown(dist.values)}")
        return per_group


class CycleOneOutcomes(_Section):
    """What happens to episodes with a single cycle (drawn only for them)."""

    weights: Weights[Literal["death", "early_stop", "completed"]]
    death_day: Distribution
    death_inpatient_probability: Probability
    early_stop_day: Distribution
    early_stop_never_home_probability: Probability


class AdverseEvent(_Section):
    probability_cycle1: Probability
    probability_later: Probability
    severe_share: Probability
    onset_day: Distribution
    onset_day_later: Distribution | None = None
    stay_days: Distribution


class AdverseEvents(_Section):
    cytokine_release: AdverseEvent
    neurotoxicity: AdverseEvent
    infection: AdverseEvent


class PrePhase(_Section):
    probability: dict[Group, Probability] = Field(
        description="Probability of a pre-phase per group; a group not named has none (probability 0)."
    )
    length_of_stay: Distribution


class Booking(_Section):
    """Cycle starts and the beds (their queue priorities are in beds.priorities)."""

    admission_lead_days: LeadDays = Field(
        1.0,
        description="A cycle start takes a bed at most this long before its day 1 (a start weekday's "
        "midnight); a bed freed earlier goes to the next patient in line. 1: the day before.",
    )


class Dose(_Section):
    cycle1_start_ug_per_day: UgPerDay = 9.0
    step_up_day: PositiveInt = Field(8, description="Day of cycle 1 the dose steps up; within the infusion.")
    target_ug_per_day: UgPerDay = 28.0


class Blinatumomab(_Section):
    arrivals: Arrivals
    cycles: Cycles
    infusion_days: CycleDays = 28
    rest_days: RestDays = 14
    cycle1_inpatient_days: CycleDays = 9
    later_inpatient_days: CycleDays = 2
    start_weekdays: list[Weekday] = Field(min_length=1)
    booking: Booking = Field(default_factory=Booking)
    dose: Dose = Field(default_factory=Dose)
    pre_phase: PrePhase
    cycle_one: CycleOneOutcomes
    adverse_events: AdverseEvents

    @model_validator(mode="after")
    def _fit_infusion(self) -> Blinatumomab:
        for where, days in (
            ("cycle1_inpatient_days", self.cycle1_inpatient_days),
            ("later_inpatient_days", self.later_inpatient_days),
            ("dose.step_up_day", self.dose.step_up_day),
        ):
            if days > self.infusion_days:
                raise rule_error(
                    where, f"expected at most infusion_days ({self.infusion_days}), found {days}"
                )
        return self

    @model_validator(mode="after")
    def _cycles_for_every_group(self) -> Blinatumomab:
        mix = self.arrivals.group_mix
        missing = [g for g in GROUPS if mix.get(g, 0) > 0 and g not in self.cycles.per_group]
        if missing:
            raise rule_error(
                "cycles.per_group",
                f"expected an entry for every group of arrivals.group_mix, found none for {shown(missing)}",
            )
        return self


class Bags(_Section):
    stability_hours: PositiveFloat = Field(
        96.0, le=24 * 365, description="Diluted-bag stability (thesis 003:1066-1068); at most a year."
    )
    change_patterns: list[Annotated[list[Weekday], Field(min_length=1)]] = Field(min_length=1)
    pharmacy_weekdays: list[Weekday] = Field(min_length=1)
    where_changed: Literal["day_hospital", "home", "nearest_hospital"] = "day_hospital"

    @model_validator(mode="after")
    def _no_bag_longer_than_stability(self) -> Bags:
        stability = self.stability_hours
        for where, patterns in (
            ("change_patterns", self.change_patterns),
            ("pharmacy_weekdays", [self.pharmacy_weekdays]),
        ):
            for pattern in patterns:
                gap = max_cyclic_gap_days(pattern)
                if gap * 24 > stability:
                    raise rule_error(
                        where,
                        f"expected change days at most {stability / 24:g} days apart (bag stability "
                        f"{stability:g} h), found {shown(pattern)} with {gap} days between two changes",
                    )
        return self


def max_cyclic_gap_days(days: list[str]) -> int:
    """Longest interval, in days, between consecutive weekdays of a weekly pattern."""
    index = sorted({WEEKDAYS.index(d) for d in days})
    gaps = [(index[(i + 1) % len(index)] - index[i]) % 7 or 7 for i in range(len(index))]
    return max(gaps)


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


class TransportMode(_Section):
    """Price of one leg: flat fee (covering ``included_km``), pick-up supplement, then per km."""

    flat_eur: Euros = 0.0
    included_km: Km = 0.0
    pickup_eur: Euros = 0.0
    per_km_eur: Euros


class Transport(_Section):
    modes: dict[str, TransportMode] = Field(min_length=1)
    mix: Weights[str] = Field(description="Share of trips per mode (normalised).")

    @model_validator(mode="after")
    def _mix_names_modes(self) -> Transport:
        unknown = sorted(set(self.mix) - set(self.modes))
        if unknown:
            modes = shown(sorted(self.modes))
            raise rule_error("mix", f"expected mix keys among the modes {modes}, found {shown(unknown)}")
        return self


class DrugCost(_Section):
    vial_price_eur: Euros
    vial_ug: VialUg
    overfill_hours_short_bags: float = Field(4.0, ge=0, le=24 * 7, description="Hours, at most a week.")
    vial_sharing: bool = False


class Costs(_Section):
    drug: DrugCost
    inpatient_bed_day_eur: Euros
    peripheral_bed_day_price_ratio: float = Field(
        1.0, ge=0, le=10, description="Price of a peripheral hospital's bed-day per inpatient_bed_day_eur."
    )
    day_hospital_session_eur: Euros
    had_day_eur: Euros
    had_day_by_had: dict[str, Euros] = Field(default_factory=dict)
    nurse_visit_eur: Euros
    convention_provider_day_eur: Euros = 0.0
    transport: Transport
    bag_delivery: TransportMode = Field(
        default_factory=lambda: TransportMode(per_km_eur=0.0),
        description="Courier taking a bag from the IUCT-O pharmacy to where it is changed away from IUCT-O.",
    )


class SensitivityParameter(_Section):
    key: str = Field(description="Dotted key path of a number in the scenario, e.g. costs.had_day_eur.")
    low: float
    high: float


class SensitivitySpec(_Section):
    """One-way sensitivity analysis: each parameter at its low and high value, the others at base."""

    parameters: list[SensitivityParameter] = Field(default_factory=list)
    kpis: list[str] = Field(
        default_factory=lambda: ["cost_total_per_year", "blina_bed_days_per_year", "travel_km_per_year"]
    )


class PSAParameter(_Section):
    key: str = Field(description="Dotted key path of a number in the scenario.")
    distribution: Distribution


class PSASpec(_Section):
    """Probabilistic sensitivity analysis: parameters drawn by Latin hypercube, per outer iteration."""

    iterations: Replications = 50
    replications: Replications = 5
    cost: str = "cost_total_per_year"
    outcome: str = "bed_days_saved_by_home_care_per_year"
    outcome_direction: Literal["increase", "decrease"] = Field(
        "increase", description="Is more of the outcome better (increase) or less (decrease)?"
    )
    parameters: list[PSAParameter] = Field(default_factory=list)


class Scenario(_Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$",
        max_length=100,
        description="Letters, digits, _ . - (at most 100): it names the result folder.",
    )
    description: str = Field("", max_length=10_000)
    question: str = Field("", max_length=10_000)
    run: RunConfig = Field(default_factory=RunConfig)
    territory: TerritoryConfig = Field(default_factory=TerritoryConfig)
    beds: BedsConfig
    day_hospital: DayHospitalConfig
    blinatumomab: Blinatumomab
    bags: Bags
    home_care: HomeCare
    emergencies: Emergencies
    costs: Costs
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)
    psa: PSASpec = Field(default_factory=PSASpec)

    @field_validator("name")
    @classmethod
    def _not_only_dots(cls, name: str) -> str:
        if set(name) == {"."}:  # results/<name>/ would be results/ itself or its parent
            raise ValueError(f"expected a name with a letter or digit, found {shown(name)}")
        return name

    @model_validator(mode="after")
    def _growth_within_bounds(self) -> Scenario:
        """Growing arrivals stay within MAX_EPISODES_PER_YEAR to the horizon (else a run never ends)."""
        arrivals = self.blinatumomab.arrivals
        years = self.run.years  # growth starts after the warm-up
        if arrivals.episodes_per_year > 0 and arrivals.annual_growth > 0:
            final = math.log(arrivals.episodes_per_year) + years * math.log1p(arrivals.annual_growth)
            if final > math.log(MAX_EPISODES_PER_YEAR):
                raise rule_error(
                    "blinatumomab.arrivals.annual_growth",
                    f"expected growth keeping episodes_per_year within {MAX_EPISODES_PER_YEAR:,} over "
                    f"run.years ({years:g}), found {arrivals.annual_growth:g}",
                )
        return self

    def hash(self) -> str:
        """Content hash of the resolved scenario (name and texts excluded: same model, same hash)."""
        data = self.model_dump(mode="json", exclude={"name", "description", "question", "sensitivity", "psa"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
