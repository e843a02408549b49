"""Runs and comparisons repeated across a calibration band, so that an effect reads as a range.

A band file (``occisim calibrate`` writes ``band.csv``) holds parameter sets: a ``member`` column,
then one column per dotted key of the scenario (``beds.background.arrivals_per_day``, ...), one row
per set. For each member, every scenario of the run or comparison gets the member's values and the
comparison is run as usual: same seed, same replication indices (common random numbers), so member
k's difference is paired exactly as a plain comparison's is, whatever the number of workers. Each
KPI's mean and each difference is then reported as a range across the members: the smallest and
largest member means, and the widest 95 % confidence interval (lowest low, highest high).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.runs.calibration import MEMBER, member_scenario
from sim.runs.compare import ComparisonResult, run_comparison
from sim.runs.replications import Progress, check_workload, default_workers, with_run_settings
from sim.scenario.errors import ScenarioError, shown
from sim.scenario.reading import _read_text
from sim.scenario.schema import Scenario
from sim.territory.catchment import Territory

MAX_MEMBERS = 200  # a band of a few dozen sets is plenty; each member repeats the whole run


def read_band(path: Path, scenario: Scenario) -> pd.DataFrame:
    """The band file's parameter sets, each checked against ``scenario`` (ScenarioError, one line)."""
    name = str(path)
    text = _read_text(Path(path), name)
    try:
        band = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "no columns"
        raise ScenarioError(
            [f"{name}: expected a CSV band file (occisim calibrate writes band.csv), found {first}"]
        ) from None
    keys = [c for c in band.columns if c != MEMBER]
    if not keys:
        raise ScenarioError([f"{name}: expected a column per scenario key (e.g. beds.capacity), found none"])
    if not 1 <= len(band) <= MAX_MEMBERS:
        raise ScenarioError([f"{name}: expected 1 to {MAX_MEMBERS} parameter sets (rows), found {len(band)}"])
    if MEMBER not in band.columns:
        band.insert(0, MEMBER, [str(k) for k in range(len(band))])
    if band[MEMBER].duplicated().any():
        raise ScenarioError(
            [f"{name}: {MEMBER}: expected each member once, found {band[MEMBER].tolist()!r:.80}"]
        )
    for key in keys:
        numbers = pd.to_numeric(band[key], errors="coerce")
        bad = numbers.isna() | ~numbers.map(lambda v: math.isfinite(v) if v == v else False)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ScenarioError(
                [
                    f"{name}: row {row + 1}, {key}: expected a finite number, "
                    f"found {shown(band[key].iloc[row])}"
                ]
            )
        band[key] = numbers.astype(float)
    for _, member in band.iterrows():
        member_scenario(scenario, member, origin=f"{name}: member {member[MEMBER]}")  # keys and bounds
    return band


@dataclass
class BandComparison:
    band: pd.DataFrame  # the parameter sets, as read
    table: pd.DataFrame  # comparison table rows of every member, with a 'member' column first
    replications: int
    seed: int
    seconds: float

    @property
    def base(self) -> str:
        return str(self.table["scenario"].iloc[0])

    def ranges(self) -> pd.DataFrame:
        """Per (scenario, KPI): the range of the members' means and of their differences to the base."""
        return band_ranges(self.table)


def run_band_comparison(
    scenarios: Sequence[Scenario],
    band: pd.DataFrame,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    territory: Territory | None = None,
) -> BandComparison:
    """The comparison of ``scenarios`` (the first is the base; one alone is a run) for each band member."""
    seed = seed if seed is not None else scenarios[0].run.seed
    n = replications or scenarios[0].run.replications
    members = [
        [
            with_run_settings(member_scenario(s, row, origin=f"band member {row[MEMBER]}"), n, seed)
            for s in scenarios
        ]
        for _, row in band.iterrows()
    ]
    check_workload([(s, n) for variants in members for s in variants])  # the whole band, before anything runs
    workers = workers or default_workers()
    tables, seconds = [], 0.0
    for (_, row), variants in zip(band.iterrows(), members, strict=True):
        comparison: ComparisonResult = run_comparison(
            variants, n, seed, workers, progress=_one_by_one(progress), territory=territory
        )
        table = comparison.table.copy()
        table.insert(0, MEMBER, row[MEMBER])
        tables.append(table)
        seconds += comparison.seconds
    return BandComparison(band, pd.concat(tables, ignore_index=True), n, seed, seconds)


def _one_by_one(progress: Progress | None) -> Callable[[int, int], None] | None:
    """run_comparison tells (runs done, its own total); a band's progress counts every member's runs."""
    return (lambda done, _total: progress(done)) if progress else None


def band_ranges(table: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, KPI) across members: min and max of the means, lowest CI low, highest CI high,
    and for the compared scenarios the same for the paired difference to the base."""
    columns = {
        "mean_min": ("mean", "min"),
        "mean_max": ("mean", "max"),
        "ci_low_min": ("ci_low", "min"),
        "ci_high_max": ("ci_high", "max"),
    }
    if "diff_mean" in table.columns:
        columns |= {
            "diff_min": ("diff_mean", "min"),
            "diff_max": ("diff_mean", "max"),
            "diff_ci_low_min": ("diff_ci_low", "min"),
            "diff_ci_high_max": ("diff_ci_high", "max"),
        }
    grouped = table.groupby(["scenario", "kpi"], sort=False)
    ranges = grouped.agg(**columns).reset_index()
    ranges.insert(2, "members", grouped[MEMBER].nunique().to_numpy())
    if "significant" in table.columns:
        significant = table["significant"].astype("boolean").fillna(False).astype(int)
        ranges["members_significant"] = (
            significant.groupby([table["scenario"], table["kpi"]], sort=False).sum().to_numpy()
        )
    return ranges
