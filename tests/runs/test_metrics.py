"""Per-replication metrics: exactly the catalogue's, for every group."""

from __future__ import annotations

import numpy as np
import pytest

from sim.catalogue import METRICS
from sim.model.world import simulate
from sim.runs.metrics import _Common, _group_metrics, _selectors, layout, measure
from sim.runs.streams import streams
from tests.conftest import small


def test_the_metrics_computed_for_a_group_are_the_catalogue_s_but_those_for_all_buyers_only():
    scenario = small()
    records = simulate(scenario, streams(1, 0))
    weights = np.array(list(scenario.value_weights().values()))
    per_group = _group_metrics(records, _Common(records), weights[records.stock_material],
                               *_selectors(scenario, records)["all"])
    assert set(per_group) == set(METRICS) - {"revocations", "queue_length"}
    shape = layout(scenario)
    assert len(measure(scenario, records, shape).values) == len(shape.keys)


def test_revocations_and_the_queue_are_measured_for_all_buyers_only():
    shape = layout(small())
    assert [g for m, g in shape.keys if m in ("revocations", "queue_length")] == ["all", "all"]
    assert {g for m, g in shape.keys if m == "orders"} == set(shape.groups) and len(shape.groups) == 9


def test_shortfall_across_materials_is_weighted_by_price():
    priced = small(materials={"Dy": {"price_usd_per_kg": 300}, "Ga": {"price_usd_per_kg": 5, "controlled": False}},
                   buyers={"auto": {"inventory": {"initial_days": 0}}})  # empty shelves at first: some shortfall
    records = simulate(priced, streams(1, 0))
    shape = layout(priced)
    values = dict(zip(shape.keys, measure(priced, records, shape).values, strict=True))
    by_material = [(values[("shortfall_kg", f"material:{m}")], values[("demand_kg", f"material:{m}")], price)
                   for m, price in (("Dy", 300), ("Ga", 5))]
    weighted = sum(s * p for s, _, p in by_material) / sum(d * p for _, d, p in by_material)
    assert values[("shortfall_fraction", "all")] == pytest.approx(weighted)
    tonnage = sum(s for s, _, _ in by_material) / sum(d for _, d, _ in by_material)
    assert abs(weighted - tonnage) > 1e-3  # the weighting matters here
