"""Drawing from scenario distributions with a numpy Generator, a batch at a time."""

from __future__ import annotations

import functools
import hashlib
import itertools
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

    def entity_block(self, source: str, index: int, substream: int, block: int) -> np.random.Generator: ...


Sampler = Callable[[], float]
"""Endless draws from one distribution: each call returns the next value."""

Blocks = Callable[[int], np.random.Generator]
"""An entity's stream, a block at a time: the generator set to block ``b`` (``RandomStreams.entity_block``)."""


def sampler(spec: object, rng: np.random.Generator | Blocks) -> Sampler:
    """Draws from a distribution, a batch at a time so that numpy's call overhead is paid once a batch.

    ``rng`` is a generator, or a function giving a generator set to block ``b`` of an entity's stream
    (``RandomStreams.entity_block``), batch ``b`` being drawn from block ``b``.
    """
    return _draws(_batch_function(spec), rng).__next__


def _draws(draw: Callable[[np.random.Generator, int], np.ndarray],
           rng: np.random.Generator | Blocks) -> Iterator[float]:
    if isinstance(rng, np.random.Generator):
        while True:
            yield from draw(rng, BATCH).tolist()
    for block in itertools.count():
        yield from draw(rng(block), BATCH).tolist()


class Dice:
    """One stock's own random draws for its applications and orders (common random numbers).

    Each source has a stream per stock; sources that depend on the licence kind (review, approval,
    vetting) have a substream per kind, numbered from the kind's name (``substream``), so that adding a
    kind leaves every other kind's draws as they were.
    """

    __slots__ = ("review", "approval", "vetting_days", "vetting_pass", "production_days", "transit_days",
                 "granted_share")

    def __init__(self, scenario: Scenario, streams: RandomStreams, index: int, destination: str) -> None:
        kinds, supply = scenario.licence_types, scenario.supply
        self.review = ByKind(streams, "review", index, {k: kinds[k].review_days for k in LICENCE_KINDS})
        self.approval = ByKind(streams, "approval", index, dict.fromkeys(LICENCE_KINDS, UNIT))
        self.vetting_days = ByKind(streams, "vetting", index, {k: kinds[k].vetting_days for k in LICENCE_KINDS})
        self.vetting_pass = ByKind(streams, "vetting_pass", index, dict.fromkeys(LICENCE_KINDS, UNIT))
        self.granted_share = BySpec(streams, "partial", index)
        self.production_days = sampler(supply.production_days, partial(streams.entity_block, "production", index, 0))
        transit = supply.transit_days_by_destination.get(destination, supply.transit_days)
        self.transit_days = sampler(transit, partial(streams.entity_block, "transit", index, 0))


class ByKind(dict):
    """One stock's samplers of one source, by licence kind, each made when first drawn from: a stock uses one or
    two kinds, and a replication has thousands of stocks."""

    __slots__ = ("streams", "source", "index", "specs")

    def __init__(self, streams: RandomStreams, source: str, index: int, specs: dict[str, object]) -> None:
        super().__init__()
        self.streams, self.source, self.index, self.specs = streams, source, index, specs

    def __missing__(self, kind: str) -> Sampler:
        made = self[kind] = sampler(self.specs[kind], partial(self.streams.entity_block, self.source, self.index,
                                                              substream(kind)))
        return made


class BySpec(dict):
    """One stock's draws of one source from whichever distribution is asked (a treatment may set its own): each
    distribution's on a substream numbered from its description, its sampler made when first drawn from."""

    __slots__ = ("streams", "source", "index")

    def __init__(self, streams: RandomStreams, source: str, index: int) -> None:
        super().__init__()
        self.streams, self.source, self.index = streams, source, index

    def __call__(self, spec: object) -> float:
        key = repr(spec)  # distributions with lists (empirical) do not hash
        draw = self.get(key)
        if draw is None:
            draw = self[key] = sampler(spec, partial(self.streams.entity_block, self.source, self.index,
                                                     substream(key)))
        return draw()


@functools.cache
def substream(name: str) -> int:
    """A stable substream number for a name (a licence kind): the first 32 bits of its SHA-256."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")


def _batch_function(spec: object) -> Callable[[np.random.Generator, int], np.ndarray]:
    """``n`` draws of a distribution from a generator: made once for each distinct distribution (an empirical
    one, whose lists do not hash, each time)."""
    return _draw_function(spec) if isinstance(spec, Empirical) else _cached_draw_function(spec)


def _draw_function(spec: object) -> Callable[[np.random.Generator, int], np.ndarray]:
    match spec:
        case Fixed(value=value):
            return lambda rng, n: np.full(n, value)
        case Exponential(mean=mean):
            return lambda rng, n: rng.exponential(mean, n)
        case Lognormal():
            mu, sigma = spec.log_params()
            return lambda rng, n: rng.lognormal(mu, sigma, n)
        case Gamma(shape=shape, scale=scale):
            return lambda rng, n: rng.gamma(shape, scale, n)
        case Triangular(low=low, mode=mode, high=high):
            return lambda rng, n: rng.triangular(low, mode, high, n)
        case Uniform(low=low, high=high):
            return lambda rng, n: rng.uniform(low, high, n)
        case Empirical():
            values, p = np.asarray(spec.values), spec.probabilities()
            return lambda rng, n: rng.choice(values, n, p=p)
    raise TypeError(f"not a distribution: {spec!r}")


_cached_draw_function = functools.lru_cache(maxsize=1024)(_draw_function)


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
