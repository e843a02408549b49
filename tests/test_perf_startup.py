"""Start-up: the command line loads heavy libraries only in the commands that use them.

`occisim --help` and every command pay for what ``import sim.cli`` loads, so it must not load the
statistics, plotting, map or table libraries (scipy, matplotlib, geopandas, pandas, pyarrow), nor the
scenario schema; the commands import them when they run. Checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
HEAVY = ("scipy", "scipy.stats", "matplotlib", "geopandas", "pandas", "pyarrow", "sim.scenario.schema")


def modules_loaded_by(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_no_heavy_library():
    loaded = modules_loaded_by("import sim.cli")
    assert not loaded & set(HEAVY), f"import sim.cli loaded {sorted(loaded & set(HEAVY))}"
    assert "typer" in loaded  # the probe did import the command line


def test_help_lists_every_command_without_loading_them():
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom sim.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\nassert result.exit_code == 0, result.output\n"
        "assert 'validate' in result.output and 'compare' in result.output, result.output"
    )
    loaded = modules_loaded_by(code)
    assert not loaded & set(HEAVY), f"occisim --help loaded {sorted(loaded & set(HEAVY))}"


@pytest.mark.parametrize("module", ["sim.measures.statistics", "sim.outputs.terminal"])
def test_modules_the_command_line_reads_leave_scipy_to_their_functions(module):
    loaded = modules_loaded_by(f"import {module}")
    assert "scipy.stats" not in loaded and "matplotlib" not in loaded


def test_statistics_still_compute_their_intervals_once_scipy_is_loaded_on_demand():
    code = (
        "from sim.measures.statistics import mean_with_interval\n"
        "row = mean_with_interval([1.0, 2.0, 3.0, 4.0])\n"
        "assert abs(row['ci_high'] - row['mean'] - 2.0542603) < 1e-6, row"  # t(0.975, 3) s / sqrt(4)
    )
    modules_loaded_by(code)


def test_validate_loads_neither_scipy_stats_nor_matplotlib():
    """`validate` checks without the statistics and plotting libraries.

    It knows the KPI names without a run and the HAD ids from geo/had.csv (sim.runs.checks), so it
    loads neither the territory (geopandas) nor pandas: the test says so.
    """
    code = (
        "from typer.testing import CliRunner\nfrom sim.cli import app\n"
        f"result = CliRunner().invoke(app, ['validate', {str(BASELINE)!r}])\n"
        "assert result.exit_code == 0 and 'ok' in result.output, result.output"
    )
    loaded = modules_loaded_by(code)
    assert "sim.runs.checks" in loaded  # the checks did run
    assert not loaded & {"sim.territory.catchment", "geopandas", "pandas"}  # without the territory
    assert not loaded & {"scipy.stats", "matplotlib"}, sorted(loaded & {"scipy.stats", "matplotlib"})
