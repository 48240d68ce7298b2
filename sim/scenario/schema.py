"""The scenario format: a ``Scenario`` of sections (``sim.scenario.sections``) and dated policy events
(``sim.scenario.events``), with the checks that span them (names that must be defined, dates inside the period).

These three modules are the single source of truth for what a scenario may say. It is validated once, at the edge
(``sim.scenario.load``); everything downstream receives a frozen ``Scenario``.
"""

from __future__ import annotations

import datetime as dt
import difflib

from pydantic import (
    Field,
    model_validator,
)

from sim.scenario.events import BanEvent, CancelEvent, CapacityEvent, GrantEvent, PolicyEvent
from sim.scenario.sections import (
    LICENCE_KINDS,
    VEU,
    Authority,
    BuyerFilter,
    BuyerGroup,
    Calendar,
    Exporter,
    FittedTo,
    LicenceTypes,
    Material,
    MonteCarlo,
    Name,
    Strict,
    Supply,
    SweepDefinition,
)


class Scenario(Strict):
    """A licensing regime, the buyers living under it, and how to simulate it."""

    name: Name = Field(description="Short name; results go to results/<name>/.")
    description: str = Field(default="", max_length=10_000, description="What the scenario represents.")
    calendar: Calendar
    materials: dict[Name, Material] = Field(min_length=1, description="Materials by symbol, e.g. Dy, Ga, NdFeB.")
    buyers: dict[Name, BuyerGroup] = Field(min_length=1, description="Buyer groups by name.")
    exporters: dict[Name, Exporter] = Field(
        default_factory=dict,
        description="Chinese exporters by name (a few large, many small is typical); a material without any is "
        "made and shipped as fast as it is asked for.",
    )
    licence_types: LicenceTypes = Field(default_factory=LicenceTypes, description="Licence kinds.")
    authority: Authority = Field(default_factory=Authority, description="The licensing authority.")
    veu: VEU = Field(default_factory=VEU, description="Validated-end-user rule.")
    policy: dict[Name, PolicyEvent] = Field(default_factory=dict, description="Dated policy events by name.")
    supply: Supply = Field(default_factory=Supply, description="Production and transit.")
    monte_carlo: MonteCarlo = Field(default_factory=MonteCarlo, description="Monte Carlo settings.")
    sweep: SweepDefinition | None = Field(default=None, description="A sensitivity sweep of this scenario.")
    calibration: FittedTo | None = Field(
        default=None, description="Which published figures the scenario was fitted to, and by which parameters.")

    @model_validator(mode="after")
    def _references_and_dates(self) -> Scenario:
        sectors = {group.sector: None for group in self.buyers.values()}
        destinations = {group.destination: None for group in self.buyers.values()}
        for name, exporter in self.exporters.items():
            _known(exporter.material, self.materials, f"exporters.{name}.material")
        for group_name, group in self.buyers.items():
            for material, demand in group.demand.items():
                _known(material, self.materials, f"buyers.{group_name}.demand")
                if demand.exporters is not None:
                    self._check_sources(demand.exporters, material, f"buyers.{group_name}.demand.{material}.exporters")
        for kind in LICENCE_KINDS:
            for material in self.licence_types[kind].excluded_materials:
                _known(material, self.materials, f"licence_types.{kind}.excluded_materials")
        named = {"groups": self.buyers, "sectors": sectors, "destinations": destinations}
        for name, pool in self.authority.pools.items():
            for material in pool.materials or []:
                _known(material, self.materials, f"authority.pools.{name}.materials")
        concerned = [(f"policy.{name}", event) for name, event in self.policy.items()]
        concerned += [(f"authority.treatments.{name}", t) for name, t in self.authority.treatments.items()]
        for where, item in concerned:
            if hasattr(item, "date"):
                self._inside_horizon(item.date, f"{where}.date")
            for material in getattr(item, "materials", None) or []:
                _known(material, self.materials, f"{where}.materials")
            if isinstance(item, BanEvent):
                _known(item.destination, destinations, f"{where}.destination")
            if getattr(item, "pool", None) is not None:
                _known(item.pool, self.authority.pools, f"{where}.pool")
            if isinstance(item, CancelEvent):
                for target in item.events:
                    _known(target, self.policy, f"{where}.events")
                    if self.policy[target].date <= item.date:
                        raise ValueError(f"{where}.events: {target!r} takes effect on {self.policy[target].date}, "
                                         f"not after {item.date}: only events still to come can be called off")
            for filter_name in ("buyers", "customers"):
                buyers = getattr(item, filter_name, None)
                if buyers is not None:
                    for field, defined in named.items():
                        for value in getattr(buyers, field) or []:
                            _known(value, defined, f"{where}.{filter_name}.{field}")
            if isinstance(item, CapacityEvent):
                _known(item.exporter, self.exporters, f"{where}.exporter")
            for exporter in getattr(item, "exporters", None) or []:
                _known(exporter, self.exporters, f"{where}.exporters")
            if isinstance(item, GrantEvent):
                for exporter in item.exporters:
                    self._check_customers(exporter, item.customers, f"{where}.customers")
        priced = [name for name, m in self.materials.items() if m.price_usd_per_kg is not None]
        if priced and len(priced) < len(self.materials):
            missing = next(name for name in self.materials if name not in priced)
            raise ValueError(f"materials.{missing}.price_usd_per_kg: missing, while {', '.join(priced)} have a price; "
                             "give every material a price or none")
        if self.veu.date is not None:
            self._inside_horizon(self.veu.date, "veu.date")
        for name, material in self.materials.items():
            first_day = material.alternative.available_from
            if first_day is not None:
                self._inside_horizon(first_day, f"materials.{name}.alternative.available_from")
        return self

    def _check_sources(self, shares: dict[str, float], material: str, where: str) -> None:
        for exporter in shares:
            _known(exporter, self.exporters, where)
            if self.exporters[exporter].material != material:
                raise ValueError(f"{where}: {exporter!r} makes {self.exporters[exporter].material}, not {material}; "
                                 f"exporters of {material}: {', '.join(self.makers(material)) or 'none'}")
        total = sum(shares.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"{where}: the shares sum to {total:g}; they must sum to 1 (a share of the firms each)")

    def _check_customers(self, exporter: str, customers: BuyerFilter, where: str) -> None:
        """A licence may name only customers the exporter sells to."""
        material = self.exporters[exporter].material
        served = [name for name, group in self.buyers.items()
                  if material in group.demand and exporter in self.sources(name, material)]
        if not any(customers.matches(name, self.buyers[name]) for name in served):
            raise ValueError(f"{where}: {exporter!r} sells to none of these buyers; its customers (of {material}): "
                             f"{', '.join(served) or 'none'}")

    def makers(self, material: str) -> dict[str, Exporter]:
        """The exporters of a material, by name."""
        return {name: e for name, e in self.exporters.items() if e.material == material}

    def sources(self, group: str, material: str) -> dict[str, float]:
        """The exporters a group's firms buy a material from, with the share of the firms each serves: as the group
        says, else the material's exporters in proportion to their capacity; empty if the material has none."""
        stated = self.buyers[group].demand[material].exporters
        if stated is not None:
            return dict(stated)
        capacity = {name: e.capacity_kg_per_month for name, e in self.makers(material).items()}
        return {name: kg / sum(capacity.values()) for name, kg in capacity.items()}

    def called_off(self) -> set[str]:
        """The events that cancel events call off (those of a cancel event itself called off stand), known from
        the start: a cancel event only calls off events dated after it."""
        off: set[str] = set()
        for name, event in sorted(self.policy.items(), key=lambda item: item[1].date):
            if isinstance(event, CancelEvent) and name not in off:
                off.update(event.events)
        return off

    def value_weights(self) -> dict[str, float]:
        """What a kilogram of each material weighs in fractions that span materials: its price, or 1 for every
        material when the scenario gives no prices (then kilograms add up as they are)."""
        return {name: m.price_usd_per_kg or 1.0 for name, m in self.materials.items()}

    def _inside_horizon(self, date: dt.date, where: str) -> None:
        if not self.calendar.start <= date < self.calendar.end:
            raise ValueError(
                f"{where}: {date} is outside the simulated period {self.calendar.start} to {self.calendar.end}"
            )


def _known(name: str, defined: dict, where: str) -> None:
    if name not in defined:
        close = difflib.get_close_matches(name, list(defined), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ";"
        raise ValueError(f"{where}: {name!r} is not defined{hint} Defined: {', '.join(sorted(defined))}")
