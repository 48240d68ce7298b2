"""Buyer firms: continuous consumption, stock, and the decision to order.

Consumption is continuous at a rate drawn for each month before the run starts (demand does not
depend on anything the model does), so a stock knows exactly how much it will have consumed by any
moment. Nothing ticks: a stock computes when its inventory position (on hand plus on order) will
reach the reorder point and sets one timer for that moment; a delivery, a refusal or new targets
may supersede the timer. Demand that finds the shelf empty is lost: that is the shortfall, booked
from the stock-out episodes after the run.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Generator, Sequence
from itertools import accumulate

import numpy as np
import simpy

from sim.model.sampling import Dice, Sampler
from sim.scenario.schema import BuyerGroup, ReorderPoint


class Firm:
    """One buying firm: its group (sector, destination, end use, licences it applies for), its VEU flag,
    its track record and its stocks."""

    __slots__ = ("index", "group_name", "group_index", "group", "flagged", "track_record", "stocks")

    def __init__(self, index: int, group_name: str, group_index: int, group: BuyerGroup, flagged: bool) -> None:
        self.index = index
        self.group_name = group_name
        self.group_index = group_index
        self.group = group
        self.flagged = flagged
        self.track_record = 0
        self.stocks: dict[str, Stock] = {}


class Consumption:
    """One stock's consumption over the run: a rate for each month, known from the start.

    Between month starts consumption is a straight line, so how much has been consumed by any
    moment, and the moment a given amount will have been consumed, are exact.
    """

    __slots__ = ("starts", "rates", "cumulative")

    def __init__(self, month_starts_days: Sequence[float], rates_kg_per_day: Sequence[float]) -> None:
        self.starts = list(month_starts_days)
        self.rates = list(rates_kg_per_day)
        lengths = [b - a for a, b in zip(self.starts, self.starts[1:], strict=False)]
        self.cumulative = list(accumulate((r * d for r, d in zip(self.rates, lengths, strict=False)), initial=0.0))

    def consumed_kg(self, day: float) -> float:
        """Kilograms consumed from day 0 to ``day`` (met or not)."""
        month = bisect_right(self.starts, day) - 1
        return self.cumulative[month] + self.rates[month] * (day - self.starts[month])

    def day_reaching(self, kg: float) -> float:
        """The moment consumption since day 0 reaches ``kg`` (infinite if it never does)."""
        month = bisect_right(self.cumulative, kg) - 1
        rate = self.rates[month]
        return self.starts[month] + (kg - self.cumulative[month]) / rate if rate > 0 else math.inf


class Stock:
    """One firm's stock of one material, consumed continuously, with lost sales when empty.

    Each stock-out is kept as an episode (from, to) so that unmet demand and stock-out days can be
    booked to accounting intervals after the run (``interval_totals``).
    """

    __slots__ = (
        "env",
        "index",
        "firm",
        "material",
        "mean_rate",
        "consumption",
        "level",
        "on_order",
        "updated",
        "consumed",
        "out_since",
        "stockouts",
        "hold_until",
        "reorder_point",
        "order_up_to",
        "continuous_review",
        "retry_days",
        "place_order",
        "dice",
        "_due",
    )

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        firm: Firm,
        material: str,
        consumption: Consumption,
        mean_china_kg_per_day: float,
        group: BuyerGroup,
        place_order: Callable[[Stock, float], None],
        dice: Dice | None = None,
    ) -> None:
        self.env = env
        self.index = index
        self.firm = firm
        self.material = material
        self.mean_rate = mean_china_kg_per_day
        self.consumption = consumption
        policy = group.inventory
        self.level = policy.initial_days * mean_china_kg_per_day
        self.on_order = 0.0
        self.updated = env.now
        self.consumed = consumption.consumed_kg(env.now)
        self.out_since = math.nan
        self.stockouts: list[tuple[float, float]] = []
        """Stock-out episodes that have ended: (first day empty, day restocked)."""
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

    @property
    def position(self) -> float:
        """Inventory position: on hand plus on order."""
        return self.level + self.on_order

    def advance(self) -> None:
        """Consume from the last update until now; note the moment the shelf ran empty, if it did."""
        now = self.env.now
        if now <= self.updated:
            return
        consumed = self.consumption.consumed_kg(now)
        demand = consumed - self.consumed
        if demand <= self.level:
            self.level -= demand
        elif math.isnan(self.out_since):
            self.out_since = self.consumption.day_reaching(self.consumed + self.level)
            self.level = 0.0
        self.updated, self.consumed = now, consumed

    def episodes(self) -> list[tuple[float, float]]:
        """Every stock-out episode so far, one still under way ending now."""
        if math.isnan(self.out_since):
            return self.stockouts
        return [*self.stockouts, (self.out_since, self.env.now)]

    def order(self, quantity_kg: float) -> None:
        """Record an order placed with a supplier and hand it over."""
        self.on_order += quantity_kg
        self.place_order(self, quantity_kg)

    def receive(self, quantity_kg: float) -> None:
        """Goods ordered earlier arrive."""
        self.advance()
        if not math.isnan(self.out_since):
            self.stockouts.append((self.out_since, self.env.now))
            self.out_since = math.nan
        self.level += quantity_kg
        self.on_order -= quantity_kg
        self.review()

    def expect(self, quantity_kg: float) -> None:
        """Goods are on their way from a supplier other than the order's (alternative supply)."""
        self.on_order += quantity_kg

    def lose(self, quantity_kg: float) -> None:
        """An order will not come (refused or cancelled): wait ``retry_days``, then order again."""
        self.on_order -= quantity_kg
        self.hold_until = self.env.now + self.retry_days
        self.review()

    def set_targets(self, reorder_point_days: float, order_up_to_days: float) -> None:
        """New reorder point and order-up-to level, in days of mean demand (e.g. stockpiling)."""
        if not self.continuous_review:
            return
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
        self.advance()
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
            self.review()

    def _days_until_reorder(self) -> float:
        now = self.env.now
        if now < self.hold_until:
            return self.hold_until - now
        excess = self.position - self.reorder_point
        if excess <= 1e-9 * max(1.0, self.order_up_to):
            return 0.0
        if excess > self.level:
            return math.inf  # the position stalls at a stock-out until a delivery arrives
        return self.consumption.day_reaching(self.consumed + excess) - now


def interval_totals(
    rates_kg_per_day: np.ndarray, boundaries_days: np.ndarray, interval_month: np.ndarray, stocks: Sequence[Stock]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Demand, unmet demand (kg) and stock-out days of every stock in every accounting interval.

    ``rates_kg_per_day`` has a row per stock and a column per month; intervals never straddle a
    month start, so within one the rate is constant and unmet demand is the rate times the days
    of the stock-out episodes that fall in it.
    """
    lengths = np.diff(boundaries_days)
    interval_rates = rates_kg_per_day[:, interval_month]
    episodes = [(stock.index, start, end) for stock in stocks for start, end in stock.episodes()]
    stockout_days = np.zeros_like(interval_rates)
    if episodes:
        index, start, end = (np.array(column) for column in zip(*episodes, strict=True))
        overlap = np.minimum(end[:, None], boundaries_days[1:]) - np.maximum(start[:, None], boundaries_days[:-1])
        np.add.at(stockout_days, index, np.clip(overlap, 0.0, None))
    return interval_rates * lengths, interval_rates * stockout_days, stockout_days


def fixed_interval_orders(stock: Stock, interval_days: Sampler, order_kg: float) -> Generator[simpy.Event, None, None]:
    """SimPy process: a standing order of fixed size at (possibly random) intervals."""
    while True:
        yield stock.env.timeout(interval_days())
        stock.advance()
        stock.order(order_kg)
