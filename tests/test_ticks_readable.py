"""Figures stay readable whatever their values: tick labels distinct and apart, titles inside the figure.

Ticks were written as whole numbers (whole k€ for costs): a KPI whose effects span less than one unit
(a share, a per-episode cost in k€) had its ticks all read "0" or "1"; long French KPI names ran
off the figure."""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.outputs.economics_figures import tornado_figure
from sim.outputs.maps import plot_canton_values

PARAMETERS = ["beds.capacity", "costs.had_day_eur", "day_hospital.background.requests_per_day"]


def _table(kpi: str, base: float, step: float) -> pd.DataFrame:
    rows = [
        {
            "kpi": kpi,
            "parameter": name,
            "swing": (i + 1) * 2 * step,
            "kpi_base": base,
            "effect_low": -(i + 1) * step,
            "effect_high": (i + 1) * step,
            "effect_low_ci_half": step / 4,
            "effect_high_ci_half": step / 4,
            "low_value": 1,
            "high_value": 3,
            "base_value": 2,
        }
        for i, name in enumerate(PARAMETERS)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(
    ("kpi", "base", "step"),
    [
        ("planned_wait_p95_days", 0.42, 0.1),  # effects of a tenth of a day
        ("cost_total_per_episode", 52_000.0, 150.0),  # a fraction of a k€
        ("cost_total_per_year", 2.35e6, 4e6),  # wide: tens of thousands of k€
    ],
)
def test_ticks_are_distinct_apart_and_titles_fit(kpi: str, base: float, step: float, lang: str) -> None:
    fig = tornado_figure(_table(kpi, base, step), kpi, lang)
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        low, high = ax.get_xlim()
        ticks = [t for t in ax.get_xticklabels() if low <= t.get_position()[0] <= high and t.get_text()]
        texts = [t.get_text() for t in ticks]
        assert len(texts) >= 3 and len(set(texts)) == len(texts), texts
        boxes = sorted((t.get_window_extent(renderer) for t in ticks), key=lambda b: b.x0)
        assert all(left.x1 < right.x0 for left, right in itertools.pairwise(boxes)), texts
        width = fig.bbox.width
        for label in (ax.title, ax.xaxis.label):
            box = label.get_window_extent(renderer)
            assert box.x0 >= 0 and box.x1 <= width, label.get_text()
    finally:
        plt.close(fig)


def test_a_map_of_small_values_has_distinct_colour_bar_ticks(territory) -> None:
    """Episodes a year by canton are mostly under 3: the colour bar read 0, 0, 1, 1, 2, 2 before."""
    cantons = territory.canton_outlines["canton"].to_numpy()
    values = pd.Series(np.linspace(0.0, 2.5, len(cantons)), index=cantons)
    for lang in ("en", "fr"):
        fig = plot_canton_values(territory, values, "Episodes: a year", lang=lang)
        try:
            fig.canvas.draw()
            colour_bar = fig.axes[-1]
            low, high = colour_bar.get_ylim()
            texts = [
                t.get_text()
                for t in colour_bar.get_yticklabels()
                if low <= t.get_position()[1] <= high and t.get_text()
            ]
            assert len(texts) >= 3 and len(set(texts)) == len(texts), texts
            assert ("2,5" if lang == "fr" else "2.5") in texts
        finally:
            plt.close(fig)
