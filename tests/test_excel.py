"""Excel for planners: every comparison writes comparison.xlsx (summary, comparison, per-territory
sheets) whose values equal the CSVs, and readable CSVs in the French Excel convention on request."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from short_scenarios import write_short
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs.excel import (
    EXCEL_FR,
    READABLE_COMPARISON,
    READABLE_SUMMARY,
    WORKBOOK,
    comparison_workbook,
    read_csv,
    readable_comparison,
)
from sim.outputs.i18n import had_names
from sim.outputs.writing import COMPARISON, FILES


def _sheet(book, name: str) -> pd.DataFrame:
    rows = list(book[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """One short comparison written in French with French-Excel CSVs: (folder, scenario names)."""
    folder = tmp_path_factory.mktemp("excel")
    base = write_short(folder / "scenarios", "baseline", "base_x")
    other = write_short(folder / "scenarios", "gers_pasteur", "gers_x")
    out = folder / "cmp"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(base),
            str(other),
            "--workers",
            "1",
            "--out",
            str(out),
            "--lang",
            "fr",
            "--excel-csv",
        ],
    )
    assert result.exit_code == 0, result.output
    return out, ["base_x", "gers_x"]


def test_the_workbook_comparison_sheet_equals_comparison_csv(compared):
    out, _ = compared
    book = load_workbook(out / WORKBOOK)
    assert book.sheetnames == ["résumé", "comparaison", "par lieu de résidence"]  # places.csv
    places = _sheet(book, "par lieu de résidence")
    assert len(places) == len(pd.read_csv(out / "places.csv"))
    sheet = _sheet(book, "comparaison")
    table = pd.read_csv(out / "comparison.csv")
    assert len(sheet) == len(table)
    assert list(sheet["Clé de l'indicateur"]) == list(table["kpi"])
    assert list(sheet["scénario"]) == list(table["scenario"])
    for column, header in (
        ("mean", "moyenne"),
        ("ci_low", "IC 95 % bas"),
        ("diff_mean", "différence à la référence"),
    ):
        written = pd.to_numeric(sheet[header]).to_numpy(dtype=float)
        np.testing.assert_allclose(written, table[column].to_numpy(dtype=float), rtol=1e-12, equal_nan=True)
    significant = table["significant"].map({True: "oui", False: "non"}).fillna("")
    assert list(sheet["l'IC de la différence exclut 0"].fillna("")) == list(significant)


def test_the_workbook_summary_sheet_equals_each_scenario_summary(compared):
    out, names = compared
    sheet = _sheet(load_workbook(out / WORKBOOK), "résumé")
    for name in names:
        summary = pd.read_csv(out / name / "summary.csv").set_index("kpi")
        keys = sheet["Clé de l'indicateur"]
        for column, header in (("mean", "moyenne"), ("ci_high", "IC 95 % haut")):
            expected = summary.loc[keys, column].to_numpy(dtype=float)
            written = pd.to_numeric(sheet[f"{name}: {header}"]).to_numpy(dtype=float)
            np.testing.assert_allclose(written, expected, rtol=1e-12, equal_nan=True)


def test_french_excel_csv_has_a_bom_semicolons_and_decimal_commas(compared):
    out, _ = compared
    raw = (out / READABLE_COMPARISON).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: Excel reads the accents
    first, second = raw.decode("utf-8-sig").splitlines()[:2]
    assert first.split(";")[:4] == ["scénario", "Indicateur", "Clé de l'indicateur", "moyenne"]
    mean = second.split(";")[3]
    assert "," in mean and "." not in mean  # decimal comma
    back = read_csv(out / READABLE_COMPARISON, EXCEL_FR)
    table = pd.read_csv(out / "comparison.csv")
    np.testing.assert_allclose(back["moyenne"], table["mean"], rtol=1e-12)
    summary = read_csv(out / "base_x" / READABLE_SUMMARY, EXCEL_FR)
    np.testing.assert_allclose(summary["moyenne"], pd.read_csv(out / "base_x" / "summary.csv")["mean"])


def test_readable_tables_name_hads_not_ids(compared):
    out, _ = compared
    summary = read_csv(out / "base_x" / READABLE_SUMMARY, EXCEL_FR)
    per_had = summary[summary["Clé de l'indicateur"] == "had_patient_days_per_year_croix_rouge_gers"]
    (label,) = per_had["Indicateur"]
    assert had_names()["croix_rouge_gers"] in label and "croix_rouge_gers" not in label


def test_the_workbook_is_one_of_the_files_a_comparison_may_hold(compared):
    out, _ = compared
    assert {WORKBOOK, READABLE_COMPARISON} <= set(FILES[COMPARISON])
    assert json.loads((out / "manifest.json").read_text())["kind"] == "comparison"


def test_territory_tables_become_sheets(tmp_path):
    places = pd.DataFrame(
        {
            "level": ["department"] * 2,
            "unit": ["32", "09"],
            "kpi": ["km_per_episode"] * 2,
            "mean": [2240.5, 310.0],
        }
    )
    places.to_csv(tmp_path / "places.csv", index=False)  # as sim.outputs.folders.write_places writes it
    summaries = {"a": pd.DataFrame({"kpi": ["x"], "mean": [1.0], "ci_low": [0.5], "ci_high": [1.5]})}
    table = pd.DataFrame(
        {
            "scenario": ["a"],
            "kpi": ["x"],
            "mean": [1.0],
            "ci_low": [0.5],
            "ci_high": [1.5],
            "significant": [np.nan],
        }
    )
    comparison_workbook(tmp_path, table, summaries, "en")
    book = load_workbook(tmp_path / WORKBOOK)
    assert book.sheetnames == ["summary", "comparison", "by place of residence"]
    sheet = _sheet(book, "by place of residence")
    assert list(sheet["code"]) == ["32", "09"]  # department codes stay text
    assert list(sheet["mean"]) == [2240.5, 310.0]
    assert list(sheet["KPI"]) == ["km travelled per episode"] * 2
    assert list(sheet["level"]) == ["department of residence"] * 2


def test_readable_comparison_in_english_keeps_every_row():
    table = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "kpi": ["bed_occupancy", "bed_occupancy"],
            "mean": [0.8, 0.9],
            "ci_low": [0.7, 0.8],
            "ci_high": [0.9, 1.0],
            "diff_mean": [np.nan, 0.1],
            "significant": [np.nan, True],
        }
    )
    readable = readable_comparison(table)
    assert list(readable["KPI"]) == ["bed occupancy (of the beds open)"] * 2
    assert list(readable["CI of the difference excludes 0"]) == ["", "yes"]


def test_the_scenario_output_section_chooses_language_and_convention(monkeypatch):
    from scenario_variants import baseline_variant

    from sim.outputs.excel import readable_for

    monkeypatch.delenv("OCCISIM_LANG", raising=False)
    scenario = baseline_variant(**{"output.csv": "excel-fr", "output.lang": "fr"})
    assert readable_for(scenario) == readable_for(scenario, "fr", excel_csv=False)
    assert (readable_for(scenario).lang, readable_for(scenario).csv) == ("fr", EXCEL_FR)
    assert readable_for(baseline_variant()).csv == "standard"
    assert readable_for(baseline_variant(), excel_csv=True).csv == EXCEL_FR
    assert scenario.hash() == baseline_variant().hash()  # how results are written is not the model


def test_readable_comparison_says_whether_a_difference_matters():
    """The terminal's '!' (the difference reaches the KPI's MID) had no column."""
    table = pd.DataFrame(
        {
            "scenario": ["a", "b", "c"],
            "kpi": ["bed_occupancy"] * 3,
            "mean": [0.8, 0.9, 0.81],
            "diff_mean": [np.nan, 0.1, 0.01],
            "significant": [np.nan, True, True],
            "mid": [0.02] * 3,
            "important": [False, True, False],
        }
    )
    sheet = readable_comparison(table, "fr")
    assert sheet["la différence l'atteint"].tolist() == ["", "oui", "non"]  # the base: no difference
    assert sheet["l'IC de la différence exclut 0"].tolist() == ["", "oui", "oui"]
    assert sheet["plus petite différence importante"].tolist() == [0.02] * 3
