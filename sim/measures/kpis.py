"""Key performance indicators of one replication, from the model's raw records.

Statistics cover the window after the warm-up, [warmup, horizon]. Per-year figures divide by the
window length in years; per-episode figures average over episodes referred in the window and
finished before the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.measures import economics
from sim.measures.bags import bag_columns, bridge_bags
from sim.measures.care import Window, emergency_kpis, home_care_day_kpis, home_care_kpis, interruption_kpis
from sim.measures.columns import Columns, columns, percentile
from sim.measures.dated import available_bed_days, dated_kpis
from sim.measures.day_hospital_tables import (
    background_columns,
    blina_bookings_columns,
    day_hospital_load_columns,
)
from sim.measures.frames import (
    admission_columns,
    bed_levels,
    clipped_overlap,
    episode_table,
    step_integral,
)
from sim.measures.indications import indication_kpis
from sim.measures.language import number, say
from sim.measures.planner import planner_kpis
from sim.measures.seasons import seasonal_wait_kpis
from sim.model.calendar import Calendar, weekday_set
from sim.model.records import (
    ADVERSE_EVENT,
    BAG_CHANGE,
    BLINA_START,
    BOOKED_START,
    EMERGENCY,
    PLANNED,
    ROUTES,
    Delivery,
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
    episodes: pd.DataFrame | Columns | None = None,
) -> dict[str, float]:
    """All KPIs of one replication; ``episodes`` is the episode table if already built: its columns
    (``frames.episode_table``) or ``frames.episodes_frame``."""
    run = scenario.run
    window = Window(run.warmup_days, run.horizon, run.years)
    if episodes is None:
        episodes = episode_table(record, territory, scenario.costs)
    if isinstance(episodes, pd.DataFrame):
        table = {name: episodes[name].to_numpy() for name in _episode_columns_used(episodes)}
    else:
        table = {name: np.asarray(episodes[name]) for name in _episode_columns_used(episodes)}
    admissions = admission_columns(record)
    values = {
        **_beds(record, admissions, scenario.beds.capacity, window),
        **seasonal_wait_kpis(admissions, record.end_time, window, run.start_date),
        **_cycle_starts(admissions, table, window),
        **home_care_day_kpis(record, window),
        **interruption_kpis(record, table, window),
        **_day_hospital(record, scenario, window),
        **_travel(record, window),
        **_episodes(record, table, window),
        **on_call_bag_kpis(record, scenario, window),
        **_days_at_home_and_in_bed(record, admissions, window),
        **emergency_kpis(record, admissions, territory, window),
        **home_care_kpis(record, table, territory, window),
        **_censoring_and_stability(record, admissions, table, scenario.beds.capacity, window),
        **dated_kpis(record, admissions, scenario, window),
        **indication_kpis(table, list(scenario.blinatumomab.indications), window),
    }
    peaks = [v for k, v in values.items() if k.startswith("had_peak_pump_share_")]
    return {**values, **planner_kpis(record, table, scenario.beds.capacity, peaks, window)}


def _episode_columns_used(episodes: pd.DataFrame | Columns) -> list[str]:
    """The episode table's columns the KPIs read (the costs only when the table has them)."""
    names = ["episode", "arrival", "route", "indication", "finished", "cycles_started"]
    names += ["bed_days_waiting_start_day"]
    names += ["trips", "km", "hours", "home_days", "bed_days_total"]
    if "cost_total" in episodes:
        items = (*economics.COST_ITEMS, "total", "drug_wasted", "drug_unused_bags")
        names += [f"cost_{item}" for item in items]
        names += ["vials", "nurse_visits", "wasted_ug", "infused_ug"]
    return names


def _where(table: Columns, keep: np.ndarray) -> Columns:
    """The rows of a table of named columns where ``keep`` holds."""
    return {name: values[keep] for name, values in table.items()}


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else np.nan


def _percentile(values: np.ndarray, q: float) -> float:
    return percentile(values, q) if len(values) else np.nan


def _requested_in(adm: Columns, window: Window) -> np.ndarray:
    return (adm["request"] >= window.start) & (adm["request"] < window.end)


def _beds(record: Recorder, adm: Columns, capacity: int, window: Window) -> dict[str, float]:
    """Bed occupancy, and the waits for a bed by kind of admission."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    times, levels = bed_levels(record)
    kpi["bed_occupancy"] = step_integral(times, levels, t0, t1) / available_bed_days(record, capacity, t0, t1)
    in_window = _requested_in(adm, window)
    waiting = np.isnan(adm["admit"])
    admitted = in_window & ~waiting
    for kind, label in WAIT_KINDS:
        served = adm["wait"][admitted & (adm["kind"] == kind)]
        waits = np.concatenate([served, censored_waits(record, adm, kind, window)])  # + still waiting
        kpi[f"{label}_wait_mean_days"] = _mean(waits)
        if label != "emergency":
            for q in (90, 95):
                kpi[f"{label}_wait_p{q}_days"] = _percentile(waits, q)
            kpi[f"{label}_wait_max_days"] = float(waits.max()) if len(waits) else np.nan
    kpi["admissions_not_yet_admitted"] = float((in_window & waiting).sum())
    kpi["adverse_event_readmissions_per_year"] = (
        int((admitted & (adm["kind"] == ADVERSE_EVENT)).sum()) / years
    )
    return kpi


def _cycle_starts(adm: Columns, episodes: Columns, window: Window) -> dict[str, float]:
    """Blinatumomab cycle starts: referral to the first admission; booked cycles admitted after their day.

    A booked cycle asks for its bed on its booked day, so its wait is its delay. Beds-days spent
    waiting for a start weekday are counted per episode referred in the window.
    """
    years = window.years
    kpi: dict[str, float] = {}
    starts = (adm["kind"] == BLINA_START) & _requested_in(adm, window) & ~np.isnan(adm["admit"])
    booked = adm["start_type"] == BOOKED_START
    delays = adm["wait"][starts & booked]
    for label, waits in (
        ("first_admission_wait", adm["wait"][starts & ~booked]),
        ("booked_start_delay", delays),
    ):
        kpi[f"blina_{label}_mean_days"] = _mean(waits)
        kpi[f"blina_{label}_p95_days"] = _percentile(waits, 95)
    kpi["blina_booked_start_delayed_share"] = float(np.mean(delays > 1e-9)) if len(delays) else np.nan
    waiting = 0.0
    if len(episodes["episode"]):
        waiting = float(episodes["bed_days_waiting_start_day"][_referred(episodes, window)].sum())
    kpi["blina_bed_days_waiting_start_day_per_year"] = waiting / years
    return kpi


def _referred(episodes: Columns, window: Window) -> np.ndarray:
    """Which episodes were referred in the window."""
    arrival = episodes["arrival"]
    return (arrival >= window.start) & (arrival < window.end)


def _day_hospital(record: Recorder, scenario: Scenario, window: Window) -> dict[str, float]:
    """The day hospital as it happened: sessions used, other patients deferred, bag changes moved."""
    load = day_hospital_load_columns(record)
    days = slice(int(np.ceil(window.start)), int(np.floor(window.end)))
    load = {name: values[days] for name, values in load.items()}
    weeks = len(load["capacity"]) / 7
    blina = blina_bookings_columns(record)
    blina = _where(blina, (blina["due"] >= window.start) & (blina["due"] < window.end))
    used = (blina["day"] >= 0) & ~blina["cancelled"]
    changes = blina["purpose"][used] == BAG_CHANGE
    kpi: dict[str, float] = {
        "hdj_blina_sessions_per_week": float(changes.sum()) / weeks,
        "hdj_visit_sessions_per_week": float((~changes).sum()) / weeks,
        "hdj_over_capacity_per_week": load["overflow"].sum() / weeks,
    }
    open_days = load["capacity"] > 0
    taken = (load["background"] + load["blinatumomab"])[open_days]
    capacity, weekday = load["capacity"][open_days], load["weekday"][open_days]
    kpi["hdj_utilisation"] = float(taken.sum() / capacity.sum()) if open_days.any() else np.nan
    for day in WEEKDAYS[:5]:
        on_day = weekday == day
        if on_day.any():
            kpi[f"hdj_utilisation_{day}"] = float(taken[on_day].sum() / capacity[on_day].sum())
    return kpi | _background_deferrals(record, window) | _bag_changes_moved(record, blina, scenario, window)


def _background_deferrals(record: Recorder, window: Window) -> dict[str, float]:
    """Other patients' requests due in the window: deferred (displaced, or past tolerance), by how long."""
    requests = background_columns(record)
    requests = _where(requests, (requests["due"] >= window.start) & (requests["due"] < window.end))
    booked = requests["day"] >= 0
    displaced = requests["displaced"] > 0
    deferred = displaced | ~booked | (requests["day"] > requests["latest"])
    delay = (requests["day"] - requests["due"])[deferred & booked]
    return {
        "hdj_background_requests_per_year": len(requests["due"]) / window.years,
        "hdj_background_deferred_per_year": float(deferred.sum()) / window.years,
        "hdj_background_displaced_per_year": float(displaced.sum()) / window.years,
        "hdj_background_deferral_mean_days": float(delay.mean()) if len(delay) else 0.0,
        "hdj_background_deferral_p95_days": percentile(delay, 95) if len(delay) else 0.0,
    }


def _bag_changes_moved(
    record: Recorder, blina: Columns, scenario: Scenario, window: Window
) -> dict[str, float]:
    """Bag changes due in the window with no session of their own, by policy; what the bridges added."""
    years = window.years
    change = blina["purpose"] == BAG_CHANGE
    outcomes = blina["outcome"][change]
    kpi = {
        "hdj_bag_changes_displacing_per_year": float((outcomes == "displaced").sum()) / years,
        **{
            f"hdj_bag_changes_{policy}_per_year": float((outcomes == policy).sum()) / years
            for policy in ("bridge", "ward", "had_nurse", "overbook")
        },
    }
    kpi["hdj_visits_deferred_per_year"] = float((blina["day"] > blina["latest"])[~change].sum()) / years
    drug = scenario.costs.drug
    extra_bags = extra_vials = 0.0
    for bridge in record.bridges:
        if window.start <= bridge.missed < window.end:
            extra_bags += len(bridge.replanned) - len(bridge.planned)
            extra_vials += _vials(bridge.replanned, drug) - _vials(bridge.planned, drug)
    kpi["hdj_bridge_extra_bags_per_year"] = extra_bags / years
    kpi["hdj_bridge_extra_vials_per_year"] = extra_vials / years
    # Each extra bag is one more change at home (a trip); an HAD nurse's change saves one.
    kpi["hdj_no_slot_extra_trips_per_year"] = (extra_bags - float((outcomes == "had_nurse").sum())) / years
    return kpi


def _vials(bags: tuple[tuple[float, float, float], ...], drug: DrugCost) -> float:
    """Vials of bags given as (start, end, ug/day), as the economics counts them."""
    return sum(
        economics.bag_drug(
            ug, end - start, drug.usable_ug, drug.overfill_hours_short_bags, vial_sharing=drug.vial_sharing
        ).vials
        for start, end, ug in bags
    )


def _travel(record: Recorder, window: Window) -> dict[str, float]:
    """Patients' trips (bag changes, visits), journeys in and out of hospital; couriers' deliveries."""
    years = window.years
    kpi: dict[str, float] = {}
    trips, deliveries, legs, transfers = (
        _in_window(columns(record, field, kind), window)
        for field, kind in (("trips", Trip), ("deliveries", Delivery), ("legs", Leg), ("transfers", Transfer))
    )
    kpi["trips_per_year"] = len(trips["time"]) / years
    kpi["visit_trips_per_year"] = float((trips["purpose"] != BAG_CHANGE).sum()) / years
    kpi["bag_deliveries_per_year"] = len(deliveries["time"]) / years
    kpi["bag_delivery_km_per_year"] = float(deliveries["km"].sum()) / years
    kpi["hospital_journeys_per_year"] = len(legs["time"]) / years
    kpi["transfer_km_per_year"] = float(transfers["km"].sum()) / years
    kpi["travel_km_per_year"] = (np.sum(trips["km"]) + np.sum(legs["km"]) + np.sum(transfers["km"])) / years
    kpi["travel_hours_per_year"] = (
        np.sum(trips["hours"]) + np.sum(legs["hours"]) + np.sum(transfers["hours"])
    ) / years
    kpi["bag_change_km_per_year"] = np.sum(trips["km"][trips["purpose"] == BAG_CHANGE]) / years
    return kpi


def _in_window(table: Columns, window: Window) -> Columns:
    """The records whose ``time`` is in the window."""
    return _where(table, (table["time"] >= window.start) & (table["time"] < window.end))


def on_call_bag_kpis(record: Recorder, scenario: Scenario, window: Window) -> dict[str, float]:
    """Bags hung on a day the pharmacy is closed (a weekend or a public holiday): made by its on-call,
    for a restart after an interruption or when holidays close it longer than a bag lasts."""
    calendar = Calendar(scenario.run.start_date, scenario.calendar.holidays_country)
    open_days = weekday_set(scenario.bags.pharmacy_weekdays)
    start = bag_columns(record)["start"]
    hung = start[(window.start <= start) & (start < window.end)].astype(np.int64)  # the day, as int()
    days = np.unique(hung)
    closed = np.array([not calendar.opens(int(day), open_days) for day in days], dtype=bool)
    on_call = int(np.count_nonzero(closed[np.searchsorted(days, hung)])) if len(hung) else 0
    return {"bags_pharmacy_on_call_per_year": on_call / window.years}


def _episodes(record: Recorder, episodes: Columns, window: Window) -> dict[str, float]:
    """Bags, episodes by route, per-episode means and costs of the episodes referred in the window."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    bags = bag_columns(record)
    hung = (t0 <= bags["start"]) & (bags["start"] < t1)
    away = hung & (bags["where"] != "ward")
    kpi["bag_changes_away_from_ward_per_year"] = int(np.count_nonzero(away)) / years
    kpi["bridge_bags_per_year"] = int(np.count_nonzero(hung & bridge_bags(bags))) / years

    referred = _where(episodes, _referred(episodes, window))
    n = len(referred["episode"])
    kpi["episodes_per_year"] = n / years
    for route in ROUTES:
        kpi[f"episodes_route_{route}_per_year"] = (
            float((referred["route"] == route).sum()) / years if n else 0.0
        )
    done = _where(referred, referred["finished"].astype(bool))
    for column in ("trips", "km", "hours", "home_days", "bed_days_total"):
        kpi[f"{column}_per_episode"] = _mean(done[column])
    # Costs: each episode referred in the window, followed to its end (the run drains after the horizon).
    if "cost_total" in referred:
        for item in (*economics.COST_ITEMS, "total", "drug_wasted", "drug_unused_bags"):
            column = referred[f"cost_{item}"]
            kpi[f"cost_{item}_per_episode"] = _mean(column)
            kpi[f"cost_{item}_per_year"] = float(np.sum(column)) / years  # no episode: 0 EUR
        kpi["vials_per_episode"] = _mean(referred["vials"])
        kpi["nurse_visits_per_episode"] = _mean(referred["nurse_visits"])
        infused = referred["infused_ug"]
        kpi["drug_wasted_share"] = (
            float(referred["wasted_ug"].sum() / (referred["wasted_ug"] + infused).sum())
            if n and infused.sum() > 0
            else np.nan
        )
    return kpi


def _days_at_home_and_in_bed(record: Recorder, adm: Columns, window: Window) -> dict[str, float]:
    """Home days and blinatumomab bed-days, clipped to the window."""
    t0, t1, years = window
    kpi: dict[str, float] = {}
    segments = [s for e in record.episodes for s in e.home_segments]
    days = clipped_overlap(np.array([s.start for s in segments]), np.array([s.end for s in segments]), t0, t1)
    # Added up one after the other (np.cumsum, not np.sum's pairs), as the sum over segments was.
    kpi["bed_days_saved_by_home_care_per_year"] = (np.cumsum(days)[-1] if len(days) else 0) / years
    blina_beds = (adm["kind"] != EMERGENCY) & (adm["kind"] != PLANNED) & ~np.isnan(adm["admit"])
    discharge = adm["discharge"][blina_beds]
    stays = clipped_overlap(adm["admit"][blina_beds], np.where(np.isnan(discharge), t1, discharge), t0, t1)
    kpi["blina_bed_days_per_year"] = float(stays.sum()) / years
    return kpi


# --- censoring and stability: what a run leaves unfinished, and whether its queues settle ---------

WAIT_KINDS = ((PLANNED, "planned"), (EMERGENCY, "emergency"), (BLINA_START, "blina_cycle_start"))
# A run is flagged unstable when the bed queue's least-squares trend over the window adds more
# requests than max(beds, QUEUE_GROWTH_FLOOR), or when more than NEVER_STARTED_SHARE of the
# episodes referred in the window never started their first cycle (by the end of the run, up to
# three years after the horizon). Stable runs of the shipped scenarios stay far below both.
QUEUE_GROWTH_FLOOR = 10
NEVER_STARTED_SHARE = 0.05


def censored_waits(record: Recorder, adm: Columns, kind: int, window: Window) -> np.ndarray:
    """Waits so far, when the run stopped, of the requests of one kind made in the window and never served.

    They are censored observations: the true waits are longer, so means and percentiles that include
    them are lower bounds (and those that left them out were biased low, to 0 for a saturated ward).
    """
    waiting = _requested_in(adm, window) & np.isnan(adm["admit"]) & (adm["kind"] == kind)
    return record.end_time - adm["request"][waiting]


def bed_queue_growth(adm: Columns, window: Window) -> float:
    """Requests the bed queue gains over the window: least-squares trend of its length at each day."""
    days = np.arange(np.ceil(window.start), np.floor(window.end) + 1)
    if len(days) < 2:
        return 0.0
    requested = np.sort(adm["request"])
    admitted = np.sort(np.where(np.isnan(adm["admit"]), np.inf, adm["admit"]))
    queue = np.searchsorted(requested, days, side="right") - np.searchsorted(admitted, days, side="right")
    slope = np.polyfit(days - days[0], queue, 1)[0]
    return float(slope * (days[-1] - days[0]))


def _censoring_and_stability(
    record: Recorder, adm: Columns, episodes: Columns, beds: int, window: Window
) -> dict[str, float]:
    """Waits censored at the end, bed-queue growth, episodes that never started; 1 if unstable."""
    kpi: dict[str, float] = {}
    for kind, label in WAIT_KINDS:
        kpi[f"{label}_waits_censored"] = float(len(censored_waits(record, adm, kind, window)))
    kpi["bed_queue_growth"] = bed_queue_growth(adm, window)
    started = episodes["cycles_started"][_referred(episodes, window)]
    kpi["episodes_never_started_share"] = float((started == 0).mean()) if len(started) else 0.0
    kpi["unstable"] = float(
        _grows(kpi["bed_queue_growth"], beds) or kpi["episodes_never_started_share"] > NEVER_STARTED_SHARE
    )
    return kpi


def _grows(growth: float | pd.Series, beds: int) -> bool | pd.Series:
    """Whether the bed queue grew without bound: by more than the beds (or the floor) over the window."""
    return growth > max(beds, QUEUE_GROWTH_FLOOR)


# What a reader must know before quoting a run's KPIs, in English and French (``run_warnings``).
RUN_WARNINGS: dict[str, tuple[str, str]] = {
    "queue_grows": (
        "the bed queue grows without bound in {growing} of {n} replications (+{growth} requests over the "
        "statistics window on average, more than {ward_beds}): waits depend on the run "
        "length",
        "la file d'attente des lits croît sans limite dans {growing} réplications sur {n} (+{growth} "
        "demandes sur la fenêtre des statistiques en moyenne, plus que {ward_beds}) : les "
        "attentes dépendent de la durée simulée",
    ),
    "never_started": (
        "{share} of the episodes referred never started their first cycle (more than {limit} in {never} "
        "of {n} replications)",
        "{share} des épisodes adressés n'ont jamais commencé leur premier cycle (plus de {limit} dans "
        "{never} réplications sur {n})",
    ),
    "censored": (
        "{censored} bed requests of the window (all replications) were still waiting when the runs "
        "stopped: their waits count as the wait so far, a lower bound",
        "{censored} demandes de lit de la fenêtre (toutes réplications) attendaient encore à la fin des "
        "simulations : leur attente compte pour l'attente écoulée, une borne basse",
    ),
}


def run_warnings(table: pd.DataFrame, beds: int, lang: str = "en") -> list[str]:
    """What a reader must know before quoting the KPIs of these replications (one row each), in ``lang``."""
    n = len(table)
    if n == 0 or "unstable" not in table:
        return []
    warnings = []
    growing = _grows(table["bed_queue_growth"], beds)
    if growing.any():
        growth = number(table["bed_queue_growth"].mean(), ",.0f", lang)
        if lang == "fr":
            ward_beds = f"les {beds} lits du service" if beds != 1 else "le lit du service"
        else:
            ward_beds = f"the ward's {beds} bed{'s' if beds != 1 else ''}"
        counts = {"n": n, "growing": growing.sum()}
        warnings.append(say(RUN_WARNINGS, "queue_grows", lang, **counts, growth=growth, ward_beds=ward_beds))
    never = table["episodes_never_started_share"] > NEVER_STARTED_SHARE
    if never.any():
        share = number(table["episodes_never_started_share"].mean(), ".0%", lang)
        limit = number(NEVER_STARTED_SHARE, ".0%", lang)
        counts = {"n": n, "never": never.sum()}
        warnings.append(say(RUN_WARNINGS, "never_started", lang, **counts, share=share, limit=limit))
    censored = sum(table[f"{label}_waits_censored"].sum() for _, label in WAIT_KINDS)
    if warnings and censored:
        written = number(float(censored), ",.0f", lang)
        warnings.append(say(RUN_WARNINGS, "censored", lang, censored=written))
    return warnings
