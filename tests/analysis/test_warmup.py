"""Warm-up chosen by MSER: on series with a known transient, and on the baseline without its dated events."""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy import stats

from sim.analysis.warmup import mser, quiet, truncation
from sim.runs.execute import run
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, small


def test_mser_truncates_a_transient_and_keeps_a_steady_series_whole():
    rng = np.random.default_rng(1)
    months = np.arange(40)
    steady = 0.05 + rng.normal(0, 0.002, size=(30, 40))
    transient = steady + 0.2 * np.exp(-months / 2.0)  # gone (below the noise) after about 10 months
    cut, low, high = truncation(transient)
    assert 7 <= cut <= 12 and low <= cut <= high
    assert truncation(steady)[0] <= 3
    assert np.isnan(mser(months.astype(float))[21:]).all()  # never more than the first half


def test_the_quiet_variant_has_no_dated_event_veu_rule_or_warm_up():
    scenario = small(policy={"ban": {"date": "2025-03-03", "event": "ban", "destination": "US", "materials": ["Dy"],
                                     "active": True}}, veu={"date": "2025-06-02"})
    found = quiet(scenario)
    assert found.policy == {} and found.veu.date is None and found.calendar.warmup_days == 0
    assert found.buyers == scenario.buyers and found.calendar.start == scenario.calendar.start


def measured_months_trend(warmup_days: int, replications: int = 16) -> tuple[float, float, float]:
    """The baseline without dated events: per replication, the mean value-weighted shortfall fraction of the
    first three measured months minus that of the rest; the mean difference and its 99 % interval."""
    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    scenario = quiet(baseline)
    result = run(scenario, replications, seed=5, workers=2)
    weights = np.array(list(baseline.value_weights().values()))
    demand = np.einsum("rmkd,k->rm", result.series[..., 0].astype(float), weights)
    shortfall = np.einsum("rmkd,k->rm", result.series[..., 1].astype(float), weights)
    measured_from = baseline.calendar.start + dt.timedelta(days=warmup_days)
    first = sum(1 for month in result.layout.months if dt.date.fromisoformat(f"{month}-01") < measured_from)
    measured_share = shortfall[:, first:] / demand[:, first:]
    difference = measured_share[:, :3].mean(axis=1) - measured_share[:, 3:].mean(axis=1)
    half = stats.t.ppf(0.995, replications - 1) * stats.sem(difference)
    return difference.mean(), difference.mean() - half, difference.mean() + half


def test_the_baselines_measured_months_show_no_start_up_trend():
    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    mean, low, high = measured_months_trend(baseline.calendar.warmup_days)
    assert low <= 0 <= high, (mean, low, high)


def test_a_one_month_warm_up_would_leave_the_transient_in():
    """The same check fails when the warm-up is shorter than MSER's: the test can tell."""
    mean, low, high = measured_months_trend(31)
    assert not low <= 0 <= high
