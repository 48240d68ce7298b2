"""Alternative (non-China) supply of one material: output at a capacity that dated events change, orders
made first come, first served, then shipped after a lead time.

An order joins the queue only if the output ahead of it can be made within the material's
``queue_limit_days``; otherwise it is refused and the firm asks again later. Under an
extraterritorial rule (China's licence reaching goods with Chinese content, October 2025), the
firms China refuses (a ban on their destination, a VEU listing) are refused this supply too, and
the others' goods wait for a Chinese licence before they ship.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Generator

import simpy

from sim.model.buyers import Stock
from sim.model.sampling import Sampler

DAYS_PER_MONTH = 30
MIN_WAIT_DAYS = 1e-6
"""The shortest wait the line makes for an order (a tenth of a second): shorter ones can fall below the clock's
resolution late in a run, and a wait that does not move the clock makes nothing."""


class AlternativeSupply:
    """Non-China output of one material, shared by all buyers."""

    def __init__(
        self,
        env: simpy.Environment,
        capacity_kg_per_month: float,
        available_from_day: float,
        queue_limit_days: float,
        lead_time_days: Sampler,
        licence_days: Sampler,
        refused_by_china: Callable[[Stock], bool],
    ) -> None:
        self.env = env
        self.rate_kg_per_day = capacity_kg_per_month / DAYS_PER_MONTH
        self.available_from = available_from_day
        self.queue_limit_days = queue_limit_days
        self.lead_time_days = lead_time_days
        self.licence_days = licence_days
        self.refused_by_china = refused_by_china
        """Whether China's rules refuse a firm this material (a ban, a VEU listing): they reach this supply
        under an extraterritorial rule."""
        self.extraterritorial = False
        """Whether China's licence reaches this supply."""
        self.requests: list[list[float]] = []
        """One row per order taken: stock index, day ordered, day delivered (NaN until then), kg."""
        self._queue: deque[tuple[Stock, list[float]]] = deque()
        self._queued_kg = 0.0
        """Output still to make for the queue, as of the start of the present run of production."""
        self._making = (0.0, 0.0)
        """When the present run of production began, and its rate (0 while idle)."""
        self._idle = False
        self._changed = env.event()
        self._plan = 0
        self._dormant: list[Stock] = []
        env.process(self._produce())

    def first_day(self, stock: Stock) -> float:
        """The first day this supply can take an order (infinite while it has no capacity: the firm is told
        when it gets some)."""
        if self.rate_kg_per_day > 0:
            return max(self.available_from, self.env.now)
        self._dormant.append(stock)
        return math.inf

    def request(self, stock: Stock, quantity_kg: float) -> float:
        """Order ``quantity_kg`` for a firm: queued in full (returned), or refused (0) if the queue is too long,
        there is no capacity yet, or China's rules reach this supply and refuse the firm."""
        now = self.env.now
        if self.rate_kg_per_day == 0 or now < self.available_from or quantity_kg <= 0:
            return 0.0
        if self.extraterritorial and self.refused_by_china(stock):
            return 0.0
        if self._queued_kg_now() / self.rate_kg_per_day > self.queue_limit_days:
            return 0.0
        stock.expect(quantity_kg)
        request = [stock.index, now, math.nan, quantity_kg]
        self.requests.append(request)
        self._queue.append((stock, request))
        self._queued_kg += quantity_kg
        if self._idle:
            self._wake()
        return quantity_kg

    def _queued_kg_now(self) -> float:
        """Output still to make for the orders in the queue."""
        started, rate = self._making
        return self._queued_kg - (self.env.now - started) * rate

    def change_capacity(self, capacity_kg_per_month: float, ramp_days: float) -> None:
        """Move output to a new capacity: at once, or in weekly steps over ``ramp_days`` (a later change
        replaces a ramp under way)."""
        self._plan += 1
        if ramp_days > 0:
            self.env.process(self._ramp(self._plan, capacity_kg_per_month, ramp_days))
        else:
            self._set_rate(capacity_kg_per_month / DAYS_PER_MONTH)

    def _ramp(self, plan: int, capacity_kg_per_month: float, days: float) -> Generator[simpy.Event, None, None]:
        steps = math.ceil(days / 7)
        start, end = self.rate_kg_per_day, capacity_kg_per_month / DAYS_PER_MONTH
        for step in range(1, steps + 1):
            yield self.env.timeout(days / steps)
            if plan != self._plan:
                return
            self._set_rate(start + (end - start) * step / steps)

    def _set_rate(self, rate_kg_per_day: float) -> None:
        """New output rate from now (the order in production goes on at it); firms that found no capacity are told."""
        self.rate_kg_per_day = rate_kg_per_day
        self._wake()
        if rate_kg_per_day > 0:
            dormant, self._dormant = self._dormant, []
            for stock in dormant:
                stock.resume(max(self.available_from, self.env.now))

    def _wake(self) -> None:
        self._changed.succeed()
        self._changed = self.env.event()

    def _produce(self) -> Generator[simpy.Event, object, None]:
        """SimPy process: make the queued orders one after another at the current rate, then ship each."""
        if self.available_from > self.env.now:
            yield self.env.timeout(self.available_from - self.env.now)
        while True:
            if not self._queue or self.rate_kg_per_day == 0:
                self._idle = True
                yield self._changed
                self._idle = False
                continue
            stock, request = self._queue[0]
            remaining = request[3]
            while remaining > 1e-9 * request[3]:
                if self.rate_kg_per_day == 0:
                    yield self._changed
                    continue
                self._making = (self.env.now, self.rate_kg_per_day)
                done = self.env.timeout(max(remaining / self.rate_kg_per_day, MIN_WAIT_DAYS))
                yield done | self._changed
                # finished when its time came (however little a clock step of it made); else what the time made
                made = remaining if done.processed else min(remaining, (self.env.now - self._making[0])
                                                            * self._making[1])
                remaining -= made
                self._queued_kg -= made
                self._making = (self.env.now, 0.0)
            self._queue.popleft()
            self._queued_kg -= remaining  # rounding
            days = self.lead_time_days() + (self.licence_days() if self.extraterritorial else 0.0)
            self.env.timeout(days).callbacks.append(lambda _event, s=stock, r=request: self._deliver(s, r))

    def _deliver(self, stock: Stock, request: list[float]) -> None:
        request[2] = self.env.now
        stock.receive(request[3])
