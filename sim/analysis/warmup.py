"""Warm-up chosen, not guessed: MSER on the monthly shortfall of a scenario run without its dated events.

The dated events (and the VEU rule) are what a scenario is about; without them the model settles into
the steady state of the regime it starts in, and what comes before that is the start-up transient
that the warm-up must leave out. MSER (White, 1997) truncates a series where the standard error of
the mean of what is left is smallest, looking no further than its first half. The series here is the
monthly shortfall fraction (materials weighted as the headline), averaged over replications; each
month is itself the mean of about thirty daily values, so this is MSER-m with a batch of one month
(MSER-5 batches five observations). Where the series is flat the statistic's minimum wanders with the
noise, so the suggestion follows the one-standard-error rule: the earliest truncation whose statistic
is within one bootstrap standard error (over resamples of the replications) of the minimum's. The
10th to 90th percentiles of the resamples' own minima say how far the noise alone moves it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.runs.execute import run
from sim.scenario.schema import Scenario

BOOTSTRAP = 500


@dataclass(frozen=True)
class Warmup:
    """The suggestion for one scenario, and the series it comes from."""

    table: pd.DataFrame
    """One row per month: its first day (days since the start), the mean shortfall fraction across replications,
    and the MSER statistic of truncating the series before that month (NaN past the first half)."""
    months_cut: int
    months_range: tuple[int, int]
    """10th and 90th percentiles of the truncation point over bootstrap resamples of the replications."""
    days: int
    """The warm-up suggested: from the start to the first month kept."""
    scenario_days: int
    """The scenario's own warm-up."""
    replications: int


def quiet(scenario: Scenario) -> Scenario:
    """The scenario without its dated events and VEU rule, and without a warm-up: the regime it starts in."""
    veu = scenario.veu.model_copy(update={"date": None})
    calendar = scenario.calendar.model_copy(update={"warmup_days": 0})
    update = {"policy": {}, "veu": veu, "calendar": calendar, "name": f"{scenario.name}-quiet"}
    return scenario.model_copy(update=update)


def mser(series: np.ndarray) -> np.ndarray:
    """MSER statistic of truncating ``series`` before each point: the variance of what is left over its length
    (the squared standard error of its mean, up to a constant); NaN past the first half."""
    n = len(series)
    statistic = np.full(n, np.nan)
    for d in range(n // 2 + 1):
        rest = series[d:]
        statistic[d] = rest.var() / len(rest)
    return statistic


def truncation(per_replication: np.ndarray, resamples: int = BOOTSTRAP, seed: int = 0) -> tuple[int, int, int]:
    """MSER's truncation point of the replication mean of a (replications x periods) series, by the
    one-standard-error rule; and the 10th and 90th percentiles of the minima over bootstrap resamples."""
    rng = np.random.default_rng(seed)
    n = len(per_replication)
    statistic = mser(per_replication.mean(axis=0))
    resampled = np.array([mser(per_replication[rng.integers(0, n, n)].mean(axis=0)) for _ in range(resamples)])
    best = int(np.nanargmin(statistic))
    within = statistic <= statistic[best] + np.nanstd(resampled[:, best])
    low, high = np.percentile(np.nanargmin(resampled, axis=1), [10, 90])
    return int(np.argmax(within)), int(low), int(np.ceil(high))


def warmup(scenario: Scenario, replications: int, *, seed: int | None = None, workers: int | None = None,
           progress: bool = False) -> Warmup:
    """Run the quiet variant of a scenario and suggest the warm-up that MSER finds in its monthly shortfall."""
    result = run(quiet(scenario), replications, seed=seed, workers=workers, progress=progress)
    weights = np.array(list(scenario.value_weights().values()))
    demand = np.einsum("rmkd,k->rm", result.series[..., 0].astype(float), weights)
    shortfall = np.einsum("rmkd,k->rm", result.series[..., 1].astype(float), weights)
    fraction = np.divide(shortfall, demand, out=np.zeros_like(demand), where=demand > 0)
    cut, low, high = truncation(fraction, seed=result.seed)
    calendar = scenario.calendar
    first_days = [max(0, (pd.Timestamp(f"{month}-01").date() - calendar.start).days) for month in result.layout.months]
    mean = fraction.mean(axis=0)
    table = pd.DataFrame({"month": result.layout.months, "first_day": first_days, "shortfall_fraction": mean,
                          "mser": mser(mean)})
    return Warmup(table, cut, (low, high), first_days[cut], calendar.warmup_days, result.replications)
