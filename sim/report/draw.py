"""Which plots a run or a comparison gets, drawn from its written tables, and saved as PNG and SVG."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from sim.io import RunTables, atomic_write
from sim.report import plots
from sim.scenario.schema import Scenario

FORMATS = ("png", "svg")


def policy_events(provenance: dict[str, Any]) -> list[tuple[dt.date, str]]:
    """The dated policy events of a run's resolved scenario that take effect (and the VEU rule), in date order."""
    scenario = provenance["scenario"]
    off = Scenario.model_validate(scenario).called_off()
    events = [(dt.date.fromisoformat(e["date"]), name) for name, e in scenario["policy"].items() if name not in off]
    if scenario["veu"]["date"]:
        events.append((dt.date.fromisoformat(scenario["veu"]["date"]), "VEU rule"))
    return sorted(events)


def warmup_end(provenance: dict[str, Any]) -> dt.date | None:
    calendar = provenance["scenario"]["calendar"]
    if not calendar["warmup_days"]:
        return None
    return dt.date.fromisoformat(calendar["start"]) + dt.timedelta(days=calendar["warmup_days"])


def figures(runs: dict[str, RunTables], comparison: pd.DataFrame | None = None,
            baseline: str | None = None) -> dict[str, Figure]:
    """The figures of one run (one entry in ``runs``) or of a comparison, by file stem."""
    first = next(iter(runs.values()))
    drawn = {
        "delay_ecdf": plots.delay_ecdf({n: r.delays for n, r in runs.items()}),
        "shortfall_fan": plots.shortfall_fan({n: r.monthly for n, r in runs.items()},
                                             {n: policy_events(r.provenance) for n, r in runs.items()},
                                             warmup_end(first.provenance)),
        "shortfall_by_group": plots.shortfall_by_group({n: r.summary for n, r in runs.items()}),
        "licensing_outcomes": plots.licensing_outcomes({n: r.summary for n, r in runs.items()}),
    }
    with_exporters = {n: r.exporters for n, r in runs.items() if r.exporters is not None}
    if with_exporters:
        drawn["exporters"] = plots.exporters(with_exporters)
    if comparison is not None and baseline is not None:
        drawn["differences"] = plots.difference_forest(comparison, baseline)
    return drawn


def save(drawn: dict[str, Figure], out: Path) -> dict[str, bytes]:
    """Write each figure as PNG and SVG into ``out``; returns the PNG bytes by stem, for embedding. The same figure
    gives the same bytes each time (no date in the SVG, and its element ids from a fixed salt, not a random one)."""
    pngs = {}
    for stem, figure in drawn.items():
        for fmt in FORMATS:
            buffer = io.BytesIO()
            with matplotlib.rc_context({"svg.hashsalt": stem}):
                figure.savefig(buffer, format=fmt, dpi=110, metadata={"Date": None} if fmt == "svg" else None)
            data = buffer.getvalue()
            atomic_write(out / f"{stem}.{fmt}", lambda path, data=data: path.write_bytes(data))
            if fmt == "png":
                pngs[stem] = data
    return pngs
