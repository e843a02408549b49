"""Key performance indicators of one replication, from the model's raw records.

Statistics cover the window after the warm-up, [warmup, horizon]. Per-year figures divide by the
window length in years; per-episode figures average over episodes referred in the window and
finished before the horizon.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.measures.frames import (
    admissions_frame,
    bed_levels,
    clipped_overlap,
    day_hospital_load,
    episodes_frame,
    is_bridge_bag,
    max_concurrent,
    records_frame,
    step_integral,
)
from sim.model.records import (
    ADVERSE_EVENT,
    BLINA_START,
    EMERGENCY,
    PLANNED,
    ROUTES,
    Delivery,
    HomeSegment,
    Leg,
    Recorder,
    Trip,
)
from sim.scenario.schema import WEEKDAYS, Scenario
from sim.territory.catchment import Territory


class Window(NamedTuple):
    """The statistics window after the warm-up, from start to end (the horizon), and its length in years."""

    start: float
    end: float
    years: float


def compute(
    record: Recorder,
    scenario: Scenario,
    territory: Territory,
    episodes: pd.DataFrame | None = None,
) -> dict[str, float]:
    """All KPIs of one replication; ``episodes`` is ``episodes_frame(record, territory)`` if already built."""
    run = scenario.run
    window = Window(run.warmup_days, run.horizon, run.years)
    if episodes is None:
        episodes = episodes_frame(record, territory, scenario.costs)
    admissions = admissions_frame(record)
    return {
        **_beds(record, admissions, scenario.beds.capacity, window),
        **_day_hospital(record, window),
        **_travel(record, window),
        **_episodes(record, episodes, window),
        **_days_at_home_and_in_bed(record, admissions, territory, window),
        **_censoring_and_stability(record, admissions, episodes, scenario.beds.capacity, window),
    }


def _beds(record: Recorder, adm: pd.DataFrame, capacity: int, window: Window) -> dict[str, float]:
    """Bed occupancy, and the waits for a bed by kind of admission."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    times, levels = bed_levels(record)
    kpi["bed_occupancy"] = step_integral(times, levels, t0, t1) / (capacity * (t1 - t0))
    in_window = (adm["request"] >= t0) & (adm["request"] < t1)
    admitted = adm[in_window & adm["admit"].notna()]
    for kind, label in WAIT_KINDS:
        served = admitted.loc[admitted["kind"] == kind, "wait"].to_numpy()
        waits = np.concatenate([served, censored_waits(record, adm, kind, window)])  # + still waiting
        kpi[f"{label}_wait_mean_days"] = float(waits.mean()) if len(waits) else np.nan
        if label != "emergency":
            for q in (90, 95):
                kpi[f"{label}_wait_p{q}_days"] = float(np.percentile(waits, q)) if len(waits) else np.nan
            kpi[f"{label}_wait_max_days"] = float(waits.max()) if len(waits) else np.nan
    kpi["admissions_not_yet_admitted"] = float((in_window & adm["admit"].isna()).sum())
    ae = admitted[admitted["kind"] == ADVERSE_EVENT]
    kpi["adverse_event_readmissions_per_year"] = len(ae) / years
    return kpi


def _day_hospital(record: Recorder, window: Window) -> dict[str, float]:
    """Blinatumomab sessions, overflow and utilisation of the day hospital, over whole days."""
    kpi: dict[str, float] = {}
    load = day_hospital_load(record)
    days = load.iloc[int(np.ceil(window.start)) : int(np.floor(window.end))]
    weeks = len(days) / 7
    kpi["hdj_blina_sessions_per_week"] = days["blinatumomab"].sum() / weeks
    kpi["hdj_overflow_per_week"] = days["overflow"].sum() / weeks
    open_days = days[days["capacity"] > 0]
    used = np.minimum(open_days["background"] + open_days["blinatumomab"], open_days["capacity"])
    kpi["hdj_utilisation"] = float(used.sum() / open_days["capacity"].sum()) if len(open_days) else np.nan
    for day in WEEKDAYS[:5]:
        sub = open_days[open_days["weekday"] == day]
        if len(sub):
            kpi[f"hdj_utilisation_{day}"] = float(
                np.minimum(sub["background"] + sub["blinatumomab"], sub["capacity"]).sum()
                / sub["capacity"].sum()
            )
    return kpi


def _travel(record: Recorder, window: Window) -> dict[str, float]:
    """Patients' trips for bag changes and journeys in and out of hospital; couriers' deliveries."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    trips = records_frame(record.trips, Trip)
    trips = trips[(trips["time"] >= t0) & (trips["time"] < t1)]
    kpi["trips_per_year"] = len(trips) / years
    deliveries = records_frame(record.deliveries, Delivery)
    deliveries = deliveries[(deliveries["time"] >= t0) & (deliveries["time"] < t1)]
    kpi["bag_deliveries_per_year"] = len(deliveries) / years
    kpi["bag_delivery_km_per_year"] = deliveries["km"].sum() / years
    legs = records_frame(record.legs, Leg)
    legs = legs[(legs["time"] >= t0) & (legs["time"] < t1)]
    kpi["hospital_journeys_per_year"] = len(legs) / years
    kpi["travel_km_per_year"] = (trips["km"].sum() + legs["km"].sum()) / years
    kpi["travel_hours_per_year"] = (trips["hours"].sum() + legs["hours"].sum()) / years
    kpi["bag_change_km_per_year"] = trips["km"].sum() / years
    return kpi


def _episodes(record: Recorder, episodes: pd.DataFrame, window: Window) -> dict[str, float]:
    """Bags, episodes by route, per-episode means and costs of the episodes referred in the window."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    bags = [b for e in record.episodes for b in e.bags if t0 <= b.start < t1]
    kpi["bag_changes_away_from_ward_per_year"] = sum(1 for b in bags if b.where != "ward") / years
    kpi["bridge_bags_per_year"] = sum(1 for b in bags if is_bridge_bag(b)) / years

    referred = (
        episodes[(episodes["arrival"] >= t0) & (episodes["arrival"] < t1)] if len(episodes) else episodes
    )
    kpi["episodes_per_year"] = len(referred) / years
    for route in ROUTES:
        kpi[f"episodes_route_{route}_per_year"] = (
            float((referred["route"] == route).sum()) / years if len(referred) else 0.0
        )
    done = referred[referred["finished"]] if len(referred) else referred
    for column in ("trips", "km", "hours", "home_days", "bed_days_total"):
        kpi[f"{column}_per_episode"] = float(done[column].mean()) if len(done) else np.nan
    # Costs: each episode referred in the window, followed to its end (the run drains after the horizon).
    if "cost_total" in referred:
        for item in (*economics.COST_ITEMS, "total", "drug_wasted"):
            column = referred[f"cost_{item}"]
            kpi[f"cost_{item}_per_episode"] = float(column.mean()) if len(referred) else np.nan
            kpi[f"cost_{item}_per_year"] = float(column.sum()) / years  # no episode: 0 EUR
        kpi["vials_per_episode"] = float(referred["vials"].mean()) if len(referred) else np.nan
        kpi["nurse_visits_per_episode"] = float(referred["nurse_visits"].mean()) if len(referred) else np.nan
        kpi["drug_wasted_share"] = (
            float(referred["wasted_ug"].sum() / (referred["wasted_ug"] + referred["infused_ug"]).sum())
            if len(referred) and referred["infused_ug"].sum() > 0
            else np.nan
        )
    return kpi


def _days_at_home_and_in_bed(
    record: Recorder, adm: pd.DataFrame, territory: Territory, window: Window
) -> dict[str, float]:
    """Home days (by HAD) and blinatumomab bed-days, clipped to the window; HADs' busiest moments."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    home = [(e.had, s) for e in record.episodes for s in e.home_segments]
    home_days_window = sum(_days_in(s, t0, t1) for _, s in home)
    kpi["bed_days_saved_by_home_care_per_year"] = home_days_window / years
    for j, had in enumerate(territory.hads.index):
        days = sum(_days_in(s, t0, t1) for h, s in home if h == j)
        kpi[f"had_patient_days_per_year_{had}"] = days / years
    blina_beds = adm[(adm["kind"] != EMERGENCY) & (adm["kind"] != PLANNED) & adm["admit"].notna()]
    stays = clipped_overlap(
        blina_beds["admit"].to_numpy(), blina_beds["discharge"].fillna(t1).to_numpy(), t0, t1
    )
    kpi["blina_bed_days_per_year"] = float(stays.sum()) / years
    had_stays = record.had_stays
    stay_had = np.array([s.had for s in had_stays])
    starts = np.array([s.start for s in had_stays], dtype=float)
    ends = np.array([s.end for s in had_stays], dtype=float)
    for j, had in enumerate(territory.hads.index):
        kpi[f"had_max_concurrent_{had}"] = float(max_concurrent(starts[stay_had == j], ends[stay_had == j]))
    return kpi


def _days_in(segment: HomeSegment, t0: float, t1: float) -> float:
    """Days of a home segment within [t0, t1]."""
    return clipped_overlap(np.array([segment.start]), np.array([segment.end]), t0, t1)[0]


# --- censoring and stability: what a run leaves unfinished, and whether its queues settle ---------

WAIT_KINDS = ((PLANNED, "planned"), (EMERGENCY, "emergency"), (BLINA_START, "blina_cycle_start"))
# A run is flagged unstable when the bed queue's least-squares trend over the window adds more
# requests than max(beds, QUEUE_GROWTH_FLOOR), or when more than NEVER_STARTED_SHARE of the
# episodes referred in the window never started their first cycle (by the end of the run, up to
# three years after the horizon). Stable runs of the shipped scenarios stay far below both.
QUEUE_GROWTH_FLOOR = 10
NEVER_STARTED_SHARE = 0.05


def censored_waits(record: Recorder, adm: pd.DataFrame, kind: int, window: Window) -> np.ndarray:
    """Waits so far, when the run stopped, of the requests of one kind made in the window and never served.

    They are censored observations: the true waits are longer, so means and percentiles that include
    them are lower bounds (and those that left them out were biased low, to 0 for a saturated ward).
    """
    waiting = adm[(adm["request"] >= window.start) & (adm["request"] < window.end) & adm["admit"].isna()]
    return record.end_time - waiting.loc[waiting["kind"] == kind, "request"].to_numpy()


def bed_queue_growth(adm: pd.DataFrame, window: Window) -> float:
    """Requests the bed queue gains over the window: least-squares trend of its length at each day."""
    days = np.arange(np.ceil(window.start), np.floor(window.end) + 1)
    if len(days) < 2:
        return 0.0
    requested = np.sort(adm["request"].to_numpy())
    admitted = np.sort(adm["admit"].to_numpy(dtype=float, na_value=np.inf))
    queue = np.searchsorted(requested, days, side="right") - np.searchsorted(admitted, days, side="right")
    slope = np.polyfit(days - days[0], queue, 1)[0]
    return float(slope * (days[-1] - days[0]))


def _censoring_and_stability(
    record: Recorder, adm: pd.DataFrame, episodes: pd.DataFrame, beds: int, window: Window
) -> dict[str, float]:
    """Waits censored at the end, bed-queue growth, episodes that never started; 1 if unstable."""
    kpi: dict[str, float] = {}
    for kind, label in WAIT_KINDS:
        kpi[f"{label}_waits_censored"] = float(len(censored_waits(record, adm, kind, window)))
    kpi["bed_queue_growth"] = bed_queue_growth(adm, window)
    referred = episodes[(episodes["arrival"] >= window.start) & (episodes["arrival"] < window.end)]
    kpi["episodes_never_started_share"] = (
        float((referred["cycles_started"] == 0).mean()) if len(referred) else 0.0
    )
    kpi["unstable"] = float(
        _grows(kpi["bed_queue_growth"], beds) or kpi["episodes_never_started_share"] > NEVER_STARTED_SHARE
    )
    return kpi


def _grows(growth: float | pd.Series, beds: int) -> bool | pd.Series:
    """Whether the bed queue grew without bound: by more than the beds (or the floor) over the window."""
    return growth > max(beds, QUEUE_GROWTH_FLOOR)


def run_warnings(table: pd.DataFrame, beds: int) -> list[str]:
    """What a reader must know before quoting the KPIs of these replications (one row each)."""
    n = len(table)
    if n == 0 or "unstable" not in table:
        return []
    warnings = []
    growing = _grows(table["bed_queue_growth"], beds)
    if growing.any():
        warnings.append(
            f"the bed queue grows without bound in {growing.sum()} of {n} replications "
            f"(+{table['bed_queue_growth'].mean():,.0f} requests over the statistics window on average, "
            f"more than the ward's {beds} bed{'s' if beds != 1 else ''}): waits depend on the run length"
        )
    never = table["episodes_never_started_share"] > NEVER_STARTED_SHARE
    if never.any():
        warnings.append(
            f"{table['episodes_never_started_share'].mean():.0%} of the episodes referred never started "
            f"their first cycle (more than {NEVER_STARTED_SHARE:.0%} in {never.sum()} of {n} replications)"
        )
    censored = sum(table[f"{label}_waits_censored"].sum() for _, label in WAIT_KINDS)
    if warnings and censored:
        warnings.append(
            f"{censored:,.0f} bed requests of the window (all replications) were still waiting when the "
            "runs stopped: their waits count as the wait so far, a lower bound"
        )
    return warnings
