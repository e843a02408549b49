"""Scenario files: the ``extends:`` chain, validation, and one-line error messages.

A scenario is YAML. ``scenarios/baseline.yaml`` sets every parameter with its source; a variant
names ``extends: baseline.yaml`` and overrides only what changes (mappings merge key by key,
lists, scalars and distributions replace). Reading one file safely is ``sim.scenario.reading``.

A validation error names the file of the chain that set the offending key, so a bad value in a
parent file is reported against the parent, not the child that extends it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from sim.scenario.errors import RULE, ScenarioError, one_line, shown
from sim.scenario.reading import EXPECTED_FILE, file_problem, key_text, read_yaml
from sim.scenario.schema import Scenario
from sim.scenario.variant_texts import own_changes, with_variant_texts

MAX_MESSAGES = 20  # problems listed for one file; a mutilated file can have thousands
MAX_EXTENDS = 20  # files in one extends: chain; the shipped scenarios use 2 (variant -> baseline)


def _deep_merge(base: dict, override: dict) -> dict:
    """Mappings merge key by key; lists, scalars and distributions (``dist:``) replace whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and "dist" not in value:
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


UNRESOLVED = "a path that cannot be resolved (a symlink loop, a NUL byte)"


def _resolved(path: Path) -> Path | None:
    """``path`` made absolute, or None when it cannot be (a NUL byte, a symlink loop)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def _shown_path(file: Path, chain: list[tuple[Path, dict]], named: str) -> str:
    """How messages name a file of the chain: the first as the user gave it, the others in full."""
    return named if not chain or file == chain[0][0] else str(file)


def extends_chain(path: Path, named: str | None = None) -> list[tuple[Path, dict]]:
    """The file and its ``extends:`` ancestors, child first, each read once: [(path, data)].

    ``data`` is the file's own mapping without its ``extends`` key. The one walk of the chain:
    merging (``resolve_raw``) and parameter sources (``sim.scenario.sources``) both use it.
    ``named`` is how messages name the first file (default: ``path`` as given).
    """
    named = str(path) if named is None else named
    chain: list[tuple[Path, dict]] = []
    file = _resolved(Path(path))
    if file is None:
        raise ScenarioError([f"{named}: {EXPECTED_FILE}, found {UNRESOLVED}"])
    while True:
        data = read_yaml(file, _shown_path(file, chain, named))
        parent = data.pop("extends", None)
        chain.append((file, data))
        if parent is None:
            return chain
        child = _shown_path(file, chain, named)
        if not isinstance(parent, str) or not parent.strip():
            raise ScenarioError([f"{child}: extends: expected a file name, found {shown(parent)}"])
        if len(chain) >= MAX_EXTENDS:
            raise ScenarioError(
                [f"{child}: extends: expected a chain of at most {MAX_EXTENDS} files, found a longer one"]
            )
        file = _resolved(file.parent / parent)
        if file is None:
            raise ScenarioError([f"{child}: extends: {EXPECTED_FILE}, found {shown(parent)}: {UNRESOLVED}"])
        if file in (p for p, _ in chain):
            names = " -> ".join(p.name for p in (*(p for p, _ in chain), file))
            raise ScenarioError([f"{child}: extends: expected no cycle, found the circular chain {names}"])
        problem = file_problem(file)
        if problem is not None:
            raise ScenarioError(
                [one_line(f"{child}: extends: {EXPECTED_FILE}, found {shown(parent)}: {problem}")]
            )


def resolve_raw(path: Path, named: str | None = None) -> dict:
    """The scenario as a plain dict, with its ``extends:`` chain merged in."""
    return _merged(extends_chain(path, named))


def _merged(chain: list[tuple[Path, dict]]) -> dict:
    merged: dict = {}
    parent = None  # the file extended so far: its name (its file's stem if it has none)
    for file, data in reversed(chain):
        changes = own_changes(data) if parent is not None else []  # before paths are made absolute
        territory = data.get("territory")
        if isinstance(territory, dict) and isinstance(territory.get("overrides_file"), str):
            # A relative path means relative to the file that names it, wherever it is extended from.
            # A path that cannot be resolved is left as written: load_scenario refuses it.
            resolved = _resolved(file.parent / territory["overrides_file"])
            territory["overrides_file"] = territory["overrides_file"] if resolved is None else str(resolved)
        told = {key: merged.get(key) for key in ("description", "description_fr")}
        merged = _deep_merge(merged, data)
        if parent is not None:
            # A variant that changes what is simulated and does not say what it asks gets texts made
            # of its changes, not its parent's (which would tell the parent's story).
            with_variant_texts(merged, parent, changes, set(data), told)
            if "name" not in data:  # its results go to results/<its file>/, never over its parent's
                merged["name"] = name_of_file(file)
        parent = str(merged.get("name") or file.stem)
    return merged


def name_of_file(file: Path) -> str:
    """A scenario name made of a file's stem: accents dropped, any other character that may not be in
    a name (letters, digits, _ . -) made a _: 'Gers autorisé.yaml' -> 'Gers_autorise'."""
    ascii_stem = unicodedata.normalize("NFKD", file.stem).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", ascii_stem)[:100]
    return name if name.strip(".") else f"scenario{name}"[:100]


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


def said(error: dict) -> str:
    """What a validation error expected and what it found, in one phrase (files, --set, ranges)."""
    message, says_found = _describe(error)
    return message if says_found or "input" not in error else f"{message}, found {shown(error['input'])}"


def _describe(error: dict) -> tuple[str, bool]:
    """Message for one validation error, and whether it already says what was found."""
    message, kind, context = error["msg"], error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        allowed = _allowed_keys(error["loc"])
        expected = f"one of {', '.join(allowed)}" if allowed else "no such key"
        return f"unknown key; expected {expected}", False
    if kind == "missing":
        return "expected this key (it is required), found it missing", True
    if kind == "union_tag_invalid":
        return f"expected dist: one of {context['expected_tags']}, found dist: {shown(context['tag'])}", True
    if kind == "union_tag_not_found":
        return "expected a distribution naming its kind (dist: fixed, exponential, ...)", False
    if kind == "model_type":
        return "expected a mapping of keys", False
    if kind == "invalid_key":
        return "expected text keys", False
    if kind in ("too_short", "too_long"):
        bound = context.get("min_length", context.get("max_length"))
        return f"expected {'at least' if kind == 'too_short' else 'at most'} {bound} item(s)", False
    if kind == "string_too_long":
        return f"expected at most {context['max_length']} characters", False
    if kind == "string_pattern_mismatch":
        return f"expected text matching {context['pattern']}", False
    if kind == RULE or message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
        return message, ", found " in message
    if message.startswith("Input should be "):
        return "expected " + message.removeprefix("Input should be "), False
    return f"expected a valid value ({message})", False


# Discriminated unions add the tag to the location (length_of_stay.lognormal.cv); it is no key.
_DIST_TAGS = frozenset(("fixed", "exponential", "lognormal", "gamma", "triangular", "uniform", "empirical"))


def _location(error: dict) -> tuple:
    """Key path of an error: pydantic's location, the tag dropped, and the key a rule names (if any)."""
    where = (error.get("ctx") or {}).get("where") if error["type"] == RULE else None
    return (*_owner(error), *(where.split(".") if where else ()))


def _owner(error: dict) -> tuple:
    """Key path of what was validated: a rule across keys is about the whole mapping that checks it."""
    return tuple(part for part in error["loc"] if part not in _DIST_TAGS)


def _key_path(loc: tuple) -> str:
    """The key path of a location without tags, as messages show it."""
    # "[key]" is pydantic's mark of an error in a dict key: the path ends at that key already.
    return key_text(tuple(part for part in loc if part != "[key]")) or "(top level)"


def _sets(data: Any, loc: tuple) -> bool:
    """Whether one file's own mapping sets the key at ``loc`` (or something below it)."""
    for part in loc:
        if part == "[key]":  # pydantic's mark of an error in a dict key: the key is there
            return True
        in_list = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not (in_list or (isinstance(data, dict) and part in data)):
            return False
        data = data[part]
    return True


def _setter(chain: list[tuple[Path, dict]], loc: tuple, named: str) -> str:
    """The nearest file of the chain that set the key at ``loc`` (or below it); else the first file."""
    file = next((file for file, data in chain if _sets(data, loc)), chain[0][0])
    return _shown_path(file, chain, named)


def _messages(exc: ValidationError, chain: list[tuple[Path, dict]], named: str) -> list[str]:
    """One line per validation error (at most ``MAX_MESSAGES``), naming the file that set the key."""
    errors = exc.errors()
    lines = []
    for error in errors[:MAX_MESSAGES]:
        loc = _location(error)
        file = _setter(chain, _owner(error), named)
        lines.append(f"{file}: {one_line(f'{_key_path(loc)}: {said(error)}')}")
    if len(errors) > MAX_MESSAGES:
        lines.append(f"{named}: (more): expected at most {MAX_MESSAGES} problems, found {len(errors)} in all")
    return lines


def load_scenario(path: Path | str) -> Scenario:
    """Read, merge and validate a scenario file, or raise ScenarioError with one line per problem."""
    named = str(path)
    chain = extends_chain(Path(path), named)
    try:
        scenario = Scenario.model_validate(_merged(chain))
    except ValidationError as exc:
        raise ScenarioError(_messages(exc, chain, named)) from None
    overrides = scenario.territory.overrides_file
    problem = None if overrides is None else file_problem(overrides)
    if problem is not None:
        key = ("territory", "overrides_file")
        found = f"{one_line(str(overrides), 200)}: {problem}"
        message = f"{_setter(chain, key, named)}: {_key_path(key)}: {EXPECTED_FILE}, found {found}"
        raise ScenarioError([message])
    return scenario


def value_at(scenario: Scenario, key: str, origin: str = "--param") -> float:
    """The number at a dotted key path of the scenario (ScenarioError, naming ``origin``, if none)."""
    node: object = scenario.model_dump(mode="json")
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ScenarioError([f"{origin} {key}: expected a key path of the scenario, found no {part!r}"])
        node = node[part]
    if isinstance(node, bool) or not isinstance(node, int | float):
        raise ScenarioError([f"{origin} {key}: expected a number there, found {node!r}"])
    return float(node)


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
        if not math.isfinite(value):
            raise ScenarioError([f"{origin}: {key}: expected a finite number, found {shown(value)}"])
        node[parts[-1]] = round(value) if isinstance(node[parts[-1]], int) else float(value)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(
            [f"{origin}: {one_line(f'{_key_path(_location(e))}: {said(e)}')}" for e in exc.errors()]
        ) from None


def json_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema()
    schema["properties"]["extends"] = {
        "type": "string",
        "description": "Parent scenario file to inherit from.",
    }
    schema["title"] = "occisim scenario"
    return schema
