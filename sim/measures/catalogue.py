"""The KPI catalogue: how each KPI and cost item is labelled and formatted, in one place."""

from __future__ import annotations

# Items of the payer's bill with their labels, in report order. The economics sums the items in
# this order (so the total is the same to the last bit), the figures and the KPI table show them.
COST_LABELS: dict[str, str] = {
    "drug": "blinatumomab",
    "inpatient_cycle_start": "bed-days: cycle starts",
    "inpatient_waiting_home_care": "bed-days: waiting for home care",
    "inpatient_adverse_event": "bed-days: adverse events",
    "inpatient_only": "bed-days: inpatient only",
    "day_hospital": "day-hospital sessions",
    "had": "HAD days",
    "nurse_visits": "nurse visits (convention)",
    "convention_provider": "home-care provider (convention)",
    "transport": "transport",
    "bag_delivery": "bag delivery by courier",
}
COST_ITEMS: tuple[str, ...] = tuple(COST_LABELS)
DRUG_WASTED_LABEL = "of which wasted vial content"


def _cost_rows() -> tuple[tuple[str, str, str, bool], ...]:
    """Cost per year of each item, a sub-item of the total; the drug's wasted part under the drug."""
    rows = []
    for item, label in COST_LABELS.items():
        rows.append((f"cost_{item}_per_year", f"  {label}", ",.0f", True))
        if item == "drug":
            rows.append(("cost_drug_wasted_per_year", f"    {DRUG_WASTED_LABEL}", ",.0f", True))
    return tuple(rows)


# Headline KPIs as people read them: (key, label, format spec, shown in the terminal summary).
# One list for the terminal tables and the HTML report, in reading order; indentation = sub-item.
KPI_CATALOGUE: tuple[tuple[str, str, str, bool], ...] = (
    ("bed_occupancy", "bed occupancy", ".1%", True),
    ("planned_wait_mean_days", "planned admission wait, mean (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p90_days", "planned admission wait, p90 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p95_days", "planned admission wait, p95 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_max_days", "planned admission wait, max (days, incl. still waiting)", ".1f", False),
    (
        "blina_cycle_start_wait_mean_days",
        "blinatumomab cycle-start wait, mean (days, incl. still waiting)",
        ".1f",
        True,
    ),
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
    *_cost_rows(),
    ("bag_delivery_km_per_year", "courier km per year (bags changed away from IUCT-O)", ",.0f", False),
    # Censoring and stability (sim.measures.kpis): waits above count the requests still waiting when
    # the run stopped with their wait so far (censored: a lower bound); a run is flagged unstable
    # when its bed queue grows without bound or episodes never start.
    ("planned_waits_censored", "planned admissions waiting at the end (censored)", ".1f", True),
    ("blina_cycle_start_waits_censored", "cycle starts waiting at the end (censored)", ".1f", True),
    ("emergency_waits_censored", "emergencies waiting at the end (censored)", ".1f", False),
    ("bed_queue_growth", "bed queue growth over the statistics window (requests)", ".1f", False),
    ("episodes_never_started_share", "episodes referred that never started a cycle", ".1%", False),
    ("unstable", "replications flagged unstable", ".0%", True),
)


TERMINAL_KPIS = tuple((key, label, fmt) for key, label, fmt, terminal in KPI_CATALOGUE if terminal)
