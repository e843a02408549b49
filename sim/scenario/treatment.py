"""Scenario sections for the treatment: arrivals, indications, outcomes, adverse events, pre-phase, bags."""

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
    Multiplier,
    Probability,
    RestDays,
    UgPerDay,
    Weight,
    Weights,
)
from sim.scenario.capacities import AdverseEventKind
from sim.scenario.common import Weekday, _Section, max_cyclic_gap_days
from sim.scenario.distributions import Distribution, Empirical
from sim.scenario.errors import rule_error, shown


class Arrivals(_Section):
    """The referred demand shared by the indications given as a ``share`` of it."""

    episodes_per_year: Episodes
    annual_growth: Growth = Field(0.0, description="Yearly growth of arrivals after the warm-up.")

    @model_validator(mode="before")
    @classmethod
    def _group_mix_replaced(cls, data: Any) -> Any:
        if isinstance(data, dict) and "group_mix" in data:
            raise rule_error("group_mix", REPLACED["group_mix"])
        return data


# Keys of the former three-group schema, and what replaced each (a one-line error names it).
REPLACED = {
    "group_mix": "expected each indication's share (or episodes_per_year) under blinatumomab.indications, "
    "found group_mix (replaced by them)",
    "cycles": "expected each indication's cycles and max_cycles under blinatumomab.indications, "
    "found cycles (replaced by them)",
    "probability": "expected each indication's pre_phase_probability under blinatumomab.indications, "
    "found probability (replaced by them)",
}

IndicationName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
OutcomeName = Literal["death", "early_stop", "completed"]


class Indication(_Section):
    """One indication: its demand and its protocol; a protocol key left out takes the shared value."""

    label: str = Field(min_length=1, max_length=200, description="What the indication is, as users read it.")
    source: str = Field(
        min_length=1, max_length=500, description="Where its figures come from, or 'assumption'."
    )
    share: Weight | None = Field(
        None, description="Relative weight in arrivals.episodes_per_year (episode counts are fine)."
    )
    episodes_per_year: Episodes | None = Field(
        None, description="Its own arrival rate, added to arrivals.episodes_per_year (instead of a share)."
    )
    annual_growth: Growth | None = Field(None, description="null: arrivals.annual_growth.")
    cycles: Distribution = Field(
        description=f"Cycles per episode; draws are rounded to a whole number from 1 to {MAX_CYCLES}."
    )
    max_cycles: CycleCount | None = Field(None, description=f"null: as drawn (at most {MAX_CYCLES}).")
    cycle1_inpatient_days: CycleDays | None = Field(
        None, description="null: blinatumomab.cycle1_inpatient_days."
    )
    later_inpatient_days: CycleDays | None = Field(
        None, description="null: blinatumomab.later_inpatient_days."
    )
    pre_phase_probability: Probability = 0.0
    adverse_event_multipliers: dict[AdverseEventKind, Multiplier] = Field(
        default_factory=dict,
        description="Per kind, the shared per-cycle probabilities times this (1 if not named).",
    )
    cycle_one_weights: Weights[OutcomeName] | None = Field(None, description="null: cycle_one.weights.")

    @field_validator("cycles")
    @classmethod
    def _whole_positive_cycles(cls, dist: Any) -> Any:
        if isinstance(dist, Empirical) and any(
            not (1 <= v <= MAX_CYCLES and float(v).is_integer()) for v in dist.values
        ):
            raise ValueError(
                f"expected whole cycle counts from 1 to {MAX_CYCLES}, found {shown(dist.values)}"
            )
        return dist

    @model_validator(mode="after")
    def _share_or_rate(self) -> Indication:
        if (self.share is None) == (self.episodes_per_year is None):
            found = "both" if self.share is not None else "neither"
            raise rule_error("share", f"expected either share or episodes_per_year, found {found}")
        return self


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
    """The pre-phase's stay; its probability is each indication's ``pre_phase_probability``."""

    length_of_stay: Distribution

    @model_validator(mode="before")
    @classmethod
    def _probability_replaced(cls, data: Any) -> Any:
        if isinstance(data, dict) and "probability" in data:
            raise rule_error("probability", REPLACED["probability"])
        return data


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
    indications: dict[IndicationName, Indication] = Field(
        min_length=1, description="Each indication's demand and protocol (sources: clinical course)."
    )
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

    @model_validator(mode="before")
    @classmethod
    def _cycles_replaced(cls, data: Any) -> Any:
        if isinstance(data, dict) and "cycles" in data:
            raise rule_error("cycles", REPLACED["cycles"])
        return data

    @model_validator(mode="after")
    def _fit_infusion(self) -> Blinatumomab:
        stays = [
            (f"indications.{n}", i.cycle1_inpatient_days, i.later_inpatient_days)
            for n, i in self.indications.items()
        ]
        for prefix, first, later in [("", self.cycle1_inpatient_days, self.later_inpatient_days), *stays]:
            for where, days in (
                (f"{prefix}.cycle1_inpatient_days", first),
                (f"{prefix}.later_inpatient_days", later),
            ):
                if days is not None and days > self.infusion_days:
                    raise rule_error(
                        where.lstrip("."),
                        f"expected at most infusion_days ({self.infusion_days}), found {days}",
                    )
        if self.dose.step_up_day > self.infusion_days:
            raise rule_error(
                "dose.step_up_day",
                f"expected at most infusion_days ({self.infusion_days}), found {self.dose.step_up_day}",
            )
        return self

    @model_validator(mode="after")
    def _shares_and_multipliers(self) -> Blinatumomab:
        shares = {n: i.share for n, i in self.indications.items() if i.share is not None}
        if shares and sum(shares.values()) <= 0:
            raise rule_error("indications", f"expected a positive share somewhere, found {shown(shares)}")
        for name, indication in self.indications.items():
            for kind, multiplier in indication.adverse_event_multipliers.items():
                spec = getattr(self.adverse_events, kind)
                highest = max(spec.probability_cycle1, spec.probability_later) * multiplier
                if highest > 1:
                    raise rule_error(
                        f"indications.{name}.adverse_event_multipliers.{kind}",
                        f"expected a multiplier keeping adverse_events.{kind}'s probabilities at most 1, "
                        f"found {multiplier:g} (giving {highest:g})",
                    )
        return self

    def indication_rates(self) -> dict[str, float]:
        """Episodes a year of each indication before growth: a share of arrivals, or its own rate."""
        shares = sum(i.share for i in self.indications.values() if i.share is not None)
        return {
            name: i.episodes_per_year
            if i.share is None
            else self.arrivals.episodes_per_year * i.share / shares
            for name, i in self.indications.items()
        }

    def annual_growth(self, indication: str) -> float:
        own = self.indications[indication].annual_growth
        return self.arrivals.annual_growth if own is None else own

    def inpatient_days(self, indication: str, cycle: int) -> int:
        """The compulsory inpatient days at the start of a cycle of an episode of ``indication``."""
        own = self.indications[indication]
        if cycle == 1:
            return (
                self.cycle1_inpatient_days if own.cycle1_inpatient_days is None else own.cycle1_inpatient_days
            )
        return self.later_inpatient_days if own.later_inpatient_days is None else own.later_inpatient_days

    def cycle_one_weights(self, indication: str) -> dict[str, float]:
        own = self.indications[indication].cycle_one_weights
        return dict(self.cycle_one.weights if own is None else own)

    def adverse_event_probabilities(self, indication: str, kind: str) -> tuple[float, float]:
        """(cycle 1, later cycles) per-cycle probabilities of ``kind`` for ``indication``."""
        spec = getattr(self.adverse_events, kind)
        multiplier = self.indications[indication].adverse_event_multipliers.get(kind, 1.0)
        return spec.probability_cycle1 * multiplier, spec.probability_later * multiplier


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
