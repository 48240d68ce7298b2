"""The 2025 replay: reading the published figures safely, and the model's counterpart of each."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis.replay import ReplayError, read_observed, replay
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, small

OBSERVED = ROOT / "data" / "observed_2025.csv"


def test_the_shipped_copy_of_the_published_figures_reads():
    table = read_observed(OBSERVED)
    assert {"magnet_exports_total", "approval_share_clepa"} <= set(table["quantity"])


@pytest.mark.parametrize(
    ("change", "message"),
    [(lambda t: t.replace("magnet_exports_us,2025-06", "magnet_imports_moon,2025-06"), "unknown quantities"),
     (lambda t: t.replace("6357,t,", "6357,kt,"), "expected 't'"),
     (lambda t: t.replace("quantity,period", "what,period"), "missing column")],
)
def test_bad_target_files_are_refused(tmp_path, change, message):
    bad = tmp_path / "observed.csv"
    bad.write_text(change(OBSERVED.read_text()))
    with pytest.raises(ReplayError, match=message):
        read_observed(bad)


def test_replay_puts_a_model_value_beside_every_comparable_figure():
    scenario = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    table, per_rep = replay(scenario, read_observed(OBSERVED), replications=3, seed=1, workers=2)
    assert len(table) == len(read_observed(OBSERVED))
    comparable = table[table["basis"] != "input"].dropna(subset=["observed"])
    assert comparable["model"].notna().all() and (comparable["ci_low"] <= comparable["model"]).all()
    may = table[(table["quantity"] == "magnet_exports_total") & (table["period"] == "2025-05")].iloc[0]
    assert may["model"] < 0.5  # per-shipment licensing cuts May's magnet exports to a fraction of January's
    assert np.allclose(per_rep["index_total_2025-01"], 1.0)


def test_a_scenario_without_magnets_cannot_replay():
    with pytest.raises(ReplayError, match="no NdFeB"):
        replay(small(), read_observed(OBSERVED), replications=2, seed=1)


def test_model_intervals_stay_inside_the_range_of_the_quantity():
    from types import SimpleNamespace

    import pandas as pd

    from sim.analysis.replay import _row
    published = SimpleNamespace(quantity="approval_share_eu", period="2025-11-05", value="50", unit="%", source="s")
    share = _row(published, "not fitted", 0.5, pd.Series([0.0, 0.0, 0.03], name="granted_share_2025-11-05"), "")
    assert share["ci_low"] == 0.0 and 0 < share["ci_high"] < 1
    index = _row(published, "fitted", 0.2, pd.Series([0.0, 0.001, 0.0], name="index_total_2025-05"), "")
    assert index["ci_low"] == 0.0


@pytest.mark.parametrize(
    ("quantity", "target", "model", "within"),
    [("approval_share_eu", 0.5, 0.62, True), ("approval_share_eu", 0.5, 0.63, False),
     ("approval_share_eu", 0.5, 0.37, False), ("review_time_statutory", 63.0, 62.0, True),
     ("review_time_statutory", 63.0, 20.0, True), ("review_time_statutory", 63.0, 64.0, False)],
)
def test_a_figure_is_matched_within_the_tolerance_and_a_limit_when_the_model_stays_under_it(
        quantity, target, model, within):
    from types import SimpleNamespace

    import pandas as pd

    from sim.analysis.replay import _row
    published = SimpleNamespace(quantity=quantity, period="p", value=str(target), unit="", source="s")
    row = _row(published, "fitted", target, pd.Series([model - 0.001, model, model + 0.001], name="m"), "")
    assert row["within"] is within


def test_each_report_counts_its_own_applicants():
    """Refusing every EU energy firm's application empties the EU Chamber's granted share (its base), leaves
    CLEPA's auto suppliers untouched, and lowers the share of all EU applications between the two."""
    from sim.analysis.replay import measure
    from sim.scenario.load import resolved_dict
    from sim.scenario.schema import Scenario
    from tests.conftest import merged

    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    refused = {"chamber": {"buyers": {"sectors": ["energy"], "destinations": ["EU"]}, "approval_probability": 0}}
    scenario = Scenario.model_validate(merged(resolved_dict(baseline), {"authority": {"treatments": refused}}))
    per_rep, before = (measure(s, replications=2, seed=3, workers=1) for s in (scenario, baseline))
    assert (per_rep["granted_share_chamber_2025-09-15"] == 0).all()
    assert (before["granted_share_chamber_2025-09-15"] > 0).all()
    assert (per_rep["granted_share_clepa_2025-06-30"] > 0.3).all()
    share = "granted_share_eu_2025-11-05"
    assert ((per_rep[share] > 0) & (per_rep[share] < before[share])).all()
