"""What is measured: every metric's name, label, unit, definition, computation and range, in one place.

A *need* is one firm's order of one material, from its first request to delivery: refused or
cancelled attempts are tried again as the same need. Each metric is computed, for every group of
buyers in every replication, from a ``sim.runs.metrics.Group`` (that group's needs, failures, stocks
and applications in the replication's records); tables, plots, the report and the command line take
their labels from here, and confidence intervals are kept inside each metric's range.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Metric:
    """One per-replication metric."""

    name: str
    label: str
    """What tables and plots call it, with its unit."""
    unit: str
    definition: str
    compute: Callable[[Any], float]
    """Its value for one group in one replication, from the group's ``sim.runs.metrics.Group``: NaN where there is
    nothing to measure (the delay of a group that received nothing)."""
    all_only: bool = False
    """Measured for all buyers together only (not per sector, destination, material or group)."""

    @property
    def bounds(self) -> tuple[float, float]:
        """The range the metric can take: shares within [0, 1], everything else non-negative."""
        return (0.0, 1.0) if self.unit == "share" else (0.0, math.inf)


def mean(values: np.ndarray) -> float:
    """The mean, NaN of nothing."""
    return float(values.mean()) if values.size else math.nan


def ratio(numerator: float, denominator: float) -> float:
    """The ratio, NaN of a denominator of nothing."""
    return float(numerator / denominator) if denominator > 0 else math.nan


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("needs", "needs", "needs", "needs placed with China after the warm-up, each once however often tried",
           lambda g: float(len(g.needs))),
    Metric("attempts", "attempts", "attempts", "attempts begun after the warm-up: first tries and retries",
           lambda g: float(g.attempts)),
    Metric("delivered_needs", "needs delivered", "needs", "needs delivered by the horizon",
           lambda g: float(g.delivered.sum())),
    Metric("withdrawn_needs", "needs withdrawn", "needs",
           "needs the firm no longer needed at a retry (met by alternative supply, or folded into one order)",
           lambda g: float(g.withdrawn.sum())),
    Metric("censored_needs", "needs undelivered at the horizon", "needs",
           "needs still waiting, in production or in transit at the horizon (right-censored)",
           lambda g: float(g.censored.sum())),
    Metric("censored_fraction", "needs undelivered at the horizon (censored)", "share", "censored needs / needs",
           lambda g: ratio(g.censored.sum(), len(g.needs))),
    Metric("refused_attempts", "attempts refused", "attempts",
           "attempts refused before production after the warm-up (ban, VEU, no licence, licence refused, vetting)",
           lambda g: float((~g.at_export).sum())),
    Metric("cancelled_attempts", "attempts cancelled at export", "attempts",
           "attempts stopped at export after the warm-up (licence revoked or expired, VEU or a ban by then)",
           lambda g: float(g.at_export.sum())),
    Metric("rejections_ban", "attempts refused by a ban", "attempts",
           "attempts refused or cancelled because of a ban on the destination (the firm then waits for its end)",
           lambda g: float(g.failures("ban"))),
    Metric("rejections_veu", "attempts refused by the VEU rule", "attempts",
           "attempts refused or cancelled under the VEU rule (the firm then knows it is listed)",
           lambda g: float(g.failures("veu"))),
    Metric("rejections_listed", "attempts refused to listed firms", "attempts",
           "attempts refused or cancelled because China put the firm on its control list (an entity listing)",
           lambda g: float(g.failures("listed"))),
    Metric("rejections_discretionary", "attempts whose licence was refused", "attempts",
           "attempts that failed because the authority refused their licence application",
           lambda g: float(g.failures("discretionary"))),
    Metric("delay_days", "delivery delay, days (delivered needs)", "days",
           "mean time from a need's first request to its delivery, delivered needs",
           lambda g: mean(g.delay)),
    Metric("delay_days_restricted", "delivery delay, days (censored at their age)", "days",
           "mean delay counting censored needs at their age at the horizon (a lower bound)",
           lambda g: mean(g.delay_or_age)),
    Metric("delay_p95_days", "95th percentile of delivery delay, days", "days",
           "95th percentile of delay, delivered needs",
           lambda g: float(np.percentile(g.delay, 95)) if g.delay.size else math.nan),
    Metric("lost_days", "time lost to failed attempts, days", "days",
           "mean time from first request to the last attempt, delivered needs that failed at least once",
           lambda g: mean(g.stage("t_ordered", "t_attempt")[g.retried])),
    Metric("retried_share", "share of delivered needs tried more than once", "share",
           "delivered needs that failed at least once / delivered needs",
           lambda g: mean(g.retried)),
    Metric("licence_wait_days", "licence wait, days", "days",
           "mean wait for a licence, delivered needs whose last attempt needed one",
           lambda g: mean(g.stage("t_attempt", "t_licensed")[g.licensed])),
    Metric("licensed_share", "share of delivered needs under a licence", "share",
           "delivered needs that needed a licence / delivered needs",
           lambda g: mean(g.licensed)),
    Metric("vetting_days", "vetting, days", "days", "mean per-shipment vetting time, delivered needs that were vetted",
           lambda g: mean(g.stage("t_licensed", "t_vetted")[g.vetted])),
    Metric("vetted_share", "share of delivered needs vetted", "share", "delivered needs that were vetted / delivered",
           lambda g: mean(g.vetted)),
    Metric("production_days", "production, days", "days", "mean time from authorisation to goods ready, delivered",
           lambda g: mean(g.stage("t_vetted", "t_exported"))),
    Metric("transit_days", "transit, days", "days", "mean time from export to delivery, delivered needs",
           lambda g: mean(g.stage("t_exported", "t_delivered"))),
    Metric("demand_kg", "demand sourced from China, kg", "kg", "China-sourced demand after the warm-up",
           lambda g: float(g.china_kg.sum())),
    Metric("shortfall_kg", "shortfall of China-sourced demand, kg", "kg", "demand that found the stock empty",
           lambda g: float(g.short_kg.sum())),
    Metric("shortfall_fraction", "supply shortfall, share of China-sourced demand", "share",
           "shortfall / China-sourced demand; across materials weighted by price (kilograms if no prices)",
           lambda g: ratio((g.value * g.short_kg).sum(), (g.value * g.china_kg).sum())),
    Metric("shortfall_fraction_all_sources", "supply shortfall, share of all demand", "share",
           "shortfall / all demand (China and other sources); across materials weighted by price",
           lambda g: ratio((g.value * g.short_kg).sum(), (g.value * g.china_kg / g.china_share).sum())),
    Metric("stockout_days", "stock-out days per firm and material", "days",
           "mean days stocked out per firm and material",
           lambda g: mean(g.stockout_days)),
    Metric("stocked_out_share", "share of stocks that ran out", "share",
           "share of firm-material stocks that ran out at least once",
           lambda g: mean(g.stockout_days > 0)),
    Metric("delivered_kg", "delivered from China, kg", "kg", "China-sourced kilograms delivered",
           lambda g: float(g.delivered_kg)),
    Metric("alternative_kg", "delivered by alternative supply, kg", "kg",
           "kilograms delivered by alternative (non-China) supply",
           lambda g: float(g.alternative_kg)),
    Metric("applications", "licence applications", "applications", "licence applications filed",
           lambda g: float(g.apps.sum())),
    Metric("approvals", "applications approved", "applications", "applications granted",
           lambda g: float(g.approved.sum())),
    Metric("approval_share", "approval share", "share", "approvals / applications decided (not withdrawn)",
           lambda g: ratio((g.judged & g.approved).sum(), g.judged.sum())),
    Metric("applications_refused", "applications refused at discretion", "applications",
           "applications the authority refused at its discretion",
           lambda g: float(g.refused.sum())),
    Metric("applications_withdrawn", "applications withdrawn", "applications",
           "applications withdrawn because controls were lifted while they waited",
           lambda g: float((g.apps & g.common.withdrawn).sum())),
    Metric("applications_pending", "applications undecided at the horizon", "applications",
           "applications still waiting or in review at the horizon (right-censored)",
           lambda g: float((g.apps & ~g.common.decided).sum())),
    Metric("review_days", "time to a decision, days (decided)", "days",
           "mean time from application to decision, applications reviewed and decided",
           lambda g: mean(g.common.decision_days[g.judged & g.common.started])),
    Metric("review_days_restricted", "time to a decision, days (undecided at their age)", "days",
           "mean time to decision counting undecided applications at their age at the horizon (a lower bound)",
           lambda g: mean(g.common.decision_days[g.queued & ~g.common.withdrawn])),
    Metric("queue_wait_days", "wait for a reviewer, days (started)", "days",
           "mean time an application waited for a reviewer, applications whose review started",
           lambda g: mean(g.common.queue_days[g.apps & g.common.started])),
    Metric("queue_wait_days_restricted", "wait for a reviewer, days (waiting at their age)", "days",
           "mean wait for a reviewer counting applications still waiting at their age at the horizon",
           lambda g: mean(g.common.queue_days_restricted[g.queued])),
    Metric("revocations", "licences revoked", "licences", "licences revoked",
           lambda g: float(g.records.revocations), all_only=True),
    Metric("queue_length", "applications waiting (time average)", "applications",
           "time-average number of applications waiting for a reviewer",
           lambda g: g.records.queue_length_mean, all_only=True),
)}
"""Every metric, in the order of the results' tables."""


def unknown_metric(name: str) -> str:
    """What to say of a metric name the catalogue does not have: the metrics it begins, else those most like it."""
    close = [metric for metric in METRICS if metric.startswith(name)][:4] or difflib.get_close_matches(
        name, list(METRICS), n=3)
    hint = f"; did you mean {_either(close)}?" if close else ""
    return f"unknown metric {name!r}{hint} (every metric: README, Outputs, or sim/catalogue.py)"


def _either(names: list[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
