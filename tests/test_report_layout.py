"""The report's tables read as tables: a mean's interval is never cut across two lines (a narrow
column puts it under the mean), text columns are headed where their text starts."""

from __future__ import annotations

import re
from pathlib import Path

from sim.outputs import report
from sim.scenario.files import load_scenario


def test_an_interval_is_kept_whole_and_its_marks_with_it():
    cell = report._unbroken_interval("-8,4 pts [-12,1 ; -4,7] * !")
    assert cell == "-8,4 pts <span class='interval'>[-12,1 ; -4,7] * !</span>"
    assert report._unbroken_interval("n/a") == "n/a"  # no interval: as written
    assert report._unbroken_interval("1 < 2 [0 ; 3]") == "1 &lt; 2 <span class='interval'>[0 ; 3]</span>"
    assert re.search(r"\.interval \{ white-space: nowrap; \}", report.CSS)


def test_the_question_table_heads_its_text_columns_on_the_left():
    class Folder:  # what the question section reads of a result folder
        scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "beds_20.yaml")

    table = "".join(report._question_section([Folder()], "fr"))
    heads = re.findall(r"<th( class='left')?>([^<]*)</th>", table)
    assert [(bool(left), name) for left, name in heads] == [
        (False, "scénario"),
        (True, "question"),
        (True, "ce qui change"),
        (False, "réplications"),
        (False, "graine"),
    ]
