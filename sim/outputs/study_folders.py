"""Folders of the study commands: PSA, one-way sensitivity, warm-up and territory.

Each is written whole or not at all (``sim.outputs.writing``), with a manifest saying whose and what
it is; the run and comparison folders, and reading folders back, are ``sim.outputs.folders``.
Figures need matplotlib, imported only when a folder is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.outputs.folders import _provenance, _write_manifest
from sim.outputs.writing import PSA, SENSITIVITY, TERRITORY, WARMUP, atomic_output_dir, ownership
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.runs.calibration import WarmupProbe
    from sim.runs.sensitivity import PSAResult
    from sim.territory.catchment import Territory


def write_psa(
    result: PSAResult, base: Scenario, other: Scenario, out: Path, overwrite: bool = True, lang: str = "en"
) -> Path:
    """Write a PSA folder: psa_draws.csv, ceac.csv, ce_plane.png, ceac.png (figures in ``lang``) and
    manifest.json."""
    import matplotlib.pyplot as plt

    from sim.outputs.economics_figures import ce_plane_figure, ceac_figure
    from sim.outputs.i18n import effect_title

    names = (base.name, other.name)
    spec = base.psa
    with atomic_output_dir(out, PSA, overwrite) as folder:
        result.draws.to_csv(folder / "psa_draws.csv", index=False)
        pd.DataFrame({"wtp": result.wtp, "probability_cost_effective": result.acceptability}).to_csv(
            folder / "ceac.csv", index=False
        )
        effect = effect_title(result.outcome, result.outcome_direction, lang)
        for name, fig in (
            ("ce_plane.png", ce_plane_figure(result, names, effect, lang)),
            ("ceac.png", ceac_figure(result, names, effect, lang)),
        ):
            fig.savefig(folder / name)
            plt.close(fig)
        info = {
            **ownership(PSA),
            "base": names[0],
            "other": names[1],
            "iterations": result.iterations,
            "inner_replications": result.replications,
            "seed": result.seed,
            "cost": spec.cost,
            "outcome": result.outcome,  # the section's, or psa --outcome
            "outcome_direction": result.outcome_direction,
            "sampling": "Latin hypercube (scipy.stats.qmc)",
            "parameters": [p.model_dump(mode="json") for p in spec.parameters],
            "warnings": result.warnings(lang),
            **_provenance(),
        }
        _write_manifest(folder, info)
    return out


def write_sensitivity(
    table: pd.DataFrame,
    kpis: Sequence[str],
    out: Path,
    scenario: Scenario | None = None,
    overwrite: bool = True,
    lang: str = "en",
    replications: int | None = None,
) -> Path:
    """Write a one-way sensitivity folder: sensitivity.csv, one tornado_<kpi>.png per KPI (in ``lang``),
    manifest (with what reproduces it: the scenario's hash and seed, the replications)."""
    import matplotlib.pyplot as plt

    from sim.outputs.economics_figures import tornado_figure
    from sim.runs.sensitivity import one_way_warnings

    info = {
        **ownership(SENSITIVITY),
        "scenario": None if scenario is None else scenario.name,
        "scenario_hash": None if scenario is None else scenario.hash(),
        "seed": None if scenario is None else scenario.run.seed,  # every run's, low, base and high alike
        "replications": replications,
        "parameters": list(dict.fromkeys(table["parameter"])),
        "kpis": list(kpis),
        "warnings": one_way_warnings(table, lang),
        **_provenance(),
    }
    with atomic_output_dir(out, SENSITIVITY, overwrite) as folder:
        _write_manifest(folder, info)
        table.to_csv(folder / "sensitivity.csv", index=False)
        for name in kpis:
            fig = tornado_figure(table, name, lang)
            fig.savefig(folder / f"tornado_{name}.png")
            plt.close(fig)
    return out


def write_warmup(
    probe: WarmupProbe, scenario: Scenario, out: Path, overwrite: bool = True, lang: str = "en"
) -> Path:
    """Write a warm-up folder: warmup.png (Welch's plot, MSER-5 cut; in ``lang``), warmup.csv and a
    manifest."""
    import matplotlib.pyplot as plt

    from sim.outputs.figures import warmup_figure
    from sim.outputs.i18n import text

    with atomic_output_dir(out, WARMUP, overwrite) as folder:
        info = {
            **ownership(WARMUP),
            "scenario": scenario.name,
            "replications": len(probe.daily),
            "days": probe.daily.shape[1],
            "suggested_warmup_days": probe.suggested_days,
            **_provenance(),
        }
        _write_manifest(folder, info)
        fig = warmup_figure(
            probe.daily,
            probe.welch,
            probe.suggested_days,
            scenario.beds.capacity,
            text("warmup_title", lang, name=scenario.name, replications=len(probe.daily)),
            lang,
        )
        fig.savefig(folder / "warmup.png")
        plt.close(fig)
        probe.table().to_csv(folder / "warmup.csv", index=False)
    return out


def write_territory(
    territory: Territory, heading: str, out: Path, overwrite: bool = True, lang: str = "en"
) -> Path:
    """Write a territory folder: coverage and gap tables, the commune zone table (CSVs in English, as
    every machine-readable file), the map (in ``lang``, titled with ``heading``), a manifest."""
    from sim.outputs.i18n import text
    from sim.outputs.maps import save_territory_map

    with atomic_output_dir(out, TERRITORY, overwrite) as folder:
        _write_manifest(folder, {**ownership(TERRITORY), "heading": heading, **_provenance()})
        territory.coverage_table().to_csv(folder / "coverage_by_had.csv", index=False)
        territory.unauthorised_population().to_csv(folder / "unauthorised_by_department.csv", index=False)
        _with_had_names(territory.commune_zone_table(), territory).to_csv(
            folder / "commune_zones.csv", index=False
        )
        save_territory_map(
            territory,
            folder / "territory_map.png",
            title=text("territory_map_title", lang, heading=heading),
            lang=lang,
        )
    return out


def _with_had_names(communes: pd.DataFrame, territory: Territory) -> pd.DataFrame:
    """The commune table with the names of its HADs (``hads_names``) next to their ids (``hads``,
    space-separated): the ids stay for scripts, the names are for people."""
    names = territory.hads["name"].to_dict()
    table = communes.copy()
    named = [" / ".join(names.get(h, h) for h in str(ids).split()) for ids in table["hads"]]
    table.insert(table.columns.get_loc("hads") + 1, "hads_names", named)
    return table
