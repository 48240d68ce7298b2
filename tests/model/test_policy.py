"""The dated policy timeline: one handler per kind of event, each pulling a lever on its date."""

from __future__ import annotations

import simpy

from sim.model.policy import HANDLERS, Levers, schedule, timeline
from sim.model.regime import Regime
from sim.scenario.events import POLICY_EVENTS
from tests.conftest import small


def recorded(regime: Regime, pulls: list[tuple]) -> Levers:
    """Levers that note each pull, with its arguments, in ``pulls`` (the regime itself is the real one)."""
    def note(name: str):
        return lambda *args: pulls.append((name, *args)) or 0
    pulled = {name: note(name) for name in ("set_reviewers", "set_green_channel", "revoke", "lift_controls",
                                             "impose_ban", "lift_ban", "add_backlog", "repace_reviews", "grant",
                                             "list_firms")}
    return Levers(regime=regime, firms=[], alternatives={}, exporters={}, **pulled)


def test_every_kind_of_policy_event_has_a_handler():
    assert set(HANDLERS) == set(POLICY_EVENTS)


def test_changes_happen_on_their_dates_in_date_order_and_the_veu_rule_last_on_its_day():
    scenario = small(
        policy={"lift": {"date": "2025-03-03", "event": "controls", "materials": ["Dy"], "active": False},
                "impose": {"date": "2025-02-03", "event": "controls", "materials": ["Dy"], "active": True},
                "ban": {"date": "2025-03-03", "event": "ban", "destination": "US", "materials": ["Ga"],
                        "active": True}},
        veu={"date": "2025-03-03"},
    )
    regime = Regime(scenario)
    regime.controlled.clear()
    pulls: list[tuple] = []
    levers = recorded(regime, pulls)
    env = simpy.Environment()
    seen = []  # the regime after each change, in the order they are made

    def made(change):
        def make():
            change()
            seen.append((env.now, sorted(regime.controlled), sorted(regime.bans), regime.veu_active))
        return make

    env.process(timeline(env, [(day, made(change)) for day, change in schedule(scenario, levers)]))
    env.run()
    impose, lift = (scenario.calendar.day(scenario.policy[n].date) for n in ("impose", "lift"))
    assert seen == [(impose, ["Dy"], [], False),  # file order: lift and ban on one day, then the VEU rule
                    (lift, [], [], False), (lift, [], [("US", "Ga")], False), (lift, [], [("US", "Ga")], True)]
    # the ban is public (needs waiting for a licence fail), lifting controls releases what waited for a licence
    assert pulls == [("lift_controls", ["Dy"]), ("impose_ban", "US", ["Ga"])]


def test_authority_and_backlog_events_pull_their_levers():
    scenario = small(authority={"pools": {"dy": {"reviewers": 2, "materials": ["Dy"]}}}, policy={
        "more": {"date": "2025-02-03", "event": "authority", "reviewers": 40, "pool": "dy"},
        "surge": {"date": "2025-02-04", "event": "backlog", "applications": 300}})
    pulls: list[tuple] = []
    changes = schedule(scenario, recorded(Regime(scenario), pulls))
    for _, change in changes:
        change()
    assert [day for day, _ in changes] == [scenario.calendar.day(e.date) for e in scenario.policy.values()]
    assert pulls == [("set_reviewers", 40, "dy"), ("add_backlog", 300, None, None)]


def test_an_announced_event_called_off_before_its_date_does_nothing():
    scenario = small(materials={"Dy": {"controlled": False}}, policy={
        "announced": {"date": "2025-03-03", "event": "controls", "materials": ["Dy"], "active": True},
        "suspended": {"date": "2025-02-03", "event": "cancel", "events": ["announced"]}})
    regime = Regime(scenario)
    for _, change in schedule(scenario, recorded(regime, [])):
        change()
    assert scenario.called_off() == {"announced"} and "Dy" not in regime.controlled
