"""Plots of run and comparison tables, each readable without the code.

Every function takes tables (as written by ``sim run`` and ``sim compare``) keyed by variant name
and returns a matplotlib ``Figure``; nothing here simulates. Figures are built without pyplot, so
they draw headless and never open a window.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

HEADLINE_DIFFERENCES = ("delay_days", "licence_wait_days", "shortfall_fraction", "stockout_days", "approval_share")
OUTCOMES = {
    "approvals": "approved",
    "rejections_discretionary": "refused (discretion)",
    "rejections_veu": "refused (VEU)",
    "rejections_ban": "refused (ban)",
    "revocations": "licences revoked",
}
LABELS = {
    "delay_days": "delivery delay (days)",
    "licence_wait_days": "licence wait (days)",
    "shortfall_fraction": "shortfall fraction",
    "stockout_days": "stock-out days per firm and material",
    "approval_share": "approval share",
}


def delay_ecdf(delays: dict[str, pd.DataFrame]) -> Figure:
    """Share of orders delivered within d days, per variant; the gap below 1 is orders never delivered in time."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for name, table in delays.items():
        finite = table[np.isfinite(table["delay_days"])]
        total = table["orders"].sum()
        share = finite["orders"].cumsum() / total if total else finite["orders"] * 0.0
        ax.step(finite["delay_days"] + 1, share, where="post", label=name)
    ax.set_xlabel("delay from order to delivery (days)")
    ax.set_ylabel("share of orders delivered within")
    ax.set_ylim(0, 1.02)
    ax.set_title("Delivery delay (orders undelivered at the horizon never reach the line)")
    ax.grid(alpha=0.3)
    ax.legend(title="variant")
    return fig


def monthly_shortfall_quantiles(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per month: p5, p25, p50, p75, p95 across replications of the shortfall fraction (all materials)."""
    per_rep = timeseries.groupby(["replication", "month"])[["demand_kg", "shortfall_kg"]].sum()
    fraction = (per_rep["shortfall_kg"] / per_rep["demand_kg"].where(per_rep["demand_kg"] > 0)).unstack("replication")
    quantiles = fraction.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    quantiles.columns = ["p5", "p25", "p50", "p75", "p95"]
    quantiles.index = pd.to_datetime(quantiles.index)
    return quantiles


def shortfall_fan(timeseries: dict[str, pd.DataFrame], events: dict[str, list[tuple[dt.date, str]]],
                  warmup_end: dt.date | None = None) -> Figure:
    """Monthly shortfall fraction per variant (median, p25-p75 and p5-p95 bands), policy events below."""
    n = len(timeseries)
    fig = Figure(figsize=(9, 2.6 * n + 1.6), layout="constrained")
    grid = fig.add_gridspec(n + 1, 1, height_ratios=[3] * n + [0.4 + 0.35 * len(events)])
    axes = [fig.add_subplot(grid[i]) for i in range(n)]
    strip = fig.add_subplot(grid[n], sharex=axes[0])
    for ax, (name, table) in zip(axes, timeseries.items(), strict=True):
        q = monthly_shortfall_quantiles(table)
        ax.fill_between(q.index, q["p5"], q["p95"], step="post", alpha=0.2, color="C0", label="p5-p95")
        ax.fill_between(q.index, q["p25"], q["p75"], step="post", alpha=0.4, color="C0", label="p25-p75")
        ax.step(q.index, q["p50"], where="post", color="C0", label="median")
        if warmup_end is not None:
            ax.axvspan(q.index.min(), pd.Timestamp(warmup_end), color="0.85", label="warm-up (not in metrics)")
        ax.set_ylabel("shortfall fraction")
        ax.set_title(f"{name}: monthly supply shortfall across replications")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small")
        ax.sharex(axes[0])
    policy_strip(strip, events)
    return fig


def policy_strip(ax, events: dict[str, list[tuple[dt.date, str]]]) -> None:
    """A timeline strip: one row per variant, a marker at each policy event.

    Events are labelled in the first row, and in other rows only where they differ from it.
    """
    first = set(next(iter(events.values()), []))
    for row, dated in enumerate(events.values()):
        labelled = [event for event in dated if row == 0 or event not in first]
        for date, _label in dated:
            ax.plot([pd.Timestamp(date)], [row], marker="|", markersize=12, color="C3")
        for k, (date, label) in enumerate(labelled):
            ax.annotate(label, (pd.Timestamp(date), row), xytext=(2, 3 + 7 * (k % 3)), textcoords="offset points",
                        fontsize=6)
    ax.set_yticks(range(len(events)), list(events))
    ax.set_ylim(-0.5, len(events) - 0.1)
    ax.set_xlabel("policy events")
    ax.grid(axis="x", alpha=0.3)


def shortfall_by_group(summaries: dict[str, pd.DataFrame]) -> Figure:
    """Shortfall fraction by sector and by material, per variant, with 95 % confidence intervals."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    for i, (prefix, title) in enumerate((("sector:", "by sector"), ("material:", "by material"))):
        ax = fig.add_subplot(1, 2, i + 1)
        _grouped_bars(ax, summaries, "shortfall_fraction", prefix)
        ax.set_title(f"Supply shortfall {title}")
        ax.set_ylabel("shortfall fraction (95 % CI)")
    return fig


def licensing_outcomes(summaries: dict[str, pd.DataFrame]) -> Figure:
    """Approvals, refusals by reason and revocations per variant (mean per replication, 95 % CI)."""
    fig = Figure(figsize=(9, 4.5), layout="constrained")
    ax = fig.add_subplot()
    width = 0.8 / len(summaries)
    for k, (name, summary) in enumerate(summaries.items()):
        rows = summary[(summary["group"] == "all")].set_index("metric").reindex(list(OUTCOMES))
        x = np.arange(len(OUTCOMES)) + (k - (len(summaries) - 1) / 2) * width
        ax.bar(x, rows["mean"], width, label=name,
               yerr=_error_bars(rows), capsize=3)
    ax.set_xticks(np.arange(len(OUTCOMES)), list(OUTCOMES.values()))
    ax.set_ylabel("per replication (95 % CI)")
    ax.set_title("Licensing outcomes")
    ax.legend(title="variant")
    ax.grid(axis="y", alpha=0.3)
    return fig


def difference_forest(table: pd.DataFrame, baseline: str, metrics: tuple[str, ...] = HEADLINE_DIFFERENCES) -> Figure:
    """Paired difference of each variant from the baseline, with its 95 % CI, one panel per metric."""
    rows = table[(table["group"] == "all") & (table["variant"] != baseline) & table["metric"].isin(metrics)]
    variants = list(dict.fromkeys(rows["variant"]))
    fig = Figure(figsize=(8, 1.1 + 0.45 * len(variants) * len(metrics)), layout="constrained")
    axes = fig.subplots(len(metrics), 1, squeeze=False)[:, 0]
    for ax, metric in zip(axes, metrics, strict=True):
        data = rows[rows["metric"] == metric].set_index("variant").reindex(variants)
        y = np.arange(len(variants))
        ax.errorbar(data["diff"], y, xerr=_error_bars(data, "diff"), fmt="o", capsize=4)
        ax.axvline(0, color="0.4", linewidth=1)
        ax.set_yticks(y, variants)
        ax.invert_yaxis()
        ax.set_xlabel(f"{LABELS.get(metric, metric)}: difference from {baseline}")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(f"Paired differences from {baseline} (95 % CI, common random numbers)")
    return fig


def _grouped_bars(ax, summaries: dict[str, pd.DataFrame], metric: str, prefix: str) -> None:
    width = 0.8 / len(summaries)
    labels: list[str] = []
    for k, (name, summary) in enumerate(summaries.items()):
        rows = summary[(summary["metric"] == metric) & summary["group"].str.startswith(prefix)]
        labels = labels or list(rows["group"].str.removeprefix(prefix))
        rows = rows.set_index(rows["group"].str.removeprefix(prefix)).reindex(labels)
        x = np.arange(len(labels)) + (k - (len(summaries) - 1) / 2) * width
        ax.bar(x, rows["mean"], width, yerr=_error_bars(rows), capsize=3, label=name)
    ax.set_xticks(np.arange(len(labels)), labels, rotation=30, ha="right")
    ax.legend(title="variant", fontsize="small")
    ax.grid(axis="y", alpha=0.3)


def _error_bars(rows: pd.DataFrame, centre: str = "mean") -> np.ndarray:
    """Asymmetric error bars from CI columns (zero where the CI is unknown)."""
    prefix = "diff_" if centre == "diff" else ""
    low = (rows[centre] - rows[f"{prefix}ci_low"]).fillna(0).clip(lower=0)
    high = (rows[f"{prefix}ci_high"] - rows[centre]).fillna(0).clip(lower=0)
    return np.vstack([low.to_numpy(), high.to_numpy()])
