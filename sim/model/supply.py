"""From an order to a delivery: licence, vetting, production, export and transit; alternative supply.

An order is refused before production (ban, VEU, no licence, failed vetting) or cancelled at
export (licence revoked or expired, VEU or a ban in force by then); either way the firm turns to
alternative supply for what it lost and orders again after its retry delay.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import simpy

from sim.model.buyers import Stock
from sim.model.licences import Licence, Licensing
from sim.model.records import CANCELLED, DELIVERED, IN_TRANSIT, PENDING, REJECTED
from sim.model.regime import Regime
from sim.model.sampling import Sampler
from sim.scenario.schema import AlternativeSupply as AlternativeSpec
from sim.scenario.schema import LicenceTypes

NO_LICENCE = "none"


class Order:
    """One order of one firm for one material, and the times it passed each stage."""

    __slots__ = (
        "stock",
        "quantity_kg",
        "t_ordered",
        "t_licensed",
        "t_vetted",
        "t_exported",
        "t_delivered",
        "t_closed",
        "status",
        "reason",
        "licence_kind",
    )

    def __init__(self, stock: Stock, quantity_kg: float, now: float) -> None:
        self.stock = stock
        self.quantity_kg = quantity_kg
        self.t_ordered = now
        self.t_licensed = self.t_vetted = self.t_exported = self.t_delivered = self.t_closed = math.nan
        self.status = PENDING
        self.reason = ""
        self.licence_kind = NO_LICENCE


class Exports:
    """China's side of every order: the rules at placement, the licence, the check at export, and what
    a refused or cancelled order sends the firm to (alternative supply, a retry)."""

    def __init__(
        self,
        env: simpy.Environment,
        regime: Regime,
        licensing: Licensing,
        licence_types: LicenceTypes,
        alternatives: dict[str, AlternativeSupply],
    ) -> None:
        self.env = env
        self.regime = regime
        self.licensing = licensing
        self.licence_types = licence_types
        self.alternatives = alternatives
        self.orders: list[Order] = []

    def place(self, stock: Stock, quantity_kg: float) -> None:
        """Take a firm's order: refuse it if the rules refuse it outright (a ban, the VEU rule), ship it if
        it needs no new licence, else start a process that waits for one."""
        order = Order(stock, quantity_kg, self.env.now)
        self.orders.append(order)
        regime, firm, material = self.regime, stock.firm, stock.material
        if regime.banned(firm.group.destination, material):
            self.lose(order, REJECTED, "ban")
        elif material not in regime.controlled:
            Shipment(self, order, None)
        elif regime.veu_active and firm.flagged:
            self.lose(order, REJECTED, "veu")
        elif (licence := self.licensing.current((firm.index, material))) is not None:
            Shipment(self, order, licence)
        else:
            self.env.process(self._licensed(order))

    def _licensed(self, order: Order) -> Generator[simpy.Event, object, None]:
        """SimPy process: obtain a licence for an order (see ``Licensing.obtain``), then ship it."""
        licence, reason = yield from self.licensing.obtain(order.stock.firm, order.stock.material)
        if licence is None:
            self.lose(order, REJECTED, reason)
        else:
            Shipment(self, order, licence)

    def export_refusal(self, order: Order, licence: Licence | None) -> str:
        """Why goods ready for export may not leave, or "" if they may."""
        firm, material = order.stock.firm, order.stock.material
        if self.regime.banned(firm.group.destination, material):
            return "ban"
        if self.regime.veu_active and firm.flagged:
            return "veu"
        if licence is None:
            return ""
        if licence.revoked:
            return "revoked"
        if licence.rules.single_use and self.env.now >= licence.expires:
            return "expired"
        return ""

    def lose(self, order: Order, status: int, reason: str) -> None:
        """An order refused or cancelled: the firm asks alternative supply for it and will order again."""
        order.status = status
        order.reason = reason
        order.t_closed = self.env.now
        stock = order.stock
        stock.lose(order.quantity_kg)
        self.alternatives[stock.material].request(stock, order.quantity_kg)


class Shipment:
    """An order the rules let through, from the licence to delivery: timed stages, each the callback
    of the timeout before it (vetting where the licence's kind vets shipments, production, export checks,
    transit)."""

    __slots__ = ("exports", "order", "licence")

    def __init__(self, exports: Exports, order: Order, licence: Licence | None) -> None:
        self.exports, self.order, self.licence = exports, order, licence
        order.t_licensed = exports.env.now
        if licence is not None:
            order.licence_kind = licence.kind
        if licence is not None and licence.rules.vetted:
            self._after(order.stock.dice.vetting_days[licence.kind](), self._vetted)
        else:
            self._produce()

    def _after(self, days: float, stage: Callable[[simpy.Event | None], None]) -> None:
        self.exports.env.timeout(days).callbacks.append(stage)

    def _vetted(self, _event: simpy.Event) -> None:
        pass_probability = self.exports.licence_types[self.licence.kind].vetting_pass_probability
        if self.order.stock.dice.vetting_pass[self.licence.kind]() >= pass_probability:
            self.exports.lose(self.order, REJECTED, "vetting")
        else:
            self._produce()

    def _produce(self, _event: simpy.Event | None = None) -> None:
        order = self.order
        order.t_vetted = self.exports.env.now
        order.status = IN_TRANSIT
        self._after(order.stock.dice.production_days(), self._export)

    def _export(self, _event: simpy.Event) -> None:
        exports, order, licence = self.exports, self.order, self.licence
        reason = exports.export_refusal(order, licence)
        if reason:
            exports.lose(order, CANCELLED, reason)
            return
        order.t_exported = exports.env.now
        if licence is not None and licence.rules.single_use:
            licence.used = True
        self._after(order.stock.dice.transit_days(), self._deliver)

    def _deliver(self, _event: simpy.Event) -> None:
        order = self.order
        order.t_delivered = order.t_closed = self.exports.env.now
        order.status = DELIVERED
        order.stock.receive(order.quantity_kg)


class AlternativeSupply:
    """Non-China output of one material, shared by all buyers: a bucket filled at the capacity rate.

    At most one month of output can wait in the bucket; a request takes what is there, and the
    goods arrive after the lead time.
    """

    def __init__(
        self, env: simpy.Environment, spec: AlternativeSpec, available_from_day: float, lead_time_days: Sampler
    ) -> None:
        self.env = env
        self.rate_kg_per_day = spec.capacity_kg_per_month / 30
        self.cap_kg = spec.capacity_kg_per_month
        self.available_from = available_from_day
        self.lead_time_days = lead_time_days
        self.level_kg = 0.0
        self.updated = available_from_day
        self.requests: list[list[float]] = []
        """One row per granted request: stock index, day requested, day delivered (NaN until then), kg."""

    def request(self, stock: Stock, quantity_kg: float) -> float:
        """Take up to ``quantity_kg`` for a firm; returns what was granted."""
        now = self.env.now
        if self.rate_kg_per_day == 0 or now < self.available_from:
            return 0.0
        self.level_kg = min(self.cap_kg, self.level_kg + (now - self.updated) * self.rate_kg_per_day)
        self.updated = now
        granted = min(quantity_kg, self.level_kg)
        if granted <= 0:
            return 0.0
        self.level_kg -= granted
        stock.expect(granted)
        request = [stock.index, now, math.nan, granted]
        self.requests.append(request)
        self.env.timeout(self.lead_time_days(), (stock, request)).callbacks.append(self._deliver)
        return granted

    def _deliver(self, event: simpy.Event) -> None:
        stock, request = event.value
        request[2] = self.env.now
        stock.receive(request[3])
