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
