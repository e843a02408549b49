"""Waits shown as paired differences (share admitted within x days, scenario - base, replication by
replication) and the difference figures' intervals from the one statistics home."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.measures.statistics import interval_by_row, t_interval
from sim.outputs.difference_figures import (
    occupancy_difference_figure,
    share_admitted_within,
    waits_difference_figure,
)

PLANNED, CYCLE_START = 1, 2


def _admissions(waits_by_replication: dict[int, list[float]], kind: int = PLANNED, request: float = 100.0):
    rows = [
        {"replication": r, "kind": kind, "request": request, "wait": w}
        for r, waits in waits_by_replication.items()
        for w in waits
    ]
    return pd.DataFrame(rows)


def test_interval_by_row_is_t_interval_row_by_row():
    rng = np.random.default_rng(3)
    table = rng.normal(size=(6, 5))
    table[2, :4] = np.nan  # one value left: no interval
    table[4, 1] = np.nan
    mean, half = interval_by_row(table)
    for row in range(len(table)):
        expected_mean, expected_half, _ = t_interval(table[row])
        assert mean[row] == pytest.approx(expected_mean)
        if np.isnan(expected_half):
            assert np.isnan(half[row])
        else:
            assert half[row] == pytest.approx(expected_half)


def test_share_admitted_within_counts_each_replication_apart_and_skips_the_warmup():
    admissions = pd.concat(
        [
            _admissions({0: [0.0, 2.0, 5.0, 9.0], 1: [1.0, 1.0]}),
            _admissions({0: [0.0] * 10}, request=10.0),  # requested in the warm-up: not counted
            _admissions({0: [30.0]}, kind=CYCLE_START),  # another kind
            _admissions({1: [np.nan]}),  # censored: never admitted, no wait to count
        ]
    )
    shares = share_admitted_within(admissions, PLANNED, warmup=60.0, days=np.array([0.0, 1.0, 4.0, 9.0]))
    assert shares[0].tolist() == [0.25, 0.25, 0.5, 1.0]
    assert shares[1].tolist() == [0.0, 1.0, 1.0, 1.0]


def test_waits_difference_is_paired_by_replication(monkeypatch):
    """Base waits differ a lot between replications; the other scenario adds 3 days to every wait.
    Paired, each replication's difference is -1 for x in [w, w+3) of its wait w and 0 elsewhere; the
    figure draws the mean of those, never above 0 (the scenario is slower in every replication)."""
    base_waits = {0: [0.0], 1: [10.0], 2: [20.0]}
    other_waits = {r: [w + 3.0 for w in waits] for r, waits in base_waits.items()}
    days = np.array([0.0, 2.0, 4.0, 12.0, 14.0])
    base = share_admitted_within(_admissions(base_waits), PLANNED, 60.0, days)
    other = share_admitted_within(_admissions(other_waits), PLANNED, 60.0, days)
    mean, _ = interval_by_row(other - base)
    assert mean.tolist() == pytest.approx([-1 / 3, -1 / 3, 0.0, -1 / 3, 0.0])
    drawn = {}

    def record(self, x, y1, y2, **kwargs):
        drawn.setdefault("bands", []).append((np.asarray(y1), np.asarray(y2)))

    monkeypatch.setattr(plt.Axes, "fill_between", record)
    admissions = {"base": _admissions(base_waits), "slower": _admissions(other_waits)}
    fig = waits_difference_figure(admissions, "base", 60.0)
    lines = [line for line in fig.axes[0].get_lines() if line.get_label() == "slower - base"]
    assert len(lines) == 1
    x, y = lines[0].get_data()
    assert y[(x > 20.5) & (x < 22.5)] == pytest.approx(-1 / 3)  # only the third replication waits then
    assert np.all(y <= 1e-12)  # slower everywhere: never a larger share admitted
    low, high = drawn["bands"][0]
    assert np.all(low >= -1) and np.all(high <= 1)  # a share's difference stays within [-1, 1]
    plt.close(fig)


def test_occupancy_difference_interval_comes_from_statistics():
    days = np.arange(40)
    frames = {}
    for name, shift in (("base", 0.0), ("more", 1.0)):
        rows = [
            {"day": d, "replication": r, "beds_occupied": 10.0 + r + shift * (r + 1)}
            for r in range(3)
            for d in days
        ]
        frames[name] = pd.DataFrame(rows)
    fig = occupancy_difference_figure(frames, "base", 10.0)
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_label() == "more - base"]
    mean, half = interval_by_row(np.tile([1.0, 2.0, 3.0], (len(days), 1)))
    assert line.get_ydata() == pytest.approx(mean)
    band = fig.axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == pytest.approx(mean[0] + half[0]) and band.min() == pytest.approx(mean[0] - half[0])
    plt.close(fig)
