"""Scenario discovery on a finished sweep: which region of the parameter space holds the bad outcomes.

A point is bad when its metric crosses the threshold: its mean, or (``share``) at least that share of its
replications. PRIM finds boxes that hold most bad points (peeling and pasting, the coverage/density trade-off,
quasi-p-values of each restriction) and CART a tree, both from the EMA Workbench (``ema_workbench.analysis``),
on the sweep's saved points; any design will do, a space-filling one (``--method lhs``) best.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.parameters import Parameter, plain_values

SIGNIFICANT = 0.05
"""Largest quasi-p-value of a restriction for the box to be chosen by default (Bryant and Lempert, 2010)."""
CART_SEED = 2025
"""Fixes CART's choice between equally good splits, so that the same sweep gives the same tree."""
MASS_MIN = 0.05
"""Smallest share of the points a PRIM box or a CART leaf may hold."""


class DiscoveryError(ValueError):
    """A sweep, metric or threshold that discovery cannot work with, and why."""


@dataclass(frozen=True)
class Discovery:
    """What PRIM and CART found: the points as classified, the peeling trajectory (one row per box, the chosen
    one marked), the chosen box's limits, every box's limits, and CART's leaves."""

    metric: str
    threshold: float
    below: bool
    share: float | None
    left_out: int
    """Points where the metric has no value (e.g. no review decided), left out of the analysis."""
    points: pd.DataFrame
    tradeoff: pd.DataFrame
    chosen: int
    significant: bool
    """Whether every restriction of the chosen box has a quasi-p-value under ``SIGNIFICANT``."""
    box: pd.DataFrame
    boxes: pd.DataFrame
    tree: pd.DataFrame

    @property
    def bad(self) -> str:
        """What makes a point bad, in words."""
        return _bad_words(self.metric, self.threshold, self.below, self.share)


def discover(description: dict[str, Any], records: Sequence[dict[str, Any]], *, metric: str, threshold: float,
             below: bool = False, share: float | None = None, box: int | None = None) -> Discovery:
    """Classify the points (see the module) and run PRIM and CART on them; ``box`` picks a box of the
    trajectory instead of the default (the best balance of coverage and density among significant boxes)."""
    axes = [Parameter.from_record(p) for p in description["params"]]
    outcome, bad = _classify(records, metric, threshold, below, share)
    known = ~np.isnan(outcome)  # a point where the metric has no value (e.g. no review decided) is left out
    records, outcome, bad = [r for r, k in zip(records, known, strict=True) if k], outcome[known], bad[known]
    if len(records) < 10:
        raise DiscoveryError(f"discovery needs at least 10 points with a value of {metric}; the sweep has "
                             f"{len(records)}" + (f" ({int((~known).sum())} without one)" if not known.all() else ""))
    if bad.all() or not bad.any():
        what = "every" if bad.all() else "no"
        raise DiscoveryError(f"{what} point is bad ({_bad_words(metric, threshold, below, share)}); the points' "
                             f"{'share' if share is not None else 'mean'} ranges {np.nanmin(outcome):.4g} to "
                             f"{np.nanmax(outcome):.4g}: choose a threshold between")
    x = pd.DataFrame({a.path: [_number(a, r["values"][a.path]) for r in records] for a in axes})
    points = pd.DataFrame({"id": [r["id"] for r in records]}).join(
        pd.DataFrame({a.path: [r["values"][a.path] for r in records] for a in axes}))
    points["outcome"], points["bad"] = outcome, bad
    tradeoff, limits, qp = _prim(x, bad)
    significant = [_significant(q) for q in qp]
    chosen = _choose(tradeoff, significant) if box is None else box
    if not 0 <= chosen < len(tradeoff):
        raise DiscoveryError(f"--box {chosen}: the trajectory has boxes 0 to {len(tradeoff) - 1}")
    tradeoff["chosen"] = tradeoff["box"] == chosen
    boxes = pd.concat([_limits(i, limits[i], qp[i], axes) for i in range(len(limits))], ignore_index=True)
    return Discovery(metric, threshold, below, share, int((~known).sum()), points, tradeoff, chosen,
                     significant[chosen],
                     boxes[boxes["box"] == chosen].drop(columns="box").reset_index(drop=True), boxes,
                     _cart(x, bad, axes))


def _number(p: Parameter, value: Any) -> float:
    """A point's saved value on the parameter's numeric axis (a date as days since the low end of the range)."""
    if p.kind != "date" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise DiscoveryError(f"parameter {p.path} has the non-numeric value {value!r}: PRIM and CART need "
                             "numbers or dates")
    return p.as_number(p.saved(value))


def _limit(p: Parameter, x: float, side: str = "lower") -> Any:
    """A box limit as the parameter's own value: a date as an ISO string, the first day inside the box (a limit
    half-way between two points' days rounds inwards)."""
    if p.kind == "date":
        x = math.ceil(x) if side == "lower" else math.floor(x)
    return p.from_number(x)


def _bad_words(metric: str, threshold: float, below: bool, share: float | None) -> str:
    """What makes a point bad, in words."""
    crossing = f"{metric} {'below' if below else 'above'} {threshold:g}"
    return f"mean {crossing}" if share is None else f"at least {share:.0%} of replications with {crossing}"


def _classify(records: Sequence[dict[str, Any]], metric: str, threshold: float, below: bool,
              share: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Per point: the outcome (the metric's mean, or the share of its replications that cross the threshold)
    and whether the point is bad."""
    recorded = set(records[0]["metrics"])
    if metric not in recorded:
        raise DiscoveryError(f"the sweep did not record {metric!r}; it recorded {', '.join(sorted(recorded))}")

    def crosses(values: np.ndarray) -> np.ndarray:
        return values < threshold if below else values > threshold

    if share is None:
        means = np.array([r["metrics"][metric]["mean"] for r in records], dtype=float)  # None -> nan
        return means, crosses(means)
    if any(metric not in r.get("replications", {}) for r in records):
        raise DiscoveryError("the sweep's points were saved without their replications' values (an older "
                             "version): rerun the sweep into a new folder to classify by --share")
    shares = np.array([_share(np.array(r["replications"][metric], dtype=float), crosses) for r in records])
    return shares, shares >= share


def _share(values: np.ndarray, crosses: Callable[[np.ndarray], np.ndarray]) -> float:
    """The share of the replications with a value that cross the threshold (nan if none has one)."""
    values = values[~np.isnan(values)]
    return float(crosses(values).mean()) if len(values) else np.nan


def _prim(x: pd.DataFrame, bad: np.ndarray) -> tuple[pd.DataFrame, list[pd.DataFrame], list[dict[str, list]]]:
    prim = _ema("prim")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas future warnings from inside the library
        # a threshold just above 0: the bad points (1) are the cases of interest, and the box is kept whatever
        # its density (PRIM otherwise returns a box of everything when the last one is under the threshold)
        found = prim.Prim(x, bad.astype(float), threshold=1e-9, peel_alpha=0.05, paste_alpha=0.05,
                          mass_min=MASS_MIN).find_box()
    trajectory = found.peeling_trajectory
    tradeoff = pd.DataFrame({"box": trajectory["id"].astype(int), "coverage": trajectory["coverage"],
                             "density": trajectory["density"], "mass": trajectory["mass"],
                             "restricted": trajectory["res_dim"].astype(int), "points": trajectory["n"].astype(int),
                             "bad_points": trajectory["k"].astype(int)})
    return tradeoff.reset_index(drop=True), list(found.box_lims), list(found.qp)


def _significant(qp: dict[str, list]) -> bool:
    """Whether a box restricts something and every restriction has a quasi-p-value under ``SIGNIFICANT`` (-1
    marks a side left unrestricted)."""
    return bool(qp) and all(max(v) < SIGNIFICANT for v in qp.values())


def _choose(tradeoff: pd.DataFrame, significant: list[bool]) -> int:
    """The box with the best balance of coverage and density (their harmonic mean) among those whose every
    restriction is significant; among all boxes if none is."""
    balance = 2 * tradeoff["coverage"] * tradeoff["density"] / (tradeoff["coverage"] + tradeoff["density"])
    candidates = balance.where(np.array(significant))
    return int(tradeoff["box"][(candidates if candidates.notna().any() else balance).idxmax()])


def _limits(i: int, limits: pd.DataFrame, qp: dict[str, list], axes: Sequence[Parameter]) -> pd.DataFrame:
    """The restricted parameters of box ``i``: its limits and the range swept, in the parameters' own units."""
    rows = []
    for a in axes:
        if a.path not in qp:
            continue
        lower, upper = (float(v) for v in limits[a.path])
        swept = plain_values({"low": a.low, "high": a.high})
        rows.append({"box": i, "parameter": a.path, "lower": _limit(a, lower), "upper": _limit(a, upper, "upper"),
                     "swept_low": swept["low"], "swept_high": swept["high"],
                     "qp_lower": _qp(qp[a.path][0]), "qp_upper": _qp(qp[a.path][1])})
    return pd.DataFrame(rows, columns=["box", "parameter", "lower", "upper", "swept_low", "swept_high",
                                       "qp_lower", "qp_upper"])


def _qp(value: float) -> float:
    return np.nan if value < 0 else float(value)  # -1: that side is not restricted


def _cart(x: pd.DataFrame, bad: np.ndarray, axes: Sequence[Parameter]) -> pd.DataFrame:
    """CART's leaves: each one's coverage, density and mass of bad points, and its rule."""
    cart = _ema("cart")
    state = np.random.get_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = cart.CART(x, bad, mass_min=max(MASS_MIN, 1 / len(x)))  # a leaf holds at least one point
        try:  # the library's tree breaks ties between splits with numpy's global generator: seeded, then restored
            np.random.seed(CART_SEED)
            tree.build_tree()
        finally:
            np.random.set_state(state)
        leaves, stats = tree.boxes, tree.stats
    rows = []
    for k, (limits, s) in enumerate(zip(leaves, stats, strict=True)):
        rules = []
        for a in axes:
            lower, upper = (float(v) for v in limits[a.path])
            low, high = x[a.path].min(), x[a.path].max()
            if lower > low:
                rules.append(f"{a.path} >= {_limit(a, lower)}")
            if upper < high:
                rules.append(f"{a.path} <= {_limit(a, upper, 'upper')}")
        rows.append({"leaf": k, "coverage": s["coverage"], "density": s["density"], "mass": s["mass"],
                     "restricted": int(s["res dim"]), "rule": " and ".join(rules) or "(everything)"})
    return pd.DataFrame(rows).sort_values(["density", "coverage"], ascending=False, ignore_index=True)


def _ema(module: str) -> Any:
    """An EMA Workbench analysis module, imported quietly (the package warns about optional parallel back-ends)."""
    import importlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(f"ema_workbench.analysis.{module}")
