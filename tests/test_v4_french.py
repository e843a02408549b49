"""French for the outputs that still spoke English: `occisim territory`, `occisim calibrate` and
`occisim warmup` (lines, tables, map and figures), the tornado's parameter names, and the report's
STRESS-DES item 5.2. Each French output holds none of the English texts its English version is made
of (taken from the code's own English tables), and each English output is as it was."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import matplotlib.figure
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text
from rich.console import Console

from sim.outputs import terminal
from sim.outputs.bands import SHORT_NAMES, SHORT_NAMES_FR, calibration_table, design_figure
from sim.outputs.economics_figures import PARAMETER_NAMES_FR, parameter_name, tornado_figure
from sim.outputs.figures import warmup_figure
from sim.outputs.i18n import TEXTS, text, text_list
from sim.outputs.i18n_studies import STUDY_TEXTS
from sim.outputs.study_folders import write_territory
from sim.runs.calibration import DEFAULT_TARGETS, calibrate_band, probe_warmup
from sim.runs.sensitivity import one_way, parse_parameter
from sim.scenario.files import load_scenario
from tests.scenario_variants import baseline_variant
from tests.short_scenarios import write_short

REPO = Path(__file__).resolve().parents[1]
GERS = "croix_rouge_gers"


def _english_only(*prefixes: str) -> list[str]:
    """The English texts (each part of a '|' list, the words before any {field}) of the study texts
    with these key prefixes that French writes differently."""
    phrases = []
    for key, (english, french) in STUDY_TEXTS.items():
        if not key.startswith(prefixes):
            continue
        for part in english.split("|"):
            for piece in part.replace("[bold]", "{").replace("[/]", "{").split("{"):
                phrase = piece.split("}")[-1].strip(" :;,()[]")
                if len(phrase) > 3 and phrase.lower() not in french.lower():
                    phrases.append(phrase)
    return phrases


def _left(phrases: list[str], output: str) -> list[str]:
    """The phrases found in the output as words (not inside a file name like unauthorised_by_...)."""
    return [p for p in phrases if re.search(rf"(?<![\w.]){re.escape(p)}(?![\w.])", output)]


def _occisim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    occisim = Path(sys.executable).with_name("occisim")
    return subprocess.run(
        [occisim, *args], capture_output=True, text=True, cwd=cwd, timeout=600, env={"COLUMNS": "200"}
    )


def _figure_text(fig: matplotlib.figure.Figure) -> str:
    """Every text a figure draws (titles, axis labels, ticks, legend), one per line."""
    fig.canvas.draw()  # tick labels exist once drawn
    return "\n".join(t.get_text() for t in fig.findobj(Text) if t.get_text())


@contextmanager
def saved_figure_texts() -> Iterator[list[str]]:
    """The texts of every figure saved inside the block, as it is saved."""
    texts: list[str] = []
    original = matplotlib.figure.Figure.savefig

    def recording(fig, *args, **kwargs):
        texts.append(_figure_text(fig))
        return original(fig, *args, **kwargs)

    matplotlib.figure.Figure.savefig = recording
    try:
        yield texts
    finally:
        matplotlib.figure.Figure.savefig = original


def test_the_study_texts_do_not_redefine_any_other_text():
    assert all(TEXTS[key] == pair for key, pair in STUDY_TEXTS.items())
    repeated = [k for k, pair in TEXTS.items() if k not in STUDY_TEXTS and pair in STUDY_TEXTS.values()]
    assert not repeated, f"study texts that repeat {repeated}: use those keys"
    assert _english_only("territory_") and _english_only("calibration_") and _english_only("warmup_")


# --- occisim territory ----------------------------------------------------------------------------


def test_territory_speaks_french_and_english_is_as_before(tmp_path):
    args = ["territory", "--authorise", GERS, "--revoke", "udsma"]
    french = _occisim(*args, "--lang", "fr", "--out", str(tmp_path / "fr"), cwd=tmp_path)
    english = _occisim(*args, "--out", str(tmp_path / "en"), cwd=tmp_path)
    assert french.returncode == 0 and english.returncode == 0, french.stderr + english.stderr
    assert "Zones d'HAD, après +HAD Croix-Rouge Française (Auch), -UDSMA (Rodez)" in french.stdout
    assert "carte et tableaux : dossier" in french.stdout and "1\u00a0380\u00a0330" in french.stdout
    assert "│ oui " in french.stdout and "│ non " in french.stdout and "│ total " in french.stdout
    left = _left([*_english_only("territory_"), "│ yes", "│ no", "│ all"], french.stdout)
    assert not left, f"English left in `occisim territory --lang fr`: {left}"
    # English: the texts as they were written before French came
    for before in (
        "HAD zones, after +HAD Croix-Rouge Française (Auch), -UDSMA (Rodez)",
        "Catchment population with no authorised HAD, by department",
        "communes_without",
        "share_without",
        "1,380,330",
        "│ all ",
        "map and tables written to ",
    ):
        assert before in english.stdout, before
    # the CSVs are for scripts: the same in both languages
    for name in ("coverage_by_had.csv", "unauthorised_by_department.csv", "commune_zones.csv"):
        assert (tmp_path / "fr" / name).read_bytes() == (tmp_path / "en" / name).read_bytes()


def test_territory_language_from_the_scenario_and_a_bad_one_refused(tmp_path):
    scenario = tmp_path / "fr.yaml"
    scenario.write_text(f"extends: {REPO / 'scenarios/baseline.yaml'}\nname: fr\noutput:\n  lang: fr\n")
    done = _occisim("territory", "--scenario", str(scenario), "--out", str(tmp_path / "t"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Zones d'HAD, statu quo (thèse, tableau 27)" in done.stdout
    bad = _occisim("territory", "--lang", "de", "--out", str(tmp_path / "u"), cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "--lang" in bad.stderr
    assert not (tmp_path / "u").exists()


def test_the_territory_map_speaks_the_language(territory, tmp_path):
    for lang in ("en", "fr"):
        heading = terminal.territory_heading([], [], lang)
        with saved_figure_texts() as texts:
            write_territory(territory, heading, tmp_path / lang, lang=lang)
        (drawn,) = texts
        if lang == "en":
            assert "HAD zones and home-chemotherapy authorisation: status quo (thesis Tableau 27)" in drawn
            assert "HAD main site, not authorised" in drawn
        else:
            assert "Zones d'HAD et autorisation de la chimiothérapie à domicile : statu quo" in drawn
            english = _english_only("territory_") + [TEXTS[k][0] for k in TEXTS if k.startswith("map_")]
            assert not _left([p for p in english if p != "IUCT-Oncopole (Toulouse)"], drawn)


def test_territory_tables_in_english_keep_their_columns(territory):
    for lang in ("en", "fr"):
        zones, gaps = terminal.territory_tables(territory, terminal.territory_heading([], [], lang), lang)
        headers = [str(c.header) for c in zones.columns] + [str(c.header) for c in gaps.columns]
        if lang == "en":
            assert str(zones.title) == "HAD zones, status quo (thesis Tableau 27)"
            assert headers == [
                *["HAD", "site", "authorised", "communes", "population", "of which shared"],
                *["dep", "communes_without", "population_without", "population", "share_without"],
            ]
        else:
            assert str(zones.title) == "Zones d'HAD, statu quo (thèse, tableau 27)"
            english = [*text_list("territory_zones_columns"), *text_list("territory_gaps_columns")]
            assert not [
                h for h in headers if h in english and h not in ("HAD", "site", "communes", "population")
            ]


# --- occisim calibrate ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibration():
    short = baseline_variant(run={"years": 1.0, "warmup_days": 60.0})
    return calibrate_band(short, DEFAULT_TARGETS, points=2, replications=2, seed=3, workers=1)


def _table_text(table) -> str:
    console = Console(record=True, width=250)
    console.print(table)
    return console.export_text()


def test_the_calibration_table_speaks_french(calibration):
    french, english = (
        _table_text(calibration_table(calibration, "fr")),
        _table_text(calibration_table(calibration)),
    )
    phrases = _english_only("calibration_") + list(SHORT_NAMES.values()) + [t.kpi for t in DEFAULT_TARGETS]
    assert not _left([*phrases, "yes", "no"], french), _left(phrases, french)
    assert "jeux de paramètres sur 2 dans la bande (2 réplications chacun, graine 3)" in french
    assert "dans [14 ; 21]" in french and " ; " in french.split("┡")[1]  # intervals [a ; b]
    assert all(name in french for name in SHORT_NAMES_FR.values())
    # English as before
    english = " ".join(english.split())  # the title wraps
    assert "of 2 parameter sets in the band (2 replications each, seed 3); " in english
    assert (
        "planned_wait_peak_season_p95_days in [14, 21], planned_wait_yearly_max_days in [21, 28]" in english
    )
    assert all(name in english for name in SHORT_NAMES.values())
    assert "beds used" in english and "in band" in english


def test_the_calibration_figure_speaks_french(calibration):
    french, english = (_figure_text(design_figure(calibration, lang)) for lang in ("fr", "en"))
    plt.close("all")
    phrases = _english_only("calibration_fig") + [t.kpi for t in DEFAULT_TARGETS]
    assert not _left(phrases, french), _left(phrases, french)
    assert "plage visée" in french and "%" in french and "." not in french.replace("...", "")
    assert "bed occupancy, all patients (mean over replications)" in english
    assert "planned_wait_yearly_max_days (mean, 95% CI)" in english and "target range" in english


def test_calibrate_command_speaks_french(tmp_path):
    scenario = tmp_path / "short.yaml"
    scenario.write_text(
        f"extends: {REPO / 'scenarios/baseline.yaml'}\nname: short\nrun:\n  years: 1\n  warmup_days: 60\n"
    )
    args = ["calibrate", str(scenario), "--points", "2", "--replications", "2", "--workers", "1"]
    french = _occisim(*args, "--lang", "fr", "--out", str(tmp_path / "c"), cwd=tmp_path)
    assert french.returncode == 0, french.stderr
    assert "plan d'expériences et bande : dossier" in french.stdout
    assert not _left(_english_only("calibration_"), french.stdout)
    assert (tmp_path / "c" / "band.png").is_file()


# --- occisim warmup -------------------------------------------------------------------------------


def test_the_warmup_figure_and_lines_speak_french(tmp_path):
    short = baseline_variant(run={"years": 1.0, "warmup_days": 60.0})
    probe = probe_warmup(short, 2, 120, 10, workers=1)
    title = text("warmup_title", "fr", name="court", replications=2)
    french = _figure_text(warmup_figure(probe.daily, probe.welch, probe.suggested_days, 18, title, "fr"))
    english = _figure_text(warmup_figure(probe.daily, probe.welch, probe.suggested_days, 18, "t"))
    plt.close("all")
    assert not _left(_english_only("warmup_"), french), _left(_english_only("warmup_"), french)
    assert "moyenne mobile de Welch" in french and "capacité : 18 lits" in french
    for before in (
        "mean over replications",
        "Welch moving average",
        f"MSER-5 warm-up: {probe.suggested_days} days",
        "capacity: 18 beds",
        "simulation day (the run starts with empty beds)",
        "beds occupied (daily mean)",
    ):
        assert before in english, before
    scenario = tmp_path / "short.yaml"
    scenario.write_text(f"extends: {REPO / 'scenarios/baseline.yaml'}\nname: short\n")
    args = [
        "warmup",
        str(scenario),
        "--replications",
        "2",
        "--days",
        "120",
        "--window",
        "10",
        "--workers",
        "1",
    ]
    done = _occisim(*args, "--lang", "fr", "--out", str(tmp_path / "w"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "mise en régime suggérée" in done.stdout and "graphique : " in done.stdout
    assert not _left(_english_only("warmup_"), done.stdout)


# --- sensitivity: the tornado's parameter names ---------------------------------------------------


def _study_keys() -> set[str]:
    """Every key the scenario files vary in their sensitivity and PSA sections."""
    keys = set()
    for path in sorted((REPO / "scenarios").glob("*.yaml")):
        scenario = load_scenario(path)
        keys |= {p.key for p in scenario.sensitivity.parameters} | {p.key for p in scenario.psa.parameters}
    return keys


def test_every_parameter_the_scenarios_vary_has_a_french_name():
    missing = sorted(_study_keys() - PARAMETER_NAMES_FR.keys())
    assert not missing, f"no French name for: {missing}"
    assert parameter_name("costs.had_day_eur") == "costs: HAD day (EUR)"  # English as before
    assert parameter_name("costs.had_day_eur", "fr") == "coûts : journée d'HAD (EUR)"
    assert parameter_name("bags.stability_hours", "fr") == "poches : stability_hours"  # no name: the key


def test_the_tornado_names_parameters_in_french():
    short = baseline_variant(run={"years": 1.0, "warmup_days": 60.0})
    keys = ["costs.had_day_eur=150:350", "home_care.derogation_max_km=50:100"]
    table = one_way(short, [parse_parameter(k) for k in keys], ["cost_total_per_year"], 1, workers=1)
    french = _figure_text(tornado_figure(table, "cost_total_per_year", "fr"))
    english = _figure_text(tornado_figure(table, "cost_total_per_year", "en"))
    plt.close("all")
    english_names = [parameter_name(k.split("=")[0]) for k in keys]
    assert all(name in english for name in english_names)
    assert not _left([*english_names, "(base", "parameter at its"], french)
    assert "soins à domicile : distance maximale d'une dérogation (km)" in french


# --- the report's STRESS-DES item 5.2 -------------------------------------------------------------


def test_the_report_says_how_numbers_were_drawn_in_french(tmp_path):
    scenario = write_short(tmp_path, "baseline", "short")  # a year, 2 replications
    run = _occisim("run", str(scenario), "--workers", "1", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    pages = {}
    for lang in ("en", "fr"):
        out = tmp_path / f"{lang}.html"
        done = _occisim("report", str(tmp_path / "run"), "--lang", lang, "--out", str(out), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        pages[lang] = out.read_text()
    english_sentence = (
        "numpy PCG64 from SeedSequence(seed, spawn_key=(replication, stream, ...)); "
        "streams: 0 background beds, 1 day-hospital background, 2 per-episode attributes"
    )
    assert english_sentence in pages["en"]  # as every manifest has said it
    assert "streams:" not in pages["fr"] and "background beds" not in pages["fr"]
    assert "flux : 0 autres patients des lits" in pages["fr"]
    manifest = (tmp_path / "run" / "manifest.json").read_text()
    assert english_sentence.replace('"', '\\"') in manifest  # the manifest stays in English


def test_the_sensitivity_table_writes_ranges_as_the_language_does():
    """'2628 - 2880' had no thousands separator and read as a subtraction with a negative bound."""
    from rich.console import Console

    from sim.outputs.study_lines import sensitivity_tables

    results = {"kpi_base": 2.0e6, "kpi_at_low": 1.9e6, "kpi_at_high": 2.1e6, "swing": 2.0e5}
    table = pd.DataFrame(
        [
            {"parameter": "costs.drug.vial_price_eur", "low_value": 2628.0, "high_value": 2880.0, **results},
            {"parameter": "costs.shift", "low_value": -5.0, "high_value": 5.0, **results},
        ]
    ).assign(kpi="cost_total_per_year")
    expected = {"fr": ["2\u00a0628 à 2\u00a0880", "-5 à 5"], "en": ["2,628 to 2,880", "-5 to 5"]}
    for lang, cells in expected.items():
        with open(os.devnull, "w", encoding="utf-8") as nowhere:
            console = Console(width=200, record=True, file=nowhere)
            console.print(*sensitivity_tables(table, ["cost_total_per_year"], lang))
        shown = console.export_text()
        assert all(cell in shown for cell in cells), shown
