"""Comparisons: paired differences, common random numbers, and variants that cannot be compared."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.analysis.compare import NotComparable, check_comparable, compare, independent_seed, paired_difference
from tests.conftest import small


def test_paired_difference_matches_scipy():
    rng = np.random.default_rng(4)
    base = rng.normal(10, 3, 30)
    other = base + rng.normal(1, 0.5, 30)
    other[3] = np.nan  # a replication where the variant lacks the metric is left out of the pairs
    mean, low, high, n = paired_difference(base, other)
    keep = ~np.isnan(other)
    interval = stats.ttest_rel(other[keep], base[keep]).confidence_interval(0.95)
    assert n == 29
    assert mean == pytest.approx((other[keep] - base[keep]).mean())
    assert (low, high) == pytest.approx((interval.low, interval.high))


def test_a_variant_compared_with_itself_differs_by_exactly_zero():
    same = small()
    twin = small(name="twin")
    comparison = compare([same, twin], replications=4, seed=3, workers=1)
    table = comparison.table[comparison.table["variant"] == "twin"].dropna(subset=["diff"])
    assert len(table) > 100 and (table["diff"] == 0).all()
    paired = table[table["diff_n"] >= 2]  # an interval needs two replications that have the metric
    assert (paired["diff_ci_low"] == 0).all() and (paired["diff_ci_high"] == 0).all()


def test_common_random_numbers_narrow_the_difference():
    base = small(buyers={"auto": {"count": 10}})
    slower = small(name="slower", buyers={"auto": {"count": 10}},
                   licence_types={"per_shipment": {"review_days": {"dist": "exponential", "mean": 30}}})
    widths = {}
    for crn in (True, False):
        table = compare([base, slower], replications=12, seed=5, workers=1, common_random_numbers=crn).table
        row = table[(table.metric == "shortfall_kg") & (table.group == "all") & (table.variant == "slower")]
        widths[crn] = (row["diff_ci_high"] - row["diff_ci_low"]).item()
    assert widths[True] < widths[False]


def test_independent_seeds_differ_per_variant():
    assert len({independent_seed(1, k) for k in range(5)}) == 5


@pytest.mark.parametrize(
    ("other", "baseline", "message"),
    [
        (small(name="b", calendar={"horizon_days": 200}), "small", "different calendars"),
        (small(name="b", materials={"W": {}}), "small", "different materials"),
        (small(), "small", "names must differ"),
        (small(name="b"), "nowhere", "baseline 'nowhere' is not among"),
    ],
)
def test_incomparable_variants_are_refused(other, baseline, message):
    with pytest.raises(NotComparable, match=message):
        check_comparable([small(), other], baseline)
