"""Random durations and counts, each configurable in a scenario file by ``dist:``.

{dist: fixed, value: 9}
{dist: exponential, mean: 28}
{dist: lognormal, mean: 28, cv: 0.5}
{dist: gamma, mean: 28, cv: 0.5}
{dist: triangular, low: 2, mode: 5, high: 10}
{dist: uniform, low: 7, high: 28}
{dist: empirical, values: [1, 2, 3], weights: [9, 5, 1]}

A distribution here is a validated specification with its mean and quantile function; the values
are drawn in the model (``sim.model.draws.sample``), the only place that draws random numbers.

Every parameter is a finite number from 0 to ``MAX_VALUE`` (durations in days, counts, prices:
a distribution never describes anything negative here); a coefficient of variation lies in
[``MIN_CV``, ``MAX_CV``], outside which gamma and lognormal draws overflow or degenerate
(``sim.scenario.bounds``).
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.scenario.bounds import CV, MAX_POINTS, Mean, Value, Weight
from sim.scenario.errors import shown


class _Dist(BaseModel):
    # strict: no true for 1 and no "3" for 3; allow_inf_nan: no .inf or .nan.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @property
    def mean_value(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def ppf(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Quantile function: values at probabilities u (for Latin hypercube sampling)."""
        raise NotImplementedError

    @property
    def reach(self) -> tuple[float, float]:
        """The lowest and highest values ``occisim validate`` checks a PSA parameter at: the ends of a
        bounded distribution; for one unbounded above (its mean and CV), its mean and 10 standard
        deviations above it (closed form: no scipy for validate)."""
        spread = getattr(self, "cv", 1.0)  # an exponential's CV is 1
        return self.mean_value, self.mean_value * (1 + 10 * spread)


class Fixed(_Dist):
    dist: Literal["fixed"]
    value: Value

    def ppf(self, u):
        return np.full(np.shape(u), self.value, dtype=float)

    @property
    def mean_value(self) -> float:
        return self.value

    @property
    def reach(self) -> tuple[float, float]:
        return self.value, self.value


class Exponential(_Dist):
    dist: Literal["exponential"]
    mean: Mean

    def ppf(self, u):
        return -self.mean * np.log1p(-np.asarray(u, dtype=float))

    @property
    def mean_value(self) -> float:
        return self.mean


class LogNormal(_Dist):
    """Parameterised by the mean and coefficient of variation of the variable itself."""

    dist: Literal["lognormal"]
    mean: Mean
    cv: CV

    @property
    def log_mean_and_sd(self) -> tuple[float, float]:
        """Mean and standard deviation of the variable's logarithm."""
        sigma2 = math.log1p(self.cv**2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def ppf(self, u):
        mu, sigma = self.log_mean_and_sd
        from scipy import stats  # when drawn, not when a scenario is read: slow to import

        return stats.lognorm(s=sigma, scale=math.exp(mu)).ppf(u)

    @property
    def mean_value(self) -> float:
        return self.mean


class Gamma(_Dist):
    dist: Literal["gamma"]
    mean: Mean
    cv: CV

    @property
    def shape_and_scale(self) -> tuple[float, float]:
        shape = 1.0 / self.cv**2
        return shape, self.mean / shape

    def ppf(self, u):
        shape, scale = self.shape_and_scale
        from scipy import stats  # when drawn, not when a scenario is read: slow to import

        return stats.gamma(a=shape, scale=scale).ppf(u)

    @property
    def mean_value(self) -> float:
        return self.mean


class Triangular(_Dist):
    dist: Literal["triangular"]
    low: Value
    mode: Value
    high: Value

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError(
                "expected low <= mode <= high with low < high, "
                f"found low {self.low:g}, mode {self.mode:g}, high {self.high:g}"
            )
        return self

    def ppf(self, u):
        width = self.high - self.low
        from scipy import stats  # when drawn, not when a scenario is read: slow to import

        return stats.triang(c=(self.mode - self.low) / width, loc=self.low, scale=width).ppf(u)

    @property
    def mean_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def reach(self) -> tuple[float, float]:
        return self.low, self.high


class Uniform(_Dist):
    dist: Literal["uniform"]
    low: Value
    high: Value

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.low > self.high:
            raise ValueError(f"expected low <= high, found low {self.low:g}, high {self.high:g}")
        return self

    def ppf(self, u):
        return self.low + np.asarray(u, dtype=float) * (self.high - self.low)

    @property
    def mean_value(self) -> float:
        return (self.low + self.high) / 2

    @property
    def reach(self) -> tuple[float, float]:
        return self.low, self.high


class Empirical(_Dist):
    """Values drawn with the given weights (counts are fine: they are normalised)."""

    dist: Literal["empirical"]
    values: list[Value] = Field(min_length=1, max_length=MAX_POINTS)
    weights: list[Weight] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"expected one weight per value, "
                    f"found {len(self.values)} values and {len(self.weights)} weights"
                )
            if sum(self.weights) <= 0:
                raise ValueError(f"expected a positive weight somewhere, found {shown(self.weights)}")
        return self

    @property
    def probabilities(self) -> np.ndarray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, dtype=float)
        return w / w.sum()

    def ppf(self, u):
        order = np.argsort(self.values)
        values = np.asarray(self.values, dtype=float)[order]
        cumulative = np.cumsum(self.probabilities[order])
        index = np.searchsorted(cumulative, np.asarray(u, dtype=float), side="right")
        return values[np.clip(index, 0, len(values) - 1)]

    @property
    def mean_value(self) -> float:
        return float(np.dot(self.values, self.probabilities))

    @property
    def reach(self) -> tuple[float, float]:
        return float(min(self.values)), float(max(self.values))


Distribution = Annotated[
    Fixed | Exponential | LogNormal | Gamma | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
]
