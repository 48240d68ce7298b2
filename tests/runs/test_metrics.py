"""Per-replication metrics: exactly the catalogue's, each with its label."""

from __future__ import annotations

from sim.catalogue import METRICS
from sim.model.world import simulate
from sim.runs.metrics import _group_metrics, _selectors, layout, measure
from sim.runs.streams import streams
from tests.conftest import small


def test_the_metrics_measured_are_exactly_the_catalogue_and_each_has_a_label_and_unit():
    scenario = small()
    records = simulate(scenario, streams(1, 0))
    per_group = _group_metrics(records, *_selectors(scenario, records)["all"])
    assert set(per_group) | {name for name, m in METRICS.items() if m.all_only} == set(METRICS)
    shape = layout(scenario)
    assert len(measure(scenario, records, shape).values) == len(shape.keys)
    assert all(m.label and m.unit and m.definition for m in METRICS.values())


def test_metrics_for_all_buyers_only_are_not_split_by_group():
    shape = layout(small())
    for metric, group in shape.keys:
        assert group == "all" or not METRICS[metric].all_only
    assert {g for m, g in shape.keys if m == "orders"} == set(shape.groups)
