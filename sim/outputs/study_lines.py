"""Terminal lines of the study commands: one-way sensitivity tables and the PSA in a few lines, in
English or French (texts in ``sim.outputs.i18n``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table

from sim.outputs.i18n import effect_title, kpi_title, number, text, text_list
from sim.outputs.terminal import num, plain

if TYPE_CHECKING:
    import pandas as pd

    from sim.runs.sensitivity import PSAResult


def sensitivity_tables(table: pd.DataFrame, kpis: Sequence[str], lang: str = "en") -> list[Table]:
    """Per KPI: each parameter's range and the KPI at low and high, largest swing first."""
    views = []
    for name in kpis:
        rows = table[table["kpi"] == name].sort_values("swing", ascending=False)
        base = num(rows["kpi_base"].iloc[0], lang)
        title = text("sens_title", lang, label=kpi_title(name, lang), kpi=name, base=base)
        view = Table(title=plain(title), title_justify="left", header_style="bold")
        cells = [
            [
                _range(r.low_value, r.high_value, lang),
                *(num(value, lang) for value in (r.kpi_at_low, r.kpi_at_high, r.swing)),
            ]
            for r in rows.itertuples()
        ]
        first, *columns = text_list("sens_columns", lang)
        view.add_column(first, overflow="fold")
        for index, column in enumerate(columns):
            widest = max([len(row[index]) for row in cells] + [max(map(len, column.split()))])
            view.add_column(column, justify="right", width=widest, overflow="fold")  # numbers never cut
        for r, row in zip(rows.itertuples(), cells):
            view.add_row(plain(r.parameter), *row)
        views.append(view)
    return views


def _range(low: float, high: float, lang: str) -> str:
    """A parameter's range, 'low to high' ('-5 to 5': a minus sign is not read as 'to')."""
    return text("sens_range", lang, low=number(low, ",g", lang), high=number(high, ",g", lang))


def psa_lines(result: PSAResult, names: tuple[str, str], lang: str = "en") -> list[str]:
    """The PSA in a few lines (plain text): incremental cost and effect, ratio of means, dominance;
    when the outcome never changes, that instead of a ratio (there is no effect to buy)."""
    from sim.measures.statistics import incremental_summary

    s = incremental_summary(result.draws["incremental_cost"], result.draws["incremental_effect"])
    (lo_c, hi_c), (lo_e, hi_e) = s.cost_interval, s.effect_interval
    base, other = names
    euros = {"mean": s.cost_mean, "low": lo_c, "high": hi_c}
    effects = {"mean": s.effect_mean, "low": lo_e, "high": hi_e}
    heading = text(
        "psa_heading", lang, other=other, base=base, draws=result.iterations, replications=result.replications
    )
    lines = [
        heading,
        text(
            "psa_cost",
            lang,
            cost=kpi_title(result.cost, lang),
            **{k: number(v, ",.0f", lang) for k, v in euros.items()},
        ),
        text(
            "psa_effect",
            lang,
            effect=effect_title(result.outcome, result.outcome_direction, lang),
            **{k: number(v, ",.2f", lang) for k, v in effects.items()},
        ),
    ]
    if result.outcome_unchanged:
        saving = float((result.draws["incremental_cost"] < 0).mean())
        return [
            *lines,
            text("psa_unchanged", lang, outcome=result.outcome, saving=number(saving, ".0%", lang)),
            text("psa_choose_outcome", lang, other=other),
        ]
    # The quadrant of the mean, said in words: a negative ratio would read the same for an option that
    # saves and does more as for one that costs more and does less.
    value = number(abs(s.ratio_of_means), ",.0f", lang) if math.isfinite(s.ratio_of_means) else ""
    ratio = text(f"psa_ratio_{s.quadrant}", lang, value=value)
    return [
        *lines,
        text("psa_ratio", lang, ratio=ratio),
        text("psa_dominant", lang, share=number(s.probability_dominant, ".0%", lang)),
    ]
