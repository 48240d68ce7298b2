"""Plots, the HTML report and the validation pages, drawn from the tables a command wrote or returned."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.io import (
    BOXES,
    CART,
    CLASSIFIED,
    COMPARISON,
    CROSSINGS,
    DISCOVERY,
    DISCOVERY_FOLDER,
    EMULATOR,
    EMULATOR_VALIDATION,
    INDICES,
    POINTS,
    SWEEP_MANIFEST,
    TRADEOFF,
    RunTables,
    read_run,
)
from sim.report import plots
from sim.report.draw import figures, save
from sim.report.html import write_report, write_sweep_report

__all__ = ["SWEEP_PLOTS", "plot_run", "report_comparison", "report_run", "report_sweep"]


def plot_run(folder: Path) -> dict[str, bytes]:
    """Draw the plots of a run folder into it (PNG and SVG); returns the PNGs by name."""
    run = read_run(folder)
    return save(figures({run.name: run}), folder)


def report_run(folder: Path) -> Path:
    """Plots and ``report.html`` for a run folder."""
    run = read_run(folder)
    pngs = save(figures({run.name: run}), folder)
    overrides = run.provenance.get("overrides") or []
    title = f"Run: {run.name}" + (f" with --set {', '.join(overrides)}" if overrides else "")
    return write_report(folder, title, {run.name: run}, pngs)


def report_comparison(out: Path, variants: list[str], baseline: str) -> Path:
    """Plots and ``report.html`` for a comparison folder (variants in sub-folders)."""
    runs: dict[str, RunTables] = {name: read_run(out / name) for name in variants}
    comparison = pd.read_csv(out / COMPARISON)
    pngs = save(figures(runs, comparison, baseline), out)
    title = f"Comparison: {', '.join(variants)} (baseline {baseline})"
    return write_report(out, title, runs, pngs, comparison, baseline)


@dataclass(frozen=True)
class SweepTables:
    """What a sweep plot draws from: the written tables and what the sweep was asked to report."""

    points: pd.DataFrame
    indices: pd.DataFrame | None
    params: list[str]
    metric: str
    threshold: float | None
    validation: pd.DataFrame | None = None


SWEEP_PLOTS: dict[str, Callable[[SweepTables], Figure]] = {
    "sweep_lines": lambda t: plots.sweep_lines(t.points, t.params, t.metric, t.threshold),
    "sweep_heatmap": lambda t: plots.sweep_heatmap(t.points, t.params[0], t.params[1], t.metric),
    "sweep_scatter": lambda t: plots.sweep_scatter(t.points, t.params, t.metric, t.threshold),
    "tornado": lambda t: plots.tornado(t.points, t.params, t.metric),
    "morris": lambda t: plots.morris_plot(t.indices, t.metric),
    "sobol": lambda t: plots.sobol_plot(t.indices, t.metric),
    "emulator_validation": lambda t: plots.emulator_validation(t.validation, t.metric),
}
"""The plots a sweep method may ask for (``sim.analysis.designs.Design.plots``), by name."""


def report_sweep(out: Path, params: list[str], drawn: tuple[str, ...], metric: str, threshold: float | None) -> Path:
    """Draw the plots a sweep's method asks for from its tables, and its ``report.html``."""
    indices = pd.read_csv(out / INDICES) if (out / INDICES).is_file() else None
    validation = pd.read_csv(out / EMULATOR_VALIDATION) if (out / EMULATOR_VALIDATION).is_file() else None
    tables = SweepTables(pd.read_csv(out / POINTS), indices, params, metric, threshold, validation)
    pngs = save({name: SWEEP_PLOTS[name](tables) for name in drawn}, out)
    shown = {}
    if (out / EMULATOR).is_file():
        shown["Emulator: cross-validation (indices are reported only if it passes)"] = pd.read_csv(out / EMULATOR)
    if indices is not None:
        shown[f"Sensitivity indices of {metric}"] = indices
    if threshold is not None and (out / CROSSINGS).is_file():
        shown[f"Where {metric} crosses {threshold:g}"] = pd.read_csv(out / CROSSINGS)
    if (out / DISCOVERY_FOLDER / DISCOVERY).is_file():
        found, found_tables = _discovery(out / DISCOVERY_FOLDER)
        pngs |= found
        shown |= found_tables
    columns = ["id", *params] + [f"{metric}:{k}" for k in ("mean", "ci_low", "ci_high")]
    shown[f"Every point ({metric}, all buyers; every metric in points.csv)"] = tables.points[columns]
    description = json.loads((out / SWEEP_MANIFEST).read_text())
    return write_sweep_report(out, f"Sweep: {description['method']}, {metric}", pngs, shown, description)


def _discovery(folder: Path) -> tuple[dict[str, bytes], dict[str, pd.DataFrame]]:
    """The plots (drawn into ``folder``) and tables of a sweep's scenario discovery (``sim discover``)."""
    asked = json.loads((folder / DISCOVERY).read_text())
    tradeoff, box = pd.read_csv(folder / TRADEOFF), pd.read_csv(folder / BOXES)
    chosen = tradeoff[tradeoff["chosen"]].iloc[0]
    drawn = {"discovery_tradeoff": plots.discovery_tradeoff(tradeoff, asked["bad"]),
             "discovery_box": plots.discovery_box(box, chosen["coverage"], chosen["density"])}
    if len(box):
        drawn["discovery_pairs"] = plots.discovery_pairs(pd.read_csv(folder / CLASSIFIED), box)
    heading = f"Scenario discovery (bad: {asked['bad']})"
    return save(drawn, folder), {
        f"{heading}: the chosen PRIM box {asked['chosen_box']}, restricted parameters": box,
        f"{heading}: PRIM's peeling trajectory": tradeoff,
        f"{heading}: CART's leaves": pd.read_csv(folder / CART),
    }
