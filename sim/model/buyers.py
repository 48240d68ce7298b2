"""Buyer firms: continuous consumption, stock, and orders.

Consumption is continuous at a rate drawn for each month before the run starts (demand does not
depend on anything the model does), so a stock knows exactly how much it will have consumed by any
moment. Nothing ticks: its inventory policy (``sim.model.inventory``) decides when to order and sets
one timer for the next moment it must look; a delivery, a refusal or new targets may supersede the
timer. Demand that finds the shelf empty is lost: that is the shortfall, booked from the stock-out
episodes after the run.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, Protocol

import numpy as np
import simpy

from sim.scenario.sections import BuyerGroup


class Firm:
    """One buying firm: its group (sector, destination, end use, licences it applies for), its VEU flag and its
    stocks."""

    __slots__ = ("index", "group_name", "group_index", "group", "flagged", "stocks")

    def __init__(self, index: int, group_name: str, group_index: int, group: BuyerGroup, flagged: bool) -> None:
        self.index = index
        self.group_name = group_name
        self.group_index = group_index
        self.group = group
        self.flagged = flagged
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


class Supplier(Protocol):
    """Where a stock's needs go (``sim.model.supply.Exports``): placed with China, retried, withdrawn, or asked
    of alternative supply while the firm knows China will not sell to it."""

    def place(self, stock: Stock, quantity_kg: float) -> None: ...

    def retry(self, need: Any, quantity_kg: float) -> None: ...

    def withdraw(self, need: Any) -> None: ...

    def alternative(self, stock: Stock, quantity_kg: float) -> float: ...

    def alternative_from(self, stock: Stock) -> float: ...


class InventoryPolicy(Protocol):
    """When and how much a stock orders, and what becomes of a need that failed (``sim.model.inventory``)."""

    def start(self, stock: Stock) -> None: ...

    def review(self, stock: Stock) -> None: ...

    def failed(self, stock: Stock, need: Any) -> None: ...

    def lifted(self, stock: Stock, waiting: list[Any]) -> None: ...

    def delivered(self, stock: Stock, lead_time_days: float) -> None: ...

    def retarget(self, stock: Stock, reorder_point_days: float, order_up_to_days: float) -> None: ...


class Stock:
    """One firm's stock of one material, consumed continuously, with lost sales when empty.

    Each stock-out is kept as an episode (from, to) so that unmet demand and stock-out days can be
    booked to accounting intervals after the run (``interval_totals``). A need that failed waits in
    ``held`` for its retry; while ``blocks`` holds what the firm has learned bars it from China (a ban,
    its VEU listing), it buys from alternative supply only. When and how much it orders is its
    ``policy``'s to say.
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
        "policy",
        "retry_days",
        "supplier",
        "held",
        "blocks",
        "exporter",
    )

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        *,
        firm: Firm,
        material: str,
        consumption: Consumption,
        mean_china_kg_per_day: float,
        initial_days: float,
        policy: InventoryPolicy,
        retry_days: float,
        supplier: Supplier,
    ) -> None:
        self.env = env
        self.index = index
        self.firm = firm
        self.material = material
        self.mean_rate = mean_china_kg_per_day
        self.consumption = consumption
        self.level = initial_days * mean_china_kg_per_day
        self.on_order = 0.0
        self.updated = env.now
        self.consumed = consumption.consumed_kg(env.now)
        self.out_since = math.nan
        self.stockouts: list[tuple[float, float]] = []
        """Stock-out episodes that have ended: (first day empty, day restocked)."""
        self.hold_until = -math.inf
        self.policy = policy
        self.retry_days = retry_days
        self.supplier = supplier
        self.held: list[Any] = []
        self.blocks: set[tuple] = set()
        self.exporter = None
        """The exporter it buys from (``sim.model.exporters.Exporter``), if its material has any: set by the world."""

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
        """Ask for ``quantity_kg``: alternative supply only, if the firm knows China will not sell to it; else
        the retry of the oldest need that failed, if one waits; else a new need."""
        if self.blocks:
            if self.supplier.alternative(self, quantity_kg) < quantity_kg:  # ask again later, when it may give
                self.hold_until = max(self.env.now + self.retry_days, self.supplier.alternative_from(self))
        elif self.held:
            need = min(self.held, key=lambda held: held.t_ordered)
            for other in self.held:  # one order now covers every held need, dated from the oldest
                if other is not need:
                    self.supplier.withdraw(other)
            self.held = []
            self.on_order += quantity_kg
            self.supplier.retry(need, quantity_kg)
        else:
            self.on_order += quantity_kg
            self.supplier.place(self, quantity_kg)

    def receive(self, quantity_kg: float, lead_time_days: float | None = None) -> None:
        """Goods arrive: from a need placed ``lead_time_days`` ago (which an adaptive policy learns from), or
        from alternative supply."""
        self.advance()
        if not math.isnan(self.out_since):
            self.stockouts.append((self.out_since, self.env.now))
            self.out_since = math.nan
        self.level += quantity_kg
        self.on_order -= quantity_kg
        if lead_time_days is None:
            self.policy.review(self)
        else:
            self.policy.delivered(self, lead_time_days)

    def expect(self, quantity_kg: float) -> None:
        """Goods are on their way from a supplier other than the order's (alternative supply)."""
        self.on_order += quantity_kg

    def hold(self, need: Any, quantity_kg: float) -> None:
        """A need failed: it is no longer on order, and is retried after ``retry_days`` as its policy says."""
        self.on_order -= quantity_kg
        self.policy.failed(self, need)

    def block(self, reason: tuple, quantity_kg: float) -> None:
        """A need failed for a reason that bars the firm from China until it ends: the need waits, no longer
        on order, and the firm buys from alternative supply meanwhile."""
        self.on_order -= quantity_kg
        self.blocks.add(reason)
        self.review()

    def unblock(self, reason: tuple, waiting: list[Any]) -> None:
        """What barred the firm has ended: the needs that waited are retried now, or withdrawn if no longer needed."""
        self.blocks.discard(reason)
        self.policy.lifted(self, waiting)

    def resume(self, day: float) -> None:
        """Alternative supply, which had no capacity, takes orders from ``day``: a firm that buys from it
        only asks again then."""
        if self.blocks and day < self.hold_until:
            self.hold_until = day
            self.review()

    def again(self, need: Any) -> None:
        """A need tried again as it was (a standing order's)."""
        self.on_order += need.quantity_kg
        self.supplier.retry(need, need.quantity_kg)

    def withdraw_held(self) -> None:
        """The needs held for their retry are no longer needed."""
        for need in self.held:
            self.supplier.withdraw(need)
        self.held = []

    def set_targets(self, reorder_point_days: float, order_up_to_days: float) -> None:
        """New reorder point and order-up-to level, in days of mean demand (e.g. stockpiling), if its policy
        takes them."""
        self.policy.retarget(self, reorder_point_days, order_up_to_days)

    def review(self) -> None:
        """Let the policy look at the stock: order, or set the moment to look again."""
        self.policy.review(self)


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
