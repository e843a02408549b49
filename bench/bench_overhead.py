"""What a comparison costs besides the model: the measures of each replication, and the fixed cost.

python bench/bench_overhead.py [--replications N] [--rounds K] [--before DIR]

Three figures, each measured in a fresh process (CPU seconds of that process):

1. per replication, as a run makes them: N ``run_replication`` in a row (the model, the measures, the
   tables, and the garbage the records leave) against N ``simulate`` (the model alone, each record
   collected outside the timing); the difference is what the measures cost, also as a ratio;
2. the fixed cost of ``occisim compare`` of the 9 scenarios of ``bench_compare.py`` (with 2
   replications, one worker, run in the process): the command's time less its replications'
   (loading the scenarios and the territory, the places, the comparison table, the folder and its
   workbook, the terminal tables);
3. the time to import what that command imports.

With ``--before DIR`` (a checkout of another version, e.g. ``git worktree add /tmp/before HEAD~5``),
the same figures are measured for it too, the two versions taking turns round after round, and the
ratios after / before printed: on a shared machine the seconds move with the other users, the
ratios much less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_compare import SCENARIOS  # noqa: E402


def measure(replications: int) -> dict[str, float]:
    """The three figures for the ``sim`` this process imports (run in a subprocess)."""
    import contextlib
    import gc
    import io
    import time

    start = time.process_time()
    import sim.runs.replications as runs
    from sim.cli import app
    from sim.model.engine import simulate
    from sim.outputs.folders import write_comparison  # noqa: F401  (what compare imports)
    from sim.runs.compare import run_comparison  # noqa: F401
    from sim.scenario.files import load_scenario
    from sim.territory.binding import scenario_territory
    from sim.territory.catchment import Territory

    imports = time.process_time() - start

    replicating = [0.0]
    replicate = runs.run_replication

    def timed_replication(*args: object) -> object:
        begun = time.process_time()
        try:
            return replicate(*args)
        finally:
            replicating[0] += time.process_time() - begun

    runs.run_replication = timed_replication
    files = [str(ROOT / "scenarios" / f"{name}.yaml") for name in SCENARIOS]
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(io.StringIO()):
        begun = time.process_time()
        with contextlib.suppress(SystemExit):
            app(["compare", *files, "--replications", "2", "--workers", "1", "--out", f"{scratch}/cmp"])
        command = time.process_time() - begun
    runs.run_replication = replicate
    if not replicating[0]:
        raise SystemExit("occisim compare failed")

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    territory = scenario_territory(scenario, Territory.load())
    runs.run_replication(scenario, territory, 0)  # warm: caches, first-call imports
    kept = []
    gc.collect()
    begun = time.process_time()
    for r in range(replications):
        kept.append(runs.run_replication(scenario, territory, r))
    whole = (time.process_time() - begun) / replications
    model = []
    for r in range(replications):
        gc.collect()
        begun = time.process_time()
        record = simulate(scenario, territory, r)
        model.append(time.process_time() - begun)
        del record
    return {
        "model": float(np.mean(model)),
        "measures": whole - float(np.mean(model)),
        "fixed": command - replicating[0],
        "imports": imports,
    }


def in_subprocess(tree: Path, replications: int) -> dict[str, float]:
    """``measure`` in a fresh Python whose ``sim`` is the one in ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, __file__, "--measure", "--replications", str(replications)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
    )
    if done.returncode != 0:
        raise SystemExit(f"measuring {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: float(np.median([found[key] for found in rounds])) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--before", type=Path, help="a checkout of the version to compare with")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.replications)))
        return
    trees = {"now": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    found: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    print(f"load average before: {os.getloadavg()[0]:.1f}; {args.rounds} rounds", flush=True)
    for _ in range(args.rounds):
        for label, tree in reversed(trees.items()):
            found[label].append(in_subprocess(tree, args.replications))
    median = {label: _medians(runs) for label, runs in found.items()}
    rows = [
        ("model (simulate), s per replication", "model"),
        ("measures (run_replication - model), s per replication", "measures"),
        ("fixed cost of the 9-scenario compare, s", "fixed"),
        ("imports of the compare command, s", "imports"),
    ]
    print(f"{'CPU seconds, medians of the rounds':58}" + "".join(f"{label:>10}" for label in reversed(trees)))
    for title, key in rows:
        cells = "".join(f"{median[label][key]:10.3f}" for label in reversed(trees))
        ratio = f"   after/before {median['now'][key] / median['before'][key]:.2f}" if args.before else ""
        print(f"{title:58}{cells}{ratio}")
    for label in reversed(trees):
        print(f"measures / model ({label}): {median[label]['measures'] / median[label]['model']:.2f}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
