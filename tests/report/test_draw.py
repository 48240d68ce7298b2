"""Which plots a run gets, from what was written: the events that take effect, the warm-up, files saved whole."""

from __future__ import annotations

import datetime as dt

from matplotlib.figure import Figure

from sim.report.draw import FORMATS, policy_events, save, warmup_end
from sim.scenario.load import load_scenario, resolved_dict
from tests.conftest import ROOT, SMALL, merged


def test_the_events_shown_are_those_that_take_effect_in_date_order_and_the_veu_rule():
    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    shown = policy_events({"scenario": resolved_dict(baseline)})
    names = [name for _, name in shown]
    assert "october_rare_earths" in baseline.policy and "october_rare_earths" not in names  # called off
    assert (baseline.veu.date, "VEU rule") in shown
    assert [day for day, _ in shown] == sorted(day for day, _ in shown)


def test_the_warm_up_ends_its_days_after_the_start_and_none_is_drawn_without_one():
    assert warmup_end({"scenario": SMALL}) == dt.date(2025, 1, 6) + dt.timedelta(days=30)
    assert warmup_end({"scenario": merged(SMALL, {"calendar": {"warmup_days": 0}})}) is None


def test_figures_are_saved_in_every_format_the_same_bytes_each_time(tmp_path):
    figure = Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    pngs = save({"line": figure}, first)
    save({"line": figure}, second)
    assert sorted(p.name for p in first.iterdir()) == sorted(f"line.{fmt}" for fmt in FORMATS)
    assert pngs["line"] == (first / "line.png").read_bytes()
    assert (first / "line.svg").read_bytes() == (second / "line.svg").read_bytes()  # no date inside
