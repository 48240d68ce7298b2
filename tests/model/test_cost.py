"""The cost estimate counts a need per cycle of a stock's policy and the retries of refusals; the budget stops a
replication whose events its scenario cannot explain, and leaves the others alone."""

from __future__ import annotations

import pytest
import simpy

from sim.model.cost import BUDGET_FLOOR, estimate
from sim.model.world import CountingEnvironment, simulate
from sim.runs.streams import streams
from sim.scenario.load import load_scenario
from tests.conftest import ROOT, small

ONE_GROUP = {"defence": None}


def test_a_stock_orders_once_a_cycle_of_its_policy():
    """(s, S) = (45, 90) days: a need every 45 days of demand, over the 365 days of the horizon."""
    [dy, ga] = estimate(small(buyers=ONE_GROUP)).groups
    assert (dy.material, dy.stocks) == ("Dy", 6)
    assert dy.attempts_per_stock == pytest.approx(365 / 45 / 0.9)  # a tenth refused and tried again
    assert dy.cycle_key == "buyers.auto.inventory.order_up_to_days less its reorder_point_days"


def test_a_standing_order_and_an_adaptive_stock_order_at_their_own_pace():
    scenario = small(buyers={"defence": None, "auto": {"demand": {
        "Dy": {"inventory": {"policy": "fixed_interval", "initial_days": 10, "order_days": 5,
                             "interval_days": {"dist": "exponential", "mean": 4}}},
        "Ga": {"inventory": {"policy": "adaptive", "initial_days": 10, "lead_time_days": 30, "smoothing": 0.5,
                             "order_days": 73}}}}})
    dy, ga = estimate(scenario).groups
    assert dy.cycle_days == 4 and dy.cycle_key == "buyers.auto.demand.Dy.inventory.interval_days"
    assert ga.cycle_days == 73 and ga.attempts_per_stock == pytest.approx(365 / 73 / 0.9)


def test_refused_needs_are_tried_again_every_retry_days_at_most():
    """Nothing granted: a need is tried every retry_days as long as the run lasts, not 1 / approval times."""
    refused = {kind: {"approval_probability": 0} for kind in ("per_shipment", "six_month", "general")}
    scenario = small(buyers={"defence": None, "auto": {"retry_days": 5}}, licence_types=refused)
    assert {g.attempts_per_stock for g in estimate(scenario).groups} == {365 / 5}
    unlicensed = small(buyers=ONE_GROUP, licence_types=refused, materials={"Dy": {"controlled": False}})
    assert estimate(unlicensed).groups[0].attempts_per_stock == pytest.approx(365 / 45)


@pytest.mark.parametrize("scenario", [small(), load_scenario(ROOT / "scenarios" / "baseline_2025.yaml")],
                         ids=["small", "baseline"])
def test_the_estimate_is_within_a_factor_of_two_of_the_events_made(scenario):
    """What ``benchmarks/cost.py`` measures on every shipped scenario (+20 % to +59 %), on two of them here."""
    made = simulate(scenario, streams(scenario.monte_carlo.seed, 0)).events
    assert 0.5 < estimate(scenario).events / made < 2
    assert made < estimate(scenario).budget_events


def _ticks(env: simpy.Environment, log: list[float]):
    while True:
        yield env.timeout(0.5)
        log.append(env.now)


def test_running_within_a_budget_is_running_until_the_horizon_when_it_suffices():
    """The same events in the same order as SimPy's run(until), the events due at the horizon left unprocessed."""
    ours, simpys = CountingEnvironment(), simpy.Environment()
    seen: tuple[list[float], list[float]] = ([], [])
    for env, log in zip((ours, simpys), seen, strict=True):
        env.process(_ticks(env, log))
    assert ours.run_within(10, BUDGET_FLOOR)
    simpys.run(until=10)
    assert seen[0] == seen[1] and seen[0][-1] == 9.5 and ours.now == simpys.now == 10


def test_running_within_a_budget_stops_at_the_budget():
    env, log = CountingEnvironment(), []
    env.process(_ticks(env, log))
    assert not env.run_within(1000, 50)
    assert env.events_processed == 50 and env.now < 1000


def test_applications_from_outside_the_panel_are_counted(monkeypatch):
    """A backlog event of 100,000 applications made 100,339 events; twenty of a million each grew past 3 GB
    unrefused, as the estimate counted only the panel's orders."""
    from sim.runs import limits
    from sim.runs.limits import CostError, check_cost
    monkeypatch.setattr(limits, "_machine_bytes", lambda: 24 * 2**30)  # the development machine's
    surge = {"event": "backlog", "date": "2025-02-01", "applications": 100_000, "review_days": 0.001}
    scenario = small(policy={"surge": surge})
    made = simulate(scenario, streams(1, 0)).events
    assert 0.5 < estimate(scenario).events / made < 2
    twenty = small(policy={f"surge{k}": {**surge, "applications": 1_000_000} for k in range(20)})
    with pytest.raises(CostError, match=r"applications from outside the panel of policy\.surge0 \(1,000,000; 20 "):
        check_cost([twenty], 2, 2)  # 8 GB a worker
