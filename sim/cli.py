"""The command line: parse, call the library, print. No computing here."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sim.analysis import shadows
from sim.analysis.calibrate import CalibrationError, problem
from sim.analysis.compare import NotComparable, differing_groups
from sim.analysis.designs import DESIGNS
from sim.analysis.discover import DiscoveryError
from sim.analysis.parameters import SweepError
from sim.analysis.replay import TOLERANCE, ReplayError, read_observed, scores
from sim.analysis.shadows import UnknownKey
from sim.analysis.sweep import plan
from sim.analysis.verify import QUICK_REPLICATIONS, CaseError, cases
from sim.analysis.warmup import warmup
from sim.catalogue import METRICS, unknown_metric
from sim.commands import check_affordable, text
from sim.commands.calibrate import calibrate_folder, origins_folder
from sim.commands.compare import compare_folder
from sim.commands.discover import discover_folder
from sim.commands.replay import replay_folder
from sim.commands.run import run_folder
from sim.commands.sweep import default_folder, sweep_folder
from sim.commands.verify import verify_folder
from sim.io import ResultsError, write_manifest
from sim.report import plot_run, report_run, summarise_run
from sim.runs.limits import CostError, RunawayError
from sim.runs.metrics import UnknownGroup, resolve_groups
from sim.runs.precision import CAP, Precision
from sim.scenario.load import ScenarioError, load_scenario, load_with_origins
from sim.scenario.schema import Scenario

EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_TERMINATED = 1, 2, 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM (a job scheduler's, a ``kill``), met as Ctrl-C is: workers stopped, nothing half-written."""


def _terminated(signum: int, frame: object) -> None:
    raise Terminated
class PrecisionError(ValueError):
    """--precision asked with flags it cannot go with."""


BAD_INPUT = (PrecisionError, NotComparable, ResultsError, SweepError, ReplayError, CaseError, DiscoveryError,
             UnknownKey, UnknownGroup, RunawayError)
BASELINE = Path("scenarios") / "baseline_2025.yaml"
OBSERVED = Path("data") / "observed_2025.csv"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``sim`` and ``python -m sim``; returns the exit status."""
    args = _parser().parse_args(argv)
    notices, handler = logging.getLogger("sim"), logging.StreamHandler(sys.stdout)
    notices.setLevel(logging.INFO)  # what the library says as it works: resuming, each evaluation
    notices.addHandler(handler)
    previous = signal.signal(signal.SIGTERM, _terminated)
    try:
        return args.command(args)
    except ScenarioError as exc:
        print(f"error: invalid scenario ({len(exc.problems)} problem(s)); nothing was written\n  "
              + str(exc).replace("\n", "\n  "), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BAD_INPUT as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    except CostError as exc:
        print(f"error: {exc}; nothing was run. To run it anyway, add --allow-large", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(f"error: cannot write results: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt as exc:
        print("\ninterrupted; no result tables were written (finished sweep points and calibration "
              "evaluations are kept: the same command resumes)", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED
    except MemoryError:
        print("error: out of memory; no result tables were written. Run fewer --workers, or fewer replications at "
              "a time", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("SIM_TRACEBACK"):
            raise
        print(f"error: {type(exc).__name__}: {exc}; no result tables were written. This is a fault of the tool, not "
              "of your input: please report it with the command and the scenario (SIM_TRACEBACK=1 shows where it "
              "happened)", file=sys.stderr)
        return EXIT_FAILED
    finally:
        signal.signal(signal.SIGTERM, previous)
        notices.removeHandler(handler)


def _loaded(args: argparse.Namespace) -> tuple[Scenario, dict[str, tuple[str, int | None]]]:
    """The scenario a command runs and where each value was set, warned of (values of the user's that events
    replace or that act on nothing) and echoed with its --set."""
    scenario, origins = load_with_origins(args.scenario, args.overrides)
    for warning in shadows.warnings(scenario, origins, {str(args.scenario), "--set"}):
        print(f"warning: {warning}", file=sys.stderr)
    if args.overrides:
        print(f"{scenario.name} with --set {', '.join(args.overrides)}")
    return scenario, origins


def _run(args: argparse.Namespace) -> int:
    scenario, origins = _loaded(args)
    groups = resolve_groups(scenario, args.groups or shadows.changed_groups(scenario, origins,
                                                                            {str(args.scenario), "--set"}))
    out = args.out or Path("results") / scenario.name
    result, stopping, report = run_folder(out, scenario, source=str(args.scenario), replications=args.replications,
                                          seed=args.seed, workers=args.workers, progress=sys.stderr.isatty(),
                                          report=not args.no_report, overrides=args.overrides or (), groups=groups,
                                          precision=_precision(args), force=args.force, allow_large=args.allow_large)
    if stopping:
        print(f"{stopping}\n")
    print(text.run_summary(result, groups))
    tables = "summary.csv, summary.md, replications.parquet, timeseries.parquet, delays.csv, " + (
        "exporters.csv, " if scenario.exporters else "")
    print(f"\nresults written to {out}/ ({tables}run.json)")
    if report:
        print(f"report: {report}")
    return 0


def _precision(args: argparse.Namespace) -> Precision | None:
    """What --precision asks, checked against the flags it goes with."""
    if args.precision is None:
        if args.precision_metric or args.max_replications:
            raise PrecisionError("--precision-metric and --max-replications go with --precision HALF_WIDTH")
        return None
    if args.replications:
        raise PrecisionError("give -n or --precision, not both: --precision chooses the replications")
    metric = args.precision_metric or "shortfall_fraction"
    if metric not in METRICS:
        raise PrecisionError(unknown_metric(metric))
    if METRICS[metric].unit == "share" and args.precision >= 1:
        raise PrecisionError(f"--precision {args.precision:g}: {metric} is a share, so its half-width is below 1 "
                             "(0.005 is half a point)")
    return Precision(args.precision, metric, args.max_replications or CAP)


def _compare(args: argparse.Namespace) -> int:
    scenarios = [load_scenario(path) for path in args.scenarios]
    files = {s.name: str(path) for path, s in zip(args.scenarios, scenarios, strict=True)}
    baseline = next((s for path, s in zip(args.scenarios, scenarios, strict=True)
                     if args.baseline in (str(path), s.name)), scenarios[0])
    groups = (resolve_groups(baseline, args.groups) if args.groups else  # a comparison has the baseline's groups
              resolve_groups(baseline, differing_groups(scenarios), known_only=True))
    out = args.out or Path("results") / ("compare-" + "-".join(s.name for s in scenarios))[:120]
    comparison, report = compare_folder(out, scenarios, sources=files, baseline=args.baseline,
                                        replications=args.replications, seed=args.seed, workers=args.workers,
                                        progress=sys.stderr.isatty(),
                                        common_random_numbers=not args.independent_streams, groups=groups,
                                        force=args.force, allow_large=args.allow_large)
    print(text.comparison_summary(comparison, groups))
    print(f"\ncomparison written to {out}/ (comparison.csv, summary.md, one folder per variant); report: {report}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    scenario, _ = _loaded(args)
    asked = replace(plan(scenario, str(args.scenario), args.params or (), method=args.method, samples=args.samples,
                         replications=args.replications, seed=args.seed, metric=args.metric,
                         threshold=args.threshold, executor=args.executor, scheduler=args.scheduler,
                         emulator=args.emulator, design_points=args.design_points), overrides=tuple(args.overrides))
    out = args.out or default_folder(scenario, asked)
    result, report = sweep_folder(out, scenario, asked, workers=args.workers, progress=sys.stderr.isatty(),
                                  allow_large=args.allow_large)
    print(text.sweep_summary(result, out) + f"\n\nreport: {report}")
    return EXIT_FAILED if result.emulated is not None and not result.emulated.validation.passed else 0


def _discover(args: argparse.Namespace) -> int:
    result, report = discover_folder(args.folder, args.metric, args.threshold, below=args.below, share=args.share,
                                     box=args.box)
    print(text.discovery_summary(result, args.folder) + f"\n\nreport: {report}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    table = verify_folder(args.out, cases(args.folder, args.cases), quick=args.quick, workers=args.workers)
    print(text.verification_summary(table, args.out))
    return 0 if table["passed"].all() else EXIT_FAILED


def _replay(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    _, seed = scenario.monte_carlo.resolve(seed=args.seed)
    table = replay_folder(args.out, scenario, source=str(args.scenario), observed=read_observed(args.target),
                          replications=args.replications, seed=seed, workers=args.workers,
                          allow_large=args.allow_large)
    print(text.replay_summary(table, scores(table), name=scenario.name, replications=args.replications, seed=seed,
                              out=args.out, tolerance=TOLERANCE))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    scenario, _ = _loaded(args)
    observed = read_observed(args.target)
    _, seed = scenario.monte_carlo.resolve(seed=args.seed)
    out = args.out or Path("results") / f"{scenario.name}-calibration"
    if args.origins and args.fit_until:
        raise CalibrationError("--origins fits up to each of its dates: give it or --fit-until, not both")
    if args.origins:
        table = origins_folder(out, scenario, source=str(args.scenario), observed=observed, target=str(args.target),
                               params=args.params, chosen=args.figures, origins=args.origins,
                               replications=args.replications, seed=seed, workers=args.workers,
                               max_steps=args.max_steps, allow_large=args.allow_large)
        print(text.origins_summary(table, out))
        return 0
    params, targets, held_out = problem(scenario, observed, params=args.params, chosen=args.figures,
                                        until=args.fit_until)
    result = calibrate_folder(out, scenario, source=str(args.scenario), observed=observed, target=str(args.target),
                              params=params, targets=targets, held_out=held_out, replications=args.replications,
                              seed=seed, workers=args.workers, max_steps=args.max_steps,
                              allow_large=args.allow_large)
    print(text.calibration_summary(result, out))
    return 0 if result.fit.converged else EXIT_FAILED


def _warmup(args: argparse.Namespace) -> int:
    scenario, _ = _loaded(args)
    check_affordable([scenario], args.replications, args.workers, allow_large=args.allow_large)
    print(text.warmup_summary(warmup(scenario, args.replications, seed=args.seed, workers=args.workers,
                                     progress=sys.stderr.isatty()),
                              scenario))
    return 0


def _plot(args: argparse.Namespace) -> int:
    drawn = plot_run(args.folder)  # refuses a folder that is not a run's
    summarise_run(args.folder)
    report_run(args.folder)
    write_manifest(args.folder)
    print(f"plots written to {args.folder}/: {', '.join(f'{stem}.png/.svg' for stem in drawn)}")
    print(f"report: {args.folder / 'report.html'}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    scenario, origins = load_with_origins(args.scenario, args.overrides)
    found = shadows.warnings(scenario, origins, {str(args.scenario), "--set"})
    for warning in found:
        print(f"warning: {warning}", file=sys.stderr)
    if found and args.strict:
        print(f"error: {len(found)} warning(s) and --strict; nothing was written", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"ok: {args.scenario}: {text.describe(scenario)}")
    return 0


def _explain(args: argparse.Namespace) -> int:
    scenario, origins = load_with_origins(args.scenario, args.overrides)
    print("\n".join(shadows.explain(scenario, origins, args.key)))
    return 0


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(Scenario.model_json_schema(), indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim", description="Export-licence regime simulator: delivery delays and supply shortfalls.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name, (function, help_text, arguments) in _COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        sub.set_defaults(command=function)
        for flags, options in arguments:
            sub.add_argument(*flags, **options)
    return parser


def _at_least(minimum: int) -> Callable[[str], int]:
    def whole_number(text: str) -> int:
        if int(text) < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}")
        return int(text)
    return whole_number


_positive, _non_negative = _at_least(1), _at_least(0)
MOST_WORKERS_A_CORE = 8


def _workers(text: str) -> int:
    """--workers: at least one, and at most a few a core (a thousand processes on two cores ran ten times slower)."""
    most = MOST_WORKERS_A_CORE * (os.cpu_count() or 1)
    workers = _positive(text)
    if workers > most:
        raise argparse.ArgumentTypeError(f"at most {most} on this machine ({MOST_WORKERS_A_CORE} a core)")
    return workers


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError("must be a number above 0")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("must be a share in (0, 1]")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _dates(text: str) -> list[dt.date]:
    return sorted({_date(part) for part in text.split(",") if part.strip()})


def _arg(*flags: str, **options: object) -> tuple[tuple[str, ...], dict[str, object]]:
    return flags, options


def _replications(help_text: str, default: int | None = None) -> tuple[tuple[str, ...], dict[str, object]]:
    return _arg("-n", "--replications", type=_positive, default=default, help=help_text)


def _out(default: str | Path) -> tuple[tuple[str, ...], dict[str, object]]:
    fixed = isinstance(default, Path)
    return _arg("--out", type=Path, default=default if fixed else None, help=f"output folder (default: {default})")


SCENARIO = _arg("scenario", type=Path, help="scenario YAML file")
SET = _arg("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
           help="override a parameter, e.g. --set authority.reviewers=4 (repeatable)")
SEED = _arg("--seed", type=_non_negative, help="root seed (default: the scenario's)")
LARGE = _arg("--allow-large", action="store_true",
             help="run even if the run is estimated past this machine's limits (events, memory)")
FORCE = _arg("--force", action="store_true",
             help="replace an --out folder that holds files this tool did not make (never a system folder)")
GROUP = _arg("--group", dest="groups", action="append", default=[], metavar="GROUP",
             help="a group of buyers to headline beside all buyers: buyer:eu_auto, sector:automotive, "
             "destination:US, material:Dy, or the name alone (repeatable; default: the groups the file changes)")
WORKERS = _arg("--workers", type=_workers, help="worker processes (default: one per core)")
HISTORY = [_arg("scenario", type=Path, nargs="?", default=BASELINE, help=f"scenario (default: {BASELINE})"),
           _arg("--target", type=Path, default=OBSERVED, help=f"published figures (default: {OBSERVED})"),
           SEED, WORKERS, LARGE]

_COMMANDS = {
    "run": (_run, "run the Monte Carlo of a scenario and write its results", [
        SCENARIO, _replications("replications (default: the scenario's)"), SEED, WORKERS,
        _out("results/<scenario name>"), SET, GROUP, FORCE, LARGE,
        _arg("--no-report", action="store_true", help="skip the plots and report.html"),
        _arg("--precision", type=_positive_number, metavar="HALF_WIDTH",
             help="choose the replications: run in stages until the 95 %% interval of --precision-metric is at "
             "most HALF_WIDTH either side of its mean, for all buyers and each --group (a share: 0.005 is half a "
             "point); instead of -n"),
        _arg("--precision-metric", metavar="METRIC", help="the metric --precision watches (shortfall_fraction)"),
        _arg("--max-replications", type=_positive,
             help=f"the most replications --precision may run ({CAP})")]),
    "compare": (_compare, "run policy variants on common random numbers and compare", [
        _arg("scenarios", type=Path, nargs="+", metavar="SCENARIO", help="two or more scenario files"),
        _replications("replications of every variant"),
        _arg("--seed", type=_non_negative, help="root seed, shared by every variant"),
        _arg("--baseline", help="the variant others are compared with: its file or name (default: the first)"),
        WORKERS, _out("results/compare-<names>"), GROUP, FORCE, LARGE,
        _arg("--independent-streams", action="store_true",
             help="give each variant its own random numbers (only to see what common ones buy)")]),
    "sweep": (_sweep, "sensitivity sweep over scenario parameters (resumable)", [
        SCENARIO,
        _arg("--param", dest="params", action="append", metavar="PATH=LOW:HIGH[:STEPS]",
             help="a parameter to sweep, by its --set path: a range, or listed values PATH=V1,V2,... "
             "(repeatable; default: the scenario's sweep section)"),
        _arg("--method", choices=list(DESIGNS), help="; ".join(f"{name}: {d.summary}" for name, d in DESIGNS.items())),
        _arg("--samples", type=_positive,
             help="morris: trajectories; sobol: base sample, a power of 2; lhs: points (8)"),
        _replications("replications per point (20)"),
        _arg("--seed", type=_non_negative, help="root seed, shared by every point (default: the scenario's)"),
        _arg("--metric", help="metric for indices, plots and tipping points (shortfall_fraction)"),
        _arg("--threshold", type=float, help="report where the metric crosses this value"),
        _arg("--emulator", choices=("gp",), help="sobol on a Gaussian-process emulator trained on a Latin hypercube "
             "of --design-points points (validated first; no indices if it fails)"),
        _arg("--design-points", type=_positive, help="points of the emulator's design (10 per parameter at least)"),
        _arg("--workers", type=_workers, help="local worker processes (default: one per core)"),
        _arg("--executor", choices=("local", "dask"), default="local",
             help="local process pool, or an existing Dask distributed cluster (--scheduler)"),
        _arg("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"),
        _out("results/<scenario>-sweep-<method>-<its fingerprint>"), SET, LARGE]),
    "verify": (_verify, "check the model against queueing and inventory theory", [
        _arg("cases", nargs="*", metavar="CASE", help="case names (default: every case)"),
        _arg("--quick", action="store_true", help=f"at most {QUICK_REPLICATIONS} replications a case"),
        _arg("--folder", type=Path, default=Path("scenarios") / "verification",
             help="where the case files are (default: scenarios/verification)"),
        WORKERS, _out(Path("results") / "verify")]),
    "replay": (_replay, "put the 2025 baseline beside the published figures", [
        *HISTORY, _replications("replications (50)", 50), _out(Path("results") / "replay")]),
    "discover": (_discover, "scenario discovery on a finished sweep: the region (PRIM boxes, CART) where the "
                 "metric crosses a threshold", [
        _arg("folder", type=Path, help="a folder written by sim sweep (a space-filling design, --method lhs, is best)"),
        _arg("--metric", required=True, help="a metric the sweep recorded, e.g. shortfall_fraction"),
        _arg("--threshold", type=float, required=True, help="a point is bad when the metric crosses it"),
        _arg("--below", action="store_true", help="bad means below the threshold (default: above)"),
        _arg("--share", type=_share, help="bad when at least this share of a point's replications cross the "
             "threshold (default: when its mean does)"),
        _arg("--box", type=_non_negative, help="the box of PRIM's trajectory to report (default: the best balance "
             "of coverage and density among boxes whose restrictions are all significant)")]),
    "calibrate": (_calibrate, "fit scenario parameters to the published figures (least squares over common random "
                  "numbers; resumable)", [
        *HISTORY,
        _arg("--param", dest="params", action="append", required=True, metavar="PATH=LOW:HIGH",
             help="a parameter to fit, by its --set path, searched within LOW..HIGH (repeatable)"),
        _arg("--fit", dest="figures", action="append", default=[], metavar="QUANTITY[:PERIOD]",
             help="a published figure to fit (repeatable; default: every comparable figure); every other "
             "comparable figure is held out and scored apart"),
        _arg("--fit-until", type=_date, metavar="DATE",
             help="fit only the (chosen) figures dated up to DATE (YYYY-MM-DD); those after it are held out"),
        _arg("--origins", type=_dates, metavar="DATE,DATE,...",
             help="a rolling origin: one fit per date, to the figures dated up to it, judged on those after it"),
        _replications("replications per evaluation, the same for all (20)", 20),
        _arg("--max-steps", type=_positive, default=20, help="least-squares steps, each one to a few evaluations (20)"),
        _out("results/<scenario>-calibration"), SET]),
    "warmup": (_warmup, "suggest a warm-up: MSER on the monthly shortfall of the scenario without its dated events", [
        SCENARIO, _replications("replications (40)", 40), SEED, WORKERS, SET, LARGE]),
    "plot": (_plot, "draw the plots and report.html of a sim run output folder", [
        _arg("folder", type=Path, help="a folder written by sim run")]),
    "validate": (_validate, "check a scenario file and say what it holds, warning of values set in it that dated "
                 "events replace or that act on nothing", [SCENARIO, SET, _arg(
                     "--strict", action="store_true", help="treat warnings as errors (exit status 2), for scripts")]),
    "explain": (_explain, "say where a value comes from (file and line, or the default) and which events change "
                "it when", [SCENARIO, _arg("key", help="a dotted key, e.g. buyers.eu_auto.inventory"), SET]),
    "schema": (_schema, "print the JSON Schema of the scenario format (for editors)", []),
}
"""Every command: the function that runs it, its one-line help, and its arguments."""
