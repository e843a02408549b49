"""Ranking and selection: which of several configurations is best, at a stated confidence.

KN++ (Kim & Nelson 2001, 2006): a fully sequential procedure with an indifference zone ``delta``.
Every surviving configuration gets one more replication per stage, under common random numbers
(replication r of every configuration shares its seeds), and a configuration is eliminated as soon
as its mean is worse than another's by more than a margin that shrinks with the stage:

    W_il(r) = max(0, delta / (2 r) * (h2(r) * S2_il(r) / delta**2 - r))

with S2_il(r) the sample variance of the paired differences X_i - X_l over the first r replications
(updated at every stage: the "++"), and h2(r) = (r - 1) * ((2 beta)^(-2/(r-1)) - 1), beta = 1 -
(1 - alpha)^(1/(k-1)) (Bonferroni-like split over the k - 1 rivals; c = 1). Whenever the best is at
least ``delta`` better than every other, it is selected with probability at least 1 - alpha; when
some are within ``delta``, whichever is picked is within ``delta`` of the best with that
probability. If the replication budget runs out first, the survivors are those the procedure could
not tell apart.

Observations come in batches (a worker pool runs several replications at once): the screening is
applied at the end of each batch, on every replication observed so far. Screening at fewer stages than
every one only makes an elimination less likely, so the guarantee holds; and no decision ignores a
replication already run. Nothing here draws random numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

Observe = Callable[[Sequence[str], int, int], dict[str, np.ndarray]]
"""observe(configurations, start, stop): the objective of replications start..stop-1 of each."""


@dataclass(frozen=True)
class SelectionSettings:
    delta: float  # the indifference zone: a difference smaller than this does not matter
    alpha: float = 0.05  # 1 - alpha: the probability of correct selection
    first_stage: int = 10  # replications of every configuration before the first screening
    max_replications: int = 100  # the budget per configuration
    batch: int = 10  # replications added per round (all survivors at once, for a worker pool)

    def __post_init__(self) -> None:
        if not self.delta > 0:
            raise ValueError(f"delta (the indifference zone) must be > 0, got {self.delta}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be between 0 and 1, got {self.alpha}")
        if self.first_stage < 2:
            raise ValueError(f"first_stage must be at least 2 replications, got {self.first_stage}")
        if self.max_replications < self.first_stage:
            raise ValueError("max_replications must be at least first_stage")
        if self.batch < 1:
            raise ValueError(f"batch must be at least 1, got {self.batch}")


@dataclass
class SelectionResult:
    best: str  # the selected configuration (the lowest mean among the survivors)
    survivors: list[str]  # not told apart from the best (just the best when identified)
    identified: bool  # True: one survivor, at confidence 1 - alpha; False: the budget ran out
    eliminated_at: dict[str, int]  # configuration -> the stage r at which it was eliminated
    replications: dict[str, int]  # configuration -> replications used by the procedure
    means: dict[str, float]  # each configuration's mean over the replications it used
    observations: dict[str, np.ndarray] = field(repr=False, default_factory=dict)


def kn_beta(alpha: float, configurations: int) -> float:
    """The per-pair error rate: 1 - (1 - alpha)^(1/(k-1))."""
    return 1.0 - (1.0 - alpha) ** (1.0 / max(configurations - 1, 1))


def kn_h2(beta: float, stage: int) -> float:
    """h^2 at stage r (c = 1): (r - 1) * ((2 beta)^(-2/(r-1)) - 1)."""
    dof = stage - 1
    return dof * ((2.0 * beta) ** (-2.0 / dof) - 1.0)


def elimination_margin(s2: float, delta: float, h2: float, stage: int) -> float:
    """W_il(r): how much worse than a rival a mean may be at stage r and still survive."""
    return max(0.0, delta / (2.0 * stage) * (h2 * s2 / delta**2 - stage))


def screen(
    data: dict[str, np.ndarray],
    alive: list[str],
    stage: int,
    delta: float,
    beta: float,
    minimise: bool = True,
) -> list[str]:
    """The configurations of ``alive`` that survive the screening at stage r (first r replications)."""
    h2 = kn_h2(beta, stage)
    sign = 1.0 if minimise else -1.0
    means = {name: sign * float(np.mean(data[name][:stage])) for name in alive}
    survivors = []
    for i in alive:
        beaten = False
        for rival in alive:
            if rival == i:
                continue
            s2 = float(np.var(data[i][:stage] - data[rival][:stage], ddof=1))
            if means[i] > means[rival] + elimination_margin(s2, delta, h2, stage):
                beaten = True
                break
        if not beaten:
            survivors.append(i)
    return survivors


def kn_plus_plus(
    observe: Observe,
    configurations: Sequence[str],
    settings: SelectionSettings,
    minimise: bool = True,
    on_round: Callable[[int, list[str]], None] | None = None,
) -> SelectionResult:
    """Select the best configuration by KN++; ``observe`` runs replications (common random numbers)."""
    names = list(dict.fromkeys(configurations))
    if len(names) < 2:
        raise ValueError("a selection needs at least two configurations")
    beta = kn_beta(settings.alpha, len(names))
    data: dict[str, np.ndarray] = {name: np.empty(0) for name in names}
    alive = list(names)
    eliminated_at: dict[str, int] = {}
    observed = 0
    stage = 0  # the last stage screened
    while len(alive) > 1 and observed < settings.max_replications:
        stop = min(max(observed + settings.batch, settings.first_stage), settings.max_replications)
        new = observe(alive, observed, stop)
        for name in alive:
            values = np.asarray(new[name], dtype=float)
            if values.shape != (stop - observed,):
                raise ValueError(
                    f"observe returned {values.shape} values for {name}, expected {stop - observed}"
                )
            data[name] = np.concatenate([data[name], values])
        observed = stage = stop
        kept = screen(data, alive, stage, settings.delta, beta, minimise)
        for name in alive:
            if name not in kept:
                eliminated_at[name] = stage
        alive = kept
        if on_round:
            on_round(observed, list(alive))
    used = {name: eliminated_at.get(name, stage) for name in names}
    means = {name: float(np.mean(data[name][: used[name]])) for name in names}
    pick = min if minimise else max
    best = pick(alive, key=lambda name: means[name])
    return SelectionResult(
        best=best,
        survivors=sorted(alive, key=lambda name: means[name], reverse=not minimise),
        identified=len(alive) == 1,
        eliminated_at=eliminated_at,
        replications=used,
        means=means,
        observations=data,
    )


def pareto_front(points: np.ndarray) -> np.ndarray:
    """Mask of the points not dominated by another (every column minimised).

    A point is dominated when another is no worse on every objective and better on one.
    """
    values = np.asarray(points, dtype=float)
    on_front = np.ones(len(values), dtype=bool)
    for i, point in enumerate(values):
        no_worse = np.all(values <= point, axis=1)
        better = np.any(values < point, axis=1)
        on_front[i] = not np.any(no_worse & better)
    return on_front
