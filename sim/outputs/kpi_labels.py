"""The KPIs named as people read them, in English or French: the catalogue's labels (sub-items
indented, or after the items they belong to where they stand alone), and the labels of KPIs known by
a pattern (per HAD, per peripheral hospital, per indication, costs per episode, those kept for
analysts)."""

from __future__ import annotations

import functools

from sim.measures.catalogue import (
    INDICATION_LABELS,
    KPI_CATALOGUE,
    PER_HAD_LABELS,
    PER_PERIPHERAL_HOSPITAL_KPIS,
    PLACE_CATALOGUE,
)
from sim.measures.catalogue_fr import INDICATION_LABELS_FR, KPI_LABELS_FR, PLACE_LABELS_FR, UNLISTED_LABELS
from sim.measures.language import say

TEXTS: dict[str, tuple[str, str]] = {
    "effect_avoided": ("{outcome}, avoided", "{outcome}, en moins"),  # a PSA's effect, when less is better
    "cost_per_year_of": ("cost per year (EUR)", "coût par an (EUR)"),  # a cost item's title
    "cost_per_episode_of": ("cost per episode (EUR)", "coût par épisode (EUR)"),
}

_ENGLISH: dict[str, str] = {key: label for key, label, _, _ in KPI_CATALOGUE}


@functools.cache
def had_names() -> dict[str, str]:
    """HAD id -> 'name (main site)' from geo/had.csv; empty if the file cannot be read."""
    from sim.territory.geodata import geo_dir, load_hads

    try:
        hads = load_hads(geo_dir() / "had.csv")
    except (OSError, ValueError):
        return {}
    return {str(had): f"{row['name']} ({row['site_name']})" for had, row in hads.iterrows()}


def place_name(unit: str) -> str:
    """A place of residence as people read it: an HAD zone's id (HAD ids joined by " + ") as its HADs'
    names; anything else (a department code) as it is."""
    names = had_names()
    parts = unit.split(" + ")
    return " / ".join(names[p] for p in parts) if all(p in names for p in parts) else unit


def kpi_label(key: str, lang: str = "en", indent: bool = True) -> str:
    """The KPI's label in the language (sub-items indented as in the catalogue); per-HAD KPIs
    name the HAD; a KPI the catalogue does not know is shown by its key."""
    english = _ENGLISH.get(key)
    if english is not None:
        label = english if lang == "en" else KPI_LABELS_FR.get(key, english)  # a missing translation: English
        depth = len(english) - len(english.lstrip())
        return " " * depth + label.strip() if indent else label.strip()
    if key in PLACE_CATALOGUE:  # results by place of residence (sim.measures.territories)
        return PLACE_CATALOGUE[key][0] if lang == "en" else PLACE_LABELS_FR[key]
    for prefix, labels in PER_HAD_LABELS.items():
        if key.startswith(prefix):
            had = key[len(prefix) :]
            return f"{labels[lang == 'fr']}: {had_names().get(had, had)}"
    return _derived_label(key, lang) or key


def _derived_label(key: str, lang: str) -> str | None:
    """The label of a KPI the catalogue lists by a pattern: an item's cost per episode (its cost per
    year's label), a KPI of each peripheral hospital (named), of each indication, or one kept for
    analysts (UNLISTED_LABELS). None if there is none."""
    separator = " : " if lang == "fr" else ": "
    if key.startswith("cost_") and key.endswith("_per_episode"):
        item = cost_item_title(key.removesuffix("_per_episode") + "_per_year", lang, "cost_per_episode_of")
        if item is not None:
            return item
    for kpi in PER_PERIPHERAL_HOSPITAL_KPIS:
        if key.startswith(f"{kpi}_"):
            hospital = key[len(kpi) + 1 :]
            return f"{kpi_title(kpi, lang)}{separator}{hospital_names().get(hospital, hospital)}"
    if key.startswith("indication_"):
        for suffix, (label, _) in INDICATION_LABELS.items():
            if key.endswith(f"_{suffix}"):
                name = key.removeprefix("indication_").removesuffix(f"_{suffix}")
                return f"{name}{separator}{label if lang == 'en' else INDICATION_LABELS_FR[suffix]}"
    if key in UNLISTED_LABELS:
        return UNLISTED_LABELS[key][lang == "fr"]
    return None


def effect_title(outcome: str, direction: str, lang: str = "en") -> str:
    """What a PSA's incremental effect counts, in words: the outcome KPI's title, or that of the
    outcome avoided (``direction`` 'decrease'), not its key ('trips_per_year avoided')."""
    title = kpi_title(outcome, lang)
    return title if direction == "increase" else say(TEXTS, "effect_avoided", lang, outcome=title)


def cost_item_title(key: str, lang: str = "en", per: str = "cost_per_year_of") -> str | None:
    """A cost item's title where it stands alone: 'cost per year (EUR): HAD days' (``per``: or per
    episode), not under 'cost per year, total', which reads as the total. None if ``key`` is none."""
    above = _kpi_parents().get(key, ())
    if "cost_total_per_year" not in above:  # not an item of the cost per year
        return None
    parents = [k for k in above if k != "cost_total_per_year"]
    separator = " : " if lang == "fr" else ": "
    return separator.join(
        [say(TEXTS, per, lang), *(kpi_label(k, lang, indent=False) for k in (*parents, key))]
    )


@functools.cache
def hospital_names() -> dict[str, str]:
    """Hospital id -> name, from geo/hospitals.csv; empty if the file cannot be read."""
    from sim.territory.geodata import geo_dir, table_column

    path = geo_dir() / "hospitals.csv"
    try:
        return dict(zip(table_column(path, "id"), table_column(path, "name")))
    except (OSError, ValueError):
        return {}


def kpi_title(key: str, lang: str = "en") -> str:
    """The KPI's label where it stands alone (a figure's title or axis, a choice in a list): a sub-item
    after the items it belongs to, since its own words need them ('on Mon', 'transport', 'deferred')."""
    if (cost := cost_item_title(key, lang)) is not None:
        return cost
    separator = " : " if lang == "fr" else ": "
    return separator.join(kpi_label(k, lang, indent=False) for k in (*_kpi_parents().get(key, ()), key))


@functools.cache
def _kpi_parents() -> dict[str, tuple[str, ...]]:
    """Each sub-item of the catalogue -> the keys of the items above it, outermost first."""
    parents: dict[str, tuple[str, ...]] = {}
    above: list[tuple[int, str]] = []  # (depth, key) of the items a next row may belong to
    for key, label, _, _ in KPI_CATALOGUE:
        depth = len(label) - len(label.lstrip())
        while above and above[-1][0] >= depth:
            above.pop()
        if above:
            parents[key] = tuple(k for _, k in above)
        above.append((depth, key))
    return parents
