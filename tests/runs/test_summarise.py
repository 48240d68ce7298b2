"""Summaries across replications agree with scipy.stats."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.runs.summarise import summarise


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
    table = summarise([("a", "all"), ("b", "all")], np.array([[1.0, np.nan]]))
    assert table.loc[0, "mean"] == 1.0 and np.isnan(table.loc[0, "ci_low"])
    assert table.loc[1, "n"] == 0 and np.isnan(table.loc[1, "mean"])
