"""Scenario discovery: PRIM recovers a known box, works on replications as well as means, and refuses what it
cannot use."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from sim.analysis.discover import DiscoveryError, discover

PARAMS = {"params": [{"path": f"x{i}", "kind": "number", "low": 0.0, "high": 1.0} for i in range(3)]}
BOX = {"x0": (0.6, None), "x1": (None, 0.3)}  # bad: x0 above 0.6 and x1 below 0.3; x2 plays no part
POINTS = 300


def synthetic(inside_mean: float, crossing: float = 0.0, seed: int = 1) -> list[dict]:
    """A space-filling sweep of three parameters, 20 replications a point: outside BOX the metric is about 0.3
    in every replication; inside it about ``inside_mean``, but a share ``crossing`` of the replications are at
    0.8 instead."""
    rng = np.random.default_rng(seed)
    records = []
    for k, (a, b, c) in enumerate(qmc.LatinHypercube(3, rng=np.random.default_rng(seed)).random(POINTS)):
        inside = a > BOX["x0"][0] and b < BOX["x1"][1]
        reps = (inside_mean if inside else 0.3) + 0.02 * rng.standard_normal(20)
        if inside:
            reps[: round(crossing * 20)] = 0.8
        records.append({"id": f"p{k:05d}", "values": {"x0": a, "x1": b, "x2": c},
                        "metrics": {"m": {"mean": float(reps.mean())}, "other": {"mean": 1.0}},
                        "replications": {"m": reps.tolist()}})
    return records


def assert_recovers_the_box(found):
    limits = found.box.set_index("parameter")
    assert set(limits.index) == {"x0", "x1"}  # x2 is left free
    # PRIM peels 5 % of the points at a time: with 300 points the limits land within a few strata (1/300 each)
    assert limits.at["x0", "lower"] == pytest.approx(0.6, abs=0.03)
    assert limits.at["x1", "upper"] == pytest.approx(0.3, abs=0.03)
    assert found.significant
    chosen = found.tradeoff[found.tradeoff["chosen"]].iloc[0]
    assert chosen["coverage"] >= 0.9 and chosen["density"] >= 0.9


def test_prim_recovers_a_known_box_from_the_means():
    found = discover(PARAMS, synthetic(0.7), metric="m", threshold=0.5)
    assert_recovers_the_box(found)
    best = found.tree.iloc[0]  # CART's densest leaf is the box too
    assert best["density"] == 1.0 and "x0 >=" in best["rule"] and "x1 <=" in best["rule"]


def test_a_bad_region_seen_only_in_the_replications_is_found_by_share():
    """Inside the box the mean stays under the threshold (0.3 x 0.8 + 0.7 x 0.2 = 0.38), but 30 % of the
    replications cross it."""
    records = synthetic(0.2, crossing=0.3)
    with pytest.raises(DiscoveryError, match="no point is bad"):
        discover(PARAMS, records, metric="m", threshold=0.5)
    assert_recovers_the_box(discover(PARAMS, records, metric="m", threshold=0.5, share=0.2))


def test_below_classifies_points_under_the_threshold():
    found = discover(PARAMS, synthetic(0.1), metric="m", threshold=0.2, below=True)
    assert_recovers_the_box(found)
    assert found.points["bad"].sum() == (found.points["outcome"] < 0.2).sum()


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [(lambda r: r[:8], {}, "at least 10 points"),
     (lambda r: r, {"metric": "delay"}, "did not record 'delay'"),
     (lambda r: r, {"threshold": 5.0}, "no point is bad"),
     (lambda r: r, {"threshold": -5.0}, "every point is bad"),
     (lambda r: [{**x, "values": {**x["values"], "x2": "high"}} for x in r], {}, "non-numeric"),
     (lambda r: [{k: v for k, v in x.items() if k != "replications"} for x in r], {"share": 0.5}, "rerun the sweep"),
     (lambda r: r, {"box": 999}, "--box 999")],
)
def test_what_discovery_cannot_use_is_refused(change, kwargs, message):
    asked = {"metric": "m", "threshold": 0.5, **kwargs}
    with pytest.raises(DiscoveryError, match=message):
        discover(PARAMS, change(synthetic(0.7)), **asked)


def test_dates_are_days_and_come_back_as_dates():
    records = synthetic(0.7)
    for r in records:
        r["values"]["x0"] = f"2025-{1 + int(r['values']['x0'] * 11.99):02d}-01"
    params = {"params": [{"path": "x0", "kind": "date", "low": "2025-01-01", "high": "2025-12-01"},
                         *PARAMS["params"][1:]]}
    found = discover(params, records, metric="m", threshold=0.5)
    lower = found.box.set_index("parameter").at["x0", "lower"]
    # the bad points start on 1 August: PRIM's limit lies between the July and August points' days and rounds
    # inwards, so that the box's first day is after 1 July (whose points are all good)
    assert "2025-07-01" < lower <= "2025-08-01"
    assert found.box.set_index("parameter").at["x0", "swept_low"] == "2025-01-01"  # the range swept, not the points


def test_points_without_a_value_are_left_out_and_counted():
    records = synthetic(0.7)
    for r in records[:5]:
        r["metrics"]["m"]["mean"] = None  # e.g. no review decided at that point
        r["replications"]["m"] = [float("nan")] * 20
    for share in (None, 0.5):
        found = discover(PARAMS, records, metric="m", threshold=0.5, share=share)
        assert found.left_out == 5 and len(found.points) == POINTS - 5
        assert_recovers_the_box(found)


def test_the_same_sweep_gives_the_same_boxes_and_tree():
    records = synthetic(0.7)
    first, second = (discover(PARAMS, records, metric="m", threshold=0.5) for _ in range(2))
    assert first.boxes.equals(second.boxes) and first.tree.equals(second.tree)
