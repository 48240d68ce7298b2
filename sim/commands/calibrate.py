"""``sim calibrate``: a fit to some published figures, judged on the others, into a folder (every evaluation saved
as it finishes: a rerun resumes), and the rolling origin (``--origins``): one fit per origin."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sim.analysis.calibrate import Calibration, Target, calibrate, choose_targets, origin_row, problem
from sim.analysis.parameters import Parameter
from sim.analysis.replay import check_replayable
from sim.analysis.sweep import PointStore
from sim.commands import check_affordable
from sim.io import CALIBRATION_MANIFEST, PointFiles, check_writable, scenario_hash, write_table, write_yaml
from sim.report.pages import calibration_page, origins_page
from sim.runs.execute import model_version
from sim.scenario.load import resolved_dict
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)


def calibration_store(out: Path, scenario: Scenario, *, source: str, replications: int, seed: int) -> PointFiles:
    """Where a calibration's evaluations are kept in ``out``: resumed by a rerun, shared by the fits of a rolling
    origin (an evaluation is the replay at some parameter values, whatever the figures fitted). Nothing is made
    for a scenario that cannot be replayed."""
    check_replayable(scenario)
    check_writable(out)
    return PointFiles(out, f"{scenario_hash(scenario)}:{replications}:{seed}:{model_version()}",
                      {"scenario_file": source, "replications": replications, "seed": seed}, CALIBRATION_MANIFEST)


def calibrate_folder(out: Path, scenario: Scenario, *, source: str, observed: pd.DataFrame, target: str,
                     params: Sequence[Parameter], targets: Sequence[Target], held_out: Sequence[Target],
                     replications: int, seed: int, workers: int | None = None, max_steps: int = 20,
                     store: PointStore | None = None, allow_large: bool = False) -> Calibration:
    """Calibrate (see ``sim.analysis.calibrate.calibrate``) into ``out``, resuming from the evaluations saved there
    (or in ``store``): the tables, ``calibrated.yaml``, the page and its plot."""
    check_affordable([scenario], replications, workers, allow_large=allow_large)
    store = store or calibration_store(out, scenario, source=source, replications=replications, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    log.info("fitting %s to %d figure(s), %d held out, %d replications an evaluation, seed %d",
             ", ".join(p.path for p in params), len(targets), len(held_out), replications, seed)
    result = calibrate(scenario, observed, params=params, targets=targets, held_out=held_out,
                       replications=replications, seed=seed, store=store, workers=workers, max_steps=max_steps)
    dropped = [row.parameter for row in result.fit.parameters.itertuples() if not row.kept]
    write_calibration(result, out, f"{source} calibrated by sim calibrate to {target}: "
                      + ", ".join(f"{k} = {v}" for k, v in result.fit.values.items())
                      + (f"; by the parsimony rule, put back to their judged values: {', '.join(dropped)}"
                         if dropped else ""))
    fit = result.fit
    calibration_page(out, parameters=fit.parameters, gaps=result.gaps, scores=result.scores,
                     evaluations=len(fit.evaluations), status=f"{fit.status} ({fit.message})", source=source,
                     target=target, replications=replications, seed=seed)
    return result


def write_calibration(result: Calibration, out: Path, comment: str) -> None:
    """A calibration's tables and the fitted scenario (``calibrated.yaml``, headed by ``comment``)."""
    write_table(result.fit.parameters, out / "calibration.csv")
    write_table(result.gaps, out / "fit.csv")
    write_table(result.scores, out / "scores.csv")
    write_table(result.fit.evaluations, out / "evaluations.csv")
    write_yaml(resolved_dict(result.scenario), out / "calibrated.yaml", comment)


def origins_folder(out: Path, scenario: Scenario, *, source: str, observed: pd.DataFrame, target: str,
                   params: Sequence[str], chosen: Sequence[str], origins: Sequence[dt.date], replications: int,
                   seed: int, workers: int | None = None, max_steps: int = 20, allow_large: bool = False
                   ) -> pd.DataFrame:
    """A rolling origin: one calibration for each origin, fitted to the chosen figures dated up to it and judged on
    every figure dated after it, in ``out/origin-DATE/`` (evaluations shared in ``out``); ``origins.csv`` and its
    page say how the out-of-sample error moves as the origin moves."""
    fits = [(origin, problem(scenario, observed, params=params, chosen=chosen,
                             until=origin)) for origin in origins]  # checked first
    check_affordable([scenario], replications, workers, allow_large=allow_large)
    store = calibration_store(out, scenario, source=source, replications=replications, seed=seed)
    rows = []
    for origin, (parameters, targets, _) in fits:
        later = [t for t in choose_targets(observed, scenario=scenario)[0] if t.figure.dated > origin]
        result = calibrate_folder(out / f"origin-{origin.isoformat()}", scenario, source=source, observed=observed,
                                  target=target, params=parameters, targets=targets, held_out=later,
                                  replications=replications, seed=seed, workers=workers, max_steps=max_steps,
                                  store=store, allow_large=True)  # checked above
        rows.append(origin_row(origin, result))
    table = pd.DataFrame(rows)
    write_table(table, out / "origins.csv")
    origins_page(out, table, source=source, replications=replications, seed=seed)
    return table
