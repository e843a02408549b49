"""KPIs of dates: beds open over the window, waits while beds are closed, and before and from the first
dated event (capacity calendars and dated events, ``sim.model.timeline``).

Each is computed for every scenario (NaN where it does not apply: no closure, no event in the window),
so that scenarios with and without dates compare KPI by KPI.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from sim.measures.care import Window
from sim.measures.catalogue import kpi_range
from sim.measures.columns import Columns
from sim.measures.frames import step_integral
from sim.model.calendar import Calendar
from sim.model.records import PLANNED, Recorder
from sim.model.timeline import closed_by_day
from sim.scenario.schema import Scenario


def bed_capacity_steps(record: Recorder, capacity: int) -> tuple[np.ndarray, np.ndarray]:
    """Times and beds open of the capacity step function (``capacity`` throughout if none recorded)."""
    steps = record.bed_capacity or [(0.0, capacity)]
    return np.array([s[0] for s in steps], dtype=float), np.array([s[1] for s in steps], dtype=float)


def available_bed_days(record: Recorder, capacity: int, t0: float, t1: float) -> float:
    """Bed-days open over [t0, t1]: the beds open times the days (the step integral once they change)."""
    times, beds = bed_capacity_steps(record, capacity)
    if len(beds) == 1:
        return float(beds[0] * (t1 - t0))
    return step_integral(times, beds, t0, t1)


def first_event_day(scenario: Scenario) -> float | None:
    """Simulation day of the first dated event, None without events."""
    if not scenario.events:
        return None
    return float((min(e.start for e in scenario.events) - scenario.run.start_date).days)


def _mean_wait(planned: Columns, end_time: float, asked: np.ndarray) -> float:
    """Mean wait of the planned admissions asked for where ``asked``; still waiting: the wait so far."""
    admit, request = planned["admit"][asked], planned["request"][asked]
    waits = np.where(np.isnan(admit), end_time, admit) - request
    return float(waits.mean()) if len(waits) else np.nan


def _waits_by_quarter(planned: Columns, end_time: float, scenario: Scenario) -> dict[str, float]:
    """Mean planned wait by calendar quarter of the request: the seasons ("selon les périodes de l'année")
    and what a closure of some weeks does to them, comparable between scenarios."""
    days = np.floor(planned["request"]).astype("timedelta64[D]")
    month = (np.datetime64(scenario.run.start_date, "D") + days).astype("datetime64[M]").astype(np.int64) % 12
    quarter = month // 3 + 1
    return {f"planned_wait_mean_days_q{q}": _mean_wait(planned, end_time, quarter == q) for q in (1, 2, 3, 4)}


def dated_kpis(record: Recorder, adm: Columns, scenario: Scenario, window: Window) -> dict[str, float]:
    """Beds open (mean), planned waits while beds are closed, and before / from the first event
    (``adm``: the bed requests' columns, ``sim.measures.frames.admission_columns``)."""
    t0, t1, _ = window
    kpi = {"beds_available_mean": available_bed_days(record, scenario.beds.capacity, t0, t1) / (t1 - t0)}
    asked = (adm["kind"] == PLANNED) & (adm["request"] >= t0) & (adm["request"] < t1)
    planned = {name: adm[name][asked] for name in ("request", "admit")}
    request_day = planned["request"].astype(np.int64)
    closed = closed_by_day(
        scenario.capacity_calendar.beds, Calendar(scenario.run.start_date), scenario.run.horizon_whole_days
    )
    closed_then = closed[np.clip(request_day, 0, len(closed) - 1)] > 0
    kpi["planned_wait_mean_days_beds_closed"] = _mean_wait(planned, record.end_time, closed_then)
    kpi["planned_wait_mean_days_beds_all_open"] = (
        _mean_wait(planned, record.end_time, ~closed_then) if closed.any() else np.nan
    )
    kpi.update(_waits_by_quarter(planned, record.end_time, scenario))
    event = first_event_day(scenario)
    from_event = planned["request"] >= (np.inf if event is None else event)
    kpi["planned_wait_mean_days_before_event"] = (
        np.nan if event is None else _mean_wait(planned, record.end_time, ~from_event)
    )
    kpi["planned_wait_mean_days_from_event"] = _mean_wait(planned, record.end_time, from_event)
    referrals = [r for r in record.home_care_requests if r.reason == "referral" and t0 <= r.time < t1]
    to_had = np.array([r.route == "had" for r in referrals], dtype=bool)
    made_from = np.array([event is not None and r.time >= event for r in referrals], dtype=bool)
    for label, chosen in (("before_event", ~made_from), ("from_event", made_from)):
        applies = event is not None and chosen.any()
        kpi[f"home_care_zone_had_share_{label}"] = float(to_had[chosen].mean()) if applies else np.nan
    return kpi


def kpi_ranges(scenario: Scenario) -> Callable[[str], tuple[float, float]]:
    """``kpi_range`` of each KPI of ``scenario``'s replications: bed occupancy at most 1 unless its
    open beds may drop (beds closed by its capacity calendar, or set by a dated event)."""
    beds_close = bool(scenario.capacity_calendar.beds) or any(
        "beds.capacity" in event.changes for event in scenario.events
    )
    return functools.partial(kpi_range, beds_close=beds_close)
