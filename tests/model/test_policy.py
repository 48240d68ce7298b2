"""The dated policy timeline: one handler per kind of event, each pulling a lever on its date."""

from __future__ import annotations

import simpy

from sim.model.policy import HANDLERS, Levers, schedule, timeline
from sim.model.regime import Regime
from sim.scenario.schema import POLICY_EVENTS
from tests.conftest import small


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
    lifted: list[tuple[str, ...]] = []
    levers = Levers(regime, print, lambda kinds, share, holder: 0, [], lambda m: lifted.append(tuple(m)), print,
                    print)
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
    assert lifted == [("Dy",)]  # lifting controls releases what waited for a licence of the material


def test_an_authority_event_changes_the_reviewers_through_its_lever():
    scenario = small(policy={"more": {"date": "2025-02-03", "event": "authority", "reviewers": 40}})
    reviewers: list[int] = []
    levers = Levers(Regime(scenario), reviewers.append, lambda kinds, share, holder: 0, [], print, print, print)
    [(day, change)] = schedule(scenario, levers)
    change()
    assert (day, reviewers) == (scenario.calendar.day(scenario.policy["more"].date), [40])
