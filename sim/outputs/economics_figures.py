"""Figures of the health-economic and sensitivity studies: tornado plots, the cost-effectiveness plane
and the acceptability curve."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.outputs.figures import KILO_EUROS, THOUSANDS, _kpi_label

if TYPE_CHECKING:
    from sim.runs.sensitivity import PSAResult

def parameter_name(key: str) -> str:
    """A scenario key as people read it: 'costs.had_day_eur' -> 'costs: HAD day (EUR)'."""
    section, _, rest = key.partition(".")
    words = (rest or section).replace(".", " ").replace("_", " ").split()
    words = [WORD_NAMES.get(w, w) for w in words]
    text = " ".join(words)
    return f"{SECTION_NAMES.get(section, section)}: {text}" if rest else text


SECTION_NAMES = {
    "costs": "costs",
    "home_care": "home care",
    "day_hospital": "day hospital",
    "beds": "beds",
    "blinatumomab": "blinatumomab",
    "emergencies": "emergencies",
    "bags": "bags",
}
WORD_NAMES = {"eur": "(EUR)", "had": "HAD", "km": "(km)", "hdj": "day-hospital", "iucto": "IUCT-O"}


def tornado_figure(table: pd.DataFrame, kpi: str) -> plt.Figure:
    """Bars from the base value of the KPI to its value at each parameter's low and high bound, with
    the 95 % CI of each effect (paired by replication) where the table has it."""
    rows = table[table["kpi"] == kpi].sort_values("swing")
    base = float(rows["kpi_base"].iloc[0]) if len(rows) else 0.0
    label, money = _kpi_label(kpi), kpi.startswith("cost_")
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(rows) + 1.8), dpi=110)
    y = np.arange(len(rows))
    for side, colour, text in (
        ("low", "#5dade2", "parameter at its low value"),
        ("high", "#e67e22", "parameter at its high value"),
    ):
        effect = rows[f"effect_{side}"].to_numpy(float)
        half = rows[f"effect_{side}_ci_half"].to_numpy(float) if f"effect_{side}_ci_half" in rows else None
        ax.barh(y, effect, left=base, color=colour, label=text)
        if half is not None:
            ax.errorbar(
                base + effect, y, xerr=np.nan_to_num(half), fmt="none", ecolor="#333333", capsize=3, lw=0.9
            )
    ax.axvline(base, color="black", linewidth=1)
    labels = [
        f"{parameter_name(r.parameter)}\n{r.low_value:,g} to {r.high_value:,g} (base {r.base_value:,g})"
        for r in rows.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=8.5)
    ax.xaxis.set_major_formatter(KILO_EUROS if money else THOUSANDS)
    base_text = f"{base / 1e3:,.0f} k€" if money else (f"{base:,.0f}" if abs(base) >= 100 else f"{base:.3g}")
    ax.set_xlabel(f"{label}; base {base_text}; error bars: 95 % CI of the effect")
    ax.set_title(f"One-way sensitivity: {label}")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def ce_plane_figure(result: PSAResult, names: tuple[str, str], effect_label: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 5.5), dpi=110)
    d = result.draws
    ax.scatter(d["incremental_effect"], d["incremental_cost"], s=14, color="#1b4f72", alpha=0.7)
    ax.scatter(
        [d["incremental_effect"].mean()],
        [d["incremental_cost"].mean()],
        s=80,
        color="#c0392b",
        marker="X",
        label="mean",
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"incremental effect: {effect_label}")
    ax.set_ylabel(f"incremental cost: {result.cost} (EUR)")
    ax.set_title(
        f"Cost-effectiveness plane: {names[1]} vs {names[0]}\n{len(d)} Latin-hypercube draws", fontsize=10
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def ceac_figure(result: PSAResult, names: tuple[str, str], effect_label: str) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 4.5), dpi=110)
    ax.plot(result.wtp, result.acceptability, color="#1b4f72", linewidth=2)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"willingness to pay per unit of {effect_label} (EUR)")
    ax.set_ylabel(f"probability {names[1]} is cost-effective")
    ax.set_title(f"Cost-effectiveness acceptability curve: {names[1]} vs {names[0]}", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
