"""The licensing authority: a queue of applications served by a limited number of reviewers.

Applications wait first come, first served within two classes (the green channel before the
rest, without preemption), are reviewed for a random time, then granted or refused. Political
tension lowers the approval probability and lengthens reviews. Under the VEU rule, applications
from flagged firms are refused at once, without review.
"""

from __future__ import annotations

import heapq
import math

import simpy

from sim.model.buyers import Firm
from sim.model.regime import Regime
from sim.scenario.schema import LICENCE_KINDS, Scenario

GREEN, STANDARD = 0, 1


class Application:
    """One licence application and what became of it."""

    __slots__ = (
        "firm",
        "material",
        "kind",
        "priority",
        "renewal",
        "t_applied",
        "t_started",
        "t_decided",
        "approved",
        "reason",
        "withdrawn",
        "decided",
    )

    def __init__(
        self, env: simpy.Environment, firm: Firm, material: str, kind: str, priority: int, renewal: bool
    ) -> None:
        self.firm = firm
        self.material = material
        self.kind = kind
        self.priority = priority
        self.renewal = renewal
        self.t_applied = env.now
        self.t_started = math.nan
        self.t_decided = math.nan
        self.approved = False
        self.reason = ""
        self.withdrawn = False
        self.decided = env.event()


class Authority:
    """Review queue, reviewers and decisions."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, regime: Regime, warmup_days: float) -> None:
        self.env = env
        self.regime = regime
        self.reviewers = scenario.authority.reviewers
        self.busy = 0
        self.applications: list[Application] = []
        self._queue: list[tuple[int, int, Application]] = []
        self._withdrawn_waiting = 0
        self._seq = 0
        self._working_days = {k: scenario.licence_types[k].review_in_working_days for k in LICENCE_KINDS}
        self._tension = scenario.authority.tension
        self._start_weekday = scenario.calendar.start.weekday()
        self._warmup = warmup_days
        self._area_since = warmup_days
        self.queue_area = 0.0

    def submit(self, firm: Firm, material: str, kind: str, renewal: bool = False) -> Application:
        """File an application; its ``decided`` event fires with the decision."""
        priority = GREEN if firm.group.green_channel and self.regime.green_channel else STANDARD
        app = Application(self.env, firm, material, kind, priority, renewal)
        self.applications.append(app)
        if self._veu_refuses(app):
            return app
        if self.busy < self.reviewers:
            self._start(app)
        else:
            self._account_queue()
            heapq.heappush(self._queue, (priority, self._seq, app))
            self._seq += 1
        return app

    def withdraw(self, app: Application) -> None:
        """The applicant no longer needs the licence: an application waiting leaves the queue, one in review
        frees its reviewer; decided ones stay as they were."""
        if not math.isnan(app.t_decided):
            return
        app.withdrawn = True
        if math.isnan(app.t_started):
            self._account_queue()
            self._withdrawn_waiting += 1  # removed from the heap when it comes up
        else:
            self.busy -= 1
        self._decide(app, approved=False, reason="withdrawn")
        self._start_waiting()

    def set_reviewers(self, reviewers: int) -> None:
        """Change the number of reviewers; reviews under way finish either way."""
        self.reviewers = reviewers
        self._start_waiting()

    def queue_length_mean(self, until: float) -> float:
        """Time-average number of applications waiting (not in review) after the warm-up."""
        self._account_queue()
        span = until - self._warmup
        return self.queue_area / span if span > 0 else math.nan

    def _veu_refuses(self, app: Application) -> bool:
        if self.regime.veu_active and app.firm.flagged:
            self._decide(app, approved=False, reason="veu")
            return True
        return False

    def _start(self, app: Application) -> None:
        self.busy += 1
        app.t_started = self.env.now
        days = app.firm.stocks[app.material].dice.review[app.kind]() * self.regime.review_scale[app.kind]
        days *= 1 + self._tension.review_sensitivity * self.regime.tension
        if self._working_days[app.kind]:
            days = calendar_days(self.env.now, days, self._start_weekday)
        self.env.timeout(days, app).callbacks.append(self._finish)

    def _finish(self, event: simpy.Event) -> None:
        app: Application = event.value
        if app.withdrawn:  # its reviewer was freed when it was withdrawn
            return
        self.busy -= 1
        if not self._veu_refuses(app):
            tension_factor = max(0.0, 1 - self._tension.approval_sensitivity * self.regime.tension)
            dice = app.firm.stocks[app.material].dice
            approved = dice.approval[app.kind]() < self.regime.approval[app.kind] * tension_factor
            self._decide(app, approved, "" if approved else "discretionary")
        self._start_waiting()

    def _start_waiting(self) -> None:
        while self._queue and self.busy < self.reviewers:
            self._account_queue()
            app = heapq.heappop(self._queue)[2]
            if app.withdrawn:
                self._withdrawn_waiting -= 1
            else:
                self._start(app)

    def _decide(self, app: Application, approved: bool, reason: str) -> None:
        app.t_decided = self.env.now
        app.approved = approved
        app.reason = reason
        app.decided.succeed(app)

    def _account_queue(self) -> None:
        now = self.env.now
        if now > self._area_since:
            self.queue_area += (len(self._queue) - self._withdrawn_waiting) * (now - self._area_since)
            self._area_since = now


def calendar_days(now: float, working_days: float, start_weekday: int) -> float:
    """Calendar days needed to put in ``working_days`` of work from ``now``, skipping weekends.

    ``start_weekday`` is the weekday of day 0 (Monday = 0). No work happens on Saturday or Sunday;
    work started at a weekend starts on Monday, and work that ends with a week ends on Friday night.
    """
    week_time = now + start_weekday  # days since a Monday midnight
    if week_time % 7 >= 5:
        week_time = 7 * (week_time // 7 + 1)
    started = 5 * (week_time // 7) + min(week_time % 7, 5)  # working days since that Monday
    done = started + max(working_days, 0.0)  # equal to started if the work is below float resolution
    weeks, rest = divmod(done, 5)
    if rest == 0 and done > started:  # the work ends with a Friday
        weeks, rest = weeks - 1, 5.0
    return 7 * weeks + rest - start_weekday - now
