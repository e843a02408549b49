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
    "inpatient_peripheral": "bed-days: peripheral hospitals (severe events at home)",
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


def _day_hospital_rows() -> tuple[tuple[str, str, str, bool], ...]:
    """The day hospital as simulated: sessions used, other patients deferred, bag changes moved."""
    return (
        ("hdj_utilisation", "day-hospital utilisation (sessions used / open)", ".1%", True),
        *(
            (f"hdj_utilisation_{day}", f"  on {day.capitalize()}", ".1%", False)
            for day in ("mon", "tue", "wed", "thu", "fri")
        ),
        ("hdj_blina_sessions_per_week", "day-hospital bag-change sessions per week", ".2f", True),
        ("hdj_visit_sessions_per_week", "day-hospital visit sessions per week", ".2f", False),
        (
            "hdj_over_capacity_per_week",
            "day-hospital sessions above capacity per week (overbooked)",
            ".2f",
            True,
        ),
        ("hdj_background_requests_per_year", "other patients' day-hospital requests per year", ",.0f", False),
        ("hdj_background_deferred_per_year", "  deferred (displaced, or past their tolerance)", ",.0f", True),
        ("hdj_background_displaced_per_year", "    of which displaced (blinatumomab)", ",.0f", True),
        ("hdj_background_deferral_mean_days", "  days of deferral, mean (from the due day)", ".2f", True),
        ("hdj_background_deferral_p95_days", "  days of deferral, p95", ".1f", True),
        (
            "hdj_bag_changes_displacing_per_year",
            "bag changes taking another patient's session per year",
            ".1f",
            True,
        ),
        (
            "hdj_bag_changes_bridge_per_year",
            "bag changes without a session: moved by a bridge bag, per year",
            ".1f",
            True,
        ),
        (
            "hdj_bag_changes_ward_per_year",
            "bag changes without a session: on the ward, per year",
            ".1f",
            True,
        ),
        (
            "hdj_bag_changes_had_nurse_per_year",
            "bag changes without a session: HAD nurse at home, per year",
            ".1f",
            True,
        ),
        (
            "hdj_bag_changes_overbook_per_year",
            "bag changes without a session: overbooked, per year",
            ".1f",
            True,
        ),
        ("hdj_bridge_extra_bags_per_year", "extra bags from bridges per year", ".1f", True),
        ("hdj_bridge_extra_vials_per_year", "extra vials from bridges per year", ".1f", True),
        ("hdj_no_slot_extra_trips_per_year", "extra trips from no-slot policies per year", ".1f", False),
        ("hdj_visits_deferred_per_year", "visits past their tolerance per year", ".1f", False),
    )


# Headline KPIs as people read them: (key, label, format spec, shown in the terminal summary).
# One list for the terminal tables and the HTML report, in reading order; indentation = sub-item.
KPI_CATALOGUE: tuple[tuple[str, str, str, bool], ...] = (
    ("bed_occupancy", "bed occupancy", ".1%", True),
    ("planned_wait_mean_days", "planned admission wait, mean (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p90_days", "planned admission wait, p90 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p95_days", "planned admission wait, p95 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_max_days", "planned admission wait, max (days, incl. still waiting)", ".1f", False),
    # A cycle start waits from referral (cycle 1) or from its booked day (later cycles) to its bed.
    (
        "blina_cycle_start_wait_mean_days",
        "blinatumomab cycle-start wait (from referral or booked day), mean (days, incl. still waiting)",
        ".1f",
        True,
    ),
    (
        "blina_cycle_start_wait_p95_days",
        "blinatumomab cycle-start wait (from referral or booked day), p95 (days)",
        ".1f",
        False,
    ),
    ("blina_first_admission_wait_mean_days", "  first admission, from referral: mean (days)", ".1f", True),
    ("blina_first_admission_wait_p95_days", "  first admission, from referral: p95 (days)", ".1f", True),
    ("blina_booked_start_delay_mean_days", "  later cycles, days after the booked day: mean", ".2f", False),
    ("blina_booked_start_delay_p95_days", "  later cycles, days after the booked day: p95", ".1f", True),
    ("blina_booked_start_delayed_share", "  later cycles admitted after their booked day", ".0%", True),
    (
        "blina_bed_days_waiting_start_day_per_year",
        "blinatumomab bed-days waiting for a start weekday per year",
        ".1f",
        False,
    ),
    ("episodes_per_year", "blinatumomab episodes per year", ".1f", True),
    ("episodes_route_had_per_year", "  home phase with an HAD of their zone", ".1f", True),
    ("episodes_route_derogation_per_year", "  with a neighbouring HAD (derogation)", ".1f", True),
    ("episodes_route_convention_per_year", "  under a convention", ".1f", True),
    ("episodes_route_inpatient_per_year", "  inpatient only", ".1f", True),
    ("convention_share", "share of episodes under a convention", ".1%", False),
    ("conventions_set_up_per_year", "new conventions per year (not reused in a canton)", ".1f", False),
    ("home_care_wait_mean_days", "wait in a bed for home care past the set stay, mean (days)", ".1f", True),
    ("home_care_wait_p95_days", "wait in a bed for home care, p95 (days)", ".1f", True),
    ("episodes_waited_for_home_care_per_year", "episodes that waited for home care per year", ".1f", True),
    ("episodes_waited_for_had_room_per_year", "  of which for room at a full HAD", ".1f", True),
    ("had_room_wait_days_per_year", "bed-days waiting for room at a full HAD per year", ".1f", False),
    ("had_rechoices_per_year", "re-choices: the zone's other HAD when one is full, per year", ".1f", True),
    ("fallbacks_for_full_had_per_year", "fallbacks asked as zone HADs were full, per year", ".1f", False),
    ("had_other_visits_deferred_per_year", "other HAD patients' visits displaced per year", ",.0f", False),
    ("had_nurse_km_per_year", "HAD nurse km per year (daily visits from the nearest HAD site)", ",.0f", True),
    ("had_nurse_hours_per_year", "  HAD nurse hours driving per year", ",.0f", True),
    *_day_hospital_rows(),
    ("bag_changes_away_from_ward_per_year", "bag changes away from the ward per year", ".0f", False),
    ("trips_per_year", "trips from home per year (bag changes, visits)", ".0f", True),
    ("visit_trips_per_year", "  of which for visits", ".0f", False),
    ("travel_km_per_year", "km travelled per year (bag changes, admissions, discharges)", ",.0f", True),
    ("bag_change_km_per_year", "  of which for bag changes", ",.0f", True),
    ("transfer_km_per_year", "  of which transfers from peripheral hospitals to IUCT-O", ",.0f", False),
    ("travel_hours_per_year", "hours travelled per year", ",.0f", True),
    ("trips_per_episode", "trips per episode", ".1f", False),
    ("km_per_episode", "km travelled per episode", ",.0f", True),
    ("hours_per_episode", "hours travelled per episode", ".1f", False),
    ("home_days_per_episode", "days at home per episode", ".1f", True),
    ("bed_days_total_per_episode", "days in an IUCT-O bed per episode", ".1f", True),
    ("blina_bed_days_per_year", "blinatumomab bed-days per year", ",.0f", True),
    ("bed_days_saved_by_home_care_per_year", "bed-days saved by home care per year", ",.0f", True),
    ("severe_events_at_home_per_year", "severe adverse events at home per year", ".1f", True),
    ("severe_events_direct_to_iucto_per_year", "  straight to IUCT-O (the nearest)", ".1f", True),
    ("peripheral_admissions_per_year", "  to a peripheral hospital first", ".1f", True),
    ("transfers_to_iucto_per_year", "    then transferred to IUCT-O", ".1f", True),
    ("peripheral_admissions_diverted_per_year", "    past a nearer hospital with no bed free", ".1f", False),
    ("adverse_event_readmissions_per_year", "IUCT-O admissions for them per year", ".1f", False),
    ("iucto_adverse_event_bed_days_per_year", "IUCT-O bed-days for them per year", ",.0f", True),
    ("peripheral_bed_days_per_year", "bed-days in peripheral hospitals per year", ",.0f", True),
    ("peripheral_max_concurrent", "most patients at once in one peripheral hospital", ".0f", False),
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


# KPIs by indication (sim.measures.indications): their labels, for the indications a scenario names.
INDICATION_LABELS: dict[str, tuple[str, str]] = {
    "episodes_per_year": ("episodes per year", ".1f"),
    "cycles_per_episode": ("cycles started per episode", ".2f"),
    "bed_days_per_episode": ("days in an IUCT-O bed per episode", ".1f"),
    "home_days_per_episode": ("days at home per episode", ".1f"),
}


def indication_rows(names: list[str]) -> tuple[tuple[str, str, str, bool], ...]:
    """Catalogue rows of the KPIs by indication, for the indications ``names``."""
    return tuple(
        (f"indication_{name}_{suffix}", f"{name}: {label}", fmt, False)
        for name in names
        for suffix, (label, fmt) in INDICATION_LABELS.items()
    )


TERMINAL_KPIS = tuple((key, label, fmt) for key, label, fmt, terminal in KPI_CATALOGUE if terminal)
