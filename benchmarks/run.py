"""Speed and memory figures of the model, printed in one process run so that they compare.

    python benchmarks/run.py            # full: about 10 minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run of the same measurements

Prints: events per second of the model on the reference scenario next to bare SimPy; seconds per
replication and replications per second with 1 and 2 workers; peak memory of the parent and
workers; peak memory of ``sim run`` with 10,000 replications (1,000 with --quick), as a user runs
it, report included; how the cost grows with the number of buyers (1x, 4x, 16x).
"""

from __future__ import annotations

import argparse
import os
import resource
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer replications, same measurements")
    args = parser.parse_args()
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

    many = 1_000 if args.quick else 10_000
    parent, child, wall = memory_of_a_long_run(one_firm_per_group(scenario), many)
    print(f"sim run, {many:,} replications (one firm per group, same result tables), report included: "
          f"peak {parent:.0f} MiB (parent), {child:.0f} MiB (largest worker), {wall:.0f} s")

    print("\nbuyers  firms  ms/replication  per firm (relative)")
    base = None
    for factor in (1, 4, 16):
        big = scaled(scenario, factor)
        _, seconds, _ = model_events_per_second(big, max(3, reps // factor))
        base = base or seconds
        print(f"{factor:>5}x {firms * factor:>6} {seconds * 1000:>15.0f} {seconds / base / factor:>20.2f}")


if __name__ == "__main__":
    main()
