"""Result folders: what a run writes, and how to read it back (for reports and notebooks).

manifest.json        the resolved scenario, its hash, seed, replications, versions, date, run time
replications.csv     one row per replication, one column per KPI
summary.csv          per KPI: mean, 95 % CI low and high, std, n
episodes.parquet     one row per blinatumomab episode and replication (per-patient records)
admissions.parquet   every bed request: kind, request and admission times, wait
daily.parquet        per day and replication: beds occupied, day-hospital load
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.runs.replications import ExperimentResult
from sim.scenario.schema import Scenario
from sim.scenario.sources import parameter_sources

PACKAGES = ("numpy", "pandas", "simpy", "scipy", "geopandas", "shapely", "pydantic", "matplotlib")


def code_version() -> str:
    """occisim version plus the git commit when run from a checkout."""
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


def manifest(result: ExperimentResult, source: Path | None) -> dict:
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "scenario_file": str(Path(source).resolve()) if source else None,
        "scenario_hash": scenario.hash(),
        "seed": scenario.run.seed,
        "replications": scenario.run.replications,
        "warmup_days": scenario.run.warmup_days,
        "years": scenario.run.years,
        "workers": result.workers,
        "code_version": code_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "run_seconds": round(result.seconds, 3),
        "random_numbers": "numpy PCG64 from SeedSequence(seed, spawn_key=(replication, stream, ...)); "
        "streams: 0 background beds, 1 day-hospital background, 2 per-episode attributes",
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


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def write_results(result: ExperimentResult, out: Path, source: Path | None = None) -> Path:
    """Write a result folder; it appears complete or not at all."""
    with atomic_output_dir(out) as folder:
        (folder / "manifest.json").write_text(
            json.dumps(manifest(result, source), indent=2, ensure_ascii=False) + "\n"
        )
        result.replications.to_csv(folder / "replications.csv", index=False)
        result.summary.to_csv(folder / "summary.csv", index=False)
        result.episodes.to_parquet(folder / "episodes.parquet", index=False)
        result.admissions.to_parquet(folder / "admissions.parquet", index=False)
        result.daily.to_parquet(folder / "daily.parquet", index=False)
    return out


@contextmanager
def atomic_output_dir(target: Path) -> Iterator[Path]:
    """Yield a scratch folder next to ``target``; it replaces ``target`` only if the block succeeds.

    On any error the scratch folder is removed and an existing ``target`` is left untouched, so a
    reader never sees a half-written result folder.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{scratch.name.rsplit('-', 1)[-1]}")
        target.rename(backup)
    scratch.rename(target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


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
        return Scenario.model_validate(self.manifest["resolved_scenario"])


def load_results(path: Path | str) -> Results:
    path = Path(path)
    if not (path / "manifest.json").exists():
        raise FileNotFoundError(f"{path}: not a result folder (no manifest.json)")
    return Results(
        path=path,
        manifest=json.loads((path / "manifest.json").read_text(encoding="utf-8")),
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

    def kpi(self, name: str) -> pd.DataFrame:
        """One KPI across scenarios, indexed by scenario."""
        return self.table[self.table["kpi"] == name].set_index("scenario")


def load_comparison(path: Path | str) -> Comparison:
    path = Path(path)
    if not (path / "comparison.csv").exists():
        raise FileNotFoundError(f"{path}: not a compare folder (no comparison.csv)")
    manifest_data = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    return Comparison(
        path=path,
        manifest=manifest_data,
        table=pd.read_csv(path / "comparison.csv"),
        results={name: load_results(path / name) for name in manifest_data["scenarios"]},
    )
