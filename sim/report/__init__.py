"""Plots and the HTML report, drawn from the tables a run or a comparison wrote."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.io import COMPARISON, INDICES, POINTS, RunTables, read_run
from sim.report import plots
from sim.report.draw import figures, save
from sim.report.html import write_report

__all__ = ["plot_run", "plot_sweep", "report_comparison", "report_run"]


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


def plot_sweep(out: Path, params: list[str], method: str, metric: str, threshold: float | None) -> list[str]:
    """Draw the plots of a sweep folder from its tables; returns the names drawn."""
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
    save(drawn, out)
    return list(drawn)
