"""Key performance indicators of one replication, from the model's raw records.

Statistics cover the window after the warm-up, [warmup, horizon]. Per-year figures divide by the
window length in years; per-episode figures average over episodes referred in the window and
finished before the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.measures.care import Window, emergency_kpis, home_care_kpis
from sim.measures.frames import (
    admissions_frame,
    background_frame,
    bed_levels,
    blina_bookings_frame,
    clipped_overlap,
    day_hospital_load,
    episodes_frame,
    is_bridge_bag,
    records_frame,
    step_integral,
)
from sim.measures.indications import indication_kpis
from sim.model.records import (
    ADVERSE_EVENT,
    BAG_CHANGE,
    BLINA_START,
    BOOKED_START,
    EMERGENCY,
    PLANNED,
    ROUTES,
    Delivery,
    HomeSegment,
    Leg,
    Recorder,
    Transfer,
    Trip,
)
from sim.scenario.schema import WEEKDAYS, DrugCost, Scenario
from sim.territory.catchment import Territory


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
        **_cycle_starts(admissions, episodes, window),
        **_day_hospital(record, scenario, window),
        **_travel(record, window),
        **_episodes(record, episodes, window),
        **_days_at_home_and_in_bed(record, admissions, window),
        **emergency_kpis(record, admissions, territory, window),
        **home_care_kpis(record, episodes, territory, window),
        **_censoring_and_stability(record, admissions, episodes, scenario.beds.capacity, window),
        **indication_kpis(episodes, list(scenario.blinatumomab.indications), window),
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


def _cycle_starts(adm: pd.DataFrame, episodes: pd.DataFrame, window: Window) -> dict[str, float]:
    """Blinatumomab cycle starts: referral to the first admission; booked cycles admitted after their day.

    A booked cycle asks for its bed on its booked day, so its wait is its delay. Beds-days spent
    waiting for a start weekday are counted per episode referred in the window.
    """
    t0, t1, years = window
    kpi: dict[str, float] = {}
    starts = adm[(adm["kind"] == BLINA_START) & (adm["request"] >= t0) & (adm["request"] < t1)]
    starts = starts[starts["admit"].notna()]
    booked = starts["start_type"] == BOOKED_START
    for label, waits in (
        ("first_admission_wait", starts.loc[~booked, "wait"].to_numpy()),
        ("booked_start_delay", starts.loc[booked, "wait"].to_numpy()),
    ):
        kpi[f"blina_{label}_mean_days"] = float(waits.mean()) if len(waits) else np.nan
        kpi[f"blina_{label}_p95_days"] = float(np.percentile(waits, 95)) if len(waits) else np.nan
    delays = starts.loc[booked, "wait"].to_numpy()
    kpi["blina_booked_start_delayed_share"] = float(np.mean(delays > 1e-9)) if len(delays) else np.nan
    waiting = 0.0
    if len(episodes):
        referred = (episodes["arrival"] >= t0) & (episodes["arrival"] < t1)
        waiting = float(episodes.loc[referred, "bed_days_waiting_start_day"].sum())
    kpi["blina_bed_days_waiting_start_day_per_year"] = waiting / years
    return kpi


def _day_hospital(record: Recorder, scenario: Scenario, window: Window) -> dict[str, float]:
    """The day hospital as it happened: sessions used, other patients deferred, bag changes moved."""
    load = day_hospital_load(record)
    days = load.iloc[int(np.ceil(window.start)) : int(np.floor(window.end))]
    weeks = len(days) / 7
    blina = blina_bookings_frame(record)
    blina = blina[(blina["due"] >= window.start) & (blina["due"] < window.end)]
    used = blina[(blina["day"] >= 0) & ~blina["cancelled"]]
    changes = used["purpose"] == BAG_CHANGE
    kpi: dict[str, float] = {
        "hdj_blina_sessions_per_week": float(changes.sum()) / weeks,
        "hdj_visit_sessions_per_week": float((~changes).sum()) / weeks,
        "hdj_over_capacity_per_week": days["overflow"].sum() / weeks,
    }
    open_days = days[days["capacity"] > 0]
    taken = open_days["background"] + open_days["blinatumomab"]
    kpi["hdj_utilisation"] = float(taken.sum() / open_days["capacity"].sum()) if len(open_days) else np.nan
    for day in WEEKDAYS[:5]:
        on_day = open_days["weekday"] == day
        if on_day.any():
            kpi[f"hdj_utilisation_{day}"] = float(
                taken[on_day].sum() / open_days.loc[on_day, "capacity"].sum()
            )
    return kpi | _background_deferrals(record, window) | _bag_changes_moved(record, blina, scenario, window)


def _background_deferrals(record: Recorder, window: Window) -> dict[str, float]:
    """Other patients' requests due in the window: deferred (displaced, or past tolerance), by how long."""
    requests = background_frame(record)
    requests = requests[(requests["due"] >= window.start) & (requests["due"] < window.end)]
    booked = requests["day"] >= 0
    deferred = (requests["displaced"] > 0) | ~booked | (requests["day"] > requests["latest"])
    delay = (requests["day"] - requests["due"])[deferred & booked].to_numpy()
    return {
        "hdj_background_requests_per_year": len(requests) / window.years,
        "hdj_background_deferred_per_year": float(deferred.sum()) / window.years,
        "hdj_background_displaced_per_year": float((requests["displaced"] > 0).sum()) / window.years,
        "hdj_background_deferral_mean_days": float(delay.mean()) if len(delay) else 0.0,
        "hdj_background_deferral_p95_days": float(np.percentile(delay, 95)) if len(delay) else 0.0,
    }


def _bag_changes_moved(
    record: Recorder, blina: pd.DataFrame, scenario: Scenario, window: Window
) -> dict[str, float]:
    """Bag changes due in the window with no session of their own, by policy; what the bridges added."""
    years = window.years
    changes = blina[blina["purpose"] == BAG_CHANGE]
    kpi = {
        "hdj_bag_changes_displacing_per_year": float((changes["outcome"] == "displaced").sum()) / years,
        **{
            f"hdj_bag_changes_{policy}_per_year": float((changes["outcome"] == policy).sum()) / years
            for policy in ("bridge", "ward", "had_nurse", "overbook")
        },
    }
    visits = blina[blina["purpose"] != BAG_CHANGE]
    kpi["hdj_visits_deferred_per_year"] = float((visits["day"] > visits["latest"]).sum()) / years
    drug = scenario.costs.drug
    extra_bags = extra_vials = 0.0
    for bridge in record.bridges:
        if window.start <= bridge.missed < window.end:
            extra_bags += len(bridge.replanned) - len(bridge.planned)
            extra_vials += _vials(bridge.replanned, drug) - _vials(bridge.planned, drug)
    kpi["hdj_bridge_extra_bags_per_year"] = extra_bags / years
    kpi["hdj_bridge_extra_vials_per_year"] = extra_vials / years
    # Each extra bag is one more change at home (a trip); an HAD nurse's change saves one.
    kpi["hdj_no_slot_extra_trips_per_year"] = (
        extra_bags - float((changes["outcome"] == "had_nurse").sum())
    ) / years
    return kpi


def _vials(bags: tuple[tuple[float, float, float], ...], drug: DrugCost) -> float:
    """Vials of bags given as (start, end, ug/day), as the economics counts them."""
    return sum(
        economics.bag_drug(
            ug, end - start, drug.vial_ug, drug.overfill_hours_short_bags, vial_sharing=drug.vial_sharing
        ).vials
        for start, end, ug in bags
    )


def _travel(record: Recorder, window: Window) -> dict[str, float]:
    """Patients' trips (bag changes, visits), journeys in and out of hospital; couriers' deliveries."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    trips = records_frame(record.trips, Trip)
    trips = trips[(trips["time"] >= t0) & (trips["time"] < t1)]
    kpi["trips_per_year"] = len(trips) / years
    kpi["visit_trips_per_year"] = float((trips["purpose"] != BAG_CHANGE).sum()) / years
    deliveries = records_frame(record.deliveries, Delivery)
    deliveries = deliveries[(deliveries["time"] >= t0) & (deliveries["time"] < t1)]
    kpi["bag_deliveries_per_year"] = len(deliveries) / years
    kpi["bag_delivery_km_per_year"] = deliveries["km"].sum() / years
    legs = records_frame(record.legs, Leg)
    legs = legs[(legs["time"] >= t0) & (legs["time"] < t1)]
    kpi["hospital_journeys_per_year"] = len(legs) / years
    transfers = records_frame(record.transfers, Transfer)
    transfers = transfers[(transfers["time"] >= t0) & (transfers["time"] < t1)]
    kpi["transfer_km_per_year"] = transfers["km"].sum() / years
    kpi["travel_km_per_year"] = (trips["km"].sum() + legs["km"].sum() + transfers["km"].sum()) / years
    kpi["travel_hours_per_year"] = (
        trips["hours"].sum() + legs["hours"].sum() + transfers["hours"].sum()
    ) / years
    kpi["bag_change_km_per_year"] = trips.loc[trips["purpose"] == BAG_CHANGE, "km"].sum() / years
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


def _days_at_home_and_in_bed(record: Recorder, adm: pd.DataFrame, window: Window) -> dict[str, float]:
    """Home days and blinatumomab bed-days, clipped to the window."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    home_days_window = sum(_days_in(s, t0, t1) for e in record.episodes for s in e.home_segments)
    kpi["bed_days_saved_by_home_care_per_year"] = home_days_window / years
    blina_beds = adm[(adm["kind"] != EMERGENCY) & (adm["kind"] != PLANNED) & adm["admit"].notna()]
    stays = clipped_overlap(
        blina_beds["admit"].to_numpy(), blina_beds["discharge"].fillna(t1).to_numpy(), t0, t1
    )
    kpi["blina_bed_days_per_year"] = float(stays.sum()) / years
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
