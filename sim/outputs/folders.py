"""Result folders: what a run writes, and how to read it back (for reports and notebooks).

manifest.json        the resolved scenario, its hash, seed, replications, versions, date, run time,
                     warnings (censored waits, unstable queues)
replications.csv     one row per replication, one column per KPI
summary.csv          per KPI: mean, 95 % CI low and high, std, n
episodes.parquet     one row per blinatumomab episode and replication (per-patient records)
admissions.parquet   every bed request: kind, request and admission times, wait
daily.parquet        per day and replication: beds occupied, day-hospital load
places.csv           the main patient KPIs by department and by HAD zone of residence, with CIs

The compare folder is written here too (comparison.csv, places.csv with the paired differences by
place, manifest.json, one result folder per scenario); the study commands' folders (PSA, one-way
sensitivity, warm-up, territory) are ``sim.outputs.study_folders``. Every manifest.json says whose
and what the folder is ("created_by": "occisim", "kind"); where a folder may be written, and how it
appears complete or not at all, is ``sim.outputs.writing``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from pydantic import ValidationError

from sim import __version__
from sim.measures.territories import places_of_runs
from sim.outputs.excel import (
    READABLE_COMPARISON,
    READABLE_SUMMARY,
    Readable,
    comparison_workbook,
    readable_comparison,
    readable_for,
    readable_summary,
    write_csv,
)
from sim.outputs.i18n import text
from sim.outputs.writing import (
    COMPARISON,
    MANIFEST,
    RUN,
    atomic_output_dir,
    folder_kind,
    ownership,
    read_manifest,
)
from sim.runs.replications import ExperimentResult, base_territory
from sim.scenario.errors import ScenarioError, one_line
from sim.scenario.schema import Scenario
from sim.scenario.sources import parameter_sources
from sim.territory.binding import scenario_territory

if TYPE_CHECKING:
    from sim.runs.compare import ComparisonResult

PACKAGES = ("numpy", "pandas", "simpy", "scipy", "geopandas", "shapely", "pydantic", "matplotlib")


@functools.cache
def code_version() -> str:
    """occisim version plus the git commit when run from a checkout (asked of git once per process:
    a comparison writes a manifest per scenario)."""
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def manifest(result: ExperimentResult, source: Path | None, lang: str = "en") -> dict:
    """What was run, how and by what; its warnings in ``lang`` (the folder's readable language)."""
    scenario = result.scenario
    return {
        **ownership(RUN),
        "scenario": scenario.name,
        "scenario_file": str(Path(source).resolve()) if source else None,
        "scenario_hash": scenario.hash(),
        "seed": scenario.run.seed,
        "replications": scenario.run.replications,
        "warmup_days": scenario.run.warmup_days,
        "years": scenario.run.years,
        "workers": result.workers,
        **_provenance(),
        "run_seconds": round(result.seconds, 3),
        "warnings": result.warnings(lang),
        "random_numbers": text("random_numbers"),  # in English; the French report translates it
        "software": {
            "python": platform.python_version(),
            **{name: _version(name) for name in PACKAGES},
        },
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "resolved_scenario": scenario.model_dump(mode="json"),
        # The comment and file of every key over the extends: chain, read now: the report needs no
        # scenario file, which may since have moved or changed. None without a source file.
        "parameter_sources": (
            {key: [comment, file] for key, (comment, file) in parameter_sources(Path(source)).items()}
            if source
            else None
        ),
    }


@functools.cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_results(
    result: ExperimentResult,
    out: Path,
    source: Path | None = None,
    overwrite: bool = True,
    readable: Readable | None = None,
) -> Path:
    """Write a result folder; it appears complete or not at all (OutputError where it may not).

    ``readable``: language and CSV convention of readable_summary.csv (default: the scenario's).
    """
    readable = readable or readable_for(result.scenario)
    with atomic_output_dir(out, RUN, overwrite) as folder:
        _write_manifest(folder, manifest(result, source, readable.lang))
        result.replications.to_csv(folder / "replications.csv", index=False)
        result.summary.to_csv(folder / "summary.csv", index=False)
        write_csv(readable_summary(result.summary, readable.lang), folder / READABLE_SUMMARY, readable.csv)
        result.episodes.to_parquet(folder / "episodes.parquet", index=False)
        result.admissions.to_parquet(folder / "admissions.parquet", index=False)
        result.daily.to_parquet(folder / "daily.parquet", index=False)
        write_places(run_places(result), folder)
    return out


PLACES = "places.csv"


def run_places(result: ExperimentResult) -> pd.DataFrame:
    """The KPIs of one run by department and HAD zone of residence (the zones of its own territory)."""
    name = result.scenario.name
    territory = scenario_territory(result.scenario, base_territory())  # geo/'s, the runs' own copy
    return places_of_runs({name: result.episodes}, {name: result.scenario}, name, territory)


def write_places(table: pd.DataFrame, folder: Path) -> None:
    """places.csv: one row per scenario, level (department, had_zone), place and KPI."""
    table.to_csv(folder / PLACES, index=False)


def read_places(folder: Path) -> pd.DataFrame | None:
    """A folder's places.csv (codes kept as text: department 09 stays 09), or None if it has none."""
    path = Path(folder) / PLACES
    if not path.exists():
        return None
    return pd.read_csv(path, dtype={"unit": str, "unit_name": str})


@dataclass
class Results:
    """A result folder loaded as pandas objects."""

    path: Path
    manifest: dict
    replications: pd.DataFrame
    summary: pd.DataFrame
    episodes: pd.DataFrame
    admissions: pd.DataFrame
    daily: pd.DataFrame

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario saved in the manifest (ScenarioError if this version refuses it)."""
        try:
            return Scenario.model_validate(self.manifest["resolved_scenario"])
        except (ValidationError, KeyError, TypeError) as exc:
            where, problem = ("resolved_scenario",), "none"
            if isinstance(exc, ValidationError):
                error = exc.errors()[0]
                where, problem = (*where, *error["loc"]), error["msg"]
            raise ScenarioError(
                [
                    f"{one_line(str(self.path), 200)}: {MANIFEST}: {'.'.join(map(str, where))}: expected "
                    f"a scenario this occisim version accepts (run it again), found {one_line(problem, 120)}"
                ]
            ) from None


def _manifest(path: Path) -> dict:
    """A folder's manifest, or a one-line error naming it."""
    info = read_manifest(path)
    if info is None:
        raise FileNotFoundError(f"{path}: not a result folder (no readable manifest.json)")
    return info


def load_results(path: Path | str) -> Results:
    path = Path(path)
    return Results(
        path=path,
        manifest=_manifest(path),
        replications=pd.read_csv(path / "replications.csv"),
        summary=pd.read_csv(path / "summary.csv"),
        episodes=pd.read_parquet(path / "episodes.parquet"),
        admissions=pd.read_parquet(path / "admissions.parquet"),
        daily=pd.read_parquet(path / "daily.parquet"),
    )


@dataclass
class Comparison:
    """A compare folder loaded as pandas objects: the comparison table and each scenario's results."""

    path: Path
    manifest: dict
    table: pd.DataFrame  # one row per (scenario, KPI): mean, CI, paired difference to the base
    results: dict[str, Results]

    @property
    def places(self) -> pd.DataFrame | None:
        """KPIs by place of residence with paired differences (places.csv; None in older folders)."""
        return read_places(self.path)

    def kpi(self, name: str) -> pd.DataFrame:
        """One KPI across scenarios, indexed by scenario."""
        return self.table[self.table["kpi"] == name].set_index("scenario")


def load_comparison(path: Path | str) -> Comparison:
    path = Path(path)
    if not (path / "comparison.csv").exists():
        raise FileNotFoundError(f"{path}: not a compare folder (no comparison.csv)")
    manifest_data = _manifest(path)
    return Comparison(
        path=path,
        manifest=manifest_data,
        table=pd.read_csv(path / "comparison.csv"),
        results={name: load_results(path / name) for name in manifest_data["scenarios"]},
    )


def write_comparison(
    comparison: ComparisonResult,
    out: Path,
    sources: Sequence[Path],
    overwrite: bool = True,
    readable: Readable | None = None,
) -> Path:
    """Write a compare folder (``sources``: the scenario files, base first); complete or not at all.

    comparison.csv (one row per scenario and KPI), manifest.json (what was compared, how many
    replications), precision.csv with a precision target, one result folder per scenario, and for
    people readable_comparison.csv and comparison.xlsx (``readable``: default, the base scenario's).
    """
    base = next(iter(comparison.results.values())).scenario
    readable = readable or readable_for(base)
    with atomic_output_dir(out, COMPARISON, overwrite) as folder:
        comparison.table.to_csv(folder / "comparison.csv", index=False)
        if comparison.places is not None:
            write_places(comparison.places, folder)
        if comparison.precision is not None:
            comparison.precision.worst.to_csv(folder / "precision.csv", index=False)
        _write_manifest(folder, _comparison_manifest(comparison, sources, readable.lang))
        for path, (name, result) in zip(sources, comparison.results.items(), strict=True):
            # write_results writes atomically into a sibling; here the whole folder is already atomic
            write_results(result, folder / name, source=path, readable=readable)
        table = readable_comparison(comparison.table, readable.lang)
        write_csv(table, folder / READABLE_COMPARISON, readable.csv)
        summaries = {name: result.summary for name, result in comparison.results.items()}
        comparison_workbook(folder, comparison.table, summaries, readable.lang)
    return out


def _comparison_manifest(comparison: ComparisonResult, sources: Sequence[Path], lang: str = "en") -> dict:
    names = list(comparison.results)
    run = comparison.results[names[0]].scenario.run
    info = {
        **ownership(COMPARISON),
        "base": names[0],
        "scenarios": names,
        "scenario_files": [str(p) for p in sources],
        "replications": run.replications,
        "replication_steps": comparison.history,
        "seed": run.seed,
        "run_seconds": round(comparison.seconds, 2),
        "warnings": [f"{name}: {w}" for name, r in comparison.results.items() for w in r.warnings(lang)],
    }
    if comparison.precision is not None:
        p = comparison.precision
        info["precision"] = {
            "target_relative_half_width": p.target,
            "cap": p.cap,
            "replications_needed": p.replications,
            "reached": p.reached,
            "worst": p.worst.sort_values("relative_half_width").tail(5).to_dict("records"),
        }
    return info


def is_comparison_folder(path: Path | str) -> bool:
    """Whether ``path`` is a compare folder (its manifest says so; older ones list their scenarios)."""
    return folder_kind(Path(path)) == COMPARISON


def result_folders(paths: Sequence[Path]) -> list[Path]:
    """The result folders named by ``paths``: a compare folder stands for its scenarios' folders."""
    folders: list[Path] = []
    for path in paths:
        if is_comparison_folder(path):
            info = _manifest(path)
            folders += [path / str(name) for name in info["scenarios"]]
        else:
            folders.append(path)
    return folders


def _provenance() -> dict:
    """When and by which code a folder was written."""
    return {"code_version": code_version(), "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def _write_manifest(folder: Path, info: dict) -> None:
    (folder / MANIFEST).write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n")
