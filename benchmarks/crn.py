"""What common random numbers buy: width of the paired-difference CI, common against independent streams.

    python benchmarks/crn.py [-n 30]

For every shipped variant against the baseline, the same number of replications is run twice:
with common random numbers (every variant draws replication i from the same streams) and with
independent streams (each variant its own seed). Printed: the 95 % CI width of the paired
difference in each case and their ratio (target: at least 3x narrower on delivery delay), the
correlation of the two variants' replications under common random numbers, and the ceiling: the
ratio that perfectly correlated replications would give, sqrt(var_a + var_b) / |sd_a - sd_b|. A
variant whose own replications vary much more than the baseline's (a shock whose size is itself
random) cannot be narrowed beyond that ceiling by any coupling of the random numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.analysis.compare import compare
from sim.runs.execute import RunResult
from sim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
VARIANTS = ("per_shipment_only", "six_month_fast_track", "general_licences", "general_veu_false_positives",
            "escalation_revocation")
METRICS = ("delay_days", "licence_wait_days", "shortfall_fraction")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20250404)
    args = parser.parse_args()
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml") for name in ("baseline_2025", *VARIANTS)]
    widths, coupled = {}, {}
    for crn in (True, False):
        comparison = compare(scenarios, replications=args.replications, seed=args.seed, common_random_numbers=crn)
        table = comparison.table
        rows = table[(table.group == "all") & table.metric.isin(METRICS) & (table.variant != "baseline_2025")]
        for row in rows.itertuples():
            widths[(row.variant, row.metric, crn)] = row.diff_ci_high - row.diff_ci_low
        if crn:
            coupled = comparison.results
    print(f"95 % CI width of the paired difference from baseline_2025, {args.replications} replications each\n")
    print(f"{'variant':<30}{'metric':<22}{'common':>10}{'independent':>13}{'narrower':>10}{'corr':>7}"
          f"{'ceiling':>9}")
    for variant in VARIANTS:
        for metric in METRICS:
            common, independent = widths[(variant, metric, True)], widths[(variant, metric, False)]
            a, b = (_per_replication(coupled[name], metric) for name in ("baseline_2025", variant))
            ceiling = np.sqrt(a.var(ddof=1) + b.var(ddof=1)) / abs(a.std(ddof=1) - b.std(ddof=1))
            print(f"{variant:<30}{metric:<22}{common:>10.4g}{independent:>13.4g}{independent / common:>9.1f}x"
                  f"{np.corrcoef(a, b)[0, 1]:>7.2f}{ceiling:>8.1f}x")


def _per_replication(result: RunResult, metric: str) -> np.ndarray:
    return result.values[:, result.keys.index((metric, "all"))]


if __name__ == "__main__":
    main()
