"""Key performance indicators of one replication, from the model's raw records.

Statistics cover the window after the warm-up, [warmup, horizon]. Per-year figures divide by the
window length in years; per-episode figures average over episodes referred in the window and
finished before the horizon.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import economics
from sim.config import WEEKDAYS, Costs, Scenario
from sim.model import (
    ADMISSION_KINDS,
    BED_CAUSES,
    BLINA_START,
    EMERGENCY,
    PLANNED,
    ROUTES,
    STREAM_DAY_HOSPITAL,
    Recorder,
    stream,
)
from sim.schedule import Calendar
from sim.territory import Territory

# Headline KPIs as people read them: (key, label, format spec, shown in the terminal summary).
# One list for the terminal tables and the HTML report, in reading order; indentation = sub-item.
KPI_CATALOGUE: tuple[tuple[str, str, str, bool], ...] = (
    ("bed_occupancy", "bed occupancy", ".1%", True),
    ("planned_wait_mean_days", "planned admission wait, mean (days)", ".1f", True),
    ("planned_wait_p90_days", "planned admission wait, p90 (days)", ".1f", True),
    ("planned_wait_p95_days", "planned admission wait, p95 (days)", ".1f", True),
    ("planned_wait_max_days", "planned admission wait, max (days)", ".1f", False),
    ("blina_cycle_start_wait_mean_days", "blinatumomab cycle-start wait, mean (days)", ".1f", True),
    ("episodes_per_year", "blinatumomab episodes per year", ".1f", True),
    ("episodes_route_had_per_year", "  home phase with an HAD of their zone", ".1f", True),
    ("episodes_route_derogation_per_year", "  with a neighbouring HAD (derogation)", ".1f", True),
    ("episodes_route_convention_per_year", "  under a convention", ".1f", True),
    ("episodes_route_inpatient_per_year", "  inpatient only", ".1f", True),
    ("hdj_blina_sessions_per_week", "day-hospital bag-change sessions per week", ".2f", True),
    ("hdj_overflow_per_week", "day-hospital overflow sessions per week", ".2f", True),
    ("hdj_utilisation", "day-hospital utilisation", ".1%", True),
    ("bag_changes_away_from_ward_per_year", "bag changes away from the ward per year", ".0f", False),
    ("trips_per_year", "bag-change trips per year", ".0f", True),
    ("travel_km_per_year", "km travelled per year (bag changes, admissions, discharges)", ",.0f", True),
    ("bag_change_km_per_year", "  of which for bag changes", ",.0f", True),
    ("travel_hours_per_year", "hours travelled per year", ",.0f", True),
    ("trips_per_episode", "trips per episode", ".1f", False),
    ("km_per_episode", "km travelled per episode", ",.0f", True),
    ("hours_per_episode", "hours travelled per episode", ".1f", False),
    ("home_days_per_episode", "days at home per episode", ".1f", True),
    ("bed_days_total_per_episode", "days in hospital per episode", ".1f", True),
    ("blina_bed_days_per_year", "blinatumomab bed-days per year", ",.0f", True),
    ("bed_days_saved_by_home_care_per_year", "bed-days saved by home care per year", ",.0f", True),
    ("adverse_event_readmissions_per_year", "adverse-event readmissions per year", ".1f", False),
    ("cost_total_per_episode", "cost per episode, total (EUR)", ",.0f", True),
    ("cost_total_per_year", "cost per year, total (EUR)", ",.0f", True),
    ("cost_drug_per_year", "  blinatumomab", ",.0f", True),
    ("cost_drug_wasted_per_year", "    of which wasted vial content", ",.0f", True),
    ("cost_inpatient_cycle_start_per_year", "  bed-days: cycle starts", ",.0f", True),
    ("cost_inpatient_waiting_home_care_per_year", "  bed-days: waiting for home care", ",.0f", True),
    ("cost_inpatient_adverse_event_per_year", "  bed-days: adverse events", ",.0f", True),
    ("cost_inpatient_only_per_year", "  bed-days: inpatient only", ",.0f", True),
    ("cost_day_hospital_per_year", "  day-hospital sessions", ",.0f", True),
    ("cost_had_per_year", "  HAD days", ",.0f", True),
    ("cost_nurse_visits_per_year", "  nurse visits (convention)", ",.0f", True),
    ("cost_convention_provider_per_year", "  home-care provider (convention)", ",.0f", True),
    ("cost_transport_per_year", "  transport", ",.0f", True),
    ("cost_bag_delivery_per_year", "  bag delivery by courier", ",.0f", True),
    ("bag_delivery_km_per_year", "courier km per year (bags changed away from IUCT-O)", ",.0f", False),
)

TERMINAL_KPIS = tuple((key, label, fmt) for key, label, fmt, terminal in KPI_CATALOGUE if terminal)


def step_integral(times: np.ndarray, levels: np.ndarray, t0: float, t1: float) -> float:
    """Integral over [t0, t1] of the right-continuous step function (times, levels)."""
    edges = np.clip(np.append(times, t1), t0, t1)
    return float(np.sum(levels * np.diff(edges)))


def daily_mean_level(times: np.ndarray, levels: np.ndarray, n_days: int) -> np.ndarray:
    """Mean level of a step function over each day 0..n_days-1."""
    grid = np.arange(n_days + 1, dtype=float)
    all_t = np.union1d(times, grid)
    idx = np.searchsorted(times, all_t, side="right") - 1
    values = levels[np.clip(idx, 0, None)]
    cumulative = np.concatenate([[0.0], np.cumsum(values[:-1] * np.diff(all_t))])
    at_grid = np.interp(grid, all_t, cumulative)
    return np.diff(at_grid)


def clipped_overlap(starts: np.ndarray, ends: np.ndarray, t0: float, t1: float) -> np.ndarray:
    return np.clip(np.minimum(ends, t1) - np.maximum(starts, t0), 0.0, None)


def admissions_frame(record: Recorder) -> pd.DataFrame:
    frame = pd.DataFrame(record.admissions, columns=["kind", "request", "admit", "discharge", "episode"])
    frame["kind"] = frame["kind"].astype(int)
    frame["episode"] = frame["episode"].astype(int)
    frame["wait"] = frame["admit"] - frame["request"]
    return frame


EPISODE_COLUMNS = [
    "episode",
    "group",
    "insee",
    "dep",
    "km_to_iucto",
    "arrival",
    "route",
    "had",
    "ready_delay",
    "cycles_planned",
    "cycles_started",
    "outcome",
    "died_in_cycle1",
    "exit_time",
    "finished",
    "cycle1_wait",
    *[f"bed_days_{c}" for c in BED_CAUSES],
    "home_days",
    "bags",
    "bag_changes_ward",
    "bag_changes_away",
    "bag_changes_at_home",
    "day_hospital_sessions",
    "local_hospital_sessions",
    "bridge_bags",
]


def episodes_frame(record: Recorder, territory: Territory, costs: Costs | None = None) -> pd.DataFrame:
    """One row per blinatumomab episode: the per-patient record (with its costs, given prices)."""
    communes = territory.communes
    trips = pd.DataFrame(record.trips, columns=["episode", "time", "origin", "destination", "km", "hours"])
    by_episode = trips.groupby("episode").agg(trips=("km", "size"), km=("km", "sum"), hours=("hours", "sum"))
    rows = []
    for e in record.episodes:
        p = e.profile
        bags = e.bags
        home_days = sum(b - a for a, b in e.home_segments)
        rows.append(
            {
                "episode": p.index,
                "group": p.group,
                "insee": communes["insee"].iat[p.home],
                "dep": communes["dep"].iat[p.home],
                "km_to_iucto": float(territory.to_centre.km[p.home, 0]),
                "arrival": p.arrival,
                "route": e.route,
                "had": territory.hads.index[e.had] if e.had >= 0 else "",
                "ready_delay": e.ready_time - p.arrival,
                "cycles_planned": p.n_cycles,
                "cycles_started": e.cycles_started,
                "outcome": p.outcome,
                "died_in_cycle1": e.died,
                "exit_time": e.exit_time,
                "finished": bool(np.isfinite(e.exit_time)),
                "cycle1_wait": e.cycle_start_waits[0][1] if e.cycle_start_waits else np.nan,
                **{f"bed_days_{c}": e.bed_days[c] for c in BED_CAUSES},
                "home_days": home_days,
                "bags": len(bags),
                "bag_changes_ward": sum(1 for b in bags if b[4] == "ward"),
                "bag_changes_away": sum(1 for b in bags if b[4] != "ward"),
                "bag_changes_at_home": sum(1 for b in bags if b[4] == "home"),
                "day_hospital_sessions": sum(1 for b in bags if b[4] == "day_hospital"),
                "local_hospital_sessions": sum(1 for b in bags if b[4] == "nearest_hospital"),
                "bridge_bags": sum(1 for b in bags if b[2] - b[1] < 3 - 1e-9),
            }
        )
    frame = pd.DataFrame(rows, columns=EPISODE_COLUMNS)
    frame = frame.join(by_episode, on="episode")
    legs = pd.DataFrame(record.legs, columns=["episode", "time", "km", "hours"])
    by_leg = legs.groupby("episode").agg(
        legs=("km", "size"), legs_km=("km", "sum"), legs_hours=("hours", "sum")
    )
    frame = frame.join(by_leg, on="episode")
    counts = ["trips", "km", "hours", "legs", "legs_km", "legs_hours"]
    frame[counts] = frame[counts].fillna(0)
    frame[["trips", "legs"]] = frame[["trips", "legs"]].astype(int)
    # Patient travel: bag-change round trips plus the journeys in and out of hospital stays.
    frame = frame.rename(columns={"km": "bag_change_km", "hours": "bag_change_hours"})
    frame["km"] = frame["bag_change_km"] + frame["legs_km"]
    frame["hours"] = frame["bag_change_hours"] + frame["legs_hours"]
    frame["bed_days_total"] = frame[[f"bed_days_{c}" for c in BED_CAUSES]].sum(axis=1)
    if costs is not None:
        bags = pd.DataFrame(
            [(e.profile.index, end - start, ug) for e in record.episodes for _, start, end, ug, _ in e.bags],
            columns=["episode", "days", "dose"],
        )
        deliveries = pd.DataFrame(record.deliveries, columns=["episode", "time", "km"])
        frame = frame.merge(
            economics.episode_costs(frame, bags, trips, costs, deliveries, legs), on="episode", how="left"
        )
    return frame


def day_hospital_load(record: Recorder, scenario: Scenario, replication: int, n_days: int) -> pd.DataFrame:
    """Per simulated day: capacity, background sessions, blinatumomab sessions, overflow."""
    calendar = Calendar(scenario.run.start_date)
    weekday = np.array([calendar.weekday(d) for d in range(n_days)])
    names = np.array(WEEKDAYS)[weekday]
    capacity = np.array([scenario.day_hospital.sessions_per_weekday.get(n, 0) for n in names])
    rng = stream(scenario.run.seed, replication, STREAM_DAY_HOSPITAL)
    background = np.rint(scenario.day_hospital.background_sessions_per_day.sample(rng, n_days)).astype(int)
    background = np.minimum(np.clip(background, 0, None), capacity)  # the day hospital books up to capacity
    blina = np.zeros(n_days, dtype=int)
    days = [d for d, _ in record.day_hospital if d < n_days]
    np.add.at(blina, days, 1)
    free = capacity - background
    overflow = np.clip(blina - free, 0, None)
    return pd.DataFrame(
        {
            "weekday": names,
            "capacity": capacity,
            "background": background,
            "blinatumomab": blina,
            "overflow": overflow,
        }
    )


def compute(
    record: Recorder,
    scenario: Scenario,
    territory: Territory,
    replication: int,
    episodes: pd.DataFrame | None = None,
) -> dict[str, float]:
    """All KPIs of one replication; ``episodes`` is ``episodes_frame(record, territory)`` if already built."""
    run = scenario.run
    t0 = run.warmup_days
    t1 = run.warmup_days + run.years * 365.25
    years = run.years
    kpi: dict[str, float] = {}

    level = np.array(record.bed_level, dtype=float)
    kpi["bed_occupancy"] = step_integral(level[:, 0], level[:, 1], t0, t1) / (
        scenario.beds.capacity * (t1 - t0)
    )

    adm = admissions_frame(record)
    in_window = (adm["request"] >= t0) & (adm["request"] < t1)
    admitted = adm[in_window & adm["admit"].notna()]
    for kind, label in ((PLANNED, "planned"), (EMERGENCY, "emergency"), (BLINA_START, "blina_cycle_start")):
        waits = admitted.loc[admitted["kind"] == kind, "wait"].to_numpy()
        kpi[f"{label}_wait_mean_days"] = float(waits.mean()) if len(waits) else np.nan
        if label != "emergency":
            for q in (90, 95):
                kpi[f"{label}_wait_p{q}_days"] = float(np.percentile(waits, q)) if len(waits) else np.nan
            kpi[f"{label}_wait_max_days"] = float(waits.max()) if len(waits) else np.nan
    kpi["admissions_not_yet_admitted"] = float((in_window & adm["admit"].isna()).sum())
    ae = admitted[admitted["kind"] == ADMISSION_KINDS.index("adverse_event")]
    kpi["adverse_event_readmissions_per_year"] = len(ae) / years

    n_days = int(np.ceil(t1))
    load = day_hospital_load(record, scenario, replication, n_days)
    window = load.iloc[int(np.ceil(t0)) : int(np.floor(t1))]
    weeks = len(window) / 7
    kpi["hdj_blina_sessions_per_week"] = window["blinatumomab"].sum() / weeks
    kpi["hdj_overflow_per_week"] = window["overflow"].sum() / weeks
    open_days = window[window["capacity"] > 0]
    used = np.minimum(open_days["background"] + open_days["blinatumomab"], open_days["capacity"])
    kpi["hdj_utilisation"] = float(used.sum() / open_days["capacity"].sum()) if len(open_days) else np.nan
    for day in WEEKDAYS[:5]:
        sub = open_days[open_days["weekday"] == day]
        if len(sub):
            kpi[f"hdj_utilisation_{day}"] = float(
                np.minimum(sub["background"] + sub["blinatumomab"], sub["capacity"]).sum()
                / sub["capacity"].sum()
            )

    trips = pd.DataFrame(record.trips, columns=["episode", "time", "origin", "destination", "km", "hours"])
    trips = trips[(trips["time"] >= t0) & (trips["time"] < t1)]
    kpi["trips_per_year"] = len(trips) / years
    deliveries = pd.DataFrame(record.deliveries, columns=["episode", "time", "km"])
    deliveries = deliveries[(deliveries["time"] >= t0) & (deliveries["time"] < t1)]
    kpi["bag_deliveries_per_year"] = len(deliveries) / years
    kpi["bag_delivery_km_per_year"] = deliveries["km"].sum() / years
    legs = pd.DataFrame(record.legs, columns=["episode", "time", "km", "hours"])
    legs = legs[(legs["time"] >= t0) & (legs["time"] < t1)]
    kpi["hospital_journeys_per_year"] = len(legs) / years
    kpi["travel_km_per_year"] = (trips["km"].sum() + legs["km"].sum()) / years
    kpi["travel_hours_per_year"] = (trips["hours"].sum() + legs["hours"].sum()) / years
    kpi["bag_change_km_per_year"] = trips["km"].sum() / years

    if episodes is None:
        episodes = episodes_frame(record, territory, scenario.costs)
    bags = [
        (cycle, start, end, where)
        for e in record.episodes
        for cycle, start, end, _, where in e.bags
        if t0 <= start < t1
    ]
    kpi["bag_changes_away_from_ward_per_year"] = sum(1 for b in bags if b[3] != "ward") / years
    kpi["bridge_bags_per_year"] = sum(1 for b in bags if b[2] - b[1] < 3 - 1e-9) / years

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

    # Home days and bed-days, clipped to the window.
    home = [(e.route, e.had, a, b) for e in record.episodes for a, b in e.home_segments]
    home_days_window = sum(clipped_overlap(np.array([a]), np.array([b]), t0, t1)[0] for _, _, a, b in home)
    kpi["bed_days_saved_by_home_care_per_year"] = home_days_window / years
    for j, had in enumerate(territory.hads.index):
        days = sum(clipped_overlap(np.array([a]), np.array([b]), t0, t1)[0] for _, h, a, b in home if h == j)
        kpi[f"had_patient_days_per_year_{had}"] = days / years
    blina_beds = adm[(adm["kind"] != EMERGENCY) & (adm["kind"] != PLANNED) & adm["admit"].notna()]
    stays = clipped_overlap(
        blina_beds["admit"].to_numpy(), blina_beds["discharge"].fillna(t1).to_numpy(), t0, t1
    )
    kpi["blina_bed_days_per_year"] = float(stays.sum()) / years
    slots = np.array(record.had_slots, dtype=float).reshape(-1, 3)
    for j, had in enumerate(territory.hads.index):
        mine = slots[slots[:, 0] == j]
        kpi[f"had_max_concurrent_{had}"] = float(max_concurrent(mine[:, 1], mine[:, 2]))
    return kpi


def max_concurrent(starts: np.ndarray, ends: np.ndarray) -> int:
    events = np.concatenate(
        [np.stack([starts, np.ones_like(starts)], 1), np.stack([ends, -np.ones_like(ends)], 1)]
    )
    order = np.lexsort((events[:, 1], events[:, 0]))  # ends before starts at equal times
    return int(np.cumsum(events[order, 1]).max()) if len(events) else 0
