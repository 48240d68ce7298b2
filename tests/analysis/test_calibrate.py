"""Calibration: least squares over common random numbers, its standard errors, and its choices."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.calibrate import CalibrationError, Target, check_parameters, choose_targets, fit
from sim.analysis.parameters import Parameter
from sim.analysis.replay import COMPARED, Figure, read_observed
from sim.analysis.sweep import MemoryPoints
from tests.conftest import ROOT

OBSERVED = ROOT / "data" / "observed_2025.csv"
SLOPE, INTERCEPT, NOISE_SD, TRUTH = 2.0, 1.0, 0.5, 3.0


def linear_model(noise: np.ndarray, calls: list[float] | None = None):
    """y = SLOPE x + INTERCEPT + noise, the same noise at every x (common random numbers)."""

    def evaluate(values: dict[str, Any]) -> pd.DataFrame:
        x = values["x"]
        if calls is not None:
            calls.append(x)
        return pd.DataFrame({"y": SLOPE * x + INTERCEPT + noise})

    return evaluate


def target(name: str, observed: float, column: str = "y") -> Target:
    """A figure compared with column ``column`` of the per-replication table."""
    return Target(Figure(name, "2025", COMPARED, "", observed, (column,)))


X = Parameter("x", "number", 0.0, 10.0)
Y = target("y", SLOPE * TRUTH + INTERCEPT)


def test_one_figure_one_parameter_is_solved_exactly_with_the_monte_carlo_standard_error():
    noise = np.random.default_rng(1).normal(0, NOISE_SD, 30)
    result = fit(linear_model(noise), [X], [Y], start={"x": 5.0}, store=MemoryPoints())
    row = result.parameters.iloc[0]
    assert result.converged
    assert row["fitted"] == pytest.approx(TRUTH - noise.mean() / SLOPE, abs=1e-3 * 10)  # xtol of the range
    assert row["std_error"] == pytest.approx(noise.std(ddof=1) / np.sqrt(len(noise)) / SLOPE, rel=1e-6)


def test_the_95_percent_interval_covers_the_truth_at_its_rate():
    trials, replications = 200, 20
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(trials):
        row = fit(linear_model(rng.normal(0, NOISE_SD, replications)), [X], [Y], start={"x": 5.0},
                  store=MemoryPoints()).parameters.iloc[0]
        covered += row["ci_low"] <= TRUTH <= row["ci_high"]
    # +-1.96 estimated standard errors: the fitted x is linear in the noise mean, so it covers at the
    # Student-t rate with n - 1 degrees of freedom (a little under 95 % at n = 20)
    rate = 2 * stats.t.cdf(1.959963984540054, replications - 1) - 1
    low, high = stats.binom.interval(0.999, trials, rate)
    assert low <= covered <= high


def test_spare_figures_add_the_misfit_to_the_standard_error():
    noise = np.zeros(10)
    inconsistent = [Y, target("y_again", Y.observed + 2.0)]
    result = fit(linear_model(noise), [X], inconsistent, start={"x": 5.0}, store=MemoryPoints())
    row = result.parameters.iloc[0]
    # without Monte Carlo noise, the whole error is the misfit: s^2 (J'J)^-1 with one spare figure
    gaps = np.array([(SLOPE * row["fitted"] + INTERCEPT - t.observed) / t.scale for t in inconsistent])
    jac = np.array([SLOPE * 10 / t.scale for t in inconsistent])
    assert row["std_error"] == pytest.approx(np.sqrt((gaps @ gaps) / (jac @ jac)) * 10, rel=1e-3)


def test_a_rerun_with_the_same_store_evaluates_nothing_again():
    store, calls = MemoryPoints(), []
    noise = np.random.default_rng(2).normal(0, NOISE_SD, 5)
    first = fit(linear_model(noise, calls), [X], [Y], start={"x": 5.0}, store=store)
    made = len(calls)
    second = fit(linear_model(noise, calls), [X], [Y], start={"x": 5.0}, store=store)
    assert made > 0 and len(calls) == made
    pd.testing.assert_frame_equal(first.parameters, second.parameters)


def test_a_parameter_without_effect_is_reported_as_not_identified():
    result = fit(lambda values: pd.DataFrame({"y": np.full(5, 4.0)}), [X], [Y], start={"x": 5.0}, store=MemoryPoints())
    row = result.parameters.iloc[0]
    assert not row["identified"] and np.isnan(row["std_error"])


def test_a_parameter_whose_interval_is_wider_than_its_range_is_not_identified():
    noise = np.random.default_rng(3).normal(0, NOISE_SD, 5)
    result = fit(lambda values: pd.DataFrame({"y": 1e-3 * values["x"] + noise}), [X], [Y], start={"x": 5.0},
                 store=MemoryPoints())
    row = result.parameters.iloc[0]
    assert row["std_error"] > X.high - X.low and not row["identified"]


def test_targets_default_to_every_comparable_figure_but_the_index_base_and_the_limit():
    targets, held_out = choose_targets(read_observed(OBSERVED))
    labels = [t.label for t in targets]
    assert "magnet_exports_total:2025-05" in labels and "approval_share_eu:2025-11-05" in labels
    assert "magnet_exports_total:2025-11" in labels and "magnet_exports_us:2025-12" in labels
    assert "magnet_exports_total:2025-01" not in labels  # 1 by definition: nothing to fit
    assert "review_time_statutory:2025-04" not in labels  # a limit to stay under, not a value to reach
    assert not any(label.startswith("alt_magnet_capacity") for label in labels)  # inputs
    assert held_out == []


def test_a_quantity_chooses_all_its_periods_and_the_rest_is_held_out():
    targets, held_out = choose_targets(read_observed(OBSERVED), chosen=["approval_share_clepa"])
    assert [t.label for t in targets] == ["approval_share_clepa:2025-06-04", "approval_share_clepa:2025-06-30"]
    assert targets[0].observed == pytest.approx(0.25)
    everything = choose_targets(read_observed(OBSERVED))[0]
    assert sorted(t.label for t in held_out + targets) == sorted(t.label for t in everything)


def test_fit_until_keeps_the_figures_dated_by_then_and_holds_out_the_later_ones():
    import datetime as dt

    from sim.scenario.load import load_scenario

    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    targets, held_out = choose_targets(read_observed(OBSERVED), until=dt.date(2025, 6, 30), scenario=baseline)
    assert {t.label for t in targets} == {
        "magnet_exports_total:2025-04", "magnet_exports_total:2025-05", "magnet_exports_total:2025-06",
        "magnet_exports_us:2025-06", "approval_share_clepa:2025-06-04", "approval_share_clepa:2025-06-30"}
    assert all(t.figure.dated > dt.date(2025, 6, 30) for t in held_out)
    assert {"magnet_exports_total:2025-07", "magnet_exports_us:2025-09", "magnet_exports_total:2025"} <= {
        t.label for t in held_out}
    with pytest.raises(CalibrationError, match="no chosen figure is dated by then"):
        choose_targets(read_observed(OBSERVED), until=dt.date(2025, 2, 1), scenario=baseline)
    assert "magnet_exports_us:2024-05" not in {t.label for t in choose_targets(read_observed(OBSERVED),
                                                                                scenario=baseline)[0]}


def two_figure_model(noise: np.ndarray):
    """y = SLOPE x + INTERCEPT + noise and z = x + noise: what fits y is right or wrong for z depending on z's
    published value."""

    def evaluate(values: dict[str, Any]) -> pd.DataFrame:
        return pd.DataFrame({"y": SLOPE * values["x"] + INTERCEPT + noise, "z": values["x"] + noise})

    return evaluate


@pytest.mark.parametrize(("held_out_value", "kept"), [(TRUTH, True), (5.0 + (5.0 - TRUTH), False)])
def test_a_parameter_is_kept_only_if_it_lowers_the_held_out_error(held_out_value, kept):
    """Fitted to y, x lands at TRUTH: kept when the held-out z agrees (z = TRUTH), dropped when z says the start
    value (5) was better (a held-out figure as far on the other side of 5)."""
    noise = np.random.default_rng(4).normal(0, 0.05, 40)
    result = fit(two_figure_model(noise), [X], [Y], start={"x": 5.0}, store=MemoryPoints(),
                 held_out=[target("z", held_out_value, "z")])
    row = result.parameters.iloc[0]
    assert row["identified"]
    assert bool(row["held_out_rms_fitted"] < row["held_out_rms_at_start_value"]) is kept
    assert bool(row["kept"]) is kept
    # the change is far beyond the Monte Carlo noise: its bootstrap interval is on one side of 0
    assert bool(row["change_ci_high"] < 0) is kept and bool(row["change_ci_low"] > 0) is not kept


def test_identified_means_an_interval_narrower_than_half_the_range():
    """A 95 % interval of about 0.7 of the range: it fits within the range, but the figures do not identify the
    parameter by the parsimony rule."""
    width = 0.7 * (X.high - X.low)
    se = width / (2 * 1.959963984540054)
    noise_sd = se * SLOPE * np.sqrt(30)  # the fitted x's standard error is the noise mean's over the slope
    noise = np.random.default_rng(5).normal(0, 1, 30)
    noise = (noise - noise.mean()) / noise.std(ddof=1) * noise_sd
    row = fit(linear_model(noise), [X], [Y], start={"x": 5.0}, store=MemoryPoints()).parameters.iloc[0]
    assert row["std_error"] == pytest.approx(se, rel=1e-3)
    assert row["ci_high"] - row["ci_low"] < X.high - X.low and not row["identified"]


def test_an_unknown_figure_is_refused_with_the_choices():
    with pytest.raises(CalibrationError, match="choose from .*approval_share_eu:2025-11-05"):
        choose_targets(read_observed(OBSERVED), chosen=["approval_share_moon"])


@pytest.mark.parametrize(
    ("params", "targets", "message"),
    [([], [Y], "at least one --param"),
     ([Parameter("x", "number", 1.0, 2.0, values=(1.0, 2.0))], [Y], "give PATH=LOW:HIGH"),
     ([X, Parameter("z", "number", 0.0, 1.0)], [Y], "2 parameters cannot be fitted to 1 figure")],
)
def test_what_least_squares_cannot_fit_is_refused(params, targets, message):
    with pytest.raises(CalibrationError, match=message):
        check_parameters(params, targets)
