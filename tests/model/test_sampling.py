"""Distributions: every kind draws with the mean it states."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from sim.model.sampling import gamma_rates, sampler
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
    draw = sampler(dist, np.random.default_rng(1))
    values = np.array([draw() for _ in range(20_000)])
    tolerance = 4 * values.std() / math.sqrt(len(values)) + 1e-12
    assert abs(values.mean() - dist.expected_value()) <= tolerance
    assert (values >= 0).all()


def test_same_generator_state_same_draws():
    dist = TypeAdapter(Distribution).validate_python({"dist": "exponential", "mean": 1})
    first = sampler(dist, np.random.default_rng(3))
    second = sampler(dist, np.random.default_rng(3))
    assert [first() for _ in range(600)] == [second() for _ in range(600)]


def test_gamma_rates_have_the_stated_means_and_cvs():
    n = 20_000
    rates = gamma_rates(np.array([4.0, 1.0]), np.array([0.5, 0.2]), n, np.random.default_rng(2))
    assert rates.shape == (n, 2)
    for column, (mean, cv) in enumerate([(4.0, 0.5), (1.0, 0.2)]):
        x = rates[:, column]
        assert abs(x.mean() - mean) <= 4 * x.std() / math.sqrt(n)
        # sd of a sample sd: sigma * sqrt((kurtosis - 1) / 4n), a gamma's kurtosis being 3 + 6 cv^2
        assert abs(x.std() - mean * cv) <= 4 * mean * cv * math.sqrt((2 + 6 * cv**2) / (4 * n))


def test_gamma_rates_draw_row_by_row_and_nothing_for_a_fixed_rate():
    rng, again = np.random.default_rng(7), np.random.default_rng(7)
    rates = gamma_rates(np.array([4.0, 3.0, 1.0]), np.array([0.5, 0.0, 0.2]), 3, rng)
    np.testing.assert_array_equal(rates[:, 1], 3.0)
    expected = [again.gamma(shape, mean / shape) for _ in range(3) for mean, shape in [(4.0, 4.0), (1.0, 25.0)]]
    np.testing.assert_array_equal(rates[:, [0, 2]].ravel(), expected)


def test_an_entity_sampler_draws_its_batches_from_consecutive_blocks_of_its_stream():
    from functools import partial

    from sim.model.sampling import BATCH, UNIT, sampler
    from sim.runs.streams import streams

    s = streams(5, 0)
    draws = sampler(UNIT, partial(s.entity_block, "transit", 3, 0))
    values = [draws() for _ in range(2 * BATCH + 1)]
    for block in range(3):
        expected = streams(5, 0).entity_block("transit", 3, 0, block).random(BATCH)
        np.testing.assert_array_equal(values[block * BATCH:(block + 1) * BATCH], expected[:len(values) - block * BATCH])
