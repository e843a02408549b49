"""French for planners: --lang fr (or OCCISIM_LANG, or output.lang) in terminal tables, readable CSV
headers and the report, with French number formats; every catalogue KPI has a French label."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from short_scenarios import write_short
from typer.testing import CliRunner

from sim.cli import app
from sim.measures.catalogue import KPI_CATALOGUE
from sim.measures.catalogue_fr import KPI_LABELS_FR
from sim.outputs.i18n import NBSP, LanguageError, choose_language, had_names, kpi_label, number
from sim.outputs.text import format_difference, format_interval


def test_french_numbers_group_thousands_and_write_a_decimal_comma():
    assert number(1_380_300.4, ",.0f", "fr") == f"1{NBSP}380{NBSP}300"
    assert number(21.63, ".1f", "fr") == "21,6"
    assert number(0.84, ".0%", "fr") == f"84{NBSP}%"
    assert number(1_380_300.4, ",.0f", "en") == "1,380,300"
    assert number(float("nan"), ".1f", "fr") == "–"


def test_a_french_interval_separates_its_bounds_with_a_semicolon():
    assert format_interval(21.63, 20.0, 23.26, ".1f", lang="fr") == "21,6 [20,0 ; 23,3]"
    assert format_difference(0.012, 0.004, 0.02, ".1%", "fr") == "1,2 pts [0,4 ; 2,0]"
    assert format_interval(21.63, 20.0, 23.26, ".1f") == "21.6 [20.0, 23.3]"  # English unchanged


def test_every_catalogue_kpi_has_a_french_label():
    keys = [key for key, *_ in KPI_CATALOGUE]
    assert set(KPI_LABELS_FR) == set(keys)
    assert all(KPI_LABELS_FR[k].strip() for k in keys)
    english = {key: label.strip() for key, label, *_ in KPI_CATALOGUE}
    same = [k for k in keys if KPI_LABELS_FR[k].strip() == english[k]]
    assert same == ["cost_drug_per_year"]  # "blinatumomab" is the same word in both languages


def test_french_labels_keep_the_catalogue_indentation_and_per_had_kpis_name_the_had():
    assert kpi_label("episodes_route_had_per_year", "fr").startswith("  phase à domicile")
    assert kpi_label("episodes_route_had_per_year", "fr", indent=False).startswith("phase")
    label = kpi_label("had_patient_days_per_year_croix_rouge_gers", "fr")
    assert "croix_rouge_gers" not in label and had_names()["croix_rouge_gers"] in label
    assert kpi_label("not_a_kpi", "fr") == "not_a_kpi"


def test_the_language_comes_from_the_option_then_the_environment_then_the_scenario(monkeypatch):
    monkeypatch.delenv("OCCISIM_LANG", raising=False)
    assert choose_language(None, None) == "en"
    assert choose_language(None, "fr") == "fr"
    monkeypatch.setenv("OCCISIM_LANG", "fr")
    assert choose_language(None, "en") == "fr"
    assert choose_language("en", "fr") == "en"
    monkeypatch.setenv("OCCISIM_LANG", "de")
    with pytest.raises(LanguageError, match="OCCISIM_LANG: expected one of en, fr, found 'de'"):
        choose_language(None, None)


@pytest.fixture(scope="module")
def short_base(tmp_path_factory):
    return write_short(tmp_path_factory.mktemp("scenarios"), "baseline", "base_fr")


def _run(args, env=None):
    result = CliRunner(env=env).invoke(app, args)
    return result


def test_run_in_french_prints_french_tables_and_writes_french_headers(short_base, tmp_path):
    out = tmp_path / "fr"
    result = _run(["run", str(short_base), "--workers", "1", "--out", str(out), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "Indicateur" in result.stdout and "taux d'occupation des lits" in result.stdout
    assert "bed occupancy" not in result.stdout
    header = (out / "readable_summary.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Indicateur,Clé de l'indicateur,moyenne,IC 95 % bas")
    assert (out / "summary.csv").read_text().startswith("kpi,mean,ci_low")  # machine file unchanged


def test_the_environment_and_the_scenario_choose_french_too(short_base, tmp_path):
    by_env = _run(
        ["run", str(short_base), "--workers", "1", "--out", str(tmp_path / "a")], env={"OCCISIM_LANG": "fr"}
    )
    assert by_env.exit_code == 0 and "taux d'occupation des lits" in by_env.stdout
    french = write_short(tmp_path / "s", "baseline", "base_fr2", extra="output:\n  lang: fr\n")
    by_file = _run(
        ["run", str(french), "--workers", "1", "--out", str(tmp_path / "b")], env={"OCCISIM_LANG": ""}
    )
    assert by_file.exit_code == 0 and "taux d'occupation des lits" in by_file.stdout


def test_an_unknown_language_is_refused_in_one_line_before_any_run(short_base, tmp_path):
    result = _run(["run", str(short_base), "--out", str(tmp_path / "x"), "--lang", "de"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == ["error: --lang: expected one of en, fr, found 'de'"]
    assert not (tmp_path / "x").exists()


def test_the_report_in_french(short_base, tmp_path):
    from sim.outputs.report import build_report

    out = tmp_path / "run"
    assert _run(["run", str(short_base), "--workers", "1", "--out", str(out)]).exit_code == 0
    french = build_report([out], lang="fr")
    assert "Indicateurs clés" in french and html.escape("Taux d'occupation des lits") in french
    assert f"{NBSP}%" in french
    english = build_report([out])
    assert "Key performance indicators" in english and "Indicateurs clés" not in english


def test_compare_and_report_in_french_say_what_they_wrote_in_french(short_base, tmp_path):
    other = write_short(tmp_path / "s", "gers_pasteur", "gers_fr")
    out = tmp_path / "cmp"
    compared = _run(
        ["compare", str(short_base), str(other), "--workers", "1", "--out", str(out), "--lang", "fr"]
    )
    assert compared.exit_code == 0, compared.output
    reported = _run(["report", str(out), "--lang", "fr"])
    assert reported.exit_code == 0, reported.output
    said = " ".join((compared.output + reported.output).split())  # lines folded to the terminal's width
    assert "manifest.json, un dossier de résultats par scénario)" in said
    assert "rapport : " in said and " Mo, autonome)" in said
    for english in ("one result folder each", "replications", "report written to", "building the report"):
        assert english not in said, english


def test_the_places_sheet_of_the_workbook_is_in_french():
    """Its headers were places.csv's (scenario, level, unit_name, …) and its words English."""
    import pandas as pd

    from sim.outputs.excel import readable_places

    places = pd.DataFrame(
        {
            "scenario": ["b", "b"],
            "level": ["department", "had_zone"],
            "unit": ["09", "udsma"],
            "unit_name": ["Ariège (09)", "UDSMA"],
            "kpi": ["episodes_per_year", "episodes_per_year"],
            "mean": [0.4, 1.0],
            "significant": ["True", "False"],  # as read back from the CSV
            "important": [True, False],
            "verdict": ["important", "negligible"],
        }
    )
    sheet = readable_places(places, "fr")
    assert list(sheet.columns[:6]) == [
        "scénario",
        "niveau",
        "code",
        "lieu",
        "Indicateur",
        "Clé de l'indicateur",
    ]
    assert sheet["niveau"].tolist() == ["département de résidence", "zone d'HAD de résidence"]
    assert sheet["verdict"].tolist() == ["compte", "négligeable"]
    assert sheet["l'IC de la différence exclut 0"].tolist() == ["oui", "non"]
    assert sheet["la différence l'atteint"].tolist() == ["oui", "non"]
    assert (
        sheet["code"].tolist() == ["09", "udsma"]
        and sheet["Clé de l'indicateur"].iloc[0] == "episodes_per_year"
    )


def test_counts_agree_with_their_noun():
    """'1 paramètre(s) modifié(s)', '5 an(s)': French says 1 paramètre, 0 an, 2 ans; English 0 years."""
    from sim.outputs.i18n import plural, text

    said = text("params_changed", "fr", name="a", count=1, s=plural(1, "fr"), base="b")
    assert said == "a : 1 paramètre modifié par rapport à b"
    assert text("params_changed", "fr", name="a", count=3, s=plural(3, "fr"), base="b").endswith(
        "3 paramètres modifiés par rapport à b"
    )
    assert text("stress_4_2", "fr", years="5", s=plural(5, "fr")).startswith("5 ans après")
    assert text("stress_4_2", "en", years="1", s=plural(1)).startswith("1 year after")
    assert [plural(n, "fr") for n in (0, 1, 1.5, 2)] == ["", "", "", "s"]
    assert [plural(n) for n in (0, 1, 2)] == ["s", "", "s"]


def test_validate_speaks_the_language_chosen(monkeypatch):
    runner = CliRunner()
    monkeypatch.delenv("OCCISIM_LANG", raising=False)
    baseline = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    said = runner.invoke(app, ["validate", baseline, "--lang", "fr"])
    assert said.exit_code == 0 and "(baseline, empreinte " in said.stdout
    monkeypatch.setenv("OCCISIM_LANG", "fr")
    assert "empreinte" in runner.invoke(app, ["validate", baseline]).stdout
    english = runner.invoke(app, ["validate", baseline, "--lang", "en"])
    assert "(baseline, hash " in english.stdout
    wrong = runner.invoke(app, ["validate", baseline, "--lang", "de"])
    assert wrong.exit_code == 2 and "--lang: expected one of en, fr, found 'de'" in wrong.output
