"""The cheaper work around the model (issue 12): the same numbers, bit for bit, as the plain code.

- places by residence in numpy against the pandas groupby code they replace (kept here as the
  reference), on random episode tables with NaN, unfinished episodes, episodes out of the window or
  the catchment, and places without patients;
- ``group_mean`` against pandas' ``groupby().mean()``, to the last bit;
- the Student t quantile, computed once per (probability, dof), against scipy's;
- a replication's records freed as it ends, not left to a full collection;
- the comparison table without a merge, against the merged one;
- scenario files parsed once per text: the cached result equals a fresh parse, each caller gets its
  own copy, and a file changed on disk is read again.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scenario_variants import BASELINE, baseline_variant
from scipy import stats

from sim.measures.catalogue import kpi_range
from sim.measures.columns import group_mean
from sim.measures.statistics import (
    comparison_table,
    interval_by_row,
    paired_difference,
    student_ppf,
    t_interval,
    t_quantile,
    welch_difference,
)
from sim.measures.territories import (
    EPISODE_MEANS,
    EPISODES_PER_YEAR,
    LEVELS,
    NEVER_HOME_SHARE,
    ROUTE_SHARES,
    paired_places,
    replication_values,
    summarise_places,
)
from sim.model.records import ROUTES
from sim.runs.replications import run_replication
from sim.scenario import reading
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.reading import read_yaml
from sim.territory.binding import scenario_territory

# --- the pandas code the numpy places replace (as it was), the reference ---------------------------


def _pandas_t_interval(values: np.ndarray) -> tuple[float, float]:
    values = values[~np.isnan(values)]
    if not len(values):
        return np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan
    half = float(stats.t.ppf(0.975, len(values) - 1) * float(values.std(ddof=1)) / np.sqrt(len(values)))
    return mean, half


def reference_values(episodes, units, window, years) -> pd.DataFrame:
    start, end = window
    referred = episodes[(episodes["arrival"] >= start) & (episodes["arrival"] < end)]
    referred = referred.merge(units[["insee", *LEVELS]], on="insee", how="inner")
    replications = np.sort(episodes["replication"].unique())
    parts = []
    for level in LEVELS:
        places = np.sort(units[level].unique())
        full = pd.MultiIndex.from_product([replications, places], names=["replication", "unit"])
        grouped = referred.groupby(["replication", level])
        wide = pd.DataFrame(index=full)
        wide[EPISODES_PER_YEAR] = grouped.size().reindex(full, fill_value=0) / years
        for route, key in zip(ROUTES, ROUTE_SHARES):
            by = [referred["replication"], referred[level]]
            wide[key] = (referred["route"] == route).groupby(by).mean()
        never_home = referred["home_days"] <= 0
        wide[NEVER_HOME_SHARE] = never_home.groupby([referred["replication"], referred[level]]).mean()
        done = referred[referred["finished"].astype(bool)]
        means = done.groupby(["replication", level])[list(EPISODE_MEANS.values())].mean()
        for key, column in EPISODE_MEANS.items():
            wide[key] = means[column].reindex(full) if len(means) else np.nan
        long = wide.reset_index().melt(id_vars=["replication", "unit"], var_name="kpi", value_name="value")
        parts.append(long.assign(level=level))
    table = pd.concat(parts, ignore_index=True)
    return table[["replication", "level", "unit", "kpi", "value"]]


def reference_summary(values: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (level, unit, kpi), group in values.groupby(["level", "unit", "kpi"], sort=False):
        mean, half = _pandas_t_interval(group["value"].to_numpy(float))
        n = int(group["value"].notna().sum())
        low, high = np.clip([mean - half, mean + half], *kpi_range(kpi))  # cut to the KPI's range
        rows.append({"level": level, "unit": unit, "kpi": kpi, "mean": mean, "ci_low": float(low),
                     "ci_high": float(high), "n": n})  # fmt: skip
    return pd.DataFrame(rows)


def reference_pairs(base: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    joined = base.merge(other, on=["replication", "level", "unit", "kpi"], suffixes=("_base", "_other"))
    joined["diff"] = joined["value_other"] - joined["value_base"]
    rows = []
    for (level, unit, kpi), group in joined.groupby(["level", "unit", "kpi"], sort=False):
        diff = group["diff"].to_numpy(float)
        mean, half = _pandas_t_interval(diff)
        rows.append({"level": level, "unit": unit, "kpi": kpi, "diff_mean": mean,
                     "diff_ci_low": mean - half, "diff_ci_high": mean + half,
                     "pairs": int(np.sum(~np.isnan(diff))),
                     "significant": bool(half == half and (mean - half > 0 or mean + half < 0))})  # fmt: skip
    return pd.DataFrame(rows)


# --- random episode tables ------------------------------------------------------------------------

UNITS = pd.DataFrame(
    {
        "insee": ["A", "B", "C", "D", "E"],
        "department": ["32", "31", "31", "09", "32"],
        "had_zone": ["gers", "toulouse", "toulouse", "ariege", "gers + toulouse"],
        "had_zone_name": ["G", "T", "T", "A", "G / T"],
    }
)


def random_episodes(seed: int, n: int, replications: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)

    def with_nan(values: np.ndarray, share: float) -> np.ndarray:
        return np.where(rng.random(len(values)) < share, np.nan, values)

    return pd.DataFrame(
        {
            "replication": rng.integers(0, replications, n),
            "insee": rng.choice(["A", "B", "C", "D", "E", "Z"], n),  # Z: outside the catchment
            "arrival": rng.uniform(0.0, 400.0, n),
            "finished": rng.random(n) < 0.8,
            "route": rng.choice(list(ROUTES), n),
            "home_days": with_nan(rng.choice([0.0, 0.0, 3.5, 12.25], n) + rng.random(n), 0.05),
            "bed_days_total": rng.exponential(20.0, n) * 1.1,
            "cycle1_wait": with_nan(rng.exponential(1.3, n), 0.3),
            "bed_days_waiting_home_care": rng.exponential(0.7, n) / 3,
            "trips": rng.integers(0, 40, n),
            "km": rng.exponential(123.4, n),
            "hours": rng.exponential(2.1, n) / 7,
        }
    )


def assert_same_bits(fast: pd.DataFrame, plain: pd.DataFrame) -> None:
    """Same columns, dtypes and values (NaN where NaN), to the last bit."""
    pd.testing.assert_frame_equal(fast, plain, check_exact=True)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(0, 300),
    replications=st.integers(1, 12),
    window=st.sampled_from([(0.0, 500.0), (50.0, 350.0), (390.0, 400.0)]),
)
def test_numpy_places_equal_the_pandas_ones_bit_for_bit(seed, n, replications, window):
    base = random_episodes(seed, n, replications)
    other = base.assign(km=base["km"] * 1.3 + 1.0, route=np.roll(base["route"].to_numpy(), 1))
    fast = [replication_values(frame, UNITS, window, 2.5) for frame in (base, other)]
    plain = [reference_values(frame, UNITS, window, 2.5) for frame in (base, other)]
    for frame, f, p in zip((base, other), fast, plain):
        if pandas_may_add_in_order(frame, window):  # its other arithmetic: the last bit may differ
            np.testing.assert_allclose(f["value"], p["value"], rtol=1e-14, atol=0.0)
            f, p = f.drop(columns="value"), p.drop(columns="value")
        assert_same_bits(f, p)
    if n and not any(pandas_may_add_in_order(frame, window) for frame in (base, other)):
        assert_same_bits(summarise_places(fast[0]), reference_summary(plain[0]))
        assert_same_bits(paired_places(*fast), reference_pairs(*plain))


def pandas_may_add_in_order(episodes: pd.DataFrame, window: tuple[float, float]) -> bool:
    """Whether pandas 3's groupby mean could take its in-order shortcut (``np.add.reduceat``) on the
    finished episodes of ``episodes``: each place's rows together, in order, at one of the levels.
    A run's episodes never are (their places come mixed); small random tables may be."""
    done = episodes[(episodes["arrival"] >= window[0]) & (episodes["arrival"] < window[1])]
    done = done.merge(UNITS, on="insee")
    done = done[done["finished"]]
    for level in LEVELS:
        cell = done["replication"].to_numpy() * 100 + np.searchsorted(
            np.sort(UNITS[level].unique()), done[level]
        )
        if (np.diff(cell) >= 0).all():
            return True
    return False


def test_places_keep_every_referred_patient():
    episodes = random_episodes(3, 500, 4)
    values = replication_values(episodes, UNITS, (0.0, 500.0), 1.0)
    per_year = values[(values["kpi"] == EPISODES_PER_YEAR) & (values["level"] == "department")]
    in_catchment = episodes["insee"].isin(UNITS["insee"])
    assert per_year["value"].sum() == in_catchment.sum()  # each once, none lost, none doubled
    zone = values[(values["kpi"] == EPISODES_PER_YEAR) & (values["level"] == "had_zone")]
    assert zone["value"].sum() == in_catchment.sum()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))), min_size=0, max_size=60
    ),
    seed=st.integers(0, 1000),
)
def test_group_mean_is_pandas_groupby_mean_to_the_last_bit(values, seed):
    values = [2.5, 1.25, *values]  # groups out of order, as the places of a run's episodes come
    groups = np.r_[1, 0, np.random.default_rng(seed).integers(0, 5, len(values) - 2)]
    fast = group_mean(groups, np.array(values, dtype=float), 6)
    plain = pd.Series(values, dtype=float).groupby(groups).mean().reindex(range(6)).to_numpy()
    np.testing.assert_array_equal(fast, plain)  # NaN where a group has no value (group 5 never does)


@pytest.mark.parametrize("dof", [1, 2, 9, 99, 1999])
def test_t_quantile_is_scipy_and_the_interval_unchanged(dof):
    assert t_quantile(0.975, dof) == float(stats.t.ppf(0.975, dof))
    values = np.random.default_rng(dof).normal(10.0, 3.0, dof + 1)
    mean, half, std = t_interval(values)
    expected = float(stats.t.ppf(0.975, dof) * values.std(ddof=1) / np.sqrt(len(values)))
    assert (mean, half, std) == (float(values.mean()), expected, float(values.std(ddof=1)))
    assert t_interval(values, 0.9)[1] == float(stats.t.ppf(0.95, dof) * values.std(ddof=1) / np.sqrt(dof + 1))


def test_the_student_quantile_without_scipy_stats_is_scipy_stats_one():
    """``scipy.special.stdtrit`` inside (0, 1), scipy.stats at the ends: every number as t.ppf gives it."""
    dofs = np.concatenate([np.arange(1, 3000), np.linspace(1.0, 80.0, 791), [1e6, np.inf]])
    for probability in (0.5, 0.75, 0.9, 0.95, 0.975, 0.995, 0.9995, 0.0, 1.0):
        np.testing.assert_array_equal(student_ppf(probability, dofs), stats.t.ppf(probability, dofs))
    table = np.random.default_rng(1).normal(5.0, 2.0, (40, 12))
    table[::3, ::4] = np.nan
    mean, half = interval_by_row(table, 0.9)
    present = ~np.isnan(table)
    n = present.sum(axis=1)
    squares = np.where(present, table - mean[:, None], 0.0) ** 2  # as interval_by_row sums them
    std = np.sqrt(squares.sum(axis=1) / (n - 1))
    np.testing.assert_array_equal(half, stats.t.ppf(0.95, n - 1) * std / np.sqrt(n))
    a, b = pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0]}), pd.DataFrame({"x": [3.0, 3.5, 9.0]})
    se = np.sqrt(a["x"].var() / 4 + b["x"].var() / 3)
    dof = se**4 / ((a["x"].var() / 4) ** 2 / 3 + (b["x"].var() / 3) ** 2 / 2)
    row = welch_difference(a, b, ["x"]).iloc[0]
    assert row["diff_ci_high"] - row["diff_mean"] == stats.t.ppf(0.975, dof) * se


# --- scenario files parsed once per text ----------------------------------------------------------

PARENT = "name: parent\nrun:\n  seed: 5\n  replications: 3\n"


def test_a_cached_parse_equals_a_fresh_one_and_each_caller_owns_its_copy(tmp_path):
    path = tmp_path / "parent.yaml"
    path.write_text(PARENT)
    reading._parsed.cache_clear()
    fresh = read_yaml(path)
    cached = read_yaml(path)
    assert reading._parsed.cache_info().hits == 1  # the second read did not parse again
    assert cached == fresh == reading._parsed.__wrapped__(PARENT)
    cached["run"]["seed"] = 99  # a caller changing its copy changes no other
    cached.pop("name")
    assert read_yaml(path) == fresh and fresh["run"]["seed"] == 5


def test_a_file_changed_on_disk_is_read_again(tmp_path):
    path = tmp_path / "parent.yaml"
    path.write_text(PARENT)
    assert read_yaml(path)["run"]["seed"] == 5
    path.write_text(PARENT.replace("seed: 5", "seed: 6"))  # same size, maybe the same mtime
    assert read_yaml(path)["run"]["seed"] == 6
    middle = tmp_path / "middle.yaml"  # a parent in the middle of an extends: chain
    middle.write_text(f"extends: {BASELINE}\nname: middle\nrun:\n  seed: 11\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: middle.yaml\nname: child\n")
    assert load_scenario(child).run.seed == 11
    middle.write_text(middle.read_text().replace("seed: 11", "seed: 12"))
    assert load_scenario(child).run.seed == 12


def test_a_refused_file_is_refused_every_time(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: a\nname: b\n")  # a key twice
    for _ in range(2):  # an error is not cached as a result
        with pytest.raises(ScenarioError, match=r"bad\.yaml: name: "):
            read_yaml(path)


# --- the comparison table without a merge per scenario --------------------------------------------


def reference_paired_difference(base: pd.DataFrame, other: pd.DataFrame, kpis) -> pd.DataFrame:
    joined = base.merge(other, on="replication", how="inner", suffixes=("_base", "_other"))
    rows = []
    for kpi in kpis:
        if f"{kpi}_other" not in joined or f"{kpi}_base" not in joined:
            diff = np.array([])
        else:
            diff = (joined[f"{kpi}_other"] - joined[f"{kpi}_base"]).to_numpy(dtype=float)
        mean, half = _pandas_t_interval(diff)
        rows.append({"kpi": kpi, "diff_mean": mean, "diff_ci_low": mean - half, "diff_ci_high": mean + half,
                     "diff_std": float(diff[~np.isnan(diff)].std(ddof=1)) if np.sum(~np.isnan(diff)) > 1
                     else np.nan,
                     "pairs": int(np.sum(~np.isnan(diff))),
                     "significant": bool(half == half and (mean - half > 0 or mean + half < 0))})  # fmt: skip
    return pd.DataFrame(rows)


def reference_comparison_table(results: dict[str, pd.DataFrame], base: str) -> pd.DataFrame:
    kpis = [c for c in results[base].columns if c != "replication"]
    rows = []
    for name, table in results.items():
        diffs = (
            reference_paired_difference(results[base], table, kpis).set_index("kpi") if name != base else None
        )
        for kpi in kpis:
            values = np.asarray(table.get(kpi, []), dtype=float)
            values = values[~np.isnan(values)]
            mean, half = _pandas_t_interval(values)
            std = float(values.std(ddof=1)) if len(values) > 1 else np.nan
            row = {"scenario": name, "kpi": kpi, "mean": mean, "ci_low": mean - half, "ci_high": mean + half,
                   "std": std, "n": len(values)}  # fmt: skip
            if diffs is not None:
                row.update(diffs.loc[kpi].to_dict())
            rows.append(row)
    return pd.DataFrame(rows)


def replications_table(seed: int, replications: list[int], kpis: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"replication": replications})
    for i, kpi in enumerate(kpis):
        values = rng.normal(100.0 * (i + 1), 7.0, len(replications))
        table[kpi] = np.where(rng.random(len(replications)) < 0.1, np.nan, values)
    table["count"] = rng.integers(0, 50, len(replications))  # a whole-number KPI
    return table


def test_the_comparison_table_is_the_merged_one_bit_for_bit():
    kpis = ["a", "b", "c"]
    base = replications_table(1, list(range(12)), kpis)
    results = {
        "base": base,
        "same_runs": replications_table(2, list(range(12)), kpis),
        "fewer_shuffled": replications_table(3, [7, 3, 11, 0, 5, 2, 9], kpis),  # pairs by replication
        "older": replications_table(4, list(range(12)), ["a", "c"]),  # a folder without KPI b
        "one_pair": replications_table(5, [4], kpis),
    }
    assert_same_bits(comparison_table(results, "base"), reference_comparison_table(results, "base"))


def test_differences_pair_replications_by_their_index_not_their_row():
    base = pd.DataFrame({"replication": [0, 1, 2, 3], "x": [1.0, 2.0, 3.0, 4.0]})
    other = pd.DataFrame({"replication": [3, 2, 1, 0], "x": [14.0, 13.0, 12.0, 11.0]})  # +10 each
    row = paired_difference(base, other, ["x"]).iloc[0]
    assert row["diff_mean"] == 10.0 and row["diff_std"] == 0.0 and row["pairs"] == 4


# --- a replication's records freed as it ends -----------------------------------------------------


def test_a_replication_leaves_no_records_for_the_collector(territory):
    """Records reached from a reference cycle of the model, or kept by the measures' cache, would be
    found only by a later full collection: the runner frees them as each replication ends."""
    scenario = baseline_variant(**{"run.years": 1.0, "run.warmup_days": 30.0})
    bound = scenario_territory(scenario, territory)
    gc.collect()
    gc.disable()
    try:
        outputs = [run_replication(scenario, bound, r) for r in range(2)]
        left = gc.collect()  # what the collector alone would have had to find
    finally:
        gc.enable()
    assert all(len(o.episodes) > 5 for o in outputs) and outputs[0].kpis != outputs[1].kpis  # real runs
    assert left < 1_000, f"two replications left {left} objects for the collector"
    assert gc.isenabled()


def test_summaries_group_as_pandas_does_and_leave_out_rows_without_a_place():
    values = replication_values(random_episodes(7, 200, 5), UNITS, (0.0, 400.0), 1.0)
    values.loc[values.index[::17], "unit"] = None  # a row with no place belongs to no group
    values = values.sample(frac=1.0, random_state=3).reset_index(drop=True)  # groups interleaved
    assert_same_bits(summarise_places(values), reference_summary(values))
    other = values.assign(value=values["value"] * 2.0)
    assert_same_bits(paired_places(values, other), reference_pairs(values, other))
