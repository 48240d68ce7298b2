"""Drawing from scenario distributions with a numpy Generator, a batch at a time."""

from __future__ import annotations

import numpy as np

from sim.scenario.distributions import (
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
)

BATCH = 256


class Sampler:
    """Endless draws from one distribution; each call returns the next value as a float.

    Values are drawn in batches from the given generator, so that a source drawing often pays
    numpy's call overhead once per batch rather than once per value.
    """

    __slots__ = ("_draw", "_buffer", "_next")

    def __init__(self, spec: object, rng: np.random.Generator) -> None:
        self._draw = _batch_function(spec, rng)
        self._buffer: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next == len(self._buffer):
            self._buffer = self._draw(BATCH).tolist()
            self._next = 0
        value = self._buffer[self._next]
        self._next += 1
        return value


def _batch_function(spec: object, rng: np.random.Generator):
    match spec:
        case Fixed(value=value):
            return lambda n: np.full(n, value)
        case Exponential(mean=mean):
            return lambda n: rng.exponential(mean, n)
        case Lognormal():
            mu, sigma = spec.log_params()
            return lambda n: rng.lognormal(mu, sigma, n)
        case Gamma(shape=shape, scale=scale):
            return lambda n: rng.gamma(shape, scale, n)
        case Triangular(low=low, mode=mode, high=high):
            return lambda n: rng.triangular(low, mode, high, n)
        case Uniform(low=low, high=high):
            return lambda n: rng.uniform(low, high, n)
        case Empirical():
            values, p = np.asarray(spec.values), spec.probabilities()
            return lambda n: rng.choice(values, n, p=p)
    raise TypeError(f"not a distribution: {spec!r}")


def gamma_rate(mean: float, cv: float, rng: np.random.Generator) -> float:
    """One draw of a positive rate with the given mean and coefficient of variation."""
    if cv < 1e-6:  # a gamma this narrow is the mean, and its shape would overflow
        return mean
    shape = 1 / cv**2
    return float(rng.gamma(shape, mean / shape))
