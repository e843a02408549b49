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
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import Distribution, Empirical

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Group = Literal["phi_neg_rr", "phi_pos_rr", "mrd_pos"]
GROUPS: tuple[str, ...] = ("phi_neg_rr", "phi_pos_rr", "mrd_pos")
DAYS_PER_YEAR = 365.25  # simulated time is in days; a year is a mean Julian year




class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RunConfig(_Section):
    years: PositiveFloat = Field(5.0, description="Simulated years after the warm-up.")
    warmup_days: NonNegativeFloat = Field(365.0, description="Days simulated before statistics start.")
    start_date: dt.date = Field(dt.date(2026, 1, 5), description="Calendar date of simulation day 0.")
    replications: PositiveInt = 20
    seed: NonNegativeInt = 20261123

    @property
    def horizon(self) -> float:
        """End of the statistics window, in days from day 0 (the window is [warmup_days, horizon])."""
        return self.warmup_days + self.years * DAYS_PER_YEAR

    @property
    def horizon_whole_days(self) -> int:
        """Whole simulated days up to the horizon (rows of the daily tables)."""
        return math.ceil(self.horizon)


class SpeedBandConfig(_Section):
    up_to_km: PositiveFloat | None
    kmh: PositiveFloat


class TravelConfig(_Section):
    circuity: float = Field(1.3, ge=1.0, description="Road km per great-circle km.")
    circuity_by_department: dict[str, Annotated[float, Field(ge=1.0)]] = Field(default_factory=dict)
    terminal_minutes: NonNegativeFloat = 10.0
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
        if self.speed_bands[-1].up_to_km is not None:
            raise ValueError("the last speed band needs up_to_km: null (no upper limit)")
        limits = [b.up_to_km for b in self.speed_bands[:-1]]
        if None in limits or limits != sorted(limits):
            raise ValueError("speed band limits must increase, and only the last may be null")
        return self


class TerritoryConfig(_Section):
    authorise: list[str] = Field(default_factory=list, description="HAD ids given home-chemo authorisation.")
    revoke: list[str] = Field(default_factory=list, description="HAD ids losing home-chemo authorisation.")
    overrides_file: Path | None = Field(
        None, description="Zone overrides CSV (relative to the scenario file)."
    )
    travel: TravelConfig = Field(default_factory=TravelConfig)


class Priorities(_Section):
    """Admission priorities: lower goes first; equal priorities are served first come, first served."""

    emergency: int = 0
    adverse_event: int = 0
    planned: int = 1
    blinatumomab_cycle_start: int = 1


class BackgroundBeds(_Section):
    arrivals_per_day: NonNegativeFloat
    emergency_share: Probability
    length_of_stay: Distribution
    seasonal_amplitude: Probability = 0.0
    seasonal_peak_day_of_year: Annotated[int, Field(ge=1, le=366)] = 15


class BedsConfig(_Section):
    capacity: PositiveInt
    priorities: Priorities = Field(default_factory=Priorities)
    background: BackgroundBeds


class DayHospitalConfig(_Section):
    sessions_per_weekday: dict[Weekday, NonNegativeInt]
    background_sessions_per_day: Distribution


class Arrivals(_Section):
    episodes_per_year: NonNegativeFloat
    annual_growth: float = Field(0.0, gt=-1.0)
    group_mix: dict[Group, NonNegativeFloat]

    @field_validator("group_mix")
    @classmethod
    def _some_group(cls, mix: dict[str, float]) -> dict[str, float]:
        if sum(mix.values()) <= 0:
            raise ValueError("at least one group needs a positive weight")
        return mix


class Cycles(_Section):
    """Cycles per episode: any distribution; draws are rounded to a whole number of at least 1."""

    per_group: dict[Group, Distribution]
    max_cycles: PositiveInt | None = None

    @field_validator("per_group")
    @classmethod
    def _whole_positive_cycles(cls, per_group: dict[str, Any]) -> dict[str, Any]:
        for group, dist in per_group.items():
            if isinstance(dist, Empirical) and any(v < 1 or v != int(v) for v in dist.values):
                raise ValueError(f"expected whole cycle counts >= 1 for {group}, found {dist.values}")
        return per_group


class CycleOneOutcomes(_Section):
    """What happens to episodes with a single cycle (drawn only for them)."""

    weights: dict[Literal["death", "early_stop", "completed"], NonNegativeFloat]
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
    probability: dict[Group, Probability]
    length_of_stay: Distribution


class Dose(_Section):
    cycle1_start_ug_per_day: PositiveFloat = 9.0
    step_up_day: PositiveInt = 8
    target_ug_per_day: PositiveFloat = 28.0


class Blinatumomab(_Section):
    arrivals: Arrivals
    cycles: Cycles
    infusion_days: PositiveInt = 28
    rest_days: NonNegativeInt = 14
    cycle1_inpatient_days: PositiveInt = 9
    later_inpatient_days: PositiveInt = 2
    start_weekdays: list[Weekday] = Field(min_length=1)
    dose: Dose = Field(default_factory=Dose)
    pre_phase: PrePhase
    cycle_one: CycleOneOutcomes
    adverse_events: AdverseEvents

    @model_validator(mode="after")
    def _stays_fit_infusion(self) -> Blinatumomab:
        for name in ("cycle1_inpatient_days", "later_inpatient_days"):
            if getattr(self, name) > self.infusion_days:
                raise ValueError(
                    f"{name} ({getattr(self, name)}) is longer than infusion_days ({self.infusion_days})"
                )
        return self


class Bags(_Section):
    stability_hours: PositiveFloat = Field(96.0, description="Diluted-bag stability (thesis 003:1066-1068).")
    change_patterns: list[list[Weekday]] = Field(min_length=1)
    pharmacy_weekdays: list[Weekday] = Field(min_length=1)
    where_changed: Literal["day_hospital", "home", "nearest_hospital"] = "day_hospital"

    @field_validator("change_patterns", "pharmacy_weekdays")
    @classmethod
    def _no_bag_longer_than_stability(cls, value: list, info: ValidationInfo) -> list:
        stability = info.data.get("stability_hours")
        if stability is None:
            return value
        patterns = value if info.field_name == "change_patterns" else [value]
        for pattern in patterns:
            gap = max_cyclic_gap_days(pattern)
            if gap * 24 > stability:
                raise ValueError(
                    f"expected change days at most {stability / 24:g} days apart (bag stability "
                    f"{stability:g} h), found {pattern} with {gap} days between two changes"
                )
        return value


def max_cyclic_gap_days(days: list[str]) -> int:
    """Longest interval, in days, between consecutive weekdays of a weekly pattern."""
    index = sorted({WEEKDAYS.index(d) for d in days})
    gaps = [(index[(i + 1) % len(index)] - index[i]) % 7 or 7 for i in range(len(index))]
    return max(gaps)


class HomeCare(_Section):
    fallback: list[Literal["derogation", "convention", "inpatient"]] = Field(min_length=1)
    derogation_max_km: NonNegativeFloat
    startup_delay_days: Distribution
    training_delay_days: Distribution
    retraining_after_days: PositiveFloat = 365.0
    derogation_extra_days: Distribution
    convention_delay_days: Distribution
    convention_reuse_days: NonNegativeFloat = 365.0
    had_capacity: PositiveInt
    had_capacity_by_had: dict[str, PositiveInt] = Field(default_factory=dict)
    experienced_at_start: list[str] = Field(default_factory=list)

    @field_validator("fallback")
    @classmethod
    def _ends_inpatient(cls, fallback: list[str]) -> list[str]:
        if fallback[-1] != "inpatient":
            raise ValueError("the last fallback must be 'inpatient' (someone has to give the infusion)")
        return fallback


class TransportMode(_Section):
    """Price of one leg: flat fee (covering ``included_km``), pick-up supplement, then per km."""

    flat_eur: NonNegativeFloat = 0.0
    included_km: NonNegativeFloat = 0.0
    pickup_eur: NonNegativeFloat = 0.0
    per_km_eur: NonNegativeFloat


class Transport(_Section):
    modes: dict[str, TransportMode] = Field(min_length=1)
    mix: dict[str, NonNegativeFloat] = Field(
        min_length=1, description="Share of trips per mode (normalised)."
    )

    @model_validator(mode="after")
    def _mix_names_modes(self) -> Transport:
        unknown = sorted(set(self.mix) - set(self.modes))
        if unknown:
            raise ValueError(f"expected mix keys among the modes {sorted(self.modes)}, found {unknown}")
        if sum(self.mix.values()) <= 0:
            raise ValueError(f"expected a positive share somewhere, found {self.mix}")
        return self


class DrugCost(_Section):
    vial_price_eur: NonNegativeFloat
    vial_ug: PositiveFloat
    overfill_hours_short_bags: NonNegativeFloat = 4.0
    vial_sharing: bool = False


class Costs(_Section):
    drug: DrugCost
    inpatient_bed_day_eur: NonNegativeFloat
    day_hospital_session_eur: NonNegativeFloat
    had_day_eur: NonNegativeFloat
    had_day_by_had: dict[str, NonNegativeFloat] = Field(default_factory=dict)
    nurse_visit_eur: NonNegativeFloat
    convention_provider_day_eur: NonNegativeFloat = 0.0
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

    iterations: PositiveInt = 50
    replications: PositiveInt = 5
    cost: str = "cost_total_per_year"
    outcome: str = "bed_days_saved_by_home_care_per_year"
    outcome_direction: Literal["increase", "decrease"] = Field(
        "increase", description="Is more of the outcome better (increase) or less (decrease)?"
    )
    parameters: list[PSAParameter] = Field(default_factory=list)


class Scenario(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    question: str = ""
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

    def hash(self) -> str:
        """Content hash of the resolved scenario (name and texts excluded: same model, same hash)."""
        data = self.model_dump(mode="json", exclude={"name", "description", "question", "sensitivity", "psa"})
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
