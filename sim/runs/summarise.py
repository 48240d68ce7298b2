"""Across replications: mean, 95 % confidence interval and percentiles of every metric.

Intervals are Student's t intervals of the mean, intersected with the range the metric can take (a
count is never below 0, a share never outside [0, 1]). The intersection keeps the coverage: the true
mean lies in the range, so it is inside the intersection exactly when it is inside the t interval.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from sim.catalogue import METRICS

CONFIDENCE = 0.95
Z95 = float(stats.norm.ppf((1 + CONFIDENCE) / 2))
"""The normal quantile of a two-sided 95 % interval."""
SUMMARY_COLUMNS = ("metric", "group", "mean", "ci_low", "ci_high", "sd", "p5", "p50", "p95", "n")


def summarise(keys: list[tuple[str, str]], values: np.ndarray) -> pd.DataFrame:
    """Summary table of a (replications x keys) array; NaN entries are replications without the metric.

    The confidence interval is Student's t interval of the mean over the replications that have
    the metric, within the metric's range; it needs at least two of them.
    """
    n = np.sum(~np.isnan(values), axis=0)
    mean = _reduce(np.nanmean, values, n > 0)
    sd = _reduce(lambda v, axis: np.nanstd(v, axis=axis, ddof=1), values, n > 1)
    half = stats.t.ppf((1 + CONFIDENCE) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    frame = pd.DataFrame(keys, columns=["metric", "group"])
    frame["mean"] = mean
    low, high = np.array([METRICS[metric].bounds for metric, _ in keys]).reshape(-1, 2).T
    frame["ci_low"] = np.maximum(mean - half, low)
    frame["ci_high"] = np.minimum(mean + half, high)
    frame["sd"] = sd
    for q in (5, 50, 95):
        frame[f"p{q}"] = _reduce(lambda v, axis, q=q: np.nanpercentile(v, q, axis=axis), values, n > 0)
    frame["n"] = n
    return frame


def mean_interval(sample: np.ndarray, confidence: float = CONFIDENCE,
                  bounds: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float, float]:
    """Mean of a sample with its Student-t confidence interval within ``bounds`` (NaN below two values)."""
    sample = np.asarray(sample, dtype=float)
    mean = float(sample.mean())
    if len(sample) < 2:
        return mean, np.nan, np.nan
    half = float(stats.t.ppf((1 + confidence) / 2, len(sample) - 1) * sample.std(ddof=1) / np.sqrt(len(sample)))
    return mean, max(mean - half, bounds[0]), min(mean + half, bounds[1])


def _reduce(function: Callable, values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Apply a nan-aware reduction over replications where ``present``, NaN elsewhere."""
    out = np.full(values.shape[1], np.nan)
    if present.any():
        out[present] = function(values[:, present], axis=0)
    return out
