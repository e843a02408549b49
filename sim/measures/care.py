"""KPIs of care outside the IUCT-O ward: emergencies at home (peripheral hospitals) and home care (HADs)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.measures.columns import Columns, columns, group_max_concurrent, percentile
from sim.measures.frames import (
    clipped_overlap,
    had_daily_visits,
    had_visits_at_home,
    peripheral_stays,
)
from sim.model.records import (
    ADVERSE_EVENT,
    HadStay,
    HomeCareRequest,
    HomeCareWait,
    HomeEmergency,
    Recorder,
)
from sim.territory.catchment import Territory


class Window(NamedTuple):
    """The statistics window after the warm-up, shared by every KPI module: start, end, years."""

    start: float
    end: float
    years: float


def emergency_kpis(record: Recorder, adm: Columns, territory: Territory, window: Window) -> dict[str, float]:
    """Severe events at home: where they went first, transfers to IUCT-O, bed-days on both sides.

    Events and admissions count in the window by when they happened; bed-days are clipped to it.
    """
    t0, t1, years = window
    kpi: dict[str, float] = {}
    hospitals = territory.hospitals
    events = columns(record, "home_emergencies", HomeEmergency)
    onset = (events["onset"] >= t0) & (events["onset"] < t1)
    direct = events["hospital"][onset] == hospitals.centre
    kpi["severe_events_at_home_per_year"] = int(onset.sum()) / years
    kpi["severe_events_direct_to_iucto_per_year"] = float(direct.sum()) / years
    kpi["peripheral_admissions_per_year"] = float((~direct).sum()) / years
    kpi["transfers_to_iucto_per_year"] = float(events["transferred"][onset].sum()) / years
    kpi["peripheral_admissions_diverted_per_year"] = float(events["diverted"][onset].sum()) / years
    stays = peripheral_stays(record, territory)
    admitted, discharged = stays["admit"].astype(float), stays["discharge"].astype(float)
    days = clipped_overlap(admitted, discharged, t0, t1)
    kpi["peripheral_bed_days_per_year"] = float(days.sum()) / years
    ae = (adm["kind"] == ADVERSE_EVENT) & ~np.isnan(adm["admit"])
    discharge = adm["discharge"][ae]
    iucto_days = clipped_overlap(adm["admit"][ae], np.where(np.isnan(discharge), t1, discharge), t0, t1)
    kpi["iucto_adverse_event_bed_days_per_year"] = float(iucto_days.sum()) / years
    in_window = (admitted >= t0) & (admitted < t1)
    at = stays["hospital"]
    peaks = group_max_concurrent(at, admitted, discharged, len(hospitals.table))
    busiest = 0
    for row, hospital in enumerate(hospitals.table.index):
        if row != hospitals.centre:
            here = at == row
            kpi[f"peripheral_admissions_per_year_{hospital}"] = float((in_window & here).sum()) / years
            kpi[f"peripheral_bed_days_per_year_{hospital}"] = float(days[here].sum()) / years
            busiest = max(busiest, int(peaks[row]))
    # Over the whole run, as for the HADs: to set against scenario emergencies.peripheral_beds.
    kpi["peripheral_max_concurrent"] = float(busiest)
    return kpi


def home_care_kpis(
    record: Recorder, episodes: Columns, territory: Territory, window: Window
) -> dict[str, float]:
    """Waits in a bed for home care, re-choices and fallbacks, HADs' load, HAD nurses' driving."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    arrival = episodes["arrival"]
    route = episodes["route"][(arrival >= t0) & (arrival < t1)]
    kpi["convention_share"] = float((route == "convention").mean()) if len(route) else np.nan
    waits = columns(record, "home_care_waits", HomeCareWait)
    started = (waits["start"] >= t0) & (waits["start"] < t1)
    room_days, episode = waits["room_days"][started], waits["episode"][started]
    days = waits["setup_days"][started] + room_days
    kpi["home_care_wait_mean_days"] = float(days.mean()) if len(days) else np.nan
    kpi["home_care_wait_p95_days"] = percentile(days, 95) if len(days) else np.nan
    kpi["had_room_wait_days_per_year"] = float(room_days.sum()) / years
    kpi["episodes_waited_for_home_care_per_year"] = len(np.unique(episode[days > 0])) / years
    kpi["episodes_waited_for_had_room_per_year"] = len(np.unique(episode[room_days > 0])) / years
    requests = columns(record, "home_care_requests", HomeCareRequest)
    asked = (requests["time"] >= t0) & (requests["time"] < t1)
    reason = requests["reason"][asked]
    kpi["had_rechoices_per_year"] = float((reason == "zone_partner").sum()) / years
    kpi["fallbacks_for_full_had_per_year"] = float((reason == "full").sum()) / years
    new_conventions = (requests["route"][asked] == "convention") & ~requests["reused"][asked].astype(bool)
    kpi["conventions_set_up_per_year"] = float(new_conventions.sum()) / years
    kpi.update(_had_load(record, territory, window))
    visits = had_visits_at_home(record, territory)
    days = clipped_overlap(visits["start"], visits["end"], t0, t1)
    km, hours = days * visits["km"], days * visits["hours"]
    kpi["had_nurse_km_per_year"] = float(km.sum()) / years
    kpi["had_nurse_hours_per_year"] = float(hours.sum()) / years
    by_had = visits["had"]
    for j, had in enumerate(territory.hads.index):
        kpi[f"had_patient_days_per_year_{had}"] = float(days[by_had == j].sum()) / years
        kpi[f"had_nurse_km_per_year_{had}"] = float(km[by_had == j].sum()) / years
    return kpi


def _had_load(record: Recorder, territory: Territory, window: Window) -> dict[str, float]:
    """Per HAD: peak pumps in use and days without a visit left, against its capacity; deferred visits."""
    kpi: dict[str, float] = {}
    pumps = record.had_census.pumps
    daily = had_daily_visits(record)
    days = slice(int(np.ceil(window.start)), int(np.floor(window.end)))
    full = (daily.others + daily.blinatumomab >= daily.visits_per_day)[:, days]
    kpi["had_other_visits_deferred_per_year"] = float(daily.deferred[:, days].sum()) / window.years
    stays = columns(record, "had_stays", HadStay)
    starts, ends = stays["start"].astype(float), stays["end"].astype(float)
    peaks = group_max_concurrent(stays["had"], starts, ends, len(territory.hads.index))
    for j, had in enumerate(territory.hads.index):
        peak = int(peaks[j])
        kpi[f"had_max_concurrent_{had}"] = float(peak)  # pumps in use at once
        kpi[f"had_peak_pump_share_{had}"] = peak / pumps[j] if pumps[j] else np.nan
        # An HAD with no visit to give (merged into another: its capacity is the other's) is not full
        # every day: it is not there.
        operating = bool(daily.visits_per_day[j].any())
        kpi[f"had_full_days_per_year_{had}"] = float(full[j].sum()) / window.years if operating else np.nan
    return kpi


def home_care_day_kpis(record: Recorder, window: Window) -> dict[str, float]:
    """Bed-days of patients whose home care was ready on a day it may not begin (weekend, holiday)."""
    days = sum(w.days for w in record.discharge_day_waits if window.start <= w.start < window.end)
    return {"blina_bed_days_waiting_home_care_day_per_year": days / window.years}


def interruption_kpis(record: Recorder, episodes: Columns, window: Window) -> dict[str, float]:
    """Infusions stopped for a severe event: per episode referred in the window; days stopped a year."""
    arrival = episodes["arrival"]
    referred = set(episodes["episode"][(arrival >= window.start) & (arrival < window.end)].tolist())
    of_referred = sum(1 for i in record.interruptions if i.episode in referred)
    days = sum(
        min(i.restart, window.end) - i.start
        for i in record.interruptions
        if window.start <= i.start < window.end and np.isfinite(i.restart)
    )
    return {
        "infusion_interruptions_per_episode": of_referred / len(referred) if referred else np.nan,
        "infusion_interrupted_days_per_year": days / window.years,
    }
