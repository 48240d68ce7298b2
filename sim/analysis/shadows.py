"""Which values of a scenario dated events replace, and which act on nothing: what ``sim validate`` warns of and
``sim explain`` tells.

A value a user sets (in the file they run, or with ``--set``) that a policy event replaces from its date acts
only until then; a value that reaches no application acts not at all. Neither is an error, both are easy to
miss: an inherited event silently undoing a change of one's own.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from sim.scenario.events import (
    AlternativeEvent,
    AuthorityEvent,
    CancelEvent,
    CapacityEvent,
    ControlsEvent,
    InventoryEvent,
    LicenceTypeEvent,
    TensionEvent,
)
from sim.scenario.load import leaves, resolved_dict
from sim.scenario.schema import Scenario
from sim.scenario.sections import LICENCE_KINDS, BuyerFilter, ReorderPoint


@dataclass(frozen=True)
class Change:
    """A dated policy event that replaces one value of the scenario from its date."""

    key: str
    """The value's dotted path (as ``--set`` takes it)."""
    date: dt.date
    event: str
    what: str
    """What the event sets, in words."""

    def __str__(self) -> str:
        return f"replaced on {self.date} by policy event {self.event!r} ({self.what})"


def changes(scenario: Scenario) -> list[Change]:
    """Every value a dated event replaces (events called off aside), in date order."""
    off = scenario.called_off()
    found: list[Change] = []
    for name, event in sorted(scenario.policy.items(), key=lambda item: item[1].date):
        if name not in off:
            found += [Change(key, event.date, name, what) for key, what in _replaced(scenario, event)]
    return found


def idle(scenario: Scenario) -> dict[str, tuple[str, str | None]]:
    """Values that act on nothing, with the reason and the key of what makes it so (None: nothing set): the main
    reviewers when a pool takes every application, an event called off before its date."""
    found: dict[str, tuple[str, str | None]] = {}
    pools = scenario.authority.pools.values()
    pooled = all(any(kind in pool.licences and (pool.materials is None or material in pool.materials)
                     for pool in pools) for material in scenario.materials for kind in LICENCE_KINDS)
    if pooled:
        found["authority.reviewers"] = ("the main reviewers review nothing: a pool takes every material's "
                                        f"applications ({', '.join(scenario.authority.pools)})", None)
    off = scenario.called_off()
    for name, event in sorted(scenario.policy.items(), key=lambda item: item[1].date):
        if isinstance(event, CancelEvent) and name not in off:
            found |= {f"policy.{cancelled}": (f"policy event {cancelled!r} is called off on {event.date} by "
                                              f"{name!r} before it takes effect", f"policy.{name}")
                      for cancelled in event.events}
    return found


def warnings(scenario: Scenario, origins: dict[str, tuple[str, int | None]], own: set[str]) -> list[str]:
    """Values set in the files ``own`` (the file run and ``--set``) that an event set elsewhere (inherited) replaces,
    or that act on nothing, each named with where it was set. An event beside the value it replaces, in the same
    file, is its author's intent."""
    said = []
    for change in changes(scenario):
        set_in = origins.get(change.key, ("", None))[0]
        if set_in in own and origins.get(f"policy.{change.event}", ("", None))[0] != set_in:
            said.append(f"{_where(origins[change.key])}: {change.key}: {change}")
    for key, (reason, cause) in idle(scenario).items():
        cause_file = origins.get(cause, ("", None))[0] if cause else None
        for set_key, where in origins.items():
            if (set_key == key or set_key.startswith(key + ".")) and where[0] in own and where[0] != cause_file:
                said.append(f"{_where(where)}: {set_key}: {reason}")
    return said


def changed_groups(scenario: Scenario, origins: dict[str, tuple[str, int | None]], own: set[str]) -> list[str]:
    """The groups the files ``own`` change, where they change a scenario they extend (``groups_of``): a file
    that extends nothing sets every value and changes none in particular, unless by ``--set``."""
    inherited = any(file not in own for file, _ in origins.values())
    return groups_of(scenario, [key for key, (file, _) in origins.items()
                                if file in own and (inherited or file == "--set")])


def groups_of(scenario: Scenario, keys: Iterable[str]) -> list[str]:
    """The groups of buyers that values at ``keys`` concern: a buyer group's own values, a material's or an
    exporter's (its material), and a policy event's buyers (when it names some) or materials."""
    found: list[str] = []
    for key in keys:
        section, _, rest = key.partition(".")
        name = rest.split(".")[0]
        if section == "buyers" and name in scenario.buyers:
            found.append(f"buyer:{name}")
        elif section == "materials" and name in scenario.materials:
            found.append(f"material:{name}")
        elif section == "exporters" and name in scenario.exporters:
            found.append(f"material:{scenario.exporters[name].material}")
        elif section == "policy" and name in scenario.policy:
            event = scenario.policy[name]
            chosen = getattr(event, "buyers", None)
            if isinstance(chosen, BuyerFilter) and chosen != BuyerFilter():
                found += [f"buyer:{group}" for group, spec in scenario.buyers.items() if chosen.matches(group, spec)]
            found += [f"material:{m}" for m in getattr(event, "materials", None) or [] if m in scenario.materials]
    return list(dict.fromkeys(found))


class UnknownKey(ValueError):
    """A key the scenario does not have."""


def explain(scenario: Scenario, origins: dict[str, tuple[str, int | None]], key: str) -> list[str]:
    """Where each value at or under ``key`` comes from (a file and line, or the schema's default) and what dated
    events do to it."""
    values = leaves(resolved_dict(scenario))
    chosen = [k for k in values if k == key or k.startswith(key + ".")]
    if not chosen:
        close = difflib.get_close_matches(key, list(values), n=1, cutoff=0.6)
        raise UnknownKey(f"{key!r} is not a key of scenario {scenario.name!r}"
                         + (f"; did you mean {close[0]!r}?" if close else ""))
    replaced = changes(scenario)
    reasons = idle(scenario)
    lines = []
    for leaf in chosen:
        origin = _where(origins[leaf]) if leaf in origins else "the schema's default"
        lines.append(f"{leaf} = {values[leaf]!r}: set by {origin}")
        lines += [f"  {change}" for change in replaced if change.key == leaf]
        lines += [f"  {reason}" for key, (reason, _) in reasons.items() if leaf == key or leaf.startswith(key + ".")]
    return lines


def _where(origin: tuple[str, int | None]) -> str:
    file, line = origin
    return file if line is None else f"{file}:{line}"


def _replaced(scenario: Scenario, event: object) -> list[tuple[str, str]]:
    """(key, what) of every value an event replaces."""
    match event:
        case InventoryEvent():
            what = f"reorder point {event.reorder_point_days:g}, order-up-to {event.order_up_to_days:g} days of demand"
            keys = []
            for name, group in scenario.buyers.items():
                if event.buyers.matches(name, group):
                    stocks = [(f"buyers.{name}.inventory", group.inventory)] + [
                        (f"buyers.{name}.demand.{m}.inventory", d.inventory) for m, d in group.demand.items()
                        if d.inventory is not None]
                    keys += [f"{prefix}.{field}" for prefix, policy in stocks if isinstance(policy, ReorderPoint)
                             for field in ("reorder_point_days", "order_up_to_days")]
            return [(key, what) for key in keys]
        case AuthorityEvent():
            out = []
            if event.reviewers is not None:
                where = "authority.reviewers" if event.pool is None else f"authority.pools.{event.pool}.reviewers"
                out.append((where, f"{event.reviewers} reviewers"))
            if event.green_channel is not None:
                out.append(("authority.green_channel", "open" if event.green_channel else "closed"))
            concerned = [name for name, group in scenario.buyers.items() if event.buyers.matches(name, group)]
            materials = event.materials is None or any(m in scenario.materials for m in event.materials)
            if event.approval_probability is not None and concerned and materials:
                whose = "every buyer group" if len(concerned) == len(scenario.buyers) else ", ".join(concerned)
                out += [(f"licence_types.{kind}.approval_probability",
                         f"approval probability {event.approval_probability:g} for the applications of {whose}")
                        for kind in event.licences]
            return out
        case LicenceTypeEvent():
            return [(f"licence_types.{event.licence}.open", "open" if event.open else "closed")]
        case TensionEvent():
            return [("authority.tension.initial", f"tension {event.level:g}")]
        case ControlsEvent():
            return [(f"materials.{m}.controlled", "controlled" if event.active else "not controlled")
                    for m in event.materials]
        case AlternativeEvent():
            return [(f"materials.{m}.alternative.capacity_kg_per_month",
                     f"{event.capacity_kg_per_month:g} kg a month") for m in event.materials]
        case CapacityEvent():
            return [(f"exporters.{event.exporter}.capacity_kg_per_month",
                     f"{event.capacity_kg_per_month:g} kg a month")]
    return []
