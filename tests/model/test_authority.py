"""The review queue: weekends, the M/M/c textbook case, priority and capacity."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import holidays
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.analysis.verify import erlang_c
from sim.model.authority import WorkingClock, working_days
from sim.model.records import REASONS
from sim.model.regime import Regime
from sim.model.world import World, simulate
from sim.runs.streams import streams
from sim.scenario.schema import Scenario
from sim.scenario.sections import Treatment
from tests.conftest import SMALL, merged, small

# 2025-01-06 is a Monday: with start_weekday 0, day 5 is Saturday.


@pytest.mark.parametrize(
    ("now", "working", "expected"),
    [
        (0.0, 1.0, 1.0),  # Monday: done by Tuesday 00:00
        (0.0, 5.0, 5.0),  # Monday to Friday: done by Saturday 00:00
        (0.0, 6.0, 8.0),  # one more day: next Monday, done Tuesday 00:00
        (4.5, 1.0, 3.0),  # Friday noon: half a day Friday, half Monday (done Monday noon)
        (5.0, 1.0, 3.0),  # Saturday: starts Monday
        (0.0, 10.0, 12.0),  # two working weeks
        (2.0, 0.0, 0.0),
        (7.0, 1e-300, 0.0),  # work below float resolution, from a Monday: never before it starts
        (5.5, 1e-300, 1.5),  # the same on a Saturday: starts (and ends) Monday 00:00
    ],
)
def test_working_days_skip_weekends(now, working, expected):
    clock = WorkingClock(working_days(dt.date(2025, 1, 6), 30, None), first_weekday=0)
    assert clock.calendar_days(now, working) == pytest.approx(expected)
    beyond = WorkingClock(working_days(dt.date(2025, 1, 6), 7, None), first_weekday=0)  # weekdays past the end
    assert beyond.calendar_days(now, working) == pytest.approx(expected)


@given(now=st.floats(0, 500), work=st.floats(0, 300))
def test_the_clock_puts_in_exactly_the_work_asked_and_never_goes_back(now, work):
    first = dt.date(2025, 1, 1)
    clock = WorkingClock(working_days(first, 400, "CN"), first.weekday())
    days = clock.calendar_days(now, work)
    assert days >= 0
    assert clock._done(now + days) - clock._done(now) == pytest.approx(work, abs=1e-6)


@pytest.mark.parametrize(
    ("start", "working", "end"),
    [
        ("2025-01-27", 1, "2025-01-28"),  # the Monday before the Spring Festival: done by its midnight
        ("2025-01-27", 2, "2025-02-06"),  # then eight days off (28 January to 4 February)
        ("2025-01-27", 5, "2025-02-09"),  # ... and Saturday 8 February is a working day
        ("2025-01-25", 1, "2025-01-27"),  # Sunday 26 January is a working day: Saturday's work starts then
        ("2025-09-30", 2, "2025-10-10"),  # National Day and Mid-Autumn: 1 to 8 October off
    ],
)
def test_the_working_day_clock_is_chinas(start, working, end):
    """Spring Festival, National Day and the weekend days declared working days, as the holidays package has them."""
    first = dt.date(2025, 1, 1)
    clock = WorkingClock(working_days(first, 400, "CN"), first.weekday())
    now = float((dt.date.fromisoformat(start) - first).days)
    done = now + clock.calendar_days(now, working)
    assert first + dt.timedelta(days=done) == dt.date.fromisoformat(end)
    calendar = holidays.country_holidays("CN", years=2025)
    last = dt.date.fromisoformat(end) - dt.timedelta(days=1)
    assert calendar.is_working_day(last)  # work ends with a working day


def mmc_scenario(servers: int, arrival_rate: float, service_mean: float, horizon: int, warmup: int) -> Scenario:
    """One firm ordering at Poisson times, each order one per-shipment application: an M/M/c queue."""
    data = merged(SMALL, {
        "calendar": {"horizon_days": horizon, "warmup_days": warmup},
        "materials": {"Dy": {"china_share": 1.0}},
        "buyers": {"auto": {"count": 1, "licences": ["per_shipment"], "demand": {"Ga": None}}, "defence": None},
        "licence_types": {"per_shipment": {"review_days": {"dist": "exponential", "mean": service_mean},
                                           "approval_probability": 1.0}},
        "authority": {"reviewers": servers},
    })
    data["buyers"]["auto"]["inventory"] = {
        "policy": "fixed_interval", "initial_days": 10_000, "order_days": 1,
        "interval_days": {"dist": "exponential", "mean": 1 / arrival_rate},
    }
    return Scenario.model_validate(data)


@pytest.mark.parametrize(("servers", "utilisation"), [(1, 0.5), (3, 0.8)])
def test_review_queue_matches_erlang_c(servers, utilisation):
    """Mean wait for a reviewer and the chance of waiting agree with the M/M/c formulas.

    Tolerance: 4 standard errors of the mean across independent replications (two-sided
    false-alarm rate about 6e-5), the replications long enough that the warm-up bias is far smaller.
    """
    service_mean, replications = 1.0, 30
    arrival_rate = utilisation * servers / service_mean
    scenario = mmc_scenario(servers, arrival_rate, service_mean, horizon=3000, warmup=300)
    waits, waited = [], []
    for rep in range(replications):
        apps = simulate(scenario, streams(11, rep)).applications
        counted = (apps["t_applied"] >= 300) & ~np.isnan(apps["t_started"])
        wait = (apps["t_started"] - apps["t_applied"])[counted]
        waits.append(wait.mean())
        waited.append((wait > 0).mean())
    offered = arrival_rate * service_mean
    p_wait = erlang_c(servers, offered)
    expected_wait = p_wait * service_mean / (servers - offered)
    for sample, theory in ((waits, expected_wait), (waited, p_wait)):
        sample = np.asarray(sample)
        standard_error = sample.std(ddof=1) / math.sqrt(replications)
        assert abs(sample.mean() - theory) <= 4 * standard_error, (sample.mean(), theory, standard_error)


def test_littles_law_on_the_review_queue():
    """Time-average number waiting equals arrival rate times mean wait (within 4 standard errors)."""
    scenario = mmc_scenario(2, 1.5, 1.0, horizon=3000, warmup=300)
    ratios = []
    for rep in range(20):
        records = simulate(scenario, streams(5, rep))
        apps = records.applications
        counted = (apps["t_applied"] >= 300) & ~np.isnan(apps["t_started"])
        total_wait = (apps["t_started"] - apps["t_applied"])[counted].sum()
        ratios.append(records.queue_length_mean - total_wait / (3000 - 300))
    ratios = np.asarray(ratios)
    assert abs(ratios.mean()) <= 4 * ratios.std(ddof=1) / math.sqrt(len(ratios)) + 1e-9


def test_more_reviewers_never_lengthen_the_wait():
    base = mmc_scenario(2, 1.6, 1.0, horizon=1000, warmup=100)
    waits = []
    for reviewers in (2, 3, 5):
        scenario = base.model_copy(update={"authority": base.authority.model_copy(update={"reviewers": reviewers})})
        apps = simulate(scenario, streams(3, 0)).applications
        waits.append(np.nansum(apps["t_started"] - apps["t_applied"]))
    assert waits[0] > waits[1] > waits[2]


def test_at_random_a_free_reviewer_takes_each_waiting_application_as_likely():
    """Five applications waiting, 5,000 times: which is taken first is uniform (chi-square, 99.9 % level);
    the green channel still goes first."""
    from scipy import stats

    from sim.model.authority import GREEN, STANDARD, AtRandom
    from sim.model.sampling import UNIT, sampler

    class App:
        def __init__(self, priority: int) -> None:
            self.priority = priority

    draw = sampler(UNIT, np.random.default_rng(3))
    counts = np.zeros(5)
    for _ in range(5000):
        queue = AtRandom(draw)
        apps = [App(STANDARD) for _ in range(5)]
        for app in apps:
            queue.add(app)
        counts[apps.index(queue.take())] += 1
    assert stats.chisquare(counts).pvalue > 0.001
    queue = AtRandom(draw)
    standard, green = App(STANDARD), App(GREEN)
    queue.add(standard)
    queue.add(green)
    assert queue.take() is green and queue.take() is standard and not queue


def test_at_random_the_mean_wait_is_first_come_first_served_s_and_the_spread_wider():
    """Service in random order leaves the mean wait of M/M/3 at 0.8 as it is (4 standard errors) and widens its
    spread: the standard deviation of the waits grows (Kingman, 1962)."""
    fifo = mmc_scenario(3, 2.4, 1.0, horizon=3000, warmup=300)
    at_random = fifo.model_copy(update={"authority": fifo.authority.model_copy(update={"queue": "random"})})
    means, spreads = {}, {}
    for name, scenario in (("fifo", fifo), ("random", at_random)):
        per_rep = []
        for rep in range(20):
            apps = simulate(scenario, streams(17, rep)).applications
            counted = (apps["t_applied"] >= 300) & ~np.isnan(apps["t_started"])
            per_rep.append((apps["t_started"] - apps["t_applied"])[counted])
        means[name] = np.array([w.mean() for w in per_rep])
        spreads[name] = np.array([w.std() for w in per_rep])
    difference = means["random"] - means["fifo"]
    assert abs(difference.mean()) <= 4 * difference.std(ddof=1) / math.sqrt(len(difference))
    assert (spreads["random"] > spreads["fifo"]).all()


def test_a_change_of_pace_reaches_the_reviews_under_way_for_the_work_they_have_left():
    """Reviews of exactly 10 calendar days, tension 0 then 1 from day 60 with a review sensitivity of 1 (reviews
    twice as long): a review begun d days before the change ends d + 2 (10 - d) days after it began."""
    scenario = small(licence_types={"per_shipment": {"review_days": 10, "review_in_working_days": False,
                                                     "approval_probability": 1.0}},
                     buyers={"auto": {"licences": ["per_shipment"]}, "defence": None},
                     authority={"reviewers": 1000, "tension": {"initial": 0.0, "review_sensitivity": 1.0}},
                     policy={"tension": {"date": "2025-03-07", "event": "tension", "level": 1.0}})
    a = simulate(scenario, streams(1, 0)).applications
    change = scenario.calendar.day(scenario.policy["tension"].date)
    decided = ~np.isnan(a["t_decided"])
    begun = a["t_started"][decided]
    done = np.clip(change - begun, 0.0, 10.0)  # days of work done at the old pace
    assert ((begun < change) & (begun + 10 > change)).any()  # some reviews straddle the change
    np.testing.assert_allclose(a["t_decided"][decided] - begun, done + 2 * (10 - done), atol=1e-9)


def test_a_change_of_pace_at_the_instant_a_review_ends_does_not_move_it_to_the_next_working_day():
    """Reviews of exactly 5 working days, a tension event every Saturday (a day off): the reviews whose work is done
    at the Saturday's midnight end then, not on the Monday after (found by an independent review)."""
    policy = {f"t{i}": {"date": (dt.date(2025, 2, 1) + dt.timedelta(days=7 * i)).isoformat(), "event": "tension",
                        "level": float(i % 2)} for i in range(40)}
    scenario = small(licence_types={"per_shipment": {"review_days": 5, "review_in_working_days": True,
                                                     "approval_probability": 1.0}},
                     buyers={"auto": {"licences": ["per_shipment"], "count": 30}, "defence": None},
                     authority={"reviewers": 1000, "tension": {"initial": 0.0, "review_sensitivity": 1.0}},
                     policy=policy)
    world = World(scenario, streams(1, 0))
    done_at_change: list[tuple[float, float]] = []  # (the change's instant, the review's end after it)
    repace = world.authority.repace

    def watched() -> None:
        due = [app for app in world.authority._in_review if app.review_ends <= world.env.now]
        repace()
        done_at_change.extend((world.env.now, app.review_ends) for app in due)

    world.authority.repace = watched
    world.run()
    assert done_at_change  # some reviews were done at the instant of a change
    assert all(end == now for now, end in done_at_change)


def test_opening_the_green_channel_speeds_up_its_firms_reviews_under_way():
    """Reviews of exactly 10 calendar days; the green channel opens on day 60 with a treatment halving its reviews:
    a green firm's review begun d days before ends d + (10 - d) / 2 after it began; the others' are untouched."""
    scenario = small(licence_types={"per_shipment": {"review_days": 10, "review_in_working_days": False,
                                                     "approval_probability": 1.0}},
                     buyers={"auto": {"licences": ["per_shipment"], "green_channel": True},
                             "defence": {"licences": ["per_shipment"], "military": False}},
                     authority={"reviewers": 1000},
                     policy={"channel": {"date": "2025-03-07", "event": "authority", "green_channel": True,
                                         "buyers": {"green_channel": True}, "review_scale": 0.5}})
    records = simulate(scenario, streams(1, 0))
    a, change = records.applications, scenario.calendar.day(scenario.policy["channel"].date)
    green = np.array([g.green_channel for g in scenario.buyers.values()])[records.firm_group[a["firm"]]]
    decided = ~np.isnan(a["t_decided"])
    begun = a["t_started"]
    done = np.clip(change - begun, 0.0, 10.0)
    expected = np.where(green, done + 0.5 * (10 - done), 10.0)
    assert (decided & green & (begun < change) & (begun + 10 > change)).any()
    np.testing.assert_allclose((a["t_decided"] - begun)[decided], expected[decided], atol=1e-9)


HELD = {"licence_types": {"per_shipment": {"review_days": 10, "review_in_working_days": False,
                                          "approval_probability": 1.0}},
        "buyers": {"auto": {"licences": ["per_shipment"]},
                   "defence": {"licences": ["per_shipment"], "military": False, "count": 12}},
        "authority": {"reviewers": 5},
        "policy": {"hold": {"date": "2025-03-07", "event": "authority", "buyers": {"destinations": ["US"]},
                            "hold": True},
                   "lift": {"date": "2025-05-06", "event": "authority", "buyers": {"destinations": ["US"]},
                            "hold": False}}}


def test_a_hold_keeps_files_from_review_until_it_is_lifted_while_the_others_are_reviewed():
    """Reviews of exactly 10 days; US files are held back from day 60 to day 120: none begins its review in that
    time, those filed in it begin on day 120 or later in the order they were filed, every review takes its 10 days,
    and files from elsewhere are reviewed meanwhile."""
    scenario = small(**HELD)
    records = simulate(scenario, streams(1, 0))
    a = records.applications
    us = np.array([g.destination == "US" for g in scenario.buyers.values()])[records.firm_group[a["firm"]]]
    begun = a["t_started"]
    assert not (us & (begun >= 60) & (begun < 120)).any()
    filed_held = us & (a["t_applied"] >= 60) & (a["t_applied"] < 120) & ~np.isnan(begun)
    assert filed_held.sum() > scenario.authority.reviewers
    in_filing_order = begun[filed_held][np.argsort(a["t_applied"][filed_held], kind="stable")]
    assert (np.diff(in_filing_order) >= 0).all()
    granted = a["approved"]
    np.testing.assert_allclose((a["t_decided"] - begun)[granted], 10.0, atol=1e-9)
    assert (~us & (begun > 60) & (begun < 110)).any()


def _check_the_queues_count(authority) -> None:
    """Every application waiting is counted once: in a queue, or held apart; the withdrawn ones left in a queue
    are counted apart."""
    queued = [app for pool in authority.pools.values() for app in pool.queue]
    assert authority._waiting == sum(not app.withdrawn for app in queued) + len(authority._held)
    for pool in authority.pools.values():
        assert pool.withdrawn_waiting == sum(app.withdrawn for app in pool.queue)


@pytest.mark.parametrize(("queue", "reviewers"), [("fifo", 2), ("random", 2), ("fifo", 50)])
def test_a_hold_reaches_files_already_waiting_and_files_filed_with_reviewers_free(queue, reviewers):
    """US files held from day 60 to day 120: none begins its review in that time, whether it waited in the queue
    when the hold began (2 reviewers) or was filed with reviewers free (50, who take them at the lift); first come
    first served, they begin after the lift in the order they were filed; the queue's count holds throughout."""
    world = World(small(**merged(HELD, {"authority": {"reviewers": reviewers, "queue": queue}})), streams(1, 0))
    world.env.timeout(90).callbacks.append(lambda _event: _check_the_queues_count(world.authority))
    world.run()
    us = [app for app in world.authority.applications if app.firm.group.destination == "US"]
    assert not [app for app in us if 60 <= app.t_started < 120]
    waited = [app for app in us if app.t_applied < 60 and not app.t_started < 60]
    filed = [app for app in us if 60 <= app.t_applied < 120]
    assert filed and (waited if reviewers == 2 else not waited)
    if queue == "fifo":
        begun = sorted((app for app in waited + filed if app.t_started >= 120), key=lambda app: app.t_applied)
        assert len(begun) > 1 and all(a.t_started <= b.t_started for a, b in itertools.pairwise(begun))
    if reviewers == 50:  # reviewers free at the lift take the released files at once
        assert all(app.t_started == 120 for app in filed)
    assert not world.authority._held
    _check_the_queues_count(world.authority)


def test_a_held_file_withdrawn_is_not_reviewed_when_the_hold_lifts():
    world = World(small(**HELD), streams(1, 0))
    lift, withdrawn = world.authority.repace, []

    def withdraw_first_then_lift() -> None:
        if world.env.now == 120 and world.authority._held:
            withdrawn.append(next(iter(world.authority._held)))
            world.authority.withdraw(withdrawn[0])
            _check_the_queues_count(world.authority)
        lift()

    world.authority.repace = withdraw_first_then_lift
    world.run()
    assert withdrawn and not withdrawn[0].approved and withdrawn[0].reason == "withdrawn"
    assert withdrawn[0].t_decided == 120 and math.isnan(withdrawn[0].t_started)
    assert withdrawn[0] not in world.authority._held
    _check_the_queues_count(world.authority)


def test_green_channel_waits_less_than_standard():
    only_per_shipment = {"licences": ["per_shipment"], "count": 10}
    scenario = small(
        buyers={"auto": {"green_channel": True, **only_per_shipment},
                "defence": {"military": False, **only_per_shipment}},
        authority={"reviewers": 1, "green_channel": True},
        licence_types={"per_shipment": {"review_days": {"dist": "exponential", "mean": 1.2}}},
    )
    apps = simulate(scenario, streams(2, 0)).applications
    assert (apps["priority"] == 0).any() and (apps["priority"] == 1).any()
    wait = apps["t_started"] - apps["t_applied"]
    green, standard = wait[apps["priority"] == 0], wait[apps["priority"] == 1]
    assert np.nanmean(green) < np.nanmean(standard)


def test_the_latest_treatment_concerning_an_application_sets_its_approval_and_review_scale():
    scenario = small(authority={"treatments": {
        "military": {"buyers": {"military": True}, "approval_probability": 0.1},
        "dy_slow": {"materials": ["Dy"], "licences": ["per_shipment"], "review_scale": 3.0},
        "green_fast": {"buyers": {"green_channel": True}, "review_scale": 0.5}}})
    regime = Regime(scenario)
    world = World(scenario, streams(1, 0))
    auto, defence = (next(f for f in world.firms if f.group_name == name) for name in ("auto", "defence"))
    assert regime.approval(auto, "Dy", "per_shipment", green=False) == 0.9  # the kind's own
    assert regime.approval(defence, "Dy", "per_shipment", green=False) == 0.1
    assert regime.review_scale(auto, "Dy", "per_shipment", green=False) == 3.0
    assert regime.review_scale(auto, "Dy", "per_shipment", green=True) == 0.5  # listed later: prevails
    assert regime.review_scale(auto, "Ga", "per_shipment", green=False) == 1.0
    assert regime.review_scale(auto, "Dy", "six_month", green=False) == 1.0
    regime.add_treatment(Treatment(buyers={"groups": ["auto"]}, review_scale=2.0))  # as a dated event does
    assert regime.review_scale(auto, "Dy", "per_shipment", green=False) == 2.0  # what was settled before is not kept
    assert regime.review_scale(defence, "Dy", "per_shipment", green=False) == 3.0


POOLED = {"licence_types": {"per_shipment": {"review_days": 10, "approval_probability": 1.0}},
          "buyers": {"auto": {"count": 20, "licences": ["per_shipment"]}, "defence": None}}


def test_an_application_goes_to_the_pool_that_reviews_its_material():
    scenario = small(**POOLED, authority={"reviewers": 1000, "pools": {"dy": {"reviewers": 1, "materials": ["Dy"]}}})
    a = simulate(scenario, streams(1, 0)).applications
    waits = a["t_started"] - a["t_applied"]
    dy = a["material"] == 0
    assert (waits[dy] > 0).any() and (waits[~dy] == 0).all()  # one Dy reviewer: a queue; Ga: none
    started = np.sort(a["t_started"][dy & ~np.isnan(a["t_started"])])
    assert (np.diff(started) >= 10 - 1e-9).all()  # one review at a time


def test_a_backlog_takes_the_reviewers_time_then_the_panel_is_served():
    scenario = small(**POOLED, authority={"reviewers": 2},
                     policy={"surge": {"date": "2025-03-03", "event": "backlog", "applications": 20,
                                       "review_days": 5}})
    a = simulate(scenario, streams(1, 0)).applications
    surge = scenario.calendar.day(scenario.policy["surge"].date)
    after = (a["t_applied"] >= surge) & ~np.isnan(a["t_started"])
    assert after.any() and len(a["t_applied"]) < 200  # backlog applications are not the panel's
    # 20 applications of 5 days on 2 reviewers: nothing filed after the surge starts before it has been served
    assert (a["t_started"][after] >= surge + 20 * 5 / 2).all()


def test_opening_the_green_channel_moves_the_waiting_applications_of_admitted_firms_ahead():
    scenario = small(**merged(POOLED, {"buyers": {"green": {**SMALL["buyers"]["auto"], "count": 5,
                                                            "green_channel": True, "licences": ["per_shipment"]}}}),
                     authority={"reviewers": 1},
                     policy={"opens": {"date": "2025-03-03", "event": "authority", "green_channel": True}})
    records = simulate(scenario, streams(1, 0))
    a, opens = records.applications, scenario.calendar.day(scenario.policy["opens"].date)
    green = np.array([g.green_channel for g in scenario.buyers.values()])[records.firm_group[a["firm"]]]
    started = np.nan_to_num(a["t_started"], nan=np.inf)
    waiting = (a["t_applied"] < opens) & (started > opens) & (a["reason"] != REASONS.index("withdrawn"))
    assert (waiting & green).any() and (waiting & ~green).any()
    assert (a["priority"][waiting & green] == 0).all()  # in the channel now
    assert started[waiting & green].max() < started[waiting & ~green].min()


@pytest.mark.parametrize("same_instant", [True, False])
def test_a_decision_reaches_its_waiters_after_whatever_else_happens_that_instant(same_instant):
    """A review that ends as a dated event falls (a ban, controls lifted) lets that event act first, as an event
    announcing the decision did; alone at its instant, the decision is announced at once."""
    world = World(small(**merged(POOLED, {"licence_types": {"per_shipment": {"review_in_working_days": False}}})),
                  streams(1, 0))
    env, firm = world.env, world.firms[0]
    order = []
    app = world.authority.submit(firm, "Dy", "per_shipment")  # reviewed for 10 days from now (day 0)
    app.waiters.append(lambda decided: order.append(("decided", env.now)))
    env.timeout(10 if same_instant else 10.5).callbacks.append(lambda _event: order.append(("dated", env.now)))
    env.run(until=11)
    expected = [("dated", 10), ("decided", 10)] if same_instant else [("decided", 10), ("dated", 10.5)]
    assert order == expected and app.approved
