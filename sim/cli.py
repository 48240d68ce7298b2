"""The command line: parse, call one library function, write, print. No computing here."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from sim.analysis.calibrate import (
    calibrate,
    calibrated_scenario,
    check_parameters,
    choose_targets,
    gap_table,
)
from sim.analysis.compare import Comparison, NotComparable, check_comparable, compare
from sim.analysis.replay import ReplayError, read_observed, replay
from sim.analysis.sweep import (
    METHODS,
    Sweep,
    SweepError,
    check,
    crossings,
    design,
    indices,
    parse_param,
    run_sweep,
)
from sim.analysis.verify import QUICK_REPLICATIONS, cases, verify
from sim.io import (
    CALIBRATION_MANIFEST,
    CROSSINGS,
    INDICES,
    POINTS,
    PointFiles,
    ResultsError,
    check_writable,
    markdown_table,
    scenario_hash,
    write_comparison,
    write_markdown,
    write_run,
    write_table,
    write_yaml,
)
from sim.report import plot_run, plots, report_comparison, report_run, report_sweep
from sim.report.draw import policy_events, save
from sim.runs.execute import RunResult, check_scheduler, default_workers, run
from sim.runs.metrics import METRICS
from sim.scenario.load import ScenarioError, load_scenario, resolved_dict
from sim.scenario.schema import Scenario, SweepDefinition

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

HEADLINE = (
    ("delay_days", "delivery delay, days (delivered orders)"),
    ("licence_wait_days", "  of which licence wait, days"),
    ("vetting_days", "  of which vetting, days"),
    ("production_days", "  of which production, days"),
    ("transit_days", "  of which transit, days"),
    ("censored_fraction", "orders undelivered at horizon (censored)"),
    ("shortfall_fraction", "supply shortfall fraction"),
    ("stockout_days", "stock-out days per firm and material"),
    ("applications", "licence applications"),
    ("approval_share", "approval share"),
    ("rejections_veu", "refused by VEU rule"),
    ("review_days", "time in review, days"),
    ("queue_length", "applications waiting (time average)"),
)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sim`` and ``python -m sim``; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.command(args)
    except ScenarioError as exc:
        print(f"error: invalid scenario ({len(exc.problems)} problem(s)); nothing was written", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (NotComparable, ResultsError, SweepError, ReplayError) as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: cannot write results: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\ninterrupted; no result tables were written (finished sweep points and calibration "
              "evaluations are kept: the same command resumes)", file=sys.stderr)
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description="Export-licence regime simulator: delivery delays and supply shortfalls."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run_cmd = commands.add_parser("run", help="run the Monte Carlo of a scenario and write its results")
    run_cmd.add_argument("scenario", type=Path, help="scenario YAML file")
    run_cmd.add_argument("-n", "--replications", type=_positive, help="replications (default: the scenario's)")
    run_cmd.add_argument("--seed", type=_non_negative, help="root seed (default: the scenario's)")
    run_cmd.add_argument("--workers", type=_positive, help="worker processes (default: one per core)")
    run_cmd.add_argument("--out", type=Path, help="output folder (default: results/<scenario name>)")
    run_cmd.add_argument("--no-report", action="store_true", help="skip the plots and report.html")
    _add_set(run_cmd)
    run_cmd.set_defaults(command=_run)

    compare_cmd = commands.add_parser("compare", help="run policy variants on common random numbers and compare")
    compare_cmd.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO", help="two or more scenario files")
    compare_cmd.add_argument("-n", "--replications", type=_positive, help="replications of every variant")
    compare_cmd.add_argument("--seed", type=_non_negative, help="root seed, shared by every variant")
    compare_cmd.add_argument("--baseline", help="the variant others are compared with: its file or name "
                             "(default: the first)")
    compare_cmd.add_argument("--workers", type=_positive, help="worker processes (default: one per core)")
    compare_cmd.add_argument("--out", type=Path, help="output folder (default: results/compare-<names>)")
    compare_cmd.add_argument("--independent-streams", action="store_true",
                             help="give each variant its own random numbers (only to see what common ones buy)")
    compare_cmd.set_defaults(command=_compare)

    sweep = commands.add_parser("sweep", help="sensitivity sweep over scenario parameters (resumable)")
    sweep.add_argument("scenario", type=Path, help="base scenario YAML file")
    sweep.add_argument("--param", dest="params", action="append", metavar="PATH=LOW:HIGH[:STEPS]",
                       help="a parameter to sweep, by its --set path: a range, or listed values PATH=V1,V2,... "
                       "(repeatable; default: the scenario's sweep section)")
    sweep.add_argument("--method", choices=METHODS,
                       help="grid (full factorial, the default), oat (one at a time around the scenario), "
                       "morris or sobol")
    sweep.add_argument("--samples", type=_positive, help="morris: trajectories; sobol: base sample, a power of 2 (8)")
    sweep.add_argument("-n", "--replications", type=_positive, help="replications per point (20)")
    sweep.add_argument("--seed", type=_non_negative, help="root seed, shared by every point (default: the scenario's)")
    sweep.add_argument("--metric", help="metric for indices, plots and tipping points (shortfall_fraction)")
    sweep.add_argument("--threshold", type=float, help="report where the metric crosses this value")
    sweep.add_argument("--workers", type=_positive, help="local worker processes (default: one per core)")
    sweep.add_argument("--executor", choices=("local", "dask"), default="local",
                       help="local process pool, or an existing Dask distributed cluster (--scheduler)")
    sweep.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    sweep.add_argument("--out", type=Path, help="output folder (default: results/<scenario>-sweep-<method>)")
    _add_set(sweep)
    sweep.set_defaults(command=_sweep)

    verify_cmd = commands.add_parser("verify", help="check the model against queueing and inventory theory")
    verify_cmd.add_argument("cases", nargs="*", metavar="CASE", help="case names (default: every case)")
    verify_cmd.add_argument("--quick", action="store_true", help=f"at most {QUICK_REPLICATIONS} replications a case")
    verify_cmd.add_argument("--folder", type=Path, default=Path("scenarios") / "verification",
                            help="where the case files are (default: scenarios/verification)")
    verify_cmd.add_argument("--workers", type=_positive, default=default_workers(64), help="worker processes")
    verify_cmd.add_argument("--out", type=Path, default=Path("results") / "verify", help="output folder")
    verify_cmd.set_defaults(command=_verify)

    replay_cmd = commands.add_parser("replay", help="put the 2025 baseline beside the published figures")
    replay_cmd.add_argument("scenario", type=Path, nargs="?", default=Path("scenarios") / "baseline_2025.yaml",
                            help="scenario replaying 2025 (default: scenarios/baseline_2025.yaml)")
    replay_cmd.add_argument("--target", type=Path, default=Path("data") / "observed_2025.csv",
                            help="published figures (default: data/observed_2025.csv)")
    replay_cmd.add_argument("-n", "--replications", type=_positive, default=50, help="replications (50)")
    replay_cmd.add_argument("--seed", type=_non_negative, help="root seed (default: the scenario's)")
    replay_cmd.add_argument("--workers", type=_positive, default=default_workers(64), help="worker processes")
    replay_cmd.add_argument("--out", type=Path, default=Path("results") / "replay", help="output folder")
    replay_cmd.set_defaults(command=_replay)

    calibrate_cmd = commands.add_parser("calibrate", help="fit scenario parameters to the published figures "
                                        "(least squares over common random numbers; resumable)")
    calibrate_cmd.add_argument("scenario", type=Path, nargs="?", default=Path("scenarios") / "baseline_2025.yaml",
                               help="scenario to calibrate (default: scenarios/baseline_2025.yaml)")
    calibrate_cmd.add_argument("--target", type=Path, default=Path("data") / "observed_2025.csv",
                               help="published figures (default: data/observed_2025.csv)")
    calibrate_cmd.add_argument("--param", dest="params", action="append", required=True, metavar="PATH=LOW:HIGH",
                               help="a parameter to fit, by its --set path, searched within LOW..HIGH (repeatable)")
    calibrate_cmd.add_argument("--fit", dest="figures", action="append", default=[], metavar="QUANTITY[:PERIOD]",
                               help="a published figure to fit (repeatable; default: every comparable figure)")
    calibrate_cmd.add_argument("-n", "--replications", type=_positive, default=20,
                               help="replications per evaluation, the same for all (20)")
    calibrate_cmd.add_argument("--seed", type=_non_negative, help="root seed (default: the scenario's)")
    calibrate_cmd.add_argument("--max-steps", type=_positive, default=20,
                               help="least-squares steps, each one to a few evaluations (20)")
    calibrate_cmd.add_argument("--workers", type=_positive, default=default_workers(64), help="worker processes")
    calibrate_cmd.add_argument("--out", type=Path, help="output folder (default: results/<scenario>-calibration)")
    _add_set(calibrate_cmd)
    calibrate_cmd.set_defaults(command=_calibrate)

    plot = commands.add_parser("plot", help="draw the plots and report.html of a sim run output folder")
    plot.add_argument("folder", type=Path, help="a folder written by sim run")
    plot.set_defaults(command=_plot)

    validate = commands.add_parser("validate", help="check a scenario file and say what it holds")
    validate.add_argument("scenario", type=Path, help="scenario YAML file")
    _add_set(validate)
    validate.set_defaults(command=_validate)

    schema = commands.add_parser("schema", help="print the JSON Schema of the scenario format (for editors)")
    schema.set_defaults(command=_schema)
    return parser


def _add_set(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a parameter, e.g. --set authority.reviewers=4 (repeatable)",
    )


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def _run(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    out = args.out or Path("results") / scenario.name
    check_writable(out)
    n = args.replications or scenario.monte_carlo.replications
    workers = args.workers or default_workers(n)
    result = run(scenario, replications=n, seed=args.seed, workers=workers, progress=sys.stderr.isatty())
    write_run(result, out, str(args.scenario), workers)
    print(_summary_screen(result))
    print(f"\nresults written to {out}/ (summary.csv, replications.parquet, timeseries.parquet, delays.csv, run.json)")
    if not args.no_report:
        print(f"report: {report_run(out)}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(path) for path in args.scenarios]
    by_file = {str(path): s.name for path, s in zip(args.scenarios, scenarios, strict=True)}
    baseline = by_file.get(str(args.baseline), args.baseline) if args.baseline else scenarios[0].name
    check_comparable(scenarios, baseline)
    out = args.out or Path("results") / ("compare-" + "-".join(s.name for s in scenarios))[:120]
    check_writable(out)
    n = args.replications or scenarios[0].monte_carlo.replications
    workers = args.workers or default_workers(n)
    comparison = compare(scenarios, baseline, n, args.seed, workers, progress=sys.stderr.isatty(),
                         common_random_numbers=not args.independent_streams)
    write_comparison(comparison, out, {s.name: str(p) for p, s in zip(args.scenarios, scenarios, strict=True)},
                     workers)
    print(_comparison_screen(comparison))
    print(f"\ncomparison written to {out}/ (comparison.csv, one folder per variant); "
          f"report: {report_comparison(out, list(comparison.results), baseline)}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    kept = scenario.sweep or SweepDefinition.model_construct()  # defaults only
    if not args.params and scenario.sweep is None:
        raise SweepError(f"{args.scenario} has no sweep section: give at least one --param PATH=LOW:HIGH")
    texts = args.params or [f"{path}={_spec(value)}" for path, value in kept.params.items()]
    metric = args.metric or kept.metric
    if metric not in METRICS:
        close = difflib.get_close_matches(metric, list(METRICS), n=1)
        raise SweepError(f"unknown metric {metric!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    threshold = args.threshold if args.threshold is not None else kept.threshold
    params = tuple(parse_param(text, scenario) for text in texts)
    seed = scenario.monte_carlo.seed if args.seed is None else args.seed
    sweep = Sweep(params, args.method or kept.method, args.samples or kept.samples,
                  args.replications or kept.replications, seed)
    check(sweep)
    points_planned = len(design(sweep, scenario))
    scheduler = None
    if args.executor == "dask":
        if not args.scheduler:
            raise SweepError("--executor dask needs --scheduler ADDRESS")
        try:
            check_scheduler(args.scheduler)
        except ConnectionError as exc:
            raise SweepError(str(exc)) from None
        scheduler = args.scheduler
    out = args.out or Path("results") / f"{scenario.name}-sweep-{args.method}"
    check_writable(out)
    description = {"scenario_file": str(args.scenario), "method": sweep.method, "points": points_planned,
                   "params": [asdict(p) for p in params], "replications": sweep.replications, "seed": seed}
    store = PointFiles(out, sweep.fingerprint(scenario), description)
    resumed = len(store.done())
    if resumed:
        print(f"resuming: {resumed} of {points_planned} points already done in {out}")
    table = run_sweep(scenario, sweep, store, args.workers, progress=sys.stderr.isatty(), scheduler=scheduler)
    write_table(table, out / POINTS)
    print(f"{sweep.method} sweep of {len(params)} parameter(s): {len(table)} points x {sweep.replications} "
          f"replications; results in {out}/")
    if sweep.method in ("morris", "sobol"):
        found = indices(sweep, table[f"{metric}:mean"].to_numpy())
        write_table(found, out / INDICES)
        print(f"\nsensitivity of {metric} ({sweep.method}, 95 % CI):\n{found.to_string(index=False)}")
    if threshold is not None:
        tipping = crossings(table, sweep, metric, threshold)
        write_table(tipping, out / CROSSINGS)
        print(f"\nwhere {metric} crosses {threshold:g}:")
        print(tipping.to_string(index=False) if len(tipping) else "  nowhere in the swept ranges")
    print(f"\nreport: {report_sweep(out, [p.path for p in params], sweep.method, metric, threshold)}")
    return 0


def _spec(value: object) -> str:
    """A sweep section's parameter value in --param form."""
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _verify(args: argparse.Namespace) -> int:
    try:
        selected = cases(args.folder, args.cases)
    except ValueError as exc:
        raise SweepError(str(exc)) from None
    check_writable(args.out)
    table = verify(selected, quick=args.quick, workers=args.workers)
    write_table(table, args.out / "verify.csv")
    save({"verification_mmc": plots.verification_mmc(table), "verification_checks": plots.verification_summary(table)},
         args.out)
    shown = table[["case", "quantity", "theory", "simulated", "ci_low", "ci_high", "passed", "replications"]]
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    failed = int((~table["passed"]).sum())
    mode = f"--quick (at most {QUICK_REPLICATIONS} replications a case)" if args.quick else "full suite"
    write_markdown(args.out / "verify.md", "Verification against theory",
                   f"`sim verify` ({mode}): {len(table) - failed} checks passed, {failed} failed. A statistical "
                   "check passes when the theory lies inside the 99 % confidence interval of the mean over the "
                   "replications; an exact one must hold to floating-point precision.",
                   table.drop(columns=["family"]), ["verification_mmc.png", "verification_checks.png"])
    print(f"\n{len(table) - failed} passed, {failed} failed; table and plots in {args.out}/")
    return EXIT_FAILED if failed else 0


def _replay(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    observed = read_observed(args.target)
    seed = scenario.monte_carlo.seed if args.seed is None else args.seed
    check_writable(args.out)
    table, per_rep = replay(scenario, observed, args.replications, seed, args.workers)
    write_table(table, args.out / "replay.csv")
    events = [(date, name) for date, name in policy_events({"scenario": resolved_dict(scenario)})]
    save({"replay_index": plots.replay_index(per_rep, table, events)}, args.out)
    shown = table[["quantity", "period", "compared_as", "observed", "model", "ci_low", "ci_high", "gap", "basis"]]
    print(f"{scenario.name}: {args.replications} replications, seed {seed}; model 95 % CI\n")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.3g}", max_colwidth=44))
    write_markdown(args.out / "replay.md", "The 2025 replay",
                   f"`sim replay` of `{args.scenario}`: {args.replications} replications, seed {seed}; model values "
                   "with their 95 % confidence intervals; `basis` says which figures the baseline was set to "
                   "reproduce (fitted) and which it was not.",
                   table.drop(columns=["source"]), ["replay_index.png"])
    print(f"\ntable and plot in {args.out}/ (replay.csv, replay.md, replay_index.png/.svg)")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    observed = read_observed(args.target)
    params = [parse_param(text, scenario) for text in args.params]
    targets = choose_targets(observed, args.figures)
    check_parameters(params, targets)
    seed = scenario.monte_carlo.seed if args.seed is None else args.seed
    out = args.out or Path("results") / f"{scenario.name}-calibration"
    check_writable(out)
    description = {"scenario_file": str(args.scenario), "replications": args.replications, "seed": seed}
    store = PointFiles(out, scenario_hash(scenario) + f":{args.replications}:{seed}", description,
                       CALIBRATION_MANIFEST)
    print(f"fitting {', '.join(p.path for p in params)} to {len(targets)} figure(s), {args.replications} "
          f"replications an evaluation, seed {seed}")

    def show(evaluation: dict[str, object]) -> None:
        values = ", ".join(f"{p.path}={_fmt(evaluation[p.path]) if p.kind == 'number' else evaluation[p.path]}"
                           for p in params)
        print(f"  {values}: sum of squared relative gaps {2 * evaluation['cost']:.4g}", flush=True)

    result = calibrate(scenario, observed, params, targets, args.replications, seed, store, args.workers,
                       args.max_steps, show)
    gaps = gap_table(observed, result, targets)
    fitted = calibrated_scenario(scenario, result)
    write_table(result.parameters, out / "calibration.csv")
    write_table(gaps, out / "fit.csv")
    write_table(result.evaluations, out / "evaluations.csv")
    write_yaml(resolved_dict(fitted), out / "calibrated.yaml",
               f"{args.scenario} calibrated by sim calibrate to {args.target}: "
               + ", ".join(f"{k} = {v}" for k, v in result.values.items()))
    save({"calibration_gaps": plots.calibration_gaps(gaps)}, out)
    status = "converged" if result.converged else "stopped before converging"
    write_markdown(out / "calibration.md", "Calibration",
                   f"`sim calibrate` of `{args.scenario}` to `{args.target}`: {len(result.evaluations)} evaluations of "
                   f"{args.replications} replications (seed {seed}), {status} ({result.message}). Fitted values "
                   "with standard errors and 95 % intervals:\n\n" + markdown_table(result.parameters)
                   + "\nGaps before and after (relative gaps in the plot); `fitted_to` marks the figures fitted:",
                   gaps, ["calibration_gaps.png"])
    print(f"\n{status}: {result.message}\n")
    print(result.parameters.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print()
    print(gaps[["quantity", "period", "fitted_to", "observed", "model_start", "model_fitted", "ci_low_fitted",
                "ci_high_fitted"]].to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    print(f"\nresults in {out}/ (calibration.csv, fit.csv, evaluations.csv, calibrated.yaml, calibration.md)")
    return 0 if result.converged else EXIT_FAILED


def _plot(args: argparse.Namespace) -> int:
    drawn = plot_run(args.folder)
    print(f"plots written to {args.folder}/: {', '.join(f'{stem}.png/.svg' for stem in drawn)}")
    print(f"report: {report_run(args.folder)}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario, args.overrides)
    print(f"ok: {args.scenario}: {_describe(scenario)}")
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def _describe(scenario: Scenario) -> str:
    firms = sum(group.count for group in scenario.buyers.values())
    return (
        f"scenario '{scenario.name}', {len(scenario.materials)} materials, {len(scenario.buyers)} buyer groups "
        f"({firms} firms), {len(scenario.policy)} policy events, {scenario.calendar.start} + "
        f"{scenario.calendar.horizon_days} days, {scenario.monte_carlo.replications} replications"
    )


def _summary_screen(result: RunResult) -> str:
    summary = result.summary.set_index(["metric", "group"])
    lines = [
        f"{result.scenario.name}: {result.replications} replications, seed {result.seed}, "
        f"{result.events:,} events in {result.wall_seconds:.1f} s",
        "",
        f"{'all buyers':<44}{'mean':>12}  {'95% CI':>23}  {'p5':>10}{'p95':>10}",
    ]
    lines += [_row(label, summary.loc[(metric, "all")]) for metric, label in HEADLINE]
    for prefix, title in (("sector:", "shortfall fraction by sector"), ("material:", "shortfall fraction by material")):
        lines += ["", title]
        rows = summary.xs("shortfall_fraction", level="metric")
        lines += [
            _row(f"  {group.removeprefix(prefix)}", row) for group, row in rows.iterrows() if group.startswith(prefix)
        ]
    return "\n".join(lines)


def _row(label: str, row: pd.Series) -> str:
    if pd.isna(row["mean"]):
        return f"{label:<44}{'n/a':>12}"
    ci = "" if pd.isna(row["ci_low"]) else f"[{_fmt(row['ci_low'])}, {_fmt(row['ci_high'])}]"
    return f"{label:<44}{_fmt(row['mean']):>12}  {ci:>23}  {_fmt(row['p5']):>10}{_fmt(row['p95']):>10}"


def _fmt(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


COMPARED = ("delay_days", "licence_wait_days", "censored_fraction", "shortfall_fraction", "stockout_days",
            "approval_share")


def _comparison_screen(comparison: Comparison) -> str:
    table = comparison.table[comparison.table["group"] == "all"].set_index(["metric", "variant"])
    labels = dict(HEADLINE)
    baseline = comparison.baseline
    streams = "common random numbers" if comparison.common_random_numbers else "independent streams"
    n = next(iter(comparison.results.values())).replications
    lines = [f"{len(comparison.results)} variants, {n} replications each, {streams}; baseline: {baseline}"]
    for metric in COMPARED:
        lines += ["", labels[metric].strip()]
        for variant in comparison.results:
            row = table.loc[(metric, variant)]
            line = f"  {variant:<34}{_fmt(row['mean']):>10}"
            if variant != baseline and not pd.isna(row["diff"]):
                line += f"   diff {_signed(row['diff']):>9}"
                if not pd.isna(row["diff_ci_low"]):
                    line += f"  [{_fmt(row['diff_ci_low'])}, {_fmt(row['diff_ci_high'])}]"
            lines.append(line)
    return "\n".join(lines)


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + _fmt(value)
