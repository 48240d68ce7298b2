"""The validation pages (Markdown, with their plots) of ``sim verify``, ``sim replay`` and ``sim calibrate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.io import markdown_table, write_markdown
from sim.report import plots
from sim.report.draw import policy_events, save

if TYPE_CHECKING:
    from sim.analysis.calibrate import Calibration


def verification_page(out: Path, table: pd.DataFrame, quick_replications: int | None) -> None:
    """``verify.md`` and its plots: every check against theory, with the tolerance it used."""
    save({"verification_mmc": plots.verification_mmc(table),
          "verification_checks": plots.verification_summary(table)}, out)
    failed = int((~table["passed"]).sum())
    mode = f"--quick (at most {quick_replications} replications a case)" if quick_replications else "full suite"
    write_markdown(out / "verify.md", "Verification against theory",
                   f"`sim verify` ({mode}): {len(table) - failed} checks passed, {failed} failed. A statistical "
                   "check passes when the theory lies inside the 99 % confidence interval of the mean over the "
                   "replications; an exact one must hold to floating-point precision.",
                   table.drop(columns=["family"]), ["verification_mmc.png", "verification_checks.png"])


def replay_page(out: Path, table: pd.DataFrame, per_rep: pd.DataFrame, scenario: dict[str, Any], source: str,
                replications: int, seed: int) -> None:
    """``replay.md`` and the monthly index plot: the replayed scenario beside every published figure."""
    events: list[tuple[dt.date, str]] = policy_events({"scenario": scenario})
    save({"replay_index": plots.replay_index(per_rep, table, events)}, out)
    write_markdown(out / "replay.md", "The 2025 replay",
                   f"`sim replay` of `{source}`: {replications} replications, seed {seed}; model values "
                   "with their 95 % confidence intervals; `basis` says which figures the baseline was set to "
                   "reproduce (fitted) and which it was not.",
                   table.drop(columns=["source"]), ["replay_index.png"])


def calibration_page(out: Path, result: Calibration, source: str, target: str, replications: int,
                     seed: int) -> None:
    """``calibration.md`` and the gap plot: fitted values with their standard errors, every figure's gap."""
    fit = result.fit
    save({"calibration_gaps": plots.calibration_gaps(result.gaps)}, out)
    write_markdown(out / "calibration.md", "Calibration",
                   f"`sim calibrate` of `{source}` to `{target}`: {len(fit.evaluations)} evaluations of "
                   f"{replications} replications (seed {seed}), {fit.status} ({fit.message}). Fitted values "
                   "with standard errors and 95 % intervals:\n\n" + markdown_table(fit.parameters)
                   + "\nGaps before and after (relative gaps in the plot); `fitted_to` marks the figures fitted:",
                   result.gaps, ["calibration_gaps.png"])
