"""Per-replication metrics (defined in ``sim.catalogue``), for every group of buyers.

Groups are ``all``, ``sector:<s>``, ``destination:<d>``, ``material:<m>`` and ``buyer:<group>``.
Only what happens after the warm-up counts: needs placed and applications filed after it, demand
consumed after it. A metric with nothing to measure in a replication (say, the delay of a group
that received nothing) is NaN there, and summaries count only the replications that have it.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.catalogue import METRICS
from sim.model.exporters import capacity_curve
from sim.model.records import DELIVERED, IN_TRANSIT, PENDING, REASON_CODE, WITHDRAWN, Records
from sim.model.world import accounting_intervals
from sim.scenario.schema import Scenario

TIMESERIES_COLUMNS = ("demand_kg", "shortfall_kg", "delivered_kg", "exported_kg")
EXPORTER_COLUMNS = ("capacity_kg", "made_kg", "backlog_kg")
"""Each exporter's month: what its line could make, what it made, and its order book at the month's end (booked,
not yet made)."""


@dataclass(frozen=True)
class Layout:
    """The fixed shape of a scenario's results: metric keys and time-series axes."""

    keys: tuple[tuple[str, str], ...]
    groups: tuple[str, ...]
    months: tuple[str, ...]
    materials: tuple[str, ...]
    destinations: tuple[str, ...]


def layout(scenario: Scenario) -> Layout:
    """Metric keys (metric, group) and time-series axes for a scenario."""
    calendar = scenario.calendar
    months = accounting_intervals(calendar.start, calendar.horizon_days, calendar.warmup_days)[2]
    buyers = scenario.buyers.values()
    groups = (
        ("all",)
        + tuple(f"sector:{s}" for s in dict.fromkeys(b.sector for b in buyers))
        + tuple(f"destination:{d}" for d in dict.fromkeys(b.destination for b in buyers))
        + tuple(f"material:{m}" for m in scenario.materials)
        + tuple(f"buyer:{g}" for g in scenario.buyers)
    )
    keys = tuple((name, group) for name, metric in METRICS.items() for group in groups
                 if group == "all" or not metric.all_only)
    destinations = tuple(dict.fromkeys(b.destination for b in buyers))
    return Layout(keys, groups, months, tuple(scenario.materials), destinations)


class UnknownGroup(ValueError):
    """A group of buyers (``--group``) the scenario does not have."""


def resolve_groups(scenario: Scenario, asked: Sequence[str], *, known_only: bool = False) -> list[str]:
    """The groups asked for, by full name (``buyer:eu_auto``) or by the name alone (``eu_auto``: a buyer group,
    else a sector, destination or material), in any case, in order and once each; ``all`` is always shown.
    ``known_only``: leave out those the scenario does not have, rather than refuse them."""
    groups = layout(scenario).groups[1:]
    found = []
    for name in asked:
        if name.lower() == "all":
            continue
        folded = name.lower()
        match = [g for g in groups if g.lower() == folded] or sorted(
            (g for g in groups if g.partition(":")[2].lower() == folded), key=lambda g: not g.startswith("buyer:"))
        if not match and known_only:
            continue
        if not match:
            names = {g.lower(): g for g in groups} | {g.partition(":")[2].lower(): g.partition(":")[2] for g in groups}
            close = difflib.get_close_matches(folded, list(names), n=1)
            raise UnknownGroup(f"scenario {scenario.name!r} has no group of buyers {name!r}"
                               + (f"; did you mean {names[close[0]]!r}?" if close else "")
                               + " (groups: buyer:<group>, sector:<sector>, destination:<destination>, "
                               "material:<material>, or the name alone)")
        found.append(match[0])
    return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Measurement:
    """What is kept of one replication.

    ``values`` aligns with ``Layout.keys``; ``timeseries`` has shape (months, materials,
    destinations, len(TIMESERIES_COLUMNS)); ``exporters`` (months, exporters, len(EXPORTER_COLUMNS));
    ``delay_counts[d]`` counts the needs placed after the
    warm-up and delivered d to d+1 days after their first request, its last entry those undelivered at
    the horizon.
    """

    values: np.ndarray
    timeseries: np.ndarray
    exporters: np.ndarray
    delay_counts: np.ndarray


def measure(scenario: Scenario, records: Records, shape: Layout) -> Measurement:
    """Measure one replication."""
    selectors = _selectors(scenario, records)
    weight = np.array(list(scenario.value_weights().values()))[records.stock_material]
    common = Common(records)
    groups: dict[str, Group] = {}
    values = []
    for metric, name in shape.keys:
        group = groups.get(name)
        if group is None:
            group = groups[name] = Group(records, common, weight, *selectors[name])
        values.append(METRICS[metric].compute(group))
    return Measurement(
        values=np.array(values),
        timeseries=_timeseries(scenario, records, shape).astype(np.float32),
        exporters=_exporter_months(scenario, records).astype(np.float32),
        delay_counts=_delay_counts(records),
    )


def _delay_counts(r: Records) -> np.ndarray:
    o = r.needs
    placed = o["t_ordered"] >= r.warmup_days
    status = o["status"][placed]
    delay = (o["t_delivered"] - o["t_ordered"])[placed][status == DELIVERED]
    counts = np.zeros(int(r.horizon_days) + 1, dtype=np.int64)
    np.add.at(counts, np.minimum(delay.astype(np.int64), len(counts) - 2), 1)
    counts[-1] = ((status == PENDING) | (status == IN_TRANSIT)).sum()
    return counts


def _selectors(scenario: Scenario, r: Records) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each group, boolean masks over (stocks, needs, applications)."""
    groups = list(scenario.buyers.values())
    stock_group = r.firm_group[r.stock_firm]
    app_group = r.firm_group[r.applications["firm"]]

    def masks(stock_pick: np.ndarray, app_pick: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return stock_pick, stock_pick[r.needs["stock"]], app_pick

    def by_group(test: Callable[[int], bool]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        chosen = np.array([test(i) for i in range(len(groups))], dtype=bool)
        return masks(chosen[stock_group], chosen[app_group])

    selectors = {"all": masks(np.ones(len(r.stock_firm), bool), np.ones(len(app_group), bool))}
    for i, group in enumerate(groups):
        selectors.setdefault(f"sector:{group.sector}", by_group(lambda j, s=group.sector: groups[j].sector == s))
        selectors.setdefault(
            f"destination:{group.destination}", by_group(lambda j, d=group.destination: groups[j].destination == d)
        )
        selectors[f"buyer:{r.groups[i]}"] = by_group(lambda j, i=i: j == i)
    for m, name in enumerate(r.materials):
        selectors[f"material:{name}"] = masks(r.stock_material == m, r.applications["material"] == m)
    return selectors


class Common:
    """What every group's metrics take from the records whatever the group, computed once a replication
    (``Group.common``): masks and days over every need, failure and application (``started``, ``withdrawn``,
    ``decided``, ``decision_days`` to the horizon if undecided, ``queue_days`` and ``queue_days_restricted`` to
    the horizon or the withdrawal of those never started)."""

    def __init__(self, r: Records) -> None:
        o, f, a = r.needs, r.failures, r.applications
        self.placed = o["t_ordered"] >= r.warmup_days
        self.stages = {(start, end): o[end] - o[start] for start, end in (
            ("t_ordered", "t_delivered"), ("t_ordered", "t_attempt"), ("t_attempt", "t_licensed"),
            ("t_licensed", "t_vetted"), ("t_vetted", "t_exported"), ("t_exported", "t_delivered"))}
        self.failed_counted = f["t_failed"] >= r.warmup_days  # refusals when they happened
        failed_now = np.zeros(len(o["status"]), dtype=bool)  # the need's current attempt has failed
        failed_now[f["need"][f["t_attempt"] == o["t_attempt"][f["need"]]]] = True
        self.attempt_started = f["t_attempt"] >= r.warmup_days
        self.open_attempt = ~failed_now & (o["t_attempt"] >= r.warmup_days)
        counted = r.interval_start_days >= r.warmup_days
        self.china_kg = r.stock_demand_kg[:, counted].sum(axis=1)
        self.short_kg = r.stock_unmet_kg[:, counted].sum(axis=1)
        self.stockout = r.stock_stockout_days[:, counted].sum(axis=1)
        self.delivered_counted = (o["t_delivered"] >= r.warmup_days) & (o["status"] == DELIVERED)
        self.alternative_counted = r.alternative["t_delivered"] >= r.warmup_days
        self.applied = a["t_applied"] >= r.warmup_days
        self.withdrawn = a["reason"] == REASON_CODE["withdrawn"]
        self.decided = ~np.isnan(a["t_decided"])
        self.started = ~np.isnan(a["t_started"])
        self.filed = ~((a["reason"] == REASON_CODE["veu"]) & ~self.started)  # not refused at filing
        self.decision_days = np.where(self.decided, a["t_decided"], r.horizon_days) - a["t_applied"]
        left_queue = np.fmin(a["t_started"], np.where(self.withdrawn, a["t_decided"], r.horizon_days))
        self.queue_days = a["t_started"] - a["t_applied"]
        self.queue_days_restricted = left_queue - a["t_applied"]


class Group:
    """One group's stocks, needs and applications in one replication, and what the catalogue's metrics are
    computed from (``sim.catalogue.Metric.compute``): each quantity made when a metric first asks for it.

    Needs are those placed after the warm-up; ``arrived`` are those of them delivered, which the stage
    times (``delay`` ... ``transit``) describe; failures are those after the warm-up; applications those filed
    after it.
    """

    def __init__(self, r: Records, common: Common, weight: np.ndarray, stocks: np.ndarray, needs: np.ndarray,
                 apps: np.ndarray) -> None:
        self.records, self.common = r, common
        self.stocks = stocks
        """Mask over stocks."""
        self.group_needs = needs
        """Mask over every need, placed after the warm-up or not."""
        self.needs = np.flatnonzero(needs & common.placed)  # indices: most groups are small
        self.apps = apps & common.applied
        """Mask over applications."""
        self.value = weight[stocks]
        """The value of a kilogram of each of its stocks' material."""
        self.china_kg, self.short_kg, self.stockout_days = (
            values[stocks] for values in (common.china_kg, common.short_kg, common.stockout))
        """Each stock's China-sourced demand, the part of it unmet, and its days stocked out, after the warm-up."""
        self.china_share = r.stock_china_share[stocks]
        """The share of each stock's demand sourced from China."""

    @functools.cached_property
    def status(self) -> np.ndarray:
        return self.records.needs["status"][self.needs]

    @functools.cached_property
    def delivered(self) -> np.ndarray:
        return self.status == DELIVERED

    @functools.cached_property
    def censored(self) -> np.ndarray:
        """Needs waiting, in production or in transit at the horizon."""
        return (self.status == PENDING) | (self.status == IN_TRANSIT)

    @functools.cached_property
    def withdrawn(self) -> np.ndarray:
        return self.status == WITHDRAWN

    @functools.cached_property
    def arrived(self) -> np.ndarray:
        """Indices of the needs delivered."""
        return self.needs[self.delivered]

    def stage(self, start: str, end: str) -> np.ndarray:
        """Days from one stage of each delivered need's life to another (``Records.needs`` columns)."""
        return self.common.stages[start, end][self.arrived]

    @functools.cached_property
    def delay(self) -> np.ndarray:
        return self.stage("t_ordered", "t_delivered")

    @functools.cached_property
    def delay_or_age(self) -> np.ndarray:
        """The delay of delivered needs, and the age at the horizon of the censored."""
        age = self.records.horizon_days - self.records.needs["t_ordered"][self.needs]
        return np.concatenate([self.delay, age[self.censored]])

    @functools.cached_property
    def retried(self) -> np.ndarray:
        return self.records.needs["attempts"][self.arrived] > 1

    @functools.cached_property
    def licensed(self) -> np.ndarray:
        return self.records.needs["licensed"][self.arrived]

    @functools.cached_property
    def vetted(self) -> np.ndarray:
        return self.records.needs["vetted"][self.arrived]

    @functools.cached_property
    def attempts(self) -> int:
        """Attempts begun after the warm-up: those that failed, and those under way or done."""
        c, f = self.common, self.records.failures
        return (self.group_needs[f["need"]] & c.attempt_started).sum() + (self.group_needs & c.open_attempt).sum()

    @functools.cached_property
    def _failed(self) -> np.ndarray:
        return self.group_needs[self.records.failures["need"]] & self.common.failed_counted

    @functools.cached_property
    def at_export(self) -> np.ndarray:
        """For each failure, whether it was at export (else before production)."""
        return self.records.failures["at_export"][self._failed]

    def failures(self, reason: str) -> int:
        """Failures for ``reason`` (``sim.model.records.REASON_CODE``)."""
        return (self.records.failures["reason"][self._failed] == REASON_CODE[reason]).sum()

    @functools.cached_property
    def delivered_kg(self) -> float:
        o = self.records.needs
        return o["quantity_kg"][self.stocks[o["stock"]] & self.common.delivered_counted].sum()

    @functools.cached_property
    def alternative_kg(self) -> float:
        alternative = self.records.alternative
        return alternative["quantity_kg"][self.stocks[alternative["stock"]] & self.common.alternative_counted].sum()

    @functools.cached_property
    def approved(self) -> np.ndarray:
        return self.apps & self.records.applications["approved"]

    @functools.cached_property
    def judged(self) -> np.ndarray:
        """Applications decided, not withdrawn."""
        return self.apps & self.common.decided & ~self.common.withdrawn

    @functools.cached_property
    def refused(self) -> np.ndarray:
        """Applications refused at the authority's discretion."""
        return self.judged & (self.records.applications["reason"] == REASON_CODE["discretionary"])

    @functools.cached_property
    def queued(self) -> np.ndarray:
        """Applications that joined a queue (not refused at filing)."""
        return self.apps & self.common.filed


def _timeseries(scenario: Scenario, r: Records, shape: Layout) -> np.ndarray:
    n_months, n_materials, n_dest = len(shape.months), len(shape.materials), len(shape.destinations)
    series = np.zeros((n_months, n_materials, n_dest, len(TIMESERIES_COLUMNS)))
    groups = list(scenario.buyers.values())
    group_dest = np.array([shape.destinations.index(g.destination) for g in groups], dtype=int)
    stock_dest = group_dest[r.firm_group[r.stock_firm]]
    month, stock_material = r.interval_month, r.stock_material
    cell = (month[None, :], stock_material[:, None], stock_dest[:, None])
    np.add.at(series[..., 0], cell, r.stock_demand_kg)
    np.add.at(series[..., 1], cell, r.stock_unmet_kg)
    boundaries = r.interval_start_days
    for column, times in ((2, r.needs["t_delivered"]), (3, r.needs["t_exported"])):
        done = ~np.isnan(times)
        stock = r.needs["stock"][done]
        months = month[np.searchsorted(boundaries, times[done], side="right") - 1]
        cells = (months, stock_material[stock], stock_dest[stock])
        np.add.at(series[..., column], cells, r.needs["quantity_kg"][done])
    return series


def _exporter_months(scenario: Scenario, r: Records) -> np.ndarray:
    """Each exporter's capacity, output and order book at the end of every month (``EXPORTER_COLUMNS``)."""
    month_start = r.interval_start_days[np.flatnonzero(np.diff(r.interval_month, prepend=-1))]
    edges = np.append(month_start, r.horizon_days)
    series = np.zeros((len(month_start), len(r.exporters), len(EXPORTER_COLUMNS)))
    off = scenario.called_off()
    p = r.production
    for e, name in enumerate(r.exporters):
        days, rates = (np.asarray(x) for x in capacity_curve(scenario, name, off, month_start.tolist()))
        cumulative = np.concatenate([[0.0], np.cumsum(rates[:-1] * np.diff(days))])

        def output(t: np.ndarray, days: np.ndarray = days, rates: np.ndarray = rates,
                   cumulative: np.ndarray = cumulative) -> np.ndarray:
            k = np.searchsorted(days, t, side="right") - 1
            return cumulative[k] + rates[k] * (t - days[k])

        mine = p["exporter"] == e
        started, made, kg = p["t_started"][mine], p["t_made"][mine], p["quantity_kg"][mine]
        at = np.clip(edges[:, None], started[None, :], made[None, :])  # how far each order is made by each edge
        made_by = (output(at) - output(started)[None, :]).sum(axis=1)
        booked_by = (kg[None, :] * (p["t_booked"][mine][None, :] < edges[:, None])).sum(axis=1)
        capacity = output(edges)
        series[:, e, 0] = np.diff(capacity)
        series[:, e, 1] = np.diff(made_by)
        series[:, e, 2] = np.maximum(booked_by - made_by, 0.0)[1:]  # not below 0 by rounding
    return series
