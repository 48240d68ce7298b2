"""``sim replay``: the 2025 baseline beside the published figures, into the validation page's folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.analysis.replay import BASE_MONTHS, check_replayable, monthly_index, replay, scores
from sim.commands import check_affordable
from sim.io import VALIDATION_MARKS, check_output, write_table
from sim.report.pages import replay_page
from sim.scenario.load import resolved_dict
from sim.scenario.schema import Scenario


def replay_folder(out: Path, scenario: Scenario, *, source: str, observed: pd.DataFrame, replications: int,
                  seed: int, workers: int | None = None, allow_large: bool = False) -> pd.DataFrame:
    """Replay a scenario (see ``sim.analysis.replay.replay``) into ``out``: ``replay.csv``, ``scores.csv``, the
    page and its plot, each file written whole (beside what else the folder holds of this tool's: the validation
    page's folder holds the verification too)."""
    check_replayable(scenario)
    check_output(out, marks=VALIDATION_MARKS)
    check_affordable([scenario], replications, workers, allow_large=allow_large)
    table, per_rep = replay(scenario, observed, replications=replications, seed=seed, workers=workers)
    write_table(table, out / "replay.csv")
    write_table(scores(table), out / "scores.csv")
    series = {name: (BASE_MONTHS[name], monthly_index(per_rep, name)) for name in ("total", "us")}
    replay_page(out, table, scored=scores(table), series=series, scenario=resolved_dict(scenario), source=source,
                replications=replications, seed=seed)
    return table
