"""Bounds on scenario numbers: what a parameter may be, in one place.

Every upper bound is far above every shipped value and any planning use. The bounds refuse slips
(a count in the wrong unit, a stray digit, a rate per year given per day) and keep one run within
what a machine can do: without them ``episodes_per_year: 1e6`` or ``years: 10000`` runs for ever.
Non-finite numbers (.inf, .nan) are refused everywhere by the models' ``allow_inf_nan=False``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

from sim.scenario.errors import shown

MAX_YEARS = 1_000  # run.years (the baseline: 5; the M/M/c verification runs 150)
MAX_WARMUP_DAYS = 36_500  # run.warmup_days: 100 years (the baseline warms up for one)
MAX_REPLICATIONS = 10_000  # run and PSA replications, PSA iterations (the baseline: 20, 5 and 50)
MAX_SEED = 2**63 - 1  # seeds are stored as 64-bit integers
EARLIEST_START, LATEST_START = dt.date(1900, 1, 1), dt.date(2500, 12, 31)  # run.start_date
MAX_EPISODES_PER_YEAR = 10_000  # blinatumomab episodes a year (Occitanie: 8.2)
MAX_GROWTH = 1.0  # blinatumomab.arrivals.annual_growth: +100 % a year
MAX_CYCLES = 100  # cycles per episode (at most 9 observed)
MAX_CYCLE_DAYS = 365  # infusion, rest and inpatient days of a cycle (28, 14, 9 and 2)
MAX_BACKGROUND_PER_DAY = 100  # other admissions a day to the unit (baseline 0.516)
MAX_BEDS = 1_000  # beds of the unit (baseline 18)
MAX_PLACES = 1_000  # patients at once in one HAD (baseline 3)
MAX_SESSIONS = 10_000  # day-hospital sessions a day (baseline 30)
MAX_DAYS = 36_500  # any other number of days: 100 years
MAX_KM = 10_000  # any distance (Occitanie is ~400 km across)
MAX_KMH = 300  # road speed (45 to 80)
MAX_CIRCUITY = 10.0  # road km per great-circle km (1.3)
MAX_EUR = 10_000_000  # any unit price in euros (a vial: 2,628)
MAX_UG_PER_DAY = 10_000  # blinatumomab dose (9 and 28 ug/day)
MAX_VIAL_UG = 100_000  # micrograms per vial (38.5)
MAX_PRIORITY = 100  # bed-queue priority levels (baseline 0 to 2)
MAX_LEAD_DAYS = 7  # a cycle start admitted before its day 1 (baseline 1); 7: any day
MAX_MULTIPLIER = 100.0  # an indication's adverse-event probabilities relative to the shared ones (1)

# Distributions describe durations in days, counts and prices: never negative, and bounded.
MAX_VALUE = 10_000_000  # any parameter of a distribution
MAX_WEIGHT = 1_000_000_000  # relative weights (counts are fine); their sum stays finite
MAX_POINTS = 10_000  # values of one empirical distribution
# cv below MIN_CV: use dist: fixed (gamma's shape 1/cv**2 overflows for tiny cv, e.g. 1e-200);
# cv above MAX_CV: a variable ten times as spread as its mean is no planning assumption.
MIN_CV, MAX_CV = 0.01, 10.0

Years = Annotated[float, Field(gt=0, le=MAX_YEARS, description=f"Years, above 0, at most {MAX_YEARS:,}.")]
WarmupDays = Annotated[float, Field(ge=0, le=MAX_WARMUP_DAYS, description=f"Days, 0 to {MAX_WARMUP_DAYS:,}.")]
Replications = Annotated[int, Field(ge=1, le=MAX_REPLICATIONS, description=f"1 to {MAX_REPLICATIONS:,}.")]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED, description="Any integer from 0 to 2**63 - 1.")]
StartDate = Annotated[dt.date, Field(ge=EARLIEST_START, le=LATEST_START)]
Episodes = Annotated[
    float, Field(ge=0, le=MAX_EPISODES_PER_YEAR, description=f"0 to {MAX_EPISODES_PER_YEAR:,} a year.")
]
Growth = Annotated[
    float, Field(gt=-1, le=MAX_GROWTH, description=f"A yearly rate, above -1, at most {MAX_GROWTH:g}.")
]
CycleCount = Annotated[int, Field(ge=1, le=MAX_CYCLES, description=f"Cycles, 1 to {MAX_CYCLES}.")]
BackgroundPerDay = Annotated[
    float,
    Field(ge=0, le=MAX_BACKGROUND_PER_DAY, description=f"Admissions a day, 0 to {MAX_BACKGROUND_PER_DAY}."),
]
Beds = Annotated[int, Field(ge=1, le=MAX_BEDS, description=f"Beds, 1 to {MAX_BEDS:,}.")]
Sessions = Annotated[int, Field(ge=0, le=MAX_SESSIONS, description=f"Sessions a day, 0 to {MAX_SESSIONS:,}.")]
Kmh = Annotated[float, Field(ge=1, le=MAX_KMH, description=f"km/h, 1 to {MAX_KMH}.")]
VialUg = Annotated[float, Field(ge=1, le=MAX_VIAL_UG, description=f"Micrograms, 1 to {MAX_VIAL_UG:,}.")]
RestDays = Annotated[int, Field(ge=0, le=MAX_CYCLE_DAYS, description=f"Days, 0 to {MAX_CYCLE_DAYS}.")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
LeadDays = Annotated[
    float, Field(gt=0, le=MAX_LEAD_DAYS, description=f"Days, above 0, at most {MAX_LEAD_DAYS}.")
]
Multiplier = Annotated[float, Field(ge=0, le=MAX_MULTIPLIER, description=f"0 to {MAX_MULTIPLIER:g}.")]
Priority = Annotated[int, Field(ge=0, le=MAX_PRIORITY, description=f"0 goes first; 0 to {MAX_PRIORITY}.")]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, description=f"A relative weight, 0 to {MAX_WEIGHT:,}.")]
Days = Annotated[float, Field(ge=0, le=MAX_DAYS, description=f"Days, 0 to {MAX_DAYS:,}.")]
PositiveDays = Annotated[float, Field(gt=0, le=MAX_DAYS, description=f"Days, above 0, at most {MAX_DAYS:,}.")]
CycleDays = Annotated[int, Field(ge=1, le=MAX_CYCLE_DAYS, description=f"Days, 1 to {MAX_CYCLE_DAYS}.")]
Euros = Annotated[float, Field(ge=0, le=MAX_EUR, description=f"Euros, 0 to {MAX_EUR:,}.")]
Km = Annotated[float, Field(ge=0, le=MAX_KM, description=f"km, 0 to {MAX_KM:,}.")]
Circuity = Annotated[float, Field(ge=1.0, le=MAX_CIRCUITY, description=f"1 to {MAX_CIRCUITY:g}.")]
Places = Annotated[int, Field(ge=1, le=MAX_PLACES, description=f"Patients at once, 1 to {MAX_PLACES:,}.")]
UgPerDay = Annotated[
    float, Field(gt=0, le=MAX_UG_PER_DAY, description=f"ug/day, at most {MAX_UG_PER_DAY:,}.")
]
Value = Annotated[float, Field(ge=0, le=MAX_VALUE, description=f"0 to {MAX_VALUE:,}.")]
Mean = Annotated[float, Field(gt=0, le=MAX_VALUE, description=f"Above 0, at most {MAX_VALUE:,}.")]
CV = Annotated[
    float, Field(ge=MIN_CV, le=MAX_CV, description=f"Coefficient of variation, {MIN_CV} to {MAX_CV:g}.")
]


def _some_weight(weights: dict) -> dict:
    if sum(weights.values()) <= 0:  # (counts are fine: weights are normalised)
        raise ValueError(f"expected a positive weight somewhere, found {shown(weights)}")
    return weights


_Key = TypeVar("_Key")
Weights = Annotated[dict[_Key, Weight], AfterValidator(_some_weight)]  # relative, one at least positive
