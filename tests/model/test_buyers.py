"""A firm's stock: continuous consumption, lost sales, and orders placed exactly at the reorder point."""

from __future__ import annotations

import pytest
import simpy

from sim.model.buyers import Firm, Stock
from sim.scenario.schema import BuyerGroup


def group(**inventory) -> BuyerGroup:
    return BuyerGroup.model_validate({
        "count": 1, "sector": "automotive", "destination": "EU",
        "demand": {"Dy": {"mean_kg_per_day": 2}},
        "inventory": {"initial_days": 10, "reorder_point_days": 5, "order_up_to_days": 20, **inventory},
        "retry_days": 3,
    })


def make_stock(env: simpy.Environment, orders: list, **inventory) -> Stock:
    g = group(**inventory)
    firm = Firm(0, "g", 0, g, flagged=False)
    return Stock(env, 0, firm, "Dy", 2.0, 1.0, g, lambda stock, kg: orders.append((env.now, kg)))


def test_orders_exactly_when_the_position_reaches_the_reorder_point():
    env, orders = simpy.Environment(), []
    stock = make_stock(env, orders)
    stock.review()
    env.run(until=6)
    # 20 kg at 2 kg/day reaches the 10 kg reorder point on day 5; order up to 40 kg.
    assert orders == [(5.0, pytest.approx(30.0))]
    stock.advance()
    assert stock.position == pytest.approx(40 - 2)


def test_demand_on_an_empty_shelf_is_lost_and_counted():
    env, orders = simpy.Environment(), []
    stock = make_stock(env, orders)
    stock.review()
    env.run(until=15)
    stock.advance()
    assert stock.level == 0
    assert sum(stock.demand_kg) == pytest.approx(30)
    assert sum(stock.unmet_kg) == pytest.approx(10)
    assert sum(stock.stockout_days) == pytest.approx(5)


def test_delivery_restocks_and_rearms_the_reorder_timer():
    env, orders = simpy.Environment(), []
    stock = make_stock(env, orders)
    stock.review()
    env.run(until=6)
    env.timeout(1).callbacks.append(lambda _e: stock.receive(30.0))
    env.run(until=20)
    # After the delivery at day 7 (level 6 + 30 = 36 kg), the position 36 falls to 10 kg at day 20.
    assert len(orders) == 1
    env.run(until=20.5)
    assert orders[-1][0] == pytest.approx(20.0)


def test_lost_order_waits_the_retry_delay_before_ordering_again():
    env, orders = simpy.Environment(), []
    stock = make_stock(env, orders)
    stock.review()
    env.run(until=6)
    env.timeout(0.5).callbacks.append(lambda _e: stock.lose(orders[0][1]))
    env.run(until=10)
    assert [t for t, _ in orders] == [5.0, 9.5]  # refused at 6.5, retry after 3 days


def test_new_targets_order_at_once_when_below_the_new_reorder_point():
    env, orders = simpy.Environment(), []
    stock = make_stock(env, orders)
    stock.review()
    env.run(until=2)
    stock.set_targets(reorder_point_days=15, order_up_to_days=30)
    assert orders == [(2.0, pytest.approx(60 - 16))]
