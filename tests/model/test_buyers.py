"""A firm's stock: continuous consumption, lost sales, and orders placed exactly at the reorder point."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from sim.model.buyers import Consumption, Firm, Stock, interval_totals
from sim.scenario.schema import BuyerGroup


class Shelf:
    """A firm's stock of Dy in a fresh environment, and what it asks its supplier for: new needs and retries
    as (day, kg) in ``orders``, what it withdraws, and what it asks of alternative supply (which grants
    ``alternative_kg`` at most).

    By default: 2 kg a day, 20 kg on hand, reorder at 10 kg (5 days), up to 40 kg (20 days), retry after 3 days.
    """

    def __init__(self, consumption: Consumption | None = None, alternative_kg: float = 0.0, **inventory: float) -> None:
        self.env = simpy.Environment()
        self.orders: list[tuple[float, float]] = []
        self.retried: list[tuple[float, str, float]] = []
        self.withdrawn: list[str] = []
        self.asked: list[tuple[float, float]] = []
        self.alternative_kg = alternative_kg
        group = BuyerGroup.model_validate({
            "count": 1, "sector": "automotive", "destination": "EU", "demand": {"Dy": {"mean_kg_per_day": 2}},
            "inventory": inventory or {"initial_days": 10, "reorder_point_days": 5, "order_up_to_days": 20},
            "retry_days": 3,
        })
        self.stock = Stock(self.env, 0, firm=Firm(0, "g", 0, group, flagged=False), material="Dy",
                           consumption=consumption or Consumption([0.0], [2.0]), mean_china_kg_per_day=2.0,
                           policy=group.inventory, retry_days=group.retry_days, supplier=self)

    def place(self, stock: Stock, quantity_kg: float) -> None:
        self.orders.append((self.env.now, quantity_kg))

    def retry(self, need: SimpleNamespace, quantity_kg: float) -> None:
        self.retried.append((self.env.now, need.name, quantity_kg))

    def withdraw(self, need: SimpleNamespace) -> None:
        self.withdrawn.append(need.name)

    def alternative(self, stock: Stock, quantity_kg: float) -> float:
        self.asked.append((self.env.now, quantity_kg))
        granted = min(quantity_kg, self.alternative_kg)
        stock.expect(granted)
        return granted

    def alternative_from(self, stock: Stock) -> float:
        return 0.0 if self.alternative_kg else math.inf


    def run(self, until: float) -> Stock:
        """Run to ``until`` and bring the stock up to date."""
        self.env.run(until=until)
        self.stock.advance()
        return self.stock


def need(name: str, t_ordered: float = 0.0) -> SimpleNamespace:
    """A stand-in for a need: its name and the day it was first requested."""
    return SimpleNamespace(name=name, t_ordered=t_ordered)


@pytest.fixture
def shelf() -> Shelf:
    """The default shelf, reviewing its stock from day 0."""
    shelf = Shelf()
    shelf.stock.review()
    return shelf


def test_consumption_and_the_day_it_reaches_an_amount_are_inverse():
    c = Consumption([0.0, 10.0, 30.0], [2.0, 0.5, 4.0])
    assert [c.consumed_kg(d) for d in (0, 5, 10, 20, 30, 31)] == [0, 10, 20, 25, 30, 34]
    for day in np.linspace(0, 50, 101):
        assert c.day_reaching(c.consumed_kg(day)) == pytest.approx(day)
    assert Consumption([0.0, 10.0], [1.0, 0.0]).day_reaching(10.5) == np.inf


def test_reorders_exactly_at_the_reorder_point_when_the_rate_changes_on_the_way():
    shelf = Shelf(Consumption([0.0, 2.0], [2.0, 1.0]))
    shelf.stock.review()
    shelf.run(until=20)
    # 20 kg: 4 kg by day 2, then 1 kg/day reaches the 10 kg reorder point on day 8.
    assert shelf.orders[0] == (8.0, pytest.approx(30.0))


def test_orders_exactly_when_the_position_reaches_the_reorder_point(shelf):
    stock = shelf.run(until=6)
    # 20 kg at 2 kg/day reaches the 10 kg reorder point on day 5; order up to 40 kg.
    assert shelf.orders == [(5.0, pytest.approx(30.0))]
    assert stock.position == pytest.approx(40 - 2)


def test_demand_on_an_empty_shelf_is_lost_and_counted(shelf):
    stock = shelf.run(until=15)
    assert stock.level == 0
    assert stock.episodes() == [(pytest.approx(10.0), 15.0)]  # 20 kg at 2 kg/day, nothing delivered
    demand, unmet, stockout = interval_totals(np.array([[2.0]]), np.array([0.0, 15.0]), np.array([0]), [stock])
    assert (demand.sum(), unmet.sum(), stockout.sum()) == (pytest.approx(30), pytest.approx(10), pytest.approx(5))


def test_stock_outs_are_booked_to_the_intervals_they_fall_in_at_each_month_rate():
    shelf = Shelf(Consumption([0.0, 12.0], [2.0, 3.0]))
    shelf.run(until=11)  # empty since day 10
    shelf.env.timeout(3).callbacks.append(lambda _e: shelf.stock.receive(3.0))  # restocked on day 14
    stock = shelf.run(until=18)  # 3 kg last until day 15
    assert stock.episodes() == [(pytest.approx(10.0), 14.0), (pytest.approx(15.0), 18.0)]
    rates, boundaries = np.array([[2.0, 3.0]]), np.array([0.0, 5.0, 12.0, 18.0])
    demand, unmet, stockout = interval_totals(rates, boundaries, np.array([0, 0, 1]), [stock])
    np.testing.assert_allclose(demand, [[10, 14, 18]])
    np.testing.assert_allclose(stockout, [[0, 2, 5]])
    np.testing.assert_allclose(unmet, [[0, 4, 15]])  # 2 days at 2 kg/day, 5 days at 3 kg/day


def test_delivery_restocks_and_rearms_the_reorder_timer(shelf):
    shelf.run(until=6)
    shelf.env.timeout(1).callbacks.append(lambda _e: shelf.stock.receive(30.0))
    shelf.run(until=20)
    # After the delivery at day 7 (level 6 + 30 = 36 kg), the position 36 falls to 10 kg at day 20.
    assert len(shelf.orders) == 1
    shelf.run(until=20.5)
    assert shelf.orders[-1][0] == pytest.approx(20.0)


@pytest.mark.parametrize(("above_kg", "orders_at_stock_out"), [(1e-12, True), (1e-6, False)])
def test_a_position_at_the_reorder_point_when_the_shelf_empties_orders_then(above_kg, orders_at_stock_out):
    shelf = Shelf()
    shelf.stock.expect(10.0 + above_kg)  # on order: the 10 kg reorder point, and rounding (or a real surplus)
    shelf.stock.review()
    shelf.run(until=11)  # 20 kg on hand run out on day 10, the position then at the reorder point, or above it
    # Rounding does not leave the stock stalled; a surplus above the tolerance (4e-8 kg here) does, until restocked.
    assert shelf.orders == ([(pytest.approx(10.0), pytest.approx(30.0))] if orders_at_stock_out else [])


def test_a_failed_need_is_retried_after_the_retry_delay_for_what_the_firm_needs_then(shelf):
    shelf.run(until=6)
    shelf.env.timeout(0.5).callbacks.append(lambda _e: shelf.stock.hold(need("need"), shelf.orders[0][1]))
    shelf.run(until=10)
    # refused at 6.5, retried 3 days later as the same need, up to 40 kg from the 1 kg left at 9.5
    assert shelf.orders == [(5.0, pytest.approx(30.0))]
    assert shelf.retried == [(9.5, "need", pytest.approx(40 - 1))]


def test_a_failed_need_no_longer_needed_at_its_retry_is_withdrawn(shelf):
    shelf.run(until=6)
    shelf.env.timeout(0.5).callbacks.append(lambda _e: shelf.stock.hold(need("need"), shelf.orders[0][1]))
    shelf.env.timeout(1).callbacks.append(lambda _e: shelf.stock.receive(30.0))  # alternative supply at 7
    shelf.stock.expect(30.0)
    shelf.run(until=10)
    assert shelf.retried == [] and shelf.withdrawn == ["need"]
    assert shelf.stock.held == []


def test_one_order_covers_every_held_need_and_keeps_the_oldest_request(shelf):
    shelf.run(until=6)
    shelf.stock.hold(need("newer", t_ordered=5.0), 30.0)
    shelf.stock.hold(need("older", t_ordered=1.0), 0.0)  # failed later, at export, but asked for first
    shelf.run(until=10)
    assert [name for _, name, _ in shelf.retried] == ["older"] and shelf.withdrawn == ["newer"]


def test_a_barred_firm_buys_from_alternative_supply_only_until_the_bar_ends():
    shelf = Shelf(alternative_kg=1.0)  # alternative supply has little to give
    shelf.stock.review()
    shelf.run(until=6)
    shelf.stock.block(("ban", "Dy", "EU"), shelf.orders[0][1])  # refused at 6: 8 kg left, nothing on order
    shelf.run(until=12.5)
    assert shelf.orders == [(5.0, pytest.approx(30.0))]  # no new need while barred
    assert shelf.asked[0] == (6.0, pytest.approx(40 - 8))  # asked alternative supply for the rest
    assert [t for t, _ in shelf.asked] == [6.0, 9.0, 12.0]  # granted too little: asked again after each delay
    shelf.stock.unblock(("ban", "Dy", "EU"), [need("need")])
    assert shelf.retried == [(12.5, "need", pytest.approx(40.0 - 3.0))] and not shelf.stock.blocks


def test_a_barred_firm_with_no_alternative_supply_waits_for_the_bar_to_end_without_asking():
    shelf = Shelf()  # no alternative capacity at all
    shelf.stock.review()
    shelf.run(until=6)
    shelf.stock.block(("veu", "Dy", 0), shelf.orders[0][1])
    shelf.run(until=200)
    assert [t for t, _ in shelf.asked] == [6.0]  # asked once, then no polling
    shelf.stock.unblock(("veu", "Dy", 0), [need("need")])
    assert shelf.retried and shelf.retried[0][:2] == (200.0, "need")


def test_a_barred_firm_asks_again_when_alternative_supply_gets_capacity():
    shelf = Shelf()
    shelf.stock.review()
    shelf.run(until=6)
    shelf.stock.block(("veu", "Dy", 0), shelf.orders[0][1])
    shelf.run(until=50)
    shelf.alternative_kg = 100.0
    shelf.stock.resume(60.0)  # capacity from day 60
    shelf.run(until=59)
    assert [t for t, _ in shelf.asked] == [6.0]
    shelf.run(until=61)
    assert [t for t, _ in shelf.asked] == [6.0, 60.0]


def test_an_adaptive_stock_covers_the_lead_time_it_has_seen():
    shelf = Shelf(policy="adaptive", initial_days=10, lead_time_days=10, smoothing=0.5, safety_days=2, order_days=8)
    stock = shelf.stock
    assert (stock.reorder_point, stock.order_up_to) == (pytest.approx(24.0), pytest.approx(40.0))
    stock.expect(20.0)
    stock.receive(20.0, lead_time_days=30.0)  # a need that took 30 days: the estimate moves half-way, to 20
    assert stock.lead_estimate_days == pytest.approx(20.0)
    assert (stock.reorder_point, stock.order_up_to) == (pytest.approx(44.0), pytest.approx(60.0))
    stock.receive(0.0)  # alternative supply teaches nothing about China's lead time
    assert stock.lead_estimate_days == pytest.approx(20.0)
    stock.set_targets(reorder_point_days=1, order_up_to_days=2)  # stockpiling events leave it to itself
    assert stock.reorder_point == pytest.approx(44.0)


def test_new_targets_order_at_once_when_below_the_new_reorder_point(shelf):
    shelf.run(until=2)
    shelf.stock.set_targets(reorder_point_days=15, order_up_to_days=30)
    assert shelf.orders == [(2.0, pytest.approx(60 - 16))]
