"""A stock of Dy in a fresh SimPy environment, with a supplier that notes what it is asked for."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import simpy

from sim.model.buyers import Consumption, Firm, Stock
from sim.model.inventory import inventory_policy
from sim.scenario.sections import BuyerGroup


class Shelf:
    """A firm's stock of Dy in a fresh environment, and what it asks its supplier for: new needs and retries
    as (day, kg) in ``orders``, what it withdraws, and what it asks of alternative supply (which grants
    ``alternative_kg`` at most).

    By default: 2 kg a day, 20 kg on hand, reorder at 10 kg (5 days), up to 40 kg (20 days), retry after 3 days.
    """

    def __init__(self, consumption: Consumption | None = None, alternative_kg: float = 0.0, **inventory: object
                 ) -> None:
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
                           initial_days=group.inventory.initial_days,
                           policy=inventory_policy(group.inventory, 2.0, np.random.default_rng),
                           retry_days=group.retry_days, supplier=self)

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
