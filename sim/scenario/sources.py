"""Parameter sources: the comment beside each key of a scenario file, over its ``extends:`` chain.

Every baseline parameter carries its source (thesis line) or the word *assumption* as an inline
YAML comment; these functions read them back so reports can show where each number comes from.
"""

from __future__ import annotations

import re
from pathlib import Path

from sim.scenario.files import extends_chain

_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_]+):(?P<rest>.*)$")


def _comments(path: Path) -> dict[str, str]:
    """Inline comment of every key a YAML file sets, by dotted key path ('' where none)."""
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _KEY_LINE.match(line)
        if not match:
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        rest = match["rest"]
        found[".".join(k for _, k in stack)] = rest.split("#", 1)[1].strip() if "#" in rest else ""
    return found


def parameter_sources(scenario_file: Path) -> dict[str, tuple[str, str]]:
    """Comment per key path over the whole ``extends:`` chain: {key: (comment, file it came from)}."""
    sources: dict[str, tuple[str, str]] = {}
    # A key set again by a child takes the child's comment, even none.
    for file, _ in reversed(extends_chain(scenario_file)):
        for key, comment in _comments(file).items():
            sources[key] = (comment, file.name)
    return sources
