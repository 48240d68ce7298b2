"""One replication: build the SimPy world from a validated scenario, run it, return its records."""

from __future__ import annotations

import datetime as dt
import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from itertools import repeat

import numpy as np
import simpy

from sim.model import cost
from sim.model.alternative import AlternativeSupply
from sim.model.authority import Authority
from sim.model.buyers import Consumption, Firm, Stock, interval_totals
from sim.model.exporters import Exporter, assign, exporters
from sim.model.inventory import inventory_policy
from sim.model.licences import Licensing
from sim.model.policy import Levers, export_rule_days, schedule, timeline
from sim.model.records import (
    ALTERNATIVE_COLUMNS,
    APPLICATION_COLUMNS,
    FAILURE_COLUMNS,
    KIND_CODE,
    NEED_COLUMNS,
    PRODUCTION_COLUMNS,
    REASON_CODE,
    Records,
    columns,
)
from sim.model.regime import Regime
from sim.model.sampling import RandomStreams, gamma_rates, sampler
from sim.model.supply import Exports
from sim.scenario.schema import Scenario
from sim.scenario.sections import Inventory

SOURCES = ("demand", "review", "approval", "vetting", "production", "transit", "veu", "revocation", "alternative",
           "vetting_pass", "backlog", "queue", "grant", "listing",
           "partial")
"""The stochastic sources; each draws from its own random stream (see ``sim.runs.streams``). A source's
position seeds its streams: new sources go at the end, so that the others keep their numbers."""


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that says how many events it has processed, at no cost per event."""

    def __init__(self) -> None:
        super().__init__()
        for name in ("process", "timeout", "event"):  # SimPy binds these once for its own class only: each
            setattr(self, name, getattr(self, name))  # ``env.timeout`` of a subclass would make a method anew

    @property
    def events_processed(self) -> int:
        """SimPy numbers every event it schedules (``_eid``, an ``itertools.count``, whose repr is the next
        number); those still in the queue have not been processed."""
        return int(repr(self._eid).removeprefix("count(").removesuffix(")")) - len(self._queue)

    def run_within(self, until: float, budget: int) -> bool:
        """``run(until)``, but stop after ``budget`` events: whether ``until`` was reached. The stop at ``until`` is
        scheduled as SimPy's ``run`` schedules it (urgent, so that nothing due at that moment is processed), and
        events are stepped as it steps them: the same events, in the same order."""
        stop = simpy.Event(self)
        stop._ok, stop._value = True, None
        self.schedule(stop, simpy.events.URGENT, until - self.now)
        stop.callbacks.append(simpy.core.StopSimulation.callback)
        step = self.step
        try:
            for _ in repeat(None, budget):
                step()
        except simpy.core.StopSimulation:
            return True
        return False

    def drop_scheduled(self) -> None:
        """Forget every event still scheduled: the run is over."""
        self._queue.clear()


class World:
    """The simulated world of one replication: regime, authority, licences, firms, exports."""

    def __init__(self, scenario: Scenario, streams: RandomStreams) -> None:
        self.scenario = scenario
        self.env = CountingEnvironment()
        calendar = scenario.calendar
        self.regime = Regime(scenario)
        self.authority = Authority(self.env, scenario, self.regime, calendar.warmup_days, streams)
        self.licensing = Licensing(self.env, scenario, self.regime, self.authority, streams)
        self.exports = Exports(self.env, self.regime, self.licensing, scenario.licence_types, {},
                               export_rule_days(scenario), scenario.veu.listed_days, streams, scenario.supply,
                               {group.destination for group in scenario.buyers.values()})
        alternative_rng = streams.shared("alternative")
        for name, m in scenario.materials.items():
            self.exports.alternatives[name] = AlternativeSupply(
                self.env,
                m.alternative.capacity_kg_per_month,
                calendar.day(m.alternative.available_from) if m.alternative.available_from else 0.0,
                m.alternative.queue_limit_days,
                sampler(m.alternative.lead_time_days, alternative_rng),
                sampler(m.alternative.licence_days, alternative_rng),
                self.exports.refused_by_china,
            )
        self.boundaries, self.interval_month, self.months = accounting_intervals(
            calendar.start, calendar.horizon_days, calendar.warmup_days
        )
        self._streams = streams
        first_of_month = np.flatnonzero(np.diff(self.interval_month[:-1], prepend=-1))
        self.month_starts = self.boundaries[first_of_month]
        self.exporters = exporters(scenario, scenario.called_off(), self.month_starts.tolist())
        self.rates = self._demand_rates()
        self.firms, self.stocks = self._populate()

    def _demand_rates(self) -> np.ndarray:
        """China-sourced consumption (kg/day) of every stock, in the order ``_populate`` makes them, in
        every month: the first month at the mean, each later one drawn (see ``gamma_rates``)."""
        demands = [
            (demand.mean_kg_per_day * self.scenario.materials[material].china_share, demand.cv)
            for group in self.scenario.buyers.values()
            for _ in range(group.count)
            for material, demand in group.demand.items()
        ]
        means, cvs = np.array(demands, dtype=float).reshape(-1, 2).T
        later = gamma_rates(means, cvs, len(self.month_starts) - 1, self._streams.shared("demand"))
        return np.vstack([means, later]).T

    def _populate(self) -> tuple[list[Firm], list[Stock]]:
        """Every firm of every group, flagged or not by the VEU list, with a stock per material it uses."""
        streams = self._streams
        firms: list[Firm] = []
        stocks: list[Stock] = []
        veu_rng = streams.shared("veu")
        false_positive = self.scenario.veu.false_positive_rate
        month_starts = self.month_starts.tolist()
        by_name = {exporter.name: exporter for exporter in self.exporters}
        for group_index, (name, group) in enumerate(self.scenario.buyers.items()):
            civilian = group.veu_flag_probability if group.veu_flag_probability is not None else false_positive
            flags = veu_rng.random(group.count) < (1.0 if group.military else civilian)
            suppliers = {material: assign(self.scenario.sources(name, material), group.count)
                         for material in group.demand if self.scenario.makers(material)}
            for k, flagged in enumerate(flags):
                firm = Firm(len(firms), name, group_index, group, bool(flagged))
                firms.append(firm)
                for material, demand in group.demand.items():
                    share = self.scenario.materials[material].china_share
                    index = len(stocks)
                    consumption = Consumption(month_starts, self.rates[index].tolist())
                    spec = demand.inventory or group.inventory
                    mean_kg_per_day = demand.mean_kg_per_day * share
                    policy = inventory_policy(spec, mean_kg_per_day, partial(streams.entity_block, "demand", index, 0))
                    stock = Stock(self.env, index, firm=firm, material=material, consumption=consumption,
                                  mean_china_kg_per_day=mean_kg_per_day, initial_days=spec.initial_days,
                                  policy=policy, retry_days=group.retry_days, supplier=self.exports)
                    if material in suppliers:
                        stock.exporter = by_name[suppliers[material][k]]
                    firm.stocks[material] = stock
                    stocks.append(stock)
        return firms, stocks

    @property
    def needs(self) -> list:
        """Every need placed so far (``sim.model.supply.Need``)."""
        return self.exports.needs

    def run(self) -> Records:
        """Simulate the whole horizon and collect the records."""
        exports, authority = self.exports, self.authority
        levers = Levers(regime=self.regime, set_reviewers=authority.set_reviewers,
                        set_green_channel=authority.set_green_channel, revoke=self.licensing.revoke, firms=self.firms,
                        lift_controls=exports.lift_controls, impose_ban=exports.impose_ban, lift_ban=exports.lift_ban,
                        add_backlog=authority.add_backlog, alternatives=exports.alternatives,
                        repace_reviews=authority.repace, exporters={e.name: e for e in self.exporters},
                        grant=exports.grant, list_firms=exports.list_firms)
        self.env.process(timeline(self.env, schedule(self.scenario, levers)))
        for stock in self.stocks:
            stock.policy.start(stock)
        estimate = cost.estimate(self.scenario)
        if not self.env.run_within(self.scenario.calendar.horizon_days, estimate.budget_events):
            needs, attempts = Counter(), Counter()
            for need in self.exports.needs:
                needs[need.stock.firm.group_name] += 1
                attempts[need.stock.firm.group_name] += need.attempts
            raise cost.RunawayError(cost.runaway(estimate, self.env.now, self.env.events_processed, needs, attempts))
        for stock in self.stocks:
            stock.advance()
        return self._records()

    def dismantle(self) -> None:
        """Let go of a finished world: cut the links from its registers to their entries (needs, applications,
        licences, firms' stocks, events still scheduled), so that reference counting frees it at once rather
        than the cyclic garbage collector, which took a tenth of a replication to find it."""
        self.env.drop_scheduled()
        self.exports.needs.clear()
        self.authority.applications.clear()
        self.licensing.granted.clear()
        for firm in self.firms:
            firm.stocks.clear()

    def _policy(self, stock: Stock) -> Inventory:
        """The inventory policy of a stock: its material's own, or its group's."""
        group = stock.firm.group
        return group.demand[stock.material].inventory or group.inventory

    def _records(self) -> Records:
        materials = tuple(self.scenario.materials)
        demand_kg, unmet_kg, stockout_days = interval_totals(
            self.rates, self.boundaries, self.interval_month[:-1], self.stocks
        )
        china_share = np.array([self.scenario.materials[stock.material].china_share for stock in self.stocks])
        material_code = {m: i for i, m in enumerate(materials)}
        needs = columns(
            [(n.stock.index, n.quantity_kg, n.t_ordered, n.t_attempt, n.attempts, n.t_licensed, n.t_vetted,
              n.t_exported, n.t_delivered, n.t_closed, n.status, REASON_CODE[n.reason],
              KIND_CODE.get(n.licence_kind, -1), n.licensed, n.vetted)
             for n in self.exports.needs],  # fmt: skip
            NEED_COLUMNS,
        )
        applications = columns(
            [(a.firm.index, _index(a.exporter), material_code[a.material], KIND_CODE[a.kind], a.priority, a.renewal,
              a.t_applied, a.t_started, a.t_decided, a.approved, REASON_CODE[a.reason])
             for a in self.authority.applications],  # fmt: skip
            APPLICATION_COLUMNS,
        )
        alternative = columns(
            [tuple(row) for supply in self.exports.alternatives.values() for row in supply.requests],
            ALTERNATIVE_COLUMNS,
        )
        production = columns([row for exporter in self.exporters for row in exporter.orders], PRODUCTION_COLUMNS)
        stocks = self.stocks
        policy = [self._policy(s) for s in stocks]
        return Records(
            horizon_days=float(self.scenario.calendar.horizon_days),
            warmup_days=float(self.scenario.calendar.warmup_days),
            materials=materials,
            groups=tuple(self.scenario.buyers),
            exporters=tuple(self.scenario.exporters),
            months=self.months,
            interval_start_days=self.boundaries[:-1],
            interval_month=self.interval_month[:-1],
            firm_group=np.array([f.group_index for f in self.firms], dtype="i4"),
            firm_flagged=np.array([f.flagged for f in self.firms], dtype="?"),
            stock_firm=np.array([s.firm.index for s in stocks], dtype="i8"),
            stock_material=np.array([material_code[s.material] for s in stocks], dtype="i2"),
            stock_exporter=np.array([_index(s.exporter) for s in stocks], dtype="i2"),
            stock_china_share=china_share,
            stock_initial_kg=np.array([p.initial_days * s.mean_rate for p, s in zip(policy, stocks, strict=False)]),
            stock_level_kg=np.array([s.level for s in stocks]),
            stock_on_order_kg=np.array([s.on_order for s in stocks]),
            stock_demand_kg=demand_kg,
            stock_unmet_kg=unmet_kg,
            stock_stockout_days=stockout_days,
            needs=needs,
            failures=columns(self.exports.failures, FAILURE_COLUMNS),
            applications=applications,
            alternative=alternative,
            production=production,
            revocations=self.licensing.revocations,
            queue_length_mean=self.authority.queue_length_mean(self.env.now),
            events=self.env.events_processed,
        )


def _index(exporter: Exporter | None) -> int:
    return -1 if exporter is None else exporter.index


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector during a replication.

    A replication allocates hundreds of thousands of short-lived objects; the collector's passes
    over the long-lived heap (scenario, libraries) then cost about a quarter of the run. Reference
    counting still frees the events as they pass, and the world once dismantled; what cycles are left
    (a few thousand objects) are collected afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def simulate(scenario: Scenario, streams: RandomStreams) -> Records:
    """Run one replication of a scenario with the given random streams (see ``sim.runs.streams``)."""
    with _cyclic_gc_paused():
        world = World(scenario, streams)
        records = world.run()
        world.dismantle()
        del world  # freed here, not still held while the collector resumes
    return records


def accounting_intervals(
    start: dt.date, horizon_days: int, warmup_days: int
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Accounting interval boundaries (days), the month index of each, and the month labels.

    Intervals break at every calendar month start and at the end of the warm-up; the last
    boundary is the horizon.
    """
    month_starts: list[int] = []
    labels: list[str] = []
    year, month = start.year, start.month
    while True:
        first = dt.date(year, month, 1)
        day = max(0, (first - start).days)
        if day >= horizon_days:
            break
        month_starts.append(day)
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    boundaries = sorted(set(month_starts) | ({warmup_days} if warmup_days else set()) | {horizon_days})
    month_of = np.searchsorted(month_starts, boundaries, side="right") - 1
    return np.asarray(boundaries, dtype=float), month_of, tuple(labels)


__all__ = ["SOURCES", "World", "accounting_intervals", "simulate"]
