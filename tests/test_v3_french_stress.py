"""The report's STRESS-DES section and the model's logic in French under --lang fr, the English report
unchanged; the line saying where a command wrote its files, in French for any noun. The English texts
are read from sim.outputs.i18n_report, so the lists below cannot go stale."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from short_scenarios import write_short
from typer.testing import CliRunner

from sim.cli import app
from sim.outputs import report
from sim.outputs.description import listing, model_logic, weekdays
from sim.outputs.folders import result_folders, write_comparison
from sim.outputs.i18n_report import REPORT_TEXTS
from sim.runs.compare import run_comparison
from sim.scenario.files import load_scenario

FIELDS = re.compile(r"\{[^}]*\}|\||\n")  # {fields}, list separators and line breaks split a text
SHORTEST_PHRASE = 8  # shorter fragments may occur inside names or the manifest's own words
ENGLISH_WEEKDAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def english_phrases(prefixes: tuple[str, ...] = ("stress_", "logic_")) -> set[str]:
    """Every fragment of the English STRESS-DES and logic texts (between fields) that French lacks."""
    phrases = set()
    for key, (english, french) in REPORT_TEXTS.items():
        if key.startswith(prefixes) and key != "stress_note":  # the note quotes the checklist's name
            for fragment in FIELDS.split(english):
                fragment = fragment.strip(" :;,.()-+*!'")
                if len(fragment) >= SHORTEST_PHRASE and fragment not in french:
                    phrases.add(fragment)
    return phrases


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    """baseline and beds_20 (2.3 then describes a changed logic), 1 year, 2 replications."""
    folder = tmp_path_factory.mktemp("v3_french")
    files = [write_short(folder, shipped, shipped) for shipped in ("baseline", "beds_20")]
    comparison = run_comparison([load_scenario(f) for f in files], workers=1)
    return write_comparison(comparison, folder / "cmp", sources=files)


@pytest.fixture(scope="module")
def stress_sections(compare_folder) -> dict[str, str]:
    """The STRESS-DES section of the English and of the French report, as text (tags dropped)."""
    sections = {}
    for lang in ("en", "fr"):
        document = report.build_report(result_folders([compare_folder]), lang=lang)
        start = document.index("<h2 id='stress'>")
        end = document.find("<h2", start + 1)
        section = document[start : end if end > 0 else None]
        sections[lang] = html.unescape(re.sub(r"<[^>]+>", " ", section))
    return sections


def test_the_english_stress_section_keeps_its_texts(stress_sections):
    page = stress_sections["en"]
    found = {p for p in english_phrases() if p in page}
    assert len(found) >= 30  # the French check below can fail: the English section is full of them
    items = [english for key, (english, _) in REPORT_TEXTS.items() if key.startswith("stress_item_")]
    assert len(items) == 17 and all(item in page for item in items)
    assert "18 beds in a priority queue" in page and "20 beds in a priority queue" in page
    assert "started on Mon, Tue, Wed or Thu" in page


def test_no_english_stress_or_logic_text_is_left_in_the_french_section(stress_sections):
    page = stress_sections["fr"]
    assert sorted(p for p in english_phrases() if p in page) == []
    assert ENGLISH_WEEKDAY.findall(page) == []
    assert all(day in page for day in FRENCH_WEEKDAYS)
    items = ("1.1 Objectif", "1.2 Résultats du modèle", "2.2 Logique du modèle de base", "6 Accès au code")
    assert all(item in page for item in items)
    assert "18 lits en file de priorité" in page and "20 lits en file de priorité" in page
    assert "débutés le lundi, mardi, mercredi ou jeudi" in page


def test_french_logic_writes_numbers_and_lists_the_french_way():
    logic = model_logic(load_scenario(BASELINE), lang="fr")
    rate = load_scenario(BASELINE).beds.background.arrivals_per_day
    assert f"({rate:g} " not in logic["beds"] and f"({rate:g} ".replace(".", ",") in logic["beds"]
    assert logic["bags"].startswith("poches stables 96 h, préparées par la pharmacie le lundi, mardi")
    assert "lundi+jeudi ou mardi+vendredi" in logic["bags"]
    assert weekdays(["mon", "thu"], "or", "fr") == "lundi ou jeudi"
    assert listing(["a", "b", "c"], lang="fr") == "a, b et c" and listing(["a", "b"]) == "a and b"


def test_run_says_where_it_wrote_in_french_and_in_english(tmp_path):
    file = write_short(tmp_path, "baseline", "base_v3", replications=1)
    args = ["run", str(file), "--replications", "1", "--workers", "1", "--out"]
    french = CliRunner(env={"COLUMNS": "200"}).invoke(app, [*args, str(tmp_path / "fr"), "--lang", "fr"])
    assert french.exit_code == 0, french.output
    assert f"résultats : dossier {tmp_path / 'fr'}/" in french.stdout and "écrits" not in french.stdout
    english = CliRunner(env={"COLUMNS": "200", "OCCISIM_LANG": ""}).invoke(app, [*args, str(tmp_path / "en")])
    assert english.exit_code == 0, english.output
    assert f"results written to {tmp_path / 'en'}/" in english.stdout
