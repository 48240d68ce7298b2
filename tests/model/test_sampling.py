"""Distributions: every kind draws with the mean it states."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.model.sampling import Sampler, gamma_rate
from sim.scenario.distributions import Distribution

SPECS = [
    5,
    {"dist": "exponential", "mean": 3},
    {"dist": "lognormal", "mean": 10, "sd": 4},
    {"dist": "gamma", "shape": 2, "scale": 1.5},
    {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
    {"dist": "uniform", "low": 2, "high": 4},
    {"dist": "empirical", "values": [1, 2, 10], "weights": [1, 1, 2]},
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s if isinstance(s, int) else s["dist"])
def test_sample_mean_matches_the_stated_mean(spec):
    """Within 4 standard errors of the sample (false alarm about 6e-5)."""
    dist = TypeAdapter(Distribution).validate_python(spec)
    draw = Sampler(dist, np.random.default_rng(1))
    values = np.array([draw() for _ in range(20_000)])
    tolerance = 4 * values.std() / math.sqrt(len(values)) + 1e-12
    assert abs(values.mean() - dist.expected_value()) <= tolerance
    assert (values >= 0).all()


def test_same_generator_state_same_draws():
    dist = TypeAdapter(Distribution).validate_python({"dist": "exponential", "mean": 1})
    first = Sampler(dist, np.random.default_rng(3))
    second = Sampler(dist, np.random.default_rng(3))
    assert [first() for _ in range(600)] == [second() for _ in range(600)]


def test_gamma_rate_has_the_stated_mean_and_cv():
    rng = np.random.default_rng(2)
    rates = np.array([gamma_rate(4.0, 0.5, rng) for _ in range(20_000)])
    assert abs(rates.mean() - 4.0) <= 4 * rates.std() / math.sqrt(len(rates))
    assert rates.std() / rates.mean() == pytest.approx(0.5, rel=0.05)
    assert gamma_rate(4.0, 0.0, rng) == 4.0
