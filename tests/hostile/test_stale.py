"""Saved work that cannot go stale: the model version covers every file that can change a number, and a saved
point that was edited, damaged or made at other parameter values is named and computed again."""

from __future__ import annotations

import json
import logging
import shutil

import pandas as pd
import pytest

from sim.analysis.sweep import plan
from sim.commands.sweep import sweep_folder
from sim.runs.execute import PRESENTATION, code_digest
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, small

BASELINE = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
"""A scenario the published figures can be compared with (a calibration needs one)."""


def test_the_model_version_changes_with_every_file_that_can_change_a_number_and_no_other(tmp_path):
    package = tmp_path / "sim"
    shutil.copytree(ROOT / "sim", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = code_digest(package)
    for path in sorted(package.rglob("*.py")):
        original = path.read_text()
        path.write_text(original + "\n# edited\n")
        presentation = path.relative_to(package).parts[0] in PRESENTATION
        assert (code_digest(package) == before) == presentation, path.relative_to(package)
        path.write_text(original)
    for must in ("scenario/distributions.py", "scenario/sections.py", "runs/summarise.py", "runs/execute.py",
                 "analysis/parameters.py", "analysis/designs/sobol.py", "model/buyers.py"):
        assert (package / must).is_file() and must.split("/")[0] not in PRESENTATION


@pytest.fixture
def swept(tmp_path):
    scenario = small()
    asked = plan(scenario, "", ["authority.reviewers=2,4,6"], replications=2)
    out = tmp_path / "sweep"
    first, _ = sweep_folder(out, scenario, asked, workers=1)
    return scenario, asked, out, first.table


def _again(swept, caplog):
    scenario, asked, out, first = swept
    with caplog.at_level(logging.WARNING, logger="sim"):
        again, _ = sweep_folder(out, scenario, asked, workers=1)
    pd.testing.assert_frame_equal(again.table, first)  # the damaged point computed again, the same as before
    return caplog.text


def test_a_point_edited_by_hand_is_named_and_computed_again(swept, caplog):
    path = swept[2] / "points" / "p00001.json"
    record = json.loads(path.read_text())
    record["metrics"]["shortfall_fraction"]["mean"] = 0.99
    path.write_text(json.dumps(record))
    assert f"{path} was changed or damaged since it was saved" in _again(swept, caplog)


@pytest.mark.parametrize("text", ["", "{trunc", "[1, 2]", "\x00\x01"])
def test_a_truncated_empty_or_garbage_point_is_named_and_computed_again(swept, caplog, text):
    path = swept[2] / "points" / "p00002.json"
    path.write_text(text)
    said = _again(swept, caplog)
    assert str(path) in said and "computed again" in said


def test_a_point_saved_at_other_parameter_values_is_computed_again(swept, caplog):
    from sim.io import _checksum
    path = swept[2] / "points" / "p00000.json"
    record = json.loads(path.read_text())
    record.pop("checksum")
    record["values"]["authority.reviewers"] = 99999
    path.write_text(json.dumps({**record, "checksum": _checksum(record)}))  # a consistent file of another point
    assert "point p00000 was saved at other parameter values than the design's" in _again(swept, caplog)


@pytest.mark.parametrize("text", ["", '{"fingerprint": "abc', "[1, 2]", '{"method": "grid"}', "\x00"])
def test_a_damaged_sweep_manifest_is_named_wherever_it_is_read(swept, text):
    """sweep.json cut short, empty or garbage: resuming, discovering and opening name it (no JSONDecodeError or
    KeyError) and say what to do."""
    from sim.commands.discover import discover_folder
    from sim.io import ResultsError, open_results
    scenario, asked, out, _ = swept
    (out / "sweep.json").write_text(text)
    for reading in (lambda: sweep_folder(out, scenario, asked, workers=1),
                    lambda: discover_folder(out, "shortfall_fraction", 0.1),
                    lambda: open_results(out)):
        with pytest.raises(ResultsError, match=f"{out / 'sweep.json'} (cannot be read|is not a record this tool "
                           "wrote).*delete the folder to start again, or give another --out"):
            reading()


def test_a_damaged_calibration_manifest_is_named(tmp_path):
    from sim.commands.calibrate import calibration_store
    from sim.io import ResultsError
    out = tmp_path / "calibration"
    calibration_store(out, BASELINE, source="b.yaml", replications=2, seed=1)
    (out / "calibration.json").write_text('{"seed": 1}')
    with pytest.raises(ResultsError, match="calibration.json is not a record this tool wrote .no fingerprint."):
        calibration_store(out, BASELINE, source="b.yaml", replications=2, seed=1)
