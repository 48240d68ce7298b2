"""The README's examples: every ``sim`` command it shows is one the CLI takes, on files that exist and keys
that exist, and the examples that claim an effect show it, run small."""

from __future__ import annotations

import re
import shlex

import pytest

from sim.analysis.compare import compare
from sim.analysis.sweep import plan
from sim.analysis.verify import cases
from sim.cli import _parser
from sim.runs.metrics import resolve_groups
from sim.scenario.load import load_scenario
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text()


def commands() -> list[list[str]]:
    """Every ``.venv/bin/sim ...`` line of the README's shell blocks, continuation lines joined, comments off."""
    blocks = re.findall(r"```sh\n(.*?)```", README, flags=re.S)
    lines = "\n".join(blocks).replace("\\\n", " ").splitlines()
    found = []
    for line in lines:
        for part in line.split("&&"):
            part = part.split("  #")[0].strip()
            if part.startswith(".venv/bin/sim "):
                found.append(shlex.split(part)[1:])
    return found


def test_the_readme_shows_every_command_an_analyst_needs():
    shown = {argv[0] for argv in commands()}
    assert {"run", "compare", "sweep", "discover", "verify", "warmup", "replay", "calibrate"} <= shown


@pytest.mark.parametrize("argv", commands(), ids=lambda argv: " ".join(argv)[:60])
def test_every_readme_command_parses_and_names_scenarios_and_keys_that_exist(argv, monkeypatch):
    monkeypatch.chdir(ROOT)
    args = _parser().parse_args(argv)
    files = list(getattr(args, "scenarios", None) or [getattr(args, "scenario", None)])
    for path in filter(None, files):
        scenario = load_scenario(path, getattr(args, "overrides", None) or ())  # --set keys exist
        resolve_groups(scenario, getattr(args, "groups", None) or ())  # --group names exist
        if argv[0] == "sweep":
            plan(scenario, str(path), args.params or (), method=args.method, samples=args.samples,
                 replications=args.replications, seed=args.seed, metric=args.metric,
                 threshold=args.threshold)  # --param paths and ranges are valid
    if argv[0] == "verify":
        assert len(cases(args.folder, args.cases)) >= len(args.cases)  # the cases named exist


def test_the_readmes_comparison_shows_per_shipment_licences_raising_the_shortfall():
    """README, comparing policy variants: per-shipment licences only raise the shortfall against the baseline,
    paired on common random numbers (95 % interval of the difference above 0)."""
    variants = [load_scenario(ROOT / "scenarios" / f"{name}.yaml") for name in ("baseline_2025", "per_shipment_only")]
    table = compare(variants, replications=3, seed=3, workers=2).table
    row = table.query("metric == 'shortfall_fraction' and group == 'all' and variant == 'per_shipment_only'")
    assert row["diff_ci_low"].iloc[0] > 0


def test_the_readmes_sweep_shows_more_reviewers_lowering_the_shortfall():
    """README, sensitivity sweeps: the shortfall falls from 50 to 200 rare-earth reviewers (the ends of the
    example's range), paired on common random numbers (95 % interval of the difference below 0)."""
    path = ROOT / "scenarios" / "baseline_2025.yaml"
    ends = [load_scenario(path, [f"authority.pools.rare_earths.reviewers={n}", f"name=r{n}"]) for n in (50, 200)]
    table = compare(ends, replications=3, seed=3, workers=2).table
    row = table.query("metric == 'shortfall_fraction' and group == 'all' and variant == 'r200'")
    assert row["diff_ci_high"].iloc[0] < 0
