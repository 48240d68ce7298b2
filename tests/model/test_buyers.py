"""A firm's stock: continuous consumption, lost sales, and orders placed exactly at the reorder point."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.buyers import Consumption, interval_totals
from tests.model.shelf import Shelf, need


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
