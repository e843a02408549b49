"""The project stands alone: what users read cites docs/sources.md, never the developers' own files.

Users (planners, health economists) have the repository only. Every fact is cited in
docs/sources.md (thesis lines, French quotes), and every assumption row "M<n>" that a scenario,
the README, the docs or the code cites is a heading there.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"

# What users read: README, architecture notes, docs, geo notes and tables, scenarios, the package.
USER_READ = ("README.md", "ARCHITECTURE.md", "docs/", "geo/", "scenarios/", "sim/")
TEXT_SUFFIXES = {".md", ".py", ".yaml", ".yml", ".csv", ".json", ".txt", ".toml"}

# References to files users do not have (case-sensitive "BRIEF": the developers' domain brief).
FORBIDDEN = ("../shared", "shared/domain", "seed_facts", "seed facts", "BRIEF")

M_CITATION = re.compile(r"\bM(\d+)\b")
M_HEADING = re.compile(r"^#{2,4} M(\d+) \S", re.MULTILINE)


def _tracked_files() -> list[Path]:
    """Files under version control (or, outside a git checkout, every file) that users read."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", *USER_READ],
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split("\0")
        paths = [ROOT / name for name in listed if name]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for entry in USER_READ:
            where = ROOT / entry
            paths += [p for p in where.rglob("*") if p.is_file()] if entry.endswith("/") else [where]
    return sorted(p for p in paths if p.suffix in TEXT_SUFFIXES and p.is_file() and ".venv" not in p.parts)


def _files_text() -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text(encoding="utf-8")) for p in _tracked_files()]


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_user_files_are_found():
    names = {name for name, _ in _files_text()}
    assert {"README.md", "docs/sources.md", "scenarios/baseline.yaml", "geo/README.md"} <= names
    assert any(name.startswith("sim/") for name in names)


@pytest.mark.parametrize("needle", FORBIDDEN)
def test_no_reference_outside_the_repository(needle: str):
    hits = [
        f"{name}:{number}: {line.strip()}"
        for name, text in _files_text()
        for number, line in enumerate(text.splitlines(), start=1)
        if needle in line
    ]
    assert not hits, f"{needle!r} points outside the repository; cite docs/sources.md instead:\n" + "\n".join(
        hits
    )


def test_every_cited_assumption_row_is_a_heading_in_sources():
    headings = set(M_HEADING.findall(SOURCES.read_text(encoding="utf-8")))
    assert headings, "docs/sources.md has no '### M<n> ...' headings"
    scenario_rows = {
        (str(path.relative_to(ROOT)), row)
        for path in sorted((ROOT / "scenarios").glob("*.yaml"))
        for row in M_CITATION.findall(path.read_text(encoding="utf-8"))
    }
    assert scenario_rows, "no scenario cites an M row: the check would prove nothing"
    other_rows = {(name, row) for name, text in _files_text() for row in M_CITATION.findall(text)}
    missing = sorted(f"{name}: M{row}" for name, row in scenario_rows | other_rows if row not in headings)
    assert not missing, "cited but not a heading of docs/sources.md:\n" + "\n".join(missing)


def test_links_into_sources_resolve():
    text = SOURCES.read_text(encoding="utf-8")
    anchors = {_slug(h) for h in re.findall(r"^#{1,4} (.+)$", text, re.MULTILINE)}
    links = [(SOURCES.name, a) for a in re.findall(r"\]\(#([^)]+)\)", text)]
    for name, other in _files_text():
        links += [(name, a) for a in re.findall(r"sources\.md#([^)\s]+)", other)]
    broken = sorted(f"{name}: #{anchor}" for name, anchor in links if anchor not in anchors)
    assert not broken, "links to missing headings of docs/sources.md:\n" + "\n".join(broken)
