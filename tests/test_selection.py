"""KN++ ranking and selection: on constructed cases where the best is known, it picks it at the stated
confidence; the screening arithmetic matches the published formulas; the Pareto front is right."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.measures.selection import (
    SelectionSettings,
    elimination_margin,
    kn_beta,
    kn_h2,
    kn_plus_plus,
    pareto_front,
)


def normal_systems(means: list[float], sd: float, correlation: float, seed: int):
    """Observations of k normal systems under common random numbers: replication r of every system
    shares a common shock, so the paired differences have less variance than the systems."""
    rng = np.random.default_rng(seed)
    names = [f"s{i}" for i in range(len(means))]
    calls = []

    def observe(alive, start, stop):
        calls.append((tuple(alive), start, stop))
        n = stop - start
        common = rng.standard_normal(n)
        out = {}
        for name in names:
            own = rng.standard_normal(n)
            noise = math.sqrt(correlation) * common + math.sqrt(1 - correlation) * own
            out[name] = means[names.index(name)] + sd * noise
        return {name: out[name] for name in alive}

    return names, observe, calls


def test_h2_tends_to_the_brownian_motion_limit():
    beta = kn_beta(0.05, 6)
    assert beta == pytest.approx(1 - 0.95 ** (1 / 5))
    # (r-1)((2 beta)^(-2/(r-1)) - 1) -> -2 ln(2 beta) as r grows, and decreases towards it.
    limit = -2 * math.log(2 * beta)
    assert kn_h2(beta, 10) > kn_h2(beta, 100) > kn_h2(beta, 10_000) > limit
    assert kn_h2(beta, 10_000) == pytest.approx(limit, rel=1e-3)


def test_margin_shrinks_to_zero_once_enough_replications():
    # W = max(0, delta/(2r) (h2 s2/delta^2 - r)): zero once r >= h2 s2 / delta^2.
    assert elimination_margin(s2=4.0, delta=1.0, h2=5.0, stage=10) == pytest.approx(1 / 20 * (20 - 10))
    assert elimination_margin(s2=4.0, delta=1.0, h2=5.0, stage=25) == 0.0


@pytest.mark.parametrize("minimise", [True, False])
def test_selects_the_best_at_the_stated_confidence_in_the_slippage_configuration(minimise):
    """The least favourable case: every other system exactly delta worse. Over 300 macro-replications
    the correct selection rate must be at least 1 - alpha (less 2 binomial standard errors)."""
    delta, alpha, runs = 1.0, 0.05, 300
    best_mean = 0.0 if minimise else 1.0
    other = 1.0 if minimise else 0.0
    correct = 0
    used = []
    for seed in range(runs):
        names, observe, _ = normal_systems([best_mean] + [other] * 5, sd=2.0, correlation=0.5, seed=seed)
        result = kn_plus_plus(
            observe,
            names,
            SelectionSettings(delta=delta, alpha=alpha, first_stage=10, max_replications=10_000),
            minimise=minimise,
        )
        assert result.identified
        correct += result.best == "s0"
        used.append(sum(result.replications.values()))
    rate = correct / runs
    assert rate >= 1 - alpha - 2 * math.sqrt(alpha * (1 - alpha) / runs)
    # And it is sequential: it stops well before the budget.
    assert np.mean(used) < 6 * 10_000 / 10


def test_a_clearly_worse_system_is_eliminated_early_and_gets_fewer_replications():
    names, observe, calls = normal_systems([0.0, 0.5, 5.0], sd=1.0, correlation=0.3, seed=1)
    result = kn_plus_plus(
        observe, names, SelectionSettings(delta=0.25, first_stage=10, max_replications=2000, batch=5)
    )
    assert result.best == "s0"
    assert result.eliminated_at["s2"] == 10  # at the first screening
    assert result.replications["s2"] == 10 < result.replications["s1"]
    # Once eliminated, a system is never observed again.
    assert all("s2" not in alive for alive, start, _ in calls if start >= 10)


def test_budget_exhausted_returns_the_systems_it_could_not_tell_apart():
    names, observe, _ = normal_systems([0.0, 0.0, 10.0], sd=1.0, correlation=0.0, seed=3)
    result = kn_plus_plus(
        observe, names, SelectionSettings(delta=0.1, first_stage=5, max_replications=40, batch=10)
    )
    assert not result.identified
    assert set(result.survivors) == {"s0", "s1"}
    assert result.best in result.survivors
    assert result.replications["s0"] == result.replications["s1"] == 40
    assert "s2" in result.eliminated_at


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="delta"):
        SelectionSettings(delta=0)
    with pytest.raises(ValueError, match="first_stage"):
        SelectionSettings(delta=1, first_stage=1)
    names, observe, _ = normal_systems([0.0], sd=1.0, correlation=0.0, seed=0)
    with pytest.raises(ValueError, match="two"):
        kn_plus_plus(observe, names, SelectionSettings(delta=1))


def test_pareto_front_keeps_exactly_the_undominated_points():
    points = np.array([[1, 5], [2, 3], [3, 3], [4, 1], [5, 5], [2, 3]])
    # (3,3) is dominated by (2,3); (5,5) by everything; the duplicate (2,3) dominates neither copy.
    assert pareto_front(points).tolist() == [True, True, False, True, False, True]
