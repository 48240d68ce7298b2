"""Probability distributions as scenario values: a name and its parameters.

A bare number is read as a fixed value, so ``transit_days: 30`` and
``transit_days: {dist: fixed, value: 30}`` mean the same.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

LARGEST = 1e6
"""The largest value a distribution's parameter may take (a million of its unit: days, or kg): beyond it a draw
means nothing physical and arithmetic on it can overflow."""
LARGEST_CV = 1000.0
"""The largest coefficient of variation (sd over mean) of a lognormal: beyond it the log-scale parameters
overflow."""


class _Dist(BaseModel):
    """Base of every distribution; each subclass defines ``expected_value()``."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False)


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = "fixed"
    value: float = Field(ge=0, le=LARGEST, description="The value drawn every time.")

    def expected_value(self) -> float:
        return self.value


class Exponential(_Dist):
    """Memoryless times (Poisson arrivals, M/M/c service)."""

    dist: Literal["exponential"]
    mean: float = Field(gt=0, le=LARGEST, description="Mean of the distribution.")

    def expected_value(self) -> float:
        return self.mean


class Lognormal(_Dist):
    """Right-skewed times stated by their mean and standard deviation (not log-scale)."""

    dist: Literal["lognormal"]
    mean: float = Field(gt=0, le=LARGEST, description="Mean of the distribution.")
    sd: float = Field(gt=0, le=LARGEST, description="Standard deviation of the distribution.")

    def expected_value(self) -> float:
        return self.mean

    @model_validator(mode="after")
    def _spread_finite(self) -> Lognormal:
        if self.sd > LARGEST_CV * self.mean:
            raise ValueError(f"sd {self.sd:g} is over {LARGEST_CV:g} times the mean {self.mean:g}: no lognormal "
                             "that wide can be drawn from")
        return self

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal distribution."""
        sigma2 = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)


class Gamma(_Dist):
    """Gamma distribution by shape and scale."""

    dist: Literal["gamma"]
    shape: float = Field(gt=0, le=LARGEST, description="Shape parameter k.")
    scale: float = Field(gt=0, le=LARGEST, description="Scale parameter theta; the mean is shape * scale.")

    def expected_value(self) -> float:
        return self.shape * self.scale


class Triangular(_Dist):
    """Expert-judgement range: lowest, most likely and highest value."""

    dist: Literal["triangular"]
    low: float = Field(ge=0, le=LARGEST, description="Lowest value.")
    mode: float = Field(ge=0, le=LARGEST, description="Most likely value.")
    high: float = Field(ge=0, le=LARGEST, description="Highest value.")

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("triangular needs low <= mode <= high and low < high")
        return self

    def expected_value(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Uniform(_Dist):
    """Any value between low and high, equally likely."""

    dist: Literal["uniform"]
    low: float = Field(ge=0, le=LARGEST, description="Lowest value.")
    high: float = Field(ge=0, le=LARGEST, description="Highest value.")

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError("uniform needs low < high")
        return self

    def expected_value(self) -> float:
        return (self.low + self.high) / 2


class Empirical(_Dist):
    """Resampling of observed values, optionally weighted."""

    dist: Literal["empirical"]
    values: list[Annotated[float, Field(ge=0)]] = Field(
        min_length=1, max_length=100_000, description="Observed values to draw from."
    )
    weights: list[Annotated[float, Field(ge=0)]] | None = Field(
        default=None, description="Relative weight of each value; equal weights if absent."
    )

    @model_validator(mode="after")
    def _weights_match(self) -> Empirical:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def probabilities(self) -> list[float] | None:
        """Normalised weights, or None for equal weights."""
        if self.weights is None:
            return None
        total = sum(self.weights)
        return [w / total for w in self.weights]

    def expected_value(self) -> float:
        p = self.probabilities() or [1 / len(self.values)] * len(self.values)
        return sum(v * w for v, w in zip(self.values, p, strict=False))


def _number_as_fixed(value: object) -> object:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return {"dist": "fixed", "value": value}
    return value


Distribution = Annotated[
    Fixed | Exponential | Lognormal | Gamma | Triangular | Uniform | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_number_as_fixed),
]
"""Any distribution, chosen by its ``dist`` key."""
