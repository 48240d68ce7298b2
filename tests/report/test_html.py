"""The HTML report: self-contained, and it renders every plot in headless Chromium without errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from sim.analysis.compare import compare
from sim.commands.compare import write_comparison
from sim.commands.run import write_run
from sim.report import report_comparison, report_run
from sim.runs.execute import run
from tests.conftest import small

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("REQUIRE_CHROMIUM"),
    reason="Chromium is not installed (.ci/run installs it and sets REQUIRE_CHROMIUM)",
)


def render(page, tmp_path) -> dict[str, str]:
    """Load a page in headless Chromium and read the report's self-check from the rendered DOM."""
    assert CHROMIUM, "REQUIRE_CHROMIUM is set but no chromium on PATH"
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=10000", "--dump-dom",
         page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    body = re.search(r"<body([^>]*)>", done.stdout)
    assert body, done.stderr[-2000:]
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', body.group(1)))


@pytest.fixture(scope="module")
def comparison_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    variants = [small(), small(name="fast", supply={"production_days": 5})]
    comparison = compare(variants, replications=3, seed=1, workers=1)
    write_comparison(comparison, out, sources={}, workers=1)
    return report_comparison(out, list(comparison.results), "small")


def test_report_is_self_contained(comparison_report):
    page = comparison_report.read_text()
    assert page.count("<img") == 5 and page.count("data:image/png;base64,") == 5
    assert not re.search(r"(src|href)=['\"]https?:", page)
    assert "supply.production_days.value" in page  # the parameter the variants differ in
    assert "Provenance" in page and "scenario_sha256" in page


@needs_chromium
def test_comparison_report_renders_every_plot_in_chromium(comparison_report, tmp_path):
    check = render(comparison_report, tmp_path)
    assert check["plots-expected"] == "5"
    assert check["plots-shown"] == "5"
    assert check["errors"] == "0"


@needs_chromium
def test_run_report_renders_in_chromium(tmp_path):
    result = run(small(), replications=2, seed=1, workers=1)
    write_run(result, tmp_path, source=None, workers=1)
    check = render(report_run(tmp_path), tmp_path)
    assert check["plots-expected"] == check["plots-shown"] == "4" and check["errors"] == "0"
    assert sorted(p.name for p in tmp_path.glob("*.svg")) == [
        "delay_ecdf.svg", "licensing_outcomes.svg", "shortfall_by_group.svg", "shortfall_fan.svg"]
