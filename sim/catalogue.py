"""What is measured: every metric's name, label, unit and definition, in one place.

The per-replication computation is ``sim.runs.metrics``; tables, plots, the report and the
command line take their labels from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One per-replication metric."""

    name: str
    label: str
    """What tables and plots call it, with its unit."""
    unit: str
    definition: str
    all_only: bool = False
    """Measured for all buyers together only (not per sector, destination, material or group)."""


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("orders", "orders placed", "orders", "orders placed after the warm-up"),
    Metric("delivered_orders", "orders delivered", "orders", "orders delivered by the horizon"),
    Metric("rejected_orders", "orders refused", "orders",
           "orders refused before production (ban, VEU, no licence, discretionary, vetting)"),
    Metric("cancelled_orders", "orders cancelled at export", "orders",
           "orders stopped at export (revoked or expired licence, VEU or ban by then)"),
    Metric("censored_orders", "orders undelivered at the horizon", "orders",
           "orders still undelivered at the horizon (right-censored)"),
    Metric("censored_fraction", "orders undelivered at the horizon (censored)", "share", "censored orders / orders"),
    Metric("delay_days", "delivery delay, days (delivered orders)", "days",
           "mean delay from order to delivery, delivered orders"),
    Metric("delay_days_restricted", "delivery delay, days (censored at their age)", "days",
           "mean delay counting censored orders at their age at the horizon (a lower bound)"),
    Metric("delay_p95_days", "95th percentile of delivery delay, days", "days",
           "95th percentile of delay, delivered orders"),
    Metric("licence_wait_days", "licence wait, days", "days",
           "mean time from order to licence in hand, delivered orders"),
    Metric("vetting_days", "vetting, days", "days",
           "mean per-shipment vetting time (general licences), delivered orders"),
    Metric("production_days", "production, days", "days", "mean time from authorisation to export, delivered orders"),
    Metric("transit_days", "transit, days", "days", "mean time from export to delivery, delivered orders"),
    Metric("demand_kg", "demand, kg", "kg", "demand after the warm-up (China-sourced and other)"),
    Metric("shortfall_kg", "shortfall, kg", "kg", "demand that found the stock empty"),
    Metric("shortfall_fraction", "supply shortfall fraction", "share", "shortfall_kg / demand_kg"),
    Metric("stockout_days", "stock-out days per firm and material", "days",
           "mean days stocked out per firm and material"),
    Metric("stocked_out_share", "share of stocks that ran out", "share",
           "share of firm-material stocks that ran out at least once"),
    Metric("delivered_kg", "delivered from China, kg", "kg", "China-sourced kilograms delivered"),
    Metric("alternative_kg", "delivered by alternative supply, kg", "kg",
           "kilograms delivered by alternative (non-China) supply"),
    Metric("applications", "licence applications", "applications", "licence applications filed"),
    Metric("approvals", "applications approved", "applications", "applications granted"),
    Metric("approval_share", "approval share", "share", "approvals / applications decided"),
    Metric("rejections_discretionary", "refused at the authority's discretion", "applications",
           "applications refused at the authority's discretion"),
    Metric("rejections_veu", "refused by the VEU rule", "orders",
           "orders refused or cancelled by the VEU rule (no review: automatic)"),
    Metric("rejections_ban", "refused by a ban", "orders", "orders refused or cancelled because of a destination ban"),
    Metric("review_days", "time in review, days", "days",
           "mean time from application to decision, reviewed applications"),
    Metric("queue_wait_days", "wait for a reviewer, days", "days", "mean time an application waits for a reviewer"),
    Metric("revocations", "licences revoked", "licences", "licences revoked", all_only=True),
    Metric("queue_length", "applications waiting (time average)", "applications",
           "time-average number of applications waiting for a reviewer", all_only=True),
)}
"""Every metric, in the order of the results' tables."""

