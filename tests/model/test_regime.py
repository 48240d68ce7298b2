"""The regime in force: the latest treatment concerning an application prevails, and the rules change only through
the regime's methods."""

from __future__ import annotations

import pytest

from sim.model.buyers import Firm
from sim.model.regime import Regime
from sim.scenario.sections import Treatment
from tests.conftest import small

SCENARIO = small(licence_types={"per_shipment": {"approval_probability": 0.8}})


def firm(group: str, index: int = 0) -> Firm:
    return Firm(index, group, list(SCENARIO.buyers).index(group), SCENARIO.buyers[group], flagged=False)


def test_each_kind_s_own_settings_hold_until_a_treatment_concerns_the_application():
    regime = Regime(SCENARIO)
    assert regime.approval(firm("auto"), "Dy", "per_shipment", green=False) == 0.8
    assert regime.review_scale(firm("auto"), "Dy", "per_shipment", green=False) == 1.0


def test_the_latest_treatment_that_sets_a_value_prevails_even_once_an_answer_was_given():
    regime = Regime(SCENARIO)
    auto, defence = firm("auto"), firm("defence", 6)
    assert regime.approval(auto, "Dy", "per_shipment", green=False) == 0.8  # asked, and kept
    regime.add_treatment(Treatment(buyers={"sectors": ["automotive"]}, materials=["Dy"], approval_probability=0.3))
    regime.add_treatment(Treatment(review_scale=2.0))  # sets no approval: the one before still gives it
    assert regime.approval(auto, "Dy", "per_shipment", green=False) == 0.3
    assert regime.review_scale(auto, "Dy", "six_month", green=False) == 2.0
    assert regime.approval(auto, "Ga", "per_shipment", green=False) == 0.8  # another material
    assert regime.approval(defence, "Dy", "per_shipment", green=False) == 0.8  # another sector
    regime.add_treatment(Treatment(buyers={"green_channel": True}, approval_probability=1.0))
    assert regime.approval(auto, "Dy", "per_shipment", green=True) == 1.0
    assert regime.approval(auto, "Dy", "per_shipment", green=False) == 0.3


def test_a_ban_refuses_a_destination_and_a_listing_a_firm_until_lifted():
    regime = Regime(SCENARIO)
    eu, us = firm("auto"), firm("defence", 6)
    regime.ban("US", ["Dy"], active=True)
    regime.list_firms([(eu.index, "Ga")])
    assert (regime.refuses(us, "Dy"), regime.refuses(us, "Ga"), regime.refuses(eu, "Dy")) == ("ban", "", "")
    assert regime.refuses(eu, "Ga") == "listed"
    regime.ban("US", ["Dy"], active=False)
    assert regime.refuses(us, "Dy") == ""


@pytest.mark.parametrize("active", [True, False])
def test_controls_and_licence_kinds_change_only_through_the_regime(active):
    regime = Regime(SCENARIO)
    regime.control(["Ga"], active)
    regime.open_kind("general", active)
    assert ("Ga" in regime.controlled, "general" in regime.open_kinds) == (active, active)
    assert "Dy" in regime.controlled and "six_month" in regime.open_kinds  # the others as they were
