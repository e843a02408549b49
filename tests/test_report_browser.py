"""The report in a real browser (Debian's headless Chromium through playwright): it opens offline,
asks for nothing outside its file, draws its interactive map; and the figures it shows are whole."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import sync_playwright
from scenario_variants import BASELINE, variant

from sim.measures.catalogue import COST_ITEMS, COST_LABELS
from sim.outputs.figures import cost_breakdown_figure
from sim.outputs.folders import write_comparison
from sim.outputs.report import build_report
from sim.runs.compare import run_comparison
from sim.scenario.files import resolve_raw

CHROMIUM = Path("/usr/bin/chromium")  # .ci/run installs Debian's chromium when it is missing
SHORT = {"run.years": 1.5, "run.warmup_days": 60.0, "run.replications": 3}


@pytest.fixture(scope="module")
def report_file(tmp_path_factory, territory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    base = variant(resolve_raw(BASELINE), name="base_short", **SHORT)
    other = variant(resolve_raw(BASELINE.parent / "gers_pasteur.yaml"), name="gers_short", **SHORT)
    comparison = run_comparison([base, other], workers=1, territory=territory)
    cmp = write_comparison(comparison, folder / "cmp", [BASELINE, BASELINE.parent / "gers_pasteur.yaml"])
    page = folder / "report.html"
    page.write_text(build_report([cmp / "base_short", cmp / "gers_short"], territory), encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def opened(report_file, tmp_path_factory):
    """The report opened at desktop width: requests made, page errors, map paths, a screenshot."""
    assert CHROMIUM.exists(), "Debian's chromium is needed: apt-get install -y chromium"
    shot = tmp_path_factory.mktemp("shots") / "report.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report_file.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        leaflet = page.evaluate("typeof L !== 'undefined' && L.version")
        paths = page.locator("#webmap-places path.leaflet-interactive").count()
        choices = page.locator("#webmap-places .leaflet-control-layers-base input").count()
        page.locator("#webmap-places .leaflet-control-layers-base input").nth(1).check()
        paths_after = page.locator("#webmap-places path.leaflet-interactive").count()
        page.screenshot(path=str(shot))
        browser.close()
    return {
        "requests": requests,
        "errors": errors,
        "leaflet": leaflet,
        "paths": paths,
        "choices": choices,
        "paths_after": paths_after,
        "shot": shot,
    }


def test_the_report_asks_for_nothing_outside_its_file(report_file, opened):
    outside = [u for u in opened["requests"] if u != report_file.as_uri() and not u.startswith("data:")]
    assert outside == []
    assert opened["errors"] == []


def test_the_interactive_map_is_drawn_from_inlined_leaflet(opened):
    assert opened["leaflet"] == "1.9.4"
    assert opened["paths"] >= 9  # the departments of the catchment at least
    assert opened["choices"] == 6  # 3 KPIs x (department, HAD zone)
    assert opened["paths_after"] >= 15 and opened["paths_after"] != opened["paths"]  # the zones


def test_the_screenshot_is_the_report(opened):
    image = plt.imread(opened["shot"])
    assert image.shape[1] == 1400
    assert image[..., :3].std() > 0.05  # text and colours, not a blank page


def test_cost_figure_shows_every_item_with_its_interval():
    summary = pd.DataFrame(
        [
            {
                "kpi": f"cost_{item}_per_year",
                "mean": 1000.0 * (k + 1),
                "ci_low": 900.0 * (k + 1),
                "ci_high": 1100.0 * (k + 1),
            }
            for k, item in enumerate([*COST_ITEMS, "drug_wasted"])
        ]
    )
    fig = cost_breakdown_figure({"a": summary, "b": summary})
    try:
        shown = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
        assert set(COST_LABELS.values()) <= set(shown)  # the courier too
        care = fig.axes[1]
        assert len(care.patches) == 2 * (len(COST_ITEMS) - 1)
        widths = sorted(p.get_width() for p in care.patches)
        assert widths[-1] == pytest.approx(1000.0 * len(COST_ITEMS))  # the last item, bag delivery
        assert len(care.lines) + len(care.collections) > 0  # error bars
        assert all(np.isfinite(widths))
    finally:
        plt.close(fig)
