"""Licences: which kind may be applied for, how long a licence lasts, renewal, grants and revocation.

The applicant and holder is the exporter (``sim.model.exporters``), for its customer: a per-shipment
licence covers one order of one customer and must be used (the goods exported) within its validity. A
six-month or general licence applied for covers every order of one customer for one material while it is
valid, and is renewed by an application filed ``renewal_lead_days`` before expiry; a renewal granted in
time starts when the old licence ends, so there is no gap. A licence granted by a dated event covers several
of the exporter's customers together (revoked, it stops them all), and is not renewed. Eligibility and track
record are counted per customer and material, which, as a firm buys each material from one exporter, is per
exporter and customer.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Collection
from dataclasses import dataclass

import simpy

from sim.model.authority import GREEN, Application, Authority
from sim.model.buyers import Firm
from sim.model.exporters import Exporter
from sim.model.regime import Regime
from sim.model.sampling import Draws, RandomStreams
from sim.scenario.distributions import Fixed
from sim.scenario.schema import Scenario
from sim.scenario.sections import LICENCE_KINDS


@dataclass(frozen=True)
class Kind:
    """The rules of one licence kind; its parameters (review, approval, validity...) are in the scenario.

    Eligibility is always the kind's ``track_record`` (approved licences of the same material that build
    one, within ``track_record_days``) and, where the kind says so, being a trusted civilian buyer.
    """

    single_use: bool
    """Covers one shipment, exported within its validity; else every order of one material while valid, renewed."""
    vetted: bool
    """Each shipment under it is vetted (the kind's ``vetting_days`` and ``vetting_pass_probability``)."""
    builds_track_record: bool
    """An approval counts towards the holder's track record."""
    trusted_civilian_only: bool
    """Only trusted buyers without a military end use may hold it."""


WHOLE = Fixed(value=1)
"""A licence granted for the whole quantity asked: nothing drawn."""

KINDS: dict[str, Kind] = {
    "per_shipment": Kind(single_use=True, vetted=False, builds_track_record=True, trusted_civilian_only=False),
    "six_month": Kind(single_use=False, vetted=False, builds_track_record=False, trusted_civilian_only=True),
    "general": Kind(single_use=False, vetted=True, builds_track_record=False, trusted_civilian_only=False),
}
"""The rules of every licence kind of the schema (``sim.scenario.sections.LicenceTypes``), by name."""


class Licence:
    """A granted licence, held by an exporter (none for a material without exporters) for its customers."""

    __slots__ = ("kind", "rules", "exporter", "customers", "material", "starts", "expires", "revoked_at", "used",
                 "granted_share")

    def __init__(self, kind: str, exporter: Exporter | None, customers: tuple[Firm, ...], material: str, starts: float,
                 validity_days: float) -> None:
        self.kind = kind
        self.rules = KINDS[kind]
        self.exporter = exporter
        self.customers = customers
        self.material = material
        self.starts = starts
        self.expires = starts + validity_days
        self.revoked_at = math.nan
        self.used = False
        self.granted_share = 1.0
        """Share of the quantity asked it allows (a single-use licence granted in part)."""

    @property
    def revoked(self) -> bool:
        return not math.isnan(self.revoked_at)

    def covers(self, now: float) -> bool:
        """Whether the licence can authorise a shipment now."""
        return self.starts <= now < self.expires and not self.revoked and not self.used


class Request:
    """A shipment's wait for a licence (``Licensing.obtain``): ``done(licence, reason)`` is called once, when it
    ends; cancelled before that, it withdraws its own single-use application, if it filed one."""

    __slots__ = ("licensing", "firm", "material", "done", "application", "own")

    def __init__(self, licensing: Licensing, firm: Firm, material: str,
                 done: Callable[[Licence | None, str], None]) -> None:
        self.licensing = licensing
        self.firm = firm
        self.material = material
        self.done = done
        self.application: Application | None = None
        """The application whose decision it waits for."""
        self.own = False
        """Whether that application is its own single-use one (else a multi-shipment one of the firm)."""

    def wait(self, application: Application, own: bool) -> None:
        self.application, self.own = application, own
        application.waiters.append(self._decided)

    def _decided(self, _application: Application) -> None:
        self.licensing._decided(self)

    def cancel(self) -> None:
        """No longer needed (controls lifted, a ban imposed): stop waiting, and withdraw its own application
        unless it is decided."""
        self.application.waiters.remove(self._decided)
        if self.own:
            self.licensing.authority.withdraw(self.application)


class Licensing:
    """Every firm's licences and applications in progress, and the rules for obtaining them."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        regime: Regime,
        authority: Authority,
        streams: RandomStreams,
    ) -> None:
        self.env = env
        self.types = {kind: scenario.licence_types[kind] for kind in LICENCE_KINDS}
        self.regime = regime
        self.authority = authority
        self.granted: list[Licence] = []
        self.revocations = 0
        self._held: dict[tuple[int, str], list[Licence]] = {}
        self._pending: dict[tuple[int, str], Application] = {}
        self._cooldown: dict[tuple[int, str], float] = {}
        self._record: dict[tuple[int, str], list[float]] = {}
        """Days on which each (firm, material) was granted a licence that builds a track record."""
        self._rng = streams.shared("revocation")
        """Which licences a revocation takes."""
        self._grant_rng = streams.shared("grant")
        """Which customers a licence granted to an exporter names."""
        self._granted_share = Draws(streams, "partial")
        """Each applicant's share granted of a single-use licence, on a substream for each distribution."""

    def obtain(self, request: Request) -> None:
        """Find or apply for a licence covering one shipment; ``request.done`` is called with (licence, "") or
        (None, reason), at once or when an application is decided.

        A firm without a licence in force files for its preferred kind. While a first
        multi-shipment application (a first one, or a renewal still undecided when the licence it renews
        expires) is under review, orders go on under single-use licences where the firm may use them; they
        wait for it only when they have no other way.
        """
        firm, material = request.firm, request.material
        key = (firm.index, material)
        licence = self.current(key)
        if licence is not None:
            request.done(licence, "")
            return
        pending = self._pending.get(key)
        kind, single_use = self.choose_kinds(firm, material)
        if pending is None:
            if kind is None:
                request.done(None, "unavailable")
                return
            if kind != single_use:
                pending = self._apply(firm, material, kind, renewal=False)
        if pending is not None and single_use is None:  # else single-use licences meanwhile, renewal or not
            request.wait(pending, own=False)
        else:
            request.wait(self._apply(firm, material, single_use, renewal=False), own=True)

    def _decided(self, request: Request) -> None:
        """The application a request waited for is decided: its own single-use one ends it; a multi-shipment
        one sends it looking again."""
        app = request.application
        if not request.own:
            self.obtain(request)
        elif app.approved:
            request.done(self._grant(app, self.env.now), "")
        else:
            request.done(None, app.reason)

    def current(self, key: tuple[int, str]) -> Licence | None:
        """The multi-shipment licence covering a firm's material now, if any."""
        now = self.env.now
        for licence in self._held.get(key, ()):
            if licence.covers(now):
                return licence
        return None

    def choose_kinds(self, firm: Firm, material: str) -> tuple[str | None, str | None]:
        """The firm's most preferred licence kind it may apply for now, and its most preferred single-use one
        (``None`` where there is none)."""
        preferred = None
        for kind in firm.group.licences:
            if self.may_apply(firm, material, kind):
                preferred = preferred or kind
                if KINDS[kind].single_use:
                    return preferred, kind
        return preferred, None

    def may_apply(self, firm: Firm, material: str, kind: str) -> bool:
        """Whether the kind is open, covers the material, the firm is eligible and not barred by a cooldown."""
        spec = self.types[kind]
        if kind not in self.regime.open_kinds or material in spec.excluded_materials:
            return False
        if self._cooldown.get((firm.index, kind), -math.inf) > self.env.now:
            return False
        if KINDS[kind].trusted_civilian_only and not (firm.group.trusted and not firm.group.military):
            return False
        if not spec.track_record:
            return True
        since = self.env.now - spec.track_record_days
        record = self._record.get((firm.index, material), ())
        return len(record) - bisect_left(record, since) >= spec.track_record

    def revoke(self, kinds: Collection[str], share: float, concerned: Callable[[Licence], bool]) -> int:
        """Revoke exactly round(share * n) of the n licences in force of these kinds that are concerned, with
        the renewals granted to follow them and the renewals pending for them; for each of its customers, the
        kind is barred for its cooldown."""
        now = self.env.now
        in_force = [lic for lic in self.granted if lic.kind in kinds and lic.covers(now) and concerned(lic)]
        count = round(share * len(in_force))
        for index in sorted(self._rng.choice(len(in_force), size=count, replace=False)):
            licence = in_force[index]
            licence.revoked_at = now
            for firm in licence.customers:
                key = (firm.index, licence.material)
                for successor in self._held.get(key, ()):
                    if successor.kind == licence.kind and successor.starts >= licence.starts and not successor.revoked:
                        successor.revoked_at = now
                pending = self._pending.get(key)
                if pending is not None and pending.renewal and pending.kind == licence.kind:
                    self.authority.withdraw(pending)
                self._cooldown[(firm.index, licence.kind)] = now + self.types[licence.kind].cooldown_days
        self.revocations += count
        return count

    def grant(self, kind: str, exporter: Exporter, candidates: list[Firm], share: float,
              validity_days: float | None) -> Licence:
        """A licence granted now to an exporter, naming round(share * n) of its n ``candidates`` (customers), chosen
        at random, for ``validity_days`` (the kind's if ``None``)."""
        count = round(share * len(candidates))
        picked = self._grant_rng.choice(len(candidates), size=count, replace=False)
        chosen = tuple(candidates[i] for i in sorted(picked))
        validity = self.types[kind].validity_days if validity_days is None else validity_days
        licence = Licence(kind, exporter, chosen, exporter.material, self.env.now, validity)
        self.granted.append(licence)
        for firm in chosen:
            self._hold((firm.index, exporter.material), licence)
        return licence

    def _hold(self, key: tuple[int, str], licence: Licence) -> None:
        """Hold a multi-shipment licence for a customer's material (forgetting those expired)."""
        now = self.env.now
        self._held[key] = [lic for lic in self._held.get(key, ()) if lic.expires > now] + [licence]

    def _apply(self, firm: Firm, material: str, kind: str, renewal: bool) -> Application:
        app = self.authority.submit(firm, material, kind, renewal)
        if not KINDS[kind].single_use:
            key = (firm.index, material)
            self._pending[key] = app
            app.waiters.append(lambda _app: self._settle(app, key))
        return app

    def withdraw_pending(self, material: str) -> None:
        """Controls on the material lifted: pending multi-shipment applications for it are withdrawn (licences
        already granted stay, should controls return)."""
        for (_, pending_material), app in list(self._pending.items()):
            if pending_material == material:
                self.authority.withdraw(app)

    def _settle(self, app: Application, key: tuple[int, str]) -> None:
        """A multi-shipment application is decided: hold the licence, or wait out the cooldown (not after a
        withdrawal)."""
        del self._pending[key]
        now = self.env.now
        if app.withdrawn:
            return
        if app.approved:
            previous = self.current(key) if app.renewal else None
            licence = self._grant(app, previous.expires if previous else now)
            self._hold(key, licence)
            apply_in = licence.expires - self.types[licence.kind].renewal_lead_days - now
            self.env.timeout(max(apply_in, 0.0)).callbacks.append(lambda _event: self._renew(licence))
        else:
            self._cooldown[(app.firm.index, app.kind)] = now + self.types[app.kind].cooldown_days

    def _grant(self, app: Application, starts: float) -> Licence:
        licence = Licence(app.kind, app.exporter, (app.firm,), app.material, starts, self.types[app.kind].validity_days)
        share = self.regime.granted_share(app.firm, app.material, app.kind, app.priority == GREEN)
        if licence.rules.single_use and share != WHOLE:
            key = (app.stock.index, repr(share))  # distributions with lists (empirical) do not hash
            draw = self._granted_share.get(key) or self._granted_share.make(key, share)
            licence.granted_share = min(draw(), 1.0)
        self.granted.append(licence)
        if licence.rules.builds_track_record:
            self._record.setdefault((app.firm.index, app.material), []).append(self.env.now)
        return licence

    def _renew(self, licence: Licence) -> None:
        """Apply for a successor ``renewal_lead_days`` before the licence expires, if it is still wanted and
        allowed."""
        (firm,) = licence.customers
        key = (firm.index, licence.material)
        if (licence.revoked or key in self._pending or licence.material not in self.regime.controlled
                or not self.may_apply(firm, licence.material, licence.kind)):
            return
        self._apply(firm, licence.material, licence.kind, renewal=True)
