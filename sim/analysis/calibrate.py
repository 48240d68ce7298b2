"""Calibration: fit uncertain scenario parameters to published figures by least squares.

Every evaluation replays the scenario with the parameters set, on the same seed and replications,
so the gaps are a deterministic function of the parameters (common random numbers) and finite
differences see the parameters rather than the dice. scipy's bounded least squares (trust region
reflective) minimises the relative gaps on the unit cube of the parameters' ranges. Standard
errors come from the Jacobian at the fit: the Monte Carlo error of the figures propagated through
it, plus, with more figures than parameters, the remaining misfit (as ``scipy.optimize.curve_fit``
estimates it).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from sim.analysis.parameters import Parameter, SweepError, base_value, parse_param, plain_values, variant
from sim.analysis.replay import INDEX_BASE, INPUTS, counterpart, figures, measure
from sim.analysis.sweep import PointStore
from sim.io import CALIBRATION_MANIFEST, PointFiles, check_writable, scenario_hash, write_calibration
from sim.report.pages import calibration_page
from sim.runs.execute import model_version
from sim.runs.summarise import Z95
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)

STEP = 0.05  # finite-difference step, as a share of each parameter's range: wider than CRN jitter


class CalibrationError(SweepError):
    """A calibration that cannot run, and why; raised before any work starts."""


@dataclass(frozen=True)
class Target:
    """A published figure to fit: its label, the value compared, and the model quantity compared with it."""

    label: str
    observed: float
    column: str

    @property
    def scale(self) -> float:
        """Gaps are relative to the observed value, so that figures in different units weigh alike."""
        return abs(self.observed) or 1.0


@dataclass(frozen=True)
class Fit:
    """A finished fit: parameters with standard errors, every evaluation, and the model at start and fit."""

    parameters: pd.DataFrame
    evaluations: pd.DataFrame
    values: dict[str, Any]
    start: pd.DataFrame  # per-replication model quantities at the start
    fitted: pd.DataFrame  # ... and at the fitted values
    converged: bool
    message: str

    @property
    def status(self) -> str:
        """Whether the fit converged, in words."""
        return "converged" if self.converged else "stopped before converging"


@dataclass(frozen=True)
class Calibration:
    """A fit of a scenario to published figures, every figure's gap before and after, and the fitted scenario."""

    fit: Fit
    gaps: pd.DataFrame
    scenario: Scenario


def problem(scenario: Scenario, observed: pd.DataFrame, params: Sequence[str],
            chosen: Sequence[str] = ()) -> tuple[list[Parameter], list[Target]]:
    """The parameters (``PATH=LOW:HIGH``) and the figures (``QUANTITY[:PERIOD]``) of a calibration, checked."""
    parameters = [parse_param(text, scenario) for text in params]
    targets = choose_targets(observed, chosen)
    check_parameters(parameters, targets)
    return parameters, targets


def choose_targets(observed: pd.DataFrame, chosen: Sequence[str] = ()) -> list[Target]:
    """The figures to fit: ``QUANTITY`` (all its periods) or ``QUANTITY:PERIOD``; none chosen means
    every figure the model has a counterpart for."""
    comparable = {}
    for row in observed.itertuples():
        if row.quantity in INPUTS:
            continue
        value, column, basis, _ = counterpart(row, observed)
        if value is not None and np.isfinite(value) and basis != INDEX_BASE:
            comparable[f"{row.quantity}:{row.period}"] = Target(f"{row.quantity}:{row.period}", value, column)
    if not chosen:
        return list(comparable.values())
    targets = []
    for text in chosen:
        found = [t for label, t in comparable.items() if text in (label, label.split(":")[0])]
        if not found:
            raise CalibrationError(f"--fit {text}: not a published figure the model can be compared with; "
                                   f"choose from {', '.join(comparable)}")
        targets += [t for t in found if t not in targets]
    return targets


def check_parameters(params: Sequence[Parameter], targets: Sequence[Target]) -> None:
    """Refuse what least squares cannot fit."""
    if not params:
        raise CalibrationError("calibration needs at least one --param PATH=LOW:HIGH")
    listed = [p.path for p in params if p.values is not None]
    if listed:
        raise CalibrationError(f"--param {listed[0]}: calibration searches ranges; give PATH=LOW:HIGH")
    if len(targets) < len(params):
        raise CalibrationError(f"{len(params)} parameters cannot be fitted to {len(targets)} figure(s); "
                               "choose at least as many --fit figures as parameters")


def calibrate_folder(out: Path, scenario: Scenario, source: str, observed: pd.DataFrame, target: str,
                     params: Sequence[Parameter], targets: Sequence[Target], replications: int, seed: int,
                     workers: int | None = None, max_steps: int = 20) -> Calibration:
    """Calibrate (see ``calibrate``) into ``out``, resuming from the evaluations saved there: the tables,
    ``calibrated.yaml``, the page and its plot."""
    check_writable(out)
    store = PointFiles(out, f"{scenario_hash(scenario)}:{replications}:{seed}:{model_version()}",
                       {"scenario_file": source, "replications": replications, "seed": seed}, CALIBRATION_MANIFEST)
    log.info("fitting %s to %d figure(s), %d replications an evaluation, seed %d",
             ", ".join(p.path for p in params), len(targets), replications, seed)
    result = calibrate(scenario, observed, params, targets, replications, seed, store, workers, max_steps)
    write_calibration(result, out, f"{source} calibrated by sim calibrate to {target}: "
                      + ", ".join(f"{k} = {v}" for k, v in result.fit.values.items()))
    calibration_page(out, result, source, target, replications, seed)
    return result


def calibrate(scenario: Scenario, observed: pd.DataFrame, params: Sequence[Parameter], targets: Sequence[Target],
              replications: int, seed: int, store: PointStore, workers: int | None = None,
              max_steps: int = 20) -> Calibration:
    """Fit ``params`` to ``targets`` by replaying ``scenario`` (see the module's docstring)."""
    result = fit(lambda values: measure(variant(scenario, values), replications, seed, workers),
                 params, targets, _start(scenario, params), store, max_steps)
    return Calibration(result, gap_table(observed, result, targets), variant(scenario, result.values))


def fit(evaluate: Callable[[dict[str, Any]], pd.DataFrame], params: Sequence[Parameter], targets: Sequence[Target],
        start: dict[str, Any], store: PointStore, max_steps: int = 20) -> Fit:
    """Least squares of the targets' relative gaps over ``params``; ``evaluate`` maps parameter values
    to per-replication model quantities, and every evaluation is kept in ``store`` (so a rerun resumes)."""
    done = store.done()
    frames: dict[str, pd.DataFrame] = {}  # the points visited, in order
    trace: list[dict[str, Any]] = []

    def per_rep(unit: np.ndarray) -> pd.DataFrame:
        values = {p.path: p.from_unit(float(u)) for p, u in zip(params, unit, strict=True)}
        key = _key(values)
        if key not in frames:
            if key not in done:
                done[key] = {"values": plain_values(values), "per_rep": evaluate(values).to_dict(orient="list")}
                store.save(key, done[key])
            frames[key] = pd.DataFrame(done[key]["per_rep"], dtype=float)
            gaps = _relative_gaps(frames[key], targets)
            trace.append({"id": key, **plain_values(values), "cost": 0.5 * float(gaps @ gaps),
                          **{f"gap:{t.label}": g for t, g in zip(targets, gaps, strict=True)}})
            log.info("  %s: sum of squared relative gaps %.4g",
                     ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in plain_values(values).items()), 2 * trace[-1]["cost"])
        return frames[key]

    def gaps(unit: np.ndarray) -> np.ndarray:
        return _relative_gaps(per_rep(unit), targets)

    def jacobian(unit: np.ndarray) -> np.ndarray:
        """Forward differences of STEP (backward at the top of a range): steps of a fixed share of
        the range, where scipy's own are relative to the position and vanish near the bottom."""
        at = gaps(unit)
        columns = []
        for k in range(len(unit)):
            step = np.zeros_like(unit)
            step[k] = STEP if unit[k] + STEP <= 1.0 else -STEP
            columns.append((gaps(unit + step) - at) / step[k])
        return np.column_stack(columns)

    x0 = np.array([p.to_unit(start[p.path]) for p in params])
    result = least_squares(gaps, x0, jac=jacobian, bounds=(0.0, 1.0), xtol=1e-3, ftol=1e-4, max_nfev=max_steps)
    fitted = per_rep(result.x)
    covariance = _covariance(result.jac, result.fun, _per_rep_gaps(fitted, targets))
    values = {p.path: p.from_unit(float(u)) for p, u in zip(params, result.x, strict=True)}
    rows = []
    for k, p in enumerate(params):
        moves = bool(np.any(result.jac[:, k] != 0))
        se = float(np.sqrt(covariance[k, k])) * _span(p) if moves else np.nan
        identified = moves and 2 * Z95 * se < _span(p)  # the figures pin it down within its range
        at = p.as_number(values[p.path])
        rows.append({"parameter": p.path, "low": p.low, "high": p.high, "start": start[p.path],
                     "fitted": values[p.path], "std_error": se, "ci_low": _clip(p, at - Z95 * se),
                     "ci_high": _clip(p, at + Z95 * se), "identified": identified})
    return Fit(pd.DataFrame(rows), pd.DataFrame(trace), values, per_rep(x0), fitted, bool(result.success),
               str(result.message))


def gap_table(observed: pd.DataFrame, result: Fit, targets: Sequence[Target]) -> pd.DataFrame:
    """Every comparable published figure with the model at the start and at the fit (mean, 95 % CI, gap),
    and whether it was fitted."""
    before, after = figures(observed, result.start), figures(observed, result.fitted)
    chosen = {t.label for t in targets}
    table = after[["quantity", "period", "compared_as", "observed"]].copy()
    table["fitted_to"] = [f"{q}:{p}" in chosen for q, p in zip(table["quantity"], table["period"], strict=True)]
    table["model_start"], table["gap_start"] = before["model"], before["gap"]
    for column in ("model", "ci_low", "ci_high", "gap"):
        table[f"{column}_fitted"] = after[column]
    return table[table["observed"].notna() & table["model_fitted"].notna()].reset_index(drop=True)


def _start(scenario: Scenario, params: Sequence[Parameter]) -> dict[str, Any]:
    """The scenario's own values, moved inside the ranges where they lie outside."""
    return {p.path: min(max(base_value(scenario, p), p.low), p.high) for p in params}


def _relative_gaps(per_rep: pd.DataFrame, targets: Sequence[Target]) -> np.ndarray:
    gaps = np.array([(per_rep[t.column].mean() - t.observed) / t.scale for t in targets])
    missing = [t.label for t, g in zip(targets, gaps, strict=True) if not np.isfinite(g)]
    if missing:
        raise CalibrationError(f"the model gives no value for {', '.join(missing)} at these parameter values")
    return gaps


def _per_rep_gaps(per_rep: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    return pd.DataFrame({t.label: (per_rep[t.column] - t.observed) / t.scale for t in targets})


def _covariance(jac: np.ndarray, gaps: np.ndarray, per_rep_gaps: pd.DataFrame) -> np.ndarray:
    """Covariance of the fitted unit-cube parameters: Monte Carlo error of the mean gaps propagated by
    the Jacobian's pseudo-inverse, plus the misfit variance when there are spare figures."""
    m, p = jac.shape
    n = per_rep_gaps.notna().sum().to_numpy()
    monte_carlo = per_rep_gaps.cov().fillna(0.0).to_numpy() / np.sqrt(np.outer(n, n))
    inverse = np.linalg.pinv(jac)
    covariance = inverse @ monte_carlo @ inverse.T
    if m > p:
        covariance = covariance + float(gaps @ gaps) / (m - p) * np.linalg.pinv(jac.T @ jac)
    return covariance


def _span(p: Parameter) -> float:
    return p.as_number(p.high) - p.as_number(p.low)


def _clip(p: Parameter, x: float) -> Any:
    """The parameter's value at ``x`` on its numeric axis, kept inside the range."""
    if not np.isfinite(x):
        return np.nan
    return p.from_unit(min(max((x - p.as_number(p.low)) / _span(p), 0.0), 1.0))


def _key(values: dict[str, Any]) -> str:
    """A stable file name for one evaluation (``p`` and a hash of the values)."""
    return "p" + hashlib.sha256(json.dumps(plain_values(values), sort_keys=True).encode()).hexdigest()[:16]
