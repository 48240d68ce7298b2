"""``sim sweep``: a sensitivity sweep into its folder, each point saved as it finishes (a rerun resumes), then the
sweep's tables, plots and report."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from sim.analysis.parameters import variant
from sim.analysis.sweep import Plan, SweepResult, study
from sim.commands import check_affordable
from sim.io import (
    CROSSINGS,
    EMULATOR,
    EMULATOR_VALIDATION,
    INDICES,
    POINTS,
    SWEEP_REPORT,
    PointFiles,
    check_writable,
    write_json,
    write_table,
)
from sim.report import report_sweep
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)


def default_folder(scenario: Scenario, plan: Plan) -> Path:
    """``results/<scenario>-sweep-<method>[-emulator]-<8 digits of its fingerprint>``: a sweep's own folder, found
    again by the same sweep to resume, never one another sweep of the same method holds."""
    sweep = plan.sweep
    emulated = f"-{sweep.emulator}" if sweep.emulator else ""
    return Path("results") / f"{scenario.name}-sweep-{sweep.method}{emulated}-{sweep.fingerprint(scenario)[:8]}"


def sweep_folder(out: Path, scenario: Scenario, plan: Plan, *, workers: int | None = None,
                 progress: bool = False, allow_large: bool = False) -> tuple[SweepResult, Path]:
    """Run a planned sweep into ``out``, resuming from the points saved there: its tables, plots and report (refused
    if its points are estimated past this machine's limits, unless ``allow_large``)."""
    check_writable(out)
    check_affordable([variant(scenario, point) for point in plan.sweep.points(scenario)], plan.sweep.replications,
                     workers, allow_large=allow_large)
    store = PointFiles(out, plan.sweep.fingerprint(scenario), plan.description())
    if resumed := len(store.done()):
        log.info("resuming: %d of %d points already done in %s", resumed, plan.points, out)
    result = study(scenario, plan, store=store, workers=workers, progress=progress)
    write_sweep(result, out)
    params = [p.path for p in plan.sweep.params]
    return result, report_sweep(out, params, drawn=result.plots, metric=plan.metric, threshold=plan.threshold)


def write_sweep(result: SweepResult, out: Path) -> None:
    """A sweep's tables: every point, the method's indices (if any), the emulator's check (if emulated), the
    tipping points (if asked for), and what its report was made for."""
    write_table(result.table, out / POINTS)
    if result.indices is not None:
        write_table(result.indices, out / INDICES)
    else:  # none this time (an emulator that failed validation): an earlier analysis's must not be shown as this one
        (out / INDICES).unlink(missing_ok=True)
    write_json({"metric": result.plan.metric, "threshold": result.plan.threshold}, out / SWEEP_REPORT, indent=None)
    if result.emulated is not None:
        validation = result.emulated.validation
        used, direct = result.replications_saved
        write_table(pd.DataFrame([{"q2": validation.q2, "coverage_95": validation.coverage, "folds": validation.folds,
                                   "design_points": validation.points, "passed": validation.passed,
                                   "replications_run": used, "replications_direct": direct,
                                   "kernel": result.emulated.kernel}]), out / EMULATOR)
        write_table(validation.predictions, out / EMULATOR_VALIDATION)
    if result.tipping is not None:
        write_table(result.tipping, out / CROSSINGS)
