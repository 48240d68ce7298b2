"""Sensitivity sweeps: a design of points over scenario parameters, each point a Monte Carlo run.

A sweep is data: parameters (dotted scenario paths, as ``--set`` takes them), a method (one of
``sim.analysis.designs``) and its sample size expand deterministically into points with stable
identifiers. Every point runs with the same seed and replications, so points share their random
numbers (common random numbers across the design).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.analysis.designs import DESIGNS, Design
from sim.analysis.emulator import MAX_EMULATED_POINTS, POINTS_PER_PARAMETER, Emulated, emulate
from sim.analysis.parameters import Parameter, SweepError, parse_param, plain_values, variant
from sim.catalogue import METRICS, unknown_metric
from sim.runs.execute import check_scheduler, model_version, run_many
from sim.scenario.load import resolved_dict
from sim.scenario.schema import Scenario
from sim.scenario.sections import SweepDefinition

log = logging.getLogger(__name__)

EMULATORS = {"gp": ("sobol",)}
"""Emulators by name (``--emulator``), and the methods they stand in for."""
EMULATOR_DESIGN = "lhs_optimised"
"""The design the emulator is trained on."""


@dataclass(frozen=True)
class Sweep:
    """What to sweep and how."""

    params: tuple[Parameter, ...]
    method: str = "grid"
    samples: int = 8
    replications: int = 20
    seed: int = 2025
    emulator: str | None = None
    design_points: int | None = None

    @property
    def design(self) -> Design:
        return DESIGNS[self.method]

    def points(self, scenario: Scenario) -> list[dict[str, Any]]:
        """The points of the sweep, in a fixed order: one mapping of parameter path to value each (an emulated
        analysis runs the emulator's Latin hypercube instead of its own design)."""
        if self.emulator is not None:
            return DESIGNS[EMULATOR_DESIGN].points(self.params, self.design_points, self.seed, scenario)
        return self.design.points(self.params, self.samples, self.seed, scenario)

    def indices(self, outcomes: np.ndarray) -> pd.DataFrame | None:
        """The method's sensitivity indices of the outcomes at the points, if it has any."""
        return self.design.indices(self.params, self.samples, self.seed, outcomes)

    def fingerprint(self, scenario: Scenario) -> str:
        """Identifies the sweep, its base scenario and the model's code, so that old points are never mixed with
        new ones."""
        sweep = {k: v for k, v in asdict(self).items() if v is not None or k not in ("emulator", "design_points")}
        record = {"sweep": sweep, "scenario": resolved_dict(scenario), "model": model_version()}
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def check(sweep: Sweep) -> None:
    """Refuse methods and sample sizes that cannot give an answer."""
    if sweep.method not in DESIGNS:
        raise SweepError(f"unknown method {sweep.method!r}; choose one of {', '.join(DESIGNS)}")
    if not sweep.params:
        raise SweepError("a sweep needs at least one --param")
    sweep.design.check(sweep.params, sweep.samples)
    if sweep.replications < 2:
        raise SweepError("every point needs at least 2 replications for a confidence interval")
    if sweep.emulator is not None:
        if sweep.emulator not in EMULATORS or sweep.method not in EMULATORS[sweep.emulator]:
            raise SweepError(f"--emulator {sweep.emulator} works with --method "
                             f"{', '.join(EMULATORS.get(sweep.emulator, ()))}, not {sweep.method}")
        needed = POINTS_PER_PARAMETER * len(sweep.params)
        if sweep.design_points is None or sweep.design_points < needed:
            raise SweepError(f"the emulator needs --design-points of at least {needed} ({POINTS_PER_PARAMETER} per "
                             f"parameter), got {sweep.design_points}")
        evaluated = sweep.samples * (len(sweep.params) + 2)
        if evaluated > MAX_EMULATED_POINTS:
            raise SweepError(f"--samples {sweep.samples} asks the emulator for {evaluated:,} joint draws; at most "
                             f"{MAX_EMULATED_POINTS:,} (samples x (parameters + 2)) fit in memory: lower --samples")
    elif sweep.design_points is not None:
        raise SweepError("--design-points is for --emulator")


@dataclass(frozen=True)
class Plan:
    """A sweep as asked for, checked: the sweep, what to report of it, and where its points run."""

    sweep: Sweep
    metric: str
    threshold: float | None
    scheduler: str | None = None
    source: str = ""
    points: int = 0
    overrides: tuple[str, ...] = ()
    """The ``--set`` the scenario was loaded with (recorded; the fingerprint already holds their effect)."""

    def description(self) -> dict[str, Any]:
        """What the sweep's manifest records beside its fingerprint."""
        sweep = self.sweep
        return {"scenario_file": self.source, "overrides": list(self.overrides), "method": sweep.method,
                "points": self.points,
                "params": [asdict(p) for p in sweep.params], "replications": sweep.replications, "seed": sweep.seed,
                **({"emulator": sweep.emulator, "design_points": sweep.design_points} if sweep.emulator else {})}


def plan(scenario: Scenario, source: str = "", params: Sequence[str] = (), *, method: str | None = None,
         samples: int | None = None, replications: int | None = None, seed: int | None = None,
         metric: str | None = None, threshold: float | None = None, executor: str = "local",
         scheduler: str | None = None, emulator: str | None = None, design_points: int | None = None) -> Plan:
    """The sweep asked for by flags, each absent one taken from the scenario's ``sweep:`` section (or its
    default), checked before any work: parameters, method, sample size, metric, the Dask scheduler
    (``executor`` "dask") or the local pool ("local")."""
    if not params and scenario.sweep is None:
        raise SweepError(f"{source or scenario.name} has no sweep section: give at least one --param PATH=LOW:HIGH")
    kept = scenario.sweep or SweepDefinition.model_construct()  # defaults only
    texts = params or [f"{path}={_spec(value)}" for path, value in kept.params.items()]
    metric = metric or kept.metric
    if metric not in METRICS:
        raise SweepError(unknown_metric(metric))
    sweep = Sweep(tuple(parse_param(text, scenario) for text in texts), method or kept.method,
                  samples or kept.samples, replications or kept.replications,
                  scenario.monte_carlo.resolve(seed=seed)[1], emulator or kept.emulator,
                  design_points or kept.design_points)
    check(sweep)
    if executor == "dask" and not scheduler:
        raise SweepError("--executor dask needs --scheduler ADDRESS")
    scheduler = scheduler if executor == "dask" else None
    if scheduler is not None:
        try:
            check_scheduler(scheduler)
        except ConnectionError as exc:
            raise SweepError(str(exc)) from None
    threshold = threshold if threshold is not None else kept.threshold
    return Plan(sweep, metric, threshold, scheduler, source, len(sweep.points(scenario)))


def _spec(value: object) -> str:
    """A sweep section's parameter value in --param form."""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


class PointStore(Protocol):
    """Where finished points are kept, so that an interrupted sweep can resume."""

    def done(self) -> dict[str, dict[str, Any]]: ...

    def save(self, point: str, record: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: every point, the method's indices, and where the metric crosses the threshold."""

    plan: Plan
    table: pd.DataFrame
    indices: pd.DataFrame | None
    tipping: pd.DataFrame | None
    emulated: Emulated | None = None
    direct_points: int | None = None
    """For an emulated analysis: the points the method would have run directly."""

    @property
    def plots(self) -> tuple[str, ...]:
        """The plots the sweep's report draws (see ``sweep_plots``)."""
        sweep = self.plan.sweep
        return sweep_plots(sweep.method, sweep.params, sweep.emulator, self.indices is not None)

    @property
    def replications_saved(self) -> tuple[int, int]:
        """Simulator replications an emulated analysis ran, and those the method would have run directly."""
        replications = self.plan.sweep.replications
        return len(self.table) * replications, (self.direct_points or 0) * replications


def sweep_plots(method: str, params: Sequence[Any], emulator: str | None, indices: bool) -> tuple[str, ...]:
    """The plots a sweep's report draws: the method's, or for an emulated analysis the emulator's validation and
    the method's indices if it passed."""
    if emulator is not None:
        return ("emulator_validation",) + (DESIGNS[method].plots(params) if indices else ())
    return DESIGNS[method].plots(params)


def study(scenario: Scenario, plan: Plan, *, store: PointStore, workers: int | None = None,
          progress: bool = False) -> SweepResult:
    """Run a planned sweep (resuming from ``store``) and analyse it."""
    sweep = plan.sweep
    table = run_sweep(scenario, sweep, store=store, workers=workers, progress=progress, scheduler=plan.scheduler)
    if sweep.emulator is not None:
        done = store.done()
        records = [done[point_id(i)] for i in range(len(table))]
        means, errors = table[f"{plan.metric}:mean"].to_numpy(dtype=float), _standard_errors(records, plan.metric)
        missing = int((np.isnan(means) | np.isnan(errors)).sum())
        if missing or np.ptp(means) == 0:
            why = (f"has no value in some replication at {missing} of {len(table)} design points" if missing
                   else "is the same at every design point")
            raise SweepError(f"{plan.metric} {why}: nothing to emulate; choose another --metric (the points are kept)")
        emulated = emulate(sweep.params, _unit(sweep, records), means=means, errors=errors, samples=sweep.samples,
                           seed=sweep.seed)
        direct = len(sweep.design.points(sweep.params, sweep.samples, sweep.seed, scenario))
        return SweepResult(plan, table, emulated.indices, None, emulated, direct)
    indices = sweep.indices(table[f"{plan.metric}:mean"].to_numpy())
    lines = plan.threshold is not None and sweep.design.lines
    tipping = crossings(table, sweep, plan.metric, plan.threshold) if lines else None
    return SweepResult(plan, table, indices, tipping)


class MemoryPoints:
    """Finished points kept in a dict, for a sweep run in memory (``sweep``): nothing written, nothing resumed."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def done(self) -> dict[str, dict[str, Any]]:
        return dict(self.records)

    def save(self, point: str, record: dict[str, Any]) -> None:
        self.records[point] = record


def sweep(scenario: Scenario, params: Sequence[str] = (), *, method: str | None = None, samples: int | None = None,
          replications: int | None = None, seed: int | None = None, metric: str | None = None,
          threshold: float | None = None, workers: int | None = None, progress: bool = False) -> SweepResult:
    """A sensitivity sweep in memory, for a notebook: the arguments of ``sim sweep`` (``params`` as ``--param``
    takes them; absent ones from the scenario's ``sweep:`` section), nothing written."""
    asked = plan(scenario, "", params, method=method, samples=samples, replications=replications, seed=seed,
                 metric=metric, threshold=threshold)
    return study(scenario, asked, store=MemoryPoints(), workers=workers, progress=progress)


def _unit(sweep: Sweep, records: Sequence[dict[str, Any]]) -> np.ndarray:
    """The saved points' parameter values, scaled to the unit cube of the ranges."""
    return np.array([[p.to_unit(p.saved(r["values"][p.path])) for p in sweep.params] for r in records])


def _standard_errors(records: Sequence[dict[str, Any]], metric: str) -> np.ndarray:
    """Each point's Monte Carlo standard error of the metric's mean, from its replications."""
    values = [np.array(r["replications"][metric], dtype=float) for r in records]
    return np.array([v.std(ddof=1) / np.sqrt(len(v)) for v in values])


def crossings(points: pd.DataFrame, sweep: Sweep, metric: str, threshold: float) -> pd.DataFrame:
    """Where the metric's mean crosses the threshold along each swept parameter (linear interpolation).

    Each line of the design that varies one parameter with the others fixed (every grid row, every
    one-at-a-time arm) is searched; one row per crossing found.
    """
    rows = []
    column = f"{metric}:mean"
    names = [p.path for p in sweep.params]
    for p in sweep.params:
        others = [n for n in names if n != p.path]
        lines = points.groupby(others, dropna=False) if others else [((), points)]
        for fixed, line in lines:
            line = line.assign(_x=[p.as_number(v) for v in line[p.path]]).sort_values("_x")
            x, y = line["_x"].to_numpy(), line[column].to_numpy()
            for i in range(len(x) - 1):
                if (y[i] - threshold) * (y[i + 1] - threshold) < 0:
                    at = x[i] + (threshold - y[i]) * (x[i + 1] - x[i]) / (y[i + 1] - y[i])
                    rows.append({"parameter": p.path, "crossing": p.from_number(at),
                                 "direction": "rises above" if y[i + 1] > y[i] else "falls below",
                                 "metric": metric, "threshold": threshold,
                                 "with": ", ".join(f"{n}={v}" for n, v in zip(others, np.atleast_1d(fixed),
                                                                              strict=True))})
    return pd.DataFrame(rows, columns=["parameter", "crossing", "direction", "metric", "threshold", "with"])


def point_id(index: int) -> str:
    """Stable identifier of the index-th point of a design."""
    return f"p{index:05d}"


def run_sweep(scenario: Scenario, sweep: Sweep, *, store: PointStore, workers: int | None = None,
              progress: bool = False, scheduler: str | None = None) -> pd.DataFrame:
    """Evaluate every point not yet in ``store`` (each saved as it finishes); return the table of all points."""
    points = sweep.points(scenario)
    ids = [point_id(i) for i in range(len(points))]
    finished = store.done()
    for i, pid in enumerate(ids):
        if pid in finished and finished[pid].get("values") != plain_values(points[i]):
            log.warning("point %s was saved at other parameter values than the design's: it is computed again", pid)
            del finished[pid]
    todo = [i for i, pid in enumerate(ids) if pid not in finished]
    variants = [variant(scenario, points[i]).model_copy(update={"name": ids[i]}) for i in todo]
    for job, result in run_many(variants, sweep.replications, seed=sweep.seed, workers=workers, progress=progress,
                                scheduler=scheduler, label=f"{len(variants)} points"):
        index = todo[job]
        summary = result.summary[result.summary["group"] == "all"].set_index("metric")
        record = {
            "id": ids[index],
            "values": plain_values(points[index]),
            "metrics": {m: {c: _plain(summary.loc[m, c]) for c in ("mean", "ci_low", "ci_high", "n")}
                        for m in summary.index},
            "replications": {metric: [_plain(v) for v in result.values[:, k]]  # for discovery by share
                             for k, (metric, group) in enumerate(result.keys) if group == "all"},
            "events_simulated": result.events,
            "wall_seconds": round(result.wall_seconds, 3),
        }
        store.save(ids[index], record)
        finished[ids[index]] = record
    return points_table([finished[pid] for pid in ids], [p.path for p in sweep.params])


def points_table(records: Sequence[dict[str, Any]], params: Sequence[str]) -> pd.DataFrame:
    """One row per point: its id, parameter values, and each metric's mean and 95 % CI (all buyers).

    Columns come in a fixed order (parameters as swept, metrics alphabetically), so that a table
    rebuilt from saved points equals the one made in a single run.
    """
    rows = []
    for record in records:
        row = {"id": record["id"], **{path: record["values"][path] for path in params}}
        for metric in sorted(record["metrics"]):
            stats_ = record["metrics"][metric]
            row.update({f"{metric}:{k}": stats_[k] for k in ("mean", "ci_low", "ci_high")})
        rows.append(row)
    return pd.DataFrame(rows)


def _plain(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and np.isnan(value) else value
