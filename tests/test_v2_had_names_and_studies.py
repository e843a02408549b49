"""HAD names, not ids, where people read them (territory tables and files, the interactive map), and
the study commands (sensitivity, PSA) in French under --lang fr or OCCISIM_LANG."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from rich.console import Console
from shapely.geometry import box
from short_scenarios import write_short
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs import terminal
from sim.outputs.i18n import NBSP, had_names, place_name
from sim.outputs.study_folders import write_territory
from sim.outputs.webmap import change_layer

GERS = "croix_rouge_gers"


def _ids_as_words(shown: str, ids) -> list[str]:
    return [h for h in ids if re.search(rf"(?<![\w-]){re.escape(h)}(?![\w-])", shown)]


def test_the_territory_table_and_heading_name_the_hads(territory):
    console = Console(width=80, record=True)
    heading = terminal.territory_heading([GERS], ["udsma"])
    console.print(*terminal.territory_tables(territory, heading))
    shown = console.export_text()
    assert _ids_as_words(shown, territory.hads.index) == []
    words = set(re.findall(r"[\w'-]+", shown))
    for name in territory.hads["name"]:  # each name shown, maybe wrapped over lines
        assert set(re.findall(r"[\w'-]+", name)) <= words
    assert heading == f"after +{had_names()[GERS]}, -{had_names()['udsma']}"


def test_commune_zones_csv_has_the_hads_names_next_to_their_ids(territory, tmp_path):
    write_territory(territory, "status quo", tmp_path / "terr")
    communes = pd.read_csv(tmp_path / "terr" / "commune_zones.csv", dtype=str)
    columns = list(communes.columns)
    assert columns[columns.index("hads") + 1] == "hads_names"
    names = territory.hads["name"]
    for ids, named in zip(communes["hads"], communes["hads_names"]):
        assert named == " / ".join(names[h] for h in ids.split())
    shared = communes[communes["hads"].str.contains(" ")]
    assert len(shared) and shared["hads_names"].str.contains(" / ").all()


def test_the_interactive_map_names_a_zone_with_no_patient_by_its_hads():
    zone = f"{GERS} + pasteur"
    areas = gpd.GeoDataFrame(
        {"unit": [zone, "32"]}, geometry=[box(500e3, 6.2e6, 520e3, 6.22e6)] * 2, crs=2154
    )
    changes = pd.DataFrame(
        {
            "unit": ["32"],
            "unit_name": ["Gers (32)"],
            "mean": [22.2],
            "diff_mean": [-9.9],
            "diff_ci_low": [-12.0],
            "diff_ci_high": [-7.8],
            "significant": [True],
            "verdict": ["important"],
        }
    )
    layer = change_layer(areas, changes, {"32": 32.1}, ".1f", 10.0, "fr")
    popups = [f["properties"]["popup"] for f in layer["features"]]
    assert place_name(zone) == f"{had_names()[GERS]} / {had_names()['pasteur']}"
    assert GERS not in popups[0] and "aucun patient" in popups[0]
    assert "Croix-Rouge" in popups[0]
    assert "32,1 &rarr; 22,2" in popups[1] and "évolution : -9,9 [-12,0 ; -7,8] *" in popups[1]
    assert "compte" in popups[1]  # the verdict, in French


@pytest.fixture(scope="module")
def short_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("v2_studies")
    return write_short(folder, "baseline", "base_v2"), write_short(folder, "all_authorised", "all_v2")


def test_sensitivity_in_french(short_files, tmp_path):
    base, _ = short_files
    args = ["sensitivity", str(base), "--param", "costs.had_day_eur=150:350", "--kpi", "cost_total_per_year"]
    args += ["--replications", "2", "--workers", "1", "--out", str(tmp_path / "sens")]
    french = CliRunner(env={"OCCISIM_LANG": "fr", "COLUMNS": "80"}).invoke(app, args)
    assert french.exit_code == 0, french.output
    assert "coût par an, total (EUR) (cost_total_per_year) : référence 1" in french.stdout
    assert "paramètre" in french.stdout and "sensitivity.csv : dossier" in french.stdout
    assert re.search(rf"\d{NBSP}\d{{3}}", french.stdout) and not re.search(r"\d,\d{3}", french.stdout)
    english = CliRunner(env={"OCCISIM_LANG": "", "COLUMNS": "80"}).invoke(
        app, [*args[:-1], str(tmp_path / "en")]
    )
    assert "cost per year, total (EUR) (cost_total_per_year): base 1," in english.stdout
    assert "paramètre" not in english.stdout


def test_psa_in_french(short_files, tmp_path):
    base, other = short_files
    args = ["psa", str(base), str(other), "--iterations", "2", "--replications", "1", "--workers", "1"]
    args += ["--out", str(tmp_path / "psa"), "--lang", "fr"]
    result = CliRunner(env={"COLUMNS": "120"}).invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "all_v2 contre base_v2, 2 tirages x 1 réplications" in result.stdout
    assert "coût incrémental (coût par an, total (EUR)) : moyenne" in result.stdout  # its label, not its key
    assert "intervalle à 95 % de" in result.stdout and "incremental" not in result.stdout
    wrong = CliRunner().invoke(app, [*args[:-1], "de"])
    assert wrong.exit_code == 2 and "--lang: expected one of en, fr, found 'de'" in wrong.stderr
