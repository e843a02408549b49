"""Figures for planners: occupancy, waits, day-hospital load, HAD use, travel (matplotlib, Agg)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.measures.catalogue import COST_ITEMS, COST_LABELS, DRUG_WASTED_LABEL
from sim.scenario.schema import WEEKDAYS

if TYPE_CHECKING:
    from sim.runs.sensitivity import PSAResult

PALETTE = ["#1b4f72", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d", "#2e86c1"]


def warmup_figure(
    daily: np.ndarray, welch: np.ndarray, suggested_days: int, capacity: int, title: str
) -> plt.Figure:
    """Daily beds occupied per replication, their mean, Welch's moving average and the MSER-5 cut."""
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    days = np.arange(daily.shape[1])
    for row in daily:
        ax.plot(days, row, color="#b0b7bf", linewidth=0.5, alpha=0.6)
    ax.plot(days, daily.mean(axis=0), color="#5d6d7e", linewidth=0.8, label="mean over replications")
    ax.plot(days, welch, color="#c0392b", linewidth=2.0, label="Welch moving average")
    ax.axvline(
        suggested_days,
        color="#1b4f72",
        linestyle="--",
        linewidth=1.5,
        label=f"MSER-5 warm-up: {suggested_days} days",
    )
    steady = daily[:, suggested_days:].mean()
    ax.axhline(
        steady, color="#1b4f72", linewidth=0.8, alpha=0.6, label=f"mean after warm-up: {steady:.1f} beds"
    )
    ax.axhline(capacity, color="black", linewidth=1.0, label=f"capacity: {capacity} beds")
    ax.set_xlabel("simulation day (the run starts with empty beds)")
    ax.set_ylabel("beds occupied (daily mean)")
    ax.set_ylim(0, capacity * 1.08)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def occupancy_figure(daily: dict[str, pd.DataFrame], capacity: dict[str, int], warmup: float) -> plt.Figure:
    """Beds occupied over time per scenario: 30-day mean across replications, 5-95 % band."""
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    for (name, frame), colour in zip(daily.items(), PALETTE):
        wide = frame.pivot(index="day", columns="replication", values="beds_occupied")
        smooth = wide.rolling(30, min_periods=1).mean()
        ax.plot(smooth.index, smooth.mean(axis=1), color=colour, label=name, linewidth=1.4)
        ax.fill_between(
            smooth.index,
            smooth.quantile(0.05, axis=1),
            smooth.quantile(0.95, axis=1),
            color=colour,
            alpha=0.15,
        )
    for cap in sorted(set(capacity.values())):
        ax.axhline(cap, color="black", linewidth=0.9, linestyle=":")
        ax.annotate(f"{cap} beds", (0, cap), xytext=(2, 2), textcoords="offset points", fontsize=8)
    ax.axvspan(0, warmup, color="#eeeeee", zorder=0)
    ax.annotate(
        "warm-up (excluded)",
        (warmup / 2, ax.get_ylim()[0]),
        ha="center",
        va="bottom",
        fontsize=8,
        color="#666666",
    )
    ax.set_xlabel("simulation day")
    ax.set_ylabel("beds occupied (30-day mean)")
    ax.set_title("Acute-leukemia bed occupancy: mean over replications, band 5-95 %")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def waits_figure(admissions: dict[str, pd.DataFrame], warmup: float) -> plt.Figure:
    """Empirical distribution of waits for a bed: planned admissions and blinatumomab cycle starts."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=110, sharey=True)
    for ax, (kind, label) in zip(axes, ((1, "planned admissions"), (2, "blinatumomab cycle starts"))):
        for (name, frame), colour in zip(admissions.items(), PALETTE):
            waits = (
                frame.loc[(frame["kind"] == kind) & (frame["request"] >= warmup), "wait"].dropna().to_numpy()
            )
            if len(waits) == 0:
                continue
            waits = np.sort(waits)
            ax.step(
                waits,
                np.arange(1, len(waits) + 1) / len(waits),
                where="post",
                color=colour,
                label=f"{name} (p95 {np.percentile(waits, 95):.0f} d)",
            )
        ax.axvline(21, color="black", linestyle=":", linewidth=0.9)
        ax.annotate("3 weeks", (21, 0.02), xytext=(3, 0), textcoords="offset points", fontsize=8)
        ax.set_title(f"Wait for a bed: {label}", fontsize=10)
        ax.set_xlabel("days")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("share admitted within")
    fig.tight_layout()
    return fig


def day_hospital_figure(daily: dict[str, pd.DataFrame], warmup: float) -> plt.Figure:
    """Mean sessions per weekday: background and blinatumomab bag changes, with the capacity line."""
    fig, axes = plt.subplots(
        1, len(daily), figsize=(3.6 * len(daily) + 1, 4), dpi=110, sharey=True, squeeze=False
    )
    for ax, (name, frame) in zip(axes[0], daily.items()):
        window = frame[(frame["day"] >= warmup) & (frame["hdj_capacity"] > 0)]
        by_day = window.groupby("weekday")[
            ["hdj_capacity", "hdj_background", "hdj_blinatumomab", "hdj_overflow"]
        ].mean()
        by_day = by_day.reindex([d for d in WEEKDAYS if d in by_day.index])
        x = np.arange(len(by_day))
        ax.bar(x, by_day["hdj_background"], color="#aab7b8", label="other day-hospital patients")
        ax.bar(
            x,
            by_day["hdj_blinatumomab"],
            bottom=by_day["hdj_background"],
            color="#e67e22",
            label="blinatumomab bag changes",
        )
        ax.hlines(
            by_day["hdj_capacity"], x - 0.4, x + 0.4, color="black", linewidth=2, label="sessions available"
        )
        for xi, over in zip(x, by_day["hdj_overflow"]):
            if over > 0.005:
                ax.annotate(
                    f"+{over:.2f}\noverflow",
                    (xi, by_day["hdj_capacity"].iloc[0]),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="#c0392b",
                )
        ax.set_xticks(x, [d.capitalize() for d in by_day.index])
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, by_day["hdj_capacity"].max() * 1.25)
    axes[0][0].set_ylabel("sessions per day (mean)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle("Day-hospital load by weekday", fontsize=11)
    fig.tight_layout()
    return fig


def had_days_figure(summaries: dict[str, pd.DataFrame], had_names: dict[str, str]) -> plt.Figure:
    """HAD patient-days per year by HAD, one bar per scenario."""
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    ids = list(had_names)
    width = 0.8 / max(1, len(summaries))
    x = np.arange(len(ids))
    for k, ((name, summary), colour) in enumerate(zip(summaries.items(), PALETTE)):
        indexed = summary.set_index("kpi")
        keys = [f"had_patient_days_per_year_{h}" for h in ids]
        means = np.array([indexed.loc[key, "mean"] if key in indexed.index else 0.0 for key in keys])
        low = np.array([indexed.loc[key, "ci_low"] if key in indexed.index else 0.0 for key in keys])
        high = np.array([indexed.loc[key, "ci_high"] if key in indexed.index else 0.0 for key in keys])
        err = np.nan_to_num(np.vstack([means - low, high - means]), nan=0.0).clip(min=0)
        ax.bar(x + k * width - 0.4 + width / 2, means, width, yerr=err, color=colour, label=name, capsize=2)
    ax.set_xticks(x, [had_names[h] for h in ids], rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("HAD patient-days per year")
    ax.set_title("Home phase: HAD patient-days per year by establishment (95 % CI)")
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def travel_by_department_figure(episodes: dict[str, pd.DataFrame], warmup: float) -> plt.Figure:
    """Trips and km per finished episode, by the patient's department."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=110)
    deps = sorted(set().union(*[set(f["dep"]) for f in episodes.values()]))
    width = 0.8 / max(1, len(episodes))
    x = np.arange(len(deps))
    for k, ((name, frame), colour) in enumerate(zip(episodes.items(), PALETTE)):
        done = frame[(frame["arrival"] >= warmup) & frame["finished"]]
        by_dep = done.groupby("dep")[["trips", "km"]].mean().reindex(deps)
        for ax, column in zip(axes, ("trips", "km")):
            ax.bar(x + k * width - 0.4 + width / 2, by_dep[column].fillna(0), width, color=colour, label=name)
    for ax, label in zip(axes, ("bag-change trips per episode", "km travelled per episode")):
        ax.set_xticks(x, deps)
        ax.set_xlabel("department of residence")
        ax.set_title(label, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def cost_breakdown_figure(summaries: dict[str, pd.DataFrame]) -> plt.Figure:
    """Cost per year by payer item, one stacked bar per scenario (drug apart: it dwarfs the rest)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), dpi=110, gridspec_kw={"width_ratios": [1, 2.2]})
    names = list(summaries)
    means = {name: summary.set_index("kpi")["mean"] for name, summary in summaries.items()}
    x = np.arange(len(names))
    axes[0].bar(x, [means[n].get("cost_drug_per_year", 0.0) / 1e3 for n in names], color=PALETTE[0])
    axes[0].bar(
        x,
        [means[n].get("cost_drug_wasted_per_year", 0.0) / 1e3 for n in names],
        color="#c0392b",
        label=DRUG_WASTED_LABEL,
    )
    axes[0].set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    axes[0].set_ylabel("thousand EUR per year")
    axes[0].set_title("Blinatumomab", fontsize=10)
    axes[0].legend(fontsize=7)
    bottom = np.zeros(len(names))
    for item, colour in zip([k for k in COST_ITEMS if k != "drug"], PALETTE[1:] + PALETTE[:1]):
        values = np.array([means[n].get(f"cost_{item}_per_year", 0.0) / 1e3 for n in names])
        axes[1].bar(x, values, bottom=bottom, color=colour, label=COST_LABELS[item])
        bottom += values
    axes[1].set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    axes[1].set_title("Care and transport", fontsize=10)
    axes[1].legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for ax in axes:
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle("Cost per year by payer item (mean over replications)", fontsize=11)
    fig.tight_layout()
    return fig


def tornado_figure(table: pd.DataFrame, kpi: str) -> plt.Figure:
    """Bars from the base value of the KPI to its value at each parameter's low and high bound."""
    rows = table[table["kpi"] == kpi].sort_values("swing")
    base = float(rows["kpi_base"].iloc[0]) if len(rows) else 0.0
    fig, ax = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.6), dpi=110)
    y = np.arange(len(rows))
    ax.barh(y, rows["effect_low"], left=base, color="#5dade2", label="parameter at its low value")
    ax.barh(y, rows["effect_high"], left=base, color="#e67e22", label="parameter at its high value")
    ax.axvline(base, color="black", linewidth=1)
    labels = [
        f"{r.parameter}\n{r.low_value:g} - {r.high_value:g} (base {r.base_value:g})"
        for r in rows.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel(f"{kpi} (base {base:,.0f})" if abs(base) >= 1000 else f"{kpi} (base {base:.3g})")
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    ax.set_title(f"One-way sensitivity: {kpi}")
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


def timeline_figure(
    name: str,
    daily: pd.DataFrame,
    beds_open: np.ndarray,
    marks: list[tuple[int, str]],
    closures: list[tuple[int, int, str]],
    start: pd.Timestamp,
    warmup: float,
) -> plt.Figure:
    """Capacities over the run's dates: beds open against beds occupied (mean over replications), day-hospital
    sessions open against used (weekly), closures shaded, each dated event marked (``marks``: day, label)."""
    fig, (beds, sessions) = plt.subplots(2, 1, figsize=(10, 6), dpi=110, sharex=True)
    by_day = daily.groupby("day")[["beds_occupied", "hdj_capacity", "hdj_background", "hdj_blinatumomab"]]
    mean = by_day.mean()
    dates = start + pd.to_timedelta(mean.index, unit="D")
    beds.step(dates, beds_open[: len(dates)], where="post", color="black", linewidth=1.4, label="beds open")
    beds.plot(
        dates, mean["beds_occupied"], color=PALETTE[0], linewidth=0.9, label="beds occupied (daily mean)"
    )
    beds.set_ylim(0, max(beds_open.max(), mean["beds_occupied"].max()) * 1.12)
    beds.set_ylabel("beds")
    full_weeks = len(mean) // 7 * 7  # a last, partial week would read as a drop in sessions
    weekly = mean.iloc[:full_weeks].groupby(np.arange(full_weeks) // 7).sum()
    week_dates = start + pd.to_timedelta(weekly.index * 7, unit="D")
    used = weekly["hdj_background"] + weekly["hdj_blinatumomab"]
    sessions.step(
        week_dates, weekly["hdj_capacity"], where="post", color="black", linewidth=1.2, label="open"
    )
    sessions.step(week_dates, used, where="post", color=PALETTE[1], linewidth=0.9, label="used (mean)")
    sessions.set_ylim(0, weekly["hdj_capacity"].max() * 1.15 + 1)
    sessions.set_ylabel("day-hospital sessions a week")
    for ax in (beds, sessions):
        ax.axvspan(start, start + pd.Timedelta(days=warmup), color="#eeeeee", zorder=0)
        shown_labels = set()
        for first, last, label in closures:  # beds and sessions closures alike, one legend entry each
            span = (start + pd.Timedelta(days=first), start + pd.Timedelta(days=last))
            colour = "#f5b7b1" if label.startswith("beds") else "#d2b4de"
            ax.axvspan(*span, color=colour, alpha=0.5, label=None if label in shown_labels else label)
            shown_labels.add(label)
        for day, _ in marks:
            ax.axvline(start + pd.Timedelta(days=day), color=PALETTE[4], linestyle="--", linewidth=1.2)
        ax.grid(alpha=0.3)
    for day, label in marks:
        beds.annotate(
            label,
            (start + pd.Timedelta(days=day), beds.get_ylim()[1]),
            xytext=(3, -12),
            textcoords="offset points",
            fontsize=8,
            color=PALETTE[4],
        )
    beds.legend(fontsize=8, loc="lower right")
    sessions.legend(fontsize=8, loc="lower right")
    beds.set_title(f"{name}: capacities over the run (grey: warm-up; dashed: dated events)")
    fig.tight_layout()
    return fig
