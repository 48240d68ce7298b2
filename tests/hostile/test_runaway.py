"""Inputs that once made a replication spin or grow without end: refused with the floor named, or run to the end."""

from __future__ import annotations

import signal

import pytest

from sim.runs.execute import replicate
from sim.scenario.load import ScenarioError, load_scenario
from sim.scenario.schema import A_GRAM_A_YEAR_KG_PER_DAY
from tests.conftest import ROOT, small


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


@pytest.mark.parametrize(("override", "floor"), [
    ("buyers.eu_auto.demand.Dy.mean_kg_per_day=0.00000000001", "below a gram a year (2.74e-06 kg a day)"),
    ("buyers.eu_auto.retry_days=0.000000001", "below a minute (0.000694 days)"),
    ("buyers.eu_auto.inventory.order_up_to_days=0.000000000001", "below a minute (0.000694 days)"),
])
def test_values_below_a_physical_floor_are_refused_naming_it(override, floor):
    with pytest.raises(ScenarioError, match="a replication would make events without end") as caught:
        load_scenario(ROOT / "scenarios" / "baseline_2025.yaml", [override])
    assert floor in str(caught.value)
