"""What common random numbers buy: width of the paired-difference CI, common against independent streams.

    python benchmarks/crn.py [-n 30]
    python benchmarks/crn.py --by-source six_month_fast_track [-n 32]

For every shipped variant against the baseline, the same number of replications is run twice:
with common random numbers (every variant draws replication i from the same streams) and with
independent streams (each variant its own seed). Printed: the 95 % CI width of the paired
difference in each case and their ratio (target: at least 3x narrower on delivery delay), the
correlation of the two variants' replications under common random numbers, and the ceiling: the
ratio that perfectly correlated replications would give, sqrt(var_a + var_b) / |sd_a - sd_b|. A
variant whose own replications vary much more than the baseline's (a shock whose size is itself
random) cannot be narrowed beyond that ceiling by any coupling of the random numbers.

``--by-source VARIANT`` asks where the rest of the paired difference comes from: one source of
randomness at a time varies across replications while every other source is held at one fixed
draw, in both the baseline and the variant (common random numbers); printed, the sd of the paired
difference of mean delivery delay each source makes on its own. If every source alone makes about
as much as all of them together, the variants' trajectories part on any perturbation, and no
re-alignment of one source's draws will narrow the difference.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.analysis.compare import compare
from sim.model.world import SOURCES, simulate
from sim.runs.execute import RunResult, default_workers, parallel_map
from sim.runs.metrics import layout, measure
from sim.runs.streams import Streams
from sim.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
VARIANTS = ("per_shipment_only", "six_month_fast_track", "general_licences", "general_veu_false_positives",
            "escalation_revocation")
METRICS = ("delay_days", "licence_wait_days", "shortfall_fraction")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--replications", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20250404)
    parser.add_argument("--by-source", metavar="VARIANT", choices=VARIANTS,
                        help="the paired difference of delay each source of randomness makes on its own")
    args = parser.parse_args()
    if args.by_source:
        by_source(args.by_source, args.replications, args.seed)
        return
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


class OneSource(Streams):
    """Replication ``replication``'s streams for ``source`` (every source if "all"), one fixed draw for the others."""

    def __init__(self, seed: int, replication: int, source: str) -> None:
        super().__init__(seed, replication)
        self._fixed = Streams(seed, 1_000_000)
        self._source = source

    def shared(self, source: str) -> np.random.Generator:
        return Streams.shared(self._pick(source), source)

    def entity_block(self, source: str, index: int, substream: int, block: int) -> np.random.Generator:
        return Streams.entity_block(self._pick(source), source, index, substream, block)

    def _pick(self, source: str) -> Streams:
        return self if self._source in ("all", source) else self._fixed


def paired_delay(job: tuple[str, str, int, int]) -> float:
    """Mean delivery delay of the variant minus the baseline's, in one replication with ``OneSource`` streams."""
    variant, source, seed, replication = job
    delays = []
    for name in ("baseline_2025", variant):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        shape = layout(scenario)
        values = measure(scenario, simulate(scenario, OneSource(seed, replication, source)), shape).values
        delays.append(values[shape.keys.index(("delay_days", "all"))])
    return delays[1] - delays[0]


def by_source(variant: str, replications: int, seed: int) -> None:
    sources = ("all", *SOURCES)
    jobs = [(variant, s, seed, r) for s in sources for r in range(replications)]
    diffs = parallel_map(paired_delay, jobs, default_workers(len(jobs)))
    print(f"sd of the paired difference in delay_days, {variant} - baseline_2025, {replications} replications,"
          f" one source varying at a time\n")
    for i, source in enumerate(sources):
        print(f"{source:<14}{np.std(diffs[i * replications:(i + 1) * replications], ddof=1):>8.3f}")


def _per_replication(result: RunResult, metric: str) -> np.ndarray:
    return result.values[:, result.keys.index((metric, "all"))]


if __name__ == "__main__":
    main()
