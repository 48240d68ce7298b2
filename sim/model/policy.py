"""The regime in force and the dated timeline that changes it mid-run."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from sim.scenario.schema import (
    LICENCE_KINDS,
    AuthorityEvent,
    BanEvent,
    BuyerFilter,
    BuyerGroup,
    ControlsEvent,
    InventoryEvent,
    LicenceTypeEvent,
    RevokeEvent,
    Scenario,
    TensionEvent,
)

if TYPE_CHECKING:
    from sim.model.world import World


class Regime:
    """What the rules are right now: controlled materials, bans, open licence kinds, tension, VEU."""

    def __init__(self, scenario: Scenario) -> None:
        kinds = scenario.licence_types
        self.controlled = {name for name, m in scenario.materials.items() if m.controlled}
        self.bans: set[tuple[str, str]] = set()
        self.open_kinds = {kind for kind in LICENCE_KINDS if kinds[kind].open}
        self.approval = {kind: kinds[kind].approval_probability for kind in LICENCE_KINDS}
        self.review_scale = dict.fromkeys(LICENCE_KINDS, 1.0)
        self.tension = scenario.authority.tension.initial
        self.green_channel = scenario.authority.green_channel
        self.veu_active = False

    def banned(self, destination: str, material: str) -> bool:
        """Whether exports of the material to the destination are banned outright."""
        return (destination, material) in self.bans


def matches(buyers: BuyerFilter, group_name: str, group: BuyerGroup) -> bool:
    """Whether a buyer group falls under an event's filter."""
    return (
        (buyers.groups is None or group_name in buyers.groups)
        and (buyers.sectors is None or group.sector in buyers.sectors)
        and (buyers.destinations is None or group.destination in buyers.destinations)
        and (buyers.military is None or group.military == buyers.military)
    )


def timeline(world: World) -> Generator[simpy.Event, None, None]:
    """SimPy process applying each policy event, and the VEU rule, on its date."""
    scenario = world.scenario
    dated = [(scenario.calendar.day(e.date), name, e) for name, e in scenario.policy.items()]
    if scenario.veu.date is not None:
        dated.append((scenario.calendar.day(scenario.veu.date), "veu", None))
    for day, _name, event in sorted(dated, key=lambda item: item[0]):
        if day > world.env.now:
            yield world.env.timeout(day - world.env.now)
        if event is None:
            world.regime.veu_active = True
        else:
            _HANDLERS[type(event)](world, event)


def _controls(world: World, event: ControlsEvent) -> None:
    if event.active:
        world.regime.controlled.update(event.materials)
    else:
        world.regime.controlled.difference_update(event.materials)


def _ban(world: World, event: BanEvent) -> None:
    pairs = {(event.destination, m) for m in event.materials}
    if event.active:
        world.regime.bans.update(pairs)
    else:
        world.regime.bans.difference_update(pairs)


def _licence_type(world: World, event: LicenceTypeEvent) -> None:
    if event.open:
        world.regime.open_kinds.add(event.licence)
    else:
        world.regime.open_kinds.discard(event.licence)


def _authority(world: World, event: AuthorityEvent) -> None:
    regime = world.regime
    for kind in event.licences:
        if event.approval_probability is not None:
            regime.approval[kind] = event.approval_probability
        if event.review_scale is not None:
            regime.review_scale[kind] = event.review_scale
    if event.green_channel is not None:
        regime.green_channel = event.green_channel
    if event.reviewers is not None:
        world.authority.set_reviewers(event.reviewers)


def _revoke(world: World, event: RevokeEvent) -> None:
    groups = world.scenario.buyers
    world.licensing.revoke(
        kinds=set(event.licences),
        share=event.share,
        holder=lambda firm: matches(event.buyers, firm.group_name, groups[firm.group_name]),
    )


def _tension(world: World, event: TensionEvent) -> None:
    world.regime.tension = event.level


def _inventory(world: World, event: InventoryEvent) -> None:
    groups = world.scenario.buyers
    for firm in world.firms:
        if matches(event.buyers, firm.group_name, groups[firm.group_name]):
            for stock in firm.stocks.values():
                stock.set_targets(event.reorder_point_days, event.order_up_to_days)


_HANDLERS: dict[type, Callable] = {
    ControlsEvent: _controls,
    BanEvent: _ban,
    LicenceTypeEvent: _licence_type,
    AuthorityEvent: _authority,
    RevokeEvent: _revoke,
    TensionEvent: _tension,
    InventoryEvent: _inventory,
}
