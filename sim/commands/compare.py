"""``sim compare``: policy variants on common random numbers into a folder, one run folder each, the comparison
table, its summary and its report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from sim.analysis.compare import Comparison, check_comparable, compare
from sim.commands import check_affordable
from sim.commands.run import write_run
from sim.io import COMPARISON, COMPARISON_PROVENANCE, check_output, package_version, replacing, write_json, write_table
from sim.report import report_comparison, summarise_comparison
from sim.runs.execute import default_workers
from sim.scenario.schema import Scenario


def compare_folder(out: Path, scenarios: Sequence[Scenario], *, sources: dict[str, str], baseline: str | None = None,
                   replications: int | None = None, seed: int | None = None, workers: int | None = None,
                   progress: bool = False, common_random_numbers: bool = True, groups: Sequence[str] = (),
                   force: bool = False, allow_large: bool = False) -> tuple[Comparison, Path]:
    """Compare variants (see ``sim.analysis.compare.compare``) into ``out``: one run folder each, the comparison
    table, its ``summary.md`` (all buyers and ``groups``) and its report. The baseline is named by its scenario's
    name or file (``sources``: the file of each variant). ``out`` is replaced whole once everything is written; a
    folder of files this tool did not make is refused unless ``force``, and a run estimated past this machine's
    limits unless ``allow_large``."""
    by_file = {path: name for name, path in sources.items()}
    baseline = by_file.get(baseline, baseline) if baseline else scenarios[0].name
    check_comparable(scenarios, baseline)
    check_output(out, force)
    replications, seed = scenarios[0].monte_carlo.resolve(replications, seed)
    check_affordable(scenarios, replications, workers, allow_large=allow_large)
    workers = workers or default_workers(replications)
    comparison = compare(scenarios, baseline, replications=replications, seed=seed, workers=workers,
                         progress=progress, common_random_numbers=common_random_numbers)
    with replacing(out) as staging:
        write_comparison(comparison, staging, sources=sources, workers=workers, groups=groups)
        summarise_comparison(staging)
        report_comparison(staging, list(comparison.results), baseline)
    return comparison, out / "report.html"


def write_comparison(comparison: Comparison, out: Path, *, sources: dict[str, str], workers: int,
                     groups: Sequence[str] = ()) -> None:
    """Each variant's run in ``out/<variant>/``, then ``comparison.csv`` and ``compare.json`` (``groups``: those
    its summaries show beside all buyers)."""
    for name, result in comparison.results.items():
        write_run(result, out / name, source=sources.get(name), workers=workers, groups=groups)
    write_table(comparison.table, out / COMPARISON)
    write_json({
        "baseline": comparison.baseline,
        "variants": list(comparison.results),
        "common_random_numbers": comparison.common_random_numbers,
        "groups": list(groups),
        "replications": next(iter(comparison.results.values())).replications,
        "seeds": {name: result.seed for name, result in comparison.results.items()},
        "package_version": package_version(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }, out / COMPARISON_PROVENANCE)
