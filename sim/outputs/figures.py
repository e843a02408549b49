"""Figures for planners: occupancy, waits, day-hospital load, HAD use, travel (matplotlib, Agg)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter
from scipy import stats

from sim.measures.catalogue import COST_ITEMS, COST_LABELS, DRUG_WASTED_LABEL, KPI_CATALOGUE
from sim.outputs.summary import DIAGNOSTICS
from sim.scenario.schema import WEEKDAYS

if TYPE_CHECKING:
    pass

THOUSANDS = FuncFormatter(lambda x, _: f"{x:,.0f}")
KILO_EUROS = FuncFormatter(lambda x, _: f"{x / 1e3:,.0f} k€")
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
                label=name,
            )
        ax.axvline(21, color="black", linestyle=":", linewidth=0.9)
        ax.annotate("3 weeks", (21, 0.02), xytext=(3, 0), textcoords="offset points", fontsize=8)
        ax.set_title(
            f"Wait for a bed: {label}\n(all replications pooled; means and p95 in the KPI table)", fontsize=10
        )
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
    """Per finished episode, by the patient's department: days in hospital, trips and km (the benefit
    and the travel side by side)."""
    panels = (
        ("bed_days_total", "days in an IUCT-O bed per episode"),
        ("trips", "trips per episode"),
        ("km", "km travelled per episode"),
    )
    fig, axes = plt.subplots(1, len(panels), figsize=(13, 4.2), dpi=110)
    deps = sorted(set().union(*[set(f["dep"]) for f in episodes.values()]))
    width = 0.8 / max(1, len(episodes))
    x = np.arange(len(deps))
    for k, ((name, frame), colour) in enumerate(zip(episodes.items(), _colours(len(episodes)))):
        done = frame[(frame["arrival"] >= warmup) & frame["finished"]]
        by_dep = done.groupby("dep")[[column for column, _ in panels]].mean().reindex(deps)
        for ax, (column, _) in zip(axes, panels):
            ax.bar(x + k * width - 0.4 + width / 2, by_dep[column].fillna(0), width, color=colour, label=name)
    for ax, (_, label) in zip(axes, panels):
        ax.set_xticks(x, deps)
        ax.set_xlabel("department of residence")
        ax.set_title(label, fontsize=10)
        ax.yaxis.set_major_formatter(THOUSANDS)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return fig


def cost_breakdown_figure(summaries: dict[str, pd.DataFrame]) -> plt.Figure:
    """Cost per year of every payer item with its 95 % CI, one bar per scenario (the drug apart: it
    dwarfs the rest); colours are the scenarios', so no item can be left without one."""
    names = list(summaries)
    indexed = {name: summary.set_index("kpi") for name, summary in summaries.items()}
    items = [k for k in COST_ITEMS if k != "drug"]
    fig, axes = plt.subplots(
        2, 1, figsize=(12, 0.36 * (len(items) + 2) * max(1, len(names)) + 2.6), dpi=110,
        gridspec_kw={"height_ratios": [2, len(items)]},
    )  # fmt: skip
    height = 0.8 / max(1, len(names))
    for k, (name, colour) in enumerate(zip(names, _colours(len(names)))):
        offset = -0.4 + height * (k + 0.5)
        for ax, keys, labels in (
            (axes[0], ["drug", "drug_wasted"], [COST_LABELS["drug"], DRUG_WASTED_LABEL]),
            (axes[1], items, [COST_LABELS[i] for i in items]),
        ):
            mean, low, high = _cost_values(indexed[name], keys)
            y = np.arange(len(keys)) + offset
            error = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0).clip(min=0)
            ax.barh(y, mean, height, xerr=error, color=colour, label=name, capsize=2, error_kw={"lw": 0.8})
            ax.set_yticks(np.arange(len(keys)), labels, fontsize=9)
    for ax, title in zip(axes, ("Blinatumomab", "Care, transport and delivery")):
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(KILO_EUROS)
        ax.set_xlabel("EUR per year, mean and 95 % CI")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle("Cost per year by payer item (mean over replications, 95 % CI)", fontsize=11)
    fig.tight_layout()
    return fig


def _cost_values(summary: pd.DataFrame, items: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, CI low and CI high of cost_<item>_per_year (0 for an item a folder does not have)."""
    keys = [f"cost_{item}_per_year" for item in items]
    return tuple(
        np.array([summary.loc[k, column] if k in summary.index else 0.0 for k in keys], dtype=float)
        for column in ("mean", "ci_low", "ci_high")
    )


def _colours(n: int) -> list[str]:
    """n distinct colours: the palette, then tab20's (never fewer colours than things to colour)."""
    extra = [matplotlib.colors.to_hex(c) for c in plt.get_cmap("tab20").colors]
    return (PALETTE + extra)[:n] if n <= len(PALETTE) + len(extra) else [PALETTE[i % 9] for i in range(n)]


def _kpi_label(kpi: str) -> str:
    labels = {key: label.strip() for key, label, _, _ in KPI_CATALOGUE}
    return labels.get(kpi, kpi)


def differences_figure(
    long: pd.DataFrame, base: str, others: list[str], mids: pd.DataFrame | None = None
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
    ax.axvspan(-1, 1, color="#eeeeee", zorder=0, label="less than the minimal important difference")
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
    ax.set_yticks(np.arange(len(keys)), [_kpi_label(k) for k in keys], fontsize=8)
    ax.invert_yaxis()
    spans = np.abs(table[["diff_ci_low", "diff_ci_high"]].to_numpy(float) / table[["mid"]].to_numpy(float))
    reach = float(np.nanmax(spans)) if np.isfinite(spans).any() else 1.0
    ax.set_xlim(-max(1.5, 1.1 * reach), max(1.5, 1.1 * reach))
    ax.set_xlabel("paired difference, in minimal important differences of the KPI (95 % CI)")
    ax.set_title("What changes against the base: paired differences (common random numbers)", fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig


def occupancy_difference_figure(daily: dict[str, pd.DataFrame], base: str, warmup: float) -> plt.Figure:
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
        n = diff.notna().sum(axis=1).clip(lower=1)
        mean = diff.mean(axis=1)
        half = stats.t.ppf(0.975, (n - 1).clip(lower=1)) * diff.std(axis=1, ddof=1) / np.sqrt(n)
        ax.plot(mean.index, mean, color=colour, label=f"{name} - {base}", linewidth=1.4)
        ax.fill_between(mean.index, mean - half, mean + half, color=colour, alpha=0.2)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvspan(0, warmup, color="#eeeeee", zorder=0, label="warm-up (excluded)")
    ax.set_xlabel("simulation day")
    ax.set_ylabel("beds occupied, difference (30-day mean)")
    ax.set_title("Bed occupancy: paired difference to the base, 95 % CI", fontsize=11)
    ax.legend(fontsize=8, loc="upper right")
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
