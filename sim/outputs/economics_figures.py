"""Figures of the health-economic and sensitivity studies: tornado plots, the cost-effectiveness plane
and the acceptability curve."""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from sim.outputs.figures import kilo_euros, localise, thousands
from sim.outputs.i18n import kpi_title, number, text

if TYPE_CHECKING:
    from sim.runs.sensitivity import PSAResult


def parameter_name(key: str, lang: str = "en") -> str:
    """A scenario key as people read it: 'costs.had_day_eur' -> 'costs: HAD day (EUR)'; in French,
    'coûts : journée d'HAD (EUR)' (a key without a French name: its section in French, then the rest
    of the key as the scenario file writes it)."""
    section, _, rest = key.partition(".")
    if lang == "fr":
        if key in PARAMETER_NAMES_FR:
            return PARAMETER_NAMES_FR[key]
        french_section = SECTION_NAMES_FR.get(section, section)
        return f"{french_section} : {rest}" if rest else french_section
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

# French: the sections, and whole names for the keys the studies vary (scenario sensitivity and psa
# sections, calibrate's defaults, the main capacities).
SECTION_NAMES_FR = {
    "costs": "coûts",
    "home_care": "soins à domicile",
    "day_hospital": "hôpital de jour",
    "beds": "lits",
    "blinatumomab": "blinatumomab",
    "emergencies": "urgences",
    "bags": "poches",
    "run": "simulation",
    "territory": "territoire",
    "calendar": "calendrier",
}
PARAMETER_NAMES_FR = {
    "costs.had_day_eur": "coûts : journée d'HAD (EUR)",
    "costs.inpatient_bed_day_eur": "coûts : journée d'hospitalisation (EUR)",
    "costs.drug.vial_price_eur": "coûts : prix d'un flacon de blinatumomab (EUR)",
    "costs.day_hospital_session_eur": "coûts : séance d'hôpital de jour (EUR)",
    "costs.nurse_visit_eur": "coûts : passage infirmier (EUR)",
    "blinatumomab.arrivals.episodes_per_year": "blinatumomab : épisodes par an",
    "beds.capacity": "lits : nombre de lits",
    "beds.background.arrivals_per_day": "lits : autres admissions par jour",
    "beds.background.length_of_stay.mean": "lits : durée moyenne de séjour des autres patients",
    "beds.background.emergency_share": "lits : part des autres admissions en urgence",
    "beds.background.seasonal_amplitude": "lits : amplitude saisonnière des autres admissions",
    "home_care.derogation_max_km": "soins à domicile : distance maximale d'une dérogation (km)",
    "home_care.derogation_acceptance_probability": "soins à domicile : probabilité d'accord d'une dérogation",
    "home_care.convention_delay_days.high": "soins à domicile : délai d'une convention, au plus (jours)",
    "home_care.pumps": "soins à domicile : pompes par HAD",
    "home_care.census.patients_per_100k": (
        "soins à domicile : autres patients d'HAD pour 100\u00a0000 habitants"
    ),
    "emergencies.transfer_probability.infection": "urgences : probabilité de transfert à l'IUCT-O, infection",
    "day_hospital.background.requests_per_day": "hôpital de jour : demandes des autres patients par jour",
    "day_hospital.background.tolerance_days": "hôpital de jour : report toléré des autres patients (jours)",
    "day_hospital.reserved_per_pattern_day": "hôpital de jour : séances réservées au blinatumomab par jour",
}


def tornado_figure(table: pd.DataFrame, kpi: str, lang: str = "en") -> plt.Figure:
    """Bars from the base value of the KPI to its value at each parameter's low and high bound, with
    the 95 % CI of each effect (paired by replication) where the table has it."""
    rows = table[table["kpi"] == kpi].sort_values("swing")
    base = float(rows["kpi_base"].iloc[0]) if len(rows) else 0.0
    label, money = kpi_title(kpi, lang), kpi.startswith("cost_")
    fig, ax = plt.subplots(figsize=(10, 0.6 * len(rows) + 1.8), dpi=110)
    y = np.arange(len(rows))
    for side, colour, legend in (
        ("low", "#5dade2", text("fig_tornado_low", lang)),
        ("high", "#e67e22", text("fig_tornado_high", lang)),
    ):
        effect = rows[f"effect_{side}"].to_numpy(float)
        half = rows[f"effect_{side}_ci_half"].to_numpy(float) if f"effect_{side}_ci_half" in rows else None
        ax.barh(y, effect, left=base, color=colour, label=legend)
        if half is not None:
            ax.errorbar(
                base + effect, y, xerr=np.nan_to_num(half), fmt="none", ecolor="#333333", capsize=3, lw=0.9
            )
    ax.axvline(base, color="black", linewidth=1)
    labels = [
        parameter_name(r.parameter, lang)
        + "\n"
        + text(
            "fig_tornado_range",
            lang,
            low=number(r.low_value, ",g", lang),
            high=number(r.high_value, ",g", lang),
            base=number(r.base_value, ",g", lang),
        )
        for r in rows.itertuples()
    ]
    ax.set_yticks(y, labels, fontsize=8.5)
    # At most 6 ticks: wide labels (``12 500 k€``) do not run into each other; with the decimals
    # they need, so that a narrow range (a share, a per-episode cost) does not repeat one number.
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6))
    ax.xaxis.set_major_formatter(kilo_euros(lang) if money else thousands(lang))
    if money:
        base_text = number(base / 1e3, ",.0f", lang) + "\u00a0k€"
    else:
        base_text = number(base, ",.0f", lang) if abs(base) >= 100 else number(base, ".3g", lang)
    # Wrapped: a long KPI name (French ones are) would run off the figure.
    x_label = text("fig_tornado_x", lang, label=label, base=base_text)
    ax.set_xlabel(textwrap.fill(x_label, 75, break_on_hyphens=False))
    ax.set_title(textwrap.fill(text("fig_tornado_title", lang, label=label), 60, break_on_hyphens=False))
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def ce_plane_figure(
    result: PSAResult, names: tuple[str, str], effect_label: str, lang: str = "en"
) -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 5.5), dpi=110)
    d = result.draws
    ax.scatter(d["incremental_effect"], d["incremental_cost"], s=14, color="#1b4f72", alpha=0.7)
    ax.scatter(
        [d["incremental_effect"].mean()],
        [d["incremental_cost"].mean()],
        s=80,
        color="#c0392b",
        marker="X",
        label=text("mean", lang),
    )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    cost = kpi_title(result.cost, lang)
    ax.set_xlabel(textwrap.fill(text("fig_ce_x", lang, effect=effect_label), 70))
    ax.set_ylabel(text("fig_ce_y", lang, cost=cost if "EUR" in cost else f"{cost} (EUR)"))
    ax.yaxis.set_major_formatter(thousands(lang))
    title = text("fig_ce_title", lang, other=names[1], base=names[0], draws=len(d))
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)


def ceac_figure(result: PSAResult, names: tuple[str, str], effect_label: str, lang: str = "en") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6.5, 4.5), dpi=110)
    ax.plot(result.wtp, result.acceptability, color="#1b4f72", linewidth=2)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(textwrap.fill(text("fig_ceac_x", lang, effect=effect_label), 70))
    ax.set_ylabel(text("fig_ceac_y", lang, other=names[1]))
    ax.xaxis.set_major_formatter(thousands(lang))
    ax.set_title(text("fig_ceac_title", lang, other=names[1], base=names[0]), fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return localise(fig, lang)
