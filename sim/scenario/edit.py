"""Editing scenario files in place, keeping their comments and layout (for ``occisim warmup --write``)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario

WARMUP_NOTE = "   # set by occisim warmup (MSER-5)"


def set_warmup_days(path: Path, days: int) -> None:
    """Write ``run.warmup_days`` into a scenario file, keeping its comments and layout.

    The line is replaced where the file sets it, added to the file's ``run:`` block (block or flow
    style) otherwise, or a ``run:`` block is appended. The edited text is validated before it
    replaces the file, so a failed edit leaves it untouched.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    run_at = next((i for i, line in enumerate(lines) if re.match(r"^run:", line)), None)
    if run_at is None:
        lines.append(f"run:\n  warmup_days: {days}{WARMUP_NOTE}\n")
    elif (inline := re.match(r"^run:\s*(\{.*\})\s*(#.*)?$", lines[run_at])) is not None:
        mapping = yaml.safe_load(inline.group(1)) or {}
        mapping["warmup_days"] = days
        lines[run_at] = (
            f"run: {yaml.safe_dump(mapping, default_flow_style=True, sort_keys=False).strip()}{WARMUP_NOTE}\n"
        )
    else:
        end = next((i for i in range(run_at + 1, len(lines)) if re.match(r"^\S", lines[i])), len(lines))
        for i in range(run_at + 1, end):
            match = re.match(r"^(\s+)warmup_days:\s*[^#\n]*(#.*)?$", lines[i])
            if match:
                lines[i] = f"{match.group(1)}warmup_days: {days}{WARMUP_NOTE}\n"
                break
        else:
            lines.insert(run_at + 1, f"  warmup_days: {days}{WARMUP_NOTE}\n")
    _replace_if_valid(path, "".join(lines), days)


def _replace_if_valid(path: Path, text: str, days: int) -> None:
    """Write ``text`` over ``path`` only if it loads as a scenario with the wanted warm-up."""
    scratch = path.with_name(f".{path.name}.warmup-edit")
    scratch.write_text(text, encoding="utf-8")
    try:
        edited = load_scenario(scratch)
        if edited.run.warmup_days != days:
            raise ScenarioError([f"{path}: run.warmup_days: could not be set to {days}; edit it by hand"])
    except ScenarioError:
        scratch.unlink()
        raise
    scratch.replace(path)
