"""What the command line prints: results as plain text, from the tables the library returns."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.catalogue import METRICS
from sim.report import memo

if TYPE_CHECKING:
    from sim.analysis.calibrate import Calibration
    from sim.analysis.compare import Comparison
    from sim.analysis.discover import Discovery
    from sim.analysis.sweep import SweepResult
    from sim.analysis.warmup import Warmup
    from sim.runs.execute import RunResult
    from sim.scenario.schema import Scenario
    from sim.scenario.sections import Calendar

HEADLINE = ("delay_days", "lost_days", "licence_wait_days", "vetting_days", "production_days", "transit_days",
            "delay_p95_days", "censored_fraction", "shortfall_fraction", "shortfall_fraction_all_sources",
            "stockout_days", "needs", "attempts", "applications", "approval_share", "applications_pending",
            "rejections_veu", "rejections_ban", "review_days", "review_days_restricted", "queue_length")
"""The metrics of the one-screen summary of a run, all buyers."""
PARTS_OF_DELAY = {"lost_days": "retried_share", "licence_wait_days": "licensed_share", "vetting_days": "vetted_share",
                  "production_days": None, "transit_days": None}
"""The parts of the delay, each with the share of delivered needs that had it (None: every need)."""
LABEL_WIDTH = 56
COMPARED = ("delay_days", "delay_p95_days", "licence_wait_days", "censored_fraction", "shortfall_fraction",
            "stockout_days", "approval_share")
"""The metrics of the one-screen summary of a comparison."""


def describe(scenario: Scenario) -> str:
    """One line saying what a scenario holds."""
    firms = sum(group.count for group in scenario.buyers.values())
    return (
        f"scenario '{scenario.name}', {len(scenario.materials)} materials, {len(scenario.buyers)} buyer groups "
        f"({firms} firms), {len(scenario.policy)} policy events, {scenario.calendar.start} + "
        f"{scenario.calendar.horizon_days} days, {scenario.monte_carlo.replications} replications"
    )


def run_summary(result: RunResult, groups: Sequence[str] = ()) -> str:
    """The headline metrics of a run with their 95 % CI and percentiles, then shortfall by sector and material,
    then the compared metrics of each of ``groups``."""
    summary = result.summary.set_index(["metric", "group"])
    lines = [
        f"{result.scenario.name}: {result.replications} replication{'s' if result.replications > 1 else ''}, "
        f"seed {result.seed}, "
        f"{result.events:,} events in {result.wall_seconds:.1f} s",
        "",
        _heading("all buyers"),
    ]
    if result.replications < 2:
        lines[1:1] = ["one replication gives no confidence interval: run at least 2 (-n) to have one"]
    lines += [_row(metric, _headline_label(metric, summary), summary.loc[(metric, "all")]) for metric in HEADLINE]
    for prefix, title in (("sector:", "shortfall fraction by sector"), ("material:", "shortfall fraction by material")):
        lines += ["", title]
        rows = summary.xs("shortfall_fraction", level="metric")
        lines += [_row("shortfall_fraction", f"  {group.removeprefix(prefix)}", row) for group, row in rows.iterrows()
                  if group.startswith(prefix)]
    for group in groups:
        lines += ["", _heading(memo.group_phrase(group))]
        lines += [_row(metric, METRICS[metric].label, summary.loc[(metric, group)]) for metric in COMPARED]
    if result.scenario.exporters:
        lines += ["", "exporters (after the warm-up; monthly means across replications, every month in exporters.csv)",
                  *_exporter_lines(result.exporters, result.scenario.calendar)]
    priced = any(m.price_usd_per_kg for m in result.scenario.materials.values())
    lines += ["", "shortfall fractions across materials weigh each material by "
              + ("its price (USD/kg)" if priced else "kilograms (the scenario gives no prices)")
              + "; delays run from a need's first request to its delivery, across refused attempts"]
    return "\n".join(lines)


def _heading(group: str) -> str:
    return f"{group:<{LABEL_WIDTH}}{'mean':>14}  {'95% CI':>20}  {'p5':>9}{'p95':>9}"


def _exporter_lines(months: pd.DataFrame, calendar: Calendar) -> list[str]:
    """Each exporter's busiest month and its longest order book, after the warm-up."""
    measured = months[pd.to_datetime(months["month"]) >= pd.Timestamp(calendar.start + dt.timedelta(
        days=calendar.warmup_days)).to_period("M").to_timestamp()]
    lines = []
    for name, rows in measured.groupby("exporter", sort=False):
        busiest, longest = rows.loc[rows["utilisation"].idxmax()], rows.loc[rows["backlog_days"].idxmax()]
        lines.append(f"  {name:<{LABEL_WIDTH - 2}}utilisation {rows['utilisation'].mean():.0%} on average, "
                     f"{busiest['utilisation']:.0%} at most ({busiest['month']}); order book up to "
                     f"{longest['backlog_days']:.1f} days of capacity ({longest['month']})")
    return lines


def comparison_summary(comparison: Comparison, groups: Sequence[str] = ()) -> str:
    """What each variant does, in a sentence, then each variant's mean and its paired difference from the
    baseline, for the compared metrics, all buyers and each of ``groups``."""
    baseline = comparison.baseline
    streams = "common random numbers" if comparison.common_random_numbers else "independent streams"
    n = next(iter(comparison.results.values())).replications
    lines = [f"{len(comparison.results)} variants, {n} replication{'s' if n > 1 else ''} each, {streams}; "
             f"baseline: {baseline}", "",
             "what each variant does:"]
    lines += [f"  {sentence}" for sentence in memo.takeaways(comparison.table, baseline, ("all", *groups))]
    for group in ("all", *groups):
        table = comparison.table[comparison.table["group"] == group].set_index(["metric", "variant"])
        lines += ["", f"{memo.group_phrase(group)}: mean, and paired difference from {baseline} [95 % CI]"]
        for metric in COMPARED:
            lines.append(f"  {METRICS[metric].label}")
            for variant in comparison.results:
                row = table.loc[(metric, variant)]
                line = f"    {variant:<34}{memo.estimate(metric, row['mean']):>14}"
                if variant != baseline:
                    line += "   " + memo.difference(metric, row["diff"], row["diff_ci_low"], row["diff_ci_high"])
                lines.append(line)
        if said := memo.unmoved_sentence(comparison.table, baseline, COMPARED, group):
            lines.append("  " + said)
    return "\n".join(lines)


def sweep_summary(result: SweepResult, out: Path) -> str:
    """What a sweep ran, its indices and where its metric crosses the threshold."""
    plan = result.plan
    sweep = plan.sweep
    lines = [f"{sweep.method} sweep of {len(sweep.params)} parameter(s): {len(result.table)} points x "
             f"{sweep.replications} replications; results in {out}/"]
    if result.emulated is not None:
        v, (used, direct) = result.emulated.validation, result.replications_saved
        lines += ["", f"emulator ({sweep.emulator}) on {v.points} design points, {v.folds}-fold cross-validation: "
                  f"Q2 {v.q2:.3f} (at least 0.8 needed), {v.coverage:.0%} of held-out means inside their 95 % "
                  f"predictive interval (at least 85 % needed)"]
        lines += [f"  {used:,} simulator replications run; a direct {sweep.method} analysis of the same base sample "
                  f"would run {direct:,} ({direct / used:.1f} times as many)" if v.passed else
                  "  the emulator failed validation: no indices reported; give it more --design-points or more "
                  "replications a point (-n)"]
    if memo.flat(result.table, result.plan.metric):
        lines += ["", f"{plan.metric} does not move across the sweep (every point's 95 % interval overlaps every "
                      f"other's): {memo.UNMOVED_HINT}"]
    if result.indices is not None:
        lines += ["", f"sensitivity of {plan.metric} ({sweep.method}, 95 % CI):", _frame(result.indices)]
    if result.tipping is not None:
        lines += ["", f"where {plan.metric} crosses {plan.threshold:g}:",
                  _frame(result.tipping) if len(result.tipping) else "  nowhere in the swept ranges"]
    elif plan.threshold is not None:
        lines += ["", f"{sweep.method} has no lines to search for where {plan.metric} crosses {plan.threshold:g}: "
                  f"sim discover {out} --metric {plan.metric} --threshold {plan.threshold:g} finds the region"]
    return "\n".join(lines)


def discovery_summary(result: Discovery, folder: Path) -> str:
    """PRIM's chosen box and the trade-off around it, and CART's densest leaves."""
    chosen = result.tradeoff[result.tradeoff["chosen"]].iloc[0]
    shown = result.tradeoff[(result.tradeoff["box"] - result.chosen).abs() <= 3]
    left_out = f" ({result.left_out} without a value of {result.metric} left out)" if result.left_out else ""
    lines = [f"scenario discovery on {len(result.points)} points{left_out}; bad: {result.bad} "
             f"({int(result.points['bad'].sum())} points)",
             "", f"PRIM box {result.chosen}: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}, "
             f"mass {chosen['mass']:.2f}, {int(chosen['restricted'])} parameter(s) restricted"
             + ("" if result.significant else " (not every restriction significant at quasi-p 0.05: read it as a "
                "hint, or sample more points)") + ":",
             _frame(result.box) if len(result.box) else "  (none)",
             "", "trade-off around it (every box in discovery/tradeoff.csv; --box N to choose another):",
             _frame(shown),
             "", "CART's densest leaves:", _frame(result.tree.head(3)),
             "", f"tables in {folder}/discovery/ (boxes.csv, tradeoff.csv, cart.csv, classified.csv)"]
    return "\n".join(lines)


def _frame(frame: pd.DataFrame, figures: int = 3) -> str:
    """A table as the terminal shows it: numbers to ``figures`` significant figures, a missing value as n/a."""
    return frame.to_string(index=False, float_format=lambda v: f"{v:.{figures}g}", na_rep="n/a")


def verification_summary(table: pd.DataFrame, out: Path) -> str:
    """Every check of ``sim verify``, and how many passed."""
    shown = table[["case", "quantity", "theory", "simulated", "ci_low", "ci_high", "passed", "replications"]]
    failed = int((~table["passed"]).sum())
    return (_frame(shown, 4)
            + f"\n\n{len(table) - failed} passed, {failed} failed; table and plots in {out}/")


def replay_summary(table: pd.DataFrame, scored: pd.DataFrame, *, name: str, replications: int, seed: int, out: Path,
                   tolerance: float) -> str:
    """Every published figure beside the model's counterpart, fitted or held out, and the two sets' scores."""
    shown = table[table["split"] != ""][["quantity", "period", "split", "observed", "model", "ci_low", "ci_high",
                                          "relative_gap", "within"]]
    return (f"{name}: {replications} replications, seed {seed}; model 95 % CI\n\n"
            + _frame(shown)
            + "\n\n" + _scores(scored, tolerance)
            + "\n(inputs, bases of ratios and figures the run cannot compare are listed in replay.csv)"
            + f"\ntable and plot in {out}/ (replay.csv, scores.csv, replay.md, replay_index.png/.svg)")


def _scores(scored: pd.DataFrame, tolerance: float, suffix: str = "") -> str:
    lines = []
    for row in scored.to_dict("records"):
        kind = "in sample (fitted)" if row["split"] == "fitted" else "out of sample (held out)"
        if not row["figures" + suffix]:
            lines.append(f"{kind}: none")
            continue
        lines.append(f"{kind}: {row['within' + suffix]} of {row['figures' + suffix]} within {tolerance:.0%}, "
                     f"root mean square relative gap {row['rms_relative_gap' + suffix]:.3g}")
    return "\n".join(lines)


def calibration_summary(result: Calibration, out: Path) -> str:
    """The fitted parameters, whether each earns its place, and every figure, fitted or held out, before and after."""
    fit = result.fit
    gaps = result.gaps[["quantity", "period", "split", "observed", "model_start", "model_fitted", "ci_low_fitted",
                        "ci_high_fitted"]]
    before = _scores(result.scores, 0.25, "_start").replace("\n", "\n  ")
    after = _scores(result.scores, 0.25, "_fitted").replace("\n", "\n  ")
    return "\n".join([
        f"\n{fit.status}: {fit.message}\n",
        _frame(fit.parameters, 4),
        "",
        _frame(gaps),
        f"\nat the start:\n  {before}\nat the fit:\n  {after}",
        f"\nresults in {out}/ (calibration.csv, fit.csv, scores.csv, evaluations.csv, calibrated.yaml, calibration.md)",
    ])


def origins_summary(table: pd.DataFrame, out: Path) -> str:
    """A rolling origin: each origin's in-sample and out-of-sample errors before and after its fit."""
    shown = table[[c for c in table if not c.startswith("kept:")]]
    return (_frame(shown)
            + f"\n\nresults in {out}/ (origins.csv, origins.md; one calibration folder per origin)")


def warmup_summary(found: Warmup, scenario: Scenario) -> str:
    """The monthly shortfall of a scenario's quiet variant, and the warm-up MSER suggests."""
    table = found.table.assign(kept=["" if i < found.months_cut else "measured" for i in range(len(found.table))])
    start = scenario.calendar.start
    suggested = start + dt.timedelta(days=found.days)
    low, high = found.months_range
    advice = ("the scenario's warm-up covers it" if found.scenario_days >= found.days else
              f"the scenario's {found.scenario_days} days are too short: start {found.days - found.scenario_days} "
              "days earlier to keep the measured period")
    return "\n".join([
        f"{scenario.name} without its dated events: {found.replications} replications; monthly shortfall fraction "
        "(mean across replications) and the MSER statistic of truncating before each month",
        "",
        _frame(table, 4),
        "",
        f"suggested warm-up: {found.days} days ({found.months_cut} months, metrics from {suggested}); over bootstrap "
        f"resamples of the replications the truncation falls between months {low} and {high} (10th-90th "
        f"percentiles); {advice}",
    ])


def _headline_label(metric: str, summary: pd.DataFrame) -> str:
    """A headline metric's label; a part of the delay says so, and in what share of needs it occurred."""
    if metric not in PARTS_OF_DELAY:
        return METRICS[metric].label
    share = PARTS_OF_DELAY[metric]
    occurred = "" if share is None else f" ({summary.loc[(share, 'all'), 'mean']:.0%} of needs)"
    return f"  of which {METRICS[metric].label.removesuffix(', days')}{occurred}"


def _row(metric: str, label: str, row: pd.Series) -> str:
    """A label, the mean with its unit, its 95 % interval (the same decimals) and the 5th and 95th percentiles."""
    if pd.isna(row["mean"]):
        return f"{label:<{LABEL_WIDTH}}{'n/a':>14}"
    mean, _, ci = memo.estimate(metric, row["mean"], row["ci_low"], row["ci_high"]).partition(" [")
    p5, p95 = memo.figures(metric, [row["p5"], row["p95"]])
    return f"{label:<{LABEL_WIDTH}}{mean:>14}  {'[' + ci if ci else '':>20}  {p5:>9}{p95:>9}"
