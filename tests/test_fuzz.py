"""Property: any mutation of a shipped scenario loads, or is refused by one clear line per problem.

Mutations: values replaced by YAML 1.1 surprises, wrong types, non-finite or extreme numbers,
odd text; keys deleted, duplicated, re-indented or unknown; aliases, deep nesting, malformed
YAML, truncation, other encodings; ``extends:`` pointed at what is no scenario file; and the same
mutations in a parent file. Either ``load_scenario`` (then ``scenario_territory``) accepts the
file, or it raises ScenarioError whose every message is one line naming a file, saying what was
expected, of bounded length. Any other exception, or a hang, is a bug.

The CI budget is fixed and derandomised (reproducible, ~10 s); OCCISIM_FUZZ_EXAMPLES=5000 runs a
longer, random search (a few minutes).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario.errors import LINE_CHARS, ScenarioError
from sim.scenario.files import load_scenario
from sim.scenario.schema import Scenario
from sim.territory.binding import scenario_territory
from sim.territory.catchment import Territory
from sim.territory.geodata import TerritoryDataError

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = {path.name: path.read_text(encoding="utf-8") for path in sorted(SCENARIOS.glob("*.yaml"))}
LONG = "OCCISIM_FUZZ_EXAMPLES" in os.environ  # a longer, randomised search, by hand
EXAMPLES = int(os.environ.get("OCCISIM_FUZZ_EXAMPLES", "150"))

# Scalars a hand (or a fuzzer) may put where a value is expected.
NASTY = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "1:30",
    "190:20:30",
    "0x1F",
    "0o17",
    "012",
    "1_000",
    "1e400",
    "-1e400",
    ".inf",
    "-.inf",
    ".nan",
    ".NaN",
    "-0",
    "0",
    "-1",
    "1e-300",
    "1.0e+300",
    "1e6",
    "10000000",
    "9" * 5000,
    "~",
    "null",
    "''",
    '""',
    "'[/x]'",
    "[/x]",
    "[bold]x[/bold]",
    "true",
    "false",
    "True",
    "2026-13-45",
    "9999-12-31",
    "0001-01-01",
    "2026-01-05T10:00:00",
    "[]",
    "{}",
    "[[]]",
    "[1, 2]",
    "{dist: fixed}",
    "{dist: weibull, mean: 2}",
    "{dist: gamma, mean: 3, cv: 1.0e-200}",
    "{dist: empirical, values: [-1, .nan], weights: [0, 0]}",
    "{dist: empirical, values: []}",
    "*undefined",
    "&a 3",
    "!!python/object/apply:os.system ['true']",
    "!!binary aGk=",
    "!!set {a}",
    "!!float 1:30",
    "!!int yes",
    "!!str 3",
    "!custom x",
    "|\n  text",
    ">-",
    "'unterminated",
    '"\\x"',
    "{",
    "[",
    "}",
    "]",
    "- a",
    "? x",
    "%YAML 1.1",
    "---",
    "...",
    "@",
    "`",
    "\t3",
    "x" * 2000,
]
EXTENDS_TARGETS = [
    "''",
    "'   '",
    ".",
    "/",
    "/dev/zero",
    "/dev/null",
    "pipe.yaml",
    "missing.yaml",
    "mutant.yaml",
    "[baseline.yaml]",
    "7",
    "{a: 1}",
    "../" * 40 + "etc/passwd",
    "'\\0'",
    "x" * 5000,
]

_VALUE_LINE = re.compile(r"^(?P<head>\s*(?:- )?[A-Za-z0-9_]+:)(?P<value>[^#\n]*)(?P<comment>#.*)?$")
_FLOW_VALUE = re.compile(r"(?P<head>[{,]\s*[A-Za-z0-9_]+:\s*)(?P<value>[^,}\]]+)")


def _nasty_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(NASTY),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.floats().map(
            lambda x: (
                ".nan"
                if x != x
                else ".inf"
                if x == float("inf")
                else "-.inf"
                if x == -float("inf")
                else repr(x)
            )
        ),
        st.text(max_size=30).map(json.dumps),  # any characters, as a double-quoted YAML string
        st.integers(min_value=1, max_value=300).map(lambda depth: "[" * depth + "]" * depth),
    )


@st.composite
def _edit(draw: st.DrawFn, lines: list[str]) -> list[str]:
    """One edit of the scenario text, as a list of lines."""
    lines = list(lines) or [""]  # an earlier edit may have left nothing
    i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
    line = lines[i]
    kind = draw(
        st.sampled_from(
            [
                "value",
                "value",
                "value",
                "flow",
                "delete",
                "duplicate",
                "indent",
                "unknown_key",
                "text",
                "truncate",
                "alias",
                "extends",
            ]
        )
    )
    if kind == "value" and (match := _VALUE_LINE.match(line)):
        lines[i] = f"{match['head']} {draw(_nasty_value())}"
    elif kind == "flow" and (matches := list(_FLOW_VALUE.finditer(line))):
        match = draw(st.sampled_from(matches))
        lines[i] = line[: match.start("value")] + draw(_nasty_value()) + line[match.end("value") :]
    elif kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(i, line)
    elif kind == "indent":
        lines[i] = line[2:] if draw(st.booleans()) else "  " + line
    elif kind == "unknown_key":
        indent = len(line) - len(line.lstrip(" "))
        lines.insert(
            i,
            " " * indent + f"{draw(st.sampled_from(['bogus', 'capcity', 'dist', 'extends', '<<', 'on']))}: 1",
        )
    elif kind == "text":
        position = draw(st.integers(min_value=0, max_value=len(line)))
        lines[i] = line[:position] + draw(st.text(max_size=10)) + line[position:]
    elif kind == "truncate":
        lines = [*lines[:i], line[: draw(st.integers(min_value=0, max_value=len(line)))]]
    elif kind == "alias":
        lines += ["anchored: &x [1, 2, 3]", f"{draw(st.sampled_from(['aliased', 'description']))}: *x"]
    elif kind == "extends":
        lines = [line for line in lines if not line.startswith("extends:")]
        lines.insert(0, f"extends: {draw(st.sampled_from(EXTENDS_TARGETS))}")
    return lines


@st.composite
def _mutant(draw: st.DrawFn) -> tuple[str, bytes, bool]:
    """(shipped file mutated, mutated bytes, whether the mutant is the parent of a pristine variant)."""
    name = draw(st.sampled_from(sorted(SHIPPED)))
    as_parent = name != "baseline.yaml" and draw(st.integers(min_value=0, max_value=4)) == 0
    lines = SHIPPED["baseline.yaml" if as_parent else name].splitlines()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        lines = draw(_edit(lines))
    text = "\n".join(lines) + "\n"
    encoding = draw(st.sampled_from(["utf-8"] * 12 + ["latin-1", "utf-16", "utf-8-sig", "bytes"]))
    if encoding == "bytes":
        data = text.encode("utf-8")
        position = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:position] + draw(st.binary(min_size=1, max_size=8)) + data[position:]
    else:
        data = text.encode(encoding, errors="replace")
    return name, data, as_parent


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped scenarios (variants extend baseline.yaml beside them), and a FIFO."""
    directory = tmp_path_factory.mktemp("fuzz")
    for name in SHIPPED:
        shutil.copy(SCENARIOS / name, directory / name)
    os.mkfifo(directory / "pipe.yaml")
    return directory


@functools.cache
def _territory() -> Territory:
    return Territory.load()  # once per module (a fixture's repr would swamp Hypothesis's reports)


def _assert_clear(messages: list[str], directory: Path | None) -> None:
    assert messages
    for message in messages:
        assert len(message.splitlines()) == 1 and "\n" not in message, message
        assert "expected" in message and "found" in message, message
        if directory is not None:  # the file at fault: the mutant, its parent, or what extends: names
            assert message.startswith(f"{directory}/") or Path(message.split(": ", 1)[0]).is_file(), message
        assert len(message) <= len(str(directory or "")) + 40 + LINE_CHARS, message


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG,  # CI explores the same examples every time
    database=None,  # a failure is printed in full; nothing written beside the repository
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(mutant=_mutant())
def test_mutated_scenarios_load_or_are_refused_clearly(mutant: tuple[str, bytes, bool], workdir: Path):
    name, data, as_parent = mutant
    path = workdir / "mutant.yaml"
    if as_parent:
        (workdir / "parent.yaml").write_bytes(data)
        path.write_text(
            SHIPPED[name].replace("extends: baseline.yaml", "extends: parent.yaml"), encoding="utf-8"
        )
    else:
        path.write_bytes(data)
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        _assert_clear(exc.messages, workdir)
        return
    assert isinstance(scenario, Scenario)
    try:
        scenario_territory(scenario, _territory())
    except (ScenarioError, TerritoryDataError) as exc:  # HAD ids checked against geo/had.csv
        _assert_clear(getattr(exc, "messages", [str(exc)]), None)
