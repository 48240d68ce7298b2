"""A run killed or terminated leaves no worker behind and prints no worker's traceback."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc (Linux)")


def _children(pid: int) -> set[int]:
    """The living processes whose parent is ``pid``."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _started(tmp_path: Path) -> tuple[subprocess.Popen, set[int]]:
    """``sim run`` of the baseline on two workers, once both are at work."""
    process = subprocess.Popen([sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "baseline_2025.yaml"),
                                "-n", "400", "--workers", "2", "--out", str(tmp_path / "out")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(workers := _children(process.pid)) < 2:
        assert time.monotonic() < deadline, "no workers started"
        time.sleep(0.1)
    time.sleep(1)  # at work on their first chunk
    return process, workers


def _gone(workers: set[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in workers):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_run_killed_leaves_no_worker_and_no_traceback(tmp_path):
    """kill -9 of the parent: the workers die with it (they computed on, then printed a BrokenPipeError each)."""
    process, workers = _started(tmp_path)
    process.kill()
    _, stderr = process.communicate(timeout=60)
    assert _gone(workers, seconds=2), "a worker outlived its parent"
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
    assert not (tmp_path / "out").exists()


def test_a_run_terminated_stops_its_workers_and_says_so(tmp_path):
    """SIGTERM (a job scheduler's) is met as Ctrl-C: exit 143, the message, nothing written, no worker left."""
    process, workers = _started(tmp_path)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "interrupted; no result tables were written" in stderr and "Traceback" not in stderr
    assert _gone(workers)
    assert not (tmp_path / "out").exists()


def test_a_fault_of_the_tool_is_a_message_and_exit_1(monkeypatch, capsys, tmp_path):
    """An error no one foresaw (here: one planted in the run) is said in a sentence, not a traceback; with
    SIM_TRACEBACK=1 it is raised, for whoever mends it."""
    from sim import cli
    from tests.conftest import ROOT as root

    def broken(*args, **kwargs):
        raise RuntimeError("a planted fault")

    monkeypatch.setattr(cli, "run_folder", broken)
    command = ["run", str(root / "scenarios" / "baseline_2025.yaml"), "--out", str(tmp_path / "out")]
    assert cli.main(command) == 1
    said = capsys.readouterr().err
    assert "error: RuntimeError: a planted fault" in said and "fault of the tool" in said and "Traceback" not in said
    monkeypatch.setenv("SIM_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="a planted fault"):
        cli.main(command)
