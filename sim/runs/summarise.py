"""Across replications: mean, 95 % confidence interval and percentiles of every metric."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

CONFIDENCE = 0.95
SUMMARY_COLUMNS = ("metric", "group", "mean", "ci_low", "ci_high", "sd", "p5", "p50", "p95", "n")


def summarise(keys: list[tuple[str, str]], values: np.ndarray) -> pd.DataFrame:
    """Summary table of a (replications x keys) array; NaN entries are replications without the metric."""
    n = np.sum(~np.isnan(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = _nan_reduce(np.nanmean, values, n)
        sd = np.where(n > 1, _nan_reduce(lambda v, axis: np.nanstd(v, axis=axis, ddof=1), values, n), np.nan)
        half = stats.t.ppf((1 + CONFIDENCE) / 2, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
        p5, p50, p95 = (
            _nan_reduce(lambda v, axis, q=q: np.nanpercentile(v, q, axis=axis), values, n) for q in (5, 50, 95)
        )
    frame = pd.DataFrame(keys, columns=["metric", "group"])
    frame["mean"] = mean
    frame["ci_low"] = mean - half
    frame["ci_high"] = mean + half
    frame["sd"] = sd
    frame["p5"], frame["p50"], frame["p95"] = p5, p50, p95
    frame["n"] = n
    return frame


def _nan_reduce(function, values: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Apply a nan-aware reduction over replications, NaN where no replication has a value."""
    out = np.full(values.shape[1], np.nan)
    present = n > 0
    if present.any():
        out[present] = function(values[:, present], axis=0)
    return out
