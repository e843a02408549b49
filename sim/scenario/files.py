"""Scenario files: reading YAML, the ``extends:`` chain, and one-line error messages.

A scenario is YAML. ``scenarios/baseline.yaml`` sets every parameter with its source; a variant
names ``extends: baseline.yaml`` and overrides only what changes (mappings merge key by key,
lists, scalars and distributions replace).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from sim.scenario.errors import ScenarioError
from sim.scenario.schema import Scenario


def _deep_merge(base: dict, override: dict) -> dict:
    """Mappings merge key by key; lists, scalars and distributions (``dist:``) replace whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and "dist" not in value:
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError([f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{path}: expected a mapping of keys at the top level, found {type(data).__name__}"]
        )
    return data


def extends_chain(path: Path) -> list[tuple[Path, dict]]:
    """The file and its ``extends:`` ancestors, child first, each read once: [(path, data)].

    ``data`` is the file's own mapping without its ``extends`` key. The one walk of the chain:
    merging (``resolve_raw``) and parameter sources (``sim.scenario.sources``) both use it.
    """
    chain: list[tuple[Path, dict]] = []
    path = Path(path).resolve()
    while True:
        if path in (p for p, _ in chain):
            names = " -> ".join(p.name for p in (*(p for p, _ in chain), path))
            raise ScenarioError([f"{chain[-1][0]}: extends: circular chain {names}"])
        data = _read_yaml(path)
        parent = data.pop("extends", None)
        chain.append((path, data))
        if parent is None:
            return chain
        if not isinstance(parent, str):
            raise ScenarioError([f"{path}: extends: expected a file name, found {parent!r}"])
        path = (path.parent / parent).resolve()


def resolve_raw(path: Path) -> dict:
    """The scenario as a plain dict, with its ``extends:`` chain merged in."""
    merged: dict = {}
    for file, data in reversed(extends_chain(path)):
        territory = data.get("territory")
        if isinstance(territory, dict) and isinstance(territory.get("overrides_file"), str):
            # A relative path means relative to the file that names it, wherever it is extended from.
            territory["overrides_file"] = str((file.parent / territory["overrides_file"]).resolve())
        merged = _deep_merge(merged, data)
    return merged


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] from a type annotation."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _step(annotation: Any, part: Any) -> Any:
    """The annotation found by stepping into key (or index, or union tag) ``part``."""
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(part)
        return field.annotation if field else None
    if origin is dict:
        return get_args(annotation)[1]
    if origin is list:
        return get_args(annotation)[0]
    if origin in (Union, UnionType):  # a discriminated union: the location names the tag
        for member in get_args(annotation):
            tag = getattr(member, "model_fields", {}).get("dist")
            if tag is not None and get_args(tag.annotation) == (part,):
                return member
    return None


def _allowed_keys(loc: tuple) -> list[str]:
    """Keys the schema accepts in the mapping holding ``loc[-1]`` (for 'unknown key' errors)."""
    annotation: Any = Scenario
    for part in loc[:-1]:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _describe(error: dict) -> tuple[str, bool]:
    """Message for one validation error, and whether it already says what was found."""
    message = error["msg"]
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"])
        return "unknown key; expected " + (
            f"one of {', '.join(allowed)}" if allowed else "no such key"
        ), False
    if kind == "missing":
        return "missing required key", True
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
        return message, "found" in message
    if message.startswith("Input should be "):
        return "expected " + message[len("Input should be ") :], False
    return message, False


def _key_path(loc: tuple) -> str:
    # Discriminated unions add the tag to the location (length_of_stay.lognormal.cv); drop it.
    parts = [
        str(p)
        for p in loc
        if p not in {"fixed", "exponential", "lognormal", "gamma", "triangular", "uniform", "empirical"}
    ]
    return ".".join(parts) or "(top level)"


def load_scenario(path: Path | str) -> Scenario:
    """Read, merge and validate a scenario file, or raise ScenarioError with one line per problem."""
    path = Path(path)
    raw = resolve_raw(path)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message, says_found = _describe(error)
            shown = "" if says_found else f", found {json.dumps(error.get('input'), default=str)[:80]}"
            lines.append(f"{path}: {_key_path(error['loc'])}: {message}{shown}")
        raise ScenarioError(lines) from None


def with_values(scenario: Scenario, updates: dict[str, Any], origin: str = "parameter") -> Scenario:
    """The scenario with numbers at dotted key paths replaced, validated again (ScenarioError if not)."""
    raw = scenario.model_dump(mode="json")
    for key, value in updates.items():
        node = raw
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                raise ScenarioError(
                    [f"{origin}: {key}: expected a key path of the scenario, found no {part!r}"]
                )
            node = node[part]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise ScenarioError(
                [f"{origin}: {key}: expected a key path of the scenario, found no {parts[-1]!r}"]
            )
        if isinstance(node[parts[-1]], bool) or not isinstance(node[parts[-1]], int | float):
            raise ScenarioError([f"{origin}: {key}: expected a number there, found {node[parts[-1]]!r}"])
        node[parts[-1]] = round(value) if isinstance(node[parts[-1]], int) else float(value)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            [f"{origin}: {_key_path(e['loc'])}: {_describe(e)[0]}" for e in exc.errors()]
        ) from None


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Parent scenario file to inherit from.",
    }
    schema["title"] = "occisim scenario"
    return schema
