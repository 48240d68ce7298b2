"""Whole replications: conservation, invariants and textbook reductions, on shipped and random scenarios."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.records import DELIVERED, IN_TRANSIT, PENDING, WITHDRAWN, Records
from sim.model.world import simulate
from sim.runs.streams import streams
from sim.scenario.events import ControlsEvent
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from tests.conftest import REPLAY_VARIANTS, SCENARIOS, SMALL, merged, small


def per_stock(stock: np.ndarray, kg: np.ndarray, n_stocks: int) -> np.ndarray:
    """Kilograms summed per stock."""
    total = np.zeros(n_stocks)
    np.add.at(total, stock, kg)
    return total


def controlled_on(scenario: Scenario, material: str, days: np.ndarray) -> np.ndarray:
    """Whether a material needs a licence on each of ``days``, from the scenario and its controls events."""
    changes = sorted(((scenario.calendar.day(e.date), e.active) for e in scenario.policy.values()
                      if isinstance(e, ControlsEvent) and material in e.materials), key=lambda change: change[0])
    state = np.full(days.shape, scenario.materials[material].controlled)
    for day, active in changes:  # in date order; on a day, the later event of the file wins
        state[days >= day] = active
    return state


def check_invariants(scenario: Scenario, records: Records) -> None:
    """What every replication of every scenario must respect (MODEL.md, 'What a credible model must respect')."""
    o, f, alt = records.needs, records.failures, records.alternative
    status, qty = o["status"], o["quantity_kg"]
    assert set(np.unique(status)) <= {PENDING, IN_TRANSIT, DELIVERED, WITHDRAWN}
    assert (qty > 0).all()

    # Every need is delivered, withdrawn, in production or transit, or waiting (for a licence: on order; for a
    # retry or the end of a ban or listing: not on order, its current attempt having failed), and the stocks
    # agree: what is on order is exactly the needs on order plus alternative supply under way.
    failed_now = np.zeros(len(status), dtype=bool)
    failed_now[f["need"][f["t_attempt"] == o["t_attempt"][f["need"]]]] = True
    on_order_needs = (status == IN_TRANSIT) | ((status == PENDING) & ~failed_now)
    assert not (failed_now & (status == IN_TRANSIT)).any()
    n_stocks = len(records.stock_firm)
    on_order = per_stock(o["stock"][on_order_needs], qty[on_order_needs], n_stocks)
    alt_open = np.isnan(alt["t_delivered"])
    on_order += per_stock(alt["stock"][alt_open], alt["quantity_kg"][alt_open], n_stocks)
    np.testing.assert_allclose(records.stock_on_order_kg, on_order, atol=1e-6 * max(1.0, on_order.max(initial=0)))

    # Stock balance: start + received - consumed = end, and stock is never negative.
    delivered = status == DELIVERED
    received = per_stock(o["stock"][delivered], qty[delivered], n_stocks)
    received += per_stock(alt["stock"][~alt_open], alt["quantity_kg"][~alt_open], n_stocks)
    consumed = records.stock_demand_kg.sum(axis=1) - records.stock_unmet_kg.sum(axis=1)
    scale = max(1.0, records.stock_demand_kg.sum())
    np.testing.assert_allclose(records.stock_initial_kg + received - consumed, records.stock_level_kg,
                               atol=1e-9 * scale)
    assert (records.stock_level_kg >= 0).all()
    assert (records.stock_unmet_kg >= -1e-9).all()
    assert (records.stock_unmet_kg <= records.stock_demand_kg + 1e-9 * scale).all()

    # Stages happen in order and add up to the delay; only delivered needs have a delivery time; failures
    # belong to attempts of their need.
    times = np.column_stack([o[c] for c in ("t_ordered", "t_attempt", "t_licensed", "t_vetted", "t_exported",
                                            "t_delivered")])
    assert (np.diff(times[delivered], axis=1) >= 0).all()
    assert np.isnan(o["t_delivered"][~delivered]).all()
    assert (o["t_closed"][status >= DELIVERED] <= records.horizon_days).all()
    assert (o["attempts"] >= 1).all()
    np.testing.assert_array_equal(np.bincount(f["need"], minlength=len(status)) + 1 - failed_now, o["attempts"])
    assert (f["t_attempt"] <= f["t_failed"]).all()

    # After the VEU date nothing leaves for a flagged firm under an attempt that needed a licence while its
    # material still needs one, hence nothing for a military end use.
    if scenario.veu.date is not None:
        veu_day = scenario.calendar.day(scenario.veu.date)
        flagged = records.firm_flagged[records.stock_firm[o["stock"]]]
        material = records.stock_material[o["stock"]]
        for m, name in enumerate(records.materials):
            mine = material == m
            exported = o["t_exported"][mine]
            controlled = controlled_on(scenario, name, np.nan_to_num(exported, nan=-1.0))
            assert not (flagged[mine] & o["licensed"][mine] & (exported >= veu_day) & controlled).any()
        military = np.array([g.military for g in scenario.buyers.values()])[records.firm_group]
        assert records.firm_flagged[military].all()


@pytest.mark.parametrize("path", SCENARIOS + REPLAY_VARIANTS, ids=lambda p: p.stem)
def test_shipped_scenarios_respect_invariants(path):
    scenario = load_scenario(path)
    check_invariants(scenario, simulate(scenario, streams(scenario.monte_carlo.seed, 0)))


def test_without_licensing_delay_is_production_plus_transit():
    scenario = small(materials={"Dy": {"controlled": False}, "Ga": {"controlled": False}},
                     supply={"production_days": {"dist": "gamma", "shape": 2, "scale": 5},
                             "transit_days": {"dist": "uniform", "low": 20, "high": 40}})
    records = simulate(scenario, streams(1, 0))
    o = records.needs
    delivered = o["status"] == DELIVERED
    assert delivered.sum() > 50 and len(records.applications["firm"]) == 0
    np.testing.assert_array_equal(o["t_licensed"][delivered], o["t_ordered"][delivered])
    np.testing.assert_allclose(o["t_delivered"] - o["t_ordered"],
                               (o["t_exported"] - o["t_ordered"]) + (o["t_delivered"] - o["t_exported"]))
    assert len(records.failures["need"]) == 0


def test_fixed_lead_time_shorter_than_reorder_cover_never_runs_out():
    """Base-stock textbook case: constant demand, lead time under the reorder cover -> zero shortfall."""
    scenario = small(materials={"Dy": {"controlled": False}, "Ga": {"controlled": False}},
                     buyers={"auto": {"demand": {"Dy": {"cv": 0}}}},
                     supply={"production_days": 10, "transit_days": 30})
    records = simulate(scenario, streams(1, 0))
    assert records.stock_unmet_kg.sum() == 0
    assert records.stock_demand_kg.sum() > 0


def test_ban_refuses_every_order_to_the_destination():
    scenario = small(policy={"ban": {"date": "2025-01-06", "event": "ban", "destination": "US",
                                     "materials": ["Dy"], "active": True}})
    records = simulate(scenario, streams(1, 0))
    us_firm = records.firm_group[records.stock_firm[records.needs["stock"]]] == 1
    assert us_firm.any()
    assert not (records.needs["status"][us_firm] == DELIVERED).any()


def test_same_streams_same_records_different_seed_different_records(small_scenario):
    first = simulate(small_scenario, streams(3, 1)).needs["t_delivered"]
    again = simulate(small_scenario, streams(3, 1)).needs["t_delivered"]
    other = simulate(small_scenario, streams(4, 1)).needs["t_delivered"]
    np.testing.assert_array_equal(first, again)
    assert first.shape != other.shape or not np.array_equal(first, other, equal_nan=True)


# --- random scenarios ---------------------------------------------------------------------------

START = dt.date(2025, 1, 6)
distributions = st.one_of(
    st.floats(0, 40).map(lambda v: v),
    st.builds(lambda m: {"dist": "exponential", "mean": m}, st.floats(0.5, 40)),
    st.builds(lambda m, s: {"dist": "lognormal", "mean": m, "sd": s}, st.floats(1, 40), st.floats(0.5, 20)),
    st.builds(lambda lo, w: {"dist": "uniform", "low": lo, "high": lo + w}, st.floats(0, 20), st.floats(1, 20)),
)
probabilities = st.floats(0, 1)


@st.composite
def random_scenarios(draw) -> Scenario:
    horizon = draw(st.integers(60, 500))
    day = st.integers(0, horizon - 1).map(lambda d: (START + dt.timedelta(days=d)).isoformat())
    materials = {"Dy": {"china_share": draw(st.floats(0.1, 1)), "controlled": draw(st.booleans()),
                        "alternative": {"capacity_kg_per_month": draw(st.sampled_from([0, 5, 50])),
                                        "lead_time_days": draw(distributions)}},
                 "Ga": {"controlled": draw(st.booleans())}}
    buyers = {}
    for name, destination in (("a", "EU"), ("b", "US")):
        reorder = draw(st.floats(0, 60))
        adaptive = {"policy": "adaptive", "initial_days": draw(st.floats(0, 90)),
                    "lead_time_days": draw(st.floats(1, 90)), "smoothing": draw(st.floats(0.01, 1)),
                    "safety_days": draw(st.floats(0, 30)), "order_days": draw(st.floats(1, 90))}
        buyers[name] = {
            "count": draw(st.integers(1, 4)), "sector": name, "destination": destination,
            "military": draw(st.booleans()), "trusted": draw(st.booleans()), "green_channel": draw(st.booleans()),
            "demand": {"Dy": {"mean_kg_per_day": draw(st.floats(0.1, 10)), "cv": draw(st.floats(0, 1))},
                       "Ga": {"mean_kg_per_day": draw(st.floats(0.1, 10)),
                              "inventory": draw(st.sampled_from([None, adaptive]))}},
            "inventory": {"initial_days": draw(st.floats(0, 90)), "reorder_point_days": reorder,
                          "order_up_to_days": reorder + draw(st.floats(1, 90))},
            "retry_days": draw(st.floats(1, 30)),
        }
    kinds = ["per_shipment", "six_month", "general"]
    licence_types = {k: {"open": draw(st.booleans()), "review_days": draw(distributions),
                         "approval_probability": draw(probabilities), "validity_days": draw(st.floats(5, 400)),
                         "renewal_lead_days": draw(st.floats(0, 60)), "track_record": draw(st.integers(0, 3)),
                         "vetting_days": draw(distributions), "vetting_pass_probability": draw(probabilities),
                         "review_in_working_days": draw(st.booleans())} for k in kinds}
    events = {}
    for i in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["controls", "ban", "licence_type", "authority", "revoke", "tension"]))
        event = {"date": draw(day), "event": kind}
        if kind in ("controls", "ban"):
            event |= {"materials": draw(st.sampled_from([["Dy"], ["Ga"], ["Dy", "Ga"]])), "active": draw(st.booleans())}
            if kind == "ban":
                event["destination"] = draw(st.sampled_from(["EU", "US"]))
        elif kind == "licence_type":
            event |= {"licence": draw(st.sampled_from(kinds)), "open": draw(st.booleans())}
        elif kind == "authority":
            event |= {"approval_probability": draw(probabilities), "reviewers": draw(st.integers(1, 5)),
                      "review_scale": draw(st.floats(0.2, 3)), "green_channel": draw(st.booleans())}
        elif kind == "revoke":
            event |= {"share": draw(probabilities), "licences": draw(st.sampled_from([kinds, ["six_month"]]))}
        else:
            event |= {"level": draw(st.floats(0, 3))}
        events[f"e{i}"] = event
    data = merged(SMALL, {
        "calendar": {"horizon_days": horizon, "warmup_days": draw(st.integers(0, horizon - 1))},
        "materials": materials, "licence_types": licence_types, "policy": events,
        "authority": {"reviewers": draw(st.integers(1, 6)), "green_channel": draw(st.booleans()),
                      "tension": {"initial": draw(st.floats(0, 2)), "approval_sensitivity": draw(st.floats(0, 1)),
                                  "review_sensitivity": draw(st.floats(0, 1))}},
        "veu": {"date": draw(st.one_of(st.none(), day)), "false_positive_rate": draw(probabilities),
                "listed_days": draw(st.one_of(st.none(), st.floats(1, 200)))},
        "supply": {"production_days": draw(distributions), "transit_days": draw(distributions)},
    })
    data["buyers"] = buyers
    return Scenario.model_validate(data)



@given(scenario=random_scenarios(), seed=st.integers(0, 2**32))
def test_random_scenarios_respect_invariants(scenario, seed):
    check_invariants(scenario, simulate(scenario, streams(seed, 0)))
