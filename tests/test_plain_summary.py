"""The plain-language summary: differences judged against minimal important differences (MID),
significance and importance marked apart, sentences with their CI, explanations, MIDs overridden."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from rich.console import Console
from scenario_variants import BASELINE

from sim.measures.catalogue import RELATIVE_MID, minimal_important_difference
from sim.outputs.summary import TEXTS, of, place_lines, summary_lines
from sim.outputs.terminal import _difference_cell, sentence
from sim.runs.compare import MID_FILE_VARIABLE, judge_differences, mid_overrides, run_comparison
from sim.scenario.errors import ScenarioError
from sim.scenario.files import load_scenario


def _table(rows: dict[str, tuple[float, float, float, float]]) -> pd.DataFrame:
    """A comparison table: kpi -> (base mean, difference, CI low, CI high); scenarios 'a' and 'b'."""
    records = []
    for kpi, (base, diff, low, high) in rows.items():
        records.append({"scenario": "a", "kpi": kpi, "mean": base, "ci_low": base, "ci_high": base})
        records.append(
            {
                "scenario": "b",
                "kpi": kpi,
                "mean": base + diff,
                "ci_low": base + diff,
                "ci_high": base + diff,
                "diff_mean": diff,
                "diff_ci_low": low,
                "diff_ci_high": high,
                "significant": low > 0 or high < 0,
            }
        )
    return pd.DataFrame(records)


def _verdicts(table: pd.DataFrame) -> dict[str, str]:
    judged = judge_differences(table, mids={})
    return judged[judged["scenario"] == "b"].set_index("kpi")["verdict"].to_dict()


def test_a_significant_but_trivial_difference_is_not_important():
    # the "-0.0 [-0.1, -0.0] *": significant, far below the 2-point MID of occupancy
    table = _table(
        {
            "bed_occupancy": (0.84, -0.0004, -0.0007, -0.0001),
            "bed_days_total_per_episode": (32.1, -9.9, -11.0, -8.8),  # the Gers effect: matters
            "km_per_episode": (900.0, 30.0, -40.0, 100.0),  # could be nothing or a lot: unclear
        }
    )
    judged = judge_differences(table, mids={}).set_index(["scenario", "kpi"])
    occupancy = judged.loc[("b", "bed_occupancy")]
    assert bool(occupancy["significant"]) and not bool(occupancy["important"])
    assert occupancy["verdict"] == "negligible"
    assert judged.loc[("b", "bed_days_total_per_episode"), "verdict"] == "important"
    assert judged.loc[("b", "km_per_episode"), "verdict"] == "unclear"
    assert judged.loc[("a", "bed_occupancy"), "verdict"] == ""  # the base is not compared with itself


def _cell(mean: float, low: float, high: float, significant: bool, important: bool) -> tuple[str, str]:
    row = pd.Series(
        {
            "diff_mean": mean,
            "diff_ci_low": low,
            "diff_ci_high": high,
            "significant": significant,
            "important": important,
        }
    )
    layouts, style = _difference_cell(row, ".1f", "en")
    return layouts[0], style


def test_marks_keep_significance_and_importance_apart():
    assert _cell(-0.01, -0.1, -0.01, significant=True, important=False) == ("-0.0 [-0.1, -0.0] *", "")
    assert _cell(-9.9, -11.0, -8.8, significant=True, important=True) == ("-9.9 [-11.0, -8.8] * !", "bold")
    assert _cell(1.0, -2.0, 4.0, significant=False, important=False) == ("1.0 [-2.0, 4.0]", "")


def test_a_kpi_without_a_catalogue_mid_gets_a_relative_one_and_overrides_win():
    assert minimal_important_difference("bed_occupancy", 0.84) == 0.02
    assert minimal_important_difference("some_new_index", 200.0) == pytest.approx(RELATIVE_MID * 200.0)
    assert math.isnan(minimal_important_difference("some_new_index", math.nan))
    assert minimal_important_difference("bed_occupancy", 0.84, {"bed_occupancy": 0.0001}) == 0.0001
    table = _table({"bed_occupancy": (0.84, -0.0004, -0.0007, -0.0001)})
    judged = judge_differences(table, mids={"bed_occupancy": 0.0001})
    assert judged.set_index(["scenario", "kpi"]).loc[("b", "bed_occupancy"), "verdict"] == "important"


def test_mid_file_from_the_environment(tmp_path, monkeypatch):
    path = tmp_path / "mid.yaml"
    path.write_text("bed_occupancy: 0.05\nkm_per_episode: 10\n", encoding="utf-8")
    monkeypatch.setenv(MID_FILE_VARIABLE, str(path))
    assert mid_overrides() == {"bed_occupancy": 0.05, "km_per_episode": 10.0}
    path.write_text("bed_occupancy: -1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        mid_overrides()
    message = error.value.messages[0]
    assert str(path) in message and "bed_occupancy" in message and "expected a number >= 0" in message
    monkeypatch.delenv(MID_FILE_VARIABLE)
    assert mid_overrides() == {}


def test_summary_tells_what_matters_with_its_interval_largest_first():
    table = judge_differences(
        _table(
            {
                "bed_occupancy": (0.84, -0.0004, -0.0007, -0.0001),
                "bed_days_total_per_episode": (32.1, -9.9, -11.0, -8.8),
                "home_days_per_episode": (40.0, 9.0, 8.0, 10.0),
                "trips_per_episode": (12.0, 3.0, 2.5, 3.5),
            }
        ),
        mids={},
    )
    lines = summary_lines(table, "a", "b", replications=20)
    assert lines[0].startswith("In short: b against a (20 replications")
    beds = next(line for line in lines if line.startswith("Days in an IUCT-O bed per episode"))
    assert "falls from 32.1 to 22.2" in beds and "-9.9 [-11.0, -8.8]" in beds
    # ordered by how many MIDs they are: bed days (9.9 MIDs) before home days (9) before trips (3)
    order = [lines.index(line) for line in lines if line.startswith(("Days in an", "Days at home", "Trips"))]
    assert order == sorted(order) and len(order) == 3
    assert not any(line.startswith("Bed occupancy") for line in lines)  # trivial: not told
    assert any(line.startswith("1 other difference is real (its CI excludes 0)") for line in lines)
    # more time at home and more trips: the counter-intuitive result is explained
    assert TEXTS["explain_home_trips"] in lines


def test_no_explanation_when_the_pattern_is_absent():
    table = judge_differences(
        _table(
            {"home_days_per_episode": (40.0, 9.0, 8.0, 10.0), "trips_per_episode": (12.0, -3.0, -3.5, -2.5)}
        ),
        mids={},
    )
    assert TEXTS["explain_home_trips"] not in summary_lines(table, "a", "b", replications=5)
    quiet = judge_differences(_table({"bed_occupancy": (0.84, 0.0, -0.001, 0.001)}), mids={})
    assert TEXTS["none"] in summary_lines(quiet, "a", "b", replications=5)


def test_place_lines_name_the_places_where_the_change_matters():
    rows = []
    for scenario, gers, ariege in (("a", 32.1, 20.0), ("b", 22.2, 20.1)):
        for unit, name, mean in (("32", "Gers (32)", gers), ("09", "Ariège (09)", ariege)):
            row = {"scenario": scenario, "level": "department", "unit": unit, "unit_name": name}
            row.update({"kpi": "bed_days_total_per_episode", "mean": mean})
            if scenario == "b":
                diff = mean - (32.1 if unit == "32" else 20.0)
                row.update(
                    {
                        "diff_mean": diff,
                        "diff_ci_low": diff - 0.5,
                        "diff_ci_high": diff + 0.5,
                        "significant": True,
                    }
                )
            rows.append(row)
    places = judge_differences(pd.DataFrame(rows), mids={})
    (line,) = place_lines(places, "a", "b")
    assert "Gers (32) (days in an IUCT-O bed per episode 32.1 to 22.2)" in line
    assert "Ariège" not in line  # 0.1 day: below the MID of one day


def test_a_wrong_mid_file_is_refused_before_any_run(tmp_path, monkeypatch):
    path = tmp_path / "mid.yaml"
    path.write_text("km_per_episode: lots\n", encoding="utf-8")
    monkeypatch.setenv(MID_FILE_VARIABLE, str(path))
    base = load_scenario(BASELINE)

    def no_runs(*args, **kwargs):
        raise AssertionError("simulated before checking the MID file")

    monkeypatch.setattr("sim.runs.compare.WorkerPool", no_runs)
    with pytest.raises(ScenarioError, match="km_per_episode: expected a number"):
        run_comparison([base, base.model_copy(update={"name": "other"})], replications=2, workers=1)


def test_the_summary_speaks_french_with_french_numbers():
    table = judge_differences(
        _table(
            {
                "bed_days_total_per_episode": (32.1, -9.9, -11.0, -8.8),
                "bed_occupancy": (0.84, 0.0, -0.001, 0.001),
            }
        ),
        mids={},
    )
    english = summary_lines(table, "a", "b", 20)
    french = summary_lines(table, "a", "b", 20, lang="fr")
    assert english[0].startswith("In short") and french[0].startswith("En bref")
    assert len(french) == len(english)
    assert french[1].startswith("Jours dans un lit de l'IUCT-O par épisode : passe de 32,1 à 22,2")
    assert "32,1" in french[1] and "-9,9 [-11,0 ; -8,8]" in french[1]


def test_a_wrapped_sentence_never_cuts_a_french_number():
    """Rich wraps at any space, the no-break space of '19 788' too: the summary was printed
    'passe de 19' / '788 à 5 371'."""
    said = (
        "- Km parcourus par an : passe de 19\u00a0788 à 5\u00a0371, "
        "soit -14\u00a0417 [-16\u00a0002 ; -12\u00a0831] * !"
    )
    numbers = re.findall(r"-?\d{1,3}(?:\u00a0\d{3})+", said)
    console = Console(width=200, record=True)
    for width in range(20, 60):
        console.print(sentence(said, width, indent="  "))
        lines = console.export_text().splitlines()
        assert all(len(line.rstrip()) <= width or " " not in line.strip() for line in lines)
        assert sorted(n for line in lines for n in re.findall(r"-?\d{1,3}(?:\u00a0\d{3})+", line)) == sorted(
            numbers
        )
        assert " ".join(line.strip() for line in lines) == said  # nothing lost, nothing added


def test_french_says_of_a_place_as_french_does():
    assert of("HAD Croix-Rouge Française", "fr") == "de l'HAD Croix-Rouge Française"
    assert of("UDSMA", "fr") == "d'UDSMA"
    assert of("Gers (32)", "fr") == "de Gers (32)"
    assert of("UDSMA") == "of UDSMA"
