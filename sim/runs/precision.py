"""Replications chosen for the user: run until a headline interval is as narrow as asked.

The rule (Stein's two stages, repeated if need be): a pilot of ``PILOT`` replications estimates the spread of
the metric in every group watched; the next stage runs the replications that spread says the asked half-width
needs, n = n_last (h / target)^2, at least ``GROWTH`` and at most ``LEAP`` times the last; this repeats until
the widest half-width of the watched groups is at most the target or the cap is reached. Each stage runs
replications 0..n-1 again (a replication is a pure function of its index), so the result is exactly that of
``-n`` with the replications it stopped at, and only the earlier stages' replications are spent twice. Stopping
on the data makes the interval's coverage a little less than 95 %; a pilot of 20 keeps the loss small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.catalogue import METRICS
from sim.runs.execute import RunResult, run
from sim.runs.summarise import CONFIDENCE
from sim.scenario.schema import Scenario

PILOT = 20
GROWTH = 1.2
LEAP = 4
"""No stage runs more than this many times the last: a pilot's spread of a skewed metric can be far off."""
CAP = 2000


@dataclass(frozen=True)
class Precision:
    """What ``--precision`` asks: the half-width of the 95 % interval of a metric, and a cap on replications."""

    target: float
    metric: str = "shortfall_fraction"
    cap: int = CAP


@dataclass(frozen=True)
class Stopping:
    """How many replications a run asked for by precision took, and why it stopped."""

    metric: str
    groups: tuple[str, ...]
    target: float
    """The half-width of the 95 % interval asked for, in the metric's units."""
    half_width: float
    """The widest half-width among the groups watched, at the stop."""
    stages: tuple[int, ...]
    """The replications of each stage run, the last kept."""
    cap: int

    @property
    def replications(self) -> int:
        return self.stages[-1]

    @property
    def reached(self) -> bool:
        return self.half_width <= self.target

    def __str__(self) -> str:
        watched = ", ".join(self.groups)
        asked = (f"replications chosen for a 95 % interval of {self.metric} no wider than ±{self._shown(self.target)} "
                 f"({watched}): stages of {', '.join(map(str, self.stages))} replications")
        if self.reached:
            return f"{asked}; the widest is ±{self._shown(self.half_width)} at {self.replications}"
        return (f"{asked}; stopped at the cap of {self.cap} with the widest at ±{self._shown(self.half_width)}, "
                "wider than asked (raise --max-replications, or ask a coarser --precision)")

    def _shown(self, half_width: float) -> str:
        """A half-width in the metric's units: a share's in points."""
        if METRICS[self.metric].unit == "share":
            return f"{100 * half_width:.3g} points"
        return f"{half_width:.3g} {METRICS[self.metric].unit}"


def widest_half_width(summary: pd.DataFrame, metric: str, groups: tuple[str, ...]) -> float:
    """The widest Student-t half-width (before any clipping to the metric's range) of ``metric`` over ``groups``;
    infinite where a group has fewer than two replications with a value."""
    rows = summary.set_index(["metric", "group"]).loc[[(metric, group) for group in groups]]
    n = rows["n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf((1 + CONFIDENCE) / 2, np.maximum(n - 1, 1)) * rows["sd"].to_numpy() / np.sqrt(n)
    half = np.where((n < 2) | np.isnan(half), np.inf, half)
    return float(half.max())


def run_to_precision(scenario: Scenario, asked: Precision, *, groups: tuple[str, ...] = ("all",),
                     seed: int | None = None, workers: int | None = None, pilot: int = PILOT,
                     progress: bool = False) -> tuple[RunResult, Stopping]:
    """Run a scenario with as many replications as the 95 % interval of the metric asked in every one of
    ``groups`` needs to be at most the target either side of its mean (see the module's rule), at most the cap."""
    metric, target, cap = asked.metric, asked.target, asked.cap
    n, stages = min(pilot, cap), []
    while True:
        result = run(scenario, n, seed=seed, workers=workers, progress=progress)
        stages.append(n)
        half = widest_half_width(result.summary, metric, groups)
        if half <= target or n >= cap:
            return result, Stopping(metric, groups, target, half, tuple(stages), cap)
        needed = math.ceil(n * (half / target) ** 2) if math.isfinite(half) else 2 * n
        n = min(cap, LEAP * n, max(needed, math.ceil(n * GROWTH)))
