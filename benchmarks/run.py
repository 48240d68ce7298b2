"""Speed and memory figures of the model, printed in one process run so that they compare.

    python benchmarks/run.py            # full: about 10 minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run of the same measurements
    python benchmarks/run.py --against ../old-checkout   # interleaved A/B of the cost of a replication
    python benchmarks/run.py --against ../old-checkout --examples   # and of the README's sweep examples

Prints: events per second of the model on the reference scenario next to bare SimPy; seconds per
replication and replications per second with 1 and 2 workers; peak memory of the parent and
workers; peak memory of ``sim run`` with 200, 2,000 and 10,000 replications (100 and 1,000 with
--quick), as a user runs it, report included; how the cost grows with the number of buyers (1x,
4x, 16x). With ``--against``, only the cost of a replication (and events per replication and per
need) here and in another checkout of the project (e.g. a ``git worktree`` of an older commit),
and with ``--examples`` the wall time of the README's Morris and discovery examples in both.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import simpy
import yaml

from sim.model.world import simulate
from sim.runs.execute import run
from sim.runs.streams import streams
from sim.scenario.load import load_scenario, resolved_dict
from sim.scenario.schema import Scenario

REFERENCE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline_2025.yaml"


def bare_simpy_events_per_second(events: int) -> float:
    """A loop of plain timeouts: the fastest SimPy can go on this machine."""
    env = simpy.Environment()

    def ticker(env: simpy.Environment):
        while True:
            yield env.timeout(1)

    for _ in range(100):
        env.process(ticker(env))
    started = time.perf_counter()
    env.run(until=events // 100)
    return events / (time.perf_counter() - started)


def model_events_per_second(scenario: Scenario, replications: int) -> tuple[float, float, float]:
    """Events per second, seconds per replication and events per replication of the model itself, in this process."""
    events, started = 0, time.perf_counter()
    for index in range(replications):
        events += simulate(scenario, streams(scenario.monte_carlo.seed, index)).events
    elapsed = time.perf_counter() - started
    return events / elapsed, elapsed / replications, events / replications


def scaled(scenario: Scenario, factor: int) -> Scenario:
    """The scenario with ``factor`` times the firms and the reviewers, so that queues stay alike."""
    buyers = {name: group.model_copy(update={"count": group.count * factor})
              for name, group in scenario.buyers.items()}
    authority = scenario.authority.model_copy(update={"reviewers": scenario.authority.reviewers * factor})
    return scenario.model_copy(update={"buyers": buyers, "authority": authority})


def one_firm_per_group(scenario: Scenario) -> Scenario:
    """The scenario with one firm in every buyer group: the results have the same shape (months,
    materials, destinations, groups), so aggregating them costs the same memory, at a tenth of the time."""
    buyers = {name: group.model_copy(update={"count": 1}) for name, group in scenario.buyers.items()}
    return scenario.model_copy(update={"buyers": buyers})


def memory_of_a_long_run(scenario: Scenario, replications: int) -> tuple[float, float, float]:
    """Peak memory (MiB) of ``sim run`` (parent, largest worker) with ``replications``, and its wall time."""
    measure = ("import resource, sys; from sim.cli import main; status = main(sys.argv[1:]); "
               "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
               "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(status)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenario.yaml"
        path.write_text(yaml.safe_dump(resolved_dict(scenario), sort_keys=False))
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", measure, "run", str(path), "-n", str(replications),
                               "--out", str(Path(folder) / "out")], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
    parent, child = (int(v) / 1024 for v in done.stdout.split()[-2:])
    return parent, child, wall


TIME_REPLICATIONS = """
import sys, time
sys.path.insert(0, {tree!r})
from sim.model.world import World
from sim.runs.execute import run
from sim.runs.streams import streams
from sim.scenario.load import load_scenario
scenario = load_scenario({scenario!r})
world = World(scenario, streams(10**6, 0))  # one replication to count needs (from the first, warm-up too)
world.run()  # and to warm caches (holiday calendar, imports)
started = time.perf_counter()
result = run(scenario, {replications}, workers=1)  # as a run does: simulate, measure, collect
print((time.perf_counter() - started) / {replications}, result.events / {replications},
      world.env.events_processed / len(world.needs))
"""


def interleaved_ab(old: Path, new: Path, scenario: str, rounds: int, replications: int) -> None:
    """Seconds per replication of ``scenario`` (a path inside each checkout) in two checkouts, each round in
    fresh processes, taking turns to go first so that drifts of the machine fall on both; prints the median of
    each and the spread of the paired ratios."""
    seconds: dict[Path, list[float]] = {old: [], new: []}
    events: dict[Path, tuple[float, float]] = {}
    for round_ in range(rounds):
        for tree in (old, new) if round_ % 2 == 0 else (new, old):
            code = TIME_REPLICATIONS.format(tree=str(tree), scenario=str(tree / scenario), replications=replications)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            per_rep, *events[tree] = (float(v) for v in out.split())
            seconds[tree].append(per_rep)
    ratios = sorted(b / a for a, b in zip(seconds[old], seconds[new], strict=True))
    print(f"{scenario}:")
    for label, tree in (("A", old), ("B", new)):
        per_replication, per_need = events[tree]
        print(f"{label} {tree}: median {statistics.median(seconds[tree]) * 1000:.0f} ms per replication, "
              f"{per_replication:,.0f} events a replication, {per_need:.2f} a need")
    print(f"B/A per round ({rounds} rounds of {replications} replications): median {statistics.median(ratios):.3f}, "
          f"range {ratios[0]:.3f} to {ratios[-1]:.3f}; replications per core-second B/A "
          f"{1 / statistics.median(ratios):.2f}")


SWEEP = ["sweep", "scenarios/baseline_2025.yaml", "-n", "10", "--out", "{out}"]
EXAMPLES = {
    "Morris (README)": [[
        *SWEEP, "--method", "morris", "--samples", "10",
        "--param", "authority.reviewers=150:450", "--param", "veu.false_positive_rate=0:0.2",
        "--param", "licence_types.per_shipment.approval_probability=0.5:1",
        "--param", "veu.date=2025-09-01:2026-06-01"]],
    "discovery (README)": [[
        *SWEEP, "--method", "lhs_optimised", "--samples", "64",
        "--param", "authority.pools.rare_earths.reviewers=50:300",
        "--param", "licence_types.per_shipment.approval_probability=0.5:1",
        "--param", "veu.false_positive_rate=0:0.2",
        "--param", "materials.NdFeB.alternative.capacity_kg_per_month=20000:120000",
        "--param", "policy.general_licences.date=2025-09-01:2026-06-01"],
        ["discover", "{out}", "--metric", "shortfall_fraction", "--threshold", "0.15"]],
}
"""The README's sweep examples as a user types them (``--out`` added), each a list of commands, for both
checkouts."""


def examples_ab(old: Path, new: Path) -> None:
    """Wall time of the README's Morris and discovery examples (sweep, then ``sim discover``) in two checkouts."""
    command = "import sys; sys.path.insert(0, sys.argv[1]); from sim.cli import main; sys.exit(main(sys.argv[2:]))"
    for name, steps in EXAMPLES.items():
        walls = {}
        for tree in (old, new):
            with tempfile.TemporaryDirectory() as folder:
                out = str(Path(folder) / "out")
                started = time.perf_counter()
                for step in steps:
                    subprocess.run([sys.executable, "-c", command, str(tree), *(a.format(out=out) for a in step)],
                                   cwd=tree, check=True, capture_output=True)
                walls[tree] = time.perf_counter() - started
        print(f"{name}: A {walls[old]:.0f} s, B {walls[new]:.0f} s, B/A {walls[new] / walls[old]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications, same measurements")
    parser.add_argument("--against", type=Path, metavar="CHECKOUT",
                        help="only an interleaved A/B of a replication's cost: CHECKOUT (A) against this one (B)")
    parser.add_argument("--scenario", default="scenarios/baseline_2025.yaml",
                        help="for --against: the scenario, a path inside both checkouts")
    parser.add_argument("--rounds", type=int, default=6, help="for --against: rounds of the A/B")
    parser.add_argument("--examples", action="store_true",
                        help="for --against: also time the README's Morris and discovery examples in both")
    args = parser.parse_args()
    if args.against is not None:
        interleaved_ab(args.against.resolve(), REFERENCE.parent.parent, args.scenario, args.rounds,
                       2 if args.quick else 10)
        if args.examples:
            examples_ab(args.against.resolve(), REFERENCE.parent.parent)
        return
    reps = 4 if args.quick else 20
    pool_reps = 8 if args.quick else 100
    scenario = load_scenario(REFERENCE)
    firms = sum(g.count for g in scenario.buyers.values())
    print(f"machine: {os.cpu_count()} cores; reference: {REFERENCE.name} ({firms} firms, "
          f"{len(scenario.materials)} materials, {scenario.calendar.horizon_days} days)")

    bare = bare_simpy_events_per_second(2_000_000 if not args.quick else 200_000)
    model, per_rep, events = model_events_per_second(scenario, reps)
    print(f"bare SimPy:  {bare:>12,.0f} events/s")
    print(f"model:       {model:>12,.0f} events/s  ({model / bare:.0%} of bare SimPy), "
          f"{per_rep * 1000:.0f} ms per replication")
    floor = events / bare
    print(f"SimPy's own share: {events:,.0f} events a replication at the bare rate = {floor * 1000:.0f} ms of the "
          f"{per_rep * 1000:.0f} ms; with no model code at all, 1,000 replications on 2 cores would take "
          f"{1000 * floor / 2:.0f} s")

    timings = {}
    for workers in (1, 2):
        result = run(scenario, replications=pool_reps, workers=workers)
        timings[workers] = result.wall_seconds
        print(f"{workers} worker(s): {pool_reps} replications in {result.wall_seconds:.1f} s = "
              f"{pool_reps / result.wall_seconds:.2f} replications/s")
    print(f"2-worker speed-up: {timings[1] / timings[2]:.2f}x; "
          f"1,000 replications would take about {1000 * timings[2] / pool_reps:.0f} s with 2 workers")

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {own:.0f} MiB in this process, {workers_peak:.0f} MiB in the largest worker")

    peaks = {}
    for many in (100, 1_000) if args.quick else (200, 2_000, 10_000):
        parent, child, wall = peaks[many] = memory_of_a_long_run(one_firm_per_group(scenario), many)
        print(f"sim run, {many:,} replications (one firm per group, same result tables), report included: "
              f"peak {parent:.0f} MiB (parent), {child:.0f} MiB (largest worker), {wall:.0f} s")
    fewest, most = min(peaks), max(peaks)
    print(f"peak (parent) at {most:,} replications / at {fewest:,}: {peaks[most][0] / peaks[fewest][0]:.2f}")

    print("\nbuyers  firms  ms/replication  per firm (relative)")
    base = None
    for factor in (1, 4, 16):
        big = scaled(scenario, factor)
        _, seconds, _ = model_events_per_second(big, max(3, reps // factor))
        base = base or seconds
        print(f"{factor:>5}x {firms * factor:>6} {seconds * 1000:>15.0f} {seconds / base / factor:>20.2f}")


if __name__ == "__main__":
    main()
