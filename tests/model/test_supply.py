"""Needs from first request to delivery: attempts, bars that wait for their end, releases, the check at export."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.records import DELIVERED, KIND_CODE, PENDING, REASONS
from sim.model.world import World, simulate
from sim.runs.streams import streams
from tests.conftest import merged, small
from tests.model.test_world import check_invariants

ONE_FIRM = {"auto": {"count": 1, "demand": {"Dy": {"mean_kg_per_day": 2}, "Ga": None}},
            "defence": {"count": 1, "demand": {"Dy": {"mean_kg_per_day": 1}}}}
FIXED = {"licence_types": {"per_shipment": {"review_days": 20, "approval_probability": 1}},
         "supply": {"production_days": 10, "transit_days": 30}}


def fixed(**changes):
    """The small scenario with one firm in each group, fixed times, and ``changes``."""
    return small(**merged({"buyers": ONE_FIRM, **FIXED}, changes))


def needs_of(records, group: int) -> dict[str, np.ndarray]:
    mine = records.firm_group[records.stock_firm[records.needs["stock"]]] == group
    return {column: values[mine] for column, values in records.needs.items()}


def test_goods_in_production_when_controls_begin_leave_without_a_licence_later_attempts_need_one():
    day = 20  # the first order, placed uncontrolled on day 15, is in production then
    scenario = fixed(materials={"Dy": {"controlled": False}}, buyers={"auto": {"licences": ["per_shipment"]}},
                     policy={"controls": {"date": "2025-01-26", "event": "controls", "materials": ["Dy"],
                                          "active": True}})
    assert scenario.calendar.day(scenario.policy["controls"].date) == day
    needs = needs_of(simulate(scenario, streams(1, 0)), 0)
    caught = (needs["t_attempt"] < day) & (needs["t_exported"] >= day)
    assert caught.any() and (needs["licence"][caught] == -1).all() and not needs["licensed"][caught].any()
    np.testing.assert_array_equal(needs["t_exported"][caught] - needs["t_attempt"][caught], 10.0)  # production only
    later = needs["t_attempt"] >= day
    assert later.any() and needs["licensed"][later].all()
    np.testing.assert_allclose(needs["t_licensed"][later] - needs["t_attempt"][later], 20.0)  # one review each


def test_a_need_refused_by_a_ban_waits_for_its_end_and_is_tried_once_more():
    scenario = fixed(policy={
        "ban": {"date": "2025-01-06", "event": "ban", "destination": "US", "materials": ["Dy"], "active": True},
        "lifted": {"date": "2025-06-02", "event": "ban", "destination": "US", "materials": ["Dy"], "active": False}})
    records = simulate(scenario, streams(1, 0))
    needs, lifted = needs_of(records, 1), scenario.calendar.day(scenario.policy["lifted"].date)
    assert (needs["t_ordered"] < lifted).sum() == 1  # one need while the ban stands: no polling
    assert needs["attempts"][0] == 2 and needs["t_attempt"][0] == lifted and needs["status"][0] == DELIVERED
    failures = records.failures
    assert [REASONS[r] for r in failures["reason"]] == ["ban"]


def test_a_firm_refused_under_the_veu_rule_stops_asking_until_it_may_ask_again():
    listed = fixed(veu={"date": "2025-03-03"})
    needs = needs_of(simulate(listed, streams(1, 0)), 1)  # the military firm
    veu_day = listed.calendar.day(listed.veu.date)
    assert (needs["t_ordered"] >= veu_day).sum() <= 1  # at most the need refused; no new ones
    waiting = needs["status"] == PENDING
    assert waiting.sum() == 1 and needs["attempts"][waiting][0] == 1
    again = fixed(veu={"date": "2025-03-03", "listed_days": 60})
    needs = needs_of(simulate(again, streams(1, 0)), 1)
    tried = needs["attempts"] >= 2
    assert tried.any() and (needs["t_attempt"][tried] >= veu_day + 60).all()


def test_the_veu_rule_applies_only_where_a_licence_is_needed():
    scenario = fixed(materials={"Dy": {"controlled": False}}, veu={"date": "2025-03-03"})
    records = simulate(scenario, streams(1, 0))
    needs = needs_of(records, 1)
    veu_day = scenario.calendar.day(scenario.veu.date)
    assert ((needs["t_exported"] > veu_day) & (needs["status"] == DELIVERED)).sum() > 3
    assert len(records.failures["need"]) == 0


def test_lifting_controls_releases_the_needs_waiting_for_a_licence_that_day():
    scenario = fixed(licence_types={"per_shipment": {"review_days": 80, "approval_probability": 1}},
                     policy={"thaw": {"date": "2025-02-03", "event": "controls", "materials": ["Dy"],
                                      "active": False}})
    records = simulate(scenario, streams(1, 0))
    thaw = scenario.calendar.day(scenario.policy["thaw"].date)
    o, a = records.needs, records.applications
    waiting = o["t_attempt"] < thaw
    assert waiting.any()
    np.testing.assert_array_equal(o["t_licensed"][waiting], thaw)
    assert (o["licence"][waiting] == -1).all()
    withdrawn = (a["reason"] == REASONS.index("withdrawn")) & (a["licence"] == KIND_CODE["per_shipment"])
    assert withdrawn.sum() == waiting.sum() and (a["t_decided"][withdrawn] == thaw).all()


def test_a_ban_is_public_needs_waiting_for_a_licence_to_the_destination_fail_that_day():
    scenario = fixed(licence_types={"per_shipment": {"review_days": 80, "approval_probability": 1}},
                     policy={"ban": {"date": "2025-02-03", "event": "ban", "destination": "US", "materials": ["Dy"],
                                     "active": True}})
    records = simulate(scenario, streams(1, 0))
    ban = scenario.calendar.day(scenario.policy["ban"].date)
    f = records.failures
    us = records.firm_group[records.stock_firm[records.needs["stock"][f["need"]]]] == 1
    assert us.any() and (f["t_failed"][us] == ban).all() and (f["reason"][us] == REASONS.index("ban")).all()
    assert (needs_of(records, 0)["status"] == DELIVERED).any()  # the other destination goes on


def test_released_needs_count_as_waiting_for_a_licence_in_the_stages():
    scenario = fixed(licence_types={"per_shipment": {"review_days": 80, "approval_probability": 1}},
                     policy={"thaw": {"date": "2025-02-03", "event": "controls", "materials": ["Dy"],
                                      "active": False}})
    o = simulate(scenario, streams(1, 0)).needs
    released = o["t_attempt"] < scenario.calendar.day(scenario.policy["thaw"].date)
    assert o["licensed"][released].all() and (o["licence"][released] == -1).all()


def test_no_multi_shipment_renewal_once_the_material_needs_no_licence():
    scenario = fixed(buyers={"auto": {"licences": ["six_month", "per_shipment"]}},
                     licence_types={"six_month": {"open": True, "review_days": 5, "approval_probability": 1,
                                                  "validity_days": 60, "renewal_lead_days": 10}},
                     policy={"thaw": {"date": "2025-04-07", "event": "controls", "materials": ["Dy"],
                                      "active": False}})
    records = simulate(scenario, streams(1, 0))
    thaw = scenario.calendar.day(scenario.policy["thaw"].date)
    a = records.applications
    assert (a["renewal"] & (a["t_applied"] < thaw)).any()
    assert not (a["t_applied"] > thaw).any()


def test_the_time_a_need_waited_for_a_ban_to_end_is_not_lead_time_an_adaptive_firm_plans_for():
    adaptive = {"policy": "adaptive", "initial_days": 60, "lead_time_days": 50, "smoothing": 1.0,
                "safety_days": 10, "order_days": 40}
    scenario = fixed(buyers={"defence": {"demand": {"Dy": {"inventory": adaptive}}}}, policy={
        "ban": {"date": "2025-01-06", "event": "ban", "destination": "US", "materials": ["Dy"], "active": True},
        "lifted": {"date": "2025-06-02", "event": "ban", "destination": "US", "materials": ["Dy"], "active": False}})
    world = World(scenario, streams(1, 0))
    world.run()
    stock = next(s for s in world.stocks if s.firm.group_name == "defence")
    first = world.needs[[n.stock for n in world.needs].index(stock)]
    assert first.barred_days > 100 and first.t_delivered - first.t_ordered > 100
    assert stock.policy.lead_estimate_days < 100  # learned from what the last delivery took, not the ban


def test_goods_in_production_when_a_ban_begins_are_stopped_at_export_the_others_leave_when_made():
    """Shipments whose production no dated rule change can cut short are settled when production starts (one
    event to delivery): the ban must still stop those it catches, on the day their goods are ready."""
    day = 20  # the first order of the US firm, placed uncontrolled on day 15, is in production then
    scenario = fixed(materials={"Dy": {"controlled": False}},
                     policy={"ban": {"date": "2025-01-26", "event": "ban", "destination": "US", "materials": ["Dy"],
                                     "active": True}})
    assert scenario.calendar.day(scenario.policy["ban"].date) == day
    world = World(scenario, streams(1, 0))
    records = world.run()
    us, eu = needs_of(records, 1), needs_of(records, 0)
    stopped = [(need, t_attempt, t_failed) for need, t_attempt, t_failed, _, reason, at_export
               in world.exports.failures if at_export and REASONS[reason] == "ban"]
    assert len(stopped) == 1
    need, t_attempt, t_failed = stopped[0]
    assert t_attempt < day < t_failed == t_attempt + 10  # stopped when its goods were ready
    delivered = eu["status"] == DELIVERED
    assert delivered.sum() > 3
    np.testing.assert_allclose(eu["t_exported"][delivered] - eu["t_vetted"][delivered], 10.0)
    np.testing.assert_allclose(eu["t_delivered"][delivered] - eu["t_exported"][delivered], 30.0)
    assert not (us["t_exported"] >= day).any()


def test_a_ban_fails_the_waiting_needs_once_every_change_of_its_day_is_made():
    """A ban and slower reviews from the same day: the reviewer freed by the banned firm's withdrawn
    application takes the next in the queue under the day's new rules, not the old ones."""
    day = 20  # the US firm applies on day 15 and is under review; the EU firm applies on day 17 and waits
    scenario = fixed(licence_types={"per_shipment": {"review_days": 80, "approval_probability": 1,
                                                     "review_in_working_days": False}},
                     authority={"reviewers": 1},
                     buyers={"auto": {"licences": ["per_shipment"],
                                      "inventory": {"initial_days": 62, "reorder_point_days": 45,
                                                    "order_up_to_days": 90}}},
                     materials={"Ga": {"controlled": False}},
                     policy={"ban": {"date": "2025-01-26", "event": "ban", "destination": "US", "materials": ["Dy"],
                                     "active": True},
                             "slower": {"date": "2025-01-26", "event": "authority", "review_scale": 2.0}})
    assert scenario.calendar.day(scenario.policy["ban"].date) == day
    a = simulate(scenario, streams(1, 0)).applications
    first, second = np.argsort(a["t_applied"])[:2]
    assert a["t_applied"][first] < a["t_applied"][second] < day
    assert a["reason"][first] == REASONS.index("withdrawn") and a["t_decided"][first] == day
    assert a["t_started"][second] == day and a["t_decided"][second] == day + 160  # reviewed at the new scale


def test_an_entity_listing_stops_the_listed_firms_material_at_once_and_no_one_else():
    listing = {"date": "2025-03-03", "event": "listing", "buyers": {"groups": ["auto"]}, "count": 2,
               "materials": ["Dy"]}
    scenario = small(buyers={"auto": {"licences": ["per_shipment"]}}, policy={"entities": listing},
                     licence_types={"per_shipment": {"review_days": 30, "approval_probability": 1}})
    day = scenario.calendar.day(scenario.policy["entities"].date)
    world = World(scenario, streams(3, 0))
    records = world.run()
    listed = {firm for firm, material in world.regime.listed}
    assert len(listed) == 2 and {m for _, m in world.regime.listed} == {"Dy"}
    o, f = records.needs, records.failures
    firm = records.stock_firm[o["stock"]]
    material = np.array(records.materials)[records.stock_material[o["stock"]]]
    of_listed = np.isin(firm, list(listed))
    exported_after = o["t_exported"] >= day
    assert not (of_listed & (material == "Dy") & exported_after).any()  # nothing of Dy reaches them after it
    assert (of_listed & (material == "Ga") & exported_after).any()  # their other material still does
    assert (~of_listed & (material == "Dy") & exported_after).any()  # nor are other firms' needs stopped
    refused = f["reason"] == REASONS.index("listed")
    refused_firm = records.stock_firm[o["stock"][f["need"][refused]]]
    assert refused.any() and np.isin(refused_firm, list(listed)).all()
    assert (f["t_failed"][refused] == day).any()  # needs waiting for a licence that day fail at once


@pytest.mark.parametrize("remainder", ["refused", "reapply"])
def test_a_licence_granted_in_part_ships_that_share_and_the_rest_is_a_need_of_its_own(remainder):
    scenario = small(buyers={"auto": {"licences": ["per_shipment"]}}, licence_types={"per_shipment": {
        "approval_probability": 1, "granted_share": {"dist": "uniform", "low": 0.2, "high": 0.9},
        "remainder": remainder}})
    records = simulate(scenario, streams(5, 0))
    check_invariants(scenario, records)  # kilograms on order, received and consumed still balance
    o, f = records.needs, records.failures
    first = {}
    for n in np.argsort(o["t_attempt"], kind="stable"):  # needs sharing a first request: the splits of one
        first.setdefault((o["stock"][n], o["t_ordered"][n]), []).append(n)
    split = [needs for needs in first.values() if len(needs) > 1]
    assert split
    refused = f["reason"] == REASONS.index("partial")
    if remainder == "refused":
        assert refused.any() and np.isin(f["t_failed"][refused], o["t_licensed"]).all()  # refused at the grant
    else:
        assert not refused.any()
        rest = [needs[1] for needs in split]
        assert (o["attempts"][rest] >= 1).all() and np.isin(o["t_attempt"][rest], o["t_licensed"]).all()


def test_a_treatment_may_grant_some_applicants_a_share_of_what_they_ask_and_not_the_others():
    treatment = {"buyers": {"groups": ["auto"]}, "granted_share": 0.5}
    scenario = small(licence_types={"per_shipment": {"approval_probability": 1}},
                     buyers={"auto": {"licences": ["per_shipment"]}, "defence": {"licences": ["per_shipment"]}},
                     authority={"treatments": {"halved": treatment}})
    records = simulate(scenario, streams(5, 0))
    f, o = records.failures, records.needs
    rest = f["reason"] == REASONS.index("partial")
    group = records.firm_group[records.stock_firm[o["stock"][f["need"][rest]]]]
    assert rest.any() and (group == 0).all()  # the auto firms' licences only
