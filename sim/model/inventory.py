"""Inventory policies: when a stock orders, how much, and what becomes of a need that failed.

A policy is a strategy (``sim.model.buyers.InventoryPolicy``) that its ``Stock`` calls at each
turn: ``start`` once, ``review`` whenever the position may have changed, ``failed`` when a need is
refused and ``lifted`` when what barred the firm ends, ``delivered`` with the lead time a need took
(to learn from, before it reviews), ``retarget`` when a policy event sets new targets (stockpiling).
Under continuous review the stock orders up to a level as its position reaches a reorder point,
with one timer for that moment; under a standing order it buys a fixed quantity at intervals,
whatever its position, and a failed need is tried again as it was.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from sim.model.sampling import Blocks, Sampler, sampler
from sim.scenario.sections import Adaptive, FixedInterval, Inventory, ReorderPoint

if TYPE_CHECKING:
    from sim.model.buyers import Stock


class ContinuousReview:
    """(s, S): when the position (on hand plus on order) reaches the reorder point, order up to the
    order-up-to level; a stockpiling event may set both anew.

    Consumption is known ahead, so the policy sets one timer for the moment the position will reach the
    reorder point; a timer already set for an earlier moment is kept (it will review again when it fires),
    so that most changes cost no new event, and one superseded by an earlier one does nothing when it fires.
    """

    __slots__ = ("mean_kg_per_day", "reorder_point_kg", "order_up_to_kg", "_due")

    def __init__(self, mean_kg_per_day: float, reorder_point_days: float, order_up_to_days: float) -> None:
        self.mean_kg_per_day = mean_kg_per_day
        self.reorder_point_kg = reorder_point_days * mean_kg_per_day
        self.order_up_to_kg = order_up_to_days * mean_kg_per_day
        self._due = math.inf

    def start(self, stock: Stock) -> None:
        """The run begins: review the stock."""
        self.review(stock)

    def review(self, stock: Stock) -> None:
        """Order now if the position is at the reorder point, else make sure a timer reviews the stock by then.

        A held need is withdrawn if, when its retry is due, the position no longer calls for an order.
        """
        stock.advance()
        now = stock.env.now
        wait = self._days_until_reorder(stock, now)
        if wait == 0:
            stock.order(self.order_up_to_kg - (stock.level + stock.on_order))
            wait = self._days_until_reorder(stock, now)
        elif stock.held and now >= stock.hold_until:
            stock.withdraw_held()
        due = now + wait
        if due < self._due:
            self._due = due
            stock.env.timeout(wait, (stock, due)).callbacks.append(self._timer)

    def _timer(self, event: simpy.Event) -> None:
        stock, due = event.value
        if due == self._due:  # else an earlier timer superseded this one
            self._due = math.inf
            self.review(stock)

    def failed(self, stock: Stock, need: Any) -> None:
        """A need was refused: it waits ``retry_days`` among the held needs, then is retried for what the
        position calls for then, or withdrawn."""
        stock.held.append(need)
        stock.hold_until = stock.env.now + stock.retry_days
        self.review(stock)

    def lifted(self, stock: Stock, waiting: list[Any]) -> None:
        """What barred the firm has ended: the needs that waited are retried now, or withdrawn if no longer
        needed."""
        stock.held += waiting
        stock.hold_until = stock.env.now
        self.review(stock)

    def delivered(self, stock: Stock, lead_time_days: float) -> None:
        """A need was delivered ``lead_time_days`` after it was first asked for: fixed targets learn nothing; review
        the stock."""
        self.review(stock)

    def retarget(self, stock: Stock, reorder_point_days: float, order_up_to_days: float) -> None:
        """New targets, in days of mean demand."""
        self.reorder_point_kg = reorder_point_days * self.mean_kg_per_day
        self.order_up_to_kg = order_up_to_days * self.mean_kg_per_day
        self.review(stock)

    def _days_until_reorder(self, stock: Stock, now: float) -> float:
        if now < stock.hold_until:
            return stock.hold_until - now
        excess = stock.level + stock.on_order - self.reorder_point_kg
        tolerance = 1e-9 * (self.order_up_to_kg - self.reorder_point_kg)  # of an order's size, however small
        if excess <= tolerance:
            return 0.0
        if excess > stock.level + tolerance:
            return math.inf  # the position stalls at a stock-out until something restocks it (a delivery)
        return stock.consumption.day_reaching(stock.consumed + excess) - now


class LeadTimeCover(ContinuousReview):
    """Continuous review whose reorder point covers the lead time the firm expects plus safety days, and
    whose order covers ``order_days``; the expectation is smoothed from each delivery's lead time.
    Stockpiling events leave it to itself."""

    __slots__ = ("spec", "lead_estimate_days")

    def __init__(self, mean_kg_per_day: float, spec: Adaptive) -> None:
        self.mean_kg_per_day = mean_kg_per_day
        self._due = math.inf
        self.spec = spec
        self._expect(spec.lead_time_days)

    def delivered(self, stock: Stock, lead_time_days: float) -> None:
        """Learn from the lead time a need took, then review the stock."""
        smoothing = self.spec.smoothing
        self._expect((1 - smoothing) * self.lead_estimate_days + smoothing * lead_time_days)
        self.review(stock)

    def retarget(self, stock: Stock, reorder_point_days: float, order_up_to_days: float) -> None:
        """Its targets follow the lead time alone."""

    def _expect(self, lead_time_days: float) -> None:
        self.lead_estimate_days = lead_time_days
        self.reorder_point_kg = (lead_time_days + self.spec.safety_days) * self.mean_kg_per_day
        self.order_up_to_kg = self.reorder_point_kg + self.spec.order_days * self.mean_kg_per_day


class StandingOrder:
    """A fixed quantity ordered at (possibly random) intervals, whatever the position; a failed need is
    tried again as it was."""

    __slots__ = ("interval_days", "order_kg")

    def __init__(self, interval_days: Sampler, order_kg: float) -> None:
        self.interval_days = interval_days
        self.order_kg = order_kg

    def start(self, stock: Stock) -> None:
        stock.env.process(self._orders(stock))

    def review(self, stock: Stock) -> None:
        """A standing order does not look at the position."""

    def failed(self, stock: Stock, need: Any) -> None:
        stock.env.timeout(stock.retry_days).callbacks.append(lambda _event: stock.again(need))

    def lifted(self, stock: Stock, waiting: list[Any]) -> None:
        for need in waiting:
            stock.again(need)

    def delivered(self, stock: Stock, lead_time_days: float) -> None:
        """It learns nothing, and does not look at the position."""

    def retarget(self, stock: Stock, reorder_point_days: float, order_up_to_days: float) -> None:
        """It has no targets."""

    def _orders(self, stock: Stock) -> Generator[simpy.Event, None, None]:
        """SimPy process: the standing order."""
        while True:
            yield stock.env.timeout(self.interval_days())
            stock.advance()
            stock.order(self.order_kg)


def inventory_policy(spec: Inventory, mean_kg_per_day: float, rng: Blocks) -> ContinuousReview | StandingOrder:
    """The policy a scenario's inventory section describes for a stock of ``mean_kg_per_day``; a standing
    order draws its intervals from ``rng`` (the stock's demand stream)."""
    if isinstance(spec, FixedInterval):
        return StandingOrder(sampler(spec.interval_days, rng), spec.order_days * mean_kg_per_day)
    if isinstance(spec, Adaptive):
        return LeadTimeCover(mean_kg_per_day, spec)
    assert isinstance(spec, ReorderPoint)
    return ContinuousReview(mean_kg_per_day, spec.reorder_point_days, spec.order_up_to_days)
