"""Scenario sections for the treatment: arrivals, cycles, outcomes, adverse events, pre-phase, bags."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    PositiveFloat,
    PositiveInt,
    field_validator,
    model_validator,
)

from sim.scenario.bounds import (
    MAX_CYCLES,
    CycleCount,
    CycleDays,
    Episodes,
    Growth,
    LeadDays,
    Probability,
    RestDays,
    UgPerDay,
    Weights,
)
from sim.scenario.common import GROUPS, Group, Weekday, _Section, max_cyclic_gap_days
from sim.scenario.distributions import Distribution, Empirical
from sim.scenario.errors import rule_error, shown


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


InterruptingEvent = Literal["cytokine_release", "neurotoxicity", "infection"]  # AdverseEventKind


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
    interrupting_events: list[InterruptingEvent] = Field(
        default_factory=lambda: ["cytokine_release", "neurotoxicity"],
        description="Severe events that stop the infusion for their stay; it restarts when the stay "
        "ends and runs on to its full infusion_days (the days before and after the interruption).",
    )

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
