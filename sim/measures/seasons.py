"""Planned-admission waits by period of the year: what "up to 3 weeks" is compared with.

The thesis says admission delays reach "jusqu'à 3 semaines" "selon les périodes de l'année"
(003:6168-6170): a wait of the worst period, not an average over the year. Three readings of it,
each from the waits of planned admissions requested in the statistics window (those still waiting
at the end count with their wait so far, as in ``sim.measures.kpis``):

- ``planned_wait_peak_season_p95_days``: the seasons are the 12 three-month periods of the year
  starting on each month (a quarter of a year, 91.3 days, from the 1st of January, of February, ...);
  a season's p95 is the 95th percentile of its waits each year, averaged over the years (its
  occurrences wholly inside the window); the peak season is the one with the highest, and this
  KPI is its value: the long waits of the worst season of a typical year.
- ``planned_wait_low_season_p95_days``: the same for the season with the lowest one (how much the
  period of the year matters).
- ``planned_wait_yearly_max_days``: the longest wait of each year of the window (whole years
  counted from its start; the whole window when it is shorter), averaged over those years.

The day of the year of a time follows the model's seasonality (``sim.model.draws``): day 1 is the
1st of January, the simulation's day 0 is ``run.start_date``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.measures.care import Window
from sim.measures.columns import Columns, group_percentile
from sim.model.records import PLANNED
from sim.scenario.common import DAYS_PER_YEAR

SEASONS = 12  # one season starting on each month
SEASON_DAYS = DAYS_PER_YEAR / 4
MONTH_DAYS = DAYS_PER_YEAR / 12


def planned_waits_with_times(
    adm: pd.DataFrame | Columns, end_time: float, window: Window
) -> tuple[np.ndarray, np.ndarray]:
    """Request times and waits of the planned admissions requested in the window (censored ones included).

    ``adm`` is the admissions table, as a DataFrame or as named numpy columns (``admission_columns``).
    """
    request = np.asarray(adm["request"], dtype=float)
    planned = (np.asarray(adm["kind"]) == PLANNED) & (request >= window.start) & (request < window.end)
    requests = request[planned]
    admits = np.asarray(adm["admit"], dtype=float)[planned]
    waits = np.where(np.isnan(admits), end_time - requests, admits - requests)
    return requests, waits


def day_of_year(times: np.ndarray, start_date: dt.date) -> np.ndarray:
    """Day of the year (1 = 1st of January, continuous) of simulation times, as the seasonality reads it."""
    return (start_date.timetuple().tm_yday + times) % DAYS_PER_YEAR


def season_p95s(requests: np.ndarray, waits: np.ndarray, window: Window, start_date: dt.date) -> np.ndarray:
    """Each of the 12 seasons' 95th percentile wait in a typical year (NaN for a season never seen).

    A season comes once a year: the p95 of each of its occurrences wholly inside the window (all of
    them if none is), averaged over those occurrences. The seasons side by side (one row each), the
    percentiles of every occurrence of every season in one sort.
    """
    days = day_of_year(requests, start_date)
    first_days = 1 + np.arange(SEASONS) * MONTH_DAYS
    into = (days[None, :] - first_days[:, None]) % DAYS_PER_YEAR  # days since each season's start
    inside = into < SEASON_DAYS
    began = requests[None, :] - into  # when each wait's occurrence of the season began
    whole = inside & (began >= window.start - 1e-9) & (began + SEASON_DAYS <= window.end + 1e-9)
    kept = np.where(whole.any(axis=1)[:, None], whole, inside)
    season, wait = np.nonzero(kept)
    # One occurrence, one number: its start in quarters of a year (began / year * 4, rounded).
    quarters = np.round(began[season, wait] / DAYS_PER_YEAR * 4).astype(np.int64)
    low = quarters.min() if len(quarters) else 0
    span = int(quarters.max() - low) + 1 if len(quarters) else 1
    occurrences, group = np.unique(season * span + (quarters - low), return_inverse=True)
    p95_of = group_percentile(group, waits[wait], 95, len(occurrences))
    of_season = occurrences // span
    p95 = np.full(SEASONS, np.nan)
    for s in np.unique(of_season):
        p95[s] = np.mean(p95_of[of_season == s])  # over its occurrences in order, as np.mean of a list
    return p95


def yearly_max_wait(requests: np.ndarray, waits: np.ndarray, window: Window) -> float:
    """Mean over the window's whole years of each year's longest wait (the window's own if under a year)."""
    years = max(1, int((window.end - window.start) // DAYS_PER_YEAR))
    year_of = np.minimum(((requests - window.start) // DAYS_PER_YEAR).astype(int), years - 1)
    maxima = [waits[year_of == y].max() for y in range(years) if (year_of == y).any()]
    return float(np.mean(maxima)) if maxima else np.nan


def seasonal_wait_kpis(
    adm: pd.DataFrame | Columns, end_time: float, window: Window, start_date: dt.date
) -> dict[str, float]:
    """The peak-season and low-season p95 and the yearly longest wait of planned admissions."""
    requests, waits = planned_waits_with_times(adm, end_time, window)
    p95 = season_p95s(requests, waits, window, start_date)
    seen = p95[~np.isnan(p95)]
    return {
        "planned_wait_peak_season_p95_days": float(seen.max()) if len(seen) else np.nan,
        "planned_wait_low_season_p95_days": float(seen.min()) if len(seen) else np.nan,
        "planned_wait_yearly_max_days": yearly_max_wait(requests, waits, window),
    }
