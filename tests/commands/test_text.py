"""Terminal summaries: what an analyst reads after a run or a replay."""

from __future__ import annotations

import pandas as pd

from sim.commands.text import _scores, run_summary
from sim.runs.execute import run
from tests.conftest import small


def test_a_run_with_exporters_says_how_busy_each_was_and_its_longest_order_book():
    result = run(small(exporters={"big": {"material": "Dy", "capacity_kg_per_month": 400},
                                  "little": {"material": "Dy", "capacity_kg_per_month": 100}}),
                 replications=2, workers=1)
    lines = [line for line in run_summary(result).splitlines() if "utilisation" in line]
    assert [line.split()[0] for line in lines] == ["big", "little"]
    measured = result.exporters[result.exporters["month"] >= "2025-02"]  # the warm-up ends on 5 February 2025
    busiest = measured.groupby("exporter")["utilisation"].max()
    assert f"{busiest['big']:.0%} at most" in lines[0]
    assert "exporters" not in run_summary(run(small(), replications=2, workers=1))


def test_a_split_with_no_figures_is_said_to_have_none():
    scored = pd.DataFrame([{"split": "fitted", "figures": 0, "within": 0, "rms_relative_gap": float("nan")},
                           {"split": "held out", "figures": 4, "within": 3, "rms_relative_gap": 0.2}])
    assert _scores(scored, 0.25).splitlines() == [
        "in sample (fitted): none", "out of sample (held out): 3 of 4 within 25%, root mean square relative gap 0.2"]


def test_a_single_replication_is_said_to_give_no_interval():
    assert "one replication gives no confidence interval" in run_summary(run(small(), replications=1, workers=1))
    assert "no confidence interval" not in run_summary(run(small(), replications=2, workers=1))
