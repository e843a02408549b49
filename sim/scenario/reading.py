"""Reading one scenario file safely: what is refused before, while and after its YAML is parsed.

- Only a regular file is opened, checked with ``os.stat`` first: a directory, a FIFO or a device
  such as /dev/zero is refused, never read (reading a FIFO can block for ever).
- At most ``MAX_FILE_BYTES`` are read; the text must be UTF-8.
- Scalars follow YAML 1.2 (core schema), not PyYAML's YAML 1.1: ``yes``, ``no``, ``on``, ``off``
  are text, not booleans; ``1:30`` is text, not 90 (sexagesimal); ``012`` is 12, not octal 10;
  ``1e6`` is a number. Only ``true`` and ``false`` are booleans. Text where a number is meant is
  then refused by the schema with the text shown.
- Aliases (``*name``) are refused: the shipped scenarios use none, and a few hundred bytes of nested
  aliases expand to gigabytes (the "billion laughs").
- Nesting deeper than ``MAX_DEPTH`` is refused before it is parsed further.
- A key given twice in one mapping is refused (YAML says keys are unique; PyYAML keeps the last).
- Only the plain YAML types are built: no ``!!binary``, ``!!set``, ``!!python/...`` or ``<<`` merges.

Every refusal is a ``ScenarioError`` of one line: ``FILE: KEY.PATH: expected ..., found ...``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode

from sim.scenario.errors import ScenarioError, one_line, shown

MAX_FILE_BYTES = 1_000_000  # a scenario file is ~15 kB (baseline.yaml); a megabyte is far beyond any
MAX_DEPTH = 50  # nesting of mappings and lists; a scenario nests 6 deep
MAX_INT_DIGITS = 100  # a longer integer is a slip (and Python refuses to read more than 4,300 digits)


def _whole(pattern: str) -> re.Pattern:
    """A pattern matching whole scalars (PyYAML's resolvers only anchor the start)."""
    return re.compile(rf"(?:{pattern})\Z")


_BOOL = _whole(r"true|True|TRUE|false|False|FALSE")
_INT = _whole(r"[-+]?[0-9]+")
_FLOAT = _whole(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_NULL = _whole(r"~|null|Null|NULL|")
_DATE = _whole(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # run.start_date: 2026-01-05


class _Refused(Exception):
    """A problem found while parsing, at a line (and key path, when known)."""

    def __init__(self, mark: Any, key_path: tuple, message: str):
        self.line = mark.line + 1 if mark is not None else None
        self.key_path = key_path
        self.message = message


def _label(index: Any) -> Any:
    """The key path part of the node composed at ``index`` (None for a mapping key or the root)."""
    if isinstance(index, ScalarNode):
        return index.value
    if isinstance(index, int):
        return index
    return None if index is None else "?"


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 scalars, no aliases, bounded nesting and unique keys."""

    yaml_implicit_resolvers: dict = {}  # noqa: RUF012 - PyYAML's class-level registry, filled below
    yaml_constructors: dict = {}  # noqa: RUF012 - idem

    def __init__(self, text: str):
        super().__init__(text)
        self._labels: list[Any] = []  # key path parts of the nodes being composed, None for keys

    def key_path(self) -> tuple:
        return tuple(part for part in self._labels if part is not None)

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        label = _label(index)
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(
                event.start_mark,
                self.key_path() if label is None else (*self.key_path(), label),
                f"expected a value written out (scenario files use no YAML aliases), found *{event.anchor}",
            )
        if len(self._labels) >= MAX_DEPTH:
            raise _Refused(
                event.start_mark,
                self.key_path(),
                f"expected mappings and lists nested at most {MAX_DEPTH} deep, found deeper nesting",
            )
        self._labels.append(label)
        try:
            node = super().compose_node(parent, index)
            node.key_path = self.key_path()
        finally:
            self._labels.pop()
        return node

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        if not isinstance(node, MappingNode):
            raise _Refused(node.start_mark, node.key_path, f"expected a mapping, found {node.id}")
        mapping: dict = {}
        first_line: dict = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                found = f"a {type(key).__name__} as a key"
                raise _Refused(
                    key_node.start_mark, node.key_path, f"expected a text key, found {found}"
                ) from None
            if key in mapping:
                raise _Refused(
                    key_node.start_mark,
                    (*node.key_path, key),
                    f"expected each key once in a mapping, found it twice; first on line {first_line[key]}",
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
            first_line[key] = key_node.start_mark.line + 1
        return mapping


def _scalar(loader: _ScenarioLoader, node: Any, pattern: re.Pattern, what: str) -> str:
    """The text of a scalar tagged as a ``what``, refused unless it is written as YAML 1.2 allows."""
    text = loader.construct_scalar(node)
    if not pattern.fullmatch(text):
        raise _Refused(node.start_mark, node.key_path, f"expected {what}, found {shown(text)}")
    return text


def _bool(loader: _ScenarioLoader, node: Any) -> bool:
    return _scalar(loader, node, _BOOL, "true or false").lower() == "true"


def _int(loader: _ScenarioLoader, node: Any) -> int:
    text = _scalar(loader, node, _INT, "an integer")
    digits = len(text.lstrip("+-"))
    if digits > MAX_INT_DIGITS:
        message = f"expected an integer of at most {MAX_INT_DIGITS} digits, found {digits} digits"
        raise _Refused(node.start_mark, node.key_path, message)
    return int(text)


def _float(loader: _ScenarioLoader, node: Any) -> float:
    text = _scalar(loader, node, _FLOAT, "a number")
    if text.lstrip("+-").lower() in (".inf", ".nan"):
        return float(text.replace(".", ""))
    return float(text)


def _date(loader: _ScenarioLoader, node: Any) -> dt.date:
    text = _scalar(loader, node, _DATE, "a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Refused(node.start_mark, node.key_path, f"expected a calendar date, found {text}") from None


def _undefined(loader: _ScenarioLoader, node: Any) -> None:
    raise _Refused(
        node.start_mark, node.key_path, f"expected plain YAML values, found the tag {shown(node.tag)}"
    )


for _tag, _pattern, _first in (
    ("bool", _BOOL, "tTfF"),
    ("int", _INT, "-+0123456789"),
    ("float", _FLOAT, "-+0123456789."),
    ("null", _NULL, ["~", "n", "N", ""]),
    ("timestamp", _DATE, "0123456789"),
):
    _ScenarioLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", _pattern, list(_first))
for _tag, _constructor in (
    ("null", yaml.SafeLoader.construct_yaml_null),
    ("bool", _bool),
    ("int", _int),
    ("float", _float),
    ("timestamp", _date),
    ("str", yaml.SafeLoader.construct_yaml_str),
    ("seq", yaml.SafeLoader.construct_yaml_seq),
    ("map", yaml.SafeLoader.construct_yaml_map),
):
    _ScenarioLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _constructor)
_ScenarioLoader.add_constructor(None, _undefined)


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a scenario (or data) file, or None; only ``os.stat``, nothing opened."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "nothing there (file not found)"
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        return f"a path that cannot be read ({getattr(exc, 'strerror', None) or exc})"
    mode = info.st_mode
    if not stat.S_ISREG(mode):
        kinds = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a FIFO (named pipe)", stat.S_ISSOCK: "a socket"}
        return next((kind for test, kind in kinds.items() if test(mode)), "a device, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        return f"{info.st_size:,} bytes (at most {MAX_FILE_BYTES:,})"
    return None


EXPECTED_FILE = f"expected a regular file of at most {MAX_FILE_BYTES:,} bytes"


def _read_text(path: Path, name: str) -> str:
    problem = file_problem(path)
    if problem is not None:
        raise ScenarioError([f"{name}: {EXPECTED_FILE}, found {problem}"])
    try:
        # O_NONBLOCK: a FIFO put in the file's place since the check must not block the open.
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([f"{name}: expected a readable file, found {exc.strerror or exc}"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([f"{name}: {EXPECTED_FILE}, found a longer file"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        found = f"byte 0x{raw[exc.start]:02x} at offset {exc.start}, not UTF-8 text"
        raise ScenarioError([f"{name}: expected UTF-8 text, found {found}"]) from None


_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]{1,40}")


def key_text(key_path: tuple) -> str:
    """A key path as messages show it: ``beds.background.length_of_stay`` (odd keys quoted, cut)."""
    return ".".join(
        part if isinstance(part, str) and _PLAIN_KEY.fullmatch(part) else shown(part, 30) for part in key_path
    )


@functools.lru_cache(maxsize=32)
def _parsed(text: str) -> Any:
    """The document of a scenario file's text, parsed once per process and text: a comparison reads
    the same ``extends:`` parents for each of its scenarios. Keyed by the text itself, read anew at
    every call, so a file changed on disk is parsed again. Callers must not change what it returns."""
    loader = _ScenarioLoader(text)  # checks the characters first
    try:
        node = loader.get_single_node()
        return None if node is None else loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: Path, name: str | None = None) -> dict:
    """The top-level mapping of one scenario file; ``name`` is how messages name it (default: path)."""
    name = str(path) if name is None else name
    text = _read_text(path, name)
    try:
        data = copy.deepcopy(_parsed(text))  # each caller owns its copy (files.py pops ``extends``)
    except _Refused as refused:
        where = key_text(refused.key_path) or "(top level)"
        line = f" (line {refused.line})" if refused.line else ""
        raise ScenarioError([one_line(f"{name}: {where}: {refused.message}{line}")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark else "(top level)"
        found = f"a syntax error ({'; '.join(str(part) for part in (exc.context, exc.problem) if part)})"
        raise ScenarioError([one_line(f"{name}: {where}: expected valid YAML, found {found}")]) from None
    except yaml.reader.ReaderError as exc:
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else shown(exc.character)
        found = f"the control character {character} at offset {exc.position}"
        raise ScenarioError([one_line(f"{name}: expected printable text, found {found}")]) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"{type(data).__name__} {shown(data)}"
        raise ScenarioError([f"{name}: expected a mapping of keys at the top level, found {found}"])
    return data
