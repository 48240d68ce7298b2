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


def test_fan_chart_has_bands_median_and_policy_strip(comparison):
    events = {"small": [(dt.date(2025, 3, 1), "ban")], "slow": [(dt.date(2025, 3, 1), "ban")]}
    monthly = {n: weighted_monthly(r.timeseries, {"Dy": 1.0, "Ga": 1.0}) for n, r in comparison.results.items()}
    fig = plots.shortfall_fan(monthly, events, warmup_end=dt.date(2025, 2, 5))
    panels, strip = fig.axes[:2], fig.axes[2]
    for ax, name in zip(panels, ["small", "slow"], strict=True):
        assert ax.get_title().startswith(name)
        labels = ax.get_legend_handles_labels()[1]
        assert labels == ["p5-p95", "p25-p75", "median", "warm-up (not in metrics)"]
        assert ax.get_ylabel() == "shortfall, share of China-sourced demand"
    assert [t.get_text() for t in strip.get_yticklabels()] == ["small", "slow"]
    assert [t.get_text() for t in strip.texts] == ["ban"]  # labelled once, the same event in both rows


def test_strip_labels_never_overlap_and_share_a_day():
    day = dt.date(2025, 4, 4)
    events = {"base": [(day, "controls"), (day, "tension"), (day + dt.timedelta(days=3), "truce"),
                       (day + dt.timedelta(days=400), "later")],
              "variant": [(day, "controls"), (day, "tension"), (day + dt.timedelta(days=9), "revocation")]}
    base, variant = plots.strip_labels(events, span_days=1200)
    assert [(label, line) for _, label, line in base] == [("controls + tension", 0), ("truce", 1), ("later", 0)]
    assert [label for _, label, _ in variant] == ["revocation"]  # what the first row already shows is not repeated
    assert plots.strip_height(events, 1200) > plots.strip_height({"base": events["base"][:1]}, 1200)


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
    assert [ax.get_ylabel().split(" per ")[0] for ax in panels] == ["applications", "licences", "attempts"]
    shown = [t.get_text() for ax in panels for t in ax.get_xticklabels()]
    assert shown == [METRICS[m].label for m in plots.OUTCOMES]  # each in the panel of its unit, in order


def test_forest_plot_shows_each_variant_difference_with_its_interval(comparison):
    fig = plots.difference_forest(comparison.table, "small")
    assert len(fig.axes) == len(plots.HEADLINE_DIFFERENCES)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["slow"]
    assert "difference from small" in ax.get_xlabel()
    row = comparison.table.query("metric == 'delay_days' and group == 'all' and variant == 'slow'").iloc[0]
    x = ax.containers[0].lines[0].get_xdata()
    assert x[0] == pytest.approx(row["diff"]) and row["diff"] > 0


def test_discovery_plots_read_a_box_of_dates_and_numbers_back_from_its_table(tmp_path):
    """boxes.csv holds a date and a number parameter in the same columns, read back as text."""
    box = pd.DataFrame({"parameter": ["reviewers", "thaw"], "lower": [54.0, "2025-10-18"],
                        "upper": [164.0, "2026-05-20"], "swept_low": [50, "2025-09-01"],
                        "swept_high": [300, "2026-06-01"],
                        "qp_lower": [np.nan, 0.01], "qp_upper": [0.004, np.nan]})
    box.to_csv(tmp_path / "boxes.csv", index=False)
    read = pd.read_csv(tmp_path / "boxes.csv")
    fig = plots.discovery_box(read, 1.0, 0.41)
    bars = [p for p in fig.axes[0].patches if p.get_facecolor()[3] < 1][-2:]  # the box's bars, drawn last
    assert bars[0].get_x() == pytest.approx((54 - 50) / 250) and bars[0].get_width() == pytest.approx(110 / 250)
    thaw = (dt.date(2025, 10, 18) - dt.date(2025, 9, 1)).days / (dt.date(2026, 6, 1) - dt.date(2025, 9, 1)).days
    assert bars[1].get_x() == pytest.approx(thaw)
    points = pd.DataFrame({"id": ["p0", "p1", "p2"], "reviewers": [60.0, 200.0, 100.0],
                           "thaw": ["2025-11-01", "2025-09-10", "2026-01-01"], "outcome": [0.3, 0.1, 0.25],
                           "bad": [True, False, True]})
    pairs = plots.discovery_pairs(points, read)
    assert len(pairs.axes) == 1 and len(pairs.axes[0].patches) == 1  # one pair, one box drawn
