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
    reviewers: list[int] = []
    levers = Levers(regime, reviewers.append, lambda kinds, share, holder: 0, [])
    env = simpy.Environment()
    seen = []

    def watch():
        while True:
            seen.append((env.now, sorted(regime.controlled), sorted(regime.bans), regime.veu_active))
            yield env.timeout(1)

    env.process(timeline(env, schedule(scenario, levers)))
    env.process(watch())
    env.run(until=scenario.calendar.day(scenario.veu.date) + 1)
    by_day = {day: state for day, *state in seen}
    impose, lift = (scenario.calendar.day(scenario.policy[n].date) for n in ("impose", "lift"))
    assert by_day[impose - 1] == [[], [], False]
    assert by_day[impose] == [["Dy"], [], False]
    assert by_day[lift] == [[], [("US", "Ga")], True]


def test_an_authority_event_changes_the_reviewers_through_its_lever():
    scenario = small(policy={"more": {"date": "2025-02-03", "event": "authority", "reviewers": 40}})
    reviewers: list[int] = []
    levers = Levers(Regime(scenario), reviewers.append, lambda kinds, share, holder: 0, [])
    [(day, change)] = schedule(scenario, levers)
    change()
    assert (day, reviewers) == (scenario.calendar.day(scenario.policy["more"].date), [40])
