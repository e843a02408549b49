"""Calibration bands on screen and on disk: the design and its band, runs and comparisons across it.

A calibration folder (``occisim calibrate``): design.csv (every parameter set tried, the targets'
KPI means and CIs, whether each target is met, accepted), band.csv (the accepted sets: the file
``--band`` reads), band.png (each target against bed occupancy, the band filled) and manifest.json
(targets, the acceptance rule, replications, seed). A band folder (``run`` or ``compare`` with ``--band``):
band_members.csv (every member's comparison table), band_ranges.csv (per scenario and KPI, the
range across members) and band.csv (the band used).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.table import Table

from sim.measures.catalogue import TERMINAL_KPIS
from sim.outputs.folders import _provenance, _write_manifest
from sim.outputs.i18n import kpi_title, number, text
from sim.outputs.terminal import fmt_ci, plain
from sim.outputs.text import format_interval
from sim.outputs.writing import BAND, CALIBRATION, atomic_output_dir, ownership

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.runs.band import BandComparison
    from sim.runs.calibration import BandCalibration

ACCEPTANCE_RULE = (
    "a parameter set is in the band when, for every target, the 95% confidence interval of the "
    "KPI's mean over the replications meets the target's range, and no replication is unstable"
)
MAX_ROWS_SHOWN = 20
SHORT_NAMES = {  # column headings narrow enough for an 80-column terminal
    "beds.background.arrivals_per_day": "rate/day",
    "beds.background.length_of_stay.mean": "stay mean",
    "beds.background.emergency_share": "emerg. share",
    "beds.background.seasonal_amplitude": "season amp.",
    "planned_wait_peak_season_p95_days": "peak-season p95 [CI]",
    "planned_wait_yearly_max_days": "yearly max [CI]",
}
SHORT_NAMES_FR = {  # the same in French
    "beds.background.arrivals_per_day": "taux/jour",
    "beds.background.length_of_stay.mean": "séjour moyen",
    "beds.background.emergency_share": "part urg.",
    "beds.background.seasonal_amplitude": "ampl. saison.",
    "planned_wait_peak_season_p95_days": "p95 saison haute [IC]",
    "planned_wait_yearly_max_days": "max annuel [IC]",
}


def write_calibration(
    calibration: BandCalibration, scenario_name: str, out: Path, overwrite: bool = True, lang: str = "en"
) -> Path:
    """Write a calibration folder (design.csv, band.csv, band.png in ``lang``, manifest.json); complete or
    not at all."""
    import matplotlib.pyplot as plt

    info = {
        **ownership(CALIBRATION),
        "scenario": scenario_name,
        "targets": [vars(t) for t in calibration.targets],
        "parameters": [p.model_dump(mode="json") for p in calibration.parameters],
        "design": "point 0: the scenario's own values; then a Latin hypercube over the parameter ranges",
        "acceptance_rule": ACCEPTANCE_RULE,
        "points": len(calibration.design),
        "accepted": int(calibration.design["accepted"].sum()),
        "replications": calibration.replications,
        "seed": calibration.seed,
        **_provenance(),
    }
    with atomic_output_dir(out, CALIBRATION, overwrite) as folder:
        _write_manifest(folder, info)
        calibration.design.to_csv(folder / "design.csv", index=False)
        calibration.band.to_csv(folder / "band.csv", index=False)
        fig = design_figure(calibration, lang)
        fig.savefig(folder / "band.png")
        plt.close(fig)
    return out


def design_figure(calibration: BandCalibration, lang: str = "en") -> Figure:
    """Each target KPI against the set's bed occupancy (what the parameters add up to): band filled."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, PercentFormatter

    from sim.outputs.figures import localise

    design, key = calibration.design, "bed_occupancy_mean"
    fig, axes = plt.subplots(1, len(calibration.targets), figsize=(5.5 * len(calibration.targets), 4.2))
    for ax, target in zip(np.atleast_1d(axes), calibration.targets, strict=True):
        ax.axhspan(
            target.low, target.high, color="tab:green", alpha=0.15, label=text("calibration_fig_target", lang)
        )
        for accepted, style in (
            (False, {"facecolors": "none", "edgecolors": "grey"}),
            (True, {"color": "tab:blue"}),
        ):
            rows = design[design["accepted"] == accepted]
            mean = rows[f"{target.kpi}_mean"]
            half = [mean - rows[f"{target.kpi}_ci_low"], rows[f"{target.kpi}_ci_high"] - mean]
            ax.errorbar(rows[key], mean, yerr=half, fmt="none", ecolor="lightgrey", zorder=1)
            label = text("calibration_fig_accepted" if accepted else "calibration_fig_rejected", lang)
            ax.scatter(rows[key], mean, zorder=2, label=label, **style)
        ax.set_xlabel(text("calibration_fig_x", lang))
        if lang == "en":
            ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: number(x, ".0%", lang)))
        y_label = text("calibration_fig_y", lang, kpi=_target_name(target.kpi, lang))
        ax.set_ylabel(y_label if lang == "en" else textwrap.fill(y_label, 48))  # a French label is long
        ax.set_ylim(0, max(3 * target.high, 1.0))
        ax.legend(fontsize=8)
    accepted, points = int(design["accepted"].sum()), len(design)
    fig.suptitle(text("calibration_fig_title", lang, accepted=accepted, points=points))
    fig.tight_layout()
    return localise(fig, lang)


def _target_name(kpi: str, lang: str) -> str:
    """A target KPI as the calibration shows it: by its key in English (as --target takes it), by its
    label in French."""
    return kpi if lang == "en" else kpi_title(kpi, lang)


def calibration_table(calibration: BandCalibration, lang: str = "en") -> Table:
    """The band first, then the closest rejected sets: parameters, each target's mean [CI], occupancy."""
    design = calibration.design.sort_values(["accepted", "distance"], ascending=[False, True])
    keys = [p.key for p in calibration.parameters]
    short_names = SHORT_NAMES if lang == "en" else SHORT_NAMES_FR
    targets = ", ".join(
        text(
            "calibration_target",
            lang,
            kpi=_target_name(t.kpi, lang),
            low=number(t.low, "g", lang),
            high=number(t.high, "g", lang),
        )
        for t in calibration.targets
    )
    title = text(
        "calibration_title",
        lang,
        accepted=int(design["accepted"].sum()),
        points=len(design),
        replications=calibration.replications,
        seed=calibration.seed,
        targets=targets,
    )
    table = Table(title=plain(title), title_justify="left", header_style="bold")
    table.add_column(text("calibration_set", lang), justify="right")
    for key in keys:
        table.add_column(short_names.get(key, key.rsplit(".", 1)[-1]), justify="right")
    for target in calibration.targets:
        table.add_column(
            short_names.get(target.kpi, text("calibration_target_column", lang, kpi=target.kpi)),
            justify="right",
        )
    table.add_column(text("calibration_beds_used", lang), justify="right")
    table.add_column(text("calibration_in_band", lang))
    for _, row in design.head(MAX_ROWS_SHOWN).iterrows():
        cells = [str(row["member"]), *(number(row[k], ".3g", lang) for k in keys)]
        for t in calibration.targets:
            mean, low, high = (row[f"{t.kpi}_{part}"] for part in ("mean", "ci_low", "ci_high"))
            if lang == "en":
                cells.append(fmt_ci(mean, low, high, ".1f"))
            else:
                cells.append(format_interval(mean, low, high, ".1f", lang=lang))
        cells += [
            number(row["bed_occupancy_mean"], ".1%", lang),
            text("yes" if row["accepted"] else "no", lang),
        ]
        table.add_row(*cells)
    return table


def write_band(
    result: BandComparison, sources: Sequence[Path], band_file: Path, out: Path, overwrite: bool = True
) -> Path:
    """Write a band folder (band_members.csv, band_ranges.csv, band.csv, manifest.json)."""
    info = {
        **ownership(BAND),
        "base": result.base,
        "scenarios": list(dict.fromkeys(result.table["scenario"])),
        "scenario_files": [str(p) for p in sources],
        "band_file": str(band_file),
        "members": len(result.band),
        "replications": result.replications,
        "seed": result.seed,
        "run_seconds": round(result.seconds, 2),
        **_provenance(),
    }
    with atomic_output_dir(out, BAND, overwrite) as folder:
        _write_manifest(folder, info)
        result.table.to_csv(folder / "band_members.csv", index=False)
        result.ranges().to_csv(folder / "band_ranges.csv", index=False)
        result.band.to_csv(folder / "band.csv", index=False)
    return out


def band_tables(result: BandComparison) -> list[Table]:
    """Per compared scenario (or the one run): each headline KPI as a range across the band's members."""
    ranges = result.ranges().set_index(["scenario", "kpi"])
    names = list(dict.fromkeys(result.table["scenario"]))
    base, others = names[0], names[1:]
    how = f"{len(result.band)} band members x {result.replications} replications, seed {result.seed}"
    tables = []
    for other in others or [base]:
        title = f"{other} vs {base}" if others else base
        table = Table(
            title=plain(f"{title} across the band ({how})"), title_justify="left", header_style="bold"
        )
        table.add_column("KPI")
        for name in [base, other] if others else [base]:
            table.add_column(f"{name}: mean min - max [CI envelope]", justify="right")
        if others:
            table.add_column("difference: min - max [CI envelope]", justify="right")
            table.add_column("members *", justify="right")
        for key, label, fmt in TERMINAL_KPIS:
            if (base, key) not in ranges.index:
                continue
            cells = [
                label,
                *(_range(ranges.loc[(n, key)], "", fmt) for n in ([base, other] if others else [base])),
            ]
            if others:
                row = ranges.loc[(other, key)]
                cells += [
                    _range(row, "diff_", fmt, difference=True),
                    f"{int(row['members_significant'])}/{int(row['members'])}",
                ]
            table.add_row(*cells)
        tables.append(table)
    return tables


def _range(row: pd.Series, prefix: str, fmt: str, difference: bool = False) -> str:
    """``min - max [low, high]`` of the members' means (or differences) and their CI envelope."""
    percent = "%" in fmt
    scale, number = (100, fmt.replace("%", "f")) if percent and difference else (1, fmt)
    low, high = (row[f"{prefix}min"], row[f"{prefix}max"]) if prefix else (row["mean_min"], row["mean_max"])
    ci_low = row[f"{prefix}ci_low_min"] if prefix else row["ci_low_min"]
    ci_high = row[f"{prefix}ci_high_max"] if prefix else row["ci_high_max"]
    text = f"{format(low * scale, number)} - {format(high * scale, number)}"
    if np.isfinite(ci_low) and np.isfinite(ci_high):
        text += f" [{format(ci_low * scale, number)}, {format(ci_high * scale, number)}]"
    return text + (" pts" if percent and difference else "")
