"""The licensing authority: a queue of applications served by a limited number of reviewers.

Applications wait in two classes (the green channel before the rest, without preemption; opening
the channel moves the waiting applications of the firms admitted to it into it), within each
first come, first served, or at random (``authority.queue``: a free reviewer takes any waiting
file, each as likely), are reviewed for a random time, then granted or refused. Political
tension lowers the approval probability and lengthens reviews. Under the VEU rule, applications
from flagged firms are refused at once, without review.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import heapq
import itertools
import math
from collections.abc import Callable, Collection, Iterator, Sequence

import holidays
import simpy

from sim.model.buyers import Firm, Stock
from sim.model.exporters import Exporter
from sim.model.regime import Regime
from sim.model.sampling import UNIT, Draws, RandomStreams, Sampler, sampler
from sim.scenario.distributions import Distribution
from sim.scenario.schema import Scenario
from sim.scenario.sections import LICENCE_KINDS

GREEN, STANDARD = 0, 1
DONE_WORK = 1e-9
"""Work left (days) below which a review under way is done: a change of pace does not move its end (on a day off the
clock would start what is left on the next working day)."""
CLOCK_MARGIN_DAYS = 3 * 365
"""Days past the horizon the holiday calendar covers (reviews decided after the horizon); weekdays beyond."""


class Application:
    """One licence application and what became of it (without a firm: one of a backlog from outside the panel,
    which only takes a reviewer's time)."""

    __slots__ = (
        "firm",
        "material",
        "stock",
        "kind",
        "priority",
        "renewal",
        "t_applied",
        "t_started",
        "t_decided",
        "approved",
        "reason",
        "withdrawn",
        "pool",
        "review_days",
        "pace",
        "review_ends",
        "review_epoch",
        "waiters",
    )

    def __init__(self, env: simpy.Environment, firm: Firm | None, material: str, kind: str, priority: int,
                 renewal: bool, pool: ReviewPool, review_days: float = math.nan) -> None:
        self.firm = firm
        self.material = material
        self.stock: Stock | None = None if firm is None else firm.stocks[material]
        """The applicant's stock of the material, whose streams its reviews and decisions draw from."""
        self.kind = kind
        self.priority = priority
        self.renewal = renewal
        self.t_applied = env.now
        self.t_started = math.nan
        self.t_decided = math.nan
        self.approved = False
        self.reason = ""
        self.withdrawn = False
        self.pool = pool
        self.review_days = review_days
        """The review's work, in its kind's units (working or calendar days), before its pace."""
        self.pace = math.nan
        """What the work is multiplied by: the treatments concerning it and the tension, as they stand."""
        self.review_ends = math.nan
        self.review_epoch = 0
        """How many times the end of its review was set: a review ends at the last one."""
        self.waiters: list[Callable[[Application], None]] = []
        """Called with the application once it is decided (``Authority.submit``)."""

    @property
    def exporter(self) -> Exporter | None:
        """The exporter that filed it for its customer ``firm`` (none for a material without exporters, or a file of
        a backlog)."""
        return None if self.stock is None else self.stock.exporter


class FirstCome:
    """Applications waiting for a reviewer, taken first come first served within each channel (the green one
    first)."""

    __slots__ = ("heap", "count")

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, Application]] = []
        self.count = itertools.count()

    def __bool__(self) -> bool:
        return bool(self.heap)

    def __iter__(self) -> Iterator[Application]:
        return (app for _, _, app in self.heap)

    def add(self, app: Application) -> None:
        heapq.heappush(self.heap, (app.priority, next(self.count), app))

    def take(self) -> Application:
        return heapq.heappop(self.heap)[2]

    def take_all(self, chosen: Callable[[Application], bool]) -> list[Application]:
        """Take out every application ``chosen`` picks, in the order they would have been taken."""
        taken = sorted(entry for entry in self.heap if chosen(entry[2]))
        if taken:
            gone = {seq for _, seq, _ in taken}
            self.heap = [entry for entry in self.heap if entry[1] not in gone]
            heapq.heapify(self.heap)
        return [app for _, _, app in taken]

    def reorder(self) -> None:
        """Priorities changed (the green channel opened or closed): each keeps its place among those filed before
        and after it."""
        self.heap = [(app.priority, seq, app) for _, seq, app in self.heap]
        heapq.heapify(self.heap)


class AtRandom:
    """Applications waiting for a reviewer, taken at random within each channel (the green one first): a free
    reviewer takes any of them, each as likely, whenever it was filed (the authority's discretion)."""

    __slots__ = ("channels", "draw")

    def __init__(self, draw: Sampler) -> None:
        self.channels: tuple[list[Application], list[Application]] = ([], [])
        self.draw = draw

    def __bool__(self) -> bool:
        return bool(self.channels[GREEN] or self.channels[STANDARD])

    def __iter__(self) -> Iterator[Application]:
        return itertools.chain(*self.channels)

    def add(self, app: Application) -> None:
        self.channels[app.priority].append(app)

    def take(self) -> Application:
        waiting = self.channels[GREEN] or self.channels[STANDARD]
        chosen = int(self.draw() * len(waiting))
        waiting[chosen], waiting[-1] = waiting[-1], waiting[chosen]
        return waiting.pop()

    def take_all(self, chosen: Callable[[Application], bool]) -> list[Application]:
        """Take out every application ``chosen`` picks (the order among them is the draw's, later)."""
        taken = [app for app in self if chosen(app)]
        if taken:
            gone = set(taken)
            self.channels = tuple([app for app in channel if app not in gone] for channel in self.channels)
        return taken

    def reorder(self) -> None:
        """Priorities changed: each application goes to its channel's pool."""
        apps = list(self)
        self.channels = ([a for a in apps if a.priority == GREEN], [a for a in apps if a.priority != GREEN])


class ReviewPool:
    """Reviewers who share one queue of applications waiting for them (``FirstCome`` or ``AtRandom``)."""

    __slots__ = ("reviewers", "busy", "queue", "withdrawn_waiting", "materials", "kinds")

    def __init__(self, reviewers: int, queue: FirstCome | AtRandom, materials: Collection[str] | None = None,
                 kinds: Collection[str] = LICENCE_KINDS) -> None:
        self.reviewers = reviewers
        self.busy = 0
        self.queue = queue
        self.withdrawn_waiting = 0
        """Withdrawn applications still in the queue: they leave it when they come up."""
        self.materials = materials
        self.kinds = kinds

    def takes(self, material: str, kind: str) -> bool:
        """Whether the pool reviews applications for this material and kind."""
        return kind in self.kinds and (self.materials is None or material in self.materials)


class Authority:
    """Review pools (the main one and any set aside for materials or licence kinds), and decisions."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, regime: Regime, warmup_days: float,
                 streams: RandomStreams) -> None:
        self.env = env
        self.regime = regime
        spec = scenario.authority
        draw = sampler(UNIT, streams.shared("queue")) if spec.queue == "random" else None

        def queue() -> FirstCome | AtRandom:
            return AtRandom(draw) if draw is not None else FirstCome()

        self.pools: dict[str | None, ReviewPool] = {
            name: ReviewPool(given.reviewers, queue(), given.materials, given.licences)
            for name, given in spec.pools.items()}
        self.pools[None] = ReviewPool(spec.reviewers, queue())  # the main pool, last: it takes what no other does
        self._pool_for: dict[tuple[str, str], ReviewPool] = {}
        self.applications: list[Application] = []
        self._in_review: dict[Application, None] = {}
        """Applications under review, in the order their reviews began."""
        self._held: dict[Application, None] = {}
        """Applications waiting that a treatment holds back from review (``Treatment.hold``), in the order they
        would have been taken up."""
        self._working_days = {k: scenario.licence_types[k].review_in_working_days for k in LICENCE_KINDS}
        calendar = scenario.calendar
        self._clock = WorkingClock(
            working_days(calendar.start, calendar.horizon_days + CLOCK_MARGIN_DAYS, spec.calendar),
            calendar.start.weekday())
        self._tension = spec.tension
        self._backlog_review = scenario.licence_types.per_shipment.review_days
        self._backlog_rng = streams.shared("backlog")
        self._review_days = Draws(streams, "review", lambda _stock, kind: scenario.licence_types[kind].review_days)
        self._approval = Draws(streams, "approval", lambda _stock, _kind: UNIT)
        """Each applicant's own draws (a stock's: ``Application.stock``) of its reviews' work and its decisions."""
        self._warmup = warmup_days
        self._area_since = warmup_days
        self.queue_area = 0.0
        self._waiting = 0
        """Applications waiting for a reviewer, every pool together, held ones included (not those withdrawn still
        in a heap)."""

    def submit(self, firm: Firm, material: str, kind: str, renewal: bool = False) -> Application:
        """File an application; its ``waiters`` are called with it once it is decided: at the end of the review
        that decides it, or, decided at filing (the VEU rule) or withdrawn, once what is being done now is done
        (an event this instant)."""
        pool = self._pool_for.get((material, kind))
        if pool is None:  # the first pool that takes it: the main pool, last, takes the rest
            pool = self._pool_for[material, kind] = next(d for d in self.pools.values() if d.takes(material, kind))
        app = Application(self.env, firm, material, kind, self._priority(firm), renewal, pool)
        self.applications.append(app)
        if self._veu_refuses(app):
            self._notify_soon(app)
        else:
            self._queue_up(app)
        return app

    def add_backlog(self, applications: int, name: str | None, review_days: Distribution | None) -> None:
        """Applications from outside the panel join a pool's queue: they take reviewers' time, nothing else."""
        draws = sampler(review_days or self._backlog_review, self._backlog_rng)
        pool = self.pools[name]
        for _ in range(applications):
            self._queue_up(Application(self.env, None, "", "per_shipment", STANDARD, False, pool, draws()))

    def withdraw(self, app: Application) -> None:
        """The applicant no longer needs the licence: an application waiting leaves the queue, one in review
        frees its reviewer; decided ones stay as they were."""
        if not math.isnan(app.t_decided):
            return
        app.withdrawn = True
        self._account_queue()
        if app in self._held:
            del self._held[app]
            self._waiting -= 1
        elif math.isnan(app.t_started):
            app.pool.withdrawn_waiting += 1
            self._waiting -= 1
        else:
            app.pool.busy -= 1
            del self._in_review[app]
        self._decide(app, approved=False, reason="withdrawn")
        self._start_waiting(app.pool)
        self._notify_soon(app)

    def set_green_channel(self, open_: bool) -> None:
        """Open or close the green channel: applications waiting for a reviewer move into it (or out), each
        keeping its place among those filed before and after it."""
        self.regime.set_green_channel(open_)
        for pool in self.pools.values():
            for app in pool.queue:
                app.priority = self._priority(app.firm)
            pool.queue.reorder()
        for app in [*self._in_review, *self._held]:  # the channel's treatments reach them too (``repace``)
            app.priority = self._priority(app.firm)

    def _priority(self, firm: Firm | None) -> int:
        admitted = firm is not None and firm.group.green_channel
        return GREEN if admitted and self.regime.green_channel else STANDARD

    def set_reviewers(self, reviewers: int, name: str | None = None) -> None:
        """Change the number of reviewers of a pool (the main one by default); reviews under way finish either way."""
        self.pools[name].reviewers = reviewers
        self._start_waiting(self.pools[name])

    def queue_length_mean(self, until: float) -> float:
        """Time-average number of applications waiting (not in review) after the warm-up, every pool together."""
        self._account_queue()
        span = until - self._warmup
        return self.queue_area / span if span > 0 else math.nan

    def _veu_refuses(self, app: Application) -> bool:
        if self.regime.veu_active and app.firm.flagged:
            self._decide(app, approved=False, reason="veu")
            return True
        return False

    def _queue_up(self, app: Application) -> None:
        pool = app.pool
        held = self._held_now(app)
        if pool.busy < pool.reviewers and not held:
            self._start(app)
        else:
            self._account_queue()
            if held:
                self._held[app] = None
            else:
                pool.queue.add(app)
            self._waiting += 1

    def _start(self, app: Application) -> None:
        app.pool.busy += 1
        app.t_started = self.env.now
        if app.stock is not None:  # a backlog application's work was drawn when it joined the queue
            app.review_days = self._review_days[app.stock.index, app.kind]()
        app.pace = self._pace(app)
        self._in_review[app] = None
        self._end_review(app, app.review_days * app.pace)

    def repace(self) -> None:
        """The treatments or the tension changed: every review under way goes on at its new pace, the work left
        rescaled, so that an order to expedite (or to slow down) reaches the files already under review; the files
        whose hold is lifted return to their queues, behind those waiting there, in the order they were held."""
        for pool in self.pools.values():  # a hold begun: the files it concerns leave their queue, in its order
            for app in pool.queue.take_all(lambda app: not app.withdrawn and self._held_now(app)):
                self._held[app] = None
        released = [app for app in self._held if not self._held_now(app)]
        for app in released:
            del self._held[app]
            app.pool.queue.add(app)
        for pool in dict.fromkeys(app.pool for app in released):
            self._start_waiting(pool)
        now = self.env.now
        for app in self._in_review:
            pace = self._pace(app)
            if pace != app.pace:
                working = self._working_days[app.kind]
                left = self._clock.work_between(now, app.review_ends) if working else app.review_ends - now
                if left > DONE_WORK:  # else its work is done and it ends now, as its end was set
                    self._end_review(app, left * pace / app.pace)
                app.pace = pace

    def _pace(self, app: Application) -> float:
        """What a review's work is multiplied by now: the latest treatment concerning it, and the tension."""
        scale = 1.0 if app.firm is None else self.regime.review_scale(app.firm, app.material, app.kind,
                                                                      app.priority == GREEN)
        return scale * (1 + self._tension.review_sensitivity * self.regime.tension)

    def _end_review(self, app: Application, work: float) -> None:
        """Set the end of a review with ``work`` left (in its kind's units, its pace included)."""
        days = self._clock.calendar_days(self.env.now, work) if self._working_days[app.kind] else work
        app.review_ends = self.env.now + days
        app.review_epoch += 1
        self.env.timeout(days, (app, app.review_epoch)).callbacks.append(self._finish)

    def _finish(self, event: simpy.Event) -> None:
        app, epoch = event.value
        if app.withdrawn or epoch != app.review_epoch:  # withdrawn (its reviewer freed then), or its end moved
            return
        del self._in_review[app]
        app.pool.busy -= 1
        if app.firm is None:  # a backlog application: it only took a reviewer's time
            self._start_waiting(app.pool)
            return
        if not self._veu_refuses(app):
            tension_factor = max(0.0, 1 - self._tension.approval_sensitivity * self.regime.tension)
            chance = self.regime.approval(app.firm, app.material, app.kind, app.priority == GREEN)
            approved = self._approval[app.stock.index, app.kind]() < chance * tension_factor
            self._decide(app, approved, "" if approved else "discretionary")
        # A dated event due this very instant acts before the applicant hears of the decision.
        at_once = self.env.peek() > self.env.now
        if not at_once:
            self._notify_soon(app)
        self._start_waiting(app.pool)
        if at_once:
            self._notify(app)

    def _held_now(self, app: Application) -> bool:
        """Whether a treatment holds the application back from review now (never a backlog's)."""
        return app.firm is not None and self.regime.held(app.firm, app.material, app.kind, app.priority == GREEN)

    def _start_waiting(self, pool: ReviewPool) -> None:
        while pool.queue and pool.busy < pool.reviewers:
            self._account_queue()
            app = pool.queue.take()
            if app.withdrawn:
                pool.withdrawn_waiting -= 1
            else:
                self._waiting -= 1
                self._start(app)

    def _decide(self, app: Application, approved: bool, reason: str) -> None:
        app.t_decided = self.env.now
        app.approved = approved
        app.reason = reason

    @staticmethod
    def _notify(app: Application) -> None:
        waiters, app.waiters = app.waiters, []
        for waiter in waiters:
            waiter(app)

    def _notify_soon(self, app: Application) -> None:
        """Notify once what is being done now is done (filing or withdrawing happens amid other work)."""
        self.env.timeout(0).callbacks.append(lambda _event: self._notify(app))

    def _account_queue(self) -> None:
        now = self.env.now
        if now > self._area_since:
            self.queue_area += self._waiting * (now - self._area_since)
            self._area_since = now


class WorkingClock:
    """Working time on the authority's calendar: weekdays, less public holidays, plus the weekend days declared
    working days (China moves days to bridge its holidays).

    ``working[d]`` says whether day ``d`` (days since the start) is a working day; past the end of the array,
    Monday to Friday are. Work started on a day off starts with the next working day, and work that ends with a
    working day ends at its midnight.
    """

    __slots__ = ("working", "done_by", "first_weekday")

    def __init__(self, working: Sequence[bool], first_weekday: int) -> None:
        self.working = working  # sequences and bisect, not numpy: a review is a few scalar lookups
        self.done_by = [0.0, *itertools.accumulate(float(w) for w in working)]
        """Working days done by the start of each day."""
        self.first_weekday = first_weekday

    def calendar_days(self, now: float, working_days: float) -> float:
        """Calendar days from ``now`` needed to put in ``working_days`` of work."""
        start = self._next_working(now)
        target = self._done(start) + max(working_days, 0.0)
        return max(self._reached(target), start) - now  # never before it starts (work below float resolution)

    def _next_working(self, t: float) -> float:
        """``t`` if it falls in a working day, else the start of the next working day."""
        day = int(t)
        if day >= len(self.working):
            while (day + self.first_weekday) % 7 >= 5:
                day += 1
            return max(t, float(day))
        if self.working[day]:
            return t
        following = bisect.bisect_left(self.done_by, self.done_by[day] + 0.5) - 1
        return float(following) if following < len(self.working) else self._next_working(float(len(self.working)))

    def work_between(self, start: float, end: float) -> float:
        """Working days done from ``start`` to ``end``."""
        return self._done(end) - self._done(start)

    def _done(self, t: float) -> float:
        """Working days done from day 0 to time ``t``."""
        day = int(t)
        if day >= len(self.working):
            return self.done_by[-1] + self._weekdays(len(self.working), t)
        return self.done_by[day] + (t - day) * self.working[day]

    def _reached(self, target: float) -> float:
        """The first moment by which ``target`` working days are done."""
        if target > self.done_by[-1]:
            return self._weekday_reached(len(self.working), target - self.done_by[-1])
        day = bisect.bisect_left(self.done_by, target)  # done_by[day] >= target
        if day == 0:
            return 0.0
        return day - (self.done_by[day] - target)  # within day - 1, a working day

    def _weekdays(self, start: int, t: float) -> float:
        """Working days (Monday to Friday) from day ``start`` to time ``t``."""
        whole, part = divmod(t - start, 1.0)
        weekday = [(day + self.first_weekday) % 7 < 5 for day in range(start, start + int(whole) + 1)]
        return float(sum(weekday[:-1]) + part * weekday[-1])

    def _weekday_reached(self, start: int, work: float) -> float:
        """The first moment after day ``start`` by which ``work`` weekdays of work are done."""
        day = start
        while True:
            if (day + self.first_weekday) % 7 < 5:
                if work <= 1.0:
                    return day + work
                work -= 1.0
            day += 1


@functools.cache
def working_days(start: dt.date, days: int, country: str | None) -> tuple[bool, ...]:
    """Whether each day from ``start`` is a working day in ``country`` (by the ``holidays`` package: its public
    holidays off, its declared weekend working days on); weekdays only without a country."""
    dates = [start + dt.timedelta(days=d) for d in range(days)]
    if country is None:
        return tuple(date.weekday() < 5 for date in dates)
    calendar = holidays.country_holidays(country, years=range(start.year, dates[-1].year + 1))
    return tuple(calendar.is_working_day(date) for date in dates)
