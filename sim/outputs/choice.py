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
from pydantic import ValidationError
from rich.table import Table

from sim.measures.selection import SelectionResult, SelectionSettings
from sim.outputs.figures import thousands
from sim.outputs.i18n import NBSP, kpi_title, number, text
from sim.outputs.maps import plot_territory
from sim.outputs.report import CSS, _img, page_head
from sim.outputs.text import format_interval
from sim.outputs.writing import MANIFEST, SEARCH, atomic_output_dir, folder_kind, ownership, read_manifest
from sim.runs.search import COST_KPI, OPENS_NOTHING, SAME_OPTIONS, STATUS_QUO, Objective, SearchResult
from sim.scenario.errors import one_line
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory

TOP_SETS_MAPPED = 3


def set_label(name: str, had_names: dict[str, str], lang: str = "en") -> str:
    """An authorisation set by the HADs' names."""
    if name == STATUS_QUO:
        return text("search_status_quo", lang)
    return " + ".join(had_names.get(had, had) for had in name.split("+"))


def pareto_figure(result: SearchResult, had_names: dict[str, str], lang: str = "en") -> plt.Figure:
    """Cost a year against the objective for every simulated set, on the replications they all have;
    the Pareto front joined."""
    table = result.table[result.table["objective"].notna()]
    n = int(table["common_replications"].iloc[0])
    fig, ax = plt.subplots(figsize=(10, 6), dpi=110)
    x, y = table["cost_common"] / 1e3, table["objective_common"]
    ax.plot(x, y, "o", color="#95a5a6", label=text("search_set", lang))
    front = table[table["pareto"]].sort_values("cost_common")
    ax.plot(
        front["cost_common"] / 1e3,
        front["objective_common"],
        "-o",
        color="#1b4f72",
        label=text("search_pareto_front", lang),
    )
    best = table[table["best"].eq(True)]
    ax.plot(
        best["cost_common"] / 1e3,
        best["objective_common"],
        "*",
        ms=16,
        color="#d35400",
        label=text("search_selected", lang),
    )
    # One label per point: sets that simulate alike (the same options for every resident) sit on
    # the same point, and their names written one over the other could not be read.
    at_point: dict[tuple[float, float], list[str]] = {}
    for name, cost, objective in zip(front["set"], front["cost_common"], front["objective_common"]):
        at_point.setdefault((cost / 1e3, objective), []).append(set_label(name, had_names, lang))
    for point, labels in at_point.items():
        text_at = "\n".join(labels)
        ax.annotate(text_at, point, fontsize=8, xytext=(6, 4), textcoords="offset points", va="bottom")
    ax.set_xlabel(
        text("search_cost_axis_priced" if result.cost_per_authorisation else "search_cost_axis", lang)
    )
    ax.set_ylabel(objective_label(result, lang))
    ax.xaxis.set_major_formatter(thousands(lang))  # k€ with the decimals the ticks need
    ax.yaxis.set_major_formatter(thousands(lang))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(text("search_pareto_title", lang, n=n), fontsize=10)
    fig.tight_layout()
    return fig


def variant_names(variants: str, lang: str = "en") -> str:
    """Robustness variants as people read them (``psa draw 2`` -> ``tirage PSA 2``); a varied assumption
    stays as written (``home_care.derogation_max_km=50``)."""
    for written, key in (("psa draw", "search_psa_draw"), ("band member", "search_band_member")):
        variants = variants.replace(written, text(key, lang))
    return variants


def objective_label(result: SearchResult, lang: str = "en") -> str:
    """The objective as people read it: its KPIs' labels, each after its weight (if not 1)
    ('blina bed-days per year + 0.001 × km …'), in ``lang``."""
    said = []
    for weight, kpi in result.objective.terms:
        size = abs(weight)
        term = kpi_title(kpi, lang) if size == 1 else f"{number(size, 'g', lang)} × {kpi_title(kpi, lang)}"
        sign = "−" if weight < 0 else "+"
        said.append(f"{sign} {term}" if said else (f"−{term}" if weight < 0 else term))
    return " ".join(said)


def top_set_maps(
    result: SearchResult, scenario: Scenario, base: Territory, lang: str = "en"
) -> list[tuple[str, plt.Figure]]:
    """The zones under each of the best sets (up to three)."""
    from sim.runs.search import AuthorisationSet, with_authorised

    names = list(result.table["set"][result.table["objective"].notna()])[:TOP_SETS_MAPPED]
    had_names = dict(zip(base.hads.index, base.hads["name"]))
    maps = []
    for name in names:
        chosen = AuthorisationSet(() if name == STATUS_QUO else tuple(name.split("+")))
        territory = scenario_territory(with_authorised(scenario, chosen), base)
        label = set_label(name, had_names, lang)
        maps.append((label, plot_territory(territory, title=label, lang=lang)))
    return maps


def search_table(result: SearchResult, had_names: dict[str, str], rows: int = 10, lang: str = "en") -> Table:
    """The simulated sets, best first, for the terminal (labels wrap; numbers never cut)."""
    title = text("search_minimise", lang, objective=objective_label(result, lang))
    table = Table(title=title, title_justify="left")
    table.add_column(text("search_set", lang), overflow="fold", ratio=1)
    n = int(result.table["common_replications"].max())
    headers = (
        text("search_mean_reps", lang, n=n),
        text("search_minus_best", lang),
        text("search_reps", lang),
    )
    for column in headers:
        table.add_column(column, justify="right", no_wrap=True)
    simulated = result.table[result.table["objective"].notna()]
    shown = simulated.head(rows)
    if STATUS_QUO not in set(shown["set"]):  # the reference a planner compares with, always shown
        shown = pd.concat([shown, simulated[simulated["set"] == STATUS_QUO]])
    for _, row in shown.iterrows():
        table.add_row(
            set_label(row["set"], had_names, lang),
            number(row["objective_common"], ",.1f", lang),
            text("search_best", lang) if row["best"] else _difference(row, lang),
            f"{row['replications']:.0f}",
        )
    return table


def search_lines(result: SearchResult, had_names: dict[str, str], lang: str = "en") -> list[str]:
    """The terminal's lines around the table: the best set and its confidence, then each set's share
    of wins across the robustness variants (if any)."""
    s = result.settings
    if result.selection and result.selection.identified:
        confidence = number(1 - s.alpha, ".0%", lang)
        said = text("search_confidence_identified", lang, delta=f"{s.delta:g}", confidence=confidence)
    else:
        said = text("search_confidence_budget", lang)
    lines = [text("search_best_line", lang, confidence=said, best=set_label(result.best, had_names, lang))]
    lines += [note] if (note := within_delta_note(result, lang)) else []
    if result.robustness is not None:
        for name, share in zip(result.robustness["set"], result.robustness["probability_best"]):
            share_text, label = number(share, ".0%", lang), set_label(name, had_names, lang)
            lines.append(text("search_best_in_share", lang, share=share_text, set=label))
    return lines


def _difference(row: pd.Series, lang: str = "en") -> str:
    """The set's objective minus the best's, with its 95 % CI, as the language writes an interval."""
    return format_interval(
        row["minus_best"], row["minus_best_ci_low"], row["minus_best_ci_high"], "+,.1f", lang=lang
    )


def verdict(result: SearchResult, had_names: dict[str, str], lang: str = "en") -> str:
    """One sentence: the set selected, and at what confidence (or the sets not told apart)."""
    sel = result.selection
    best = set_label(result.best, had_names, lang)
    if sel and sel.identified:
        confidence = number(1 - result.settings.alpha, ".0%", lang)
        return text(
            "search_verdict_identified",
            lang,
            best=best,
            confidence=confidence,
            delta=f"{result.settings.delta:g}",
        )
    others = ", ".join(set_label(n, had_names, lang) for n in (sel.survivors if sel else []))
    return text("search_verdict_budget", lang, best=best, others=others)


def within_delta_note(result: SearchResult, lang: str = "en") -> str | None:
    """When the status quo's objective is less than δ above the best's, or every set's is: the best
    is best by less than what was set as mattering (δ), and the planner is told so. None otherwise."""
    simulated = result.table[result.table["objective"].notna()]
    if len(simulated) < 2 or result.best == STATUS_QUO:
        return None
    delta, gap = result.settings.delta, simulated.set_index("set")["minus_best"]
    if STATUS_QUO in gap.index and gap[STATUS_QUO] < delta:
        return text(
            "search_status_quo_within_delta",
            lang,
            gap=number(float(gap[STATUS_QUO]), ",.1f", lang),
            delta=number(delta, "g", lang),
        )
    if gap.max() < delta:
        return text(
            "search_all_within_delta",
            lang,
            gap=number(float(gap.max()), ",.1f", lang),
            delta=number(delta, "g", lang),
        )
    return None


def experimentation_text(result: SearchResult, lang: str = "en") -> list[tuple[str, str]]:
    """STRESS-DES 'experimentation' items for the search (Monks et al., 2019)."""
    s = result.settings
    simulated = int(result.table["objective"].notna().sum())
    sel = result.selection
    stop = text("search_stop_identified" if sel and sel.identified else "search_stop_budget", lang)
    items = [
        (
            "aim",
            {
                "candidates": len(result.candidates),
                "max_new": result.max_new,
                "objective": objective_label(result, lang),
            },
        ),
        ("scenarios", {"sets": len(result.table), "simulated": simulated}),
        ("procedure", {}),
        ("delta", {"delta": number(s.delta, "g", lang), "objective": objective_label(result, lang)}),
        ("confidence", {"confidence": number(1 - s.alpha, ".0%", lang)}),
        (
            "replications",
            {"first": s.first_stage, "batch": s.batch, "most": s.max_replications, "stop": stop},
        ),
    ]
    if result.cost_per_authorisation:
        cost = number(result.cost_per_authorisation, ",.0f", lang)
        items.append(("cost", {"cost": cost, "kpi": COST_KPI}))
    return [
        (text(f"search_x_{key}", lang), text(f"search_x_{key}_text", lang, **values)) for key, values in items
    ]


def _table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, escape=True, na_rep="", border=0)


def _reason(reason: object, had_names: dict[str, str], lang: str) -> str:
    """Why a set was not simulated, in the language (``sim.runs.search.screen`` says it in English)."""
    if not isinstance(reason, str) or not reason:
        return ""
    if reason.startswith(SAME_OPTIONS):
        return text("search_same_options", lang, set=set_label(reason[len(SAME_OPTIONS) :], had_names, lang))
    if reason.endswith(OPENS_NOTHING):
        hads = reason[: -len(OPENS_NOTHING)].split(", ")
        return text("search_opens_nothing", lang, hads=", ".join(had_names.get(h, h) for h in hads))
    return reason


def _sets_frame(result: SearchResult, had_names: dict[str, str], lang: str) -> pd.DataFrame:
    """The table of sets as people read it: names, formatted numbers, the language's headers."""
    table = result.table

    def fmt(spec: str, scale: float = 1.0):
        return lambda v: "" if pd.isna(v) else number(v / scale, spec, lang)

    return pd.DataFrame(
        {
            text("search_set", lang): [set_label(n, had_names, lang) for n in table["set"]],
            text("search_new", lang): table["new_authorisations"],
            text("search_no_had", lang): table["population_no_had"].map(fmt(",.0f")),
            text("n", lang): table["replications"].map(fmt(".0f")),
            text("search_objective_common", lang): table["objective_common"].map(fmt(",.1f")),
            text("search_minus_best_ci", lang): [
                text("search_best", lang)
                if row["best"]
                else ""
                if pd.isna(row["minus_best"])
                else _difference(row, lang).replace(" ", NBSP)  # (an interval never cut in two lines)
                for _, row in table.iterrows()
            ],
            text("search_cost_k", lang): table["cost_common"].map(fmt(",.0f", 1e3)),
            "Pareto": table["pareto"].map({True: text("yes", lang), False: ""}),
            text("search_not_simulated", lang): [_reason(r, had_names, lang) for r in table["screened_out"]],
        }
    )


def search_section(
    result: SearchResult, scenario: Scenario, base: Territory, lang: str = "en", level: int = 2
) -> list[str]:
    """The report's section on a search: the verdict, the sets, the Pareto chart, maps of the best
    sets, the robustness table and the STRESS-DES experimentation text (``level``: its heading's)."""
    h, sub = f"h{level}", f"h{level + 1}"
    had_names = dict(zip(base.hads.index, base.hads["name"]))
    parts = [
        f"<{h} id='search'>{text('search_title', lang)} {html.escape(scenario.name)}</{h}>",
        f"<p class='lead'>{text('search_objective', lang)} "
        f"{html.escape(objective_label(result, lang))} (<code>{html.escape(result.objective.text)}</code>). "
        f"{verdict(result, had_names, lang)} {html.escape(within_delta_note(result, lang) or '')}</p>",
        f"<{sub}>{text('search_sets_title', lang)}</{sub}>",
        f"<p class='small'>{text('search_sets_note', lang)}</p>",
        _table_html(_sets_frame(result, had_names, lang)),
        f"<{sub}>{text('search_pareto_heading', lang)}</{sub}>",
        _img(pareto_figure(result, had_names, lang), text("search_pareto_heading", lang)),
        f"<{sub}>{text('search_maps_heading', lang)}</{sub}>",
        "<div class='maps'>"
        + "".join(_img(fig, label) for label, fig in top_set_maps(result, scenario, base, lang))
        + "</div>",
    ]
    if result.robustness is not None:
        robust = result.robustness
        shown = pd.DataFrame(
            {
                text("search_set", lang): [set_label(n, had_names, lang) for n in robust["set"]],
                text("search_share_best", lang): robust["probability_best"].map(
                    lambda v: number(v, ".0%", lang)
                ),
                text("search_variants", lang): [variant_names(v, lang) for v in robust["best_under"]],
            }
        )
        parts += [f"<{sub}>{text('search_robustness', lang)}</{sub}>", _table_html(shown)]
    parts += [
        f"<{sub}>{text('search_stress', lang)}</{sub}><table>",
        "".join(
            f"<tr><td class='left'><b>{html.escape(k)}</b></td><td class='left'>{html.escape(v)}</td></tr>"
            for k, v in experimentation_text(result, lang)
        ),
        "</table>",
    ]
    return parts


def search_page(result: SearchResult, scenario: Scenario, base: Territory, lang: str = "en") -> str:
    """The self-contained HTML page of a search."""
    return _page(search_section(result, scenario, base, lang, level=1), lang)


def search_report(folders: list[Path], base: Territory, lang: str = "en") -> str:
    """The report of search folders alone (``occisim report`` of what ``occisim choose`` wrote)."""
    if len(folders) == 1:
        return search_page(*read_search(folders[0]), base, lang)
    parts = [f"<h1>{text('search_title', lang)}</h1>"]
    for folder in folders:
        parts += search_section(*read_search(folder), base, lang)
    return _page(parts, lang)


def _page(parts: list[str], lang: str) -> str:
    """A page as every report begins (``occisim report`` replaces only such a file), in ``lang``."""
    head = page_head(lang, text("search_title", lang))
    return f"{head}<style>{CSS}</style></head><body><main>{''.join(parts)}</main></body></html>"


def write_search(
    result: SearchResult,
    scenario: Scenario,
    base: Territory,
    out: Path,
    overwrite: bool = True,
    lang: str = "en",
) -> Path:
    """search.csv, robustness.csv (if any), report.html and the manifest, in one folder."""
    with atomic_output_dir(out, SEARCH, overwrite) as folder:
        result.table.to_csv(folder / "search.csv", index=False)
        if result.robustness is not None:
            result.robustness.to_csv(folder / "robustness.csv", index=False)
        (folder / "report.html").write_text(search_page(result, scenario, base, lang), encoding="utf-8")
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
            "max_new": result.max_new,
            "cost_per_authorisation": result.cost_per_authorisation,
            "replications": {
                k: int(v) for k, v in (result.selection.replications.items() if result.selection else [])
            },
            "resolved_scenario": scenario.model_dump(mode="json"),
        }
        (folder / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n")
    return out


def read_search(folder: Path) -> tuple[SearchResult, Scenario]:
    """A folder written by ``occisim choose``, read back for ``occisim report``: the table of sets,
    the selection's verdict, its settings and the robustness table, and the scenario searched.

    ValueError (one line naming the folder, the file and what is expected) when it cannot be read.
    """
    info = read_manifest(folder)
    if info is None or folder_kind(folder) != SEARCH:
        raise ValueError(f"{folder}: not a search folder (expected the {MANIFEST} of `occisim choose`)")
    try:
        table = pd.read_csv(folder / "search.csv", dtype={"set": str, "screened_out": str})
        table["screened_out"] = table["screened_out"].fillna("")
        for column in ("best", "not_told_apart", "pareto"):
            table[column] = table[column].astype(str).eq("True")
        robust_file = folder / "robustness.csv"
        robust = pd.read_csv(robust_file) if robust_file.is_file() else None
        settings = SelectionSettings(**info["settings"])
        scenario = Scenario.model_validate(info["resolved_scenario"])
        selection = SelectionResult(
            best=str(info["best"]),
            survivors=[str(s) for s in table.loc[table["not_told_apart"], "set"]] or [str(info["best"])],
            identified=bool(info["identified"]),
            eliminated_at={
                str(s): int(r) for s, r in zip(table["set"], table["eliminated_at"]) if pd.notna(r)
            },
            replications={str(k): int(v) for k, v in info["replications"].items()},
            means={},
        )
        result = SearchResult(
            table=table,
            selection=selection if info["replications"] else None,
            objective=Objective.parse(str(info["objective"])),
            settings=settings,
            candidates=[str(c) for c in info["candidates"]],
            max_new=int(info.get("max_new", table["new_authorisations"].max())),
            cost_per_authorisation=float(info.get("cost_per_authorisation", 0.0)),
            robustness=robust,
        )
    except (OSError, KeyError, TypeError, ValueError, ValidationError, pd.errors.ParserError) as exc:
        raise ValueError(f"{folder}: cannot read the search ({one_line(str(exc), 160)})") from None
    return result, scenario
