"""From a need to a delivery: attempts, licence, vetting, production, export and transit; alternative supply.

A need is one firm's order of one material, from its first request to delivery (or the horizon); its
exporter (``sim.model.exporters``), if the material has any, applies for its licence and books it on its
line once licensed. An attempt at it is refused before production (ban, VEU, no licence, a licence
refused, failed vetting) or cancelled at export (licence revoked or expired, VEU or a ban in force by
then); either way the firm asks alternative supply for the quantity (as it does, if it has a patience,
when the licence takes longer than that), and the need tries again: after the firm's retry delay, or,
if the refusal bars the firm from China (a ban on its destination, its listing under the VEU rule),
when that bar ends, the firm buying from alternative supply only meanwhile. Lifting controls releases
every need waiting for a licence of the material at once.

The rules of an attempt are those in force when it began: goods in production when controls begin
leave without a licence (China's customs figures show magnet exports in April 2025 at 41 % of
January's, not the near halt that holding them would give), and the VEU rule reaches only attempts
that needed a licence. A ban, and a revoked or lapsed licence, still stop goods at export.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Collection, Sequence
from functools import partial

import simpy

from sim.model.alternative import AlternativeSupply
from sim.model.buyers import Firm, Stock
from sim.model.exporters import Exporter
from sim.model.licences import Licence, Licensing, Request
from sim.model.records import DELIVERED, IN_TRANSIT, PENDING, REASON_CODE, WITHDRAWN
from sim.model.regime import Regime
from sim.model.sampling import UNIT, Draws, RandomStreams
from sim.scenario.sections import LicenceTypes, Supply

NO_LICENCE = "none"

Bar = tuple[str, str, object]
"""What bars a firm from China for one material, and until when: ("ban", material, destination) until the
ban is lifted, ("veu", material, firm index) while the material is controlled (or for the VEU rule's
``listed_days``), ("listed", material, firm index) for the rest of the run (an entity listing)."""


class Need:
    """One firm's need of one material, from its first request to delivery, and the stages of its last attempt."""

    __slots__ = (
        "index",
        "stock",
        "quantity_kg",
        "t_ordered",
        "t_attempt",
        "attempts",
        "t_licensed",
        "t_vetted",
        "t_exported",
        "t_delivered",
        "t_closed",
        "status",
        "reason",
        "licence_kind",
        "licensed",
        "vetted",
        "t_barred",
        "barred_days",
    )

    def __init__(self, index: int, stock: Stock, quantity_kg: float, now: float) -> None:
        self.index = index
        self.stock = stock
        self.quantity_kg = quantity_kg
        self.t_ordered = now
        self.t_attempt = now
        self.attempts = 0
        self.t_licensed = self.t_vetted = self.t_exported = math.nan
        self.t_delivered = self.t_closed = math.nan
        self.status = PENDING
        self.reason = ""
        self.licence_kind = NO_LICENCE
        self.licensed = self.vetted = False
        self.t_barred = math.nan
        self.barred_days = 0.0
        """Days spent waiting for a ban or a listing to end: not lead time the firm plans for."""


class Exports:
    """China's side of every need: the rules at each attempt, the licence, the check at export, and where a
    failed attempt sends the firm (alternative supply, a retry, a wait for a bar to end)."""

    def __init__(
        self,
        env: simpy.Environment,
        regime: Regime,
        licensing: Licensing,
        licence_types: LicenceTypes,
        alternatives: dict[str, AlternativeSupply],
        rule_days: Sequence[float],
        listed_days: float | None,
        streams: RandomStreams,
        supply: Supply,
        destinations: Collection[str],
    ) -> None:
        self.env = env
        self.regime = regime
        self.licensing = licensing
        self.licence_types = licence_types
        self.alternatives = alternatives
        self.rule_days = rule_days
        """Days on which the rules at export may change, then the horizon (``sim.model.policy.export_rule_days``)."""
        self.listed_days = listed_days
        self.listing_rng = streams.shared("listing")
        """Which firms an entity listing names."""
        self.draws = ShipmentDraws(streams, supply, licence_types, destinations)
        self.needs: list[Need] = []
        self.failures: list[tuple[int, float, float, float, int, bool]] = []
        """One row per failed attempt: need index, attempt started, failed, kilograms, reason code, at export."""
        self._barred: dict[Bar, list[Need]] = {}
        self._awaiting: dict[str, dict[Need, Request]] = {}

    # --- what a stock asks for (``sim.model.buyers.Supplier``) ---------------------------------

    def place(self, stock: Stock, quantity_kg: float) -> None:
        """A new need, attempted at once."""
        need = Need(len(self.needs), stock, quantity_kg, self.env.now)
        self.needs.append(need)
        self._attempt(need)

    def retry(self, need: Need, quantity_kg: float) -> None:
        """A need that failed, attempted again for what the firm needs now."""
        need.quantity_kg = quantity_kg
        self._attempt(need)

    def withdraw(self, need: Need) -> None:
        """A need that failed and is no longer needed (alternative supply met it, or a later order covers it)."""
        need.status = WITHDRAWN
        need.t_closed = self.env.now

    def alternative(self, stock: Stock, quantity_kg: float) -> float:
        """Ask alternative supply for ``quantity_kg``; returns what it granted."""
        return self.alternatives[stock.material].request(stock, quantity_kg)

    def alternative_from(self, stock: Stock) -> float:
        """The first day alternative supply of the stock's material can take an order (infinite while it has no
        capacity)."""
        return self.alternatives[stock.material].first_day(stock)

    def refused_by_china(self, stock: Stock) -> bool:
        """Whether China's rules refuse the firm this material whatever its licence: a ban on its destination, its
        entity listing, or its listing under the VEU rule while the material is controlled (what reaches
        alternative supply under an extraterritorial rule)."""
        firm, material = stock.firm, stock.material
        if self.regime.refuses(firm, material):
            return True
        return self.regime.veu_active and firm.flagged and material in self.regime.controlled

    # --- what dated events release (``sim.model.policy.Levers``) --------------------------------

    def lift_controls(self, materials: Collection[str]) -> None:
        """Controls lifted: needs waiting for a licence of these materials go on without one (their pending
        single-use applications withdrawn), and firms listed under the VEU rule for them may buy again."""
        for material in materials:
            for need in list(self._awaiting.get(material, {})):
                self._stop_waiting(need, "")
            self.licensing.withdraw_pending(material)
            for bar in [bar for bar in self._barred if bar[0] == "veu" and bar[1] == material]:
                self._release(bar)

    def impose_ban(self, destination: str, materials: Collection[str]) -> None:
        """A ban imposed is public: needs to the destination waiting for a licence of these materials fail at
        once (their applications withdrawn); goods already in production are stopped at export."""
        for material in materials:
            for need in list(self._awaiting.get(material, {})):
                if need.stock.firm.group.destination == destination:
                    self._stop_waiting(need, "ban")

    def grant(self, kind: str, exporter: Exporter, candidates: list[Firm], share: float,
              validity_days: float | None) -> None:
        """A licence granted to an exporter for some of its customers (``Licensing.grant``): their needs waiting for
        a licence of its material ship under it (their own applications withdrawn)."""
        licence = self.licensing.grant(kind, exporter, candidates, share, validity_days)
        covered = {firm.index for firm in licence.customers}
        for need in list(self._awaiting.get(exporter.material, {})):
            if need.stock.firm.index in covered:
                self._stop_waiting(need, "", licence)

    def list_firms(self, candidates: list[Firm], count: int, materials: Collection[str] | None) -> None:
        """``count`` of the candidates, chosen at random, put on China's control list: no more of these materials
        (all they buy if ``None``) to them; their needs waiting for a licence of them fail at once (goods in
        production are stopped at export), and they buy from alternative supply only."""
        picked = self.listing_rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
        firms = [candidates[i] for i in sorted(picked)]
        listed = {(firm.index, material) for firm in firms for material in (materials or firm.stocks)}
        self.regime.list_firms(listed)
        for material in {material for _, material in listed}:
            for need in list(self._awaiting.get(material, {})):
                if (need.stock.firm.index, material) in listed:
                    self._stop_waiting(need, "listed")

    def lift_ban(self, destination: str, materials: Collection[str]) -> None:
        """A ban lifted: needs that waited for it are tried again."""
        for material in materials:
            if ("ban", material, destination) in self._barred:
                self._release(("ban", material, destination))

    # --- one attempt ----------------------------------------------------------------------------

    def _attempt(self, need: Need) -> None:
        """Try a need: refused at once if the rules refuse it (a ban, the VEU rule where a licence is needed),
        shipped if it needs no new licence, else wait for one."""
        need.attempts += 1
        need.t_attempt = self.env.now
        need.status = PENDING
        need.t_licensed = need.t_vetted = need.t_exported = math.nan
        need.licence_kind, need.licensed, need.vetted = NO_LICENCE, False, False
        regime, firm, material = self.regime, need.stock.firm, need.stock.material
        if refusal := regime.refuses(firm, material):
            self.fail(need, refusal, at_export=False)
        elif material not in regime.controlled:
            Shipment(self, need, None)
        elif regime.veu_active and firm.flagged:
            self.fail(need, "veu", at_export=False)
        elif (licence := self.licensing.current((firm.index, material))) is not None:
            Shipment(self, need, licence)
        else:
            need.licensed = True
            request = Request(self.licensing, firm, material, partial(self._licensed, need))
            self._awaiting.setdefault(material, {})[need] = request
            self.licensing.obtain(request)
            patience = firm.group.patience_days
            if patience is not None:
                attempt = need.attempts
                self.env.timeout(patience).callbacks.append(lambda _event: self._impatient(need, attempt))

    def _impatient(self, need: Need, attempt: int) -> None:
        """The firm's patience is out while the attempt still waits for its licence: it orders the quantity from
        alternative supply as well (the need goes on)."""
        if need.attempts == attempt and need in self._awaiting.get(need.stock.material, {}):
            self.alternative(need.stock, need.quantity_kg)

    def _licensed(self, need: Need, licence: Licence | None, reason: str) -> None:
        """A need's wait for a licence is over (``Licensing.obtain``): it ships, or fails for ``reason``."""
        del self._awaiting[need.stock.material][need]
        if reason:
            self.fail(need, reason, at_export=False)
        elif licence is not None and licence.granted_share < 1:
            self._granted_in_part(need, licence)
        else:
            Shipment(self, need, licence)

    def _granted_in_part(self, need: Need, licence: Licence) -> None:
        """A licence allowing a share of the quantity asked: the need ships that share; the rest becomes a need of
        its own, from the same first request and attempt, refused (reason "partial") or applied for again at once,
        as the kind's ``remainder`` says (none granted: the whole need is refused)."""
        if licence.granted_share <= 0:
            self.fail(need, "partial", at_export=False)
            return
        rest = Need(len(self.needs), need.stock, need.quantity_kg * (1 - licence.granted_share), need.t_ordered)
        rest.t_attempt, rest.barred_days = need.t_attempt, need.barred_days
        self.needs.append(rest)
        need.quantity_kg -= rest.quantity_kg
        Shipment(self, need, licence)
        if self.licence_types[licence.kind].remainder == "reapply":
            self._attempt(rest)  # its first attempt
        else:
            rest.attempts = 1  # the attempt it was refused at
            self.fail(rest, "partial", at_export=False)

    def _stop_waiting(self, need: Need, reason: str, licence: Licence | None = None) -> None:
        """A need waiting for a licence needs none any more (controls lifted: it ships without one), has one
        (granted to its exporter: it ships under it), or may not have one (``reason`` "ban"): once every change
        of this instant is made (a day's dated events act together), unless its wait has ended by then."""
        awaiting = self._awaiting[need.stock.material]
        request = awaiting[need]

        def stop(_event: simpy.Event) -> None:
            if awaiting.get(need) is request:
                request.cancel()
                self._licensed(need, licence, reason)

        self.env.timeout(0).callbacks.append(stop)

    def rules_settled_until(self) -> float:
        """The first moment from now on which the rules at export may change (the horizon at the latest)."""
        return self.rule_days[bisect_left(self.rule_days, self.env.now)]

    def export_refusal(self, need: Need, licence: Licence | None, day: float) -> str:
        """Why goods ready for export on ``day`` may not leave, or "" if they may: a ban or the firm's listing; and,
        for an attempt that needed a licence while the material still does, the VEU rule or a licence revoked or
        lapsed. The rules are those in force now: ``day`` is now, or before ``rules_settled_until``."""
        firm, material = need.stock.firm, need.stock.material
        if refusal := self.regime.refuses(firm, material):
            return refusal
        if not need.licensed or material not in self.regime.controlled:
            return ""
        if self.regime.veu_active and firm.flagged:
            return "veu"
        if licence is None:  # released when controls were lifted, and controlled again since
            return ""
        if licence.revoked:
            return "revoked"
        if licence.rules.single_use and day >= licence.expires:
            return "expired"
        return ""

    def fail(self, need: Need, reason: str, at_export: bool) -> None:
        """An attempt refused (or cancelled at export): the firm asks alternative supply for the quantity, and
        the need waits for its retry, or for the end of what bars the firm from China."""
        now, stock = self.env.now, need.stock
        self.failures.append((need.index, need.t_attempt, now, need.quantity_kg, REASON_CODE[reason], at_export))
        need.status, need.reason = PENDING, reason
        self.alternative(stock, need.quantity_kg)
        bar = self._bar(need, reason)
        if bar is None:
            stock.hold(need, need.quantity_kg)
            return
        waiting = self._barred.setdefault(bar, [])
        waiting.append(need)
        need.t_barred = now
        stock.block(bar, need.quantity_kg)
        if bar[0] == "veu" and self.listed_days is not None:  # unless a later listing replaced this one
            self.env.timeout(self.listed_days).callbacks.append(
                lambda _event: self._release(bar) if self._barred.get(bar) is waiting else None)

    def _bar(self, need: Need, reason: str) -> Bar | None:
        stock = need.stock
        if reason == "ban":
            return ("ban", stock.material, stock.firm.group.destination)
        if reason in ("veu", "listed"):
            return (reason, stock.material, stock.firm.index)
        return None

    def _release(self, bar: Bar) -> None:
        """Every need waiting for ``bar`` to end is tried again, each stock's together."""
        by_stock: dict[Stock, list[Need]] = {}
        for need in self._barred.pop(bar, []):
            need.barred_days += self.env.now - need.t_barred
            by_stock.setdefault(need.stock, []).append(need)
        for stock, waiting in by_stock.items():
            stock.unblock(bar, waiting)


class ShipmentDraws:
    """A shipment's draws, each stock's on streams of its own (``sim.model.sampling.Draws``): vetting's days and
    verdict (uniform on [0, 1), passed if below the kind's pass probability) by licence kind, production days,
    and transit days by destination."""

    __slots__ = ("vetting_days", "vetting_pass", "production_days", "transit_days")

    def __init__(self, streams: RandomStreams, supply: Supply, licence_types: LicenceTypes,
                 destinations: Collection[str]) -> None:
        self.vetting_days = Draws(streams, "vetting", lambda _stock, kind: licence_types[kind].vetting_days)
        self.vetting_pass = Draws(streams, "vetting_pass", lambda _stock, _kind: UNIT)
        self.production_days = Draws(streams, "production", lambda _stock, _name: supply.production_days)

        def transit(destination: str) -> Draws:
            spec = supply.transit_days_by_destination.get(destination, supply.transit_days)
            return Draws(streams, "transit", lambda _stock, _name: spec)

        self.transit_days = {destination: transit(destination) for destination in destinations}


class Shipment:
    """A need's attempt that the rules let through, from the licence to delivery: timed stages, each the
    callback of the timeout before it (vetting where the licence's kind vets shipments, production, the
    check at export, transit). When production starts, the check at export is made at once and goods that
    may leave are sent on to delivery in one event, unless a dated rule change falls before they are ready
    (``Exports.rules_settled_until``); transit is drawn for goods that leave, when that is known."""

    __slots__ = ("exports", "need", "licence")

    def __init__(self, exports: Exports, need: Need, licence: Licence | None) -> None:
        self.exports, self.need, self.licence = exports, need, licence
        need.t_licensed = exports.env.now
        if licence is not None:
            need.licence_kind = licence.kind
            need.licensed = True
        if licence is not None and licence.rules.vetted:
            need.vetted = True
            self._after(exports.draws.vetting_days[need.stock.index, licence.kind](), self._vetted)
        else:
            self._produce()

    def _after(self, days: float, stage: Callable[[simpy.Event | None], None]) -> None:
        self.exports.env.timeout(days).callbacks.append(stage)

    def _vetted(self, _event: simpy.Event) -> None:
        pass_probability = self.exports.licence_types[self.licence.kind].vetting_pass_probability
        controlled = self.need.stock.material in self.exports.regime.controlled  # no vetting once lifted
        draws = self.exports.draws.vetting_pass[self.need.stock.index, self.licence.kind]
        if controlled and draws() >= pass_probability:
            self.exports.fail(self.need, "vetting", at_export=False)
        else:
            self._produce()

    def _produce(self, _event: simpy.Event | None = None) -> None:
        """Production starts. When it ends before the rules at export can change, whether the goods may leave is
        known now: if they may, one event brings them to the buyer (else the check waits for that day)."""
        exports, need = self.exports, self.need
        now = exports.env.now
        need.t_vetted = now
        need.status = IN_TRANSIT
        days = exports.draws.production_days[need.stock.index]()
        exporter = need.stock.exporter
        if exporter is not None:  # its wait in the exporter's order book, and its making
            days += exporter.book(now, need.quantity_kg)
        ready = now + days
        if ready < exports.rules_settled_until() and not exports.export_refusal(need, self.licence, ready):
            self._ship(ready, days)
        else:
            self._after(days, self._export)

    def _export(self, _event: simpy.Event) -> None:
        exports, need = self.exports, self.need
        reason = exports.export_refusal(need, self.licence, exports.env.now)
        if reason:
            exports.fail(need, reason, at_export=True)
        else:
            self._ship(exports.env.now, 0.0)

    def _ship(self, day: float, days_from_now: float) -> None:
        """The goods leave on ``day`` (``days_from_now``) and travel to the buyer."""
        need, licence = self.need, self.licence
        need.t_exported = day
        if licence is not None and licence.rules.single_use:
            licence.used = True
        transit = self.exports.draws.transit_days[need.stock.firm.group.destination][need.stock.index]
        self._after(days_from_now + transit(), self._deliver)

    def _deliver(self, _event: simpy.Event) -> None:
        need = self.need
        need.t_delivered = need.t_closed = self.exports.env.now
        need.status = DELIVERED
        need.stock.receive(need.quantity_kg, need.t_delivered - need.t_ordered - need.barred_days)

