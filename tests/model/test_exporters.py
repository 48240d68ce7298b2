"""Exporters: firms shared out among them, an order book served at a calendar month's capacity, and the records."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.buyers import Consumption
from sim.model.exporters import Exporter, assign, capacity_curve
from sim.model.world import accounting_intervals, simulate
from sim.runs.metrics import EXPORTER_COLUMNS, _exporter_months
from sim.runs.streams import streams
from sim.scenario.schema import Scenario
from tests.conftest import small

JANUARY_2025 = {"calendar": {"start": "2025-01-01", "horizon_days": 365, "warmup_days": 0}}


def with_exporters(big_kg: float = 3100, little_kg: float = 1000, **changes) -> Scenario:
    """The small scenario from 1 January 2025, with Dy made by a large and a small exporter (kg a month)."""
    return small(**JANUARY_2025, exporters={"big": {"material": "Dy", "capacity_kg_per_month": big_kg},
                                            "little": {"material": "Dy", "capacity_kg_per_month": little_kg}},
                 **changes)


def month_starts(scenario: Scenario) -> list[float]:
    """The first of each month of the run, in days since its start."""
    calendar = scenario.calendar
    return accounting_intervals(calendar.start, calendar.horizon_days, 0)[0][:-1].tolist()


def test_firms_are_shared_out_in_the_stated_shares_to_the_nearest_firm():
    assert assign({"a": 0.5, "b": 0.5}, 4) == ["a", "a", "b", "b"]
    assert assign({"a": 0.1, "b": 0.9}, 10) == ["a"] + ["b"] * 9
    assert assign({"a": 0.06, "b": 0.94}, 5) == ["b"] * 5  # 0.3 of a firm: none


@given(st.lists(st.floats(0.01, 1), min_size=1, max_size=6), st.integers(1, 200))
def test_each_exporter_serves_its_share_of_the_firms_within_one(weights, count):
    shares = {f"e{i}": w / sum(weights) for i, w in enumerate(weights)}
    served = assign(shares, count)
    assert len(served) == count
    for name, share in shares.items():
        assert abs(served.count(name) - share * count) <= 1


def test_the_line_makes_each_calendar_month_its_capacity_first_come_first_served():
    scenario = with_exporters()
    days, rates = capacity_curve(scenario, "big", set(), month_starts(scenario))
    assert days[:3] == [0.0, 31.0, 59.0]  # 1 January, 1 February, 1 March 2025
    assert rates[:3] == pytest.approx([100.0, 3100 / 28, 100.0])
    line = Exporter(0, "big", "Dy", Consumption(days, rates))
    assert line.book(10.0, 500.0) == pytest.approx(5.0)  # idle: made at 100 kg a day
    assert line.book(12.0, 200.0) == pytest.approx(5.0)  # waits for the first (day 15), then two days
    assert line.book(30.0, 200.0) == pytest.approx(1 + 100 / (3100 / 28))  # made across the month's end
    assert [row[2] for row in line.orders] == pytest.approx([10.0, 15.0, 30.0])  # making started


def test_a_capacity_event_changes_the_rate_from_its_date_unless_called_off():
    event = {"date": "2025-01-16", "event": "capacity", "exporter": "big", "capacity_kg_per_month": 6200}
    scenario = with_exporters(policy={"more": event})
    days, rates = capacity_curve(scenario, "big", set(), month_starts(scenario))
    assert days[:3] == [0.0, 15.0, 31.0] and rates[:3] == pytest.approx([100.0, 200.0, 6200 / 28])
    assert capacity_curve(scenario, "big", {"more"}, month_starts(scenario))[1][1] == pytest.approx(3100 / 28)


def test_stocks_buy_from_their_exporters_and_applications_name_them():
    scenario = with_exporters()
    records = simulate(scenario, streams(7, 0))
    dy = records.stock_material == list(records.materials).index("Dy")
    assert (records.stock_exporter[dy] >= 0).all() and (records.stock_exporter[~dy] == -1).all()
    auto = records.firm_group[records.stock_firm[dy]] == 0  # six auto firms: 0.756 and 0.244 of them
    assert np.bincount(records.stock_exporter[dy][auto], minlength=2).tolist() == [5, 1]
    a = records.applications
    expected = records.stock_exporter[np.flatnonzero(dy)][np.searchsorted(records.stock_firm[dy], a["firm"])]
    assert (a["exporter"][a["material"] == 0] == expected[a["material"] == 0]).all()
    assert len(records.production["t_made"]) > 0


def test_every_kilogram_booked_is_made_or_in_the_order_book_and_no_month_makes_more_than_its_capacity():
    scenario = with_exporters(big_kg=100, little_kg=40)
    records = simulate(scenario, streams(7, 1))
    months = _exporter_months(scenario, records)
    capacity, made, backlog = (months[..., EXPORTER_COLUMNS.index(c)] for c in EXPORTER_COLUMNS)
    assert (made <= capacity * (1 + 1e-9)).all() and (backlog >= -1e-6).all()
    booked = np.bincount(records.production["exporter"], records.production["quantity_kg"], minlength=2)
    assert made.sum(axis=0) + backlog[-1] == pytest.approx(booked)
    assert (made / capacity).max() == pytest.approx(1.0)  # this small capacity binds


def test_without_exporters_nothing_is_booked():
    records = simulate(small(), streams(7, 0))
    assert (records.stock_exporter == -1).all() and len(records.production["t_made"]) == 0
