"""The validation pages (Markdown, with their plots) of ``sim verify``, ``sim replay`` and ``sim calibrate``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from sim.io import markdown_table, write_markdown
from sim.report import validation_plots
from sim.report.draw import policy_events, save


def verification_page(out: Path, table: pd.DataFrame, quick_replications: int | None) -> None:
    """``verify.md`` and its plots: every check against theory, with the tolerance it used."""
    save({"verification_mmc": validation_plots.verification_mmc(table),
          "verification_checks": validation_plots.verification_summary(table)}, out)
    failed = int((~table["passed"]).sum())
    mode = f"--quick (at most {quick_replications} replications a case)" if quick_replications else "full suite"
    write_markdown(out / "verify.md", "Verification against theory",
                   f"`sim verify` ({mode}): {len(table) - failed} checks passed, {failed} failed. A statistical "
                   "check passes when the theory lies inside the confidence interval of the mean over the "
                   "replications, the statistical checks judged together (Bonferroni: each at 1 - 0.01/m for m "
                   "checks, so that a correct model fails any of them at most once in a hundred runs); an exact "
                   "one must hold to floating-point precision.",
                   table.drop(columns=["family"]), ["verification_mmc.png", "verification_checks.png"])


def replay_page(out: Path, table: pd.DataFrame, *, scored: pd.DataFrame, series: dict[str, tuple[str, pd.DataFrame]],
                scenario: dict[str, Any], source: str, replications: int, seed: int) -> None:
    """``replay.md`` and the monthly export plot: the replayed scenario beside every published figure, the fitted and
    the held-out ones scored apart."""
    events: list[tuple[dt.date, str]] = policy_events({"scenario": scenario})
    save({"replay_index": validation_plots.replay_index(series, table, events)}, out)
    write_markdown(out / "replay.md", "The 2025 replay",
                   f"`sim replay` of `{source}`: {replications} replications, seed {seed}; model values "
                   "with their 95 % confidence intervals. `split` says whether the scenario's fitted parameters "
                   "were set to reproduce a figure (fitted, in sample) or not (held out, out of sample); the two "
                   "are scored apart (root mean square of the relative gaps, and how many lie within 25 %; a "
                   "limit counts in `within` only):\n\n" + markdown_table(scored) + "\nEvery figure:",
                   table.drop(columns=["source"]), ["replay_index.png"])


def calibration_page(out: Path, *, parameters: pd.DataFrame, gaps: pd.DataFrame, scores: pd.DataFrame,
                     evaluations: int, status: str, source: str, target: str, replications: int, seed: int) -> None:
    """``calibration.md`` and the gap plot: fitted values with their standard errors and the parsimony rule, both
    scores before and after, every figure's gap."""
    save({"calibration_gaps": validation_plots.calibration_gaps(gaps)}, out)
    write_markdown(out / "calibration.md", "Calibration",
                   f"`sim calibrate` of `{source}` to `{target}`: {evaluations} evaluations of "
                   f"{replications} replications (seed {seed}), {status}. Fitted values "
                   "with standard errors and 95 % intervals; `kept` when the figures identify the parameter (its "
                   "interval narrower than half its range) and it lowers the held-out figures' error (against the "
                   "same fit with that parameter at its start value):\n\n" + markdown_table(parameters)
                   + "\nScores of the fitted and the held-out figures, at the start and at the fit:\n\n"
                   + markdown_table(scores)
                   + "\nGaps before and after (relative gaps in the plot); `split` says which figures were fitted:",
                   gaps, ["calibration_gaps.png"])


def origins_page(out: Path, table: pd.DataFrame, *, source: str, replications: int, seed: int) -> None:
    """``origins.md`` and its plot: how the out-of-sample error moves as the fit's origin moves."""
    save({"origins": validation_plots.origins(table)}, out)
    write_markdown(out / "origins.md", "Calibration with a rolling origin",
                   f"`sim calibrate --origins` of `{source}`, {replications} replications an evaluation (seed "
                   f"{seed}): at each origin the parameters are fitted to the figures dated up to it and judged on "
                   "those dated after it (each origin's own page in `origin-DATE/`). `rms` is the root mean square "
                   "of the relative gaps; `within`, figures within 25 %; `kept`, the parsimony rule.",
                   table, ["origins.png"])
