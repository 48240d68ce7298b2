"""Per-replication metrics: exactly the catalogue's, for every group."""

from __future__ import annotations

import pytest

from sim.catalogue import METRICS, Metric
from sim.model.world import simulate
from sim.runs.metrics import layout, measure
from sim.runs.streams import streams
from tests.conftest import small


def test_a_metric_added_to_the_catalogue_is_measured_for_every_group(monkeypatch):
    needs_squared = Metric("needs_squared", "needs, squared", "needs", "a metric of a test",
                           lambda g: float(len(g.needs)) ** 2)
    monkeypatch.setitem(METRICS, "needs_squared", needs_squared)
    scenario = small()
    shape = layout(scenario)
    values = dict(zip(shape.keys, measure(scenario, simulate(scenario, streams(1, 0)), shape).values, strict=True))
    assert {g for m, g in shape.keys if m == "needs_squared"} == set(shape.groups)
    for group in shape.groups:
        assert values[("needs_squared", group)] == values[("needs", group)] ** 2


def test_revocations_and_the_queue_are_measured_for_all_buyers_only():
    shape = layout(small())
    assert [g for m, g in shape.keys if m in ("revocations", "queue_length")] == ["all", "all"]
    assert {g for m, g in shape.keys if m == "needs"} == set(shape.groups) and len(shape.groups) == 9


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
