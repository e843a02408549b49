# %% [markdown]
# # occisim from Python: a worked example
#
# Run with `python docs/worked_example.py` from the repository root (or open it as a notebook:
# the `# %%` markers are cells for Jupyter/VS Code). Everything loads as pandas DataFrames.

# %%
from pathlib import Path

import pandas as pd

from sim.outputs.folders import (
    is_comparison_folder,
    load_comparison,
    load_results,
    write_comparison,
    write_results,
)
from sim.runs.compare import run_comparison
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario

pd.set_option("display.width", 160)
pd.set_option("display.max_columns", 12)

# %% [markdown]
# ## 1. One scenario: the status quo
# A short run to keep the example quick; use the scenario's own settings for real work.

# %%
baseline = load_scenario("scenarios/baseline.yaml")
result = run_experiment(baseline, replications=8, workers=2)
summary = result.summary.set_index("kpi")
print(
    summary.loc[
        ["bed_occupancy", "planned_wait_p95_days", "trips_per_year", "cost_total_per_year"],
        ["mean", "ci_low", "ci_high", "n"],
    ].round(2)
)

# %% [markdown]
# Per-patient records: who travels most? Mean km per finished episode by department of residence.

# %%
episodes = result.episodes
window = episodes[episodes["arrival"] >= baseline.run.warmup_days]
print(window.groupby("dep")[["km", "trips", "home_days", "bed_days_total"]].mean().round(1))

# %% [markdown]
# A result folder round-trips: write it, read it back.

# %%
write_results(result, Path("results/example-baseline"), source=Path("scenarios/baseline.yaml"))
saved = load_results("results/example-baseline")
print(saved.manifest["scenario_hash"], len(saved.replications), "replications")

# %% [markdown]
# ## 2. A what-if with common random numbers
# Gers HAD authorised vs the status quo: same seed, so replication r of both sees the same patients.
# The paired difference is much tighter than the two confidence intervals suggest.

# %%
gers = load_scenario("scenarios/gers_pasteur.yaml")
comparison = run_comparison([baseline, gers], replications=8, workers=2)
table = comparison.table
rows = table[
    (table["scenario"] == "gers_pasteur")
    & table["kpi"].isin(
        [
            "episodes_route_convention_per_year",
            "travel_km_per_year",
            "blina_bed_days_per_year",
            "cost_total_per_year",
        ]
    )
]
print(
    rows[
        ["kpi", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high", "significant"]
    ].round(2)
)

# %% [markdown]
# ## 3. A compare folder: written, and read back
# The comparison above, written as `occisim compare` writes it
# (`occisim compare scenarios/baseline.yaml scenarios/gers_pasteur.yaml --out results/compare-example`):
# comparison.csv, a manifest saying it is a comparison, and one result folder per scenario.

# %%
files = [Path("scenarios/baseline.yaml"), Path("scenarios/gers_pasteur.yaml")]
write_comparison(comparison, Path("results/compare-example"), files)
if is_comparison_folder("results/compare-example"):
    folder = load_comparison("results/compare-example")
    print(folder.kpi("travel_km_per_year")[["mean", "diff_mean", "diff_ci_low", "diff_ci_high"]])
