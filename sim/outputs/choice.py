"""What `occisim choose` writes: the ranked authorisation sets, the Pareto chart, maps of the top sets,
the robustness table, and a self-contained HTML page with the STRESS-DES experimentation text."""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from rich.table import Table

from sim.outputs.maps import plot_territory
from sim.outputs.report import CSS, _img
from sim.outputs.writing import MANIFEST, SEARCH, atomic_output_dir, ownership
from sim.runs.search import COST_KPI, STATUS_QUO, SearchResult
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

HEAD = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>occisim: which HADs next</title>"
TOP_SETS_MAPPED = 3


def set_label(name: str, had_names: dict[str, str]) -> str:
    """An authorisation set by the HADs' names."""
    if name == STATUS_QUO:
        return "status quo (no new authorisation)"
    return " + ".join(had_names.get(had, had) for had in name.split("+"))


def pareto_figure(result: SearchResult, had_names: dict[str, str]) -> plt.Figure:
    """Cost a year against the objective for every simulated set, on the replications they all have;
    the Pareto front joined."""
    table = result.table[result.table["objective"].notna()]
    n = int(table["common_replications"].iloc[0])
    fig, ax = plt.subplots(figsize=(10, 6), dpi=110)
    x, y = table["cost_common"] / 1e3, table["objective_common"]
    ax.plot(x, y, "o", color="#95a5a6", label="authorisation set")
    front = table[table["pareto"]].sort_values("cost_common")
    ax.plot(
        front["cost_common"] / 1e3, front["objective_common"], "-o", color="#1b4f72", label="Pareto front"
    )
    best = table[table["best"].eq(True)]
    ax.plot(
        best["cost_common"] / 1e3,
        best["objective_common"],
        "*",
        ms=16,
        color="#d35400",
        label="selected (KN++)",
    )
    for _, row in front.iterrows():
        ax.annotate(
            set_label(row["set"], had_names),
            (row["cost_common"] / 1e3, row["objective_common"]),
            fontsize=8,
            xytext=(6, 4),
            textcoords="offset points",
        )
    priced = ", authorisations included" if result.cost_per_authorisation else ""
    ax.set_xlabel(f"cost a year (k€{priced})")
    ax.set_ylabel(result.objective.text)
    ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(
        f"Authorisation sets: cost against the objective (means of the {n} replications all sets have)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def top_set_maps(result: SearchResult, scenario: Scenario, base: Territory) -> list[tuple[str, plt.Figure]]:
    """The zones under each of the best sets (up to three)."""
    from sim.runs.search import AuthorisationSet, with_authorised

    names = list(result.table["set"][result.table["objective"].notna()])[:TOP_SETS_MAPPED]
    had_names = dict(zip(base.hads.index, base.hads["name"]))
    maps = []
    for name in names:
        chosen = AuthorisationSet(() if name == STATUS_QUO else tuple(name.split("+")))
        territory = scenario_territory(with_authorised(scenario, chosen), base)
        maps.append((set_label(name, had_names), plot_territory(territory, title=set_label(name, had_names))))
    return maps


def search_table(result: SearchResult, had_names: dict[str, str], rows: int = 10) -> Table:
    """The simulated sets, best first, for the terminal (labels wrap; numbers never cut)."""
    table = Table(title=f"minimise {result.objective.text}", title_justify="left")
    table.add_column("authorisation set", overflow="fold", ratio=1)
    n = int(result.table["common_replications"].max())
    for column in (f"mean, {n} reps", "minus best [95% CI]", "reps"):
        table.add_column(column, justify="right", no_wrap=True)
    simulated = result.table[result.table["objective"].notna()]
    for _, row in simulated.head(rows).iterrows():
        table.add_row(
            set_label(row["set"], had_names),
            f"{row['objective_common']:,.1f}",
            "best" if row["best"] else _difference(row),
            f"{row['replications']:.0f}",
        )
    return table


def _difference(row: pd.Series) -> str:
    return f"{row['minus_best']:+,.1f} [{row['minus_best_ci_low']:+,.1f}, {row['minus_best_ci_high']:+,.1f}]"


def experimentation_text(result: SearchResult) -> list[tuple[str, str]]:
    """STRESS-DES 'experimentation' items for the search (Monks et al., 2019)."""
    s = result.settings
    simulated = int(result.table["objective"].notna().sum())
    sel = result.selection
    stop = "the best identified (one set left)" if sel and sel.identified else "the replication budget spent"
    return [
        (
            "Experimentation aim",
            f"choose which of {len(result.candidates)} unauthorised HADs to authorise "
            f"(sets of at most {result.max_new}), minimising {result.objective.text}",
        ),
        (
            "Scenarios",
            f"{len(result.table)} authorisation sets; {simulated} simulated after the coverage screen "
            "(sets opening the same options to every resident simulate identically)",
        ),
        (
            "Procedure",
            "KN++ fully sequential ranking and selection with an indifference zone (Kim and Nelson, "
            "2001, 2006): variances of paired differences re-estimated at each screening, after each "
            "batch; common random numbers",
        ),
        ("Indifference zone δ", f"{s.delta:g} ({result.objective.text})"),
        (
            "Confidence",
            f"1 - α = {1 - s.alpha:.0%}: the selected set is within δ of the best with at least "
            "this probability",
        ),
        (
            "Replications per set",
            f"first stage {s.first_stage}, then {s.batch} at a time, at most "
            f"{s.max_replications}; stopped with {stop}",
        ),
        (
            "Authorisation cost",
            f"{result.cost_per_authorisation:,.0f} € a year per new authorisation, added to {COST_KPI}",
        ),
    ]


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", float_format=lambda v: f"{v:,.1f}", border=0)


def search_page(result: SearchResult, scenario: Scenario, base: Territory) -> str:
    """The self-contained HTML page of a search."""
    had_names = dict(zip(base.hads.index, base.hads["name"]))
    table = result.table.assign(set=[set_label(n, had_names) for n in result.table["set"]])
    sel = result.selection
    verdict = f"<b>{html.escape(set_label(result.best, had_names))}</b> is the best set " + (
        f"at {1 - result.settings.alpha:.0%} confidence (within δ = {result.settings.delta:g})."
        if sel and sel.identified
        else "among those the budget could not tell apart: "
        + html.escape(", ".join(set_label(n, had_names) for n in (sel.survivors if sel else [])))
        + "."
    )
    table["minus best (95% CI)"] = [
        "" if pd.isna(m) else f"{m:+,.1f} [{lo:+,.1f}, {hi:+,.1f}]"
        for m, lo, hi in zip(table["minus_best"], table["minus_best_ci_low"], table["minus_best_ci_high"])
    ]
    shown = pd.DataFrame(
        {
            "authorisation set": table["set"],
            "new": table["new_authorisations"],
            "residents with no HAD": table["population_no_had"].map("{:,.0f}".format),
            "replications": table["replications"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
            "objective (mean of the common replications)": table["objective_common"].map(
                lambda v: "" if pd.isna(v) else f"{v:,.1f}"
            ),
            "minus best (95% CI)": table["minus best (95% CI)"],
            "cost a year (k€)": table["cost_common"].map(lambda v: "" if pd.isna(v) else f"{v / 1e3:,.0f}"),
            "Pareto": table["pareto"].map({True: "yes", False: ""}),
            "not simulated because": table["screened_out"],
        }
    )
    parts = [
        f"<h1>Which HADs next? {html.escape(scenario.name)}</h1>",
        "<p class='lead'>Objective (minimised): "
        f"<code>{html.escape(result.objective.text)}</code>. {verdict}</p>",
        "<h2>Sets, best first</h2>",
        "<p class='small'>minus_best: the set's objective minus the best's, paired on the replications both "
        "have (95% CI). Screened-out sets were not simulated (see the reason).</p>",
        _table_html(shown),
        "<h2>Cost against the objective</h2>",
        _img(pareto_figure(result, had_names), "Pareto chart"),
        "<h2>The best sets on the map</h2>",
        "<div class='maps'>"
        + "".join(_img(fig, label) for label, fig in top_set_maps(result, scenario, base))
        + "</div>",
    ]
    if result.robustness is not None:
        robust = result.robustness.assign(set=[set_label(n, had_names) for n in result.robustness["set"]])
        share = "share of variants where best"
        robust = robust.rename(
            columns={"set": "authorisation set", "probability_best": share, "best_under": "variants"}
        )
        robust[share] = robust[share].map("{:.0%}".format)
        parts += ["<h2>Robustness: probability of being best</h2>", _table_html(robust)]
    parts += [
        "<h2>Experimentation (STRESS-DES)</h2><table>",
        "".join(
            f"<tr><td class='left'><b>{html.escape(k)}</b></td><td class='left'>{html.escape(v)}</td></tr>"
            for k, v in experimentation_text(result)
        ),
        "</table>",
    ]
    return f"{HEAD}<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>"


def write_search(
    result: SearchResult, scenario: Scenario, base: Territory, out: Path, overwrite: bool = True
) -> Path:
    """search.csv, robustness.csv (if any), report.html and the manifest, in one folder."""
    with atomic_output_dir(out, SEARCH, overwrite) as folder:
        result.table.to_csv(folder / "search.csv", index=False)
        if result.robustness is not None:
            result.robustness.to_csv(folder / "robustness.csv", index=False)
        (folder / "report.html").write_text(search_page(result, scenario, base), encoding="utf-8")
        info = {
            **ownership(SEARCH),
            "scenario": scenario.name,
            "objective": result.objective.text,
            "best": result.best,
            "identified": bool(result.selection and result.selection.identified),
            "settings": {
                k: getattr(result.settings, k)
                for k in ("delta", "alpha", "first_stage", "max_replications", "batch")
            },
            "candidates": result.candidates,
            "replications": {
                k: int(v) for k, v in (result.selection.replications.items() if result.selection else [])
            },
            "resolved_scenario": scenario.model_dump(mode="json"),
        }
        (folder / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n")
    return out
