"""Behaviour pin: a short baseline run must give byte-identical summary.csv and replications.csv.

A change that moves the numbers on purpose regenerates the pinned files (and says so in its commit):
    python tests/test_regression.py --regenerate
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.outputs.folders import write_results
from sim.runs.replications import run_experiment
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PINNED = Path(__file__).resolve().parent / "data" / "regression"
FILES = ("summary.csv", "replications.csv")


def short_baseline_run(out: Path) -> Path:
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    run = scenario.run.model_copy(update={"years": 1.0, "warmup_days": 90.0})
    scenario = scenario.model_copy(update={"run": run})
    return write_results(run_experiment(scenario, replications=3, workers=1), out)


def test_short_baseline_run_is_byte_identical_to_the_pinned_one(tmp_path):
    folder = short_baseline_run(tmp_path / "run")
    for name in FILES:
        assert (folder / name).read_bytes() == (PINNED / name).read_bytes(), (
            f"{name} differs from tests/data/regression/{name}: the numbers moved. If on purpose, "
            "regenerate with `python tests/test_regression.py --regenerate` and say so in the commit."
        )


if __name__ == "__main__" and "--regenerate" in sys.argv:
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        folder = short_baseline_run(Path(scratch) / "run")
        PINNED.mkdir(parents=True, exist_ok=True)
        for name in FILES:
            shutil.copyfile(folder / name, PINNED / name)
    print(f"pinned files rewritten in {PINNED}")
