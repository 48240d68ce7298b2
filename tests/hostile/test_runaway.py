"""Inputs that once made a replication spin or grow without end: refused with the floor named, or run to the end."""

from __future__ import annotations

import signal

import pytest
import yaml

from sim.model.cost import BUDGET_FLOOR, RunawayError
from sim.runs.execute import replicate
from sim.scenario.load import ScenarioError, load_scenario
from sim.scenario.sections import A_GRAM_A_YEAR_KG_PER_DAY
from tests.conftest import ROOT, SMALL, merged, sim, small


@pytest.fixture
def seconds():
    """Fail a test that takes more than 20 seconds, rather than hang the suite."""
    def expire(*_):
        raise TimeoutError("a replication did not end in 20 s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_alternative_supply_faster_than_the_clock_can_tell_ends(seconds):
    """1e300 kg a month makes an order in less than the clock's resolution: the line waits at least
    MIN_WAIT_DAYS, and an order whose time came is made whole."""
    scenario = small(materials={"Dy": {"china_share": 0.5, "alternative": {"capacity_kg_per_month": 1e300}}})
    assert replicate(scenario, 1, 0).events < 10_000


def test_demand_at_the_floor_runs_to_the_end(seconds):
    """A gram a year: stocks of a few micrograms, ordered and consumed exactly, however small their scale."""
    scenario = small(buyers={"auto": {"demand": {"Dy": {"mean_kg_per_day": A_GRAM_A_YEAR_KG_PER_DAY}}}})
    assert replicate(scenario, 1, 0).events < 10_000


def test_a_gram_a_day_runs_to_the_end(seconds):
    """The case that once spun for ever in alternative supply (``mean_kg_per_day: 0.001``)."""
    scenario = small(buyers={"auto": {"demand": {"Dy": {"mean_kg_per_day": 0.001}}}},
                     materials={"Dy": {"china_share": 0.5, "alternative": {"capacity_kg_per_month": 5}}})
    assert replicate(scenario, 1, 0).events < 10_000


@pytest.mark.parametrize(("override", "floor"), [
    ("buyers.eu_auto.demand.Dy.mean_kg_per_day=0.00000000001", "below a gram a year (2.74e-06 kg a day)"),
    ("buyers.eu_auto.retry_days=0.000000001", "below a minute (0.000694 days)"),
    ("buyers.eu_industrial.inventory.order_up_to_days=0.000000000001", "below a minute (0.000694 days)"),
    ("buyers.us_electronics.demand.Ga.inventory.order_days=1e-300", "below a minute (0.000694 days)"),
    ("buyers.us_electronics.demand.Ga.inventory.lead_time_days=1e-300", "below a minute (0.000694 days)"),
    ("buyers.eu_auto.inventory={policy: fixed_interval, initial_days: 9, order_days: 5, interval_days: 0}",
     "below a minute (0.000694 days)"),
])
def test_values_below_a_physical_floor_are_refused_naming_it(override, floor):
    with pytest.raises(ScenarioError, match="a replication would make events without end") as caught:
        load_scenario(ROOT / "scenarios" / "baseline_2025.yaml", [override])
    assert floor in str(caught.value)


@pytest.mark.parametrize(("override", "said"), [
    ("buyers.eu_auto.demand.Dy.mean_kg_per_day=1e300", "is over 1,000,000,000, the most it may be"),
    ("buyers.eu_industrial.inventory.order_up_to_days=1e300", "is over a million days, the most it may be"),
    ("buyers.eu_auto.inventory.initial_days=1e300", "is over a million days, the most it may be"),
    ("buyers.us_electronics.demand.Ga.inventory.safety_days=1e300", "is over a million days, the most it may be"),
    ("exporters.jl_mag.capacity_kg_per_month=1e300", "is over 1,000,000,000,000, the most it may be"),
    ("buyers.eu_auto.count=100001", "is over 100,000, the most it may be"),
])
def test_values_past_a_physical_ceiling_are_refused_naming_it(override, said):
    """1e300 kg a day once ran to exit 0 with infinite demand and inf in the tables."""
    with pytest.raises(ScenarioError, match=said):
        load_scenario(ROOT / "scenarios" / "baseline_2025.yaml", [override])


RUNAWAY = {"buyers": {"auto": {"retry_days": 0.0007}, "defence": None},
           "licence_types": {kind: {"review_days": 0.0007} for kind in ("per_shipment", "six_month", "general")},
           "policy": {"shut": {"event": "authority", "date": "2025-03-01", "approval_probability": 0}}}
"""Approvals shut from March, refusals retried every minute, reviews of a minute: far more attempts than the
estimate (made from the approvals at the start) expects."""


def test_a_replication_past_its_budget_is_stopped_naming_the_group_and_key(seconds):
    made = r"buyer group auto made [\d,]+ attempts to order \([\d,]+ needs\)"
    with pytest.raises(RunawayError, match=made) as caught:
        replicate(small(**RUNAWAY), 1, 0)
    assert "buyers.auto.retry_days = 0.0007, as its orders are refused again and again" in str(caught.value)
    assert f"at least {BUDGET_FLOOR:,}" in str(caught.value)


def test_a_runaway_on_the_workers_is_a_message(tmp_path):
    path = tmp_path / "runaway.yaml"
    path.write_text(yaml.safe_dump(merged(SMALL, RUNAWAY), sort_keys=False))
    done = sim("run", str(path), "-n", "2", "--workers", "2", "--out", str(tmp_path / "out"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: a replication made 100,000 events by day" in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_run_estimated_past_the_limits_is_refused_before_it_starts(tmp_path):
    """The schema's largest group (count: 100000) made 4.6 GB and no replication in a minute: refused up front,
    with the estimate, the group that makes it and the flag that allows it; nothing written."""
    out = tmp_path / "big"
    for command in (["run", str(ROOT / "scenarios" / "baseline_2025.yaml"), "-n", "100"],  # past 2e9 events,
                    ["sweep", str(ROOT / "scenarios" / "baseline_2025.yaml"), "-n", "100",  # whatever the memory
                     "--param", "buyers.us_auto.count=10,100000"]):
        done = sim(*command, "--set", "buyers.us_auto.count=100000", "--out", str(out))
        assert done.returncode == 2, done.stderr
        assert "buyer group us_auto: 100,000 firm(s) buying NdFeB" in done.stderr
        assert "To run it anyway, add --allow-large" in done.stderr and "Traceback" not in done.stderr
        assert not out.exists()
