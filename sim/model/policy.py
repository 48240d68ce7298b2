"""The dated policy timeline: each event pulls one lever of the regime, the authority, the licences, the firms or
alternative supply.

A handler receives the event and the ``Levers`` it may pull, never the whole world; adding an event
means its schema class (in ``POLICY_EVENTS``) and one handler here, registered with ``handles``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import simpy

from sim.model.alternative import AlternativeSupply
from sim.model.buyers import Firm
from sim.model.exporters import Exporter
from sim.model.licences import Licence
from sim.model.regime import Regime
from sim.scenario.distributions import Distribution
from sim.scenario.events import (
    AlternativeEvent,
    AuthorityEvent,
    BacklogEvent,
    BanEvent,
    CancelEvent,
    CapacityEvent,
    ControlsEvent,
    ExtraterritorialEvent,
    GrantEvent,
    InventoryEvent,
    LicenceTypeEvent,
    ListingEvent,
    PolicyEvent,
    RevokeEvent,
    TensionEvent,
)
from sim.scenario.schema import Scenario
from sim.scenario.sections import TREATMENT_SETTINGS


@dataclass(frozen=True, kw_only=True)
class Levers:
    """What dated events can change: the regime, the authority's capacity, licences in force, firms' targets,
    alternative supply."""

    regime: Regime
    set_reviewers: Callable[[int, str | None], None]
    set_green_channel: Callable[[bool], None]
    """Open or close the green channel, to applications waiting as well as new ones."""
    revoke: Callable[[Collection[str], float, Callable[[Licence], bool]], int]
    """Revoke a share of the licences in force of these kinds that are concerned."""
    firms: Sequence[Firm]
    lift_controls: Callable[[Collection[str]], None]
    """Release the needs waiting for a licence of these materials, and the firms listed for them."""
    impose_ban: Callable[[str, Collection[str]], None]
    """Fail the needs to this destination waiting for a licence of these materials: the ban is public."""
    lift_ban: Callable[[str, Collection[str]], None]
    """Release the needs that waited for a ban on these materials to this destination to end."""
    add_backlog: Callable[[int, str | None, Distribution | None], None]
    """Applications from outside the panel join a pool's queue."""
    alternatives: Mapping[str, AlternativeSupply]
    """Alternative supply of each material: its capacity, whether China's licence reaches it."""
    repace_reviews: Callable[[], None]
    """The treatments or the tension changed: reviews under way go on at their new pace."""
    exporters: Mapping[str, Exporter]
    """Every exporter, by name."""
    grant: Callable[[str, Exporter, list[Firm], float, float | None], None]
    """Grant an exporter a licence of a kind naming a share of these customers, for so many days."""
    list_firms: Callable[[list[Firm], int, Collection[str] | None], None]
    """Put so many of these firms, chosen at random, on China's control list for these materials (all if None)."""


Change = Callable[[], None]


def schedule(scenario: Scenario, levers: Levers) -> list[tuple[float, Change]]:
    """Every dated change of a scenario (its policy events and the VEU rule), in date order; an event called off
    by a cancel event before its date does nothing when its date comes."""
    off = scenario.called_off()
    dated = [(scenario.calendar.day(event.date), _bind(event, levers, name in off))
             for name, event in scenario.policy.items()]
    if scenario.veu.date is not None:
        dated.append((scenario.calendar.day(scenario.veu.date), levers.regime.activate_veu))
    return sorted(dated, key=lambda item: item[0])


EXPORT_RULES = (ControlsEvent, BanEvent, RevokeEvent, ListingEvent)
"""Events that can change whether goods ready for export may leave (``sim.model.supply.Exports.export_refusal``),
with the VEU rule's date."""


def export_rule_days(scenario: Scenario) -> list[float]:
    """The days on which the rules goods meet at export may change, in order, then the horizon: between two of
    them, whether goods may leave on a given day is known in advance."""
    calendar = scenario.calendar
    days = [calendar.day(event.date) for event in scenario.policy.values() if isinstance(event, EXPORT_RULES)]
    if scenario.veu.date is not None:
        days.append(calendar.day(scenario.veu.date))
    return [*sorted(days), float(calendar.horizon_days)]


def timeline(env: simpy.Environment, changes: Sequence[tuple[float, Change]]) -> Generator[simpy.Event, None, None]:
    """SimPy process making each change on its day."""
    for day, change in changes:
        if day > env.now:
            yield env.timeout(day - env.now)
        change()


def _bind(event: PolicyEvent, levers: Levers, off: bool) -> Change:
    handler = HANDLERS[type(event)]
    return lambda: None if off else handler(event, levers)


Handler = Callable[[Any, "Levers"], None]
HANDLERS: dict[type, Handler] = {}
"""The handler of each kind of policy event (``sim.scenario.events.POLICY_EVENTS``), registered by ``handles``."""


def handles(*kinds: type) -> Callable[[Handler], Handler]:
    """Register a function as what happens, on its date, when an event of these kinds comes."""
    def register(handler: Handler) -> Handler:
        HANDLERS.update(dict.fromkeys(kinds, handler))
        return handler
    return register


@handles(ControlsEvent)
def _controls(event: ControlsEvent, levers: Levers) -> None:
    levers.regime.control(event.materials, event.active)
    if not event.active:
        levers.lift_controls(event.materials)


@handles(BanEvent)
def _ban(event: BanEvent, levers: Levers) -> None:
    levers.regime.ban(event.destination, event.materials, event.active)
    if event.active:
        levers.impose_ban(event.destination, event.materials)
    else:
        levers.lift_ban(event.destination, event.materials)


@handles(LicenceTypeEvent)
def _licence_type(event: LicenceTypeEvent, levers: Levers) -> None:
    levers.regime.open_kind(event.licence, event.open)


@handles(AuthorityEvent)
def _authority(event: AuthorityEvent, levers: Levers) -> None:
    regime = levers.regime
    if any(getattr(event, setting) is not None for setting in TREATMENT_SETTINGS):
        regime.add_treatment(event)
    if event.green_channel is not None:
        levers.set_green_channel(event.green_channel)
    if event.reviewers is not None:
        levers.set_reviewers(event.reviewers, event.pool)
    if event.review_scale is not None or event.hold is not None or event.green_channel is not None:
        levers.repace_reviews()


@handles(RevokeEvent)
def _revoke(event: RevokeEvent, levers: Levers) -> None:
    def concerned(licence: Licence) -> bool:
        holder = licence.exporter.name if licence.exporter is not None else None
        return ((event.exporters is None or holder in event.exporters)
                and any(event.buyers.matches(firm.group_name, firm.group) for firm in licence.customers))

    levers.revoke(set(event.licences), event.share, concerned)


@handles(GrantEvent)
def _grant(event: GrantEvent, levers: Levers) -> None:
    for name in event.exporters:
        exporter = levers.exporters[name]
        customers = [firm for firm in levers.firms
                     if exporter is getattr(firm.stocks.get(exporter.material), "exporter", None)
                     and event.customers.matches(firm.group_name, firm.group)]
        levers.grant(event.licence, exporter, customers, event.share, event.validity_days)


@handles(ListingEvent)
def _listing(event: ListingEvent, levers: Levers) -> None:
    candidates = [firm for firm in levers.firms if event.buyers.matches(firm.group_name, firm.group)]
    count = event.count if event.count is not None else round(event.share * len(candidates))
    levers.list_firms(candidates, count, event.materials)


@handles(BacklogEvent)
def _backlog(event: BacklogEvent, levers: Levers) -> None:
    levers.add_backlog(event.applications, event.pool, event.review_days)


@handles(CancelEvent, CapacityEvent)
def _known_from_start(event: CancelEvent | CapacityEvent, levers: Levers) -> None:
    """Nothing to do on the day: what the event does is known from the start (the events a cancel event calls
    off never act, ``called_off``; an exporter's line sets when each order it books will be made from its
    capacity events, ``sim.model.exporters.capacity_curve``)."""


@handles(AlternativeEvent)
def _alternative(event: AlternativeEvent, levers: Levers) -> None:
    for material in event.materials:
        levers.alternatives[material].change_capacity(event.capacity_kg_per_month, event.ramp_days)


@handles(ExtraterritorialEvent)
def _extraterritorial(event: ExtraterritorialEvent, levers: Levers) -> None:
    for material in event.materials:
        levers.alternatives[material].extraterritorial = event.active


@handles(TensionEvent)
def _tension(event: TensionEvent, levers: Levers) -> None:
    levers.regime.set_tension(event.level)
    levers.repace_reviews()


@handles(InventoryEvent)
def _inventory(event: InventoryEvent, levers: Levers) -> None:
    for firm in levers.firms:
        if event.buyers.matches(firm.group_name, firm.group):
            for stock in firm.stocks.values():
                stock.set_targets(event.reorder_point_days, event.order_up_to_days)


