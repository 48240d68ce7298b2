"""What a replication of a scenario costs, estimated from its counts and horizon before it runs: events and
memory, and the event budget past which a replication is a runaway rather than a long run.

Nearly every event belongs to one attempt of a need (its order's timer, its licence's review, its shipment's
arrival), so the estimate counts attempts: a stock orders once per cycle of its inventory policy (the days of
demand an order covers), and each refusal is tried again after the group's ``retry_days`` while the need lasts;
applications from outside the panel (``backlog`` events) cost their review.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.scenario.events import BacklogEvent
from sim.scenario.schema import Scenario
from sim.scenario.sections import Adaptive, BuyerGroup, FixedInterval, Inventory

EVENTS_PER_ATTEMPT = 3
"""Events of one attempt of a need: the review that decides its licence, its shipment's arrival, the timer that
wakes its stock (two where no licence is needed: an estimate from above)."""
EVENTS_PER_BACKLOG = 1
BYTES_PER_BACKLOG = 400
"""Events and memory of an application from outside the panel (a ``backlog`` event's): its review (measured: 100,000
of them make 100,339 events and 34 MiB)."""
EVENTS_PER_STOCK = 2
"""Events of a stock beyond its attempts: its first review, its last timer."""
BYTES_PER_ATTEMPT = 1_200
"""Memory of an attempt: its need, its application and their rows in the records (measured by tracemalloc on
mmc_c10_rho095, 71,000 needs and one stock)."""
BYTES_PER_STOCK = 8_000
BYTES_PER_STOCK_MONTH = 100
"""Memory of a stock, and of each month of its consumption (measured on the baseline with 1,000 and 3,000 firms
in a group)."""
BYTES_PER_REPLICATION = 250_000
"""A replication's memory whatever its size: the world's registers, the authority, the exporters (record_window,
one firm, peaks at 0.2 MiB)."""
BUDGET_FACTOR = 20
BUDGET_FLOOR = 100_000
"""A replication may make ``BUDGET_FACTOR`` times its estimated events, and at least ``BUDGET_FLOOR``, before it
is stopped as a runaway: no scenario the estimate is made for comes near that (see ``benchmarks/cost.py``)."""


class RunawayError(ValueError):
    """A replication made far more events than its scenario can explain: stopped, naming what drives them."""


@dataclass(frozen=True)
class GroupCost:
    """The estimated cost of one buyer group's stocks of one material."""

    group: str
    material: str
    stocks: int
    attempts_per_stock: float
    cycle_key: str
    """The key (dotted, as ``--set`` takes it) that sets the days of demand an order covers."""
    cycle_days: float
    retry_days: float

    @property
    def attempts(self) -> float:
        return self.stocks * self.attempts_per_stock


@dataclass(frozen=True)
class Cost:
    """The estimated cost of one replication of a scenario."""

    horizon_days: int
    groups: tuple[GroupCost, ...]
    months: int
    backlogs: dict[str, int]
    """Applications from outside the panel, by the name of the ``backlog`` event that files them."""

    @property
    def stocks(self) -> int:
        return sum(g.stocks for g in self.groups)

    @property
    def attempts(self) -> float:
        return sum(g.attempts for g in self.groups)

    @property
    def events(self) -> int:
        return math.ceil(EVENTS_PER_ATTEMPT * self.attempts + EVENTS_PER_STOCK * self.stocks
                         + EVENTS_PER_BACKLOG * sum(self.backlogs.values()))

    @property
    def memory_bytes(self) -> int:
        return math.ceil(BYTES_PER_REPLICATION + BYTES_PER_ATTEMPT * self.attempts
                         + BYTES_PER_BACKLOG * sum(self.backlogs.values())
                         + self.stocks * (BYTES_PER_STOCK + BYTES_PER_STOCK_MONTH * self.months))

    @property
    def budget_events(self) -> int:
        """The events a replication may make before it is stopped as a runaway."""
        return max(BUDGET_FLOOR, BUDGET_FACTOR * self.events)

    def largest(self) -> GroupCost:
        """The group and material that make most of the attempts."""
        return max(self.groups, key=lambda g: g.attempts)


def estimate(scenario: Scenario) -> Cost:
    """The cost of one replication of ``scenario``, from its counts, policies and horizon."""
    horizon = scenario.calendar.horizon_days
    groups = tuple(_group_cost(scenario, name, group, material, horizon)
                   for name, group in scenario.buyers.items() for material in group.demand)
    months = math.ceil(horizon / 28) + 1
    off = scenario.called_off()
    backlogs = {name: event.applications for name, event in scenario.policy.items()
                if isinstance(event, BacklogEvent) and name not in off}
    return Cost(horizon, groups, months, backlogs)


def _group_cost(scenario: Scenario, name: str, group: BuyerGroup, material: str, horizon: int) -> GroupCost:
    """Attempts per stock: a need per cycle of the policy; a refused one tried again every ``retry_days`` (as long
    as the run lasts, at the worst: ``1 / approval`` tries a need, at most one each ``retry_days``)."""
    policy = group.demand[material].inventory or group.inventory
    where = f"buyers.{name}.demand.{material}.inventory" if group.demand[material].inventory else \
        f"buyers.{name}.inventory"
    key, cycle_days = _cycle(policy)
    needs = horizon / cycle_days
    approval = _approval(scenario, group, material)
    retries = horizon / group.retry_days
    attempts = needs / approval if approval > 0 else math.inf
    attempts = min(attempts, max(needs, retries))
    return GroupCost(name, material, group.count, attempts, f"{where}.{key}", cycle_days, group.retry_days)


def _cycle(policy: Inventory) -> tuple[str, float]:
    """The key that sets a policy's days between orders, and those days."""
    if isinstance(policy, FixedInterval):
        return "interval_days", policy.interval_days.expected_value()
    if isinstance(policy, Adaptive):
        return "order_days", policy.order_days
    return "order_up_to_days less its reorder_point_days", policy.order_up_to_days - policy.reorder_point_days


def _approval(scenario: Scenario, group: BuyerGroup, material: str) -> float:
    """The chance that an application of the group is granted at the start: 1 if the material needs no licence,
    else that of the most refused kind it applies for."""
    if not scenario.materials[material].controlled:
        return 1.0
    return min(scenario.licence_types[kind].approval_probability for kind in group.licences)


def runaway(cost: Cost, day: float, events: int, needs: dict[str, int], attempts: dict[str, int]) -> str:
    """Why a replication that made ``events`` events by ``day`` was stopped, naming the group and key that drive
    it: the group whose attempts so far (``needs`` and their ``attempts``, by group) most exceed its estimate, and
    its retry_days if most of them are retries, else its policy's cycle."""
    share = max(day, 1.0) / cost.horizon_days
    expected: dict[str, float] = {}
    largest: dict[str, GroupCost] = {}
    for g in cost.groups:
        expected[g.group] = expected.get(g.group, 0.0) + g.attempts * share
        largest[g.group] = max(largest.get(g.group, g), g, key=lambda c: c.attempts)
    ratio = {name: attempts.get(name, 0) / max(expected[name], 1.0) for name in expected}
    worst = max(ratio, key=ratio.__getitem__)
    made, placed = attempts.get(worst, 0), needs.get(worst, 0)
    stopped = (f"a replication made {events:,} events by day {day:.6g} of {cost.horizon_days}, its budget ("
               f"{BUDGET_FACTOR} times the {cost.events:,} estimated for the whole run, and at least {BUDGET_FLOOR:,})")
    if ratio[worst] < 2:
        return (f"{stopped}; no group's orders explain them (the most, {worst}: {made:,} attempts where about "
                f"{expected[worst]:,.0f} were expected by then): look at the dated events, the authority and "
                "alternative supply")
    group = largest[worst]
    if made > 2 * placed:
        driver = f"buyers.{worst}.retry_days = {group.retry_days:g}, as its orders are refused again and again"
    else:
        driver = f"{group.cycle_key} ({group.cycle_days:g} days of demand an order covers)"
    return (f"{stopped}: buyer group {worst} made {made:,} attempts to order ({placed:,} needs), where about "
            f"{expected[worst]:,.0f} were expected by then; what drives them is {driver}")
