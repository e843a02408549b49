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
from sim.outputs.i18n import method_text, number, plural, scenario_text, text, text_list
from sim.scenario.schema import Blinatumomab, Priorities, Scenario
from sim.territory.catchment import Territory

PRIORITIES = {  # the bed queue's kinds of admission, in the order they are listed, and their text keys
    "emergency": "logic_priority_emergency",
    "adverse_event": "logic_priority_adverse_event",
    "blinatumomab_pre_phase": "logic_priority_blinatumomab_pre_phase",
    "blinatumomab_booked_start": "logic_priority_blinatumomab_booked_start",
    "planned": "fig_planned",  # the waiting-time figure's name for them
    "blinatumomab_first_admission": "logic_priority_blinatumomab_first_admission",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # the scenario's weekday names


def listing(items: Sequence[str], last_word: str = "and", lang: str = "en") -> str:
    """'a, b and c' (or 'a, b or c'; 'a, b et c' in French): ``last_word`` is "and" or "or"."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text(f'logic_{last_word}', lang)} {items[-1]}"


def day_name(day: str, lang: str = "en") -> str:
    """A scenario weekday ("mon") as people read it ("Mon", "lundi")."""
    return text_list("logic_weekdays", lang)[WEEKDAYS.index(day)]


def weekdays(days: Sequence[str], last_word: str = "and", lang: str = "en") -> str:
    return listing([day_name(day, lang) for day in days], last_word, lang)


def queue_order(priorities: Priorities, lang: str = "en") -> str:
    """Who the bed queue serves first, from the priority numbers (lower first)."""
    levels = sorted(set(priorities.model_dump().values()))
    if len(levels) == 1:
        return text("logic_first_come", lang)
    groups = [
        listing(
            [text(label, lang) for key, label in PRIORITIES.items() if getattr(priorities, key) == level],
            lang=lang,
        )
        for level in levels
    ]
    return text("logic_first_then", lang, first=groups[0], rest=text("logic_then", lang).join(groups[1:]))


def day_hospital_sessions(sessions_per_weekday: Mapping[str, int], lang: str = "en") -> str:
    by_count: dict[int, list[str]] = {}
    for day, count in sessions_per_weekday.items():
        if count:
            by_count.setdefault(count, []).append(day)
    if not by_count:
        return text("logic_no_sessions", lang)
    counts = text("logic_own_separator", lang).join(
        text("logic_sessions_count", lang, count=count, days=weekdays(days, lang=lang))
        for count, days in by_count.items()
    )
    return text("logic_sessions", lang, counts=counts)


def home_care_routes(scenario: Scenario, territory: Territory | None = None, lang: str = "en") -> str:
    home_care = scenario.home_care
    km = number(home_care.derogation_max_km, "g", lang)
    authorised = ""
    if territory is not None:
        takeovers = "".join(
            text("logic_takeover", lang, had=a, by=b) for a, b in scenario.territory.merge.items()
        )
        authorised = text(
            "logic_authorised",
            lang,
            authorised=int(territory.authorised.sum()),
            total=len(territory.authorised),
            takeovers=takeovers,
        )
    routes = text("logic_else", lang).join(
        text(f"logic_route_{route}", lang, km=km) for route in home_care.fallback
    )
    return text("logic_home_care", lang, authorised=authorised, routes=routes)


def model_logic(scenario: Scenario, territory: Territory | None = None, lang: str = "en") -> dict[str, str]:
    """The model's logic, one sentence per topic, with this scenario's numbers (plain text)."""
    beds, blina, bags = scenario.beds, scenario.blinatumomab, scenario.bags
    patterns = f" {text('logic_or', lang)} ".join(
        "+".join(day_name(day, lang) for day in pattern) for pattern in bags.change_patterns
    )
    return {
        "beds": text(
            "logic_beds",
            lang,
            capacity=beds.capacity,
            order=queue_order(beds.priorities, lang),
            rate=number(beds.background.arrivals_per_day, "g", lang),
        ),
        "cycles": text(
            "logic_cycles",
            lang,
            infusion=blina.infusion_days,
            rest=blina.rest_days,
            starts=weekdays(blina.start_weekdays, "or", lang),
            first=blina.cycle1_inpatient_days,
            later=blina.later_inpatient_days,
            own=_own_stays(blina, lang),
        ),
        "bags": text(
            "logic_bags",
            lang,
            hours=number(bags.stability_hours, "g", lang),
            days=weekdays(bags.pharmacy_weekdays, lang=lang),
            patterns=patterns,
            where=text(f"logic_where_{bags.where_changed}", lang),
        ),
        "day_hospital": day_hospital_sessions(scenario.day_hospital.sessions_per_weekday, lang),
        "home_care": home_care_routes(scenario, territory, lang),
        "calendar": calendar_days(scenario, lang),
    }


def calendar_days(scenario: Scenario, lang: str = "en") -> str:
    """Public holidays, and the days home care may begin."""
    spec = scenario.calendar
    closed = text("logic_holidays_fr" if spec.holidays_country == "FR" else "logic_no_holidays", lang)
    days = weekdays(spec.home_care_start_weekdays, "or", lang)
    return text("logic_calendar", lang, closed=closed, days=days)


def _own_stays(blina: Blinatumomab, lang: str = "en") -> str:
    """The indications whose protocol sets its own inpatient days, if any (e.g. ' (MRD+ ...: 3 and 2)')."""
    own = [
        text(
            "logic_own_stay",
            lang,
            label=indication.label,
            first=blina.inpatient_days(name, 1),
            later=blina.inpatient_days(name, 2),
        )
        for name, indication in blina.indications.items()
        if indication.cycle1_inpatient_days is not None or indication.later_inpatient_days is not None
    ]
    return f" ({text('logic_own_separator', lang).join(own)})" if own else ""


def _logic_html(name: str, logic: Mapping[str, str]) -> str:
    """The scenario's name, then one line per topic."""
    lines = (html.escape(sentence[:1].upper() + sentence[1:]) + "." for sentence in logic.values())
    return f"<b>{html.escape(name)}</b><br>" + "<br>".join(lines)


def scenario_logic(
    results: Sequence[Results], territories: Mapping[str, Territory] | None = None, lang: str = "en"
) -> tuple[str, str]:
    """HTML of the base model's logic, and of how each other scenario's logic differs from it."""
    territories = territories or {}
    logics = {
        r.manifest["scenario"]: model_logic(r.scenario, territories.get(r.manifest["scenario"]), lang)
        for r in results
    }
    base_name, *others = logics
    base = logics[base_name]
    changes = []
    for name in others:
        changed = {topic: sentence for topic, sentence in logics[name].items() if sentence != base[topic]}
        changes.append("<br>" + _logic_html(name, changed or {"same": text("logic_same", lang)}))
    return _logic_html(base_name, base), "".join(changes)


STRESS_ITEMS = ("1_1", "1_2", "1_3", "2_1", "2_2", "2_3", "3_1", "3_2", "3_3", "4_1", "4_2", "4_3",
                "5_1", "5_2", "5_3", "5_4", "6")  # fmt: skip


def stress_des_rows(
    results: Sequence[Results],
    method: str,
    territories: Mapping[str, Territory] | None = None,
    lang: str = "en",
) -> list[tuple[str, str]]:
    """The STRESS-DES checklist as (item, HTML text), filled from the manifests; the first result leads."""
    m = results[0].manifest
    software = ", ".join(f"{k} {v}" for k, v in m["software"].items() if k != "python")
    base_logic, scenario_changes = scenario_logic(results, territories, lang)
    names = ", ".join(html.escape(r.manifest["scenario"]) for r in results)
    question = scenario_text(results[0].scenario, "question", lang)
    texts = {
        "1_1": text("stress_1_1", lang, question=html.escape(question)),
        "1_3": text("stress_1_3", lang, names=names),
        "2_2": base_logic,
        "2_3": text("stress_2_3", lang) + scenario_changes,
        "4_1": text("stress_4_1", lang, warmup=number(m["warmup_days"], "g", lang)),
        "4_2": text("stress_4_2", lang, years=number(m["years"], "g", lang), s=plural(m["years"], lang)),
        "4_3": text(
            "stress_4_3", lang, replications=m["replications"], method=html.escape(method_text(method, lang))
        ),
        "5_1": text(
            "stress_5_1",
            lang,
            version=html.escape(m["code_version"]),
            python=m["software"]["python"],
            software=software,
        ),
        "5_2": text("stress_5_2", lang, numbers=html.escape(_random_numbers(m, lang)), seed=m["seed"]),
        "5_3": text(
            "stress_5_3", lang, workers=m.get("workers", 1), seconds=number(m["run_seconds"], "", lang)
        ),
        "5_4": html.escape(f"{m['machine']['platform']} ({m['machine']['processor']})"),
        "6": text("stress_6", lang, hash=html.escape(m["scenario_hash"])),
    }
    return [
        (text(f"stress_item_{item}", lang), texts[item] if item in texts else text(f"stress_{item}", lang))
        for item in STRESS_ITEMS
    ]


def _random_numbers(manifest: Mapping, lang: str) -> str:
    """How the run drew its random numbers, in the language when the manifest says it as occisim writes
    it today (an older manifest's own sentence is shown as it is)."""
    written = manifest.get("random_numbers", "")
    return text("random_numbers", lang) if written == text("random_numbers") else written
