"""Plots of sweep and discovery tables (``sim sweep``, ``sim discover``): the metric along each parameter, the
design's indices, the emulator's check, the box that discovery finds. Each takes tables and returns a matplotlib
``Figure``, built without pyplot."""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.catalogue import METRICS
from sim.report.plots import panels


def sweep_lines(points: pd.DataFrame, params: list[str], metric: str, threshold: float | None = None) -> Figure:
    """The metric's mean (95 % CI band) against each swept parameter, the others held fixed."""
    fig, axes = panels(len(params), 6, 4.2)
    for path, ax in zip(params, axes, strict=True):
        others = [p for p in params if p != path]
        lines = list(points.groupby(others, dropna=False)) if others else [((), points)]
        lines = [(fixed, line) for fixed, line in lines if line[path].nunique() > 1][:6]
        for fixed, line in lines:
            line = line.sort_values(path)
            x = pd.to_datetime(line[path]) if isinstance(line[path].iloc[0], str) else line[path]
            label = ", ".join(f"{o.rsplit('.', 1)[-1]}={v}" for o, v in zip(others, np.atleast_1d(fixed),
                                                                          strict=True)) or None
            ax.plot(x, line[f"{metric}:mean"], marker="o", label=label)
            ax.fill_between(x, line[f"{metric}:ci_low"], line[f"{metric}:ci_high"], alpha=0.2)
        if threshold is not None:
            ax.axhline(threshold, color="C3", linestyle="--", label=f"threshold {threshold:g}")
        ax.set_xlabel(path)
        ax.set_ylabel(textwrap.fill(f"{METRICS[metric].label} (95 % CI)", 34))
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[1]:
            ax.legend(fontsize="x-small")
    fig.suptitle(f"{METRICS[metric].label} across the sweep")
    return fig


def sweep_scatter(points: pd.DataFrame, params: list[str], metric: str, threshold: float | None = None) -> Figure:
    """The metric's mean at every point against each parameter (a space-filling design has no lines to follow)."""
    fig, axes = panels(len(params), 5, 4)
    y = points[f"{metric}:mean"]
    for path, ax in zip(params, axes, strict=True):
        x = pd.to_datetime(points[path]) if isinstance(points[path].iloc[0], str) else points[path]
        above = y > threshold if threshold is not None else np.zeros(len(y), dtype=bool)
        ax.scatter(x[~above], y[~above], s=12, color="C0", alpha=0.7)
        if threshold is not None:
            ax.scatter(x[above], y[above], s=12, color="C3", alpha=0.7, label=f"above {threshold:g}")
            ax.axhline(threshold, color="C3", linestyle="--")
            ax.legend(fontsize="x-small")
        ax.set_xlabel(path)
        ax.set_ylabel(textwrap.fill(METRICS[metric].label, 34))
        ax.grid(alpha=0.3)
    fig.suptitle(f"{METRICS[metric].label} at each point of the design")
    return fig


def sweep_heatmap(points: pd.DataFrame, x: str, y: str, metric: str) -> Figure:
    """The metric's mean over a two-parameter grid."""
    table = points.pivot_table(index=y, columns=x, values=f"{metric}:mean")
    fig = Figure(figsize=(7, 5.5), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(table.to_numpy(), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(table.columns)), [f"{v:g}" if isinstance(v, float) else v for v in table.columns],
                  rotation=30)
    ax.set_yticks(range(len(table.index)), [f"{v:g}" if isinstance(v, float) else v for v in table.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(image, ax=ax, label=f"{METRICS[metric].label} (mean)")
    ax.set_title(f"{METRICS[metric].label} over the grid")
    return fig


def tornado(points: pd.DataFrame, params: list[str], metric: str) -> Figure:
    """One-at-a-time: how far the metric moves from the base point at each parameter's lowest and highest level."""
    base = points.iloc[0]
    centre = base[f"{metric}:mean"]
    spans = []
    for path in params:
        arm = points[(points[path] != base[path])]
        arm = arm[[all(arm_row[o] == base[o] for o in params if o != path) for _, arm_row in arm.iterrows()]]
        low = arm.loc[arm[path].idxmin()] if not arm.empty else base
        high = arm.loc[arm[path].idxmax()] if not arm.empty else base
        spans.append((path, low[f"{metric}:mean"] - centre, high[f"{metric}:mean"] - centre, low[path], high[path]))
    spans.sort(key=lambda s: max(abs(s[1]), abs(s[2])))
    fig = Figure(figsize=(8, 1.2 + 0.6 * len(spans)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(spans))
    ax.barh(y, [s[1] for s in spans], color="C0", label="lowest level")
    ax.barh(y, [s[2] for s in spans], color="C1", label="highest level")
    ax.set_yticks(y, [f"{s[0]}\n({s[3]} to {s[4]})" for s in spans], fontsize="small")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set_xlabel(f"{METRICS[metric].label}: change from the base point ({centre:.4g})")
    ax.set_title("One at a time around the base scenario")
    ax.legend(fontsize="small")
    return fig


def morris_plot(indices: pd.DataFrame, metric: str) -> Figure:
    """Morris screening: mean absolute elementary effect (mu*) against its spread (sigma)."""
    fig = Figure(figsize=(7, 5), layout="constrained")
    ax = fig.add_subplot()
    ax.errorbar(indices["mu_star"], indices["sigma"], xerr=indices["mu_star_conf"], fmt="o", capsize=3)
    for row in indices.itertuples():
        ax.annotate(row.parameter, (row.mu_star, row.sigma), xytext=(4, 4), textcoords="offset points",
                    fontsize="small")
    ax.set_xlabel(f"mu*: mean |effect| on {METRICS[metric].label} over the full range (95 % CI)")
    ax.set_ylabel("sigma: spread of the effects (interactions, non-linearity)")
    ax.set_title("Morris screening")
    ax.grid(alpha=0.3)
    return fig


def sobol_plot(indices: pd.DataFrame, metric: str) -> Figure:
    """Sobol first-order (S1) and total (ST) indices with 95 % confidence intervals."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    x = np.arange(len(indices))
    ax.bar(x - 0.2, indices["S1"], 0.4, yerr=indices["S1_conf"], capsize=3, label="S1 (first order)")
    ax.bar(x + 0.2, indices["ST"], 0.4, yerr=indices["ST_conf"], capsize=3, label="ST (total)")
    ax.set_xticks(x, indices["parameter"], rotation=20, ha="right")
    ax.set_ylabel(f"share of the variance of {METRICS[metric].label}")
    ax.set_title("Sobol indices (95 % CI)")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return fig


def discovery_tradeoff(tradeoff: pd.DataFrame, bad: str) -> Figure:
    """PRIM's peeling trajectory: coverage against density of each box, coloured by the parameters it restricts;
    the chosen box circled."""
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.add_subplot()
    dots = ax.scatter(tradeoff["coverage"], tradeoff["density"], c=tradeoff["restricted"], cmap="viridis", s=18)
    chosen = tradeoff[tradeoff["chosen"]]
    ax.scatter(chosen["coverage"], chosen["density"], s=160, facecolors="none", edgecolors="C3", linewidths=1.5,
               label=f"chosen: box {int(chosen['box'].iloc[0])}")
    fig.colorbar(dots, ax=ax, label="parameters restricted")
    ax.set_xlabel("coverage: share of the bad points inside the box")
    ax.set_ylabel("density: share of the box's points that are bad")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    ax.set_title(f"PRIM trade-off (bad: {bad})", fontsize="medium")
    return fig


def discovery_box(box: pd.DataFrame, coverage: float, density: float) -> Figure:
    """The chosen box's limits on each restricted parameter, as a share of the range swept, with quasi-p-values."""
    fig = Figure(figsize=(7, 1.2 + 0.6 * max(len(box), 1)), layout="constrained")
    ax = fig.add_subplot()
    for k, row in enumerate(box.itertuples()):
        low, high, lower, upper = _numbers([row.swept_low, row.swept_high, row.lower, row.upper])
        span = (high - low) or 1.0
        ax.barh(k, 1.0, color="0.9")
        ax.barh(k, (upper - lower) / span, left=(lower - low) / span, color="C0", alpha=0.7)
        qp = ", ".join(f"{side} qp {v:.2g}" for side, v in (("lower", row.qp_lower), ("upper", row.qp_upper))
                       if not pd.isna(v))
        ax.text(1.02, k, f"{_limit(row.lower)} to {_limit(row.upper)}  ({qp})", va="center", fontsize="x-small")
    ax.set_yticks(range(len(box)), list(box["parameter"]), fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the range swept")
    ax.set_title(f"Chosen box: coverage {coverage:.2f}, density {density:.2f}", fontsize="medium")
    return fig


def _limit(value: Any) -> str:
    """A box limit as a label: a number to three significant figures, a date as it is."""
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return str(value)


def discovery_pairs(points: pd.DataFrame, box: pd.DataFrame) -> Figure:
    """Every pair of the restricted parameters, points coloured by outcome, the chosen box drawn."""
    params = list(box["parameter"]) if len(box) > 1 else [*box["parameter"], *[
        c for c in points.columns if c not in {"id", "outcome", "bad", *box["parameter"]}][:1]]
    pairs = list(itertools.combinations(params, 2))
    fig, axes = panels(len(pairs), 4.5, 4)
    limits = box.set_index("parameter")
    bad = points["bad"].to_numpy(dtype=bool)
    for (x, y), ax in zip(pairs, axes, strict=True):
        xs, ys = _numbers(points[x]), _numbers(points[y])
        ax.scatter(xs[~bad], ys[~bad], s=10, color="C0", alpha=0.6, label="not bad")
        ax.scatter(xs[bad], ys[bad], s=10, color="C3", alpha=0.8, label="bad")
        (x0, x1), (y0, y1) = (_box_side(limits, p, v) for p, v in ((x, xs), (y, ys)))
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor="k", linewidth=1.2))
        for axis, p in ((ax.xaxis, x), (ax.yaxis, y)):
            if isinstance(points[p].iloc[0], str):
                axis.set_major_formatter(mdates.ConciseDateFormatter(axis.get_major_locator()))
        ax.set_xlabel(x, fontsize="small")
        ax.set_ylabel(y, fontsize="small")
        ax.legend(fontsize="x-small")
    fig.suptitle("Points by outcome, and the chosen box")
    return fig


def _numbers(values: Any) -> np.ndarray:
    """Parameter values as numbers on a plot axis, dates as matplotlib date numbers (a table read back holds
    dates and numbers of different parameters in one column, as text)."""
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            out.append(mdates.date2num(dt.date.fromisoformat(str(value))))
    return np.array(out)


def _box_side(limits: pd.DataFrame, param: str, values: np.ndarray) -> tuple[float, float]:
    if param in limits.index:
        return tuple(_numbers([limits.at[param, "lower"], limits.at[param, "upper"]]))
    return float(values.min()), float(values.max())


def emulator_validation(validation: pd.DataFrame, metric: str) -> Figure:
    """Held-out predictions of the emulator against the simulated means, with 95 % predictive intervals."""
    fig = Figure(figsize=(5.5, 5), layout="constrained")
    ax = fig.add_subplot()
    ax.errorbar(validation["simulated"], validation["predicted"], yerr=1.959964 * validation["predictive_sd"],
                fmt="o", markersize=3, alpha=0.7, elinewidth=0.8)
    low = min(validation["simulated"].min(), validation["predicted"].min())
    high = max(validation["simulated"].max(), validation["predicted"].max())
    ax.plot([low, high], [low, high], color="0.4", linestyle="--", linewidth=1)
    ax.set_xlabel(f"simulated mean of {METRICS[metric].label}")
    ax.set_ylabel("emulator, predicted on held-out points (95 % interval)")
    ax.grid(alpha=0.3)
    ax.set_title("Emulator cross-validation", fontsize="medium")
    return fig
