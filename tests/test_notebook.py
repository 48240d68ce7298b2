"""The example notebook runs as a reader would run it, and the notebook API reads back what the CLI wrote."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import sim
from sim.cli import main
from sim.io import ComparisonTables, ResultsError, RunTables, SweepTables
from tests.conftest import ROOT, SMALL, small

NOTEBOOK = ROOT / "docs" / "example.ipynb"


def test_the_example_notebook_runs_cell_by_cell_from_docs(monkeypatch):
    monkeypatch.chdir(NOTEBOOK.parent)
    cells = [c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"]
    namespace: dict = {}
    for cell in cells:
        exec(compile("".join(cell["source"]), f"{NOTEBOOK.name}:{cell['id']}", "exec"), namespace)
    comparison = namespace["comparison"]
    assert isinstance(comparison, sim.Comparison) and comparison.baseline == "baseline_2025"
    assert set(namespace["rows"]["group"]) == {"buyer:eu_auto", "sector:automotive"}
    assert namespace["figure"].axes  # the plot cell drew something
    assert namespace["opened"].baseline == "baseline_2025" and len(namespace["opened"].table) == len(comparison.table)


def test_dir_lists_the_notebook_api():
    assert {"run", "compare", "sweep", "open", "load_scenario"} <= set(dir(sim))


def test_open_reads_back_each_kind_of_folder_the_command_line_writes_and_sweep_runs_the_same_in_memory(
        tmp_path, monkeypatch):
    (tmp_path / "small.yaml").write_text(yaml.safe_dump(SMALL, sort_keys=False))
    (tmp_path / "twin.yaml").write_text("extends: small.yaml\nname: twin\nsupply: {production_days: 5}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "small.yaml", "-n", "2", "--out", "run", "--no-report"]) == 0
    assert main(["compare", "small.yaml", "twin.yaml", "-n", "2", "--out", "cmp"]) == 0
    assert main(["sweep", "small.yaml", "--param", "authority.reviewers=2,4", "-n", "2", "--out", "swp"]) == 0
    run = sim.open(tmp_path / "run")
    assert isinstance(run, RunTables) and run.name == "small" and len(run.summary)
    cmp = sim.open(tmp_path / "cmp")
    assert isinstance(cmp, ComparisonTables) and cmp.baseline == "small" and set(cmp.runs) == {"small", "twin"}
    assert set(cmp.table["variant"]) == {"small", "twin"}
    swp = sim.open(tmp_path / "swp")
    assert isinstance(swp, SweepTables) and swp.params == ["authority.reviewers"] and len(swp.points) == 2
    in_memory = sim.sweep(small(), ["authority.reviewers=2,4"], replications=2, workers=1)
    column = "shortfall_fraction:mean"
    np.testing.assert_allclose(in_memory.table[column], swp.points[column], rtol=1e-5)  # points.csv keeps 6 digits
    with pytest.raises(ResultsError, match="holds no results"):
        sim.open(tmp_path)
