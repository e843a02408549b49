"""The report under --lang fr has no English left in its results by place, figures, maps, timeline and
HAD load: every English text is read from sim.outputs.i18n, so the list cannot go stale; numbers are
written the French way (decimal comma, no-break space between thousands) in tables and figures."""

from __future__ import annotations

import html
import re
from pathlib import Path

import matplotlib.text
import pytest
from short_scenarios import write_short

from sim.outputs import report
from sim.outputs.folders import result_folders, write_comparison
from sim.outputs.i18n import TEXTS
from sim.outputs.i18n_report import REPORT_TEXTS
from sim.runs.compare import run_comparison
from sim.scenario.files import load_scenario

# The report's sections whose every text occisim writes (the question, the parameters and the
# STRESS-DES description quote the scenario files' own words).
SECTIONS = ("places", "figures", "timeline", "maps")
FIELDS = re.compile(r"\{[^}]*\}|\||\n")  # {fields}, list separators and line breaks split a text
SHORTEST_PHRASE = 8  # shorter fragments ("mean", "days") may occur inside other words or names
ENGLISH_NUMBER = re.compile(r"\d,\d{3}(?!\d)|\d\.\d")  # 1,380 or 21.6


def english_phrases() -> set[str]:
    """Every fragment of an English text of i18n (between its fields) that its French text lacks."""
    phrases = set()
    for english, french in TEXTS.values():
        for fragment in FIELDS.split(english):
            fragment = fragment.strip(" :;,.()-+*!")
            if len(fragment) >= SHORTEST_PHRASE and fragment not in french:
                phrases.add(fragment)
    return phrases


@pytest.fixture(scope="module")
def compare_folder(tmp_path_factory) -> Path:
    """baseline and summer_closure (a capacity calendar: the timeline is drawn), 1 year, 2 replications."""
    folder = tmp_path_factory.mktemp("v2_french")
    files = [write_short(folder, shipped, shipped) for shipped in ("baseline", "summer_closure")]
    comparison = run_comparison([load_scenario(f) for f in files], workers=1)
    return write_comparison(comparison, folder / "cmp", sources=files)


def _report(folder: Path, lang: str, monkeypatch) -> tuple[str, list[str]]:
    """The report's sections of SECTIONS (scripts and images left out, entities decoded) and the text
    of every figure it embeds (titles, labels, legends, ticks as drawn)."""
    drawn: list[str] = []
    saving = []  # non-empty while the report writes a figure's PNG (geopandas also draws on the way)
    draw, png = matplotlib.text.Text.draw, report._png

    def keep_text(self, renderer):  # every text drawn into an image (hidden axes' ticks are not)
        if saving and self.get_visible() and self.get_text():
            drawn.append(self.get_text())
        return draw(self, renderer)

    def write_png(fig):
        saving.append(fig)
        try:
            return png(fig)
        finally:
            saving.clear()

    monkeypatch.setattr(matplotlib.text.Text, "draw", keep_text)
    monkeypatch.setattr(report, "_png", write_png)
    document = report.build_report(result_folders([folder]), lang=lang)
    parts = []
    for section in SECTIONS:
        start = document.index(f"<h2 id='{section}'>")
        end = document.find("<h2", start + 1)
        parts.append(document[start : end if end > 0 else None])
    shown = re.sub(r"<script>.*?</script>|src=\"data:[^\"]*\"", " ", "".join(parts), flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", shown)), drawn, document


def test_english_phrases_are_found_in_the_english_report(compare_folder, monkeypatch):
    page, drawn, document = _report(compare_folder, "en", monkeypatch)
    found = {p for p in english_phrases() if p in page or any(p in t for t in drawn)}
    assert len(found) >= 40  # the check below can fail: the English report is full of them
    assert {"Results by place of residence", "HAD zone boundary", "share admitted within"} <= found
    assert document.count("lang=") == 1 and "<html lang='en'>" in document
    assert re.search(r"<h1>occisim report: \S+ vs \S+</h1>", document)
    assert re.search(r"<title>occisim report: \S+ vs \S+</title>", document)


def test_no_english_phrase_is_left_in_the_french_report(compare_folder, monkeypatch):
    page, drawn, document = _report(compare_folder, "fr", monkeypatch)
    left_in_page = sorted(p for p in english_phrases() if p in page)
    left_in_figures = sorted(p for p in english_phrases() if any(p in t for t in drawn))
    assert left_in_page == [] and left_in_figures == []
    assert "Résultats par lieu de résidence" in page and "limite de zone d'HAD" in drawn
    # the page says it is French (browsers, screen readers), its title in French typography
    assert document.count("lang=") == 1 and "<html lang='fr'>" in document
    assert re.search(r"<h1>rapport occisim : \S+ contre \S+</h1>", document)
    assert re.search(r"<title>rapport occisim : \S+ contre \S+</title>", document)


def test_french_numbers_in_the_tables_and_the_figures(compare_folder, monkeypatch):
    page, drawn, _ = _report(compare_folder, "fr", monkeypatch)
    assert ENGLISH_NUMBER.findall(page) == []
    assert [t for t in drawn if ENGLISH_NUMBER.search(t)] == []
    assert any("\u00a0k€" in t for t in drawn)  # the cost chart's axis: 1 000 k€
    assert any(re.fullmatch(r"-?\d+,\d+", t.replace("\u2212", "-")) for t in drawn)  # a decimal tick


def test_each_report_text_is_written_once():
    """One text per key: no report text repeats another text of i18n (the same words, two keys)."""
    keys_by_text: dict[tuple[str, str], list[str]] = {}
    for key, texts in TEXTS.items():
        keys_by_text.setdefault(texts, []).append(key)
    repeated = [keys for keys in keys_by_text.values() if len(keys) > 1 and set(keys) & set(REPORT_TEXTS)]
    assert repeated == []
