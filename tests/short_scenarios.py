"""Short scenario files for command-line tests: the shipped scenarios, run for one year."""

from __future__ import annotations

from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def write_short(folder: Path, shipped: str, name: str, replications: int = 2, extra: str = "") -> Path:
    """``folder/name.yaml`` extending ``scenarios/<shipped>.yaml`` with a one-year run."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    run = f"run:\n  years: 1\n  warmup_days: 60\n  replications: {replications}\n"
    parent = SCENARIOS / f"{shipped}.yaml"
    path.write_text(f"extends: {parent}\nname: {name}\n{run}{extra}", encoding="utf-8")
    return path
