"""Wall time of a whole comparison: 9 scenarios x 100 replications, as a user runs it.

python bench/bench_compare.py [--replications N] [--dask]

Runs ``occisim compare`` (the real command, in a subprocess: imports, territory, one worker pool
for the nine scenarios, writing the folder) with ``--workers 1``, then ``--workers 2``, and with
``--dask`` on a LocalCluster of 2 processes (``--scheduler local:2``). Prints each time as it ends,
its ratio to the single-worker run of the same script, and the load average before and after: on a
shared machine the seconds move with the other users, the ratios much less. Every run must write
the same comparison.csv, byte for byte (common random numbers: the seed fixes every number).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OCCISIM = Path(sys.executable).with_name("occisim")
SCENARIOS = [
    "baseline",
    "all_authorised",
    "beds_20",
    "demand_x2",
    "gers_pasteur",
    "home_bag_change",
    "more_day_hospital",
    "seven_day_bags",
    "short_cycle1_stay",
]


def timed_compare(options: list[str], replications: int, out: Path) -> float:
    files = [ROOT / "scenarios" / f"{name}.yaml" for name in SCENARIOS]
    start = time.perf_counter()
    done = subprocess.run(
        [OCCISIM, "compare", *files, "--replications", str(replications), *options, "--out", out],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"occisim compare {' '.join(options)} failed:\n{done.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--dask", action="store_true", help="also on a Dask LocalCluster of 2 processes")
    args = parser.parse_args()
    runs = [("1 worker", ["--workers", "1"]), ("2 workers", ["--workers", "2"])]
    if args.dask:
        runs.append(("Dask local:2", ["--scheduler", "local:2"]))
    print(
        f"{len(SCENARIOS)} scenarios x {args.replications} replications, occisim compare; "
        f"{os.cpu_count()} cores, load average before: {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as scratch:
        reference, single = None, None
        for label, options in runs:
            out = Path(scratch) / label.replace(" ", "_").replace(":", "")
            seconds = timed_compare(options, args.replications, out)
            table = (out / "comparison.csv").read_bytes()
            reference = reference or table
            single = single or seconds
            same = "same comparison.csv" if table == reference else "DIFFERENT comparison.csv"
            print(
                f"{label:>13}: {seconds:7.1f} s   {single / seconds:4.2f}x the 1-worker speed   {same}   "
                f"(load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
