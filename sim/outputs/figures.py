"""Figures for planners: occupancy, waits, day-hospital load, HAD use, travel (matplotlib, Agg)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from sim.measures.catalogue import COST_ITEMS, COST_LABELS, DRUG_WASTED_LABEL
from sim.measures.catalogue_fr import COST_LABELS_FR, DRUG_WASTED_LABEL_FR
from sim.outputs.i18n import number, text, text_list
from sim.scenario.schema import WEEKDAYS

if TYPE_CHECKING:
    pass


def _plain_tick(value: float, lang: str) -> str:
    """A tick as the language writes it, with no more decimals than it needs (``17,5``, ``1 200``)."""
    written = number(value, ",.6f", lang)
    point = "," if lang == "fr" else "."
    written = written.rstrip("0").rstrip(point) if point in written else written
    return "0" if written in ("-0", "\u22120") else written


def plain_ticks(lang: str = "en", unit: str = "", scale: float = 1.0) -> FuncFormatter:
    """Axis ticks ``value / scale`` then ``unit``, with the language's thousands separator and the decimals
    they need: ticks less than one unit apart (a share, a per-episode cost in k€) rounded to whole
    numbers would all read ``0`` or ``1``."""
    return FuncFormatter(lambda x, _: _plain_tick(x / scale, lang) + unit)


def thousands(lang: str = "en") -> FuncFormatter:
    """Axis ticks with the language's thousands separator (``12 500``, ``0,5``)."""
    return plain_ticks(lang)


def kilo_euros(lang: str = "en") -> FuncFormatter:
    """Axis ticks in thousands of euros (``1 200 k€``, ``12,5 k€``)."""
    return plain_ticks(lang, "\u00a0k€", 1e3)


THOUSANDS = thousands()
KILO_EUROS = kilo_euros()


def localise(fig: plt.Figure, lang: str = "en") -> plt.Figure:
    """Number ticks left to matplotlib's default written as the language writes numbers (French: decimal
    comma, thousands with a no-break space); axes given their own formatter keep it."""
    if lang != "en":
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                if type(axis.get_major_formatter()) is ScalarFormatter:
                    axis.set_major_formatter(FuncFormatter(lambda x, _: _plain_tick(x, lang)))
    return fig


PALETTE = ["#1b4f72", "#e67e22", "#27ae60", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#d4ac0d", "#2e86c1"]


def warmup_figure(
    daily: np.ndarray, welch: np.ndarray, suggested_days: int, capacity: int, title: str, lang: str = "en"
) -> plt.Figure:
    """Daily beds occupied per replication, their mean, Welch's moving average and the MSER-5 cut."""
    fig, ax = plt.subplots(figsize=(10, 5), dpi=110)
    days = np.arange(daily.shape[1])
    for row in daily:
        ax.plot(days, row, color="#b0b7bf", linewidth=0.5, alpha=0.6)
    ax.plot(days, daily.mean(axis=0), color="#5d6d7e", linewidth=0.8, label=text("warmup_mean", lang))
    ax.plot(days, welch, color="#c0392b", linewidth=2.0, label=text("warmup_welch", lang))
    ax.axvline(
        suggested_days,
        color="#1b4f72",
        linestyle="--",
        linewidth=1.5,
        label=text("warmup_cut", lang, days=suggested_days),
    )
    steady = daily[:, suggested_days:].mean()
    steady_label = text("warmup_steady", lang, beds=number(steady, ".1f", lang))
    ax.axhline(steady, color="#1b4f72", linewidth=0.8, alpha=0.6, label=steady_label)
    ax.axhline(capacity, color="black", linewidth=1.0, label=text("warmup_capacity", lang, capacity=capacity))
    ax.set_xlabel(text("warmup_x", lang))
    ax.set_ylabel(text("fig_beds_occupied_daily", lang))
    ax.set_ylim(0, capacity * 1.08)
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def occupancy_figure(
    daily: dict[str, pd.DataFrame], capacity: dict[str, int], warmup: float, lang: str = "en"
) -> plt.Figure:
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
        ax.annotate(
            text("fig_beds_cap", lang, cap=cap),
            (0, cap),
            xytext=(2, 2),
            textcoords="offset points",
            fontsize=8,
        )
    ax.axvspan(0, warmup, color="#eeeeee", zorder=0)
    ax.annotate(
        text("fig_warmup_excluded", lang),
        (warmup / 2, ax.get_ylim()[0]),
        ha="center",
        va="bottom",
        fontsize=8,
        color="#666666",
    )
    ax.set_xlabel(text("fig_sim_day", lang))
    ax.set_ylabel(text("fig_beds_30", lang))
    ax.set_title(text("fig_occupancy", lang))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


WAIT_KINDS = ((1, "fig_planned"), (2, "fig_cycle_starts"))  # admission kinds shown, with their text key
THREE_WEEKS = 21  # days: the mark on the waiting-time figures


def waits_figure(admissions: dict[str, pd.DataFrame], warmup: float, lang: str = "en") -> plt.Figure:
    """Empirical distribution of waits for a bed: planned admissions and blinatumomab cycle starts."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), dpi=110, sharey=True)
    for ax, (kind, key) in zip(axes, WAIT_KINDS):
        label = text(key, lang)
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
        ax.axvline(THREE_WEEKS, color="black", linestyle=":", linewidth=0.9)
        ax.annotate(
            text("fig_three_weeks", lang),
            (THREE_WEEKS, 0.02),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
        )
        ax.set_title(text("fig_wait_title", lang, label=label), fontsize=10)
        ax.set_xlabel(text("fig_days", lang))
        ax.xaxis.set_major_formatter(thousands(lang))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel(text("fig_share_within", lang))
    axes[0].yaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, ".0%", lang)))
    fig.tight_layout()
    return localise(fig, lang)


def day_hospital_figure(daily: dict[str, pd.DataFrame], warmup: float, lang: str = "en") -> plt.Figure:
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
        ax.bar(x, by_day["hdj_background"], color="#aab7b8", label=text("fig_dh_other", lang))
        ax.bar(
            x,
            by_day["hdj_blinatumomab"],
            bottom=by_day["hdj_background"],
            color="#e67e22",
            label=text("fig_dh_bags", lang),
        )
        ax.hlines(
            by_day["hdj_capacity"],
            x - 0.4,
            x + 0.4,
            color="black",
            linewidth=2,
            label=text("fig_dh_available", lang),
        )
        for xi, over in zip(x, by_day["hdj_overflow"]):
            if over > 0.005:
                ax.annotate(
                    text("fig_dh_overflow", lang, over=number(over, ".2f", lang)),
                    (xi, by_day["hdj_capacity"].iloc[0]),
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color="#c0392b",
                )
        short = dict(zip(WEEKDAYS, text_list("weekdays_short", lang)))
        ax.set_xticks(x, [short.get(d, d) for d in by_day.index])
        ax.set_title(name, fontsize=10)
        ax.set_ylim(0, by_day["hdj_capacity"].max() * 1.25)
    axes[0][0].set_ylabel(text("fig_dh_y", lang))
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.suptitle(text("fig_title_day_hospital", lang), fontsize=11)
    fig.tight_layout()
    return localise(fig, lang)


def had_days_figure(
    summaries: dict[str, pd.DataFrame], had_names: dict[str, str], lang: str = "en"
) -> plt.Figure:
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
    ax.set_ylabel(text("fig_had_y", lang))
    ax.yaxis.set_major_formatter(thousands(lang))
    ax.set_title(text("fig_had_title", lang))
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def travel_by_department_figure(
    episodes: dict[str, pd.DataFrame], warmup: float, lang: str = "en"
) -> plt.Figure:
    """Per finished episode, by the patient's department: days in hospital, trips and km (the benefit
    and the travel side by side)."""
    panels = (
        ("bed_days_total", text("fig_travel_bed_days", lang)),
        ("trips", text("fig_travel_trips", lang)),
        ("km", text("fig_travel_km", lang)),
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
        ax.set_xlabel(text("places_level_department", lang))
        ax.set_title(label, fontsize=10)
        ax.yaxis.set_major_formatter(thousands(lang))
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=len(labels), fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    return localise(fig, lang)


def cost_breakdown_figure(summaries: dict[str, pd.DataFrame], lang: str = "en") -> plt.Figure:
    """Cost per year of every payer item with its 95 % CI, one bar per scenario (the drug apart: it
    dwarfs the rest); colours are the scenarios', so no item can be left without one."""
    names = list(summaries)
    indexed = {name: summary.set_index("kpi") for name, summary in summaries.items()}
    items = [k for k in COST_ITEMS if k != "drug"]
    labels_of = COST_LABELS if lang == "en" else COST_LABELS_FR
    wasted = DRUG_WASTED_LABEL if lang == "en" else DRUG_WASTED_LABEL_FR
    fig, axes = plt.subplots(
        2, 1, figsize=(12, 0.36 * (len(items) + 2) * max(1, len(names)) + 2.6), dpi=110,
        gridspec_kw={"height_ratios": [2, len(items)]},
    )  # fmt: skip
    height = 0.8 / max(1, len(names))
    for k, (name, colour) in enumerate(zip(names, _colours(len(names)))):
        offset = -0.4 + height * (k + 0.5)
        for ax, keys, labels in (
            (axes[0], ["drug", "drug_wasted"], [labels_of["drug"], wasted]),
            (axes[1], items, [labels_of[i] for i in items]),
        ):
            mean, low, high = _cost_values(indexed[name], keys)
            y = np.arange(len(keys)) + offset
            error = np.nan_to_num(np.vstack([mean - low, high - mean]), nan=0.0).clip(min=0)
            ax.barh(y, mean, height, xerr=error, color=colour, label=name, capsize=2, error_kw={"lw": 0.8})
            ax.set_yticks(np.arange(len(keys)), labels, fontsize=9)
    for ax, title in zip(axes, (text("fig_cost_drug", lang), text("fig_cost_care", lang))):
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(kilo_euros(lang))
        ax.set_xlabel(text("fig_cost_x", lang))
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    axes[1].legend(fontsize=8, loc="lower right")
    fig.suptitle(text("fig_cost_title", lang), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.985))  # room for the title above the first panel's
    return localise(fig, lang)


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


def timeline_figure(
    name: str,
    daily: pd.DataFrame,
    beds_open: np.ndarray,
    marks: list[tuple[int, str]],
    closures: list[tuple[int, int, str]],
    start: pd.Timestamp,
    warmup: float,
    lang: str = "en",
) -> plt.Figure:
    """Capacities over the run's dates: beds open against beds occupied (mean over replications), day-hospital
    sessions open against used (weekly), closures shaded, each dated event marked (``marks``: day, label)."""
    fig, (beds, sessions) = plt.subplots(2, 1, figsize=(10, 6), dpi=110, sharex=True)
    by_day = daily.groupby("day")[["beds_occupied", "hdj_capacity", "hdj_background", "hdj_blinatumomab"]]
    mean = by_day.mean()
    dates = start + pd.to_timedelta(mean.index, unit="D")
    beds.step(
        dates,
        beds_open[: len(dates)],
        where="post",
        color="black",
        linewidth=1.4,
        label=text("fig_beds_open", lang),
    )
    beds.plot(
        dates,
        mean["beds_occupied"],
        color=PALETTE[0],
        linewidth=0.9,
        label=text("fig_beds_occupied_daily", lang),
    )
    beds.set_ylim(0, max(beds_open.max(), mean["beds_occupied"].max()) * 1.12)
    beds.set_ylabel(text("timeline_beds", lang))
    full_weeks = len(mean) // 7 * 7  # a last, partial week would read as a drop in sessions
    weekly = mean.iloc[:full_weeks].groupby(np.arange(full_weeks) // 7).sum()
    week_dates = start + pd.to_timedelta(weekly.index * 7, unit="D")
    used = weekly["hdj_background"] + weekly["hdj_blinatumomab"]
    sessions.step(
        week_dates,
        weekly["hdj_capacity"],
        where="post",
        color="black",
        linewidth=1.2,
        label=text("fig_sessions_open", lang),
    )
    sessions.step(
        week_dates, used, where="post", color=PALETTE[1], linewidth=0.9, label=text("fig_sessions_used", lang)
    )
    sessions.set_ylim(0, weekly["hdj_capacity"].max() * 1.15 + 1)
    sessions.set_ylabel(text("fig_sessions_week", lang))
    for ax in (beds, sessions):
        ax.axvspan(start, start + pd.Timedelta(days=warmup), color="#eeeeee", zorder=0)
        shown_labels = set()
        for first, last, label in closures:  # beds and sessions closures alike, one legend entry each
            span = (start + pd.Timedelta(days=first), start + pd.Timedelta(days=last))
            colour = "#f5b7b1" if label == text("timeline_beds_closed", lang) else "#d2b4de"
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
    beds.set_title(text("fig_timeline_title", lang, name=name))
    fig.tight_layout()
    return localise(fig, lang)
