"""Figures of what changes: each scenario minus the reference, paired by replication (common random
numbers), with 95 % CIs from ``sim.measures.statistics``; the levels are ``sim.outputs.figures``."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from sim.measures.catalogue import KPI_CATALOGUE
from sim.measures.statistics import interval_by_row
from sim.outputs.figures import THREE_WEEKS, WAIT_KINDS, _colours, localise, thousands
from sim.outputs.i18n import kpi_title, number, text
from sim.outputs.summary import DIAGNOSTICS

LABEL_WIDTH = 60  # characters of a KPI label per line: long (French) labels wrap, the plot keeps its width


def differences_figure(
    long: pd.DataFrame, base: str, others: list[str], mids: pd.DataFrame | None = None, lang: str = "en"
) -> plt.Figure:
    """Paired differences of the headline KPIs against the base, in units of each KPI's minimal
    important difference (MID), with their 95 % CIs: inside the grey band, less than what matters."""
    keys = [
        k
        for k, label, _, shown in KPI_CATALOGUE
        if shown and not label.startswith(" ") and k not in DIAGNOSTICS
    ]
    table = long[long["kpi"].isin(keys) & long["scenario"].isin(others) & long["mid"].gt(0)]
    keys = [k for k in keys if k in set(table["kpi"])]
    fig, ax = plt.subplots(figsize=(12, 0.32 * len(keys) * max(1, len(others)) + 1.8), dpi=110)
    ax.axvspan(-1, 1, color="#eeeeee", zorder=0, label=text("fig_less_than_mid", lang))
    ax.axvline(0, color="black", linewidth=0.8)
    height = 0.8 / max(1, len(others))
    for k, (name, colour) in enumerate(zip(others, _colours(len(others)))):
        rows = table[table["scenario"] == name].set_index("kpi").reindex(keys)
        y = np.arange(len(keys)) - 0.4 + height * (k + 0.5)
        scale = rows["mid"].to_numpy(float)
        mean = rows["diff_mean"].to_numpy(float) / scale
        low, high = rows["diff_ci_low"].to_numpy(float) / scale, rows["diff_ci_high"].to_numpy(float) / scale
        error = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0).clip(min=0)
        ax.errorbar(mean, y, xerr=error, fmt="o", color=colour, capsize=3, label=f"{name} - {base}", ms=4)
    labels = [textwrap.fill(kpi_title(k, lang), LABEL_WIDTH) for k in keys]
    ax.set_yticks(np.arange(len(keys)), labels, fontsize=8)
    ax.invert_yaxis()
    spans = np.abs(table[["diff_ci_low", "diff_ci_high"]].to_numpy(float) / table[["mid"]].to_numpy(float))
    reach = float(np.nanmax(spans)) if np.isfinite(spans).any() else 1.0
    ax.set_xlim(-max(1.5, 1.1 * reach), max(1.5, 1.1 * reach))
    ax.set_xlabel(text("fig_diff_x", lang))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, "g", lang)))
    ax.set_title(text("fig_diff_title", lang), fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def occupancy_difference_figure(
    daily: dict[str, pd.DataFrame], base: str, warmup: float, lang: str = "en"
) -> plt.Figure:
    """Beds occupied, each scenario minus the base, day by day (30-day mean), paired by replication,
    with the 95 % CI of the mean difference: the change the overlapping curves cannot show."""
    fig, ax = plt.subplots(figsize=(12, 4.2), dpi=110)
    wide = {
        name: frame.pivot(index="day", columns="replication", values="beds_occupied")
        .rolling(30, min_periods=1)
        .mean()
        for name, frame in daily.items()
    }
    for (name, frame), colour in zip(wide.items(), _colours(len(wide))):
        if name == base:
            continue
        diff = (frame - wide[base]).dropna(axis=1, how="all")
        mean, half = interval_by_row(diff)
        ax.plot(diff.index, mean, color=colour, label=f"{name} - {base}", linewidth=1.4)
        ax.fill_between(diff.index, mean - half, mean + half, color=colour, alpha=0.2)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvspan(0, warmup, color="#eeeeee", zorder=0, label=text("fig_warmup_excluded", lang))
    ax.set_xlabel(text("fig_sim_day", lang))
    ax.set_ylabel(text("fig_occ_diff_y", lang))
    ax.xaxis.set_major_formatter(thousands(lang))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, "g", lang)))
    ax.set_title(text("fig_occ_diff_title", lang), fontsize=11)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def share_admitted_within(
    admissions: pd.DataFrame, kind: int, warmup: float, days: np.ndarray
) -> pd.DataFrame:
    """Per replication (columns), the share of the kind's bed requests after the warm-up admitted
    within each number of ``days`` (rows): one empirical distribution of waits per replication."""
    chosen = admissions[(admissions["kind"] == kind) & (admissions["request"] >= warmup)].dropna(
        subset=["wait"]
    )
    shares = {
        replication: np.searchsorted(np.sort(group["wait"].to_numpy(float)), days, side="right") / len(group)
        for replication, group in chosen.groupby("replication")
    }
    return pd.DataFrame(shares, index=days)


def waits_difference_figure(
    admissions: dict[str, pd.DataFrame], base: str, warmup: float, lang: str = "en"
) -> plt.Figure:
    """Share of requests admitted within x days, each scenario minus the base, paired by replication
    (same seeds), with the 95 % CI of the mean difference: what overlapping distributions hide."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), dpi=110, sharey=True)
    longest = max(
        (float(f["wait"].max()) for f in admissions.values() if f["wait"].notna().any()), default=1.0
    )
    days = np.linspace(0.0, max(longest, THREE_WEEKS + 1.0), 400)
    others = [name for name in admissions if name != base]
    for ax, (kind, key) in zip(axes, WAIT_KINDS):
        reference = share_admitted_within(admissions[base], kind, warmup, days)
        for name, colour in zip(others, _colours(len(admissions))[1:]):
            diff = share_admitted_within(admissions[name], kind, warmup, days) - reference
            diff = diff.dropna(axis=1, how="all")  # replications only one side has (none under CRN)
            if diff.shape[1] == 0:
                continue
            mean, half = interval_by_row(diff)
            ax.plot(days, mean, color=colour, label=f"{name} - {base}", linewidth=1.4)
            # a share differs by at most 1: an interval past it says only "very uncertain"
            ax.fill_between(
                days, np.clip(mean - half, -1, 1), np.clip(mean + half, -1, 1), color=colour, alpha=0.2
            )
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(THREE_WEEKS, color="black", linestyle=":", linewidth=0.9)
        ax.annotate(
            text("fig_three_weeks", lang),
            (THREE_WEEKS, 0),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=8,
        )
        ax.set_title(text("fig_wait_diff_title", lang, label=text(key, lang)), fontsize=10)
        ax.set_xlabel(text("fig_wait_diff_x", lang))
        ax.xaxis.set_major_formatter(thousands(lang))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:  # a kind no scenario has (no cycle starts): no legend
            ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel(text("fig_wait_diff_y", lang))
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, "+.0%", lang)))
    fig.tight_layout()
    return localise(fig, lang)
