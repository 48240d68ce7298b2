"""One scenario's Monte Carlo into a folder: its tables, plots and report (``sim run``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.io import check_output, replacing, write_run
from sim.report import report_run, summarise_run
from sim.runs.execute import RunResult, default_workers, run
from sim.runs.precision import Precision, Stopping, run_to_precision
from sim.scenario.schema import Scenario


def run_folder(out: Path, scenario: Scenario, source: str, replications: int | None = None,
               seed: int | None = None, workers: int | None = None, progress: bool = False,
               report: bool = True, overrides: Sequence[str] = (), groups: Sequence[str] = (), *,
               precision: Precision | None = None, force: bool = False
               ) -> tuple[RunResult, Stopping | None, Path | None]:
    """Run a scenario (see ``sim.runs.execute.run``) into ``out``, recording the ``--set`` overrides it was loaded
    with, with ``summary.md`` (all buyers and ``groups``); with ``precision``, as many replications as it asks
    (``sim.runs.precision``) instead. ``out`` is replaced whole once everything is written (``sim.io.replacing``);
    a folder of files this tool did not make is refused unless ``force``. Returns the result, how its
    replications were chosen, and the report."""
    check_output(out, force)
    n = replications or scenario.monte_carlo.replications
    workers = workers or default_workers(precision.cap if precision else n)
    stopping = None
    if precision is None:
        result = run(scenario, n, seed, workers, progress)
    else:
        result, stopping = run_to_precision(scenario, precision, groups=("all", *groups), seed=seed, workers=workers,
                                            progress=progress)
    with replacing(out) as staging:
        write_run(result, staging, source, workers, overrides, groups, str(stopping) if stopping else None)
        summarise_run(staging)
        if report:
            report_run(staging)
    return result, stopping, out / "report.html" if report else None
