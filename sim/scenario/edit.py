"""Editing scenarios: a file in place, keeping its comments and layout (``occisim warmup --write``), and
a loaded scenario changed from the command line (``--set key.path=value``)."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import ScenarioError, one_line, shown
from sim.scenario.files import _key_path, _location, load_scenario, said
from sim.scenario.reading import _Refused, _ScenarioLoader
from sim.scenario.schema import Scenario
from sim.scenario.variant_texts import asks, shown_value, with_variant_texts

WARMUP_NOTE = "   # set by occisim warmup (MSER-5)"


class WarmupNotLowered(ValueError):
    """The suggested warm-up is shorter than the scenario's: kept unless forced (one line)."""

    def __init__(self, path: Path, current: float, suggested: int):
        super().__init__(
            f"{path}: run.warmup_days: kept at {current:g} days; the suggestion ({suggested}) is shorter "
            "(use --force to lower it)"
        )
        self.path, self.current, self.suggested = path, current, suggested


def set_warmup_days(path: Path, days: int, force: bool = False) -> None:
    """Write ``run.warmup_days`` into a scenario file, keeping its comments and layout.

    The line is replaced where the file sets it (its comment kept after a note of the old value),
    added to the file's ``run:`` block (block or flow style) otherwise, or a ``run:`` block is
    appended. A warm-up is never lowered without ``force`` (WarmupNotLowered): a longer one costs
    run time, a too short one biases every KPI, and the file's value may be a deliberate choice.
    The edited text is validated before it replaces the file, so a failed edit leaves it untouched.
    """
    current = load_scenario(path).run.warmup_days
    if days < current and not force:
        raise WarmupNotLowered(path, current, days)
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
            match = re.match(r"^(\s+)warmup_days:\s*([^#\n]*?)\s*(#\s*(.*))?$", lines[i])
            if match:
                old = f", was {match.group(2)}" if match.group(2) else ""
                comment = re.sub(
                    r"^set by occisim warmup \(MSER-5\)(, was [^:]*)?(: )?", "", match.group(4) or ""
                )
                kept = f": {comment.strip()}" if comment.strip() else ""
                lines[i] = f"{match.group(1)}warmup_days: {days}{WARMUP_NOTE}{old}{kept}\n"
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


# --- what-ifs from the command line ---------------------------------------------------------------

MAX_SETTING_CHARS = 1000  # a key path and a value; longer is a slip
MAX_NAME_SUFFIX = 40  # longer settings name the variant by a short hash instead


def parse_setting(text: str) -> tuple[str, Any]:
    """``key.path=value`` as a key path and a YAML 1.2 value (ScenarioError, one line, if not)."""
    shown_text = one_line(repr(text), 120)
    key, equals, value = text.partition("=")
    key = key.strip()
    if not equals or not key or len(text) > MAX_SETTING_CHARS:
        raise ScenarioError([f"--set {shown_text}: expected key.path=value, e.g. beds.capacity=20"])
    loader = _ScenarioLoader(value)
    try:
        return key, loader.get_single_data()
    except _Refused as refused:
        raise ScenarioError([f"--set {key}: {one_line(refused.message)}"]) from None
    except yaml.YAMLError:
        raise ScenarioError([f"--set {key}: expected a YAML value, found {shown(value)}"]) from None
    finally:
        loader.dispose()


def with_settings(scenario: Scenario, settings: Sequence[str]) -> Scenario:
    """The scenario with ``key.path=value`` settings applied and validated again, renamed after
    them (``baseline_beds.capacity_20``) so that its results do not replace the scenario's own.
    One line per problem (ScenarioError), each naming the key."""
    if not settings:
        return scenario
    raw = scenario.model_dump(mode="json")
    parsed = [parse_setting(text) for text in settings]
    for key, value in parsed:
        node = raw
        parts = key.split(".")
        for depth, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                where = ".".join(parts[:depth]) or "the scenario"
                keys = sorted(node) if isinstance(node, dict) else []
                allowed = ", ".join(keys[:40]) + (", …" if len(keys) > 40 else "") if keys else "no keys"
                close = difflib.get_close_matches(part, keys, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                found = f"expected a key of {where} ({allowed}), found {shown(part)}{hint}"
                raise ScenarioError([f"--set {one_line(key, 200)}: {found}"])
            if depth < len(parts) - 1:
                node = node[part]
        node[parts[-1]] = value
    keys = {key for key, _ in parsed}
    if "name" not in keys:
        raw["name"] = _variant_name(scenario.name, settings)
    # What the settings ask, not the scenario's own question (unless they set the texts themselves).
    top = {key.split(".")[0] for key in keys}
    changes = [f"{key} = {shown_value(value)}" for key, value in parsed if asks(key)]
    told = {"description": scenario.description, "description_fr": scenario.description_fr}
    with_variant_texts(raw, scenario.name, changes, top, told)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError([_setting_problem(error) for error in exc.errors()]) from None


def _setting_problem(error: Any) -> str:
    """One line naming the key, what was expected and what was found."""
    return f"--set {one_line(f'{_key_path(_location(error))}: {said(error)}')}"


def _variant_name(name: str, settings: Sequence[str]) -> str:
    """``name_key_value``: readable when short, else ``name_set-<hash>``."""
    suffix = re.sub(r"[^A-Za-z0-9_.-]+", "_", "_".join(s.replace("=", "_") for s in settings)).strip("_")
    if len(suffix) > MAX_NAME_SUFFIX:
        suffix = "set-" + hashlib.sha256("\n".join(settings).encode()).hexdigest()[:8]
    return f"{name[: 100 - len(suffix) - 1]}_{suffix}"
