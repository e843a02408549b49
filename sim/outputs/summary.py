"""The plain-language summary at the top of a comparison: the differences that matter, in sentences.

A difference is told when it matters (``sim.runs.compare.judge_differences``: its 95 % CI excludes
0 and it reaches the KPI's minimal important difference), largest first against that minimum, each
with its interval; then the places of residence where the change matters, and an explanation where
the result goes against intuition. Every text people read is in ``TEXTS`` (one place to translate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.measures.catalogue import KPI_CATALOGUE, PLACE_CATALOGUE
from sim.outputs.i18n import kpi_label, kpi_title, number
from sim.outputs.text import format_difference

if TYPE_CHECKING:  # types only: pandas loads when a comparison is summed up, not for --help
    import pandas as pd

TEXTS: dict[str, str] = {
    "heading": "In short: {other} against {base} ({replications} replications each, common random numbers)",
    "rises": "rises",
    "falls": "falls",
    "finding": "{label} {direction} from {base_value} to {other_value}: {difference} (95 % CI).",
    "none": "Region-wide, no KPI changes by as much as its minimal important difference.",
    "negligible": "{count} other differences are real (their CI excludes 0) but smaller than what matters.",
    "negligible_one": "1 other difference is real (its CI excludes 0) but smaller than what matters.",
    "unclear_one": "1 difference cannot be told from its minimal important difference with this many "
    "replications (more replications, or --target-precision, would settle it): {kpis}.",
    "unclear": "{count} differences cannot be told from their minimal important difference with this many "
    "replications (more replications, or --target-precision, would settle them): {kpis}.",
    "more_findings": "{count} more differences that matter are in the table below.",
    "places": "Where people live, the change matters most for: {places}.",
    "place_department": "{name} ({items})",
    "place_had_zone": "the zone {of_name} ({items})",
    "place_item": "{label} {base_value} to {other_value}",
    "no_places": "No department or HAD zone of residence changes by as much as the minimal important "
    "difference.",
    "explain_home_trips": "Why more travel: more time at home means more bag changes away from the ward, "
    "each a trip to the IUCT-O day hospital every 3-4 days (or a visit); days in hospital fall while "
    "trips, km and day-hospital load rise.",
    "explain_occupancy": "Why the beds stay as busy: the bed-days freed are taken by other patients who "
    "were waiting, so occupancy holds while their waits fall.",
    "explain_cost": "Why the cost changes little: bed-days saved are paid again as HAD days, nurse "
    "visits and transport.",
}

TEXTS_FR: dict[str, str] = {
    "heading": "En bref : {other} contre {base} ({replications} réplications chacun, "
    "nombres aléatoires communs)",
    "rises": "passe",
    "falls": "passe",
    "finding": "{label} : {direction} de {base_value} à {other_value}, soit {difference} (IC 95 %).",
    "none": "Sur la région, aucun indicateur ne change autant que sa plus petite différence importante.",
    "negligible": "{count} autres différences sont réelles (leur IC exclut 0) mais plus petites "
    "que ce qui compte.",
    "negligible_one": "1 autre différence est réelle (son IC exclut 0) mais plus petite que ce qui compte.",
    "unclear_one": "1 différence ne peut être départagée de sa plus petite différence importante avec ce "
    "nombre de réplications (davantage de réplications, ou --target-precision, trancheraient) : {kpis}.",
    "unclear": "{count} différences ne peuvent être départagées de leur plus petite différence "
    "importante avec ce nombre de réplications (davantage de réplications, ou --target-precision, "
    "trancheraient) : {kpis}.",
    "more_findings": "{count} autres différences qui comptent sont dans le tableau ci-dessous.",
    "places": "Selon le lieu de résidence, le changement compte surtout pour : {places}.",
    "place_department": "{name} ({items})",
    "place_had_zone": "la zone {of_name} ({items})",
    "place_item": "{label} de {base_value} à {other_value}",
    "no_places": "Aucun département ni aucune zone d'HAD ne change autant que la plus petite différence "
    "importante.",
    "explain_home_trips": "Pourquoi plus de trajets : plus de temps à domicile, c'est plus de changements de "
    "poche hors du service, chacun un trajet vers l'hôpital de jour de l'IUCT-O tous les 3-4 jours (ou une "
    "visite) ; les jours d'hospitalisation baissent tandis que trajets, km et charge de l'hôpital de jour "
    "augmentent.",
    "explain_occupancy": "Pourquoi les lits restent aussi occupés : les journées libérées sont prises par "
    "d'autres patients qui attendaient ; l'occupation se maintient et leurs attentes baissent.",
    "explain_cost": "Pourquoi le coût change peu : les journées de lit évitées sont payées à nouveau en "
    "journées d'HAD, passages infirmiers et transports.",
}


def texts(lang: str = "en") -> dict[str, str]:
    """The summary's texts in the language."""
    return TEXTS_FR if lang == "fr" else TEXTS


# Explanations of results that go against intuition: (KPIs and the direction they all moved in,
# KPIs one of which moved in that direction, text key). A direction is +1 (rose) or -1 (fell).
EXPLANATIONS: tuple[tuple[tuple[tuple[str, int], ...], tuple[tuple[str, int], ...], str], ...] = (
    (
        (("home_days_per_episode", +1),),
        (
            ("trips_per_episode", +1),
            ("km_per_episode", +1),
            ("trips_per_year", +1),
            ("travel_km_per_year", +1),
            ("hdj_blina_sessions_per_week", +1),
        ),
        "explain_home_trips",
    ),
    (
        (("blina_bed_days_per_year", -1),),
        (("planned_wait_mean_days", -1), ("planned_wait_p95_days", -1)),
        "explain_occupancy",
    ),
    (
        (("bed_days_saved_by_home_care_per_year", +1),),
        (("cost_had_per_year", +1), ("cost_transport_per_year", +1), ("cost_nurse_visits_per_year", +1)),
        "explain_cost",
    ),
)
# The KPIs of a place in the order a sentence names them: time in hospital and waits first.
PLACE_ORDER = (
    "bed_days_total_per_episode",
    "home_care_bed_wait_days_per_episode",
    "first_bed_wait_days",
    "home_days_per_episode",
    "km_per_episode",
    "trips_per_episode",
    "hours_per_episode",
    *(k for k in PLACE_CATALOGUE if k.endswith("_share")),
)
# Checks of the run itself, not answers: left out of the summary (the warnings report them).
DIAGNOSTICS = frozenset(
    {
        "planned_waits_censored",
        "blina_cycle_start_waits_censored",
        "emergency_waits_censored",
        "bed_queue_growth",
        "episodes_never_started_share",
        "unstable",
    }
)
HEADLINE_FINDINGS = 8  # sentences at most; the rest are in the table
PLACE_LIMIT = 5


@dataclass(frozen=True)
class Finding:
    """One judged difference of a KPI between two scenarios."""

    kpi: str
    label: str
    fmt: str
    base: float
    other: float
    diff: float
    low: float
    high: float
    mid: float
    verdict: str

    @property
    def weight(self) -> float:
        """How many minimal important differences the change is: orders the findings."""
        return abs(self.diff) / self.mid if self.mid and math.isfinite(self.mid) else 0.0

    @property
    def direction(self) -> int:
        return 1 if self.diff > 0 else -1


def _value(x: float, fmt: str, lang: str = "en") -> str:
    return number(x, fmt, lang) if math.isfinite(x) else "-"


def _label(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:]


def findings(table: pd.DataFrame, base: str, other: str) -> list[Finding]:
    """The judged differences of the catalogue's top-level KPIs (sub-items apart), as findings."""
    # the two scenarios' rows read once, not by .loc per KPI
    rows = table[table["scenario"].isin([base, other])].set_index(["scenario", "kpi"]).to_dict("index")
    found = []
    for key, label, fmt, _ in KPI_CATALOGUE:
        if label.startswith(" ") or key in DIAGNOSTICS or (other, key) not in rows:
            continue
        r = rows[(other, key)]
        found.append(
            Finding(
                key, label, fmt, float(rows[(base, key)]["mean"]), float(r["mean"]),
                float(r["diff_mean"]), float(r["diff_ci_low"]), float(r["diff_ci_high"]),
                float(r.get("mid", math.nan)), str(r.get("verdict", "")),
            )
        )  # fmt: skip
    return found


def _sentence(f: Finding, lang: str = "en") -> str:
    words = texts(lang)
    return words["finding"].format(
        label=_label(kpi_title(f.kpi, lang)),
        direction=words["rises" if f.diff > 0 else "falls"],
        base_value=_value(f.base, f.fmt, lang),
        other_value=_value(f.other, f.fmt, lang),
        difference=format_difference(f.diff, f.low, f.high, f.fmt, lang),
    )


def explanations(judged: Sequence[Finding], lang: str = "en") -> list[str]:
    """The explanations whose pattern the significant differences show."""
    moved = {f.kpi: f.direction for f in judged if f.verdict == "important" or f.low > 0 or f.high < 0}
    return [
        texts(lang)[key]
        for every, some, key in EXPLANATIONS
        if all(moved.get(k) == d for k, d in every) and any(moved.get(k) == d for k, d in some)
    ]


def of(name: str, lang: str = "en") -> str:
    """'of <name>' as the language says it: in French 'de l'HAD …' (HAD is a noun, elided), 'd'UDSMA'
    before a vowel, else 'de …'."""
    if lang != "fr":
        return f"of {name}"
    if name.startswith("HAD "):
        return f"de l'{name}"
    return f"d'{name}" if name[:1].upper() in "AEIOUYÉÈÊÂÎÔ" else f"de {name}"


def place_lines(places: pd.DataFrame | None, base: str, other: str, lang: str = "en") -> list[str]:
    """The places of residence where the change matters, largest change first (department, zone)."""
    TEXTS = texts(lang)  # the language's texts
    if places is None or "verdict" not in places:
        return []
    mine = places[(places["scenario"] == other) & (places["verdict"] == "important")]
    mine = mine[mine["kpi"].isin(PLACE_ORDER)]
    if mine.empty:
        return [TEXTS["no_places"]]
    base_means = places[places["scenario"] == base].set_index(["level", "unit", "kpi"])["mean"].to_dict()
    mine = mine.assign(weight=(mine["diff_mean"].abs() / mine["mid"]).fillna(0))
    order = mine.groupby(["level", "unit"])["weight"].max().sort_values(ascending=False)
    described = []
    for level, unit in order.index[:PLACE_LIMIT]:
        rows = mine[(mine["level"] == level) & (mine["unit"] == unit)]
        rows = rows.sort_values("kpi", key=lambda k: k.map(PLACE_ORDER.index))
        items = []
        for r in rows.head(3).itertuples():
            fmt = PLACE_CATALOGUE[r.kpi][1]
            before = base_means.get((level, unit, r.kpi), math.nan)
            items.append(
                TEXTS["place_item"].format(
                    label=kpi_label(r.kpi, lang),
                    base_value=_value(before, fmt, lang),
                    other_value=_value(r.mean, fmt, lang),
                )
            )
        name = rows["unit_name"].iloc[0]
        described.append(
            TEXTS[f"place_{level}"].format(name=name, of_name=of(name, lang), items="; ".join(items))
        )
    return [TEXTS["places"].format(places=", ".join(described))]


def summary_lines(
    table: pd.DataFrame,
    base: str,
    other: str,
    replications: int,
    places: pd.DataFrame | None = None,
    lang: str = "en",
) -> list[str]:
    """The summary of ``other`` against ``base``: heading, findings, places, explanations, counts."""
    TEXTS = texts(lang)  # the language's texts
    judged = findings(table, base, other)
    important = sorted((f for f in judged if f.verdict == "important"), key=lambda f: -f.weight)
    lines = [TEXTS["heading"].format(other=other, base=base, replications=replications)]
    lines += [_sentence(f, lang) for f in important[:HEADLINE_FINDINGS]] or [TEXTS["none"]]
    if len(important) > HEADLINE_FINDINGS:
        lines.append(TEXTS["more_findings"].format(count=len(important) - HEADLINE_FINDINGS))
    lines += place_lines(places, base, other, lang)
    lines += explanations(judged, lang)
    trivial = [f for f in judged if f.verdict == "negligible" and (f.low > 0 or f.high < 0)]
    if trivial:
        lines.append(
            TEXTS["negligible_one" if len(trivial) == 1 else "negligible"].format(count=len(trivial))
        )
    unclear = [f for f in judged if f.verdict == "unclear" and f.weight >= 0.5]
    if unclear:
        names = ", ".join(_label(kpi_title(f.kpi, lang)) for f in unclear[:4])
        names += ", ..." if len(unclear) > 4 else ""
        lines.append(
            TEXTS["unclear_one" if len(unclear) == 1 else "unclear"].format(count=len(unclear), kpis=names)
        )
    return lines
