"""Sweep and discovery plots: what they read back from the tables and that their labels stay inside."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sim.report import sweep_plots
from tests.report.figures import outside


def test_discovery_plots_read_a_box_of_dates_and_numbers_back_from_its_table(tmp_path):
    """boxes.csv holds a date and a number parameter in the same columns, read back as text."""
    box = pd.DataFrame({"parameter": ["reviewers", "thaw"], "lower": [54.0, "2025-10-18"],
                        "upper": [164.0, "2026-05-20"], "swept_low": [50, "2025-09-01"],
                        "swept_high": [300, "2026-06-01"],
                        "qp_lower": [np.nan, 0.01], "qp_upper": [0.004, np.nan]})
    box.to_csv(tmp_path / "boxes.csv", index=False)
    read = pd.read_csv(tmp_path / "boxes.csv")
    fig = sweep_plots.discovery_box(read, 1.0, 0.41)
    bars = [p for p in fig.axes[0].patches if p.get_facecolor()[3] < 1][-2:]  # the box's bars, drawn last
    assert bars[0].get_x() == pytest.approx((54 - 50) / 250) and bars[0].get_width() == pytest.approx(110 / 250)
    thaw = (dt.date(2025, 10, 18) - dt.date(2025, 9, 1)).days / (dt.date(2026, 6, 1) - dt.date(2025, 9, 1)).days
    assert bars[1].get_x() == pytest.approx(thaw)
    assert [t.get_text().split("  (")[0] for t in fig.axes[0].texts] == ["54 to 164", "2025-10-18 to 2026-05-20"]
    points = pd.DataFrame({"id": ["p0", "p1", "p2"], "reviewers": [60.0, 200.0, 100.0],
                           "thaw": ["2025-11-01", "2025-09-10", "2026-01-01"], "outcome": [0.3, 0.1, 0.25],
                           "bad": [True, False, True]})
    pairs = sweep_plots.discovery_pairs(points, read)
    assert len(pairs.axes) == 1 and len(pairs.axes[0].patches) == 1  # one pair, one box drawn


def test_a_sweep_plot_keeps_its_long_axis_label_inside_the_figure():
    points = pd.DataFrame({"authority.reviewers": [50, 100, 150],
                           **{f"shortfall_fraction_all_sources:{k}": [0.3, 0.2, 0.1] for k in ("mean", "ci_low",
                                                                                                 "ci_high")}})
    fig = sweep_plots.sweep_lines(points, ["authority.reviewers"], "shortfall_fraction_all_sources", threshold=0.15)
    assert outside(fig) == []
