"""A search's section of `occisim report`: the folder `occisim choose` writes is read back whole, its
section joins a comparison's report (or makes the report alone), in English and in French."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import types
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim.measures.selection import SelectionSettings
from sim.outputs.choice import (
    objective_label,
    pareto_figure,
    read_search,
    search_page,
    set_label,
    variant_names,
    within_delta_note,
    write_search,
)
from sim.outputs.i18n import TEXTS
from sim.runs.robustness import assumption_variants, robustness
from sim.runs.search import Objective, search
from sim.scenario.errors import printable
from tests.scenario_variants import baseline_variant
from tests.short_scenarios import write_short

GERS, UDSMA = "croix_rouge_gers", "udsma"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def short():
    return baseline_variant(run={"years": 1.0, "warmup_days": 60.0, "replications": 2})


@pytest.fixture(scope="module")
def searched(short, territory, tmp_path_factory):
    """A small search with robustness, written as `occisim choose` writes it."""
    settings = SelectionSettings(delta=2.0, first_stage=3, max_replications=6, batch=3)
    objective = Objective.parse("blina_bed_days_per_year")
    shared = (objective, settings, 1, [GERS, UDSMA], 1000.0, 1)
    result = search(short, *shared, territory=territory)
    variants = assumption_variants(["home_care.derogation_max_km=30,100"])
    result.robustness = robustness(short, variants, *shared, territory=territory)
    folder = tmp_path_factory.mktemp("choice") / "search"
    write_search(result, short, territory, folder)
    return result, folder


def test_a_search_folder_reads_back_whole(searched, short):
    result, folder = searched
    again, scenario = read_search(folder)
    assert scenario == short
    pd.testing.assert_frame_equal(again.table, result.table, check_dtype=False)
    pd.testing.assert_frame_equal(again.robustness, result.robustness, check_dtype=False)
    assert again.best == result.best
    assert again.selection.identified == result.selection.identified
    assert again.selection.replications == result.selection.replications
    assert sorted(again.selection.survivors) == sorted(result.selection.survivors)
    assert again.settings == result.settings and again.objective == result.objective
    assert (again.max_new, again.cost_per_authorisation) == (1, 1000.0)
    assert again.candidates == result.candidates


def test_the_page_read_back_is_the_page_written(searched, short, territory):
    """`occisim report` of a search folder draws what `occisim choose` drew (figures aside: their
    PNG bytes carry no date, but compare the text)."""
    result, folder = searched
    strip = lambda page: re.sub(r"data:image/png;base64,[^'\"]+", "", page)  # noqa: E731
    assert strip(search_page(*read_search(folder), territory)) == strip(search_page(result, short, territory))


def test_a_folder_that_is_not_a_search_is_refused_in_one_line(tmp_path):
    (tmp_path / "manifest.json").write_text('{"kind": "search"}')
    with pytest.raises(ValueError, match="not a search folder"):
        read_search(tmp_path)


def _occisim(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    occisim = Path(sys.executable).with_name("occisim")
    return subprocess.run([occisim, *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def _search_english_only() -> list[str]:
    """The English texts of the search section that French writes differently (from i18n itself)."""
    phrases = []
    for key, (en, fr) in TEXTS.items():
        phrase = en.split("{")[0].strip()
        if key.startswith(("search_", "nav_search")) and len(phrase) > 6 and phrase.lower() not in fr.lower():
            phrases.append(phrase)
    return phrases


def test_report_of_a_search_folder_alone_and_in_french(searched, tmp_path):
    _, folder = searched
    out = tmp_path / "fr.html"
    done = _occisim("report", str(folder), "--lang", "fr", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "Quelles HAD autoriser ensuite" in page and "Expérimentation (STRESS-DES)" in page
    assert "Robustesse" in page and "habitants sans HAD" in page
    left = [phrase for phrase in _search_english_only() if phrase in page]
    assert not left, f"English left in the French search section: {left}"
    # the HAD's name, not its id, in the verdict
    verdict = re.search(r"<p class='lead'>(.*?)</p>", page).group(1)
    assert GERS not in verdict and ("Croix-Rouge" in verdict or "UDSMA" in verdict or "statu quo" in verdict)
    # run again: the report it wrote is replaced (it begins as every occisim report does)
    again = _occisim("report", str(folder), "--lang", "fr", "--out", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_report_of_runs_and_a_search_has_both_sections(searched, tmp_path):
    _, folder = searched
    scenario = write_short(tmp_path, "baseline", "short")  # a year, 2 replications
    run = _occisim("run", str(scenario), "--workers", "1", "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    out = tmp_path / "both.html"
    done = _occisim("report", str(tmp_path / "run"), str(folder), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert "<h2 id='search'>Which HADs next?" in page and "href='#search'" in page
    assert page.index("id='search'") > page.index("STRESS")  # after the comparison's own sections
    bad = _occisim("report", str(folder / "search.csv"), cwd=tmp_path)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "run or a search" in bad.stderr


def test_french_numbers_print_as_spaces_not_escapes():
    assert printable("50\u00a0% des variantes") == "50\u00a0% des variantes"
    assert printable("a\nb\x85") == "a\\nb\\x85"


def test_choose_speaks_french_in_the_terminal(tmp_path):
    scenario = tmp_path / "short.yaml"
    scenario.write_text(
        f"extends: {REPO / 'scenarios/baseline.yaml'}\nname: short\nrun:\n  years: 1\n  warmup_days: 60\n"
    )
    args = ["--max-new", "1", "--among", GERS, "--first-stage", "2", "--max-replications", "2"]
    done = _occisim(
        "choose",
        str(scenario),
        *args,
        "--workers",
        "1",
        "--lang",
        "fr",
        "--out",
        str(tmp_path / "c"),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "meilleur ensemble" in done.stdout and "statu quo" in done.stdout
    assert "best set" not in done.stdout and "\\xa0" not in done.stdout


def test_sets_on_one_point_of_the_pareto_chart_share_one_readable_label(searched):
    """Sets that simulate alike sit on the same point: their names were written one over the other."""
    result, _ = searched
    table = result.table.copy()
    simulated = table.index[table["objective"].notna()][:2]
    assert len(simulated) == 2
    table.loc[simulated, "pareto"] = True
    for column in ("cost_common", "objective_common"):
        table.loc[simulated[1], column] = table.loc[simulated[0], column]
    names = {had: had.upper() for had in (GERS, UDSMA)}
    fig = pareto_figure(dataclasses.replace(result, table=table), names, "fr")
    try:
        labels = [child.get_text() for child in fig.axes[0].texts]
        both = [set_label(table.loc[i, "set"], names, "fr") for i in simulated]
        assert "\n".join(both) in labels  # one label, one name a line
        assert not any(label in (both[0], both[1]) for label in labels)
        ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
        assert len(set(ticks)) == len(ticks)
    finally:
        plt.close(fig)


def test_robustness_variants_are_named_in_the_readers_language():
    written = "psa draw 1, band member 3, home_care.derogation_max_km=50"
    french = "tirage PSA 1, membre de la bande 3, home_care.derogation_max_km=50"
    assert variant_names(written, "fr") == french
    assert variant_names(written) == "PSA draw 1, band member 3, home_care.derogation_max_km=50"


def test_the_objective_is_said_with_its_kpis_labels_in_either_language():
    """'à minimiser : blina_bed_days_per_year' was a code name in a French sentence."""
    one = types.SimpleNamespace(objective=Objective.parse("blina_bed_days_per_year"))
    assert objective_label(one, "fr") == "journées de lit blinatumomab par an"
    assert objective_label(one) == "blinatumomab bed-days per year"
    weighted = types.SimpleNamespace(
        objective=Objective.parse("blina_bed_days_per_year + 0.001*travel_km_per_year - 2*episodes_per_year")
    )
    said = objective_label(weighted, "fr")
    assert said.startswith("journées de lit blinatumomab par an + 0,001 × ") and " − 2 × " in said
    assert "_" not in said


def _gaps(best: str, gaps: dict[str, float], delta: float = 5.0) -> types.SimpleNamespace:
    table = pd.DataFrame({"set": list(gaps), "objective": 100.0, "minus_best": list(gaps.values())})
    return types.SimpleNamespace(table=table, best=best, settings=SelectionSettings(delta=delta))


def test_a_best_set_by_less_than_delta_is_said_so():
    """A planner read 'best set: Moissac + Pays d'Ovalie' where the status quo was 3.1 bed-days a year
    behind, with δ = 5: authorising gained less than what had been set as mattering."""
    close = _gaps("moissac", {"moissac": 0.0, "udsma": 1.0, "status quo": 3.1, "albi": 9.0})
    said = within_delta_note(close, "fr")
    assert said.startswith("Le statu quo n'est qu'à 3,1 au-dessus du meilleur, moins que δ = 5")
    spread = _gaps("moissac", {"moissac": 0.0, "status quo": 12.0, "udsma": 2.0, "albi": 4.5})
    assert within_delta_note(spread) is None  # the status quo is far behind: the best gains
    all_close = _gaps("moissac", {"moissac": 0.0, "udsma": 2.0, "albi": 4.5})  # (no status quo simulated)
    assert within_delta_note(all_close).startswith("Every set simulated is within 4.5 of the best")
    assert within_delta_note(_gaps("status quo", {"status quo": 0.0, "udsma": 1.0})) is None
