"""Sensitivity sweeps: a design of points over scenario parameters, each point a Monte Carlo run.

A sweep is data: parameters (dotted scenario paths, as ``--set`` takes them), a method (``grid``,
``oat``, ``morris``, ``sobol``) and its sample size expand deterministically into points with
stable identifiers. Every point runs with the same seed and replications, so points share their
random numbers (common random numbers across the design). Morris and Sobol designs are sampled
and analysed by SALib; this module only evaluates the model at SALib's points.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from pydantic import ValidationError
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from sim.runs.execute import run_many
from sim.scenario.load import leaves, resolved_dict
from sim.scenario.schema import Scenario

METHODS = ("grid", "oat", "morris", "sobol")
MORRIS_LEVELS = 4


class SweepError(ValueError):
    """A sweep that cannot run, and why; raised before any work starts."""


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: a scenario path and its range (``low``..``high``) or listed values."""

    path: str
    kind: str  # "integer", "number" or "date"
    low: Any = None
    high: Any = None
    steps: int | None = None
    values: tuple[Any, ...] | None = None

    def levels(self) -> list[Any]:
        """The values a grid or one-at-a-time sweep visits."""
        if self.values is not None:
            return list(self.values)
        return [self.from_unit(u) for u in np.linspace(0, 1, self.steps or 5)]

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1] of the range."""
        if self.kind == "date":
            return self.low + dt.timedelta(days=round(u * (self.high - self.low).days))
        value = self.low + u * (self.high - self.low)
        return round(value) if self.kind == "integer" else float(value)

    def to_unit(self, value: Any) -> float:
        """The position in [0, 1] of ``value`` in the range (the inverse of ``from_unit``)."""
        low = self.as_number(self.low)
        return (self.as_number(value) - low) / (self.as_number(self.high) - low)

    def as_number(self, value: Any) -> float:
        """A value on a numeric axis (dates as days since the low end) for plots and analysis."""
        return float((value - self.low).days) if self.kind == "date" else float(value)


@dataclass(frozen=True)
class Sweep:
    """What to sweep and how."""

    params: tuple[Parameter, ...]
    method: str = "grid"
    samples: int = 8
    replications: int = 20
    seed: int = 2025

    def fingerprint(self, scenario: Scenario) -> str:
        """Identifies the sweep and its base scenario, so that old points are never mixed with new ones."""
        record = {"sweep": asdict(self), "scenario": resolved_dict(scenario)}
        return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def parse_param(text: str, scenario: Scenario) -> Parameter:
    """``PATH=LOW:HIGH[:STEPS]`` or ``PATH=V1,V2,...``, checked against the scenario and its schema."""
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not spec:
        raise SweepError(f"--param {text!r}: expected PATH=LOW:HIGH[:STEPS] or PATH=V1,V2,...")
    paths = leaves(resolved_dict(scenario))
    if path not in paths:
        close = difflib.get_close_matches(path, list(paths), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SweepError(f"--param {path}: not a parameter of scenario {scenario.name!r}{hint}")
    base = paths[path]
    kind = _kind(path, base)
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) not in (2, 3):
                raise ValueError("expected LOW:HIGH or LOW:HIGH:STEPS")
            low, high = (_value(kind, p) for p in parts[:2])
            steps = int(parts[2]) if len(parts) == 3 else None
            if not low < high:
                raise ValueError(f"LOW must be below HIGH, got {parts[0]} and {parts[1]}")
            if steps is not None and steps < 2:
                raise ValueError("STEPS must be at least 2")
            parameter = Parameter(path, kind, low, high, steps)
        else:
            values = tuple(_value(kind, v) for v in spec.split(","))
            parameter = Parameter(path, kind, min(values), max(values), values=values)
    except ValueError as exc:
        raise SweepError(f"--param {path}: {exc}") from None
    for end in (parameter.low, parameter.high) if parameter.values is None else parameter.values:
        variant(scenario, {path: end})  # refuses values outside the schema's bounds, before any work
    return parameter


def design(sweep: Sweep, scenario: Scenario) -> list[dict[str, Any]]:
    """The points of a sweep, in a fixed order: one mapping of parameter path to value each."""
    params = sweep.params
    if sweep.method == "grid":
        return [dict(zip([p.path for p in params], combo, strict=True))
                for combo in itertools.product(*(p.levels() for p in params))]
    if sweep.method == "oat":
        base = {p.path: base_value(scenario, p) for p in params}
        points = [dict(base)]
        for p in params:
            points += [{**base, p.path: level} for level in p.levels() if level != base[p.path]]
        return points
    unit = _salib_unit_sample(sweep)
    return [{p.path: p.from_unit(u) for p, u in zip(params, row, strict=True)} for row in unit]


def check(sweep: Sweep) -> None:
    """Refuse methods and sample sizes that cannot give an answer."""
    if sweep.method not in METHODS:
        raise SweepError(f"unknown method {sweep.method!r}; choose one of {', '.join(METHODS)}")
    if not sweep.params:
        raise SweepError("a sweep needs at least one --param")
    if sweep.method in ("morris", "sobol"):
        if any(p.values is not None for p in sweep.params):
            raise SweepError(f"{sweep.method} samples ranges: give every --param as PATH=LOW:HIGH")
        if sweep.method == "morris" and sweep.samples < 2:
            raise SweepError("morris needs --samples of at least 2 trajectories")
        if sweep.method == "sobol" and (sweep.samples < 4 or sweep.samples & (sweep.samples - 1)):
            raise SweepError("sobol needs --samples a power of 2, at least 4 (the Saltelli base sample)")
    if sweep.replications < 2:
        raise SweepError("every point needs at least 2 replications for a confidence interval")


def plain_values(values: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as JSON-ready data (dates as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def variant(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with parameters set by dotted path, validated by the schema."""
    data = resolved_dict(scenario)
    for path, value in plain_values(values).items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SweepError(f"{', '.join(f'{k}={v}' for k, v in values.items())}: {where}: {first['msg']}") from None


def indices(sweep: Sweep, outcomes: np.ndarray) -> pd.DataFrame:
    """Morris (mu*, sigma) or Sobol (S1, ST) indices with 95 % confidence intervals, by SALib.

    Parameters are sampled as shares of their ranges, so Morris' mu* is in the metric's units per
    full range of the parameter.
    """
    problem = _problem(sweep)
    names = [p.path for p in sweep.params]
    if sweep.method == "morris":
        result = morris_analyze.analyze(problem, _salib_unit_sample(sweep), outcomes, num_levels=MORRIS_LEVELS,
                                        seed=sweep.seed)
        return pd.DataFrame({"parameter": names, "mu_star": result["mu_star"],
                             "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]})
    if sweep.method == "sobol":
        result = sobol_analyze.analyze(problem, outcomes, calc_second_order=False, seed=sweep.seed)
        return pd.DataFrame({"parameter": names, "S1": result["S1"], "S1_conf": result["S1_conf"],
                             "ST": result["ST"], "ST_conf": result["ST_conf"]})
    raise SweepError(f"{sweep.method} sweeps have no sensitivity indices")


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
                    rows.append({"parameter": p.path, "crossing": _from_number(p, at),
                                 "direction": "rises above" if y[i + 1] > y[i] else "falls below",
                                 "metric": metric, "threshold": threshold,
                                 "with": ", ".join(f"{n}={v}" for n, v in zip(others, np.atleast_1d(fixed),
                                                                              strict=True))})
    return pd.DataFrame(rows, columns=["parameter", "crossing", "direction", "metric", "threshold", "with"])


def point_id(index: int) -> str:
    """Stable identifier of the index-th point of a design."""
    return f"p{index:05d}"


def _salib_unit_sample(sweep: Sweep) -> np.ndarray:
    problem = _problem(sweep)
    if sweep.method == "morris":
        return morris_sample.sample(problem, sweep.samples, num_levels=MORRIS_LEVELS, seed=sweep.seed)
    return sobol_sample.sample(problem, sweep.samples, calc_second_order=False, seed=sweep.seed)


def _problem(sweep: Sweep) -> dict[str, Any]:
    """SALib's problem on the unit cube: every parameter is sampled as a share of its range."""
    return {"num_vars": len(sweep.params), "names": [p.path for p in sweep.params],
            "bounds": [[0.0, 1.0]] * len(sweep.params)}


def _kind(path: str, base: Any) -> str:
    if isinstance(base, bool) or not isinstance(base, (int, float, str)):
        raise SweepError(f"--param {path}: only numbers and dates can be swept (it is {base!r})")
    if isinstance(base, str):
        try:
            dt.date.fromisoformat(base)
        except ValueError:
            raise SweepError(f"--param {path}: only numbers and dates can be swept (it is {base!r})") from None
        return "date"
    return "integer" if isinstance(base, int) else "number"


def _value(kind: str, text: str) -> Any:
    text = text.strip()
    if kind == "date":
        return dt.date.fromisoformat(text)
    number = float(text)
    if kind == "integer":
        if number != int(number):
            raise ValueError(f"{text} is not a whole number")
        return int(number)
    return number


def base_value(scenario: Scenario, p: Parameter) -> Any:
    """The scenario's own value of a parameter (a date as a date)."""
    value = leaves(resolved_dict(scenario))[p.path]
    return dt.date.fromisoformat(value) if p.kind == "date" else value


def _from_number(p: Parameter, x: float) -> Any:
    if p.kind == "date":
        return (p.low + dt.timedelta(days=round(x))).isoformat()
    return round(x, 6)


class PointStore(Protocol):
    """Where finished points are kept, so that an interrupted sweep can resume."""

    def done(self) -> dict[str, dict[str, Any]]: ...

    def save(self, point: str, record: dict[str, Any]) -> None: ...


def run_sweep(scenario: Scenario, sweep: Sweep, store: PointStore, workers: int | None = None,
              progress: bool = False, scheduler: str | None = None) -> pd.DataFrame:
    """Evaluate every point not yet in ``store`` (each saved as it finishes); return the table of all points."""
    points = design(sweep, scenario)
    ids = [point_id(i) for i in range(len(points))]
    finished = store.done()
    todo = [i for i, pid in enumerate(ids) if pid not in finished]
    variants = [variant(scenario, points[i]).model_copy(update={"name": ids[i]}) for i in todo]
    for job, result in run_many(variants, sweep.replications, sweep.seed, workers, progress, scheduler):
        index = todo[job]
        summary = result.summary[result.summary["group"] == "all"].set_index("metric")
        record = {
            "id": ids[index],
            "values": plain_values(points[index]),
            "metrics": {m: {c: _plain(summary.loc[m, c]) for c in ("mean", "ci_low", "ci_high", "n")}
                        for m in summary.index},
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
