"""The scenario schema: every parameter a scenario file may set, with its type and bounds.

The sections are in ``common``, ``capacities``, ``treatment`` and ``costs``; this module holds the
run, territory and travel sections and assembles ``Scenario`` (import every section from here).

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
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.bounds import (
    MAX_EPISODES_PER_YEAR,
    MAX_KM,
    Circuity,
    Kmh,
    Replications,
    Seed,
    StartDate,
    WarmupDays,
    Years,
)
from sim.scenario.capacities import (
    MAX_TOLERANCE_DAYS,
    AdverseEventKind,
    BackgroundBeds,
    BackgroundSessions,
    BedsConfig,
    DayHospitalConfig,
    Emergencies,
    HadCensus,
    HomeCare,
    NoSlotPolicy,
    Priorities,
    Visit,
)
from sim.scenario.common import (
    DAYS_PER_YEAR,
    WEEKDAYS,
    Weekday,
    _Section,
    max_cyclic_gap_days,
)
from sim.scenario.costs import (
    Costs,
    DrugCost,
    PSAParameter,
    PSASpec,
    SensitivityParameter,
    SensitivitySpec,
    Transport,
    TransportMode,
)
from sim.scenario.errors import rule_error, shown
from sim.scenario.timeline import CapacityCalendar, ClosurePeriod, DatedEvent, check_events
from sim.scenario.timing import CalendarConfig
from sim.scenario.treatment import (
    AdverseEvent,
    AdverseEvents,
    Arrivals,
    Bags,
    Blinatumomab,
    Booking,
    CycleOneOutcomes,
    Dose,
    Indication,
    PrePhase,
)


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


class OutputConfig(_Section):
    """How results are written for people (the simulation does not depend on it; not in the hash)."""

    lang: Literal["en", "fr"] = Field(
        "en", description="Language of terminal tables, readable CSV headers, workbook and report."
    )
    csv: Literal["standard", "excel-fr"] = Field(
        "standard",
        description="Readable tables: standard CSV, or French Excel (';', decimal comma, UTF-8 BOM).",
    )


# A scenario's texts for its readers, each also in French (``question_fr``...): they change no number.
TRANSLATED_TEXTS = ("question", "description")
SCENARIO_TEXTS = (*TRANSLATED_TEXTS, *(f"{text}_fr" for text in TRANSLATED_TEXTS))


class Scenario(_Section):
    name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$",
        max_length=100,
        description="Letters, digits, _ . - (at most 100): it names the result folder.",
    )
    description: str = Field("", max_length=10_000)
    question: str = Field("", max_length=10_000)
    description_fr: str = Field("", max_length=10_000, description="In French (empty: the English one).")
    question_fr: str = Field("", max_length=10_000, description="In French (empty: the English one).")
    run: RunConfig = Field(default_factory=RunConfig)
    territory: TerritoryConfig = Field(default_factory=TerritoryConfig)
    beds: BedsConfig
    day_hospital: DayHospitalConfig
    blinatumomab: Blinatumomab
    bags: Bags
    home_care: HomeCare
    emergencies: Emergencies
    costs: Costs
    calendar: CalendarConfig = Field(default_factory=CalendarConfig)
    sensitivity: SensitivitySpec = Field(default_factory=SensitivitySpec)
    psa: PSASpec = Field(default_factory=PSASpec)
    capacity_calendar: CapacityCalendar = Field(
        default_factory=CapacityCalendar, description="Beds and day-hospital sessions closed by date range."
    )
    events: list[DatedEvent] = Field(
        default_factory=list, description="Keys of the scenario set anew from a date of the run."
    )
    output: OutputConfig = Field(default_factory=OutputConfig)

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

    @model_validator(mode="after")
    def _events_within_the_run(self) -> Scenario:
        check_events(self)
        return self

    @model_validator(mode="after")
    def _starts_on_pharmacy_days(self) -> Scenario:
        """A cycle's first bag comes from the pharmacy on day 1 (M7): start weekdays are pharmacy days."""
        pharmacy = self.bags.pharmacy_weekdays
        closed = [d for d in self.blinatumomab.start_weekdays if d not in pharmacy]
        if closed:
            raise rule_error(
                "blinatumomab.start_weekdays",
                f"expected pharmacy days (bags.pharmacy_weekdays: {shown(pharmacy)}), found {shown(closed)}",
            )
        return self

    def hash(self) -> str:
        """Content hash of the resolved scenario (name and texts excluded: same model, same hash)."""
        data = self.model_dump(mode="json", exclude={"name", *SCENARIO_TEXTS, "sensitivity", "psa", "output"})
        for dated in ("capacity_calendar", "events"):  # not set: the hash of a scenario written before them
            if getattr(self, dated) == type(self).model_fields[dated].get_default(call_default_factory=True):
                del data[dated]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


# The schema's sections live in sibling modules; this module is their one front door.
__all__ = [
    "DAYS_PER_YEAR",
    "MAX_TOLERANCE_DAYS",
    "SCENARIO_TEXTS",
    "TRANSLATED_TEXTS",
    "WEEKDAYS",
    "AdverseEvent",
    "AdverseEventKind",
    "AdverseEvents",
    "Arrivals",
    "BackgroundBeds",
    "BackgroundSessions",
    "Bags",
    "BedsConfig",
    "Blinatumomab",
    "Booking",
    "CalendarConfig",
    "CapacityCalendar",
    "ClosurePeriod",
    "Costs",
    "CycleOneOutcomes",
    "DatedEvent",
    "DayHospitalConfig",
    "Dose",
    "DrugCost",
    "Emergencies",
    "HadCensus",
    "HomeCare",
    "Indication",
    "NoSlotPolicy",
    "OutputConfig",
    "PSAParameter",
    "PSASpec",
    "PrePhase",
    "Priorities",
    "RunConfig",
    "Scenario",
    "SensitivityParameter",
    "SensitivitySpec",
    "SpeedBandsConfig",
    "TerritoryConfig",
    "Transport",
    "TransportMode",
    "TravelConfig",
    "Visit",
    "Weekday",
    "max_cyclic_gap_days",
]
