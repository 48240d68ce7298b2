"""Whether a change to the model left its numbers as they were: the headline metrics of a scenario here and in
another checkout, same seed, replication by replication.

    python benchmarks/equivalence.py --against ../old-checkout            # baseline, 200 replications
    python benchmarks/equivalence.py --against ../old-checkout --scenario scenarios/per_shipment_only.yaml

A change that keeps every draw in its place gives identical values ("identical" below). One that draws the same
numbers in another order (or rounds differently) moves single replications, but must not move the means: for
each headline metric (all buyers), the paired difference of the means with its 95 % interval and the p-value of
a paired t-test, and how many metrics a Holm correction for their number finds different at 5 %.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from scipy import stats

from sim.analysis.compare import paired_difference

HERE = Path(__file__).resolve().parent.parent

VALUES = """
import sys
import numpy as np
sys.path.insert(0, sys.argv[1])
from sim.commands.text import HEADLINE
from sim.runs.execute import run
from sim.scenario.load import load_scenario
result = run(load_scenario(sys.argv[2]), int(sys.argv[3]), seed=int(sys.argv[4]))
columns = [result.keys.index((metric, "all")) for metric in HEADLINE]
np.savez(sys.argv[5], values=result.values[:, columns], metrics=np.array(HEADLINE))
"""


def headline_values(tree: Path, scenario: str, replications: int, seed: int) -> tuple[np.ndarray, list[str]]:
    """Per-replication headline metrics of ``scenario`` (a path inside ``tree``), run with ``tree``'s code."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "values.npz"
        subprocess.run([sys.executable, "-c", VALUES, str(tree), str(tree / scenario), str(replications), str(seed),
                        str(out)], check=True)
        saved = np.load(out)
        return saved["values"], [str(m) for m in saved["metrics"]]


def _mean(values: np.ndarray) -> float:
    """Mean of the replications that have a value (NaN if none has: a metric the scenario has no case of)."""
    known = values[~np.isnan(values)]
    return float(known.mean()) if known.size else np.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path, required=True, metavar="CHECKOUT", help="the other checkout (A)")
    parser.add_argument("--scenario", default="scenarios/baseline_2025.yaml", help="a path inside both checkouts")
    parser.add_argument("-n", "--replications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20250404)
    args = parser.parse_args()
    old, metrics = headline_values(args.against.resolve(), args.scenario, args.replications, args.seed)
    new, _ = headline_values(HERE, args.scenario, args.replications, args.seed)
    print(f"{args.scenario}, {args.replications} replications, seed {args.seed}: B (here) - A ({args.against})")
    print(f"{'metric':32s} {'A mean':>11s} {'B mean':>11s} {'B - A':>10s} {'95 % interval':>22s} {'p':>7s}")
    p_values = []
    for column, metric in enumerate(metrics):
        a, b = old[:, column], new[:, column]
        if np.array_equal(a, b, equal_nan=True):
            print(f"{metric:32s} {_mean(a):11.4g} {_mean(b):11.4g} {'identical':>10s}")
            continue
        difference, low, high, _ = paired_difference(a, b)
        both = ~np.isnan(a) & ~np.isnan(b)
        p = stats.ttest_rel(b[both], a[both]).pvalue
        p_values.append(p)
        print(f"{metric:32s} {_mean(a):11.4g} {_mean(b):11.4g} {difference:10.4g} "
              f"{f'[{low:.4g}, {high:.4g}]':>22s} {p:7.3f}")
    if p_values:
        ordered = np.sort(p_values)
        different = 0  # Holm's step-down: the i-th smallest p against 0.05 / (m - i), until one is above
        while different < len(ordered) and ordered[different] <= 0.05 / (len(ordered) - different):
            different += 1
        print(f"{len(p_values)} metrics moved; smallest p {ordered[0]:.3f}; different at 5 % after Holm: {different}")
    else:
        print("every headline metric identical")


if __name__ == "__main__":
    main()
