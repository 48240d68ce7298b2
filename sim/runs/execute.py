"""Monte Carlo: many replications of a scenario, sequentially or on a local process pool.

A replication is a pure function of (scenario, seed, replication index); the pool only decides
where it runs, so results are identical whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.model.world import simulate
from sim.runs.metrics import TIMESERIES_COLUMNS, Layout, Measurement, layout, measure
from sim.runs.streams import streams
from sim.runs.summarise import summarise
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Replication:
    """What one replication sends back to the parent process."""

    index: int
    measurement: Measurement
    events: int


@dataclass(frozen=True)
class RunResult:
    """A Monte Carlo run: per-replication values and the tables made from them."""

    scenario: Scenario
    seed: int
    keys: tuple[tuple[str, str], ...]
    values: np.ndarray
    """(replications x keys) metric values."""
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    delay_counts: np.ndarray
    """Orders by whole days of delay, summed over replications; last entry: undelivered at the horizon."""
    events: int
    wall_seconds: float

    @property
    def replications(self) -> int:
        return len(self.values)

    @property
    def per_replication(self) -> pd.DataFrame:
        """One row per (replication, metric, group)."""
        n, k = self.values.shape
        return pd.DataFrame({
            "replication": np.repeat(np.arange(n), k),
            "metric": np.tile([m for m, _ in self.keys], n),
            "group": np.tile([g for _, g in self.keys], n),
            "value": self.values.ravel(),
        })

    @property
    def delays(self) -> pd.DataFrame:
        """Delivered orders by delay (days, lower edge of a one-day bin); ``inf``: undelivered at the horizon."""
        days = np.append(np.arange(len(self.delay_counts) - 1, dtype=float), np.inf)
        keep = self.delay_counts > 0
        return pd.DataFrame({"delay_days": days[keep], "orders": self.delay_counts[keep]})


def replicate(scenario: Scenario, seed: int, index: int, shape: Layout | None = None) -> Replication:
    """Run replication ``index`` of a scenario and measure it."""
    records = simulate(scenario, streams(seed, index))
    return Replication(index, measure(scenario, records, shape or layout(scenario)), records.events)


def run(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> RunResult:
    """Run the Monte Carlo of a scenario; defaults come from its ``monte_carlo`` section."""
    started = time.perf_counter()
    n = replications or scenario.monte_carlo.replications
    seed = scenario.monte_carlo.seed if seed is None else seed
    shape = layout(scenario)
    values = np.empty((n, len(shape.keys)))
    series = np.empty(
        (n, len(shape.months), len(shape.materials), len(shape.destinations), len(TIMESERIES_COLUMNS)), dtype=np.float32
    )
    delay_counts = np.zeros(scenario.calendar.horizon_days + 1, dtype=np.int64)
    events = 0
    with tqdm(total=n, unit="rep", disable=not progress, leave=False, desc=scenario.name) as bar:
        for rep in _replications(scenario, seed, n, workers or default_workers(n)):
            values[rep.index] = rep.measurement.values
            series[rep.index] = rep.measurement.timeseries
            delay_counts += rep.measurement.delay_counts
            events += rep.events
            bar.update()
    return RunResult(
        scenario=scenario,
        seed=seed,
        keys=shape.keys,
        values=values,
        summary=summarise(list(shape.keys), values),
        timeseries=_timeseries_table(shape, series),
        delay_counts=delay_counts,
        events=events,
        wall_seconds=time.perf_counter() - started,
    )


def default_workers(replications: int) -> int:
    """One worker per core, no more than there are replications."""
    return max(1, min(os.cpu_count() or 1, replications))


def _replications(scenario: Scenario, seed: int, n: int, workers: int) -> Iterator[Replication]:
    """Replications in index order, computed here or on a pool of worker processes."""
    if workers == 1:
        shape = layout(scenario)
        for index in range(n):
            yield replicate(scenario, seed, index, shape)
        return
    pool = _CONTEXT.Pool(workers, _set_worker_scenario, (scenario, seed))
    try:
        yield from pool.imap(_replicate_in_worker, range(n), chunksize=max(1, min(16, n // (workers * 4))))
        pool.close()
    finally:
        pool.terminate()  # on Ctrl-C or any error, stop the workers at once
        pool.join()


_worker: dict[str, object] = {}

# Fork where the platform has it (as Python did by default on Linux): scripts using the API need no
# ``if __name__ == "__main__"`` guard, and workers start at once. tqdm's monitor thread is turned
# off so that no thread of ours is running when the pool forks.
_CONTEXT = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
tqdm.monitor_interval = 0


def _set_worker_scenario(scenario: Scenario, seed: int) -> None:
    """Pool initializer: each worker receives the scenario once, and leaves Ctrl-C to the parent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker.update(scenario=scenario, seed=seed, shape=layout(scenario))


def _replicate_in_worker(index: int) -> Replication:
    return replicate(_worker["scenario"], _worker["seed"], index, _worker["shape"])


def _timeseries_table(shape: Layout, series: np.ndarray) -> pd.DataFrame:
    n = series.shape[0]
    index = pd.MultiIndex.from_product(
        [range(n), shape.months, shape.materials, shape.destinations],
        names=["replication", "month", "material", "destination"],
    )
    flat = series.reshape(-1, len(TIMESERIES_COLUMNS))
    return pd.DataFrame(flat, index=index, columns=list(TIMESERIES_COLUMNS)).reset_index()
