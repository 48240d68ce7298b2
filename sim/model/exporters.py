"""Exporters: the Chinese makers that apply for their customers' licences, hold them, and make and ship their orders.

An exporter's line makes the orders booked with it one after the other, first come, first served, at its
capacity: so many kilograms in each calendar month, changed from the dates of capacity events. An order booked
while the line is busy waits in the order book, so that the line never makes more in a month than its capacity
and a burst of approvals ships at the exporter's rate (orders of one size drain as a D/D/1 queue would). Each
firm buys each material from one exporter; a group's firms are shared out among its exporters in the stated
shares.
"""

from __future__ import annotations

import calendar
import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence

from sim.model.buyers import Consumption
from sim.scenario.events import CapacityEvent
from sim.scenario.schema import Scenario


class Exporter:
    """One exporter of one material: its line's output over time, and every order it has booked."""

    __slots__ = ("index", "name", "material", "output", "free_at", "orders")

    def __init__(self, index: int, name: str, material: str, output: Consumption) -> None:
        self.index = index
        self.name = name
        self.material = material
        self.output = output
        """Kilograms the line can make from day 0 to any moment (a piecewise-linear curve, as a firm's consumption)."""
        self.free_at = 0.0
        """When the line has made every order booked so far."""
        self.orders: list[tuple[int, float, float, float, float]] = []
        """One row per order booked: exporter, day booked, making started, made, kilograms."""

    def book(self, now: float, quantity_kg: float) -> float:
        """Book an order now; returns the days until it is made (its wait in the order book, then its making)."""
        start = max(now, self.free_at)
        made = self.output.day_reaching(self.output.consumed_kg(start) + quantity_kg)
        self.free_at = made
        self.orders.append((self.index, now, start, made, quantity_kg))
        return made - now


def exporters(scenario: Scenario, called_off: set[str], month_starts: Sequence[float]) -> list[Exporter]:
    """Every exporter of a scenario, in its order, with the capacity events not called off."""
    return [Exporter(i, name, spec.material, Consumption(*capacity_curve(scenario, name, called_off, month_starts)))
            for i, (name, spec) in enumerate(scenario.exporters.items())]


def capacity_curve(scenario: Scenario, name: str, called_off: set[str],
                   month_starts: Sequence[float]) -> tuple[list[float], list[float]]:
    """When an exporter's rate of output changes (days since the start: ``month_starts``, the first of each month,
    and the dates of its capacity events), and the rate from each (kg a day: its capacity in force over that
    calendar month's days)."""
    start = scenario.calendar.start
    capacity = {0.0: scenario.exporters[name].capacity_kg_per_month}
    changes = sorted((scenario.calendar.day(e.date), e.capacity_kg_per_month) for key, e in scenario.policy.items()
                     if isinstance(e, CapacityEvent) and e.exporter == name and key not in called_off)
    capacity.update(changes)
    days = sorted(set(capacity) | {float(day) for day in month_starts})
    rates, in_force = [], capacity[0.0]
    for day in days:
        in_force = capacity.get(day, in_force)
        date = start + dt.timedelta(days=day)
        rates.append(in_force / calendar.monthrange(date.year, date.month)[1])
    return days, rates


def assign(shares: dict[str, float], count: int) -> list[str]:
    """Which exporter each of a group's ``count`` firms buys from: firm k takes the exporter whose slice of the
    cumulative shares holds (k + 1/2) / count, so that each serves its share of the firms, to the nearest firm."""
    names, bounds, total = list(shares), [], 0.0
    for share in shares.values():
        total += share
        bounds.append(total)
    return [names[min(bisect_right(bounds, (k + 0.5) / count), len(names) - 1)] for k in range(count)]
