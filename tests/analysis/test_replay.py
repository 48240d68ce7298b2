"""The 2025 replay: reading the published figures safely, and the model's counterpart of each."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def test_replay_puts_a_model_value_beside_every_comparable_figure_fitted_or_held_out():
    scenario = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    table, per_rep = replay(scenario, read_observed(OBSERVED), replications=3, seed=1, workers=2)
    assert len(table) == len(read_observed(OBSERVED))
    judged = table[table["role"].isin(["compared", "limit"])]
    assert judged["model"].notna().all() and (judged["ci_low"] <= judged["model"]).all()
    assert set(judged["split"]) <= {"fitted", "held out"}
    assert set(table.loc[table["split"] == "fitted", "quantity"] + ":" + table.loc[table["split"] == "fitted",
               "period"]) == set(scenario.calibration.figures if scenario.calibration else [])
    may = table[(table["quantity"] == "magnet_exports_total") & (table["period"] == "2025-05")].iloc[0]
    assert may["model"] < 0.5  # per-shipment licensing cuts May's magnet exports to a fraction of January's
    year = table[(table["quantity"] == "magnet_exports_total") & (table["period"] == "2025")].iloc[0]
    months = [f"exports_total_2025-{m:02d}" for m in range(1, 13)]
    assert year["model"] == pytest.approx((per_rep[months].sum(axis=1) / per_rep["exports_total_2025-01"]).mean())
    us_2024 = table[(table["quantity"] == "magnet_exports_us") & (table["period"] == "2024-05")].iloc[0]
    assert us_2024["role"] == "not comparable"  # before the run's measured months


def test_the_scenario_says_which_figures_are_fitted_and_each_split_is_scored_apart():
    from sim.analysis.replay import figures, scores

    per_rep = pd.DataFrame({f"exports_total_2025-{m:02d}": [100.0, 110.0] for m in range(1, 13)}
                           | {"exports_total_2025-05": [20.0, 18.0], "exports_total_2025-07": [88.0, 90.0]})
    table = figures(read_observed(OBSERVED), per_rep, fitted={"magnet_exports_total:2025-05"})
    rows = table.set_index(table["quantity"] + ":" + table["period"])
    assert rows.loc["magnet_exports_total:2025-05", "split"] == "fitted"
    assert rows.loc["magnet_exports_total:2025-05", "model"] == pytest.approx((0.2 + 18 / 110) / 2)
    assert rows.loc["magnet_exports_total:2025-07", "split"] == "held out"
    assert rows.loc["approval_share_clepa:2025-06-04", "role"] == "not comparable"  # no column: no model value
    scored = scores(table).set_index("split")
    assert scored.loc["fitted", "figures"] == 1
    held = rows[(rows["split"] == "held out") & rows["within"].notna()]
    assert scored.loc["held out", "figures"] == len(held)
    assert scored.loc["held out", "rms_relative_gap"] == pytest.approx(
        np.sqrt(np.mean(held["relative_gap"].to_numpy(dtype=float) ** 2)))


def test_export_figures_of_any_month_and_destination_are_compared_on_their_series_base(tmp_path):
    extra = tmp_path / "observed.csv"
    extra.write_text(OBSERVED.read_text() + "magnet_exports_jp,2025-01,500,t,,s\nmagnet_exports_jp,2026-03,400,t,,s\n"
                     "magnet_exports_kr,2025-09,300,t,,s\nmagnet_exports_total,2026-02,5000,t,,s\n")
    from sim.analysis.replay import compared, comparisons, measured

    observed = read_observed(extra)
    found = {f.label: f for f in comparisons(observed)}
    assert found["magnet_exports_jp:2026-03"].observed == pytest.approx(0.8)
    assert found["magnet_exports_jp:2026-03"].denominator == "exports_jp_2025-01"
    assert found["magnet_exports_total:2026-02"].observed == pytest.approx(5000 / 6357)
    assert found["magnet_exports_us:2025-06"].denominator == "exports_us_2025-05"  # the base month: on May
    assert found["magnet_exports_us:2025-11"].denominator == "exports_us_2025-06"
    assert found["magnet_exports_kr:2025-09"].role == "not comparable"  # no January to index on
    baseline = load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")
    labels = {f.label for f in compared(observed, baseline)}
    assert {"magnet_exports_jp:2026-03", "magnet_exports_total:2026-02"} <= labels
    assert not measured(found["magnet_exports_us:2024-05"], baseline)


def test_an_export_figure_for_a_period_that_is_not_a_month_or_a_year_is_refused(tmp_path):
    bad = tmp_path / "observed.csv"
    bad.write_text(OBSERVED.read_text() + "magnet_exports_total,2025-Q3,5000,t,,s\n")
    with pytest.raises(ReplayError, match="a month YYYY-MM or a year YYYY"):
        read_observed(bad)


def test_a_scenario_without_magnets_cannot_replay():
    with pytest.raises(ReplayError, match="no NdFeB"):
        replay(small(), read_observed(OBSERVED), replications=2, seed=1)


def one_row(figure, values) -> dict:
    """The replay's row for ``figure`` with the model quantity taking ``values`` over the replications."""
    from sim.analysis.replay import _row

    observed = pd.DataFrame([{"quantity": figure.quantity, "period": figure.period, "value": "1", "unit": "",
                              "note": "", "source": "s"}])
    return _row(figure, observed, pd.DataFrame({"m": values}), fitted=())


def test_model_intervals_stay_inside_the_range_of_the_quantity():
    from sim.analysis.replay import COMPARED, Figure

    share = one_row(Figure("approval_share_eu", "2025-11-05", COMPARED, "", 0.5, ("m",), bounds=(0.0, 1.0)),
                    [0.0, 0.0, 0.03])
    assert share["ci_low"] == 0.0 and 0 < share["ci_high"] < 1
    index = one_row(Figure("magnet_exports_total", "2025-05", COMPARED, "", 0.2, ("m",)), [0.0, 0.001, 0.0])
    assert index["ci_low"] == 0.0


@pytest.mark.parametrize(
    ("role", "target", "model", "within"),
    [("compared", 0.5, 0.62, True), ("compared", 0.5, 0.63, False), ("compared", 0.5, 0.37, False),
     ("limit", 63.0, 62.0, True), ("limit", 63.0, 20.0, True), ("limit", 63.0, 64.0, False)],
)
def test_a_figure_is_matched_within_the_tolerance_and_a_limit_when_the_model_stays_under_it(
        role, target, model, within):
    from sim.analysis.replay import Figure

    row = one_row(Figure("q", "p", role, "", target, ("m",)), [model - 0.001, model, model + 0.001])
    assert row["within"] is within and row["split"] == "held out"


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
