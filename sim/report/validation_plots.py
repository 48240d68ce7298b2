"""Plots of the validation pages (``sim verify``, ``sim replay``, ``sim calibrate``): the model against theory,
against the published months, and its fits. Each takes tables and returns a matplotlib ``Figure``, built without
pyplot."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.report.plots import policy_strip, span_days_of, strip_height


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
    span_days = span_days_of(pd.to_datetime(next(iter(shown.values()))[1].columns)) if shown else 365
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
