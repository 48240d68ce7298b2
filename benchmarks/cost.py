"""How good the up-front cost estimate (``sim.model.cost``) is: estimated and measured events and peak memory of a
replication of every shipped scenario (and, with ``--verification``, of the verification cases).

    python benchmarks/cost.py                  # shipped scenarios, 3 replications each: about a minute
    python benchmarks/cost.py --verification   # and the verification cases

Memory is the peak of Python's allocations during a replication (tracemalloc), the part the estimate models.
"""

from __future__ import annotations

import argparse
import statistics
import tracemalloc
from pathlib import Path

from sim.model.cost import estimate
from sim.model.world import simulate
from sim.runs.streams import streams
from sim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def measured(path: Path, replications: int) -> tuple[float, float]:
    """Mean events and mean peak bytes of ``replications`` replications of a scenario file."""
    scenario = load_scenario(path)
    events, peaks = [], []
    for index in range(replications):
        tracemalloc.start()
        records = simulate(scenario, streams(scenario.monte_carlo.seed, index))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        events.append(records.events)
    return statistics.mean(events), statistics.mean(peaks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verification", action="store_true", help="the verification cases too")
    parser.add_argument("-n", type=int, default=3, help="replications of each (3)")
    args = parser.parse_args()
    files = sorted((ROOT / "scenarios").glob("*.yaml"))
    if args.verification:
        files += sorted((ROOT / "scenarios" / "verification").glob("*.yaml"))
    print(f"{'scenario':32s} {'events':>9s} {'estimate':>9s} {'error':>7s} {'MiB':>7s} {'estimate':>9s} {'error':>7s}")
    for path in files:
        cost = estimate(load_scenario(path))
        events, peak = measured(path, args.n)
        print(f"{path.stem:32s} {events:9,.0f} {cost.events:9,d} {cost.events / events - 1:+7.0%} "
              f"{peak / 2**20:7.1f} {cost.memory_bytes / 2**20:9.1f} {cost.memory_bytes / peak - 1:+7.0%}")


if __name__ == "__main__":
    main()
