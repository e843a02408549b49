"""The French planners' guide (docs/guide_fr.md) says only what the repository holds.

Its quotes of the thesis are verbatim in docs/sources.md with the same line ranges, the shipped
scenarios and HAD ids it names exist, its example scenario validates, and its commands are
commands occisim has, with options they take.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.scenario.files import load_scenario

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "guide_fr.md").read_text(encoding="utf-8")
SOURCES = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")


def _squeezed(text: str) -> str:
    return " ".join(text.split())


def test_every_thesis_quote_is_verbatim_in_sources():
    quotes = re.findall(r"«\s*(.+?)\s*»", GUIDE, flags=re.DOTALL)
    assert len(quotes) >= 8
    sources = _squeezed(SOURCES)
    for quote in quotes:
        assert _squeezed(quote) in sources, quote


def test_every_thesis_line_range_is_cited_in_sources():
    ranges = re.findall(r"003:(\d+(?:-\d+)?)", GUIDE)
    assert len(ranges) >= 10
    for lines in ranges:
        assert f"003:{lines}" in SOURCES, lines


def test_the_scenarios_and_hads_it_names_exist():
    for name in set(re.findall(r"`([a-z0-9_]+\.yaml)`", GUIDE)) - {"baseline.yaml"}:
        assert (ROOT / "scenarios" / name).is_file(), name
    had_ids = {line.split(",")[0] for line in (ROOT / "geo" / "had.csv").read_text().splitlines()}
    named = set(re.findall(r"`(croix_rouge_gers|udsma|moissac|quatre_vents|[a-z_]+_gers)`", GUIDE))
    named |= set(re.findall(r"authorise: \[([a-z_]+)\]", GUIDE))
    assert named and named <= had_ids


def test_its_example_scenario_validates(tmp_path):
    example = re.search(r"```yaml\n(extends: baseline\.yaml\n.*?)```", GUIDE, flags=re.DOTALL).group(1)
    path = tmp_path / "gers_autorise.yaml"
    baseline = str(ROOT / "scenarios" / "baseline.yaml")
    path.write_text(example.replace("baseline.yaml", baseline), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "gers_autorise" and scenario.question_fr.startswith("Et si")


COMMANDS = [
    line
    for block in re.findall(r"```bash\n(.*?)```", GUIDE, flags=re.DOTALL)
    for line in block.splitlines()
    if line.strip()
]


@pytest.mark.parametrize("line", COMMANDS)
def test_each_command_is_one_occisim_has_with_options_it_takes(line):
    """Each ``occisim`` call of the guide, checked by its own parser (options, not runs)."""
    last = line.split("&&")[-1].strip()
    words = shlex.split(last)
    assert Path(words[0]).name == "occisim", line
    command, *rest = words[1:]
    options = [w.split("=")[0] for w in rest if w.startswith("--")]
    shown = CliRunner().invoke(app, [command, "--help"])
    assert shown.exit_code == 0, shown.output
    for option in options:
        assert option in shown.output, f"{command} has no {option}"
