"""Values a dated event replaces or that act on nothing: warned of, and explained."""

from __future__ import annotations

import pytest

from sim.analysis.shadows import UnknownKey, changes, explain, idle, warnings
from sim.scenario.load import load_with_origins
from tests.conftest import ROOT, small

STOCKPILE = {"date": "2025-05-15", "event": "inventory", "buyers": {"sectors": ["automotive"]},
             "reorder_point_days": 75, "order_up_to_days": 130}


def test_an_inherited_event_that_replaces_a_value_set_in_the_file_run_is_warned_of_with_where_it_was_set(tmp_path):
    parent = tmp_path / "parent.yaml"
    parent.write_text(f"name: parent\n{_small_yaml()}policy:\n  stockpile: {STOCKPILE}\n".replace("'", '"'))
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nname: child\nbuyers:\n  auto:\n"
                     "    inventory: {initial_days: 180, reorder_point_days: 150, order_up_to_days: 180}\n")
    scenario, origins = load_with_origins(child)
    said = warnings(scenario, origins, {str(child), "--set"})
    assert len(said) == 2 and all(w.startswith(f"{child}:5: buyers.auto.inventory.") for w in said)
    assert "replaced on 2025-05-15 by policy event 'stockpile' (reorder point 75, order-up-to 130" in said[0]
    assert warnings(*load_with_origins(parent), {str(parent), "--set"}) == []  # beside its own event: intended
    overridden = load_with_origins(parent, ["buyers.auto.inventory.order_up_to_days=200"])
    assert [w.split(": ")[1] for w in warnings(*overridden, {str(parent), "--set"})] == [
        "buyers.auto.inventory.order_up_to_days"]


def test_a_cancelled_event_replaces_nothing_and_the_defence_group_is_not_concerned():
    scenario = small(policy={"stockpile": STOCKPILE,
                             "never": {"date": "2025-03-01", "event": "cancel", "events": ["stockpile"]}})
    assert changes(scenario) == []
    concerned = {c.key for c in changes(small(policy={"stockpile": STOCKPILE}))}
    assert concerned == {"buyers.auto.inventory.reorder_point_days", "buyers.auto.inventory.order_up_to_days"}


def test_main_reviewers_when_pools_take_every_application_act_on_nothing():
    pooled = small(authority={"pools": {"all": {"reviewers": 3}}})
    assert "authority.reviewers" in idle(pooled) and idle(small()) == {}


def test_explain_says_where_a_value_was_set_and_which_events_change_it():
    scenario, origins = load_with_origins(ROOT / "scenarios" / "baseline_2025.yaml")
    lines = explain(scenario, origins, "authority.tension.initial")
    assert lines[0].startswith("authority.tension.initial = 0.2: set by ") and "baseline_2025.yaml:" in lines[0]
    assert any("'april_tension' (tension 1)" in line for line in lines[1:])
    assert "the schema's default" in explain(scenario, origins, "veu.listed_days")[0]
    with pytest.raises(UnknownKey, match="did you mean 'authority.reviewers'"):
        explain(scenario, origins, "authority.reviewrs")


def _small_yaml() -> str:
    import yaml

    from tests.conftest import SMALL
    return yaml.safe_dump({k: v for k, v in SMALL.items() if k != "name"}, sort_keys=False)


BASELINE = ROOT / "scenarios" / "baseline_2025.yaml"


def test_a_change_to_an_event_called_off_before_its_date_is_said_to_act_on_nothing():
    moved = load_with_origins(BASELINE, ["policy.october_rare_earths.date=2026-01-01"])
    assert warnings(*moved, {str(BASELINE), "--set"}) == [
        "--set: policy.october_rare_earths.date: policy event 'october_rare_earths' is called off on 2025-11-07 by "
        "'november_suspension' before it takes effect"]
    assert warnings(*load_with_origins(BASELINE), {str(BASELINE), "--set"}) == []  # cancelled beside its event


def test_an_event_for_buyers_the_scenario_does_not_have_replaces_nothing():
    """japan_military_ban treats Japanese military buyers only; the panel has none, so the kinds' approval
    probabilities it names are not replaced for anyone."""
    scenario, origins = load_with_origins(BASELINE, ["licence_types.per_shipment.approval_probability=0.8"])
    assert not [c for c in changes(scenario) if c.event == "japan_military_ban"]
    assert warnings(scenario, origins, {str(BASELINE), "--set"}) == []
    only_auto = small(policy={"strict": {"date": "2025-03-01", "event": "authority", "buyers": {"groups": ["auto"]},
                                         "approval_probability": 0.5, "licences": ["per_shipment"]}})
    assert [c.what for c in changes(only_auto)] == ["approval probability 0.5 for the applications of auto"]


def test_the_groups_a_change_concerns_are_its_buyers_materials_and_the_buyers_its_events_name(tmp_path):
    from sim.analysis.compare import differing_groups
    from sim.analysis.shadows import changed_groups
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {BASELINE}\nname: child\nmaterials: {{Dy: {{china_share: 0.8}}}}\n"
                     "exporters: {jl_mag: {capacity_kg_per_month: 50000}}\n"
                     "policy:\n  stock_up: {date: 2025-06-01, event: inventory, buyers: {groups: [eu_auto]}, "
                     "reorder_point_days: 90, order_up_to_days: 150}\n")
    scenario, origins = load_with_origins(child)
    assert changed_groups(scenario, origins, {str(child), "--set"}) == ["material:Dy", "material:NdFeB",
                                                                         "buyer:eu_auto"]
    baseline, base_origins = load_with_origins(BASELINE)
    assert changed_groups(baseline, base_origins, {str(BASELINE), "--set"}) == []  # extends nothing
    assert differing_groups([baseline, scenario]) == ["material:NdFeB", "material:Dy", "buyer:eu_auto"]
