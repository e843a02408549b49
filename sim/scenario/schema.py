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
    field_validator,
    model_validator,
)

from sim.scenario.bounds import (
    MAX_CYCLE_DAYS,
    MAX_CYCLES,
    MAX_EPISODES_PER_YEAR,
    MAX_KM,
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
    Places,
    PositiveDays,
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


class SpeedBandConfig(_Section):
    up_to_km: Annotated[float, Field(gt=0, le=MAX_KM)] | None
    kmh: Kmh


class TravelConfig(_Section):
    circuity: Circuity = Field(1.3, description="Road km per great-circle km.")
    circuity_by_department: dict[str, Circuity] = Field(default_factory=dict)
    terminal_minutes: float = Field(10.0, ge=0, le=24 * 60, description="At most a day.")
    speed_bands: list[SpeedBandConfig] = Field(
        default_factory=lambda: [
            SpeedBandConfig(up_to_km=15, kmh=45),
            SpeedBandConfig(up_to_km=50, kmh=65),
            SpeedBandConfig(up_to_km=None, kmh=80),
        ],
        min_length=1,
    )

    @model_validator(mode="after")
    def _bands_end_open(self) -> TravelConfig:
        last = self.speed_bands[-1].up_to_km
        if last is not None:
            raise rule_error(
                f"speed_bands.{len(self.speed_bands) - 1}.up_to_km",
                f"expected null in the last band (no upper limit), found {last:g}",
            )
        limits = [b.up_to_km for b in self.speed_bands[:-1]]
        if None in limits or limits != sorted(limits):
            raise rule_error(
                "speed_bands",
                f"expected up_to_km increasing band by band, null only in the last, found {shown(limits)}",
            )
        return self


class TerritoryConfig(_Section):
    authorise: list[str] = Field(default_factory=list, description="HAD ids given home-chemo authorisation.")
    revoke: list[str] = Field(default_factory=list, description="HAD ids losing home-chemo authorisation.")
    overrides_file: Path | None = Field(
        None, strict=False, description="Zone overrides CSV (relative to the scenario file)."
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


class Priorities(_Section):
    """Admission priorities: lower goes first; equal priorities are served first come, first served."""

    emergency: int = 0
    adverse_event: int = 0
    planned: int = 1
    blinatumomab_cycle_start: int = 1


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


class HomeCare(_Section):
    fallback: list[Literal["derogation", "convention", "inpatient"]] = Field(min_length=1)
    derogation_max_km: Km
    startup_delay_days: Distribution
    training_delay_days: Distribution
    retraining_after_days: PositiveDays = 365.0
    derogation_extra_days: Distribution
    convention_delay_days: Distribution
    convention_reuse_days: Days = 365.0
    had_capacity: Places
    had_capacity_by_had: dict[str, Places] = Field(default_factory=dict)
    experienced_at_start: list[str] = Field(default_factory=list)

    @field_validator("fallback")
    @classmethod
    def _ends_inpatient(cls, fallback: list[str]) -> list[str]:
        if fallback[-1] != "inpatient":
            raise ValueError(
                f"expected 'inpatient' last (someone has to give the infusion), found {shown(fallback)}"
            )
        return fallback


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
