"""Calibration: fit uncertain scenario parameters to some published figures, and judge the fit on the others.

Every evaluation replays the scenario with the parameters set, on the same seed and replications,
so the gaps are a deterministic function of the parameters (common random numbers) and finite
differences see the parameters rather than the dice. scipy's bounded least squares (trust region
reflective) minimises the relative gaps of the figures chosen to fit on the unit cube of the
parameters' ranges; every other comparable figure is held out and reported apart, before and after
the fit. Standard errors come from the Jacobian at the fit: the Monte Carlo error of the figures
propagated through it, plus, with more figures than parameters, the remaining misfit (as
``scipy.optimize.curve_fit`` estimates it).

A parameter earns its place by the parsimony rule: the figures identify it (its 95 % interval is
narrower than half its range) and it lowers the out-of-sample error (the held-out figures' root mean
square relative gap is lower at the fit than with that parameter alone put back to its start value).
A rolling origin repeats the fit with the figures dated up to each of several days, each judged on
those dated after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from sim.analysis.parameters import Parameter, SweepError, base_value, parse_param, plain_values, variant
from sim.analysis.replay import FITTED, HELD_OUT, Figure, compared, figures, measure, scores
from sim.analysis.sweep import PointStore
from sim.runs.summarise import Z95
from sim.scenario.schema import Scenario
from sim.scenario.sections import FittedTo

log = logging.getLogger(__name__)

STEP = 0.05  # finite-difference step, as a share of each parameter's range: wider than CRN jitter
IDENTIFIED_SHARE = 0.5
"""A parameter is identified when its 95 % interval is narrower than this share of its range."""


class CalibrationError(SweepError):
    """A calibration that cannot run, and why; raised before any work starts."""


@dataclass(frozen=True)
class Target:
    """A published figure as a calibration uses it: its label, the value compared, and the model quantity."""

    figure: Figure

    @property
    def label(self) -> str:
        return self.figure.label

    @property
    def observed(self) -> float:
        return self.figure.observed

    @property
    def scale(self) -> float:
        """Gaps are relative to the observed value, so that figures in different units weigh alike."""
        return abs(self.observed) or 1.0

    def gaps(self, per_rep: pd.DataFrame) -> pd.Series:
        """The relative gap of each replication's model quantity."""
        return (self.figure.sample(per_rep) - self.observed) / self.scale


@dataclass(frozen=True)
class Fit:
    """A finished fit: parameters with standard errors (and whether each earns its place), every evaluation, and the
    model at start and fit."""

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
    """A fit of a scenario to some published figures, every figure's gap before and after (fitted or held out), the
    scores of both sets, and the fitted scenario."""

    fit: Fit
    gaps: pd.DataFrame
    scores: pd.DataFrame
    scenario: Scenario


def problem(scenario: Scenario, observed: pd.DataFrame, *, params: Sequence[str], chosen: Sequence[str] = (),
            until: dt.date | None = None) -> tuple[list[Parameter], list[Target], list[Target]]:
    """The parameters (``PATH=LOW:HIGH``), the figures to fit (``QUANTITY[:PERIOD]``, dated up to ``until``) and
    the figures held out (every other comparable one) of a calibration, checked."""
    parameters = [parse_param(text, scenario) for text in params]
    targets, held_out = choose_targets(observed, chosen=chosen, until=until, scenario=scenario)
    check_parameters(parameters, targets)
    return parameters, targets, held_out


def choose_targets(observed: pd.DataFrame, *, chosen: Sequence[str] = (), until: dt.date | None = None,
                   scenario: Scenario | None = None) -> tuple[list[Target], list[Target]]:
    """The figures to fit, ``QUANTITY`` (all its periods) or ``QUANTITY:PERIOD`` (none chosen: every figure the
    model is compared with, that a run of ``scenario`` measures), of those dated up to ``until`` if given; and every
    other such figure, held out."""
    comparable = {f.label: Target(f) for f in compared(observed, scenario)}
    picked = dict(comparable)
    if chosen:
        picked = {}
        for text in chosen:
            found = {label: t for label, t in comparable.items() if text in (label, label.split(":")[0])}
            if not found:
                raise CalibrationError(f"--fit {text}: not a published figure the model can be compared with; "
                                       f"choose from {', '.join(comparable)}")
            picked.update(found)
    if until is not None:
        picked = {label: t for label, t in picked.items() if t.figure.dated <= until}
        if not picked:
            raise CalibrationError(f"--fit-until {until}: no chosen figure is dated by then; the first is dated "
                                   f"{min(t.figure.dated for t in comparable.values())}")
    return list(picked.values()), [t for label, t in comparable.items() if label not in picked]


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


def calibrate(scenario: Scenario, observed: pd.DataFrame, *, params: Sequence[Parameter], targets: Sequence[Target],
              held_out: Sequence[Target], replications: int, seed: int, store: PointStore,
              workers: int | None = None, max_steps: int = 20) -> Calibration:
    """Fit ``params`` to ``targets`` by replaying ``scenario``, judged on ``held_out`` (see the module's docstring)."""
    result = fit(lambda values: measure(variant(scenario, values), replications, seed=seed, workers=workers),
                 params, targets, start=_start(scenario, params), store=store, max_steps=max_steps, held_out=held_out)
    gaps = gap_table(observed, result, targets)
    fitted = variant(scenario, result.values).model_copy(update={"calibration": _record(targets, params)})
    return Calibration(result, gaps, score_table(gaps), fitted)


def fit(evaluate: Callable[[dict[str, Any]], pd.DataFrame], params: Sequence[Parameter], targets: Sequence[Target], *,
        start: dict[str, Any], store: PointStore, max_steps: int = 20, held_out: Sequence[Target] = ()) -> Fit:
    """Least squares of the targets' relative gaps over ``params``; ``evaluate`` maps parameter values
    to per-replication model quantities, and every evaluation is kept in ``store`` (so a rerun resumes). Each
    parameter is then judged by the parsimony rule against the ``held_out`` figures."""
    done = store.done()
    frames: dict[str, pd.DataFrame] = {}  # the points visited, in order
    trace: list[dict[str, Any]] = []

    def per_rep(values: dict[str, Any]) -> pd.DataFrame:
        key = _key(values)
        if key not in frames:
            if key not in done:
                done[key] = {"values": plain_values(values), "per_rep": evaluate(values).to_dict(orient="list")}
                store.save(key, done[key])
            frames[key] = pd.DataFrame(done[key]["per_rep"], dtype=float)
            gaps = _relative_gaps(frames[key], targets)
            trace.append({"id": key, **plain_values(values), "cost": 0.5 * float(gaps @ gaps),
                          "held_out_rms": _rms(frames[key], held_out),
                          **{f"gap:{t.label}": g for t, g in zip(targets, gaps, strict=True)}})
            log.info("  %s: sum of squared relative gaps %.4g",
                     ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                               for k, v in plain_values(values).items()), 2 * trace[-1]["cost"])
        return frames[key]

    def at(unit: np.ndarray) -> dict[str, Any]:
        return {p.path: p.from_unit(float(u)) for p, u in zip(params, unit, strict=True)}

    def gaps(unit: np.ndarray) -> np.ndarray:
        return _relative_gaps(per_rep(at(unit)), targets)

    def jacobian(unit: np.ndarray) -> np.ndarray:
        """Forward differences of STEP (backward at the top of a range): steps of a fixed share of
        the range, where scipy's own are relative to the position and vanish near the bottom."""
        here = gaps(unit)
        columns = []
        for k in range(len(unit)):
            step = np.zeros_like(unit)
            step[k] = STEP if unit[k] + STEP <= 1.0 else -STEP
            columns.append((gaps(unit + step) - here) / step[k])
        return np.column_stack(columns)

    x0 = np.array([p.to_unit(start[p.path]) for p in params])
    result = least_squares(gaps, x0, jac=jacobian, bounds=(0.0, 1.0), xtol=1e-3, ftol=1e-4, max_nfev=max_steps)
    begun = at(x0)
    values = at(result.x)
    fitted = per_rep(values)
    covariance = _covariance(result.jac, result.fun, pd.DataFrame({t.label: t.gaps(fitted) for t in targets}))
    held_out_rms = _rms(fitted, held_out)
    rows = []
    for k, p in enumerate(params):
        moves = bool(np.any(result.jac[:, k] != 0))
        se = float(np.sqrt(covariance[k, k])) * _span(p) if moves else np.nan
        identified = moves and 2 * Z95 * se < IDENTIFIED_SHARE * _span(p)
        reverted, change = np.nan, (np.nan, np.nan)
        if held_out:
            at_start = per_rep({**values, p.path: begun[p.path]})
            reverted, change = _rms(at_start, held_out), _change_interval(fitted, at_start, held_out)
        lowers = bool(held_out_rms < reverted) if held_out else True
        number = p.as_number(values[p.path])
        rows.append({"parameter": p.path, "low": p.low, "high": p.high, "start": start[p.path],
                     "fitted": values[p.path], "std_error": se, "ci_low": _clip(p, number - Z95 * se),
                     "ci_high": _clip(p, number + Z95 * se), "identified": identified,
                     "held_out_rms_fitted": held_out_rms, "held_out_rms_at_start_value": reverted,
                     "change_ci_low": change[0], "change_ci_high": change[1], "kept": identified and lowers})
    return Fit(pd.DataFrame(rows), pd.DataFrame(trace), values, per_rep(begun), fitted, bool(result.success),
               str(result.message))


def gap_table(observed: pd.DataFrame, result: Fit, targets: Sequence[Target]) -> pd.DataFrame:
    """Every comparable published figure, fitted or held out, with the model at the start and at the fit (mean,
    95 % CI, gap, within the tolerance)."""
    chosen = {t.label for t in targets}
    before, after = figures(observed, result.start, chosen), figures(observed, result.fitted, chosen)
    table = after[["quantity", "period", "compared_as", "observed", "role", "split", "dated"]].copy()
    table["model_start"], table["gap_start"], table["within_start"] = before["model"], before["gap"], before["within"]
    for column in ("model", "ci_low", "ci_high", "gap", "relative_gap", "within"):
        table[f"{column}_fitted"] = after[column]
    table["relative_gap_start"] = before["relative_gap"]
    return table[table["split"].isin([FITTED, HELD_OUT]) & table["model_fitted"].notna()].reset_index(drop=True)


def score_table(gaps: pd.DataFrame) -> pd.DataFrame:
    """In-sample and out-of-sample scores (``sim.analysis.replay.scores``) at the start and at the fit."""
    def at(when: str) -> pd.DataFrame:
        table = gaps.rename(columns={f"relative_gap_{when}": "relative_gap", f"within_{when}": "within"})
        return scores(table).set_index("split").add_suffix(f"_{when}")
    return pd.concat([at("start"), at("fitted")], axis=1).reset_index()


def origin_row(origin: dt.date, result: Calibration) -> dict[str, Any]:
    """One line of a rolling origin: what was fitted and held out, both scores before and after, the values."""
    scored = result.scores.set_index("split")
    row: dict[str, Any] = {"origin": origin.isoformat()}
    for split, name in ((FITTED, "fitted"), (HELD_OUT, "held_out")):
        row[f"{name}_figures"] = int(scored.loc[split, "figures_fitted"])
        for when in ("start", "fitted"):
            row[f"{name}_within_{when}"] = int(scored.loc[split, f"within_{when}"])
            row[f"{name}_rms_{when}"] = scored.loc[split, f"rms_relative_gap_{when}"]
    for p in result.fit.parameters.itertuples():
        row[p.parameter] = p.fitted
        row[f"kept:{p.parameter}"] = p.kept
    return row


def _record(targets: Sequence[Target], params: Sequence[Parameter]) -> FittedTo:
    return FittedTo(figures=[t.label for t in targets], parameters=[p.path for p in params])


def _start(scenario: Scenario, params: Sequence[Parameter]) -> dict[str, Any]:
    """The scenario's own values, moved inside the ranges where they lie outside."""
    return {p.path: min(max(base_value(scenario, p), p.low), p.high) for p in params}


def _mean_gaps(per_rep: pd.DataFrame, targets: Sequence[Target]) -> np.ndarray:
    """Each target's relative gap of the mean model quantity (NaN where the model gives none)."""
    return np.array([t.gaps(per_rep).mean() for t in targets])


def _relative_gaps(per_rep: pd.DataFrame, targets: Sequence[Target]) -> np.ndarray:
    gaps = _mean_gaps(per_rep, targets)
    missing = [t.label for t, g in zip(targets, gaps, strict=True) if not np.isfinite(g)]
    if missing:
        raise CalibrationError(f"the model gives no value for {', '.join(missing)} at these parameter values")
    return gaps


def _rms(per_rep: pd.DataFrame, targets: Sequence[Target]) -> float:
    """Root mean square of the relative gaps of the mean model quantities (NaN without targets)."""
    gaps = _mean_gaps(per_rep, targets)
    gaps = gaps[np.isfinite(gaps)]
    return float(np.sqrt(np.mean(gaps ** 2))) if gaps.size else np.nan


def _change_interval(fitted: pd.DataFrame, other: pd.DataFrame, targets: Sequence[Target],
                     draws: int = 400) -> tuple[float, float]:
    """95 % bootstrap interval of the change in the targets' root mean square relative gap from ``other`` to
    ``fitted``, resampling the replications, which the two share (common random numbers): how much of a change
    is Monte Carlo noise."""
    gaps = [np.column_stack([t.gaps(frame).to_numpy(dtype=float) for t in targets]) for frame in (fitted, other)]
    rows = np.random.default_rng(0).integers(0, len(fitted), size=(draws, len(fitted)))
    rms = [np.sqrt(np.nanmean(np.nanmean(g[rows], axis=1) ** 2, axis=1)) for g in gaps]
    low, high = np.percentile(rms[0] - rms[1], [2.5, 97.5])
    return float(low), float(high)


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
