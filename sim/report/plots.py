"""Plots of run and comparison tables, each readable without the code.

Every function takes tables (as written by ``sim run`` and ``sim compare``) keyed by variant name
and returns a matplotlib ``Figure``; nothing here simulates. Figures are built without pyplot, so
they draw headless and never open a window.
"""

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
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.catalogue import METRICS

HEADLINE_DIFFERENCES = ("delay_days", "delay_p95_days", "licence_wait_days", "shortfall_fraction", "stockout_days",
                        "approval_share")
OUTCOMES = ("approvals", "applications_refused", "applications_withdrawn", "revocations", "rejections_discretionary",
            "rejections_ban", "rejections_veu", "cancelled_attempts")


def delay_ecdf(delays: dict[str, pd.DataFrame]) -> Figure:
    """Share of needs delivered within d days of their first request, per variant, with the 5th-95th percentile
    band across replications; the gap below 1 is needs undelivered at the horizon. The axis stops past the
    99th percentile of delivered needs' delays, saying so, so that a few very late needs do not squeeze the rest."""
    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    reach = []
    for colour, (name, table) in zip(itertools.cycle(f"C{i}" for i in range(10)), delays.items(), strict=False):
        finite = table[np.isfinite(table["delay_days"])]
        total = table["needs"].sum()
        share = finite["needs"].cumsum() / total if total else finite["needs"] * 0.0
        if "share_within_p5" in finite:
            ax.fill_between(finite["delay_days"] + 1, finite["share_within_p5"], finite["share_within_p95"],
                            step="post", color=colour, alpha=0.2, linewidth=0)
        ax.step(finite["delay_days"] + 1, share, where="post", color=colour, label=name)
        if len(finite):
            reach.append((finite["delay_days"].iloc[np.searchsorted(share / share.iloc[-1], 0.99)] + 1,
                          finite["delay_days"].iloc[-1] + 1))
    if reach:
        cut, longest = max(r[0] for r in reach), max(r[1] for r in reach)
        ax.set_xlim(0, min(cut * 1.15, longest))
        if cut * 1.15 < longest:
            ax.text(0.99, 0.03, f"axis cut past the 99th percentile of delivered needs; the longest took "
                    f"{longest:,.0f} days", transform=ax.transAxes, ha="right", fontsize="x-small", color="0.3")
    ax.set_xlabel("delay from first request to delivery (days)")
    ax.set_ylabel("share of needs delivered within")
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Delivery delay: all replications pooled, band 5th-95th percentile across replications",
                 fontsize="medium")
    ax.grid(alpha=0.3)
    ax.legend(title="variant", loc="center right")
    return fig


def monthly_shortfall_quantiles(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Per month: p5, p25, p50, p75, p95 across replications of the shortfall fraction (all materials).

    ``timeseries`` has a row per replication and month (or finer: rows are summed per both) with
    ``demand`` and ``shortfall`` (value-weighted, as ``sim.io.RunTables.monthly``).
    """
    per_rep = timeseries.groupby(["replication", "month"])[["demand", "shortfall"]].sum()
    fraction = (per_rep["shortfall"] / per_rep["demand"].where(per_rep["demand"] > 0)).unstack("replication")
    quantiles = fraction.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    quantiles.columns = ["p5", "p25", "p50", "p75", "p95"]
    quantiles.index = pd.to_datetime(quantiles.index)
    return quantiles


def shortfall_fan(timeseries: dict[str, pd.DataFrame], events: dict[str, list[tuple[dt.date, str]]],
                  warmup_end: dt.date | None = None) -> Figure:
    """Monthly shortfall fraction per variant (median, p25-p75 and p5-p95 bands), policy events below."""
    n = len(timeseries)
    span_days = _span_days(pd.to_datetime(sorted({m for table in timeseries.values() for m in table["month"]})))
    strip, key = strip_height(events, span_days)
    fig = Figure(figsize=(9, 2.6 * n + 0.6 + strip + key), layout="constrained")
    grid = fig.add_gridspec(n + 2, 1, height_ratios=[2.6] * n + [strip, key])
    axes = [fig.add_subplot(grid[i]) for i in range(n)]
    strip_ax = fig.add_subplot(grid[n], sharex=axes[0])
    quantiles = {name: monthly_shortfall_quantiles(table) for name, table in timeseries.items()}
    top = max((float(q["p95"].max()) for q in quantiles.values() if q["p95"].notna().any()), default=0.0)
    for ax, (name, q) in zip(axes, quantiles.items(), strict=True):
        ax.fill_between(q.index, q["p5"], q["p95"], step="post", alpha=0.2, color="C0", label="p5-p95")
        ax.fill_between(q.index, q["p25"], q["p75"], step="post", alpha=0.4, color="C0", label="p25-p75")
        ax.step(q.index, q["p50"], where="post", color="C0", label="median")
        if warmup_end is not None:
            ax.axvspan(q.index.min(), pd.Timestamp(warmup_end), color="0.85", label="warm-up (not in metrics)")
        ax.set_ylabel("shortfall share")
        ax.set_title(name, loc="left", fontsize="medium")
        ax.set_ylim(0, max(top * 1.05, 0.01))  # one scale for every variant, so that panels compare by eye
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize="small")
        ax.sharex(axes[0])
    fig.suptitle("Monthly supply shortfall, share of China-sourced demand, across replications (materials weighted "
                 "as the headline)", fontsize="medium")
    policy_strip(strip_ax, fig.add_subplot(grid[n + 1]), events, span_days)
    return fig


def exporters(tables: dict[str, pd.DataFrame]) -> Figure:
    """Each exporter's utilisation (output over capacity) and order book (days of its capacity) per month, mean
    across replications with its 95 % interval; one row of panels per variant."""
    fig = Figure(figsize=(11, 3.4 * len(tables) + 0.4), layout="constrained")
    axes = fig.subplots(len(tables), 2, squeeze=False, sharex=True)
    longest = max((float(t["backlog_days_ci_high"].max()) for t in tables.values() if len(t)), default=0.0)
    for (left, right), (name, table) in zip(axes, tables.items(), strict=True):
        for colour, (exporter, rows) in zip(itertools.cycle(f"C{i}" for i in range(10)), table.groupby(
                "exporter", sort=False), strict=False):
            month, label = pd.to_datetime(rows["month"]), f"{exporter} ({rows['material'].iloc[0]})"
            for ax, column in ((left, "utilisation"), (right, "backlog_days")):
                ax.fill_between(month, rows[f"{column}_ci_low"], rows[f"{column}_ci_high"], step="mid", alpha=0.25,
                                color=colour, linewidth=0)
                ax.step(month, rows[column], where="mid", color=colour, label=label)
        left.set_ylabel("utilisation, output / capacity")
        left.set_ylim(0, 1.05)
        left.set_title(f"{name}: exporters' utilisation per month")
        right.set_ylabel("order book at month end, days of capacity")
        right.set_ylim(0, max(longest * 1.05, 1.0))  # one scale for every variant
        right.set_title(f"{name}: exporters' order books")
        for ax in (left, right):
            ax.grid(alpha=0.3)
            ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
        right.legend(loc="upper right", fontsize="small")
    return fig


Events = dict[str, list[tuple[dt.date, str]]]
"""Dated policy events (date, name) per variant."""
STRIP_WIDTH_INCHES = 6.5  # the time axis of a 9-inch figure, less its margins and row names
STRIP_CHAR_INCHES = 0.06  # an average character of the strip's 7-point numbers
KEY_COLUMNS = 2
KEY_LINE_INCHES = 0.15
KEY_CHARS = 58  # what a column of the key holds in 7-point type, in a 9-inch figure


def _labelled_days(events: Events) -> list[list[tuple[dt.date, list[str]]]]:
    """Per variant, the days its row labels and their events: the first variant's every event, a later one's only
    those the first lacks."""
    rows = list(events.values())
    first = set(rows[0]) if rows else set()
    labelled = []
    for row, dated in enumerate(rows):
        by_day: dict[dt.date, list[str]] = {}
        for date, name in sorted(dated):
            if row == 0 or (date, name) not in first:
                by_day.setdefault(date, []).append(name)
        labelled.append(list(by_day.items()))
    return labelled


def _entry(date: dt.date, names: list[str], events: Events) -> tuple[dt.date, str]:
    """A key entry: a day's events in words, with the variants that alone have them or lack them."""
    having = [variant for variant, dated in events.items() if {(date, name) for name in names} <= set(dated)]
    words = " + ".join(name.replace("_", " ") for name in names)
    if len(having) == 1 and len(events) > 1:
        words += f" ({having[0]} only)"
    elif len(having) < len(events):
        words += f" (not in {', '.join(v for v in events if v not in having)})"
    return date, words


def event_key(events: Events) -> list[tuple[dt.date, str]]:
    """The strip's key, in date order: each labelled day's events once (``_labelled_days``, ``_entry``); an
    entry's number on the strip is its place in the key plus one."""
    return sorted(dict.fromkeys(_entry(date, names, events) for days in _labelled_days(events)
                                for date, names in days))


def strip_labels(events: Events, span_days: float) -> list[list[tuple[dt.date, str, int]]]:
    """Per variant, the numbers of its key entries (``event_key``), each with the label line where it clears the
    numbers before it."""
    days_per_char = span_days / STRIP_WIDTH_INCHES * STRIP_CHAR_INCHES
    number = {entry: k + 1 for k, entry in enumerate(event_key(events))}
    rows = []
    for days in _labelled_days(events):
        line_ends: list[float] = []
        labels = []
        for date, names in days:
            label = str(number[_entry(date, names, events)])
            x = date.toordinal()
            line = next((k for k, end in enumerate(line_ends) if end < x), len(line_ends))
            if line == len(line_ends):
                line_ends.append(x)
            line_ends[line] = x + (len(label) + 1) * days_per_char
            labels.append((date, label, line))
        rows.append(labels)
    return rows


def _span_days(months: pd.DatetimeIndex) -> float:
    """Days from the first month's start to the last month's end: the time axis of a monthly plot."""
    return float((months.max() - months.min()).days) + 31


def strip_height(events: Events, span_days: float) -> tuple[float, float]:
    """Heights (inches) of a policy strip whose numbers do not overlap, and of its key."""
    lines = [max((line for *_, line in labels), default=-1) + 1 for labels in strip_labels(events, span_days)]
    key_lines = max((len(column) for column in _key_columns(events)), default=0)
    return 0.5 + sum(0.25 + 0.12 * n for n in lines), 0.1 + KEY_LINE_INCHES * key_lines


def _key_columns(events: Events) -> list[list[str]]:
    """The key's lines (each entry wrapped to a column's width), in ``KEY_COLUMNS`` columns of about equal height,
    entries never split between columns."""
    entries = [textwrap.wrap(f"{k + 1:>2}  {date}  {names}", KEY_CHARS, subsequent_indent=" " * 16)
               for k, (date, names) in enumerate(event_key(events))]
    target = -(-sum(map(len, entries)) // KEY_COLUMNS)
    columns: list[list[str]] = [[]]
    for lines in entries:
        if len(columns[-1]) + len(lines) > target and columns[-1] and len(columns) < KEY_COLUMNS:
            columns.append([])
        columns[-1] += lines
    return columns


def policy_strip(ax, key_ax, events: Events, span_days: float) -> None:
    """A timeline strip: one row per variant, a marker at each policy event, numbered (numbers stacked in lines so
    that none overlaps, see ``strip_labels``); ``key_ax`` lists what each number is."""
    base = 0.0
    bases = []
    for dated, labels in zip(events.values(), strip_labels(events, span_days), strict=True):
        bases.append(base)
        for date, _name in dated:
            ax.plot([pd.Timestamp(date)], [base], marker="|", markersize=10, color="C3")
        for date, label, line in labels:
            ax.annotate(label, (pd.Timestamp(date), base + 0.35 + 0.5 * line), fontsize=7, va="bottom",
                        ha="center")
        base += 1.0 + 0.5 * max((line + 1 for *_, line in labels), default=0)
    ax.set_yticks(bases, list(events))
    ax.set_ylim(-0.5, base)
    ax.set_xlabel("policy events (numbered as in the key below)")
    ax.grid(axis="x", alpha=0.3)
    key_ax.set_axis_off()
    columns = _key_columns(events)
    height = max((len(column) for column in columns), default=1)
    for c, column in enumerate(columns):
        for line, text in enumerate(column):
            key_ax.text(c / KEY_COLUMNS, 1 - (line + 0.5) / height, text, transform=key_ax.transAxes, fontsize=7,
                        va="center", ha="left", family="monospace")


def shortfall_by_group(summaries: dict[str, pd.DataFrame]) -> Figure:
    """Shortfall fraction by sector and by material, per variant, with 95 % confidence intervals."""
    fig = Figure(figsize=(11, 4.5), layout="constrained")
    for i, (prefix, title) in enumerate((("sector:", "by sector"), ("material:", "by material"))):
        ax = fig.add_subplot(1, 2, i + 1)
        _grouped_bars(ax, summaries, "shortfall_fraction", prefix)
        ax.set_title(f"Supply shortfall {title}")
        ax.set_ylabel("shortfall, share of China-sourced demand (95 % CI)")
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    return fig


def licensing_outcomes(summaries: dict[str, pd.DataFrame]) -> Figure:
    """Decisions on applications, licences revoked, and attempts refused by reason, per variant (mean per
    replication, 95 % CI): one panel per unit, so that applications and attempts are never added up. An outcome
    that no variant has is left out (and said in the title), and so is a panel with nothing left."""
    means = {name: summary[summary["group"] == "all"].set_index("metric")["mean"] for name, summary in
             summaries.items()}
    shown = [m for m in OUTCOMES if any(mean.get(m, 0) > 0 for mean in means.values())]
    units = list(dict.fromkeys(METRICS[m].unit for m in shown))
    panels = [[m for m in shown if METRICS[m].unit == unit] for unit in units]
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    axes = fig.subplots(1, max(len(units), 1), width_ratios=[len(p) for p in panels] or None, squeeze=False)[0]
    width = 0.8 / len(summaries)
    for ax, unit, metrics in zip(axes, units, panels, strict=False):
        for k, (name, summary) in enumerate(summaries.items()):
            rows = summary[(summary["group"] == "all")].set_index("metric").reindex(metrics)
            x = np.arange(len(metrics)) + (k - (len(summaries) - 1) / 2) * width
            ax.bar(x, rows["mean"], width, label=name, yerr=_error_bars(rows), capsize=3)
        ax.set_xticks(np.arange(len(metrics)), [METRICS[m].label for m in metrics], rotation=20, ha="right",
                      fontsize="small")
        ax.set_ylabel(f"{unit} per replication (95 % CI)")
        ax.grid(axis="y", alpha=0.3)
    if shown:
        axes[0].legend(title="variant")
    else:
        axes[0].set_axis_off()
        axes[0].text(0.5, 0.5, "no licensing outcome in any variant", ha="center", va="center")
    none = [METRICS[m].label for m in OUTCOMES if m not in shown]
    fig.suptitle(textwrap.fill("Licensing outcomes" + (f" (none in any variant: {', '.join(none)})" if none else ""),
                               110), fontsize="medium")
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
        in_points = METRICS[metric].unit == "share"
        if in_points:
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{100 * v:+.3g}" if v else "0"))
        ax.set_xlabel(f"{METRICS[metric].label}: difference from {baseline}"
                      + (", points" if in_points else ""))
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


def _panels(count: int, width: float, height: float) -> tuple[Figure, list[Any]]:
    """A figure of ``count`` panels, three to a row, each ``width`` by ``height`` inches."""
    columns, rows = min(count, 3), (count + 2) // 3
    fig = Figure(figsize=(width * columns, height * rows), layout="constrained")
    return fig, [fig.add_subplot(rows, columns, k + 1) for k in range(count)]


def sweep_lines(points: pd.DataFrame, params: list[str], metric: str, threshold: float | None = None) -> Figure:
    """The metric's mean (95 % CI band) against each swept parameter, the others held fixed."""
    fig, axes = _panels(len(params), 6, 4.2)
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
    fig, axes = _panels(len(params), 5, 4)
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


def verification_mmc(table: pd.DataFrame) -> Figure:
    """Review queue as M/M/c: simulated mean wait (its interval as judged, ``sim.analysis.verify``) against Erlang C,
    across utilisations."""
    rows = table[(table["family"] == "mmc") & (table["quantity"].str.startswith("mean wait"))].copy()
    parsed = rows["case"].str.extract(r"mmc_c(?P<servers>\d+)_rho(?P<rho>\d+)").astype(int)
    rows["servers"], rows["utilisation"] = parsed["servers"], parsed["rho"] / 100
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    for k, (servers, group) in enumerate(rows.sort_values("utilisation").groupby("servers")):
        colour = f"C{k}"
        ax.plot(group["utilisation"], group["theory"], color=colour, label=f"Erlang C, c = {servers}")
        ax.errorbar(group["utilisation"], group["simulated"],
                    yerr=[group["simulated"] - group["ci_low"], group["ci_high"] - group["simulated"]],
                    fmt="o", color=colour, capsize=4, label=f"simulated, c = {servers} (CI as judged)")
    ax.set_yscale("log")
    ax.set_xlabel("utilisation of the reviewers")
    ax.set_ylabel("mean wait for a reviewer (days)")
    ax.set_title("Review queue against M/M/c theory")
    ax.grid(alpha=0.3, which="both")
    if not rows.empty:
        ax.legend(fontsize="small")
    return fig


def verification_summary(table: pd.DataFrame) -> Figure:
    """Every statistical check: simulated value over theory, with its confidence interval."""
    rows = table[(table["tolerance"] != "exact") & (table["theory"] != 0)].reset_index(drop=True)
    fig = Figure(figsize=(8, 1 + 0.28 * len(rows)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ratio = rows["simulated"] / rows["theory"]
    ax.errorbar(ratio, y, xerr=[ratio - rows["ci_low"] / rows["theory"], rows["ci_high"] / rows["theory"] - ratio],
                fmt="o", capsize=3)
    ax.axvline(1, color="0.3", linewidth=1)
    ax.set_yticks(y, [f"{c}: {q}" for c, q in zip(rows["case"], rows["quantity"], strict=True)], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("simulated / theory (with the interval the check uses)")
    ax.set_title("Verification: every statistical check")
    ax.grid(axis="x", alpha=0.3)
    return fig


def replay_index(series: dict[str, tuple[str, pd.DataFrame]], table: pd.DataFrame,
                 events: list[tuple[dt.date, str]]) -> Figure:
    """Monthly magnet exports of each series (in total, to the US: its base month and the model's index in each
    replication) as an index of its base month: the model's fan chart, the published months on the same base
    (filled where fitted, open where held out), the policy strip below."""
    shown = {name: (base, index) for name, (base, index) in series.items() if not index.empty}
    span_days = _span_days(pd.to_datetime(next(iter(shown.values()))[1].columns)) if shown else 365
    strip, key = strip_height({"baseline": events}, span_days)
    fig = Figure(figsize=(9, 3.2 * len(shown) + 1.3 + strip + key), layout="constrained")
    grid = fig.add_gridspec(len(shown) + 2, 1, height_ratios=[3.2] * len(shown) + [strip, key])
    first = None
    for row, (name, (base, index)) in enumerate(shown.items()):
        ax = fig.add_subplot(grid[row], sharex=first)
        first = first or ax
        months = pd.to_datetime(index.columns)
        q = index.quantile([0.05, 0.25, 0.5, 0.75, 0.95]).to_numpy()
        ax.fill_between(months, q[0], q[4], alpha=0.2, color="C0", label="model p5-p95")
        ax.fill_between(months, q[1], q[3], alpha=0.4, color="C0", label="model p25-p75")
        ax.plot(months, q[2], color="C0", label="model median")
        rows = table[(table["quantity"] == f"magnet_exports_{name}") & table["period"].isin(index.columns)]
        published = rows.set_index("period")["published"].astype(float)
        if base in published:
            for split, face in (("fitted", "C3"), ("held out", "white"), ("", "0.6")):
                chosen = rows[(rows["split"] == split) & rows["role"].isin(["compared", "base of a ratio"])]["period"]
                ax.plot(pd.to_datetime(chosen), published[chosen] / published[base], "o", color="C3",
                        markerfacecolor=face, markersize=7,
                        label=f"published, {split}" if split else "published (a base)")
        where = "in total" if name == "total" else f"to {name.upper()}"
        ax.set_ylabel(f"exports {where}, index")
        ax.set_title(f"Magnet exports {where}, index of {base} (= 1): model and published", fontsize="medium")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="x-small", ncol=3)
    policy_strip(fig.add_subplot(grid[len(shown)], sharex=first), fig.add_subplot(grid[len(shown) + 1]),
                 {"baseline": events}, span_days)
    return fig


def origins(table: pd.DataFrame) -> Figure:
    """A rolling origin: the in-sample and out-of-sample root mean square relative gap at each origin, at the start
    and at the fit."""
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    x = pd.to_datetime(table["origin"])
    for name, colour in (("fitted", "C0"), ("held_out", "C3")):
        label = "in sample (fitted)" if name == "fitted" else "out of sample (held out)"
        ax.plot(x, table[f"{name}_rms_start"], "x--", color=colour, alpha=0.6, label=f"{label}, at the start")
        ax.plot(x, table[f"{name}_rms_fitted"], "o-", color=colour, label=f"{label}, at the fit")
    ax.set_xlabel("origin: figures dated up to it fitted, those after it held out")
    ax.set_ylabel("root mean square relative gap")
    ax.set_ylim(bottom=0)
    ax.set_title("Rolling origin: how the error moves as the origin moves")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def calibration_gaps(table: pd.DataFrame) -> Figure:
    """Each published figure's relative gap before and after calibration (fitted ones marked), with the
    fitted model's 95 % CI."""
    y = np.arange(len(table))
    scale = table["observed"].abs().where(table["observed"] != 0, 1.0)
    fig = Figure(figsize=(8, 1.5 + 0.35 * len(table)), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(table["gap_start"] / scale, y, "x", color="0.5", label="scenario as given")
    after = table["gap_fitted"] / scale
    ax.errorbar(after, y, xerr=[(table["model_fitted"] - table["ci_low_fitted"]) / scale,
                                (table["ci_high_fitted"] - table["model_fitted"]) / scale],
                fmt="o", color="C0", capsize=3, label="calibrated (95 % CI)")
    ax.axvline(0, color="0.3", linewidth=1)
    ax.set_yticks(y, [f"{'* ' if split == 'fitted' else ''}{q} {p}" for q, p, split in
                      zip(table["quantity"], table["period"], table["split"], strict=True)], fontsize=7)
    ax.invert_yaxis()
    ax.axvspan(-0.25, 0.25, color="C2", alpha=0.08, label="within 25 %")
    ax.set_xlabel("(model - published) / published")
    ax.set_title("Calibration: gap to each published figure (* fitted to; the others held out)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize="small")
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
    fig, axes = _panels(len(pairs), 4.5, 4)
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
