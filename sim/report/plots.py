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
    span_days = span_days_of(pd.to_datetime(sorted({m for table in timeseries.values() for m in table["month"]})))
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


def span_days_of(months: pd.DatetimeIndex) -> float:
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


def panels(count: int, width: float, height: float) -> tuple[Figure, list[Any]]:
    """A figure of ``count`` panels, three to a row, each ``width`` by ``height`` inches."""
    columns, rows = min(count, 3), (count + 2) // 3
    fig = Figure(figsize=(width * columns, height * rows), layout="constrained")
    return fig, [fig.add_subplot(rows, columns, k + 1) for k in range(count)]
