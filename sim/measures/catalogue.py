"""The KPI catalogue: how each KPI and cost item is labelled and formatted, in one place."""

from __future__ import annotations

import math

# Items of the payer's bill with their labels, in report order. The economics sums the items in
# this order (so the total is the same to the last bit), the figures and the KPI table show them.
COST_LABELS: dict[str, str] = {
    "drug": "blinatumomab",
    "inpatient_cycle_start": "bed-days: cycle starts",
    "inpatient_waiting_home_care": "bed-days: waiting for home care",
    "inpatient_adverse_event": "bed-days: adverse events",
    "inpatient_only": "bed-days: cycles with no home phase",
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
            rows.append(
                ("cost_drug_unused_bags_per_year", "      of which in bags taken down early", ",.0f", True)
            )
    return tuple(rows)


def _day_hospital_rows() -> tuple[tuple[str, str, str, bool], ...]:
    """The day hospital as simulated: sessions used, other patients deferred, bag changes moved."""
    return (
        ("hdj_utilisation", "day-hospital utilisation (sessions used / open)", ".1%", True),
        *(
            (f"hdj_utilisation_{day}", f"  on {day.capitalize()}", ".1%", False)
            for day in ("mon", "tue", "wed", "thu", "fri")
        ),
        ("hdj_full_day_share", "day-hospital days with every session taken", ".1%", True),
        ("hdj_over_capacity_day_share", "day-hospital days over capacity", ".1%", True),
        ("hdj_blina_sessions_per_week", "day-hospital bag-change sessions per week", ".2f", True),
        ("hdj_visit_sessions_per_week", "day-hospital visit sessions per week", ".2f", False),
        (
            "hdj_over_capacity_per_week",
            "day-hospital sessions above capacity per week (overbooked)",
            ".2f",
            True,
        ),
        ("hdj_background_requests_per_year", "other patients' day-hospital requests per year", ",.0f", True),
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
        ("hdj_bridge_extra_vials_per_year", "net extra vials from bridges per year", ".1f", True),
        ("hdj_no_slot_extra_trips_per_year", "extra trips from no-slot policies per year", ".1f", False),
        ("hdj_visits_deferred_per_year", "visits past their tolerance per year", ".1f", False),
    )


def _dated_rows() -> tuple[tuple[str, str, str, bool], ...]:
    """Capacity calendars and dated events (sim.measures.dated): NaN where a scenario has none."""
    wait = "planned admission wait, mean (days),"
    return (
        ("beds_available_mean", "beds open, mean over the window", ".1f", True),
        *(
            (f"planned_wait_mean_days_q{q}", f"  {wait} asked in {months}", ".1f", False)
            for q, months in ((1, "Jan-Mar"), (2, "Apr-Jun"), (3, "Jul-Sep"), (4, "Oct-Dec"))
        ),
        ("planned_wait_mean_days_beds_closed", f"  {wait} asked while beds are closed", ".1f", False),
        ("planned_wait_mean_days_beds_all_open", f"  {wait} asked with all beds open", ".1f", False),
        ("planned_wait_mean_days_before_event", f"  {wait} asked before the first dated event", ".1f", False),
        ("planned_wait_mean_days_from_event", f"  {wait} asked from the first dated event on", ".1f", False),
        (
            "home_care_zone_had_share_before_event",
            "  referrals given an HAD of their zone, before the first dated event",
            ".0%",
            False,
        ),
        (
            "home_care_zone_had_share_from_event",
            "  referrals given an HAD of their zone, from the first dated event on",
            ".0%",
            False,
        ),
    )


# Headline KPIs as people read them: (key, label, format spec, shown in the terminal summary).
# One list for the terminal tables and the HTML report, in reading order; indentation = sub-item.
KPI_CATALOGUE: tuple[tuple[str, str, str, bool], ...] = (
    ("bed_occupancy", "bed occupancy (of the beds open)", ".1%", True),
    *_dated_rows(),
    ("beds_full_day_share", "days with all beds full (the whole day)", ".1%", True),
    ("planned_wait_mean_days", "planned admission wait, mean (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p90_days", "planned admission wait, p90 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_p95_days", "planned admission wait, p95 (days, incl. still waiting)", ".1f", True),
    ("planned_wait_max_days", "planned admission wait, max (days, incl. still waiting)", ".1f", False),
    # "up to 3 weeks depending on the period of the year" (003:6168-6170), sim.measures.seasons
    (
        "planned_wait_peak_season_p95_days",
        "planned wait, p95 of the peak 3-month season, a typical year (days)",
        ".1f",
        True,
    ),
    (
        "planned_wait_low_season_p95_days",
        "planned wait, p95 of the low 3-month season, a typical year (days)",
        ".1f",
        False,
    ),
    ("planned_wait_yearly_max_days", "planned wait, longest of the year (days)", ".1f", True),
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
    ("episodes_route_inpatient_per_year", "  no home care to be had (inpatient route)", ".1f", True),
    ("episodes_never_home_per_year", "episodes that never went home per year (any route)", ".1f", True),
    ("convention_share", "share of episodes under a convention", ".1%", False),
    ("conventions_set_up_per_year", "new conventions per year (not reused in a canton)", ".1f", False),
    ("home_care_wait_mean_days", "wait in a bed for home care past the set stay, mean (days)", ".1f", True),
    ("home_care_wait_p95_days", "wait in a bed for home care, p95 (days)", ".1f", True),
    ("episodes_waited_for_home_care_per_year", "episodes that waited for home care per year", ".1f", True),
    ("episodes_waited_for_had_room_per_year", "  of which for room at a full HAD", ".1f", True),
    ("had_room_wait_days_per_year", "bed-days waiting for room at a full HAD per year", ".1f", False),
    (
        "blina_bed_days_waiting_home_care_day_per_year",
        "bed-days waiting for a day home care may begin (weekend, holiday) per year",
        ".1f",
        True,
    ),
    ("had_rechoices_per_year", "re-choices: the zone's other HAD when one is full, per year", ".1f", True),
    ("fallbacks_for_full_had_per_year", "fallbacks asked as zone HADs were full, per year", ".1f", False),
    ("had_other_visits_deferred_per_year", "other HAD patients' visits displaced per year", ",.0f", False),
    (
        "had_peak_pump_share_max",
        "HAD peak load: most pumps in use / pumps, busiest HAD of each replication",
        ".0%",
        True,
    ),
    ("had_nurse_km_per_year", "HAD nurse km per year (daily visits from the nearest HAD site)", ",.0f", True),
    ("had_nurse_hours_per_year", "  HAD nurse hours driving per year", ",.0f", True),
    *_day_hospital_rows(),
    ("bag_changes_away_from_ward_per_year", "bag changes away from the ward per year", ".0f", False),
    (
        "bags_pharmacy_on_call_per_year",
        "bags made by the pharmacy's on-call (weekend or holiday) per year",
        ".1f",
        False,
    ),
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
    ("infusion_interruptions_per_episode", "infusion interruptions (severe events) per episode", ".2f", True),
    ("infusion_interrupted_days_per_year", "  infusion days interrupted per year", ".1f", False),
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


# --- every KPI name of replications.csv, known without a run (``occisim validate``) ---------------
# Beside the catalogue's and the indications' rows: KPIs no table shows (kept for analysts), and the
# KPIs of each HAD and each peripheral hospital. tests/test_p2_kpi_names.py checks these names are
# exactly those a run produces, for every shipped scenario.
UNLISTED_KPIS: tuple[str, ...] = (
    "admissions_not_yet_admitted",
    "emergency_wait_mean_days",
    "blina_cycle_start_wait_p90_days",
    "blina_cycle_start_wait_max_days",
    "bag_deliveries_per_year",
    "hospital_journeys_per_year",
    "bridge_bags_per_year",
    *(f"cost_{item}_per_episode" for item in (*COST_ITEMS, "drug_wasted", "drug_unused_bags")),
    "vials_per_episode",
    "nurse_visits_per_episode",
    "drug_wasted_share",
)
PER_HAD_KPIS = (  # each followed by ``_<HAD id>``
    "had_patient_days_per_year",
    "had_nurse_km_per_year",
    "had_max_concurrent",
    "had_peak_pump_share",
    "had_full_days_per_year",
)
PER_PERIPHERAL_HOSPITAL_KPIS = ("peripheral_admissions_per_year", "peripheral_bed_days_per_year")


def kpi_names(indications: list[str], hads: list[str], peripheral_hospitals: list[str]) -> set[str]:
    """Every KPI name of a run with these indications, HAD ids and peripheral hospitals' ids."""
    names = {key for key, *_ in (*KPI_CATALOGUE, *indication_rows(indications))} | set(UNLISTED_KPIS)
    names |= {f"{kpi}_{had}" for kpi in PER_HAD_KPIS for had in hads}
    names |= {f"{kpi}_{h}" for kpi in PER_PERIPHERAL_HOSPITAL_KPIS for h in peripheral_hospitals}
    return names


# --- the values a KPI can take: its confidence interval is cut to them -----------------------------
# A replication's KPI is a count, a duration, a sum of euros, a rate or a share: never below 0, and a
# share never above 1. The Student-t interval of its mean is symmetric, so with few replications of
# a rare event (0 most years) its low end falls below 0: a negative waiting time or count that no
# run can give. Cut at the range, the interval still holds the true mean whenever the uncut one did
# (the mean lies in the range), so its coverage is unchanged. These can be below 0:
SIGNED_KPIS: frozenset[str] = frozenset(
    {
        "bed_queue_growth",  # the bed queue at the window's end less at its start
        "hdj_bridge_extra_bags_per_year",  # a bridge's bags less those it replaced
        "hdj_bridge_extra_vials_per_year",  # the same in vials: a bridge can use fewer
        "hdj_no_slot_extra_trips_per_year",  # extra bags less the changes HAD nurses make at home
    }
)


def kpi_range(name: str, beds_close: bool = True) -> tuple[float, float]:
    """Lowest and highest value of KPI ``name`` (a share: its name holds ``_share``, or ``unstable``,
    a replication's 0 or 1). tests/test_kpi_ranges.py runs scenarios of every policy against it.

    ``beds_close``: whether the scenario's open beds may drop (a capacity calendar, a dated event;
    ``sim.measures.dated.kpi_ranges``). Nobody is moved out when they do, so only then can the
    patients in bed outnumber the beds open and ``bed_occupancy`` pass 1. The day hospital's
    utilisation can pass 1 in any scenario (an overbooked visit or change)."""
    base = name.split("_before_event")[0].split("_from_event")[0]
    if base in SIGNED_KPIS:
        return -math.inf, math.inf
    if "_share" in base or base == "unstable" or (base == "bed_occupancy" and not beds_close):
        return 0.0, 1.0
    return 0.0, math.inf


# --- minimal important differences (MID): the smallest change of a KPI a planner acts on ---------
# A difference "matters" when its 95 % CI excludes 0 AND its mean is at least the KPI's MID (two marks,
# kept apart). These are the planner's judgement, not clinical facts (assumption): each can be
# replaced without touching any scenario, with a YAML file of `kpi: value` named by the environment
# variable OCCISIM_MID_FILE. A KPI with no MID here is judged against RELATIVE_MID of its base mean.
RELATIVE_MID = 0.05
MINIMAL_IMPORTANT_DIFFERENCES: dict[str, float] = {
    "bed_occupancy": 0.02,  # 2 points: about a third of a bed of the 18 (assumption)
    "beds_full_day_share": 0.05,  # 5 points of days with every bed taken (assumption)
    "planned_wait_mean_days": 1.0,  # a day of waiting (assumption)
    "planned_wait_p90_days": 2.0,
    "planned_wait_p95_days": 2.0,
    "blina_cycle_start_wait_mean_days": 1.0,
    "blina_first_admission_wait_mean_days": 1.0,
    "blina_first_admission_wait_p95_days": 2.0,
    "blina_booked_start_delay_p95_days": 1.0,
    "home_care_wait_mean_days": 1.0,
    "home_care_wait_p95_days": 2.0,
    "episodes_route_had_per_year": 1.0,  # one patient a year (assumption)
    "episodes_route_derogation_per_year": 1.0,
    "episodes_route_convention_per_year": 1.0,
    "episodes_route_inpatient_per_year": 1.0,
    "episodes_never_home_per_year": 1.0,
    "episodes_waited_for_home_care_per_year": 1.0,
    "hdj_blina_sessions_per_week": 1.0,  # one day-hospital session a week (assumption)
    "hdj_over_capacity_day_share": 0.02,
    "hdj_utilisation": 0.02,
    "trips_per_episode": 1.0,  # one trip, a km and an hour that a patient notices (assumption)
    "km_per_episode": 50.0,
    "hours_per_episode": 1.0,
    "home_days_per_episode": 1.0,
    "bed_days_total_per_episode": 1.0,
    "blina_bed_days_per_year": 90.0,  # a quarter of a bed over the year (assumption)
    "bed_days_saved_by_home_care_per_year": 90.0,
    "cost_total_per_episode": 1000.0,  # EUR (assumption)
    "cost_total_per_year": 50000.0,  # EUR (assumption)
    # by place of residence (sim.measures.territories)
    "first_bed_wait_days": 1.0,
    "home_care_bed_wait_days_per_episode": 1.0,
    "route_had_share": 0.10,  # 10 points of the place's episodes (assumption)
    "route_derogation_share": 0.10,
    "route_convention_share": 0.10,
    "route_inpatient_share": 0.10,
    "never_home_share": 0.10,
}


def minimal_important_difference(
    kpi: str, base_mean: float, overrides: dict[str, float] | None = None
) -> float:
    """The MID of a KPI: from ``overrides``, else the catalogue, else RELATIVE_MID of the base mean."""
    for table in (overrides or {}, MINIMAL_IMPORTANT_DIFFERENCES):
        if kpi in table:
            return float(table[kpi])
    for test, mid in _MID_BY_KIND:
        if test(kpi):
            return mid
    return RELATIVE_MID * abs(base_mean) if base_mean == base_mean else float("nan")


# MIDs of kinds of KPI, by their names, first match wins (assumptions, as above).
_MID_BY_KIND = (
    (lambda k: k.startswith("cost_") and k.endswith("_per_year"), 10000.0),  # EUR a year
    (lambda k: k.startswith("cost_") and k.endswith("_per_episode"), 500.0),  # EUR an episode
    (lambda k: k.endswith("_per_year") and "km" in k, 1000.0),  # km a year
    (lambda k: k.endswith("_per_year") and "hours" in k, 50.0),  # hours a year
    (lambda k: k.endswith("_per_year") and "days" in k, 30.0),  # bed- or patient-days a year: a month
    (lambda k: k.endswith("_per_year"), 1.0),  # events or patients a year: one
    (lambda k: k.endswith("_share") or k.startswith("hdj_utilisation"), 0.05),  # 5 points
    (lambda k: k.endswith("_days"), 1.0),  # a wait: one day
)


# KPIs by place of residence (sim.measures.territories): key -> (label, format), in reading order.
PLACE_CATALOGUE: dict[str, tuple[str, str]] = {
    "episodes_per_year": ("episodes per year", ".1f"),
    "bed_days_total_per_episode": ("days in an IUCT-O bed per episode", ".1f"),
    "home_days_per_episode": ("days at home per episode", ".1f"),
    "home_care_bed_wait_days_per_episode": ("days in a bed waiting for home care per episode", ".1f"),
    "first_bed_wait_days": ("wait for a bed at referral (days)", ".1f"),
    "route_had_share": ("share with an HAD of their zone", ".0%"),
    "route_derogation_share": ("share with a neighbouring HAD (derogation)", ".0%"),
    "route_convention_share": ("share under a convention", ".0%"),
    "route_inpatient_share": ("share with no home care to be had (inpatient route)", ".0%"),
    "never_home_share": ("share that never went home (any route)", ".0%"),
    "trips_per_episode": ("trips per episode", ".1f"),
    "km_per_episode": ("km travelled per episode", ",.0f"),
    "hours_per_episode": ("hours travelled per episode", ".1f"),
}


# French labels: sim.measures.catalogue_fr.
# Per-HAD KPIs are named <prefix><HAD id> (sim.measures.care): their label, the HAD's name follows.
PER_HAD_LABELS: dict[str, tuple[str, str]] = {
    "had_patient_days_per_year_": ("HAD patient-days per year", "journées-patients d'HAD par an"),
    "had_nurse_km_per_year_": ("HAD nurse km per year", "km des infirmiers d'HAD par an"),
    "had_max_concurrent_": (
        "most patients at once (pumps in use)",
        "patients simultanés au plus (pompes utilisées)",
    ),
    "had_peak_pump_share_": ("peak share of the pumps in use", "part maximale des pompes utilisées"),
    "had_full_days_per_year_": (
        "days with no daily visit left per year",
        "jours sans passage quotidien disponible par an",
    ),
}
