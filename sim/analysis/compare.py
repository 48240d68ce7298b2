"""Policy variants side by side, on common random numbers, with paired differences.

Replication *i* of every variant draws from the same random streams (one per stochastic source,
see ``sim.runs.streams``), so that a difference between variants comes from the policy rather
than the dice, and the paired difference of replication *i* has far less noise than the
difference of two independent runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.shadows import groups_of
from sim.catalogue import METRICS
from sim.runs.execute import RunResult, run, run_many
from sim.runs.summarise import mean_interval
from sim.scenario.load import leaves, resolved_dict
from sim.scenario.schema import Scenario

COMPARISON_COLUMNS = (
    "metric", "group", "variant", "mean", "ci_low", "ci_high", "n",
    "diff", "diff_ci_low", "diff_ci_high", "diff_n",
)  # fmt: skip


class NotComparable(ValueError):
    """Variants that cannot be compared, and why."""


@dataclass(frozen=True)
class Comparison:
    """Every variant's run and the comparison table against the baseline variant."""

    baseline: str
    results: dict[str, RunResult]
    table: pd.DataFrame
    common_random_numbers: bool


def check_comparable(scenarios: Sequence[Scenario], baseline: str) -> None:
    """Refuse variants with different calendars or materials, duplicate names, or a missing baseline."""
    names = [s.name for s in scenarios]
    if len(scenarios) < 2:
        raise NotComparable("a comparison needs at least two scenarios")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise NotComparable(f"scenario names must differ; repeated: {', '.join(duplicates)}")
    if baseline not in names:
        raise NotComparable(f"baseline {baseline!r} is not among the variants: {', '.join(names)}")
    reference = scenarios[0]
    for scenario in scenarios[1:]:
        if scenario.calendar != reference.calendar:
            raise NotComparable(
                f"{scenario.name} and {reference.name} have different calendars "
                f"({_calendar(scenario)} against {_calendar(reference)}); compare like periods"
            )
        if list(scenario.materials) != list(reference.materials):
            raise NotComparable(
                f"{scenario.name} and {reference.name} have different materials "
                f"({', '.join(scenario.materials)} against {', '.join(reference.materials)})"
            )


def compare(
    scenarios: Sequence[Scenario],
    baseline: str | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: bool = False,
    common_random_numbers: bool = True,
) -> Comparison:
    """Run every variant with the same seed and replications, and compare each with the baseline.

    Without ``common_random_numbers`` each variant gets a seed of its own (independent streams):
    only useful to measure what common random numbers buy.
    """
    baseline = baseline or scenarios[0].name
    check_comparable(scenarios, baseline)
    n, seed = scenarios[0].monte_carlo.resolve(replications, seed)
    if common_random_numbers:
        results = {scenarios[job].name: result for job, result in run_many(scenarios, n, seed=seed, workers=workers,
                                                                           progress=progress)}
    else:
        results = {s.name: run(s, n, seed=independent_seed(seed, k), workers=workers,
                               progress=progress) for k, s in enumerate(scenarios)}
    return Comparison(baseline, results, comparison_table(results, baseline), common_random_numbers)


def differing_groups(scenarios: Sequence[Scenario]) -> list[str]:
    """The groups of buyers that the values differing between the variants concern (``shadows.groups_of``) in
    any of them."""
    values = [leaves(resolved_dict(s)) for s in scenarios]
    keys = sorted(set().union(*values))
    differing = [key for key in keys if len({repr(v.get(key)) for v in values}) > 1]
    return list(dict.fromkeys(group for s in scenarios for group in groups_of(s, differing)))


def independent_seed(seed: int, variant: int) -> int:
    """A seed for variant ``variant`` whose streams are independent of every other variant's."""
    return int(np.random.SeedSequence([seed, variant, 0xC0FFEE]).generate_state(1, np.uint64)[0] >> 1)


def paired_difference(base: np.ndarray, other: np.ndarray,
                      bounds: tuple[float, float] = (-np.inf, np.inf)) -> tuple[float, float, float, int]:
    """Mean of ``other - base`` over replications that have both, with its Student-t 95 % interval, kept
    within what a difference of two values in ``bounds`` can be."""
    both = ~np.isnan(base) & ~np.isnan(other)
    d = other[both] - base[both]
    if len(d) == 0:
        return np.nan, np.nan, np.nan, 0
    low, high = bounds
    return (*mean_interval(d, bounds=(low - high, high - low)), len(d))


def comparison_table(results: dict[str, RunResult], baseline: str) -> pd.DataFrame:
    """One row per (metric, group, variant): the variant's mean and CI, and its paired difference."""
    base = results[baseline]
    base_column = {key: i for i, key in enumerate(base.keys)}
    rows = []
    for name, result in results.items():
        summary = result.summary.set_index(["metric", "group"])
        for column, key in enumerate(result.keys):
            if key not in base_column:
                continue
            row = summary.loc[key]
            diff = paired_difference(base.values[:, base_column[key]], result.values[:, column],
                                     METRICS[key[0]].bounds)
            rows.append((*key, name, row["mean"], row["ci_low"], row["ci_high"], row["n"], *diff))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _calendar(scenario: Scenario) -> str:
    c = scenario.calendar
    return f"start {c.start}, horizon {c.horizon_days} days, warm-up {c.warmup_days} days"
