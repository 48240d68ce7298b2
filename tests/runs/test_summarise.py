"""Summaries across replications agree with scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.runs.summarise import mean_interval, summarise


def test_mean_ci_and_percentiles_match_scipy():
    rng = np.random.default_rng(0)
    values = rng.gamma(2.0, 3.0, size=(40, 2))
    values[:5, 1] = np.nan  # five replications without the second metric
    table = summarise([("delay_days", "all"), ("delay_days", "sector:x")], values)
    for column, row in enumerate(table.itertuples()):
        sample = values[:, column][~np.isnan(values[:, column])]
        low, high = stats.t.interval(0.95, len(sample) - 1, loc=sample.mean(), scale=stats.sem(sample))
        assert row.n == len(sample)
        assert row.mean == pytest.approx(sample.mean())
        assert (row.ci_low, row.ci_high) == pytest.approx((low, high))
        assert (row.p5, row.p50, row.p95) == pytest.approx(tuple(np.percentile(sample, [5, 50, 95])))


def test_single_replication_has_no_interval_and_empty_metric_is_nan():
    table = summarise([("needs", "all"), ("delay_days", "all")], np.array([[1.0, np.nan]]))
    assert table.loc[0, "mean"] == 1.0 and np.isnan(table.loc[0, "ci_low"])
    assert table.loc[1, "n"] == 0 and np.isnan(table.loc[1, "mean"])


def test_intervals_stay_inside_the_range_of_the_metric():
    """Four replications of a rare count and of a share near 1: the t interval would leave the range."""
    values = np.array([[0.0, 1.0], [0.0, 0.98], [3.0, 1.0], [0.0, 0.9]])
    table = summarise([("rejections_veu", "all"), ("censored_fraction", "all")], values).set_index("metric")
    t_low = values[:, 0].mean() - stats.t.ppf(0.975, 3) * stats.sem(values[:, 0])
    assert t_low < 0 and table.loc["rejections_veu", "ci_low"] == 0.0
    assert table.loc["censored_fraction", "ci_high"] == 1.0
    assert table.loc["rejections_veu", "ci_high"] == pytest.approx(
        values[:, 0].mean() + stats.t.ppf(0.975, 3) * stats.sem(values[:, 0]))


def test_mean_interval_keeps_to_its_bounds():
    mean, low, high = mean_interval(np.array([0.0, 0.0, 0.0, 1.0]), bounds=(0.0, 1.0))
    assert (mean, low, high) == (0.25, 0.0, 1.0)  # the t interval is 0.25 ± 0.80
