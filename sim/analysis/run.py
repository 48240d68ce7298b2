"""One scenario's Monte Carlo into a folder: its tables, plots and report (``sim run``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sim.io import check_writable, write_run
from sim.report import report_run, summarise_run
from sim.runs.execute import RunResult, default_workers, run
from sim.scenario.schema import Scenario


def run_folder(out: Path, scenario: Scenario, source: str, replications: int | None = None,
               seed: int | None = None, workers: int | None = None, progress: bool = False,
               report: bool = True, overrides: Sequence[str] = (), groups: Sequence[str] = ()
               ) -> tuple[RunResult, Path | None]:
    """Run a scenario (see ``sim.runs.execute.run``) into ``out``, recording the ``--set`` overrides it was loaded
    with, with ``summary.md`` (all buyers and ``groups``); returns the result and the report's path."""
    check_writable(out)
    n = replications or scenario.monte_carlo.replications
    workers = workers or default_workers(n)
    result = run(scenario, n, seed, workers, progress)
    write_run(result, out, source, workers, overrides, groups)
    summarise_run(out)
    return result, report_run(out) if report else None
