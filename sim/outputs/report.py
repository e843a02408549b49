"""One self-contained HTML report from result folders: the question, KPIs, figures, maps, sources.

The first folder is the reference. Differences are paired by replication when the runs share
their seed (common random numbers), otherwise they are compared as independent samples (Welch).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from sim.measures.catalogue import KPI_CATALOGUE
from sim.measures.dated import kpi_ranges
from sim.measures.statistics import comparison_table
from sim.outputs import difference_figures
from sim.outputs import figures as plots
from sim.outputs.description import stress_des_rows
from sim.outputs.folders import Results, load_results
from sim.outputs.i18n import kpi_label, method_text, scenario_text, text
from sim.outputs.maps_report import maps_section
from sim.outputs.parameters_report import parameters_section
from sim.outputs.places_report import had_load_section, places_section, report_places, summary_section
from sim.outputs.text import format_difference, format_interval
from sim.outputs.timeline import timeline_section
from sim.outputs.webmap import leaflet_head
from sim.runs.compare import judge_differences
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

CSS = """
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 0; color: #1c2833; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 60px; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #1b4f72; padding-bottom: 4px;
  margin-top: 2em; } h3 { margin-top: 1.4em; }
.lead { color: #566573; } .small { font-size: 0.85em; color: #566573; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.6em 0 1em; }
th, td { padding: 4px 9px; border-bottom: 1px solid #d5d8dc; text-align: right; vertical-align: top; }
th { background: #eaf2f8; } td:first-child, th:first-child { text-align: left; }
td.sig { font-weight: 600; color: #1b4f72; } td.left, th.left { text-align: left; }
.interval { white-space: nowrap; }
img { max-width: 100%; border: 1px solid #e5e8e8; margin: 0.5em 0; }
.maps { display: grid; grid-template-columns: 1fr; gap: 12px; }
.webmap { width: 100%; border: 1px solid #d5d8dc; margin: 0.5em 0 1.5em; }
.webmap.leaflet-container { background: #ffffff; }
ul.summary li { margin: 0.3em 0; } table.places td { white-space: nowrap; }
figure { margin: 0; } figcaption { font-size: 0.85em; color: #566573; }
.tag-assumption { color: #b9770e; font-weight: 600; } .tag-source { color: #1e8449; }
nav a { margin-right: 14px; font-size: 0.9em; }
.warning { background: #fdebd0; border-left: 5px solid #d35400; padding: 6px 14px; margin: 1em 0; }
"""
# How every report begins, whatever its language: `occisim report --out` replaces only a file that
# begins so, or as reports written before the language was on <html> began (EARLIER_HEAD).
REPORT_MARK = "<!DOCTYPE html><!-- occisim report -->"
EARLIER_HEAD = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>occisim report</title>"
REPORT_BEGINNINGS = (REPORT_MARK, EARLIER_HEAD)


def page_head(lang: str, title: str) -> str:
    """A report's beginning to its <title> (``title``: plain text), in ``lang`` for browsers and screen
    readers, after the mark ``occisim report`` looks for before replacing a file."""
    return f"{REPORT_MARK}<html lang='{lang}'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _img(fig: plt.Figure, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{html.escape(alt)}" src="{_png(fig)}">{cap}</figure>'


# --- KPI table ---


def kpi_table(results: Sequence[Results]) -> tuple[pd.DataFrame, str]:
    """Means with CIs and differences to the first result; paired when the seeds match."""
    tables = {r.manifest["scenario"]: r.replications for r in results}
    paired = len({r.manifest["seed"] for r in results}) == 1
    ranges = {r.manifest["scenario"]: kpi_ranges(r.scenario) for r in results}
    long = judge_differences(comparison_table(tables, results[0].manifest["scenario"], paired, ranges))
    if paired:
        return long, "paired by replication (common random numbers)"
    return long, "independent samples (seeds differ; Welch interval)"


def _sentence_case(label: str) -> str:
    text = label.strip()
    return text[:1].upper() + text[1:]


def _unbroken_interval(value: str) -> str:
    """A table cell's ``mean [low ; high] marks``, its interval never broken across lines (a narrow
    column may put it under the mean, not cut it in two)."""
    mean, bracket, rest = value.partition(" [")
    if not bracket:
        return html.escape(value)
    return f"{html.escape(mean)} <span class='interval'>[{html.escape(rest)}</span>"


def _kpi_html(long: pd.DataFrame, names: list[str], lang: str = "en") -> str:
    indexed = long.set_index(["scenario", "kpi"])
    head = (
        f"<tr><th>{text('kpi', lang)}</th>"
        + "".join(
            f"<th>{html.escape(n)}<br><span class='small'>{text('mean_ci', lang)}</span></th>"
            + (
                ""
                if i == 0
                else f"<th>{text('difference', lang)}<br><span class='small'>"
                f"{html.escape(text('vs', lang, base=names[0]))}</span></th>"
            )
            for i, n in enumerate(names)
        )
        + "</tr>"
    )
    body = []
    for key, label, fmt, _ in KPI_CATALOGUE:
        if (names[0], key) not in indexed.index:
            continue
        if all(pd.isna(indexed.loc[(name, key), "mean"]) for name in names):
            continue  # applies to none of the scenarios (e.g. waits from a dated event, with none)
        indent = len(label) - len(label.lstrip())
        shown = _sentence_case(kpi_label(key, lang))
        cells = [f"<td style='padding-left:{9 + 7 * indent}px'>{html.escape(shown)}</td>"]
        for i, name in enumerate(names):
            r = indexed.loc[(name, key)]
            interval = format_interval(r["mean"], r["ci_low"], r["ci_high"], fmt, lang=lang)
            cells.append(f"<td>{_unbroken_interval(interval)}</td>")
            if i:
                diff = format_difference(r["diff_mean"], r["diff_ci_low"], r["diff_ci_high"], fmt, lang)
                sig, important = bool(r["significant"]), r.get("verdict") == "important"
                marks = (" *" if sig else "") + (" !" if important else "")
                shown_diff = _unbroken_interval(diff + marks)
                cells.append(f"<td class='{'sig' if important else ''}'>{shown_diff}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(body)}</table>"


# --- the document, section by section ---

SECTIONS = (
    ("summary", "In short"),
    ("question", "Question"),
    ("kpis", "KPIs"),
    ("places", "By place of residence"),
    ("figures", "Figures"),
    ("timeline", "Timeline"),
    ("maps", "Maps"),
    ("parameters", "Parameters"),
    ("stress", "Model reporting (STRESS-DES)"),
)


QUESTION_HEADERS = ("scenario", "question", "what_changes", "n", "seed")
TEXT_COLUMNS = ("question", "what_changes")  # read as text: headed on the left, as their cells


def _question_section(results: Sequence[Results], lang: str = "en") -> list[str]:
    parts = [
        f"<h2 id='question'>{text('section_question', lang)}</h2>",
        "<table><tr>"
        + "".join(
            f"<th class='left'>{text(k, lang)}</th>" if k in TEXT_COLUMNS else f"<th>{text(k, lang)}</th>"
            for k in QUESTION_HEADERS
        )
        + "</tr>",
    ]
    for r in results:
        s = r.scenario
        parts.append(
            f"<tr><td>{html.escape(s.name)}</td>"
            f"<td class='left'>{html.escape(scenario_text(s, 'question', lang))}</td>"
            f"<td class='left'>{html.escape(scenario_text(s, 'description', lang))}</td>"
            f"<td>{s.run.replications}</td><td>{s.run.seed}</td></tr>"
        )
    parts.append("</table>")
    return parts


def _kpi_section(long: pd.DataFrame, method: str, names: list[str], lang: str = "en") -> list[str]:
    return [
        f"<h2 id='kpis'>{text('section_kpis', lang)}</h2>",
        f"<p class='small'>{html.escape(text('kpi_note', lang, method=method_text(method, lang)))}</p>",
        _kpi_html(long, names, lang),
    ]


def _figures_section(
    results: Sequence[Results], base_territory: Territory, long: pd.DataFrame, lang: str = "en"
) -> list[str]:
    by_name = {r.manifest["scenario"]: r for r in results}
    warmup = max(r.scenario.run.warmup_days for r in results)
    daily = {name: r.daily for name, r in by_name.items()}
    summaries = {name: r.summary for name, r in by_name.items()}
    capacities = {name: r.scenario.beds.capacity for name, r in by_name.items()}
    had_names = dict(
        zip(base_territory.hads.index, base_territory.hads["name"].str.replace("HAD ", "", regex=False))
    )
    admissions = {name: r.admissions for name, r in by_name.items()}
    episodes = {name: r.episodes for name, r in by_name.items()}
    figures = (
        ("fig_title_occupancy", plots.occupancy_figure(daily, capacities, warmup, lang), "bed occupancy"),
        ("fig_title_waits", plots.waits_figure(admissions, warmup, lang), "waits"),
        ("fig_title_day_hospital", plots.day_hospital_figure(daily, warmup, lang), "day hospital"),
        ("fig_title_had", plots.had_days_figure(summaries, had_names, lang), "HAD"),
        ("fig_title_costs", plots.cost_breakdown_figure(summaries, lang), "costs"),
        ("fig_title_travel", plots.travel_by_department_figure(episodes, warmup, lang), "travel"),
    )
    names = list(by_name)
    if len(names) > 1:  # what changes, as paired differences, before the levels
        base = names[0]
        figures = (
            (
                "fig_title_differences",
                difference_figures.differences_figure(long, base, names[1:], lang=lang),
                "differences",
            ),
            (
                "fig_title_occupancy_difference",
                difference_figures.occupancy_difference_figure(daily, base, warmup, lang),
                "occupancy difference",
            ),
            *(
                [
                    (
                        "fig_title_waits_difference",
                        difference_figures.waits_difference_figure(admissions, base, warmup, lang),
                        "waits difference",
                    )
                ]
                if len({r.manifest["seed"] for r in results}) == 1  # paired only under common random numbers
                else []
            ),
            *figures,
        )
    parts = [f"<h2 id='figures'>{text('section_figures', lang)}</h2>"]
    for key, fig, alt in figures:
        parts += [f"<h3>{text(key, lang)}</h3>", _img(fig, alt)]
    return parts


def _stress_section(
    results: Sequence[Results], method: str, territories: Mapping[str, Territory], lang: str = "en"
) -> list[str]:
    rows = stress_des_rows(results, method, territories, lang)
    return [
        f"<h2 id='stress'>{text('section_stress', lang)}</h2>",
        f"<p class='small'>{text('stress_note', lang)}</p>",
        "<table>"
        + "".join(f"<tr><td class='left'><b>{k}</b></td><td class='left'>{v}</td></tr>" for k, v in rows)
        + "</table>",
    ]


def _warnings_banner(results: Sequence[Results], lang: str = "en") -> list[str]:
    """A banner above everything when a run was flagged (unstable queues, censored waits)."""
    items = [
        f"<li><b>{html.escape(r.manifest['scenario'])}</b>: {html.escape(str(w))}</li>"
        for r in results
        if isinstance(r.manifest.get("warnings"), list)
        for w in r.manifest["warnings"]
    ]
    if not items:
        return []
    return [
        f"<div class='warning'><p><b>{text('warning_banner', lang)}</b></p><ul>{''.join(items)}</ul></div>"
    ]


def _search_sections(searches: Sequence[Path], base_territory: Territory, lang: str) -> list[str]:
    """A section per search folder (``sim.outputs.choice`` draws it, and builds on this module)."""
    from sim.outputs.choice import read_search, search_section

    return [
        part for folder in searches for part in search_section(*read_search(folder), base_territory, lang)
    ]


def build_report(
    result_dirs: Sequence[Path],
    base_territory: Territory | None = None,
    lang: str = "en",
    searches: Sequence[Path] = (),
) -> str:
    """The HTML document of result folders (the first is the reference), everything embedded;
    ``lang`` (en, fr) writes the KPI labels, numbers and section titles; ``searches``: folders of
    ``occisim choose``, each a "Which HADs next?" section."""
    results = [load_results(p) for p in result_dirs]
    names = [r.manifest["scenario"] for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"two result folders hold the same scenario name: {names}")
    base_territory = base_territory or Territory.load()
    territories = {r.manifest["scenario"]: scenario_territory(r.scenario, base_territory) for r in results}
    long, method = kpi_table(results)
    places = report_places(results, "paired" in method, territories[names[0]])
    replications = results[0].scenario.run.replications
    title = text("report_title", lang, names=text("report_title_joint", lang).join(names))
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        *_warnings_banner(results, lang),
        f"<p class='lead'>{text('generated', lang, when=f'{dt.datetime.now():%Y-%m-%d %H:%M}')} "
        + ", ".join(f"<code>{html.escape(str(p))}</code>" for p in result_dirs)
        + "</p>",
        "<nav>"
        + "".join(f"<a href='#{a}'>{text(f'nav_{a}', lang)}</a>" for a, _ in SECTIONS)
        + (f"<a href='#search'>{text('nav_search', lang)}</a>" if searches else "")
        + "</nav>",
        *(summary_section(long, places, names, replications, lang) if len(names) > 1 else []),
        *_question_section(results, lang),
        *_kpi_section(long, method, names, lang),
        *places_section(places, names, method_text(method, lang), territories[names[0]], _img, lang),
        *_figures_section(results, base_territory, long, lang),
        *timeline_section(results, _img, lang),
        *had_load_section(results, base_territory, lang),
        *maps_section(results, territories, base_territory, _img, lang),
        *parameters_section(results, lang),
        *_stress_section(results, method, territories, lang),
        *_search_sections(searches, base_territory, lang),
    ]
    head = f"{page_head(lang, title)}<style>{CSS}</style>{leaflet_head()}</head>"
    return f"{head}<body><main>{''.join(parts)}</main></body></html>"
