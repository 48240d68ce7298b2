"""Monte Carlo: many replications of a scenario, sequentially or on a local process pool.

A replication is a pure function of (scenario, seed, replication index); the pool only decides
where it runs, so results are identical whatever the number of workers.
"""

from __future__ import annotations

import calendar
import ctypes
import functools
import gc
import hashlib
import importlib.metadata
import multiprocessing
import os
import signal
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
from tqdm import tqdm

from sim.model.world import simulate
from sim.runs.metrics import EXPORTER_COLUMNS, TIMESERIES_COLUMNS, Layout, Measurement, layout, measure
from sim.runs.streams import streams
from sim.runs.summarise import mean_interval, summarise
from sim.scenario.schema import Scenario

T = TypeVar("T")
R = TypeVar("R")


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
    values: np.ndarray
    """(replications x keys) metric values."""
    summary: pd.DataFrame
    layout: Layout
    series_file: SeriesFile
    """Each replication's monthly series (months x materials x destinations x TIMESERIES_COLUMNS)."""
    delay_counts: np.ndarray
    """(replications x days + 1) needs by whole days of delay; last column: undelivered at the horizon."""
    events: int
    wall_seconds: float
    exporter_series: np.ndarray
    """(replications x months x exporters x EXPORTER_COLUMNS), float32: each exporter's capacity, output and order
    book per month."""

    @property
    def series(self) -> np.ndarray:
        """(replications x months x materials x destinations x TIMESERIES_COLUMNS), float32, read from its file."""
        return self.series_file.read(0, self.replications)

    @property
    def keys(self) -> tuple[tuple[str, str], ...]:
        """(metric, group) of each column of ``values``."""
        return self.layout.keys

    @property
    def replications(self) -> int:
        return len(self.values)

    @property
    def per_replication(self) -> pd.DataFrame:
        """One row per (replication, metric, group)."""
        return self.per_replication_rows(0, self.replications)

    def per_replication_rows(self, first: int, stop: int) -> pd.DataFrame:
        """The rows of ``per_replication`` for replications ``first`` to ``stop - 1`` (to write in chunks)."""
        n, k = stop - first, len(self.keys)
        return pd.DataFrame({
            "replication": np.repeat(np.arange(first, stop), k),
            "metric": np.tile([m for m, _ in self.keys], n),
            "group": np.tile([g for _, g in self.keys], n),
            "value": self.values[first:stop].ravel(),
        })

    @property
    def timeseries(self) -> pd.DataFrame:
        """One row per (replication, month, material, destination): demand, shortfall, deliveries, exports (kg)."""
        return self.timeseries_rows(0, self.replications)

    def timeseries_rows(self, first: int, stop: int) -> pd.DataFrame:
        """The rows of ``timeseries`` for replications ``first`` to ``stop - 1`` (to write in chunks)."""
        layout = self.layout
        index = pd.MultiIndex.from_product(
            [range(first, stop), layout.months, layout.materials, layout.destinations],
            names=["replication", "month", "material", "destination"],
        )
        flat = self.series_file.read(first, stop).reshape(-1, len(TIMESERIES_COLUMNS))
        return pd.DataFrame(flat, index=index, columns=list(TIMESERIES_COLUMNS)).reset_index()

    @property
    def exporters(self) -> pd.DataFrame:
        """One row per (month, exporter): its capacity, and its output, utilisation (output over capacity) and
        order book at the month's end (kilograms, and days of its capacity), each as a mean across replications
        with a 95 % interval."""
        series = self.exporter_series.astype(float)
        capacity, made, backlog = (series[..., i] for i in range(len(EXPORTER_COLUMNS)))
        months = self.layout.months
        per_day = capacity[0] / np.array([_days_in(month) for month in months])[:, None]
        measured = {"made_kg": (made, (0, np.inf)), "utilisation": (made / capacity, (0, 1)),
                    "backlog_kg": (backlog, (0, np.inf)), "backlog_days": (backlog / per_day, (0, np.inf))}
        rows = []
        for e, name in enumerate(self.scenario.exporters):
            for m, month in enumerate(months):
                row = {"month": month, "exporter": name, "material": self.scenario.exporters[name].material,
                       "capacity_kg": capacity[0, m, e]}
                for column, (values, bounds) in measured.items():
                    row[column], row[f"{column}_ci_low"], row[f"{column}_ci_high"] = mean_interval(
                        values[:, m, e], bounds=bounds)
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def delays(self) -> pd.DataFrame:
        """Needs by delay (days, lower edge of a one-day bin; ``inf``: undelivered at the horizon), over every
        replication, with the 5th and 95th percentiles across replications of the share of needs delivered within
        the bin's end (the band of the delay's distribution)."""
        counts = self.delay_counts
        days = np.append(np.arange(counts.shape[1] - 1, dtype=float), np.inf)
        totals = counts.sum(axis=1, keepdims=True)
        within = np.cumsum(counts, axis=1) / np.where(totals > 0, totals, 1)
        p5, p95 = np.percentile(within[totals[:, 0] > 0], [5, 95], axis=0) if (totals > 0).any() else (
            np.full(len(days), np.nan), np.full(len(days), np.nan))
        keep = counts.sum(axis=0) > 0
        return pd.DataFrame({"delay_days": days[keep], "needs": counts.sum(axis=0)[keep],
                             "share_within_p5": p5[keep], "share_within_p95": p95[keep]})


def replicate(scenario: Scenario, seed: int, index: int, shape: Layout | None = None) -> Replication:
    """Run replication ``index`` of a scenario and measure it."""
    records = simulate(scenario, streams(seed, index))
    return Replication(index, measure(scenario, records, shape or layout(scenario)), records.events)


def run(
    scenario: Scenario,
    replications: int | None = None,
    *,
    seed: int | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> RunResult:
    """Run the Monte Carlo of a scenario; defaults come from its ``monte_carlo`` section."""
    n, seed = scenario.monte_carlo.resolve(replications, seed)
    return next(run_many([scenario], n, seed=seed, workers=workers, progress=progress))[1]


def run_many(
    scenarios: Sequence[Scenario],
    replications: int,
    *,
    seed: int,
    workers: int | None = None,
    progress: bool = False,
    scheduler: str | None = None,
    label: str | None = None,
) -> Iterator[tuple[int, RunResult]]:
    """Run several scenarios with the same seed and replications on one pool, yielding each when done.

    Replications of every scenario are queued together, so that the workers stay busy across
    scenarios; results come back in the order of ``scenarios``. With ``scheduler`` (the address
    of a Dask distributed scheduler) they run on that cluster instead of a local pool, with the
    same results. ``label`` names them on the progress bar (default: their names, or how many variants).
    """
    tasks = [(job, index) for job in range(len(scenarios)) for index in range(replications)]
    workers = max(1, min(workers, len(tasks))) if workers else default_workers(len(tasks))  # none idle
    names = ", ".join(s.name for s in scenarios)
    label = label or (names if len(names) <= 40 else f"{len(scenarios)} variants")
    current: _Accumulator | None = None
    with _ProgressBar(total=len(tasks), unit="rep", disable=not progress, leave=False, desc=label) as bar:
        source = _on_dask(scenarios, seed, tasks, scheduler) if scheduler else _replications(
            scenarios, seed, tasks, workers)
        for job, rep in source:
            if current is None or current.job != job:
                current = _Accumulator(job, scenarios[job], seed, replications)
            current.add(rep)
            bar.update()
            if current.complete:
                yield job, current.result()


class _Accumulator:
    """Collects the replications of one scenario as they arrive, then makes the RunResult."""

    def __init__(self, job: int, scenario: Scenario, seed: int, n: int) -> None:
        self.job, self.scenario, self.seed, self.n = job, scenario, seed, n
        self.layout = layout(scenario)
        self.values = np.empty((n, len(self.layout.keys)))
        self.series = SeriesFile((len(self.layout.months), len(self.layout.materials), len(self.layout.destinations),
                                  len(TIMESERIES_COLUMNS)))
        self.delay_counts = np.zeros((n, scenario.calendar.horizon_days + 1), dtype=np.int32)
        self.exporters = np.zeros((n, len(self.layout.months), len(scenario.exporters), len(EXPORTER_COLUMNS)),
                                  dtype=np.float32)
        self.events = 0
        self.received = 0
        self.started = time.perf_counter()

    @property
    def complete(self) -> bool:
        return self.received == self.n

    def add(self, rep: Replication) -> None:
        self.values[rep.index] = rep.measurement.values
        self.series.write(rep.index, rep.measurement.timeseries)
        self.delay_counts[rep.index] = rep.measurement.delay_counts
        self.exporters[rep.index] = rep.measurement.exporters
        self.events += rep.events
        self.received += 1

    def result(self) -> RunResult:
        return RunResult(
            scenario=self.scenario,
            seed=self.seed,
            values=self.values,
            summary=summarise(list(self.layout.keys), self.values),
            layout=self.layout,
            series_file=self.series,
            delay_counts=self.delay_counts,
            events=self.events,
            wall_seconds=time.perf_counter() - self.started,
            exporter_series=self.exporters,
        )


class SeriesFile:
    """Each replication's monthly series in an unnamed temporary file rather than in memory (10,000 replications
    of the baseline make 270 MB of them), read back a block of replications at a time."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape
        self._bytes = int(np.prod(shape)) * np.dtype(np.float32).itemsize
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 (lives with the result; the system deletes it on close)

    def write(self, index: int, series: np.ndarray) -> None:
        self._file.seek(index * self._bytes)
        self._file.write(np.ascontiguousarray(series, dtype=np.float32).tobytes())

    def read(self, first: int, stop: int) -> np.ndarray:
        """The series of replications ``first`` to ``stop - 1``, float32."""
        self._file.seek(first * self._bytes)
        data = self._file.read((stop - first) * self._bytes)
        return np.frombuffer(data, dtype=np.float32).reshape(stop - first, *self.shape)


PRESENTATION = ("cli.py", "__main__.py", "commands", "io.py", "report")
"""What of the package cannot change a number: the command line and its commands, reading and writing files, the
report."""
DEPENDENCIES = ("numpy", "scipy", "simpy", "pandas", "pydantic", "SALib", "scikit-learn")
"""The libraries whose versions can change a number (draws, parsing, designs, emulators)."""


@functools.cache
def model_version() -> str:
    """A digest of everything that can change a number of a saved sweep point or calibration evaluation: every
    module of the package but its presentation (``PRESENTATION``), and the versions of ``DEPENDENCIES``; so that
    points of other code are never reused."""
    return code_digest(Path(__file__).resolve().parent.parent)


def code_digest(package: Path) -> str:
    """``model_version`` of the package at ``package``: its number-making modules, by path and content, and the
    dependencies' versions."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] not in PRESENTATION:
            digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    for name in DEPENDENCIES:
        digest.update(f"{name}=={_version(name)}\n".encode())
    return digest.hexdigest()[:16]


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _days_in(month: str) -> int:
    """Days in a month labelled YYYY-MM."""
    year, number = (int(part) for part in month.split("-"))
    return calendar.monthrange(year, number)[1]


def default_workers(tasks: int) -> int:
    """One worker per core, no more than there are replications to run."""
    return max(1, min(os.cpu_count() or 1, tasks))


def _replications(
    scenarios: Sequence[Scenario], seed: int, tasks: list[tuple[int, int]], workers: int
) -> Iterator[tuple[int, Replication]]:
    """(scenario index, replication) for every task, in task order, computed here or on a worker pool."""
    if workers == 1:
        shapes = [layout(s) for s in scenarios]
        with _long_lived_set_aside():
            for job, index in tasks:
                yield job, replicate(scenarios[job], seed, index, shapes[job])
        return
    with _pool(workers, _set_worker_scenarios, (list(scenarios), seed)) as pool:
        yield from pool.imap(_replicate_in_worker, tasks, chunksize=_chunk(len(tasks), workers))


def _chunk(tasks: int, workers: int) -> int:
    """Replications a worker takes at a time: few enough that the workers finish together (at least 16 chunks a
    worker: the last chunk keeps one worker busy alone), up to 16 to spare the pool's messages on tiny runs."""
    return max(1, min(16, tasks // (workers * 16)))


def check_scheduler(address: str) -> None:
    """Raise ``ConnectionError`` unless a Dask scheduler answers at ``address`` (and Dask is installed)."""
    try:
        from distributed import Client
    except ImportError:
        raise ConnectionError("the Dask executor needs dask[distributed]: pip install 'dask[distributed]'") from None
    try:
        Client(address, timeout="5s").close()
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def _on_dask(
    scenarios: Sequence[Scenario], seed: int, tasks: list[tuple[int, int]], address: str
) -> Iterator[tuple[int, Replication]]:
    """The same tasks as ``_replications``, on a Dask distributed cluster, in task order."""
    from distributed import Client

    with Client(address, timeout="10s") as client:
        [shared] = client.scatter([list(scenarios)], broadcast=True)
        futures = [client.submit(_replicate_task, shared, seed, task, pure=False) for task in tasks]
        for future in futures:
            yield future.result()
            future.release()


def _replicate_task(scenarios: list[Scenario], seed: int, task: tuple[int, int]) -> tuple[int, Replication]:
    job, index = task
    return job, replicate(scenarios[job], seed, index)


_worker: dict[str, object] = {}

# Fork where the platform has it (as Python did by default on Linux): scripts using the API need no
# ``if __name__ == "__main__"`` guard, and workers start at once.
_CONTEXT = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")


class _ProgressBar(tqdm):
    """tqdm without its monitor thread, so that no thread of ours is running when the pool forks
    (set on this subclass: tqdm's own setting, shared with the user's bars, is left alone)."""

    monitor_interval = 0


def parallel_map(function: Callable[[T], R], items: Sequence[T], workers: int | None = None) -> list[R]:
    """``[function(item) for item in items]`` on a pool of worker processes (one per core by default), in order."""
    with _pool(max(1, min(workers, len(items))) if workers else default_workers(len(items))) as pool:
        return pool.map(function, items)


@contextmanager
def _pool(processes: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()) -> Iterator[Pool]:
    """A pool of worker processes that leave Ctrl-C to the parent, stopped at once on leaving (on Ctrl-C or an
    error too). Ctrl-C is held while the workers start, so that none can arrive before a worker has set it aside
    or while the parent is half-way through making the pool (it is then raised here, and the workers stopped)."""
    pool = None
    try:
        with _ctrl_c_held():
            pool = _CONTEXT.Pool(processes, _start_worker, (os.getpid(), initializer, initargs))
        yield pool
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


@contextmanager
def _long_lived_set_aside() -> Iterator[None]:
    """Keep what the process holds already (libraries, scenarios, the caller's objects) out of the garbage
    collector's full passes while replications run here (a pass over it took 50 ms), and give it back after."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Defer SIGINT (where the platform can) until the block is done; workers started in it inherit the hold."""
    hold = hasattr(signal, "pthread_sigmask")
    if hold:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        if hold:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start_worker(parent: int, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    """Pool initializer: die with the parent, ignore Ctrl-C (the parent stops the pool), end at SIGTERM (how the
    pool stops its workers, whatever the parent does with it), then run the pool's own initializer."""
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if initializer is not None:
        initializer(*initargs)


PR_SET_PDEATHSIG = 1
"""Linux's prctl option: the signal a process receives when its parent dies."""


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when its parent dies (Linux), so that a killed run leaves no worker behind,
    computing on, then printing a broken pipe's traceback when it sends its result. Elsewhere a worker ends then."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request
        os._exit(1)


def _set_worker_scenarios(scenarios: list[Scenario], seed: int) -> None:
    """Pool initializer: each worker receives the scenarios once. What it holds then (libraries, scenarios) lives
    as long as it does: set aside from the garbage collector's full passes (and from copy-on-write after fork)."""
    _worker.update(scenarios=scenarios, seed=seed, shapes=[layout(s) for s in scenarios])
    gc.freeze()


def _replicate_in_worker(task: tuple[int, int]) -> tuple[int, Replication]:
    job, index = task
    return job, replicate(_worker["scenarios"][job], _worker["seed"], index, _worker["shapes"][job])
