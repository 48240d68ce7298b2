"""``sim discover``: scenario discovery on a finished sweep, into its ``discovery/`` and its report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.analysis.discover import Discovery, DiscoveryError, discover
from sim.analysis.sweep import sweep_plots
from sim.io import (
    BOXES,
    CART,
    CLASSIFIED,
    DISCOVERY,
    DISCOVERY_FOLDER,
    INDICES,
    POINTS,
    SWEEP_MANIFEST,
    SWEEP_REPORT,
    TRADEOFF,
    read_points,
    read_record,
    write_json,
    write_table,
)
from sim.report import report_sweep


def discover_folder(folder: Path, metric: str, threshold: float, *, below: bool = False, share: float | None = None,
                    box: int | None = None) -> tuple[Discovery, Path]:
    """Discovery (see ``sim.analysis.discover.discover``) on the points of the sweep in ``folder``, written to its
    ``discovery/`` and to its ``report.html``; nothing is written if the sweep, metric or threshold cannot serve."""
    description, records = read_sweep(folder)
    if not (folder / POINTS).is_file():
        raise DiscoveryError(f"the sweep in {folder} has not finished: rerun its sim sweep command to complete it")
    result = discover(description, records, metric=metric, threshold=threshold, below=below, share=share, box=box)
    write_discovery(result, folder / DISCOVERY_FOLDER)
    drawn = sweep_plots(description["method"], description["params"], description.get("emulator"),
                        (folder / INDICES).is_file())
    swept = read_record(folder / SWEEP_REPORT) if (folder / SWEEP_REPORT).is_file() else {}
    return result, report_sweep(folder, [p["path"] for p in description["params"]], drawn=drawn,
                                metric=swept.get("metric", metric), threshold=swept.get("threshold"))


def read_sweep(folder: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A sweep folder's manifest and its saved points, checked."""
    manifest = folder / SWEEP_MANIFEST
    if not manifest.is_file():
        raise DiscoveryError(f"{folder} is not a sweep folder (no sweep.json): run sim sweep first")
    records = list(read_points(folder).values())
    if not records:
        raise DiscoveryError(f"{folder} holds no finished sweep points (points/ is empty)")
    return read_record(manifest, ("params",)), records


def write_discovery(result: Discovery, folder: Path) -> None:
    """Scenario discovery's tables in ``folder`` (a sweep's ``discovery/``): the chosen box, every box of the
    trajectory, the trade-off, CART's leaves, the points as classified, and what was asked."""
    folder.mkdir(exist_ok=True)
    write_table(result.box, folder / BOXES)
    write_table(result.boxes, folder / "trajectory_boxes.csv")
    write_table(result.tradeoff, folder / TRADEOFF)
    write_table(result.tree, folder / CART)
    write_table(result.points, folder / CLASSIFIED)
    write_json({"metric": result.metric, "threshold": result.threshold, "below": result.below, "share": result.share,
                "bad": result.bad, "chosen_box": result.chosen}, folder / DISCOVERY)
