"""Plots and the HTML report, drawn from the tables a run or a comparison wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from sim.io import COMPARISON, CROSSINGS, INDICES, POINTS, SWEEP_MANIFEST, RunTables, read_run
from sim.report import plots
from sim.report.draw import figures, save
from sim.report.html import write_report, write_sweep_report

__all__ = ["plot_run", "report_comparison", "report_run", "report_sweep"]


def plot_run(folder: Path) -> dict[str, bytes]:
    """Draw the plots of a run folder into it (PNG and SVG); returns the PNGs by name."""
    run = read_run(folder)
    return save(figures({run.name: run}), folder)


def report_run(folder: Path) -> Path:
    """Plots and ``report.html`` for a run folder."""
    run = read_run(folder)
    pngs = save(figures({run.name: run}), folder)
    return write_report(folder, f"Run: {run.name}", {run.name: run}, pngs)


def report_comparison(out: Path, variants: list[str], baseline: str) -> Path:
    """Plots and ``report.html`` for a comparison folder (variants in sub-folders)."""
    runs: dict[str, RunTables] = {name: read_run(out / name) for name in variants}
    comparison = pd.read_csv(out / COMPARISON)
    pngs = save(figures(runs, comparison, baseline), out)
    title = f"Comparison: {', '.join(variants)} (baseline {baseline})"
    return write_report(out, title, runs, pngs, comparison, baseline)


def report_sweep(out: Path, params: list[str], method: str, metric: str, threshold: float | None) -> Path:
    """Draw the plots of a sweep folder from its tables, and its ``report.html``."""
    points = pd.read_csv(out / POINTS)
    drawn = {}
    if method in ("grid", "oat"):
        drawn["sweep_lines"] = plots.sweep_lines(points, params, metric, threshold)
    if method == "grid" and len(params) == 2:
        drawn["sweep_heatmap"] = plots.sweep_heatmap(points, params[0], params[1], metric)
    if method == "oat":
        drawn["tornado"] = plots.tornado(points, params, metric)
    if method == "morris":
        drawn["morris"] = plots.morris_plot(pd.read_csv(out / INDICES), metric)
    if method == "sobol":
        drawn["sobol"] = plots.sobol_plot(pd.read_csv(out / INDICES), metric)
    pngs = save(drawn, out)
    tables = {}
    if (out / INDICES).is_file() and method in ("morris", "sobol"):
        tables[f"Sensitivity indices of {metric}"] = pd.read_csv(out / INDICES)
    if threshold is not None and (out / CROSSINGS).is_file():
        tables[f"Where {metric} crosses {threshold:g}"] = pd.read_csv(out / CROSSINGS)
    shown = ["id", *params] + [f"{metric}:{k}" for k in ("mean", "ci_low", "ci_high")]
    tables[f"Every point ({metric}, all buyers; every metric in points.csv)"] = points[shown]
    description = json.loads((out / SWEEP_MANIFEST).read_text())
    return write_sweep_report(out, f"Sweep: {method}, {metric}", pngs, tables, description)
