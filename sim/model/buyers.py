"""Buyer firms: continuous consumption, stock, and the decision to order.

Consumption is continuous at a rate redrawn each month, so stock is a straight line between
events. Nothing ticks: a stock computes when its inventory position (on hand plus on order)
will reach the reorder point and sets one timer for that moment; any change (a delivery, a
refusal, a new rate) supersedes the timer. Demand that finds the shelf empty is lost: that is
the shortfall.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from sim.model.sampling import Dice, Sampler
from sim.scenario.schema import BuyerGroup, ReorderPoint


class Firm:
    """One buying firm: its group's attributes, its VEU flag, its track record and its stocks."""

    __slots__ = (
        "index",
        "group_name",
        "group_index",
        "destination",
        "military",
        "trusted",
        "green_channel",
        "licences",
        "flagged",
        "track_record",
        "stocks",
    )

    def __init__(self, index: int, group_name: str, group_index: int, group: BuyerGroup, flagged: bool) -> None:
        self.index = index
        self.group_name = group_name
        self.group_index = group_index
        self.destination = group.destination
        self.military = group.military
        self.trusted = group.trusted
        self.green_channel = group.green_channel
        self.licences = tuple(group.licences)
        self.flagged = flagged
        self.track_record = 0
        self.stocks: dict[str, Stock] = {}


class Stock:
    """One firm's stock of one material, consumed continuously, with lost sales when empty.

    Demand, unmet demand and stock-out time are accumulated per accounting interval (the world
    closes an interval at every month start and at the end of the warm-up).
    """

    __slots__ = (
        "env",
        "index",
        "firm",
        "material",
        "china_share",
        "mean_rate",
        "rate",
        "level",
        "on_order",
        "updated",
        "hold_until",
        "reorder_point",
        "order_up_to",
        "continuous_review",
        "retry_days",
        "place_order",
        "dice",
        "_due",
        "demand_kg",
        "unmet_kg",
        "stockout_days",
    )

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        firm: Firm,
        material: str,
        mean_china_kg_per_day: float,
        china_share: float,
        group: BuyerGroup,
        place_order: Callable[[Stock, float], None],
        dice: Dice | None = None,
    ) -> None:
        self.env = env
        self.index = index
        self.firm = firm
        self.material = material
        self.china_share = china_share
        self.mean_rate = mean_china_kg_per_day
        self.rate = mean_china_kg_per_day
        policy = group.inventory
        self.level = policy.initial_days * mean_china_kg_per_day
        self.on_order = 0.0
        self.updated = env.now
        self.hold_until = -math.inf
        self.continuous_review = isinstance(policy, ReorderPoint)
        self.reorder_point = self.order_up_to = 0.0
        if self.continuous_review:
            self.reorder_point = policy.reorder_point_days * mean_china_kg_per_day
            self.order_up_to = policy.order_up_to_days * mean_china_kg_per_day
        self.retry_days = group.retry_days
        self.place_order = place_order
        self.dice = dice
        self._due = math.inf
        self.demand_kg = [0.0]
        self.unmet_kg = [0.0]
        self.stockout_days = [0.0]

    @property
    def position(self) -> float:
        """Inventory position: on hand plus on order."""
        return self.level + self.on_order

    def advance(self) -> None:
        """Consume from the last update until now, recording demand the stock could not meet."""
        now = self.env.now
        elapsed = now - self.updated
        if elapsed <= 0:
            return
        self.updated = now
        demand = self.rate * elapsed
        self.demand_kg[-1] += demand / self.china_share
        if demand <= self.level:
            self.level -= demand
            return
        unmet = demand - self.level
        self.unmet_kg[-1] += unmet
        self.stockout_days[-1] += unmet / self.rate
        self.level = 0.0

    def close_interval(self, new_rate: float | None) -> None:
        """Book consumption so far to the current interval, open the next, maybe change the rate."""
        self.advance()
        self.demand_kg.append(0.0)
        self.unmet_kg.append(0.0)
        self.stockout_days.append(0.0)
        if new_rate is not None:
            self.rate = new_rate
            self.review()

    def order(self, quantity_kg: float) -> None:
        """Record an order placed with a supplier and hand it over."""
        self.on_order += quantity_kg
        self.place_order(self, quantity_kg)

    def receive(self, quantity_kg: float) -> None:
        """Goods ordered earlier arrive."""
        self.advance()
        self.level += quantity_kg
        self.on_order -= quantity_kg
        self.review()

    def expect(self, quantity_kg: float) -> None:
        """Goods are on their way from a supplier other than the order's (alternative supply)."""
        self.on_order += quantity_kg

    def lose(self, quantity_kg: float) -> None:
        """An order will not come (refused or cancelled): wait ``retry_days``, then order again."""
        self.advance()
        self.on_order -= quantity_kg
        self.hold_until = self.env.now + self.retry_days
        self.review()

    def set_targets(self, reorder_point_days: float, order_up_to_days: float) -> None:
        """New reorder point and order-up-to level, in days of mean demand (e.g. stockpiling)."""
        if not self.continuous_review:
            return
        self.advance()
        self.reorder_point = reorder_point_days * self.mean_rate
        self.order_up_to = order_up_to_days * self.mean_rate
        self.review()

    def review(self) -> None:
        """Order now if the position is at the reorder point, else make sure a timer wakes the stock by then.

        A timer already set for an earlier moment is kept (it will review again when it fires), so
        that most changes cost no new event.
        """
        if not self.continuous_review:
            return
        wait = self._days_until_reorder()
        if wait == 0:
            self.order(self.order_up_to - self.position)
            wait = self._days_until_reorder()
        due = self.env.now + wait
        if due < self._due:
            self._due = due
            self.env.timeout(wait, due).callbacks.append(self._timer)

    def _timer(self, event: simpy.Event) -> None:
        if event.value == self._due:  # else an earlier timer superseded this one
            self._due = math.inf
            self.advance()
            self.review()

    def _days_until_reorder(self) -> float:
        now = self.env.now
        if now < self.hold_until:
            return self.hold_until - now
        excess = self.position - self.reorder_point
        if excess <= 1e-9 * max(1.0, self.order_up_to):
            return 0.0
        if self.rate <= 0 or excess > self.level:
            return math.inf  # the position stalls at a stock-out until a delivery arrives
        return excess / self.rate


def fixed_interval_orders(stock: Stock, interval_days: Sampler, order_kg: float) -> Generator[simpy.Event, None, None]:
    """SimPy process: a standing order of fixed size at (possibly random) intervals."""
    while True:
        yield stock.env.timeout(interval_days())
        stock.advance()
        stock.order(order_kg)
