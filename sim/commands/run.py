"""``sim run``: one scenario's Monte Carlo into a folder, its tables, summary, plots and report."""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sim.commands import check_affordable
from sim.io import (
    DELAYS,
    EXPORTERS,
    PROVENANCE,
    REPLICATIONS,
    SUMMARY,
    TIMESERIES,
    check_output,
    package_version,
    replacing,
    scenario_hash,
    write_json,
    write_parquet,
    write_table,
)
from sim.report import report_run, summarise_run
from sim.runs.execute import RunResult, default_workers, run
from sim.runs.precision import Precision, Stopping, run_to_precision
from sim.scenario.load import resolved_dict
from sim.scenario.schema import Scenario


def run_folder(out: Path, scenario: Scenario, *, source: str, replications: int | None = None,
               seed: int | None = None, workers: int | None = None, progress: bool = False, report: bool = True,
               overrides: Sequence[str] = (), groups: Sequence[str] = (), precision: Precision | None = None,
               force: bool = False, allow_large: bool = False) -> tuple[RunResult, Stopping | None, Path | None]:
    """Run a scenario (see ``sim.runs.execute.run``) into ``out``, recording the ``--set`` overrides it was loaded
    with, with ``summary.md`` (all buyers and ``groups``); with ``precision``, as many replications as it asks
    (``sim.runs.precision``) instead. ``out`` is replaced whole once everything is written (``sim.io.replacing``);
    a folder of files this tool did not make is refused unless ``force``, and a run estimated past this machine's
    limits unless ``allow_large``. Returns the result, how its replications were chosen, and the report."""
    check_output(out, force)
    n, seed = scenario.monte_carlo.resolve(replications, seed)
    check_affordable([scenario], precision.cap if precision else n, workers, allow_large=allow_large)
    workers = workers or default_workers(precision.cap if precision else n)
    stopping = None
    if precision is None:
        result = run(scenario, n, seed=seed, workers=workers, progress=progress)
    else:
        result, stopping = run_to_precision(scenario, precision, groups=("all", *groups), seed=seed, workers=workers,
                                            progress=progress)
    with replacing(out) as staging:
        write_run(result, staging, source=source, workers=workers, overrides=overrides, groups=groups,
                  stopping=str(stopping) if stopping else None)
        summarise_run(staging)
        if report:
            report_run(staging)
    return result, stopping, out / "report.html" if report else None


def write_run(result: RunResult, out: Path, *, source: str | None, workers: int, overrides: Sequence[str] = (),
              groups: Sequence[str] = (), stopping: str | None = None) -> None:
    """The tables and provenance of a run, in ``out`` (``overrides``: the ``--set`` it was run with; ``groups``:
    those its summaries show beside all buyers; ``stopping``: how ``--precision`` chose its replications)."""
    write_table(result.summary, out / SUMMARY)
    write_parquet(out / REPLICATIONS, result.replications, result.per_replication_rows)
    write_parquet(out / TIMESERIES, result.replications, result.timeseries_rows)
    write_table(result.delays, out / DELAYS, exact=True)
    write_json(provenance(result, source, workers=workers, overrides=overrides, groups=groups,
                          stopping=stopping), out / PROVENANCE)
    if result.scenario.exporters:
        write_table(result.exporters, out / EXPORTERS)
    else:  # an earlier run's, in a folder written into again, is not this one's
        (out / EXPORTERS).unlink(missing_ok=True)


def provenance(result: RunResult, source: str | None, *, workers: int, overrides: Sequence[str] = (),
               groups: Sequence[str] = (), stopping: str | None = None) -> dict[str, Any]:
    """What produced a set of results, to reproduce or audit them, the groups its summaries show, and how its
    replications were chosen (``--precision``; None: as asked)."""
    return {
        "scenario_name": result.scenario.name,
        "scenario_file": source,
        "overrides": list(overrides),
        "groups": list(groups),
        "replications_chosen": stopping,
        "scenario_sha256": scenario_hash(result.scenario),
        "seed": result.seed,
        "replications": result.replications,
        "workers": workers,
        "package_version": package_version(),
        "python": platform.python_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(result.wall_seconds, 3),
        "events_simulated": result.events,
        "events_per_second": round(result.events / result.wall_seconds) if result.wall_seconds > 0 else None,
        "scenario": resolved_dict(result.scenario),
    }
