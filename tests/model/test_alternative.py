"""Alternative supply: a first-come-first-served queue at a capacity that events change, ramps, a queue limit,
firms told when capacity arrives, and China's rules reaching it under an extraterritorial rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.model.alternative import AlternativeSupply
from sim.model.world import simulate
from sim.runs.streams import streams
from tests.conftest import merged
from tests.model.test_supply import fixed, needs_of


class Shelf:
    """What alternative supply sees of a firm's stock: its index, goods on their way, goods received."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.expected_kg = self.received_kg = 0.0
        self.resumed: list[float] = []

    def expect(self, quantity_kg: float) -> None:
        self.expected_kg += quantity_kg

    def receive(self, quantity_kg: float) -> None:
        self.received_kg += quantity_kg

    def resume(self, day: float) -> None:
        self.resumed.append(day)


def supply(env: simpy.Environment, kg_per_month: float = 30, refused=lambda stock: False,
           **options: float) -> AlternativeSupply:
    """Alternative supply making 1 kg a day (by default), shipped 5 days after it is made, licences 20 days."""
    return AlternativeSupply(env, kg_per_month, options.get("available_from", 0.0),
                             options.get("queue_limit_days", 90), lambda: 5.0, lambda: 20.0, refused)


def delivered(alternative: AlternativeSupply) -> list[float]:
    return [row[2] for row in alternative.requests]


def test_orders_are_made_one_after_another_first_come_first_served():
    env = simpy.Environment()
    alternative = supply(env)
    a, b = Shelf(0), Shelf(1)
    assert alternative.request(a, 10) == 10 and alternative.request(b, 5) == 5
    env.timeout(30).callbacks.append(lambda _e: alternative.request(a, 2))  # the maker is idle by then
    env.run(until=100)
    assert delivered(alternative) == pytest.approx([15, 20, 37])  # made at 10, 15, 32; 5 days' lead time
    assert a.received_kg == a.expected_kg == 12 and b.received_kg == 5


def test_an_order_is_refused_when_the_output_queued_ahead_would_take_longer_than_the_limit():
    env = simpy.Environment()
    alternative = supply(env, queue_limit_days=10)
    assert alternative.request(Shelf(0), 11) == 11  # nothing ahead of it
    assert alternative.request(Shelf(1), 1) == 0  # 11 days of output ahead
    env.run(until=2)
    assert alternative.request(Shelf(1), 1) == 1  # 9 days ahead now
    assert [row[0] for row in alternative.requests] == [0, 1]


def test_a_capacity_change_speeds_up_the_order_in_production():
    env = simpy.Environment()
    alternative = supply(env)
    alternative.request(Shelf(0), 10)
    env.timeout(4).callbacks.append(lambda _e: alternative.change_capacity(60, 0))
    env.run(until=50)
    assert delivered(alternative) == pytest.approx([4 + 6 / 2 + 5])


def test_a_ramp_raises_capacity_in_weekly_steps_and_a_later_change_replaces_it():
    env = simpy.Environment()
    alternative = supply(env, kg_per_month=0)
    alternative.change_capacity(60, 14)
    rates = []
    for day in (6, 8, 15):
        env.run(until=day)
        rates.append(alternative.rate_kg_per_day)
    assert rates == pytest.approx([0, 1, 2])
    alternative.change_capacity(0, 28)  # a slowdown over four weeks...
    env.run(until=23)
    alternative.change_capacity(90, 0)  # ...overtaken by an expansion at once
    env.run(until=60)
    assert alternative.rate_kg_per_day == pytest.approx(3)


def test_firms_that_found_no_capacity_are_told_when_it_arrives():
    env = simpy.Environment()
    alternative = supply(env, kg_per_month=0, available_from=10)
    shelf = Shelf(0)
    assert alternative.request(shelf, 5) == 0 and alternative.first_day(shelf) == math.inf
    env.timeout(3).callbacks.append(lambda _e: alternative.change_capacity(30, 0))
    env.run(until=5)
    assert shelf.resumed == [10]  # capacity from day 3, output from day 10
    assert alternative.first_day(shelf) == 10


def test_under_an_extraterritorial_rule_china_refuses_whom_it_refuses_and_the_others_wait_for_a_licence():
    env = simpy.Environment()
    alternative = supply(env, refused=lambda stock: stock.index == 1)
    assert alternative.request(Shelf(1), 1) == 1  # no rule yet
    alternative.extraterritorial = True
    assert alternative.request(Shelf(1), 1) == 0
    assert alternative.request(Shelf(0), 1) == 1
    env.run(until=100)
    assert delivered(alternative) == pytest.approx([1 + 5 + 20, 2 + 5 + 20])  # made under the rule: licensed


def test_a_firm_whose_patience_runs_out_orders_from_alternative_supply_as_well():
    slow = {"materials": {"Dy": {"alternative": {"capacity_kg_per_month": 300, "lead_time_days": 5}}},
            "licence_types": {"per_shipment": {"review_days": 60}},
            "buyers": {"auto": {"licences": ["per_shipment"]}}}
    records = simulate(fixed(**merged(slow, {"buyers": {"auto": {"patience_days": 25}}})), streams(1, 0))
    needs, asked = needs_of(records, 0), records.alternative
    licensed = needs["licensed"]
    np.testing.assert_array_equal(asked["stock"], 0)  # the civilian firm's Dy stock, never refused
    np.testing.assert_allclose(asked["t_requested"], needs["t_attempt"][licensed] + 25)  # once per attempt
    np.testing.assert_allclose(asked["quantity_kg"], needs["quantity_kg"][licensed])
    assert len(simulate(fixed(**slow), streams(1, 0)).alternative["stock"]) == 0  # no patience: never asked
