"""What one replication leaves behind: compact numpy arrays, one row per order, application, stock."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
    months: tuple[str, ...]
    interval_start_days: np.ndarray
    interval_month: np.ndarray
    firm_group: np.ndarray
    firm_flagged: np.ndarray
    stock_firm: np.ndarray
    stock_material: np.ndarray
    stock_initial_kg: np.ndarray
    stock_level_kg: np.ndarray
    stock_on_order_kg: np.ndarray
    stock_demand_kg: np.ndarray
    stock_unmet_kg: np.ndarray
    stock_stockout_days: np.ndarray
    orders: dict[str, np.ndarray]
    applications: dict[str, np.ndarray]
    alternative: dict[str, np.ndarray]
    revocations: int
    queue_length_mean: float
    events: int


def columns(rows: list[tuple], names: tuple[str, ...], dtypes: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Turn a list of row tuples into named numpy columns (empty columns when there are no rows)."""
    if not rows:
        return {name: np.empty(0, dtype=dtype) for name, dtype in zip(names, dtypes, strict=False)}
    transposed = list(zip(*rows, strict=False))
    return {name: np.asarray(col, dtype=dtype) for name, col, dtype in zip(names, transposed, dtypes, strict=False)}
