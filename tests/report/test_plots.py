"""Plots: the expected axes, series and labels, checked on the figure objects."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.analysis.compare import compare
from sim.catalogue import METRICS
from sim.io import weighted_monthly
from sim.report import plots
from tests.conftest import small
from tests.report.figures import outside


@pytest.fixture(scope="module")
def comparison():
    variants = [small(), small(name="slow", supply={"production_days": 30})]
    return compare(variants, replications=3, seed=1, workers=1)


def test_delay_ecdf_has_one_rising_line_per_variant(comparison):
    fig = plots.delay_ecdf({n: r.delays for n, r in comparison.results.items()})
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == ["small", "slow"]
    assert ax.get_xlabel() == "delay from first request to delivery (days)"
    assert ax.get_ylabel() == "share of needs delivered within"
    for line in ax.get_lines():
        y = line.get_ydata()
        assert (np.diff(y) >= 0).all() and 0 < y[-1] <= 1
    medians = [line.get_xdata()[np.searchsorted(line.get_ydata(), 0.5)] for line in ax.get_lines()]
    assert medians[1] > medians[0]  # the slower regime delivers half its orders later


def test_fan_chart_has_bands_median_one_scale_and_a_numbered_policy_strip(comparison):
    events = {"small": [(dt.date(2025, 3, 1), "ban_on_dy")], "slow": [(dt.date(2025, 3, 1), "ban_on_dy")]}
    monthly = {n: weighted_monthly(r.timeseries, {"Dy": 1.0, "Ga": 1.0}) for n, r in comparison.results.items()}
    fig = plots.shortfall_fan(monthly, events, warmup_end=dt.date(2025, 2, 5))
    panels, strip, key = fig.axes[:2], fig.axes[2], fig.axes[3]
    for ax, name in zip(panels, ["small", "slow"], strict=True):
        assert ax.get_title(loc="left") == name
        labels = ax.get_legend_handles_labels()[1]
        assert labels == ["p5-p95", "p25-p75", "median", "warm-up (not in metrics)"]
        assert ax.get_ylabel() == "shortfall share"
    highest = max(plots.monthly_shortfall_quantiles(m)["p95"].max() for m in monthly.values())
    assert panels[0].get_ylim() == panels[1].get_ylim() and panels[0].get_ylim()[1] >= highest
    assert [t.get_text() for t in strip.get_yticklabels()] == ["small", "slow"]
    assert [t.get_text() for t in strip.texts] == ["1"]  # numbered once, the same event in both rows
    assert [t.get_text() for t in key.texts] == [" 1  2025-03-01  ban on dy"]


def test_strip_numbers_never_overlap_and_share_a_day():
    day = dt.date(2025, 4, 4)
    events = {"base": [(day, "controls"), (day, "tension"), (day + dt.timedelta(days=1), "truce"),
                       (day + dt.timedelta(days=400), "later")],
              "variant": [(day, "controls"), (day, "tension"), (day + dt.timedelta(days=9), "revocation")]}
    assert plots.event_key(events) == [(day, "controls + tension"), (day + dt.timedelta(days=1), "truce (base only)"),
                                       (day + dt.timedelta(days=9), "revocation (variant only)"),
                                       (day + dt.timedelta(days=400), "later (base only)")]
    base, variant = plots.strip_labels(events, span_days=1200)
    assert [(label, line) for _, label, line in base] == [("1", 0), ("2", 1), ("4", 0)]
    assert [label for _, label, _ in variant] == ["3"]  # what the first row already shows is not repeated
    assert plots.strip_height(events, 1200)[0] > plots.strip_height({"base": events["base"][:1]}, 1200)[0]


def test_monthly_quantiles_are_ordered(comparison):
    monthly = weighted_monthly(comparison.results["small"].timeseries, {"Dy": 300.0, "Ga": 500.0})
    q = plots.monthly_shortfall_quantiles(monthly).dropna()
    assert (q["p5"] <= q["p25"]).all() and (q["p25"] <= q["p50"]).all() and (q["p75"] <= q["p95"]).all()
    assert isinstance(q.index, pd.DatetimeIndex)


def test_group_bars_and_outcomes_show_every_group_with_error_bars(comparison):
    summaries = {n: r.summary for n, r in comparison.results.items()}
    fig = plots.shortfall_by_group(summaries)
    sectors, materials = fig.axes
    assert [t.get_text() for t in sectors.get_xticklabels()] == ["automotive", "defence"]
    assert [t.get_text() for t in materials.get_xticklabels()] == ["Dy", "Ga"]
    assert len(sectors.containers) == 2 * 2  # bars and error bars for each variant
    panels = plots.licensing_outcomes(summaries).axes
    assert [ax.get_ylabel().split(" per ")[0] for ax in panels] == ["applications", "attempts"]
    shown = [t.get_text() for ax in panels for t in ax.get_xticklabels()]
    had = [m for m in plots.OUTCOMES if any(s.set_index(["metric", "group"]).loc[(m, "all"), "mean"] > 0
                                             for s in summaries.values())]
    assert shown == [METRICS[m].label for m in had]  # each in the panel of its unit, in order


def test_forest_plot_shows_each_variant_difference_with_its_interval(comparison):
    fig = plots.difference_forest(comparison.table, "small")
    assert len(fig.axes) == len(plots.HEADLINE_DIFFERENCES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow"]
    assert "difference from small" in ax.get_xlabel()
    row = comparison.table.query("metric == 'delay_days' and group == 'all' and variant == 'slow'").iloc[0]
    x = ax.containers[0].lines[0].get_xdata()
    assert x[0] == pytest.approx(row["diff"]) and row["diff"] > 0


@pytest.fixture(scope="module")
def baseline_like():
    """Two variants of the shipped baseline, a short run each: its long labels, many events and groups."""
    from sim.scenario.load import load_scenario
    from tests.conftest import ROOT
    base = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    per_shipment = load_scenario(ROOT / "scenarios" / "per_shipment_only.yaml")
    return compare([base, per_shipment], replications=2, seed=4, workers=2)


def test_every_label_of_the_run_and_comparison_plots_is_inside_its_figure(baseline_like):
    from sim.io import resolved_dict
    from sim.report.draw import policy_events
    results = baseline_like.results
    monthly = {n: weighted_monthly(r.timeseries, r.scenario.value_weights()) for n, r in results.items()}
    events = {n: policy_events({"scenario": resolved_dict(r.scenario)}) for n, r in results.items()}
    summaries = {n: r.summary for n, r in results.items()}
    drawn = {"fan": plots.shortfall_fan(monthly, events, dt.date(2025, 1, 1)),
             "ecdf": plots.delay_ecdf({n: r.delays for n, r in results.items()}),
             "groups": plots.shortfall_by_group(summaries), "outcomes": plots.licensing_outcomes(summaries),
             "differences": plots.difference_forest(baseline_like.table, "baseline_2025")}
    assert {name: outside(fig) for name, fig in drawn.items()} == {name: [] for name in drawn}


def test_the_delay_axis_stops_past_the_99th_percentile_and_says_so(baseline_like):
    delays = {n: r.delays for n, r in baseline_like.results.items()}
    ax = plots.delay_ecdf(delays).axes[0]
    delivered = pd.concat(delays.values())
    delivered = delivered[np.isfinite(delivered["delay_days"])]
    longest = delivered["delay_days"].max() + 1
    p99 = max(np.interp(0.99, t["needs"].cumsum() / t["needs"].sum(), t["delay_days"] + 1)
              for t in (d[np.isfinite(d["delay_days"])] for d in delays.values()))
    assert p99 <= ax.get_xlim()[1] <= 1.2 * p99 < longest
    assert any("axis cut past the 99th percentile" in t.get_text() for t in ax.texts)
    assert len(ax.collections) == len(delays)  # a band for each variant


def test_an_outcome_no_variant_has_gets_no_bar_and_a_panel_without_one_is_left_out(comparison):
    summaries = {n: r.summary for n, r in comparison.results.items()}
    fig = plots.licensing_outcomes(summaries)
    shown = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
    assert METRICS["revocations"].label not in shown and "licences" not in [ax.get_ylabel().split(" per ")[0]
                                                                             for ax in fig.axes]
    assert "none in any variant:" in fig._suptitle.get_text() and "licences revoked" in fig._suptitle.get_text()
    for ax in fig.axes:
        assert ax.get_ylim()[1] > 0 and len(ax.patches) > 0


def test_the_strip_says_whose_events_they_are():
    day = dt.date(2025, 4, 4)
    three = {"a": [(day, "x")], "b": [(day, "x")], "c": []}
    assert plots.event_key(three) == [(day, "x (not in c)")]
