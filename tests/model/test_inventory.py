"""Inventory policies: continuous review at a reorder point, cover of the lead time seen, standing orders."""

from __future__ import annotations

import pytest

from sim.model.inventory import ContinuousReview, LeadTimeCover, StandingOrder
from tests.model.shelf import Shelf, need

STANDING = {"policy": "fixed_interval", "initial_days": 10, "order_days": 5,
            "interval_days": {"dist": "fixed", "value": 7}}
"""10 kg (5 days of 2 kg) every 7 days."""


def test_each_inventory_section_makes_its_policy():
    assert type(Shelf().stock.policy) is ContinuousReview
    assert type(Shelf(policy="adaptive", initial_days=10, lead_time_days=10, smoothing=0.5, safety_days=2,
                      order_days=8).stock.policy) is LeadTimeCover
    standing = Shelf(**STANDING)
    assert type(standing.stock.policy) is StandingOrder
    assert standing.stock.policy.order_kg == pytest.approx(10.0)  # 5 days of 2 kg


def test_an_adaptive_stock_covers_the_lead_time_it_has_seen():
    shelf = Shelf(policy="adaptive", initial_days=10, lead_time_days=10, smoothing=0.5, safety_days=2, order_days=8)
    stock, policy = shelf.stock, shelf.stock.policy
    assert (policy.reorder_point_kg, policy.order_up_to_kg) == (pytest.approx(24.0), pytest.approx(40.0))
    stock.expect(20.0)
    stock.receive(20.0, lead_time_days=30.0)  # a need that took 30 days: the estimate moves half-way, to 20
    assert policy.lead_estimate_days == pytest.approx(20.0)
    assert (policy.reorder_point_kg, policy.order_up_to_kg) == (pytest.approx(44.0), pytest.approx(60.0))
    stock.receive(0.0)  # alternative supply teaches nothing about China's lead time
    assert policy.lead_estimate_days == pytest.approx(20.0)
    stock.set_targets(reorder_point_days=1, order_up_to_days=2)  # stockpiling events leave it to itself
    assert policy.reorder_point_kg == pytest.approx(44.0)


def test_new_targets_order_at_once_when_below_the_new_reorder_point(shelf):
    shelf.run(until=2)
    shelf.stock.set_targets(reorder_point_days=15, order_up_to_days=30)
    assert shelf.orders == [(2.0, pytest.approx(60 - 16))]


@pytest.fixture
def standing() -> Shelf:
    """A standing order of 10 kg every 7 days, started at day 0."""
    shelf = Shelf(**STANDING)
    shelf.stock.policy.start(shelf.stock)
    return shelf


def test_a_standing_order_buys_its_quantity_at_its_intervals_whatever_the_position(standing):
    standing.stock.set_targets(reorder_point_days=100, order_up_to_days=200)  # it has no targets to take
    standing.run(until=22)
    assert standing.orders == [(7.0, pytest.approx(10.0)), (14.0, pytest.approx(10.0)), (21.0, pytest.approx(10.0))]


def test_a_standing_orders_failed_need_is_tried_again_as_it_was(standing):
    standing.run(until=8)
    failed = need("need")
    failed.quantity_kg = 10.0
    standing.stock.hold(failed, 10.0)  # the order of day 7, refused at 8: tried again 3 days later, as it was
    standing.run(until=12)
    assert standing.retried == [(11.0, "need", pytest.approx(10.0))]
    assert standing.stock.on_order == pytest.approx(10.0)  # the first order, failed, is on order again
    standing.stock.block(("ban", "Dy", "EU"), 10.0)
    standing.stock.unblock(("ban", "Dy", "EU"), [failed])  # what waited for the bar is tried again at once
    assert standing.retried[-1] == (12.0, "need", pytest.approx(10.0))
