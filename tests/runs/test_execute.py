"""Monte Carlo runs: reproducible whatever the worker count, independent streams, tidy tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.catalogue import METRICS
from sim.runs.execute import replicate, run
from sim.runs.streams import streams
from tests.conftest import small


def test_same_seed_same_summary_with_one_or_two_workers(small_scenario):
    one = run(small_scenario, replications=6, seed=9, workers=1)
    two = run(small_scenario, replications=6, seed=9, workers=2)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    pd.testing.assert_frame_equal(one.per_replication, two.per_replication)
    pd.testing.assert_frame_equal(one.timeseries, two.timeseries)
    assert one.events == two.events


def test_different_seed_different_numbers(small_scenario):
    first = run(small_scenario, replications=4, seed=1, workers=1).summary
    second = run(small_scenario, replications=4, seed=2, workers=1).summary
    delay = (first.metric == "delay_days") & (first.group == "all")
    assert first.loc[delay, "mean"].item() != second.loc[delay, "mean"].item()


def test_replications_differ_from_each_other(small_scenario):
    table = run(small_scenario, replications=5, seed=1, workers=1).per_replication
    delays = table[(table.metric == "delay_days") & (table.group == "all")]["value"]
    assert delays.nunique() == 5


def test_streams_are_independent_per_source_entity_and_replication():
    a, b = streams(1, 0), streams(1, 1)
    draws = [s.shared(name).random(4).tolist() for s in (a, b) for name in ("review", "demand")]
    draws += [s.entity(name, i).random(4).tolist() for s in (a, b) for name in ("review", "transit") for i in (0, 1)]
    assert len({tuple(v) for v in draws}) == len(draws)
    assert streams(1, 0).entity("review", 3).random() == streams(1, 0).entity("review", 3).random()
    assert streams(1, 0).shared("demand").random() == streams(1, 0).shared("demand").random()


def test_summary_has_every_metric_for_every_group():
    scenario = small()
    result = run(scenario, replications=3, seed=1, workers=1)
    summary = result.summary
    assert list(summary.columns[:9]) == ["metric", "group", "mean", "ci_low", "ci_high", "sd", "p5", "p50", "p95"]
    expected_groups = {"all", "sector:automotive", "sector:defence", "destination:EU", "destination:US",
                       "material:Dy", "material:Ga", "buyer:auto", "buyer:defence"}
    assert set(summary.group) == expected_groups
    assert set(summary.metric) == set(METRICS)
    all_rows = summary[summary.group == "all"].set_index("metric")
    assert all_rows.loc["vetting_days", "n"] == 0  # no general licences: nothing vetted, nothing to measure
    assert (all_rows.drop("vetting_days")["n"] == 3).all()
    # Group totals add up: automotive and defence orders make all orders.
    orders = summary[summary.metric == "needs"].set_index("group")["mean"]
    assert orders["sector:automotive"] + orders["sector:defence"] == pytest.approx(orders["all"])
    assert orders["material:Dy"] + orders["material:Ga"] == pytest.approx(orders["all"])
    months = result.timeseries.month.unique()
    assert months[0] == "2025-01" and months[-1] == "2026-01"
    assert np.isclose(result.timeseries.demand_kg.sum() / 3,
                      summary.set_index(["metric", "group"]).loc[("demand_kg", "all"), "mean"], rtol=0.2)


def test_delay_distribution_counts_every_delivered_and_censored_order(small_scenario):
    result = run(small_scenario, replications=3, seed=2, workers=1)
    per_replication = result.per_replication.set_index(["metric", "group", "replication"])["value"]
    for index, counts in enumerate(result.delay_counts):
        assert counts[:-1].sum() == per_replication[("delivered_needs", "all", index)]
        assert counts[-1] == per_replication[("censored_needs", "all", index)]
    delays = result.delays
    assert delays["needs"].sum() == result.delay_counts.sum() and np.isinf(delays["delay_days"].iloc[-1])
    assert (delays["share_within_p5"] <= delays["share_within_p95"]).all()
    assert (np.diff(delays["share_within_p5"]) >= 0).all() and delays["share_within_p95"].iloc[-1] == 1


def test_each_replications_series_is_kept_on_disk_and_read_back_as_measured(small_scenario):
    result = run(small_scenario, replications=5, seed=3, workers=2)
    for index in (0, 4):
        measured = replicate(small_scenario, 3, index).measurement.timeseries
        np.testing.assert_array_equal(result.series[index], measured)
    np.testing.assert_array_equal(result.series_file.read(2, 4), result.series[2:4])
    assert len(result.timeseries) == result.series[..., 0].size
