"""Memo-ready numbers: units, per cent and points, three figures, the interval to the estimate's decimals."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis.compare import compare
from sim.report import memo
from tests.conftest import small


@pytest.mark.parametrize(("metric", "values", "expected"), [
    ("shortfall_fraction", (0.1405, 0.1342, 0.1468), "14.1 % [13.4, 14.7]"),
    ("shortfall_fraction", (0.0009211, 0.0002, 0.0016), "0.092 % [0.020, 0.160]"),
    ("delay_days", (52.86, 50.71, 55.02), "52.9 days [50.7, 55.0]"),
    ("stockout_days", (213.2, 205.6, 220.9), "213 days [206, 221]"),
    ("shortfall_kg", (5.139e7, 4.9e7, 5.4e7), "51,400 t [49,000, 54,000]"),
    ("shortfall_kg", (812.0, 790.3, 834.9), "812 kg [790, 835]"),
    ("applications", (3768.4, 3701.2, 3840.0), "3,770 [3,700, 3,840]"),
    ("delay_days", (4.2, math.nan, math.nan), "4.20 days"),
])
def test_an_estimate_reads_with_its_unit_and_its_interval_to_the_same_decimals(metric, values, expected):
    assert memo.estimate(metric, *values) == expected


def test_a_difference_is_signed_and_a_share_moves_in_points():
    assert memo.difference("shortfall_fraction", 0.0834, 0.0791, 0.0877) == "+8.34 points [+7.91, +8.77]"
    assert memo.difference("shortfall_fraction", 9.211e-05, -0.0002191, 0.0004033) == (
        "+0.0092 points [-0.0219, +0.0403]")
    assert memo.difference("delay_days", 0.0, 0.0, 0.0) == "0 days [0, 0]"


def test_columns_of_one_metric_share_the_decimals_of_the_largest():
    assert memo.figures("delay_days", [9.67, 21.24, math.nan]) == ["9.7", "21.2", "n/a"]


def _row(diff: float, low: float, high: float) -> pd.Series:
    return pd.Series({"diff": diff, "diff_ci_low": low, "diff_ci_high": high})


def test_a_takeaway_says_which_way_a_change_goes_and_only_what_its_interval_supports():
    up = memo.takeaway("per_shipment_only", "baseline", "sector:automotive",
                       {"shortfall_fraction": _row(0.034, 0.032, 0.035), "delay_days": _row(-1.0, -2.5, 0.4)})
    assert up == ("per_shipment_only raises the supply shortfall as a share of China-sourced demand by 3.40 points "
                  "[3.20, 3.50] and does not measurably change the delivery delay (-1.00 days [-2.50, +0.40]; the "
                  "interval holds 0) for the automotive sector, against baseline.")
    down = memo.takeaway("stock", "baseline", "buyer:eu_auto", {"delay_days": _row(-8.0, -9.5, -6.5)})
    assert down == ("stock lowers the delivery delay by 8.00 days [6.50, 9.50] for buyer group eu_auto, "
                    "against baseline.")
    alone = memo.takeaway("x", "baseline", "all", {"delay_days": _row(2.0, math.nan, math.nan)})
    assert "no interval" in alone


@pytest.fixture(scope="module")
def stocked():
    """The small scenario against one whose auto makers hold three times the stock: a change the paired
    interval sees in that group."""
    more = small(name="stocked", buyers={"auto": {"inventory": {"initial_days": 180, "reorder_point_days": 150,
                                                                "order_up_to_days": 270}}})
    return compare([small(), more], replications=4, seed=3, workers=1)


def test_the_comparison_page_puts_the_takeaways_first_and_a_table_per_group(stocked):
    page = memo.comparison_markdown(stocked.table, "small", groups=["buyer:auto"], context="context")
    sentences = [line for line in page.splitlines() if line.startswith("- ")]
    assert len(sentences) == 2 and sentences[1].startswith("- stocked ") and "buyer group auto" in sentences[1]
    row = stocked.table.query("metric == 'shortfall_fraction' and group == 'buyer:auto' and variant == 'stocked'")
    assert row["diff_ci_high"].iloc[0] < 0 and "lowers the supply shortfall" in sentences[1]
    assert page.index("## All buyers") < page.index("## Buyer group auto")
    assert page.count("| supply shortfall, share of China-sourced demand |") == 2


def test_the_run_page_has_every_memo_metric_for_all_buyers_and_each_group(stocked):
    summary = stocked.results["stocked"].summary
    page = memo.run_markdown(summary, "Run: stocked", groups=["sector:defence"], context="context")
    assert page.count("| delivery delay (delivered needs) | ") == 2 and "| shortfall of China-sourced demand | " in page
    assert "## The defence sector" in page and "nan" not in page.lower()


def test_what_did_not_move_is_said_and_the_same_results_in_every_replication_apart():
    rows = [("delay_days", "all", "v", 1.0, -0.5, 2.5), ("shortfall_fraction", "all", "v", 0.02, 0.01, 0.03)]
    table = pd.DataFrame(rows, columns=["metric", "group", "variant", "diff", "diff_ci_low", "diff_ci_high"])
    assert memo.unmoved(table, "base", ["delay_days", "shortfall_fraction"]) == (["delay_days"], False)
    said = memo.unmoved_sentence(table, "base", ["delay_days", "shortfall_fraction"])
    assert said.startswith("No variant differs from base for all buyers beyond the 95 % interval of its difference "
                           "in: delivery delay. Where nothing moved, what changes may not act on it")
    assert memo.unmoved_sentence(table, "base", ["shortfall_fraction"]) is None
    same = table.assign(diff=0.0, diff_ci_low=0.0, diff_ci_high=0.0)
    assert "the variants are the same in every replication" in memo.unmoved_sentence(same, "base", ["delay_days"])


def test_rounding_never_makes_an_interval_read_wrong():
    assert memo.difference("shortfall_fraction", 0.25, 0.0001, 0.4999) == "+25.00 points [+0.01, +49.99]"
    assert memo.estimate("shortfall_fraction", 0.99996, 0.9999, 1.0) == "100.00 % [99.99, 100.00]"
    assert memo.heading("material:NdFeB") == "NdFeB demand" and memo.heading("destination:US") == "Buyers in US"
    assert memo.label("shortfall_kg") == "shortfall of China-sourced demand" and memo.label("delay_days") == (
        "delivery delay (delivered needs)")
