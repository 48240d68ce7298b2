"""Drawing from scenario distributions with a numpy Generator, a batch at a time."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from functools import partial
from typing import Protocol

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
from sim.scenario.schema import LICENCE_KINDS, Scenario

UNIT = Uniform(dist="uniform", low=0.0, high=1.0)
"""Uniform on [0, 1): the dice of yes-or-no draws."""

BATCH = 64


class RandomStreams(Protocol):
    """Where a replication's random numbers come from (``sim.runs.streams.Streams``)."""

    def shared(self, source: str) -> np.random.Generator: ...

    def entity(self, source: str, index: int, substream: int = 0) -> np.random.Generator: ...


Sampler = Callable[[], float]
"""Endless draws from one distribution: each call returns the next value."""


def sampler(spec: object, rng: np.random.Generator | Callable[[], np.random.Generator]) -> Sampler:
    """Draws from a distribution, a batch at a time so that numpy's call overhead is paid once a batch.

    ``rng`` is a generator, or a function making one when the first value is needed (many samplers
    of a replication are never used, and making a generator has a cost).
    """
    return _draws(spec, rng).__next__


def _draws(spec: object, rng: np.random.Generator | Callable[[], np.random.Generator]) -> Iterator[float]:
    draw = _batch_function(spec, rng if isinstance(rng, np.random.Generator) else rng())
    while True:
        yield from draw(BATCH).tolist()


class Dice:
    """One stock's own random draws for its applications and orders (common random numbers).

    Each source has a stream per stock; sources that depend on the licence kind (review, approval,
    vetting) have a substream per kind, numbered from the kind's name (``substream``), so that adding a
    kind leaves every other kind's draws as they were.
    """

    __slots__ = ("review", "approval", "vetting_days", "vetting_pass", "production_days", "transit_days")

    def __init__(self, scenario: Scenario, streams: RandomStreams, index: int, destination: str) -> None:
        kinds, supply = scenario.licence_types, scenario.supply
        self.review = ByKind(streams, "review", index, {k: kinds[k].review_days for k in LICENCE_KINDS})
        self.approval = ByKind(streams, "approval", index, dict.fromkeys(LICENCE_KINDS, UNIT))
        self.vetting_days = ByKind(streams, "vetting", index, {k: kinds[k].vetting_days for k in LICENCE_KINDS})
        self.vetting_pass = ByKind(streams, "vetting_pass", index, dict.fromkeys(LICENCE_KINDS, UNIT))
        self.production_days = sampler(supply.production_days, partial(streams.entity, "production", index))
        transit = supply.transit_days_by_destination.get(destination, supply.transit_days)
        self.transit_days = sampler(transit, partial(streams.entity, "transit", index))


class ByKind(dict):
    """One stock's samplers of one source, by licence kind, each made when first drawn from: a stock uses one or
    two kinds, and a replication has thousands of stocks."""

    __slots__ = ("streams", "source", "index", "specs")

    def __init__(self, streams: RandomStreams, source: str, index: int, specs: dict[str, object]) -> None:
        super().__init__()
        self.streams, self.source, self.index, self.specs = streams, source, index, specs

    def __missing__(self, kind: str) -> Sampler:
        made = self[kind] = sampler(self.specs[kind], partial(self.streams.entity, self.source, self.index,
                                                              substream(kind)))
        return made


@functools.cache
def substream(name: str) -> int:
    """A stable substream number for a name (a licence kind): the first 32 bits of its SHA-256."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


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


def gamma_rates(means: np.ndarray, cvs: np.ndarray, periods: int, rng: np.random.Generator) -> np.ndarray:
    """Positive rates with the given means and coefficients of variation: a row per period, a column
    per mean, drawn row by row. A column with cv ~ 0 is its mean (a gamma that narrow would overflow
    its shape) and draws nothing."""
    means, cvs = np.asarray(means, dtype=float), np.asarray(cvs, dtype=float)
    rates = np.tile(means, (periods, 1))
    random = cvs >= 1e-6
    shape = 1 / cvs[random] ** 2
    rates[:, random] = rng.gamma(shape, means[random] / shape, size=(periods, int(random.sum())))
    return rates
