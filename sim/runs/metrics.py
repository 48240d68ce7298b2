"""Per-replication metrics (defined in ``sim.catalogue``), for every group of buyers.

Groups are ``all``, ``sector:<s>``, ``destination:<d>``, ``material:<m>`` and ``buyer:<group>``.
Only what happens after the warm-up counts: orders and applications filed after it, demand
consumed after it. A metric with nothing to measure in a replication (say, the delay of a group
that received nothing) is NaN there, and summaries count only the replications that have it.
"""

from __future__ import annotations

import difflib
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
    values = {}
    common = _Common(records)
    for group in shape.groups:
        for metric, value in _group_metrics(records, common, weight, *selectors[group]).items():
            values[(metric, group)] = value
    values[("revocations", "all")] = float(records.revocations)
    values[("queue_length", "all")] = records.queue_length_mean
    return Measurement(
        values=np.array([values[key] for key in shape.keys]),
        timeseries=_timeseries(scenario, records, shape).astype(np.float32),
        exporters=_exporter_months(scenario, records).astype(np.float32),
        delay_counts=_delay_counts(records),
    )


def _delay_counts(r: Records) -> np.ndarray:
    o = r.orders
    placed = o["t_ordered"] >= r.warmup_days
    status = o["status"][placed]
    delay = (o["t_delivered"] - o["t_ordered"])[placed][status == DELIVERED]
    counts = np.zeros(int(r.horizon_days) + 1, dtype=np.int64)
    np.add.at(counts, np.minimum(delay.astype(np.int64), len(counts) - 2), 1)
    counts[-1] = ((status == PENDING) | (status == IN_TRANSIT)).sum()
    return counts


def _selectors(scenario: Scenario, r: Records) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """For each group, boolean masks over (stocks, orders, applications)."""
    groups = list(scenario.buyers.values())
    stock_group = r.firm_group[r.stock_firm]
    app_group = r.firm_group[r.applications["firm"]]

    def masks(stock_pick: np.ndarray, app_pick: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return stock_pick, stock_pick[r.orders["stock"]], app_pick

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


class _Common:
    """What every group's metrics take from the records whatever the group: computed once a replication."""

    def __init__(self, r: Records) -> None:
        o, f, a = r.orders, r.failures, r.applications
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
        self.to_decision = np.where(self.decided, a["t_decided"], r.horizon_days) - a["t_applied"]
        left_queue = np.fmin(a["t_started"], np.where(self.withdrawn, a["t_decided"], r.horizon_days))
        self.queue_wait = a["t_started"] - a["t_applied"]
        self.queue_wait_restricted = left_queue - a["t_applied"]


def _group_metrics(r: Records, c: _Common, weight: np.ndarray, stocks: np.ndarray, needs: np.ndarray,
                   apps: np.ndarray) -> dict[str, float]:
    """Every metric of ``sim.catalogue`` but those for all buyers only, for the stocks, needs and applications
    of one group; ``weight`` is the value of a kilogram of each stock's material."""
    o, f, a = r.orders, r.failures, r.applications
    group_needs, needs = needs, np.flatnonzero(needs & c.placed)  # indices: most groups are small
    status = o["status"][needs]
    delivered = status == DELIVERED
    censored = (status == PENDING) | (status == IN_TRANSIT)
    n_needs = len(needs)
    arrived = needs[delivered]

    def stage(start: str, end: str) -> np.ndarray:
        return c.stages[start, end][arrived]

    delay = stage("t_ordered", "t_delivered")
    lost = stage("t_ordered", "t_attempt")
    licence_wait = stage("t_attempt", "t_licensed")
    retried = o["attempts"][arrived] > 1
    licensed = o["licensed"][arrived]
    vetted = o["vetted"][arrived]
    age = r.horizon_days - o["t_ordered"][needs]
    of_group = group_needs[f["need"]]
    failed = of_group & c.failed_counted
    reason = f["reason"][failed]
    at_export = f["at_export"][failed]
    started = (of_group & c.attempt_started).sum() + (group_needs & c.open_attempt).sum()

    china_kg, short_kg, stockout = c.china_kg[stocks], c.short_kg[stocks], c.stockout[stocks]
    value = weight[stocks]
    alternative_stock = stocks[r.alternative["stock"]] & c.alternative_counted

    apps = apps & c.applied
    withdrawn = c.withdrawn
    decided = apps & c.decided
    judged = decided & ~withdrawn
    queued = apps & c.filed
    reviewed = judged & c.started
    return {
        "orders": float(n_needs),
        "attempts": float(started),
        "delivered_orders": float(delivered.sum()),
        "withdrawn_orders": float((status == WITHDRAWN).sum()),
        "censored_orders": float(censored.sum()),
        "censored_fraction": _ratio(censored.sum(), n_needs),
        "refused_attempts": float((~at_export).sum()),
        "cancelled_attempts": float(at_export.sum()),
        "rejections_ban": float((reason == REASON_CODE["ban"]).sum()),
        "rejections_veu": float((reason == REASON_CODE["veu"]).sum()),
        "rejections_listed": float((reason == REASON_CODE["listed"]).sum()),
        "rejections_discretionary": float((reason == REASON_CODE["discretionary"]).sum()),
        "delay_days": _mean(delay),
        "delay_days_restricted": _mean(np.concatenate([delay, age[censored]])),
        "delay_p95_days": float(np.percentile(delay, 95)) if delay.size else np.nan,
        "lost_days": _mean(lost[retried]),
        "retried_share": _mean(retried),
        "licence_wait_days": _mean(licence_wait[licensed]),
        "licensed_share": _mean(licensed),
        "vetting_days": _mean(stage("t_licensed", "t_vetted")[vetted]),
        "vetted_share": _mean(vetted),
        "production_days": _mean(stage("t_vetted", "t_exported")),
        "transit_days": _mean(stage("t_exported", "t_delivered")),
        "demand_kg": float(china_kg.sum()),
        "shortfall_kg": float(short_kg.sum()),
        "shortfall_fraction": _ratio((value * short_kg).sum(), (value * china_kg).sum()),
        "shortfall_fraction_all_sources": _ratio((value * short_kg).sum(),
                                                 (value * china_kg / r.stock_china_share[stocks]).sum()),
        "stockout_days": _mean(stockout),
        "stocked_out_share": _mean(stockout > 0),
        "delivered_kg": float(o["quantity_kg"][stocks[o["stock"]] & c.delivered_counted].sum()),
        "alternative_kg": float(r.alternative["quantity_kg"][alternative_stock].sum()),
        "applications": float(apps.sum()),
        "approvals": float((apps & a["approved"]).sum()),
        "approval_share": _ratio((judged & a["approved"]).sum(), judged.sum()),
        "applications_refused": float((judged & (a["reason"] == REASON_CODE["discretionary"])).sum()),
        "applications_withdrawn": float((apps & withdrawn).sum()),
        "applications_pending": float((apps & ~c.decided).sum()),
        "review_days": _mean(c.to_decision[reviewed]),
        "review_days_restricted": _mean(c.to_decision[queued & ~withdrawn]),
        "queue_wait_days": _mean(c.queue_wait[apps & c.started]),
        "queue_wait_days_restricted": _mean(c.queue_wait_restricted[queued]),
    }


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
    for column, times in ((2, r.orders["t_delivered"]), (3, r.orders["t_exported"])):
        done = ~np.isnan(times)
        stock = r.orders["stock"][done]
        months = month[np.searchsorted(boundaries, times[done], side="right") - 1]
        cells = (months, stock_material[stock], stock_dest[stock])
        np.add.at(series[..., column], cells, r.orders["quantity_kg"][done])
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


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if values.size else np.nan


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else np.nan
