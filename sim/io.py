"""Writing and reading results: every file written whole or not at all (temporary file, then rename), every
table and record read back checked. Tables, JSON records and folders only: which result goes in which file is
the commands' business (``sim.commands``)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from sim.catalogue import METRICS
from sim.scenario.load import resolved_dict
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)
SUMMARY = "summary.csv"
DISCOVERY = "discovery.json"
DISCOVERY_FOLDER = "discovery"
"""Where ``sim discover`` writes, inside the sweep's folder: these tables, its plots and ``DISCOVERY``."""
BOXES, TRADEOFF, CART, CLASSIFIED = "boxes.csv", "tradeoff.csv", "cart.csv", "classified.csv"
REPLICATIONS = "replications.parquet"
TIMESERIES = "timeseries.parquet"
DELAYS = "delays.csv"
EXPORTERS = "exporters.csv"
COMPARISON = "comparison.csv"
COMPARISON_PROVENANCE = "compare.json"
PROVENANCE = "run.json"
PARQUET_CHUNK = 100  # replications per row group of the long tables: what is in memory while writing them


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary path next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


MANIFEST = "manifest.json"
"""What a run or comparison made in its folder: every file, its size and SHA-256. A folder with one was made
whole by this tool; one without it holding files is not the tool's to replace."""
SYSTEM_FOLDERS = tuple(Path(p) for p in ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/proc",
                                         "/sbin", "/sys", "/usr"))


def check_writable(out: Path) -> None:
    """Refuse, before any work, an output folder that cannot be written, or the root, a home or a system folder
    (nothing is created here)."""
    resolved = out.resolve()
    if resolved == Path("/") or resolved == Path.home().resolve() or any(
            resolved == system or system in resolved.parents for system in SYSTEM_FOLDERS):
        raise ResultsError(f"--out {out} is the root, a home or a system folder: give a folder of its own")
    if out.exists() and not out.is_dir():
        raise ResultsError(f"--out {out} is a file, not a folder")
    existing = next(p for p in (out, *out.parents) if p.exists())
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ResultsError(f"cannot write results to {out}: {existing} is not a writable folder")


VALIDATION_MARKS = ("replay.csv", "verify.csv", "replay.md", "verify.md")
"""Files that say a folder holds this tool's replay or verification (``sim replay``, ``sim verify``; both go to
the validation page's folder)."""


def check_output(out: Path, force: bool = False, marks: tuple[str, ...] = ()) -> None:
    """Refuse, before any work, a folder results cannot go to: not writable, the root, a home or a system folder,
    or one holding files this tool did not make there, unless ``force``. A folder it made holds ``MANIFEST`` (or,
    made by an earlier version, ``run.json`` or ``compare.json``), or one of ``marks``: the files a command of its
    own writes there (a sweep's ``sweep.json``, a replay's ``replay.csv``)."""
    check_writable(out)
    if len(out.resolve().name) > LONGEST_NAME:
        raise ResultsError(f"--out {out}: a folder name of more than {LONGEST_NAME} characters cannot be written "
                           "whole; give a shorter one")
    if out.resolve() in (Path.cwd(), *Path.cwd().parents):
        raise ResultsError(f"--out {out} is the current folder or holds it, which results replaced whole cannot "
                           "be; give a folder of its own")
    made_here = any((out / name).is_file() for name in (MANIFEST, PROVENANCE, COMPARISON_PROVENANCE, *marks))
    if out.is_dir() and any(out.iterdir()) and not made_here and not force:
        made = f"{MANIFEST} nor {marks[0]}" if marks else MANIFEST
        raise ResultsError(f"--out {out} holds files this tool did not make there (it has no {made}); give "
                           "another folder" + ("" if marks else ", or --force to replace it whole"))


def read_record(path: Path, keys: tuple[str, ...] = (), *,
                advice: str = "delete the folder to start again, or give another --out") -> dict[str, Any]:
    """A JSON record this tool wrote (a manifest, a run's or sweep's description) holding ``keys``, or
    ``ResultsError`` naming it, with ``advice``, if it cannot be read, is cut short or is not one."""
    try:
        record = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsError(f"{path} cannot be read ({exc}): {advice}") from None
    missing = [key for key in keys if key not in record] if isinstance(record, dict) else list(keys)
    if not isinstance(record, dict) or missing:
        raise ResultsError(f"{path} is not a record this tool wrote (no {', '.join(missing) or 'mapping'}): {advice}")
    return record


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary sibling of ``out`` to write results into; on success, its manifest is written and it takes
    ``out``'s place (the earlier folder, if any, moved aside then removed), so that ``out`` holds the previous
    results whole or the new ones whole, never a mix. On failure nothing of it is left."""
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_strays(out)
    staging = out.parent / f".{out.name}.{STAGING}-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        write_manifest(staging)
        old = out.parent / f".{out.name}.{PREVIOUS}-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_manifest(folder: Path) -> None:
    """``MANIFEST`` of what ``folder`` holds now (after ``sim plot`` adds to it, too)."""
    files = {str(p.relative_to(folder)): {"bytes": p.stat().st_size,
                                          "sha256": hashlib.sha256(p.read_bytes()).hexdigest()}
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != MANIFEST}
    record = {"made_by": f"licence-sim {package_version()}", "files": files}
    atomic_write(folder / MANIFEST, lambda p: p.write_text(json.dumps(record, indent=1) + "\n"))


STAGING, PREVIOUS = "sim-staging", "sim-previous"
"""The hidden siblings ``.NAME.sim-staging-PID`` (results being written) and ``.NAME.sim-previous-PID`` (the folder
they replace, until removed): named so that no folder of the user's is taken for one."""
LONGEST_NAME = 200
"""The longest folder name results may go to: its hidden siblings must fit the file system's 255."""


def _remove_strays(out: Path) -> None:
    """Hidden siblings of ``out`` left by a run into it that was killed (its process is gone); nothing else."""
    stray = re.compile(rf"\.{re.escape(out.name)}\.(?:{STAGING}|{PREVIOUS})-(\d+)")
    for entry in out.parent.iterdir() if out.parent.is_dir() else ():
        if (found := stray.fullmatch(entry.name)) and entry.is_dir() and not _alive(int(found[1])):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario, every default filled in."""
    canonical = json.dumps(resolved_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def package_version() -> str:
    try:
        return version("licence-sim")
    except PackageNotFoundError:
        return "unknown"


def write_parquet(path: Path, replications: int, rows: Callable[[int, int], pd.DataFrame]) -> None:
    """A long table written a block of replications at a time (``rows(first, stop)``, one row group each), so that
    a run of many replications never holds the whole table in memory; atomically."""
    def write(tmp: Path) -> None:
        writer = None
        try:
            for first in range(0, replications, PARQUET_CHUNK):
                table = pa.Table.from_pandas(rows(first, min(first + PARQUET_CHUNK, replications)),
                                             preserve_index=False)
                writer = writer or pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
    atomic_write(path, write)


def write_json(record: dict[str, Any], path: Path, *, indent: int | None = 2) -> None:
    """A JSON record, written atomically."""
    atomic_write(path, lambda p: p.write_text(json.dumps(record, indent=indent, default=str) + "\n"))


SWEEP_MANIFEST = "sweep.json"
CALIBRATION_MANIFEST = "calibration.json"
POINTS = "points.csv"
POINTS_FOLDER = "points"
INDICES = "indices.csv"
SWEEP_REPORT = "report.json"
"""The metric and threshold the sweep's tables and report were made for."""
EMULATOR = "emulator.csv"
EMULATOR_VALIDATION = "emulator_validation.csv"
CROSSINGS = "tipping.csv"


@dataclass(frozen=True)
class RunTables:
    """The tables of one run folder, as ``write_run`` left them."""

    folder: Path
    summary: pd.DataFrame = field(repr=False)
    monthly: pd.DataFrame = field(repr=False)
    """China-sourced demand and shortfall per replication and month, over materials and destinations, each
    material's kilograms weighted by its price (``Scenario.value_weights``)."""
    delays: pd.DataFrame = field(repr=False)
    provenance: dict[str, Any] = field(repr=False)
    exporters: pd.DataFrame | None = field(default=None, repr=False)
    """Each exporter's month (``RunResult.exporters``), for a scenario with exporters."""

    @property
    def name(self) -> str:
        return self.provenance["scenario_name"]


class ResultsError(ValueError):
    """A results folder that is missing or incomplete."""


def monthly_totals(path: Path, weights: dict[str, float]) -> pd.DataFrame:
    """Demand and shortfall per replication and month from a ``timeseries.parquet``, each material's kilograms
    times its weight, read a batch of rows at a time, so that the whole table is never in memory."""
    columns = ["replication", "month", "material", "demand_kg", "shortfall_kg"]
    batches = pq.ParquetFile(path).iter_batches(columns=columns)
    parts = [weighted_monthly(batch.to_pandas(), weights) for batch in batches]
    return pd.concat(parts).groupby(["replication", "month"], as_index=False).sum()


def weighted_monthly(timeseries: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """``demand`` and ``shortfall`` per replication and month of time-series rows, each material's kilograms
    times its weight."""
    weight = timeseries["material"].map(weights).to_numpy()
    table = pd.DataFrame({"replication": timeseries["replication"], "month": timeseries["month"],
                          "demand": timeseries["demand_kg"] * weight, "shortfall": timeseries["shortfall_kg"] * weight})
    return table.groupby(["replication", "month"], as_index=False).sum()


@dataclass(frozen=True)
class ComparisonTables:
    """The tables of one comparison folder, as ``write_comparison`` left them."""

    folder: Path
    baseline: str
    runs: dict[str, RunTables] = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    """As ``comparison.csv``: every variant's mean and paired difference, by metric and group."""
    provenance: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class SweepTables:
    """The tables of one sweep folder, and what its report was made for."""

    points: pd.DataFrame = field(repr=False)
    indices: pd.DataFrame | None = field(repr=False)
    params: list[str]
    metric: str
    threshold: float | None
    validation: pd.DataFrame | None = field(default=None, repr=False)


def open_results(folder: str | Path) -> RunTables | ComparisonTables | SweepTables:
    """Any results folder read back: a run's (``sim run``), a comparison's (``sim compare``) or a sweep's
    (``sim sweep``) tables, for a notebook."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsError(f"{folder} is not a folder")
    if (folder / COMPARISON_PROVENANCE).is_file():
        return read_comparison(folder)
    if (folder / SWEEP_MANIFEST).is_file():
        return read_sweep(folder)
    if (folder / PROVENANCE).is_file():
        return read_run(folder)
    raise ResultsError(f"{folder} holds no results of sim run, sim compare or sim sweep (no {PROVENANCE}, "
                       f"{COMPARISON_PROVENANCE} or {SWEEP_MANIFEST})")


def read_comparison(folder: Path) -> ComparisonTables:
    """Read a folder written by ``sim compare``."""
    record = read_record(folder / COMPARISON_PROVENANCE, ("baseline", "variants"), advice="run sim compare again")
    return ComparisonTables(folder, record["baseline"], {name: read_run(folder / name) for name in record["variants"]},
                            pd.read_csv(folder / COMPARISON), record)


def read_sweep(folder: Path) -> SweepTables:
    """Read a folder written by ``sim sweep``: its points, indices and emulator check, for the metric and threshold
    its report was made for."""
    if not (folder / POINTS).is_file():
        raise ResultsError(f"{folder} is not a finished sweep: missing {POINTS}")
    description = read_record(folder / SWEEP_MANIFEST, ("params",))
    asked = read_record(folder / SWEEP_REPORT) if (folder / SWEEP_REPORT).is_file() else {}
    optional = {name: pd.read_csv(folder / name) if (folder / name).is_file() else None
                for name in (INDICES, EMULATOR_VALIDATION)}
    return SweepTables(pd.read_csv(folder / POINTS), optional[INDICES],
                       [param["path"] for param in description["params"]],
                       asked.get("metric", "shortfall_fraction"), asked.get("threshold"), optional[EMULATOR_VALIDATION])


def read_run(folder: Path) -> RunTables:
    """Read a run folder written by ``sim run`` (or one variant of ``sim compare``): tables that are missing,
    differ from what the run made (``MANIFEST``: truncated, edited) or cannot be read are refused, named."""
    missing = [name for name in (SUMMARY, TIMESERIES, DELAYS, PROVENANCE) if not (folder / name).is_file()]
    if missing:
        raise ResultsError(f"{folder} is not a complete run folder: missing {', '.join(missing)}")
    _check_against_manifest(folder, (SUMMARY, TIMESERIES, DELAYS, PROVENANCE, EXPORTERS))
    try:
        provenance = json.loads((folder / PROVENANCE).read_text())
        weights = Scenario.model_validate(provenance["scenario"]).value_weights()
        return RunTables(
            folder=folder,
            summary=_summary(folder / SUMMARY),
            monthly=monthly_totals(folder / TIMESERIES, weights),
            delays=pd.read_csv(folder / DELAYS, dtype=float),  # no rows if no need was placed (a day, all closed)
            provenance=provenance,
            exporters=_table(folder / EXPORTERS) if (folder / EXPORTERS).is_file() else None,
        )
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        raise ResultsError(f"{folder} cannot be read back ({type(exc).__name__}: {str(exc)[:200]}); run it "
                           "again") from None


def _summary(path: Path) -> pd.DataFrame:
    """A run's summary, refused if it lacks a metric of all buyers (a table cut short)."""
    frame = _table(path)
    measured = set(frame.loc[frame["group"] == "all", "metric"]) if {"metric", "group"} <= set(frame) else set()
    if lacking := [metric for metric in METRICS if metric not in measured]:
        raise ValueError(f"{path.name} lacks {len(lacking)} metric(s) of all buyers, {lacking[0]} first: cut short")
    return frame


def _table(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    if frame.empty:
        raise ValueError(f"{path.name} has no rows")
    return frame


def _check_against_manifest(folder: Path, names: Sequence[str]) -> None:
    """Refuse tables that differ from what the run made, when it left a ``MANIFEST`` (older runs did not)."""
    if not (folder / MANIFEST).is_file():
        return
    made = read_record(folder / MANIFEST, ("files",), advice="run it again")["files"]
    for name in names:
        path = folder / name
        if name in made and (not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest()
                             != made[name]["sha256"]):
            raise ResultsError(f"{path} is not the file the run made (truncated, edited or replaced since): run "
                               "it again")


class PointFiles:
    """Finished sweep points (or calibration evaluations), one JSON file each under ``out/points/``,
    for resuming.

    The manifest (``out/sweep.json``) records the work's fingerprint; a folder holding another sweep
    (or the same sweep of a changed scenario) is refused rather than mixed.
    """

    def __init__(self, out: Path, fingerprint: str, description: dict[str, Any],
                 manifest_name: str = SWEEP_MANIFEST) -> None:
        self.folder = out / POINTS_FOLDER
        manifest = out / manifest_name
        check_output(out, marks=(manifest_name,))
        if manifest.is_file():
            if read_record(manifest, ("fingerprint",))["fingerprint"] != fingerprint:
                raise ResultsError(f"{out} holds points of a different {manifest.stem} or scenario; "
                                   "use another --out, or delete the folder to start again")
        else:
            record = {"fingerprint": fingerprint, **description}
            atomic_write(manifest, lambda p: p.write_text(json.dumps(record, indent=2, default=str) + "\n"))
        self.folder.mkdir(parents=True, exist_ok=True)
        for stray in self.folder.glob(".*.tmp"):  # left by a kill -9 in the middle of a write
            stray.unlink()
        self._done: dict[str, dict[str, Any]] | None = None
        """The points on disk, read (and checked) once; only ``save`` adds to them while this object works."""

    def done(self) -> dict[str, dict[str, Any]]:
        if self._done is None:
            self._done = read_points(self.folder.parent)
        return dict(sorted(self._done.items()))

    def save(self, point: str, record: dict[str, Any]) -> None:
        sealed = {**record, CHECKSUM: _checksum(record)}
        atomic_write(self.folder / f"{point}.json", lambda p: p.write_text(json.dumps(sealed, sort_keys=True)))
        if self._done is not None:
            self._done[point] = record


CHECKSUM = "checksum"
"""The key of a saved point's SHA-256 of the rest of it: a point edited or damaged since is not used."""


def _checksum(record: dict[str, Any]) -> str:
    body = {key: value for key, value in record.items() if key != CHECKSUM}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def read_points(out: Path) -> dict[str, dict[str, Any]]:
    """The finished points (or evaluations) saved in ``out``, by identifier, in order; one that is damaged, edited
    since it was saved or of no known form is named in the log and left out (so that it is computed again)."""
    points = {}
    for path in sorted((out / POINTS_FOLDER).glob("p*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            log.warning("%s cannot be read (%s): it is computed again", path, exc)
            continue
        if not isinstance(record, dict) or record.get(CHECKSUM) != _checksum(record):
            log.warning("%s was changed or damaged since it was saved (its checksum does not match): it is computed "
                        "again", path)
            continue
        points[path.stem] = {key: value for key, value in record.items() if key != CHECKSUM}
    return points


def write_table(frame: pd.DataFrame, path: Path, *, exact: bool = False) -> None:
    """A CSV table, written atomically: numbers to six significant digits, or every digit (``exact``)."""
    atomic_write(path, lambda p: frame.to_csv(p, index=False) if exact else _csv(frame, p))


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, float_format="%.6g")


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of a DataFrame (numbers to four significant digits)."""

    def cell(value: Any) -> str:
        if isinstance(value, float):
            return "" if value != value else f"{value:.4g}"
        return str(value).replace("|", "\\|")

    lines = ["| " + " | ".join(frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_yaml(data: dict[str, Any], path: Path, comment: str) -> None:
    """A YAML document (such as a scenario) headed by a comment line, written atomically."""
    text = f"# {comment}\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))


def write_markdown(path: Path, title: str, intro: str, frame: pd.DataFrame, images: list[str]) -> None:
    """A Markdown page: title, a paragraph, the table, then the images (paths relative to the page)."""
    page = f"# {title}\n\n{intro}\n\n{markdown_table(frame)}\n" + "".join(f"\n![{i}]({i})\n" for i in images)
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
