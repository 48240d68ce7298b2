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


class Draws(dict):
    """One source's samplers for every stock that draws from it: ``draws[stock]()`` (or, where the distribution
    depends on a name such as a licence kind, ``draws[stock, name]()``) is the next draw for that stock (its
    index). Each stock draws on a stream of its own (common random numbers: a stock's n-th review is the same
    number in every policy variant), and each name on a substream of it (``substream``), so that adding a kind
    leaves every other kind's draws as they were. A sampler is made when first drawn from (a replication has
    thousands of stocks, each drawing from one or two kinds), of the distribution ``spec(stock, name)``
    (``name`` None for a stock alone), or of one given to ``make``."""

    __slots__ = ("_blocks", "_source", "_spec")

    def __init__(self, streams: RandomStreams, source: str,
                 spec: Callable[[int, str | None], object] | None = None) -> None:
        super().__init__()
        self._blocks = streams.entity_block
        self._source = source
        self._spec = spec

    def __missing__(self, key: int | tuple[int, str]) -> Sampler:
        if self._spec is None:  # each sampler's distribution is given when it is made
            raise KeyError(key)
        stock, name = key if isinstance(key, tuple) else (key, None)
        return self._made(key, stock, name, self._spec(stock, name))

    def make(self, key: int | tuple[int, str], spec: object) -> Sampler:
        """The sampler of ``key`` (as ``__missing__`` makes it), of the distribution ``spec``."""
        stock, name = key if isinstance(key, tuple) else (key, None)
        return self._made(key, stock, name, spec)

    def _made(self, key: int | tuple[int, str], stock: int, name: str | None, spec: object) -> Sampler:
        substream_number = 0 if name is None else substream(name)
        made = self[key] = sampler(spec, partial(self._blocks, self._source, stock, substream_number))
        return made


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
