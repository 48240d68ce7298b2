"""What one replication leaves behind: compact numpy arrays, one row per order, application, stock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario.sections import LICENCE_KINDS

STATUSES = ("pending", "in_transit", "delivered", "withdrawn")
"""Where a need stands: waiting (for a licence, a retry, the end of a ban or listing), in production or
transit, delivered, or withdrawn (no longer needed after a failed attempt)."""
PENDING, IN_TRANSIT, DELIVERED, WITHDRAWN = range(len(STATUSES))
REASONS = ("", "ban", "veu", "discretionary", "vetting", "unavailable", "revoked", "expired", "withdrawn", "listed",
           "partial")
"""Why an attempt or an application failed; "" if it did not."""
REASON_CODE = {reason: code for code, reason in enumerate(REASONS)}
KIND_CODE = {kind: code for code, kind in enumerate(LICENCE_KINDS)}
"""Licence kind codes; -1 for an order that needed no licence."""

NEED_COLUMNS = {
    "stock": "i8", "quantity_kg": "f8", "t_ordered": "f8", "t_attempt": "f8", "attempts": "i4", "t_licensed": "f8",
    "t_vetted": "f8", "t_exported": "f8", "t_delivered": "f8", "t_closed": "f8", "status": "i1",
    "reason": "i1", "licence": "i1", "licensed": "?", "vetted": "?",
}  # fmt: skip
"""One row per need: its first request, its last attempt's stages (licence in hand, vetted, exported,
delivered), its status and the reason its last failed attempt failed."""
FAILURE_COLUMNS = {
    "need": "i8", "t_attempt": "f8", "t_failed": "f8", "quantity_kg": "f8", "reason": "i1", "at_export": "?",
}  # fmt: skip
"""One row per failed attempt: refused before production, or cancelled at export."""
APPLICATION_COLUMNS = {
    "firm": "i8", "exporter": "i2", "material": "i2", "licence": "i1", "priority": "i1", "renewal": "?",
    "t_applied": "f8", "t_started": "f8", "t_decided": "f8", "approved": "?", "reason": "i1",
}  # fmt: skip
"""One row per application: the customer (firm) and the exporter that filed it for the customer (-1: a material
without exporters)."""
ALTERNATIVE_COLUMNS = {"stock": "i8", "t_requested": "f8", "t_delivered": "f8", "quantity_kg": "f8"}
PRODUCTION_COLUMNS = {"exporter": "i2", "t_booked": "f8", "t_started": "f8", "t_made": "f8", "quantity_kg": "f8"}
"""One row per order booked on an exporter's line: booked (licensed and vetted), making started (the order book
ahead of it made), made."""


@dataclass(frozen=True)
class Records:
    """Everything measured in one replication. Times are days since the scenario's start.

    Stock arrays have one row per (firm, material) stock and one column per accounting interval;
    intervals start at ``interval_start_days`` and belong to month ``interval_month``.
    """

    horizon_days: float
    warmup_days: float
    materials: tuple[str, ...]
    groups: tuple[str, ...]
    exporters: tuple[str, ...]
    months: tuple[str, ...]
    interval_start_days: np.ndarray
    interval_month: np.ndarray
    firm_group: np.ndarray
    firm_flagged: np.ndarray
    stock_firm: np.ndarray
    stock_material: np.ndarray
    stock_exporter: np.ndarray
    """The exporter each stock buys from (-1: none, its material has no exporters)."""
    stock_china_share: np.ndarray
    stock_initial_kg: np.ndarray
    stock_level_kg: np.ndarray
    stock_on_order_kg: np.ndarray
    stock_demand_kg: np.ndarray
    stock_unmet_kg: np.ndarray
    stock_stockout_days: np.ndarray
    needs: dict[str, np.ndarray]
    failures: dict[str, np.ndarray]
    applications: dict[str, np.ndarray]
    alternative: dict[str, np.ndarray]
    production: dict[str, np.ndarray]
    revocations: int
    queue_length_mean: float
    events: int


def columns(rows: list[tuple], spec: dict[str, str]) -> dict[str, np.ndarray]:
    """Turn a list of row tuples into named numpy columns of the given dtypes."""
    if not rows:
        return {name: np.empty(0, dtype=dtype) for name, dtype in spec.items()}
    values = zip(*rows, strict=True)
    return {name: np.asarray(col, dtype=dtype) for (name, dtype), col in zip(spec.items(), values, strict=True)}
