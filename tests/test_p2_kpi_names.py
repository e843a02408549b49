"""`validate` knows the KPI names without a run, and loads no table library to check a scenario.

The names come from the KPI catalogue, the scenario's indications and the geo/ files' HADs and
peripheral hospitals (``sim.runs.checks.scenario_kpi_names``); they must be exactly those a real run
produces, for every shipped scenario, so that the static list cannot go stale: a KPI added to the
measures without its name in the catalogue fails here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.runs.checks import scenario_kpi_names
from sim.runs.replications import run_replication
from sim.scenario.files import load_scenario
from sim.territory.binding import scenario_territory
from sim.territory.geodata import had_ids, peripheral_hospital_ids

ROOT = Path(__file__).resolve().parents[1]
PROBE_DAYS = 90.0  # long enough for a run to produce every KPI's name


def produced_kpi_names(scenario, territory) -> set[str]:
    """The KPI names a short run of the scenario (no warm-up) produces: the reference."""
    run = scenario.run.model_copy(update={"years": PROBE_DAYS / 365.0, "warmup_days": 0.0})
    return set(run_replication(scenario.model_copy(update={"run": run}), territory, 0).kpis)


SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_names_known_without_a_run_are_those_a_run_produces(path, territory):
    scenario = load_scenario(path)
    bound = scenario_territory(scenario, territory)
    produced = produced_kpi_names(scenario, bound)
    assert scenario_kpi_names(scenario) == produced, (
        f"known but not produced: {sorted(scenario_kpi_names(scenario) - produced)}; "
        f"produced but not known (add them to sim/measures/catalogue.py): "
        f"{sorted(produced - scenario_kpi_names(scenario))}"
    )
    assert scenario_kpi_names(scenario, bound) == produced


def test_the_geo_ids_read_without_pandas_are_the_territorys(territory):
    assert had_ids() == list(territory.hads.index)
    hospitals = territory.hospitals
    assert peripheral_hospital_ids() == [
        h for row, h in enumerate(hospitals.table.index) if row != hospitals.centre
    ]
    assert len(had_ids()) == 14 and "udsma" in had_ids()


def test_validate_refuses_a_per_had_kpi_of_an_unknown_had_and_takes_a_known_one(tmp_path):
    path = tmp_path / "perhad.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: perhad\n"
        "sensitivity:\n  kpis: [had_full_days_per_year_udsma, had_full_days_per_year_nowhere]\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "found 'had_full_days_per_year_nowhere'" in result.output
    assert "udsma'" not in result.output


def test_validate_still_reads_a_scenarios_own_zone_overrides(tmp_path):
    overrides = tmp_path / "overrides.csv"
    overrides.write_text("nope,x\n1,2\n", encoding="utf-8")
    path = tmp_path / "own_zones.yaml"
    path.write_text(
        f"extends: {ROOT / 'scenarios' / 'baseline.yaml'}\nname: own_zones\n"
        f"territory:\n  overrides_file: {overrides}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert "overrides.csv: missing column(s)" in result.output


def test_validate_loads_no_table_library_nor_the_model():
    code = (
        "import sys, json\nfrom typer.testing import CliRunner\nfrom sim.cli import app\n"
        f"paths = {[str(p) for p in SCENARIOS]!r}\n"
        "result = CliRunner().invoke(app, ['validate', *paths])\n"
        "assert result.exit_code == 0 and result.output.count('ok') == len(paths), result.output\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout.splitlines()[-1]))
    heavy = {
        "pandas",
        "geopandas",
        "scipy",
        "matplotlib",
        "simpy",
        "sim.model.engine",
        "sim.territory.catchment",
    }
    assert not loaded & heavy, sorted(loaded & heavy)
    assert "sim.runs.checks" in loaded  # the checks did run
