"""A result folder is whole or absent: never a user's files replaced, never a mix of two runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from sim.commands import run as run_module
from sim.commands.run import run_folder
from sim.io import ResultsError
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, sim, small

BASELINE = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
"""A scenario the published figures can be compared with (a calibration needs one)."""


def test_a_folder_of_the_users_files_is_refused_and_kept_unless_forced(tmp_path, small_file):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "summary.csv").write_text("my own table\n")
    (mine / "report.html").write_text("my own report\n")
    twin = tmp_path / "twin.yaml"
    twin.write_text("extends: small.yaml\nname: twin\n")
    for command in (["run", str(small_file), "-n", "2"], ["compare", str(small_file), str(twin), "-n", "2"]):
        done = sim(*command, "--out", str(mine))
        assert done.returncode == 2 and "holds files this tool did not make" in done.stderr
        assert (mine / "summary.csv").read_text() == "my own table\n"
    forced = sim("run", str(small_file), "-n", "2", "--out", str(mine), "--force")
    assert forced.returncode == 0, forced.stderr
    assert (mine / "summary.csv").read_text() != "my own table\n" and (mine / "manifest.json").is_file()


@pytest.mark.parametrize("out", ["/", "/etc/x", "/usr/local/results"])
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_the_root_or_a_system_folder_is_always_refused(small_file, out, command):
    extra = ["--param", "authority.reviewers=2,3"] if command == "sweep" else ["--force"]  # not even forced
    done = sim(command, str(small_file), "-n", "2", *extra, "--out", out)
    assert done.returncode == 2 and "the root, a home or a system folder" in done.stderr


def test_a_run_without_its_report_leaves_no_report_of_an_earlier_run(tmp_path, small_file):
    out = tmp_path / "run"
    assert sim("run", str(small_file), "-n", "2", "--out", str(out)).returncode == 0
    assert (out / "report.html").is_file()
    assert sim("run", str(small_file), "-n", "3", "--out", str(out), "--no-report").returncode == 0
    assert not (out / "report.html").exists() and not list(out.glob("*.png"))
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    assert set(manifest) == {p.name for p in out.iterdir()} - {"manifest.json"}
    for name, entry in manifest.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == entry["sha256"]


def test_a_run_that_fails_while_writing_leaves_the_earlier_results_whole(tmp_path, monkeypatch):
    out = tmp_path / "run"
    run_folder(out, small(), source="small.yaml", replications=2, workers=1, report=False)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(folder):
        (folder / "summary.md").write_text("half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run_module, "summarise_run", disk_full)
    with pytest.raises(OSError, match="No space left"):
        run_folder(out, small(), source="small.yaml", replications=3, workers=1, report=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left beside it


def test_the_staging_folder_of_a_killed_run_is_cleared_by_the_next_and_no_folder_of_the_users(tmp_path):
    """Only ``.NAME.sim-staging-PID`` of a process gone: a user's ``.run.backup-20240101`` looked like one (any
    ``.NAME.*-DIGITS``), and ``--out '*'`` made the pattern match every hidden folder beside it."""
    stray = tmp_path / ".run.sim-staging-999999999"  # a process id no process has
    stray.mkdir()
    (stray / "summary.csv").write_text("half\n")
    mine = [tmp_path / ".run.backup-20240101", tmp_path / ".venv.py-311"]
    for folder in mine:
        folder.mkdir()
    run_folder(tmp_path / "run", small(), source="small.yaml", replications=2, workers=1, report=False)
    run_folder(tmp_path / "*", small(), source="small.yaml", replications=2, workers=1, report=False)
    assert not stray.exists() and all(folder.is_dir() for folder in mine)


def test_a_folder_that_cannot_be_replaced_whole_is_refused_before_any_work(tmp_path, monkeypatch):
    """A name too long for its hidden siblings, or the current folder, failed after every replication had run."""
    with pytest.raises(ResultsError, match="more than 200 characters"):
        run_folder(tmp_path / ("y" * 250), small(), source="small.yaml", replications=2, workers=1, report=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ResultsError, match="is the current folder or holds it"):
        run_folder(Path("."), small(), source="small.yaml", replications=2, workers=1, report=False, force=True)


@pytest.mark.parametrize(("name", "damage"), [
    ("summary.csv", lambda p: p.write_bytes(p.read_bytes()[:100])),
    ("timeseries.parquet", lambda p: p.write_bytes(p.read_bytes()[:500])),
    ("run.json", lambda p: p.write_text('{"scen')),
    ("summary.csv", lambda p: p.write_text("")),
])
@pytest.mark.parametrize("manifest", [True, False])
def test_sim_plot_on_a_truncated_or_emptied_table_says_so_and_draws_nothing(tmp_path, small_file, name, damage,
                                                                            manifest):
    out = tmp_path / "run"
    assert sim("run", str(small_file), "-n", "2", "--out", str(out), "--no-report").returncode == 0
    if not manifest:  # a folder of an earlier version, or one whose manifest was lost
        (out / "manifest.json").unlink()
    damage(out / name)
    done = sim("plot", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert ("is not the file the run made" if manifest else "cannot be read back") in done.stderr
    assert not (out / "report.html").exists()


def test_the_folder_of_a_run_by_an_earlier_version_is_replaced_without_force(tmp_path):
    earlier = tmp_path / "run"
    earlier.mkdir()
    (earlier / "run.json").write_text("{}")  # what every earlier version wrote, before manifest.json
    (earlier / "report.html").write_text("an earlier report")
    run_folder(earlier, small(), source="small.yaml", replications=2, workers=1, report=False)
    assert (earlier / "manifest.json").is_file() and not (earlier / "report.html").exists()


def test_sweeps_calibrations_replays_and_verifications_refuse_a_folder_of_the_users_files(tmp_path):
    """They write into their folder as they go (points, to resume; the validation page's folder holds the replay
    and the verification): one holding files the tool did not make is refused before any work, and kept."""
    from sim.analysis.sweep import plan
    from sim.commands.calibrate import calibration_store
    from sim.commands.sweep import sweep_folder
    from sim.io import ResultsError
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.html").write_text("my own report\n")
    with pytest.raises(ResultsError, match="holds files this tool did not make there .it has no manifest.json nor "
                       "sweep.json.; give another folder$"):
        sweep_folder(mine, small(), plan(small(), "", ["authority.reviewers=2,4"], replications=2), workers=1)
    with pytest.raises(ResultsError, match="nor calibration.json"):
        calibration_store(mine, BASELINE, source="b.yaml", replications=2, seed=1)
    for command in (["replay", "-n", "2"], ["verify", "--quick", "mmc_c1_rho050"]):
        done = sim(*command, "--out", str(mine), cwd=ROOT)
        assert done.returncode == 2 and "holds files this tool did not make there" in done.stderr, done.stderr
    assert [p.name for p in mine.iterdir()] == ["report.html"] and "my own" in (mine / "report.html").read_text()


def test_a_run_in_which_no_need_is_placed_is_reported(tmp_path):
    """A run of one day (or every licence kind closed) made an empty delays.csv, which reading back refused."""
    out = tmp_path / "day"
    done = sim("run", str(ROOT / "scenarios" / "verification" / "record_window.yaml"), "-n", "2", "--workers", "1",
               "--set", "calendar.horizon_days=1", "--set", "calendar.warmup_days=0", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").is_file()


def test_a_calibration_or_verification_that_cannot_start_writes_nothing(tmp_path):
    """A calibration of a scenario without magnets said so but left calibration.json and points/; a verification
    with no cases (run from another folder) checked nothing and exited 0."""
    out = tmp_path / "cal"
    done = sim("calibrate", str(ROOT / "scenarios" / "verification" / "record_window.yaml"), "--target",
               str(ROOT / "data" / "observed_2025.csv"), "--param", "authority.reviewers=1:5", "-n", "2",
               "--out", str(out))
    assert done.returncode == 2 and "no NdFeB material" in done.stderr and not out.exists()
    done = sim("verify", "--quick", "--out", str(tmp_path / "verify"), cwd=tmp_path)
    assert done.returncode == 2 and "no verification cases in" in done.stderr
    assert not (tmp_path / "verify").exists()
