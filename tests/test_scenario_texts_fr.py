"""A scenario's question and description in French (``question_fr``, ``description_fr``) for French
readers: the report's question section, its STRESS-DES description and the app's scenarios.

What a real bug would break: a French report quoting the English texts, or a parent's French text
shown for a child that rewrote its English one (the French reader would be told another story);
the texts moving the scenario's hash (same model, new results folder and no paired comparison).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from short_scenarios import write_short

from sim.app import choices as ch
from sim.outputs import report
from sim.outputs.description import stress_des_rows
from sim.outputs.folders import load_results, result_folders, write_comparison
from sim.outputs.i18n import scenario_text
from sim.runs.compare import run_comparison
from sim.scenario.files import load_scenario, resolve_raw
from sim.territory.binding import scenario_territory

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_asks_and_says_in_french_what_it_asks_in_english(path):
    scenario = load_scenario(path)
    assert scenario.question and scenario.description
    assert scenario.question_fr.endswith("?") == scenario.question.endswith("?")
    assert scenario.description_fr and scenario.description_fr != scenario.description
    # the thesis's line references are the same in both languages
    lines = re.compile(r"003:\d+(?:-\d+)?")
    assert lines.findall(scenario.description_fr) == lines.findall(scenario.description)


def test_the_french_texts_do_not_move_the_hash():
    scenario = load_scenario(SCENARIOS / "beds_20.yaml")
    untranslated = scenario.model_copy(update={"question_fr": "", "description_fr": ""})
    assert untranslated.hash() == scenario.hash()
    assert scenario_text(untranslated, "question", "fr") == scenario.question  # the English one, then
    assert scenario_text(scenario, "question", "fr") == scenario.question_fr
    assert scenario_text(scenario, "description", "en") == scenario.description


def test_a_child_rewriting_its_description_keeps_none_of_its_parents_french_text(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: parent\n"
        "description: Twenty beds.\ndescription_fr: Vingt lits.\nquestion_fr: Et vingt lits ?\n",
        encoding="utf-8",
    )
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\ndescription: Twenty-two beds.\n", encoding="utf-8")
    scenario = load_scenario(child)
    assert scenario.description_fr == ""  # not the parent's "Vingt lits."
    assert scenario_text(scenario, "description", "fr") == "Twenty-two beds."
    assert scenario.question_fr == "Et vingt lits ?"  # the question was not rewritten: still the parent's
    translated = tmp_path / "translated.yaml"
    translated.write_text(
        "extends: parent.yaml\nname: translated\n"
        "description: Twenty-two beds.\ndescription_fr: Vingt-deux lits.\n",
        encoding="utf-8",
    )
    assert load_scenario(translated).description_fr == "Vingt-deux lits."


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("texts_fr")
    files = [write_short(folder, shipped, shipped) for shipped in ("baseline", "beds_20")]
    comparison = run_comparison([load_scenario(f) for f in files], workers=1)
    return write_comparison(comparison, folder / "cmp", sources=files)


def test_the_french_report_asks_the_question_in_french(compare_folder):
    folders = [load_results(path) for path in result_folders([compare_folder])]
    french = html.unescape("".join(report._question_section(folders, "fr")))
    english = html.unescape("".join(report._question_section(folders, "en")))
    beds = load_scenario(SCENARIOS / "beds_20.yaml")
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert beds.question_fr in french and beds.description_fr in french and baseline.question_fr in french
    assert beds.question not in french and beds.description not in french
    assert beds.question in english and beds.question_fr not in english
    # the STRESS-DES checklist's first item quotes the leading scenario's question
    first_item = stress_des_rows(folders, "t", lang="fr")[0][1]
    assert html.escape(baseline.question_fr) in first_item


def test_the_app_says_what_it_changed_in_both_languages(territory):
    base = load_scenario(SCENARIOS / "baseline.yaml")
    bound = scenario_territory(base, territory)
    start = ch.choices_of(base, bound)
    unauthorised = sorted(set(bound.hads.index) - set(start.authorised))[0]
    chosen = ch.Choices(start.authorised | {unauthorised}, start.values)
    made = ch.apply_choices(base, bound, chosen)
    assert made.description == f"Made with occisim app from baseline: authorise {unauthorised}"
    assert made.description_fr == f"Fait avec l'app occisim à partir de baseline : autoriser {unauthorised}"
    assert made.question == f"baseline, changed (authorise {unauthorised}): what happens?"
    assert made.question_fr == f"baseline, modifié (autoriser {unauthorised}) : que se passe-t-il ?"


# --- a variant that does not say what it asks ------------------------------------------------------


def _child(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: child\n{body}", encoding="utf-8")
    return path


def test_a_variant_without_texts_asks_what_it_changes_not_its_parents_question(tmp_path):
    scenario = load_scenario(
        _child(tmp_path, "territory:\n  authorise: [croix_rouge_gers]\nbeds:\n  capacity: 20\n")
    )
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    said = "territory.authorise = [croix_rouge_gers]; beds.capacity = 20"
    assert scenario.question == f"baseline: what if {said}?"
    assert scenario.question_fr == f"baseline : et si {said} ?"
    # the parent's description is recalled as the parent's, not as the variant's
    assert scenario.description == f"baseline with {said}. baseline: {baseline.description}"
    assert scenario.description_fr == f"baseline avec {said}. baseline : {baseline.description_fr}"
    assert baseline.question not in (scenario.question, scenario.question_fr)
    # the texts are words only: the same parameters, the same hash
    assert scenario.hash() == scenario.model_copy(update={"question": "", "description": ""}).hash()


def test_a_variant_that_only_changes_how_it_runs_keeps_its_parents_question(tmp_path):
    scenario = load_scenario(_child(tmp_path, "run:\n  years: 2\n  replications: 3\noutput:\n  lang: fr\n"))
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert (scenario.question, scenario.question_fr) == (baseline.question, baseline.question_fr)
    assert scenario.description_fr == baseline.description_fr


def test_a_variant_keeps_every_text_it_writes_itself(tmp_path):
    scenario = load_scenario(_child(tmp_path, "question: Twenty beds?\nbeds:\n  capacity: 20\n"))
    assert scenario.question == "Twenty beds?" and scenario.question_fr == ""  # French: the English one
    assert scenario.description.startswith("baseline with beds.capacity = 20.")
    french = load_scenario(_child(tmp_path, "question_fr: Et vingt lits ?\nbeds:\n  capacity: 20\n"))
    assert (
        french.question_fr == "Et vingt lits ?" and french.question == "baseline: what if beds.capacity = 20?"
    )


def test_a_nameless_parent_is_named_by_its_file_and_paths_are_shown_as_written(tmp_path):
    parent = tmp_path / "my_base.yaml"
    parent.write_text(
        "\n".join(
            line
            for line in (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8").splitlines()
            if not line.startswith("name:")
        ),
        encoding="utf-8",
    )
    child = tmp_path / "c3.yaml"
    child.write_text("extends: my_base.yaml\nname: c3\nbeds:\n  capacity: 16\n", encoding="utf-8")
    raw = resolve_raw(child)
    assert raw["question"] == "my_base: what if beds.capacity = 16?"
    overrides = tmp_path / "zones.csv"
    overrides.write_text("insee,had\n", encoding="utf-8")
    child.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nname: c4\nterritory:\n  overrides_file: zones.csv\n",
        encoding="utf-8",
    )
    raw = resolve_raw(child)
    assert raw["question"] == "baseline: what if territory.overrides_file = zones.csv?"  # not the full path
    assert raw["territory"]["overrides_file"] == str(overrides.resolve())


def test_set_asks_what_it_sets_unless_it_only_changes_how_the_scenario_runs_or_its_texts():
    from sim.scenario.edit import with_settings

    pasteur = load_scenario(SCENARIOS / "gers_pasteur.yaml")
    varied = with_settings(pasteur, ["beds.capacity=20", "run.years=2"])
    assert varied.question == "gers_pasteur: what if beds.capacity = 20?"
    assert (
        varied.description_fr
        == f"gers_pasteur avec beds.capacity = 20. gers_pasteur : {pasteur.description_fr}"
    )
    shorter = with_settings(pasteur, ["run.years=2"])
    assert (shorter.question, shorter.question_fr) == (pasteur.question, pasteur.question_fr)
    renamed = with_settings(pasteur, ["name=mine"])
    assert (renamed.question, renamed.description) == (pasteur.question, pasteur.description)
    asked = with_settings(pasteur, ["beds.capacity=20", "question=Twenty beds?"])
    assert asked.question == "Twenty beds?" and asked.question_fr == ""  # not the parent's French one
    french = with_settings(pasteur, ["beds.capacity=20", "question_fr=Et vingt lits ?"])
    assert (
        french.question_fr == "Et vingt lits ?"
        and french.question == "gers_pasteur: what if beds.capacity = 20?"
    )
