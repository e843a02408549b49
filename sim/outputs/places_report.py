"""Report sections on what a comparison means: the plain summary, results by place of residence
(maps of the change on one diverging scale, static and interactive, and tables), and the HADs' load.

Texts people read are in ``sim.outputs.i18n`` (keys ``places_*``, ``had_load_*``), in English and French.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence

import pandas as pd

from sim.measures.catalogue import PLACE_CATALOGUE
from sim.measures.catalogue_fr import PLACE_LABELS_FR
from sim.measures.territories import LEVELS, places_of_runs
from sim.outputs.folders import Results
from sim.outputs.i18n import number, text, text_list
from sim.outputs.maps import change_limit, place_areas, plot_place_change
from sim.outputs.summary import summary_lines
from sim.outputs.text import format_difference, format_interval
from sim.outputs.webmap import change_layer, leaflet_map
from sim.runs.compare import judge_differences
from sim.territory.catchment import Territory

# The KPIs mapped and tabled by place, in this order (the rest are in places.csv).
MAPPED_KPIS = ("bed_days_total_per_episode", "home_care_bed_wait_days_per_episode", "km_per_episode")
TABLED_KPIS = (
    "episodes_per_year",
    "bed_days_total_per_episode",
    "home_care_bed_wait_days_per_episode",
    "home_days_per_episode",
    "first_bed_wait_days",
    "trips_per_episode",
    "km_per_episode",
)


def report_places(results: Sequence[Results], paired: bool, territory: Territory) -> pd.DataFrame:
    """KPIs by place of every run against the first (places of ``territory``, the first run's), judged;
    differences only when paired (same seed)."""
    names = [r.manifest["scenario"] for r in results]
    table = places_of_runs(
        {n: r.episodes for n, r in zip(names, results)},
        {n: r.scenario for n, r in zip(names, results)},
        names[0],
        territory,
    )
    if not paired:
        return table[
            [c for c in table.columns if not c.startswith("diff_") and c not in ("pairs", "significant")]
        ]
    return judge_differences(table)


def summary_section(
    long: pd.DataFrame, places: pd.DataFrame, names: list[str], replications: int, lang: str = "en"
) -> list[str]:
    """The plain-language summary of each scenario against the first, as a list per scenario."""
    parts = [f"<h2 id='summary'>{text('nav_summary', lang)}</h2>"]
    for other in names[1:]:
        lines = summary_lines(
            long, names[0], other, replications, places if "verdict" in places else None, lang
        )
        parts.append(f"<p><b>{html.escape(lines[0])}</b></p><ul class='summary'>")
        parts += [f"<li>{html.escape(line)}</li>" for line in lines[1:]]
        parts.append("</ul>")
    parts.append(f"<p class='small'>{html.escape(text('significance_note', lang))}</p>")
    return parts


def _place_label(kpi: str, lang: str) -> str:
    """The label of a KPI by place of residence in the language."""
    return PLACE_CATALOGUE[kpi][0] if lang == "en" else PLACE_LABELS_FR[kpi]


def _cell(row: pd.Series | None, fmt: str, lang: str = "en") -> str:
    if row is None or not math.isfinite(row["mean"]):
        return "<td>-</td>"
    value = number(row["mean"], fmt, lang)
    if "diff_mean" not in row or not math.isfinite(row["diff_mean"]):
        return f"<td>{format_interval(row['mean'], row['ci_low'], row['ci_high'], fmt, lang=lang)}</td>"
    diff = format_difference(row["diff_mean"], row["diff_ci_low"], row["diff_ci_high"], fmt, lang)
    marks = (" *" if str(row["significant"]) in ("True", "1", "1.0") else "") + (
        " !" if row.get("verdict") == "important" else ""
    )
    strong = row.get("verdict") == "important"
    shown = f"{value}<br><span class='small'>{diff}{marks}</span>"
    return f"<td class='{'sig' if strong else ''}'>{shown}</td>"


def place_table_html(places: pd.DataFrame, scenario: str, level: str, lang: str = "en") -> str:
    """One row per place, one column per tabled KPI: the scenario's mean and its difference."""
    mine = places[(places["scenario"] == scenario) & (places["level"] == level)]
    rows = mine.set_index(["unit", "kpi"])
    head = f"<tr><th>{text('places_place', lang)}</th>" + "".join(
        f"<th>{html.escape(_place_label(k, lang))}</th>" for k in TABLED_KPIS
    )
    body = []
    for unit, name in mine[["unit", "unit_name"]].drop_duplicates().itertuples(index=False):
        cells = [f"<td>{html.escape(str(name))}</td>"]
        for kpi in TABLED_KPIS:
            row = rows.loc[(unit, kpi)] if (unit, kpi) in rows.index else None
            cells.append(_cell(row, PLACE_CATALOGUE[kpi][1], lang))
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table class='places'>{head}</tr>{''.join(body)}</table>"


def places_section(
    places: pd.DataFrame,
    names: list[str],
    method: str,
    territory: Territory,
    img: Callable[..., str],
    lang: str = "en",
) -> list[str]:
    """Maps of the change of the mapped KPIs (static, then one interactive map), and the tables;
    ``method`` says how differences were computed, in the language."""
    parts = [
        f"<h2 id='places'>{text('places_title', lang)}</h2>",
        f"<p class='small'>{html.escape(text('places_intro', lang, base=names[0], method=method))}</p>",
    ]
    compared = "diff_mean" in places and len(names) > 1
    if len(names) > 1 and not compared:
        parts.append(f"<p class='small'>{text('places_unpaired', lang)}</p>")
    if compared:
        areas = place_areas(territory)
        for kpi in MAPPED_KPIS:
            label, fmt = _place_label(kpi, lang), PLACE_CATALOGUE[kpi][1]
            limit = change_limit(places.loc[places["kpi"] == kpi, "diff_mean"])
            parts.append(f"<h3>{html.escape(text('places_maps_title', lang, label=label))}</h3>")
            for other in names[1:]:
                changes = places[(places["scenario"] == other) & (places["kpi"] == kpi)]
                title = text("labelled", lang, what=f"{other} - {names[0]}", label=label)
                fig = plot_place_change(areas, changes, title, label, limit, fmt, lang)
                caption = text("places_maps_caption", lang, other=other, base=names[0])
                parts.append(img(fig, f"change map {kpi} {other}", caption))
        parts += [f"<h3>{text('places_web_title', lang)}</h3>", _web_maps(places, names, areas, lang)]
    for scenario in names[1:] if compared else names:
        for level in LEVELS:
            where = text(f"places_level_{level}", lang)
            title = text("places_table_title", lang, other=scenario, base=names[0], level=where)
            parts += [f"<h3>{html.escape(title)}</h3>", place_table_html(places, scenario, level, lang)]
    return parts


def _web_maps(places: pd.DataFrame, names: list[str], areas: dict, lang: str = "en") -> str:
    layers = {}
    for other in names[1:]:
        for kpi in MAPPED_KPIS:
            label, fmt = _place_label(kpi, lang), PLACE_CATALOGUE[kpi][1]
            limit = change_limit(places.loc[places["kpi"] == kpi, "diff_mean"])
            for level in LEVELS:
                changes = places[
                    (places["scenario"] == other) & (places["kpi"] == kpi) & (places["level"] == level)
                ]
                base = places[
                    (places["scenario"] == names[0]) & (places["kpi"] == kpi) & (places["level"] == level)
                ]
                means = dict(zip(base["unit"], base["mean"]))
                name = text(
                    "labelled", lang, what=other, label=f"{label}, {text(f'places_level_{level}', lang)}"
                )
                layers[name] = change_layer(areas[level], changes, means, fmt, limit, lang)
    return leaflet_map("webmap-places", layers)


def had_load_section(results: Sequence[Results], base_territory: Territory, lang: str = "en") -> list[str]:
    """Per HAD (by name) and scenario: peak pumps in use against pumps, days full, patient-days."""
    names = base_territory.hads["name"]
    columns = text_list("had_load_columns", lang)
    parts = [
        f"<h3>{text('had_load_title', lang)}</h3>",
        f"<p class='small'>{text('had_load_intro', lang)}</p>",
    ]
    for result in results:
        means = result.summary.set_index("kpi")["mean"]
        rows = []
        for had, name in names.items():
            values = [
                means.get(f"{k}_{had}", math.nan) for k in ("had_max_concurrent", "had_peak_pump_share")
            ]
            full = means.get(f"had_full_days_per_year_{had}", math.nan)
            if math.isnan(full) and math.isnan(values[1]):  # no visit and no pump: merged into another
                continue
            days = means.get(f"had_patient_days_per_year_{had}", math.nan)
            cells = [number(values[0], ".1f", lang), number(values[1], ".0%", lang)]
            cells += [number(full, ",.1f", lang), number(days, ",.0f", lang)]
            rows.append(
                f"<tr><td>{html.escape(name)}</td>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
            )
        head = "".join(f"<th>{c}</th>" for c in columns)
        parts.append(
            f"<p><b>{html.escape(result.manifest['scenario'])}</b></p><table><tr>{head}</tr>{''.join(rows)}</table>"
        )
    return parts
