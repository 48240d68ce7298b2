"""Sweeps: parameter kinds, plans, resuming, tipping points, emulators, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from sim.analysis.designs import DESIGNS
from sim.analysis.parameters import Parameter, SweepError, parse_param
from sim.analysis.sweep import MemoryPoints, Sweep, check, crossings, plan, points_table, run_sweep, study
from tests.conftest import small


@pytest.mark.parametrize(
    ("text", "kind", "levels"),
    [
        ("authority.reviewers=2:6:3", "integer", [2, 4, 6]),  # a count
        ("licence_types.per_shipment.approval_probability=0.5,0.9", "number", [0.5, 0.9]),  # a probability
        ("supply.transit_days.value=10:30:3", "number", [10.0, 20.0, 30.0]),  # a distribution parameter
        ("buyers.auto.retry_days=7:21:2", "number", [7.0, 21.0]),  # a rate-like delay
        ("veu.false_positive_rate=0:0.2:3", "number", [0.0, 0.1, 0.2]),
    ],
)
def test_parameter_kinds_and_levels(text, kind, levels):
    parameter = parse_param(text, small())
    assert parameter.kind == kind
    assert parameter.levels() == pytest.approx(levels)


@pytest.mark.parametrize("text", ["authority.reviewers=2:6", "veu.false_positive_rate=0:0.2"])
def test_positions_in_the_range_round_trip(text):
    parameter = parse_param(text, small())
    for u in (0.0, 0.5, 1.0):
        assert parameter.to_unit(parameter.from_unit(u)) == pytest.approx(u)


def test_date_parameters_sweep_whole_days():
    scenario = small(veu={"date": "2025-06-01"})
    parameter = parse_param("veu.date=2025-03-01:2025-09-01:3", scenario)
    assert parameter.kind == "date"
    assert parameter.levels() == [dt.date(2025, 3, 1), dt.date(2025, 6, 1), dt.date(2025, 9, 1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("authority.reviewrs=2:6", "did you mean 'authority.reviewers'"),
        ("authority.reviewers=0:6", "greater than or equal to 1"),
        ("licence_types.per_shipment.approval_probability=0.5:1.5", "less than or equal to 1"),
        ("calendar.start=2025-01-01:2025-02-01", None),
        ("authority.reviewers=6:2", "LOW must be below HIGH"),
        ("authority.reviewers=2.5:6", "not a whole number"),
        ("authority.green_channel=0:1", "only numbers and dates"),
        ("authority.reviewers", "expected PATH=LOW:HIGH"),
    ],
)
def test_bad_parameters_are_refused_before_any_work(text, message):
    if message is None:  # a valid date range: the calendar itself may be swept
        assert parse_param(text, small()).kind == "date"
        return
    with pytest.raises(SweepError, match=message):
        parse_param(text, small())


def test_run_sweep_resumes_from_saved_points_with_identical_results():
    scenario = small()
    sweep = Sweep((parse_param("authority.reviewers=2:6:3", scenario),), "grid", replications=3, seed=4)
    whole = run_sweep(scenario, sweep, store=MemoryPoints(), workers=1)
    partial_store = MemoryPoints()
    first = whole.iloc[:1]
    partial_store.records = {first["id"].item(): {"id": first["id"].item(),
                                                   "values": {"authority.reviewers": 2},
                                                   "metrics": _metrics(first)}}
    resumed = run_sweep(scenario, sweep, store=partial_store, workers=2)
    assert resumed.equals(whole)
    fresh = partial_store.records[whole["id"].iloc[1]]  # a point run here records what it cost
    assert fresh["events_simulated"] > 0 and fresh["wall_seconds"] > 0
    queue = whole["queue_wait_days:mean"].to_numpy()
    assert queue[0] > queue[1] >= queue[2]  # more reviewers, shorter waits


def _metrics(row):
    metrics = {}
    for column in row.columns:
        if ":" in column:
            metric, stat = column.split(":")
            metrics.setdefault(metric, {"n": 3})[stat] = row[column].item()
    return metrics


def test_crossings_interpolate_along_each_line():
    params = (Parameter("a", "number", 0, 4), Parameter("b", "number", 0, 1))
    records = [{"id": f"p{i}", "values": {"a": a, "b": b},
                "metrics": {"m": {"mean": a * (1 + b), "ci_low": 0, "ci_high": 0, "n": 2}}}
               for i, (a, b) in enumerate([(0, 0), (2, 0), (4, 0), (0, 1), (2, 1), (4, 1)])]
    table = crossings(points_table(records, ["a", "b"]), Sweep(params), "m", 3.0)
    along_a = table[table.parameter == "a"].set_index("with")["crossing"]
    assert along_a["b=0"] == pytest.approx(3.0) and along_a["b=1"] == pytest.approx(1.5)


@pytest.mark.parametrize(
    ("text", "changes"),
    [
        ("authority.reviewers=2:6:2", {}),  # a count
        ("buyers.auto.retry_days=5:40:2", {}),  # a rate-like delay
        ("licence_types.per_shipment.approval_probability=0.3,0.9", {}),  # a probability
        ("veu.date=2025-03-03:2025-09-01:2", {"veu": {"date": "2025-06-02"}}),  # a date
        ("licence_types.per_shipment.review_days.mean=5:40:2",  # a distribution parameter
         {"licence_types": {"per_shipment": {"review_days": {"dist": "exponential", "mean": 20}}}}),
    ],
    ids=["count", "rate", "probability", "date", "distribution"],
)
def test_sweeps_run_over_every_parameter_kind(text, changes):
    scenario = small(**changes)
    sweep = Sweep((parse_param(text, scenario),), "grid", replications=2, seed=2)
    table = run_sweep(scenario, sweep, store=MemoryPoints(), workers=1)
    assert len(table) == len(sweep.params[0].levels())
    assert table[sweep.params[0].path].nunique() == len(table)
    assert table["needs:mean"].notna().all()


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"method": "morris", "emulator": "gp", "design_points": 40}, "works with --method sobol, not morris"),
     ({"method": "sobol", "emulator": "gp", "design_points": 19}, "at least 20"),
     ({"method": "sobol", "emulator": "gp"}, "at least 20"),
     ({"method": "sobol", "design_points": 40}, "is for --emulator"),
     ({"method": "sobol", "emulator": "gp", "design_points": 40, "samples": 4096}, "fit in memory")],
)
def test_an_emulator_is_refused_where_it_cannot_stand_in(changes, message):
    params = (parse_param("authority.reviewers=1:12", small()), parse_param("authority.tension.initial=0:1", small()))
    with pytest.raises(SweepError, match=message):
        check(Sweep(params, **{"samples": 8, **changes}))


def test_an_emulated_sweep_runs_the_latin_hypercube_of_its_design_points():
    params = (parse_param("authority.reviewers=1:12", small()), parse_param("authority.tension.initial=0:1", small()))
    sweep = Sweep(params, "sobol", 8, emulator="gp", design_points=25)
    assert sweep.points(small()) == DESIGNS["lhs_optimised"].points(params, 25, sweep.seed, small())


def test_an_emulator_refuses_a_metric_without_a_value_at_every_point():
    scenario = small()
    asked = plan(scenario, params=["authority.reviewers=1:12", "authority.tension.initial=0:1"], method="sobol",
                 samples=8, replications=2, metric="vetting_days", emulator="gp", design_points=20)
    with pytest.raises(SweepError, match="vetting_days has no value .* choose another --metric"):
        study(scenario, asked, store=MemoryPoints(), workers=1)
