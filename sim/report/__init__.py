"""Plots, the HTML report and the validation pages, drawn from the tables a command wrote or returned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.io import (
    BOXES,
    CART,
    CLASSIFIED,
    COMPARISON,
    COMPARISON_PROVENANCE,
    CROSSINGS,
    DISCOVERY,
    DISCOVERY_FOLDER,
    EMULATOR,
    PROVENANCE,
    SUMMARY,
    SWEEP_MANIFEST,
    TRADEOFF,
    RunTables,
    SweepTables,
    atomic_write,
    read_record,
    read_run,
    read_sweep,
)
from sim.report import memo, sweep_plots
from sim.report.draw import figures, save
from sim.report.html import write_report, write_sweep_report

__all__ = ["SWEEP_PLOTS", "plot_run", "report_comparison", "report_run", "report_sweep", "summarise_comparison",
           "summarise_run"]
SUMMARY_MD = "summary.md"


def plot_run(folder: Path) -> dict[str, bytes]:
    """Draw the plots of a run folder into it (PNG and SVG); returns the PNGs by name."""
    run = read_run(folder)
    return save(figures({run.name: run}), folder)


def report_run(folder: Path) -> Path:
    """Plots and ``report.html`` for a run folder."""
    run = read_run(folder)
    pngs = save(figures({run.name: run}), folder)
    return write_report(folder, _run_title(run.provenance), runs={run.name: run}, pngs=pngs,
                        groups=run.provenance.get("groups", []))


def report_comparison(out: Path, variants: list[str], baseline: str) -> Path:
    """Plots and ``report.html`` for a comparison folder (variants in sub-folders)."""
    runs: dict[str, RunTables] = {name: read_run(out / name) for name in variants}
    comparison = pd.read_csv(out / COMPARISON)
    pngs = save(figures(runs, comparison, baseline), out)
    title = f"Comparison: {', '.join(variants)} (baseline {baseline})"
    groups = read_record(out / COMPARISON_PROVENANCE).get("groups", [])
    return write_report(out, title, runs=runs, pngs=pngs, comparison=comparison, baseline=baseline, groups=groups)


def summarise_run(folder: Path) -> Path:
    """``summary.md`` beside a run's ``summary.csv``: its headline figures, memo-ready."""
    provenance = read_record(folder / PROVENANCE, ("replications", "seed", "scenario_file"), advice="run it again")
    n = provenance["replications"]
    context = (f"{n} replication{'s' if n > 1 else ''}, seed {provenance['seed']}, scenario file "
               f"`{provenance['scenario_file']}`; means across replications with their 95 % confidence interval"
               + (" (one replication gives none)" if n < 2 else "") + f". Every metric and group: `{SUMMARY}`."
               + (f"\n\n{provenance['replications_chosen'].capitalize()}." if provenance.get("replications_chosen")
                  else ""))
    page = memo.run_markdown(pd.read_csv(folder / SUMMARY), _run_title(provenance), groups=provenance.get("groups", []),
                             context=context)
    return _write_text(folder / SUMMARY_MD, page)


def summarise_comparison(out: Path) -> Path:
    """``summary.md`` beside a comparison's ``comparison.csv`` (and one beside each variant's ``summary.csv``)."""
    record = read_record(out / COMPARISON_PROVENANCE, ("variants", "baseline"))
    for variant in record["variants"]:
        summarise_run(out / variant)
    streams = "common random numbers" if record["common_random_numbers"] else "independent random numbers"
    n = record["replications"]
    context = (f"{len(record['variants'])} variants, {n} replication{'s' if n > 1 else ''} each on {streams}. "
               f"Every metric and group: `{COMPARISON}`.")
    page = memo.comparison_markdown(pd.read_csv(out / COMPARISON), record["baseline"], groups=record.get("groups", []),
                                    context=context)
    return _write_text(out / SUMMARY_MD, page)


def _run_title(provenance: dict) -> str:
    overrides = provenance.get("overrides") or []
    return f"Run: {provenance['scenario_name']}" + (f" with --set {', '.join(overrides)}" if overrides else "")


def _write_text(path: Path, text: str) -> Path:
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


SWEEP_PLOTS: dict[str, Callable[[SweepTables], Figure]] = {
    "sweep_lines": lambda t: sweep_plots.sweep_lines(t.points, t.params, t.metric, t.threshold),
    "sweep_heatmap": lambda t: sweep_plots.sweep_heatmap(t.points, t.params[0], t.params[1], t.metric),
    "sweep_scatter": lambda t: sweep_plots.sweep_scatter(t.points, t.params, t.metric, t.threshold),
    "tornado": lambda t: sweep_plots.tornado(t.points, t.params, t.metric),
    "morris": lambda t: sweep_plots.morris_plot(t.indices, t.metric),
    "sobol": lambda t: sweep_plots.sobol_plot(t.indices, t.metric),
    "emulator_validation": lambda t: sweep_plots.emulator_validation(t.validation, t.metric),
}
"""The plots a sweep method may ask for (``sim.analysis.designs.Design.plots``), by name."""


def report_sweep(out: Path, params: list[str], *, drawn: tuple[str, ...], metric: str, threshold: float | None) -> Path:
    """Draw the plots a sweep's method asks for from its tables, and its ``report.html``."""
    tables = replace(read_sweep(out), params=params, metric=metric, threshold=threshold)
    indices = tables.indices
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
    notes = [f"{metric} does not move across the sweep (every point's 95 % interval overlaps every other's): "
             f"{memo.UNMOVED_HINT}."] if memo.flat(tables.points, metric) else []
    columns = ["id", *params] + [f"{metric}:{k}" for k in ("mean", "ci_low", "ci_high")]
    shown[f"Every point ({metric}, all buyers; every metric in points.csv)"] = tables.points[columns]
    description = read_record(out / SWEEP_MANIFEST, ("params", "method"))
    description["params"] = "; ".join(_swept(param) for param in description["params"])
    return write_sweep_report(out, f"Sweep: {description['method']}, {metric}", pngs=pngs, tables=shown,
                              description=description, notes=notes)


def _swept(param: dict) -> str:
    """A swept parameter in words: 'authority.reviewers from 1 to 6 in 3 steps', or its listed values."""
    if param.get("values"):
        return f"{param['path']} at {', '.join(map(str, param['values']))}"
    steps = f" in {param['steps']} steps" if param.get("steps") else ""
    return f"{param['path']} from {param['low']} to {param['high']}{steps}"


def _discovery(folder: Path) -> tuple[dict[str, bytes], dict[str, pd.DataFrame]]:
    """The plots (drawn into ``folder``) and tables of a sweep's scenario discovery (``sim discover``)."""
    asked = read_record(folder / DISCOVERY, ("bad",), advice="run sim discover again")
    tradeoff, box = pd.read_csv(folder / TRADEOFF), pd.read_csv(folder / BOXES)
    chosen = tradeoff[tradeoff["chosen"]].iloc[0]
    drawn = {"discovery_tradeoff": sweep_plots.discovery_tradeoff(tradeoff, asked["bad"]),
             "discovery_box": sweep_plots.discovery_box(box, chosen["coverage"], chosen["density"])}
    if len(box):
        drawn["discovery_pairs"] = sweep_plots.discovery_pairs(pd.read_csv(folder / CLASSIFIED), box)
    heading = f"Scenario discovery (bad: {asked['bad']})"
    return save(drawn, folder), {
        f"{heading}: the chosen PRIM box {asked['chosen_box']}, restricted parameters": box,
        f"{heading}: PRIM's peeling trajectory": tradeoff,
        f"{heading}: CART's leaves": pd.read_csv(folder / CART),
    }
