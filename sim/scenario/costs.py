"""Scenario sections for health economics: prices, transport, and the sensitivity and PSA set-ups."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    Field,
    model_validator,
)

from sim.scenario.bounds import (
    Euros,
    Km,
    Replications,
    VialUg,
    Weights,
)
from sim.scenario.common import _Section
from sim.scenario.distributions import Distribution
from sim.scenario.errors import rule_error, shown


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
    extractable_ug: VialUg | None = Field(
        None,
        description="What can be drawn from a vial (its labelled content includes an overfill that "
        "cannot); whole vials and waste are counted on it. None: vial_ug.",
    )
    overfill_hours_short_bags: float = Field(4.0, ge=0, le=24 * 7, description="Hours, at most a week.")
    vial_sharing: bool = False

    @model_validator(mode="after")
    def _extractable_within_the_vial(self) -> DrugCost:
        if self.extractable_ug is not None and self.extractable_ug > self.vial_ug:
            raise rule_error(
                "extractable_ug",
                f"expected at most vial_ug ({self.vial_ug:g}), found {self.extractable_ug:g}",
            )
        return self

    @property
    def usable_ug(self) -> float:
        """Micrograms a vial gives: its extractable content."""
        return self.vial_ug if self.extractable_ug is None else self.extractable_ug


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

    @model_validator(mode="after")
    def _low_below_high(self) -> SensitivityParameter:
        # Reversed, the tornado would colour the high value as the low one.
        if not self.low < self.high:
            raise ValueError(f"expected low < high, found low {self.low:g} and high {self.high:g}")
        return self


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
