"""Start-up of the command line: `occisim --help` and `occisim validate` against `python -c pass`.

python bench/bench_startup.py [--runs N]

Each command runs as a whole new process, in turn with the bare interpreter (A B A B ...), so that
a shared machine's load falls on both alike; printed: the medians, and the median of the ratios
pair by pair. The targets (issue [P]) are 0.3 s for --help and 0.6 s for validate on an idle machine.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BARE = [sys.executable, "-c", "pass"]
COMMANDS = {
    "occisim --help": [sys.executable, "-m", "sim", "--help"],
    "occisim validate baseline.yaml": [sys.executable, "-m", "sim", "validate", "scenarios/baseline.yaml"],
    "python -c 'import sim.cli'": [sys.executable, "-c", "import sim.cli"],
}


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="pairs timed per command (default 7)")
    args = parser.parse_args()
    print(f"{'command':<36}{'median s':>10}{'python -c pass':>16}{'ratio':>8}")
    for label, command in COMMANDS.items():
        wall(command), wall(BARE)  # warm the file cache
        pairs = [(wall(command), wall(BARE)) for _ in range(args.runs)]
        ours, bare = (float(np.median(x)) for x in zip(*pairs))
        ratio = float(np.median([a / b for a, b in pairs]))
        print(f"{label:<36}{ours:>10.3f}{bare:>16.3f}{ratio:>8.1f}")


if __name__ == "__main__":
    main()
