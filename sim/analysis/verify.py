"""Verification: the model against closed forms, on the textbook cases of ``scenarios/verification/``.

Each case is a scenario file whose name says its family (``mmc_``, ``priority_``, ``inventory_``,
``semantics_``, ``veu_``). Replications are measured, then each quantity is compared with its
theory: statistically (the theory must lie inside a confidence interval of the mean over the
replications, so the tolerance comes from the estimate's own precision) or exactly. The
statistical checks of a run are judged together: each at 1 - 0.01/m for m checks (Bonferroni), so
that a correct model fails any of them with a probability of at most 1 % (``FAMILY_CONFIDENCE``),
however many cases are run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import holidays
import numpy as np
import pandas as pd
from scipy import stats

from sim.model.records import DELIVERED, KIND_CODE, REASON_CODE, Records
from sim.model.world import simulate
from sim.runs.execute import parallel_map
from sim.runs.streams import streams
from sim.runs.summarise import mean_interval
from sim.scenario.load import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.sections import LICENCE_KINDS

FAMILY_CONFIDENCE = 0.99
"""The chance that a correct model passes every statistical check of a run."""
QUICK_REPLICATIONS = 8
COLUMNS = ("family", "case", "quantity", "theory", "simulated", "ci_low", "ci_high", "relative_error", "tolerance",
           "passed", "replications")


class CaseError(ValueError):
    """Verification cases that do not exist or have no theory."""


@dataclass(frozen=True)
class Case:
    """One verification scenario and the family that knows its theory."""

    path: Path
    scenario: Scenario

    @property
    def family(self) -> str:
        return self.path.stem.split("_", 1)[0]


def cases(folder: Path, names: Sequence[str] = ()) -> list[Case]:
    """The verification cases in ``folder`` (all, or those named), refusing unknown names and families."""
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        raise CaseError(f"no verification cases in {folder} (no .yaml files): run from the project's folder, or "
                        "give --folder")
    known = {p.stem: p for p in paths}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CaseError(f"unknown verification case(s) {', '.join(unknown)}; known: {', '.join(known)}")
    chosen = [known[n] for n in names] if names else paths
    found = [Case(p, load_scenario(p)) for p in chosen]
    for case in found:
        if case.family not in FAMILIES:
            raise CaseError(f"{case.path}: no verification family {case.family!r}; known: {', '.join(FAMILIES)}")
    return found


def verify(selected: Sequence[Case], quick: bool = False, workers: int | None = None) -> pd.DataFrame:
    """Run every case and compare with theory; one row per (case, quantity)."""
    tasks = [(i, rep) for i, case in enumerate(selected) for rep in range(_replications(case, quick))]
    measured = parallel_map(_measure, [(selected[i].scenario, selected[i].family, rep) for i, rep in tasks], workers)
    per_case: dict[int, list[dict[str, float]]] = {}
    for (i, _rep), values in zip(tasks, measured, strict=True):
        per_case.setdefault(i, []).append(values)
    rows = []
    for i, case in enumerate(selected):
        judge = FAMILIES[case.family][1]
        rows += [{"family": case.family, "case": case.path.stem, "replications": len(per_case[i]), **row}
                 for row in judge(case.scenario, pd.DataFrame(per_case[i]))]
    return pd.DataFrame(judged_together(rows), columns=list(COLUMNS))


def _replications(case: Case, quick: bool) -> int:
    n = case.scenario.monte_carlo.replications
    return min(n, QUICK_REPLICATIONS) if quick else n


def _measure(task: tuple[Scenario, str, int]) -> dict[str, float]:
    scenario, family, rep = task
    return FAMILIES[family][0](scenario, simulate(scenario, streams(scenario.monte_carlo.seed, rep)))


# --- statistics ---------------------------------------------------------------------------------


Interval = Callable[[float], tuple[float, float]]
"""A statistical check's interval at a confidence level: what ``judged_together`` sets its bounds from."""


def statistical(quantity: str, theory: float, sample: np.ndarray) -> dict[str, object]:
    """Theory against the mean of per-replication values: passing if inside the Student-t interval of the mean, at
    the level ``judged_together`` sets."""
    mean = float(np.mean(sample))
    return {"quantity": quantity, "theory": theory, "simulated": mean, "relative_error": _relative(mean, theory),
            "interval": lambda level: mean_interval(sample, level)[1:], "tested": theory}


def binomial(quantity: str, rate: float, trials: int, successes: int) -> dict[str, object]:
    """A share of successes against its rate: passing if inside the binomial interval of ``trials`` at that rate, at
    the level ``judged_together`` sets."""
    share = successes / trials

    def interval(level: float) -> tuple[float, float]:
        low, high = stats.binom.interval(level, trials, rate)
        return low / trials, high / trials

    return {"quantity": quantity, "theory": rate, "simulated": share, "relative_error": _relative(share, rate),
            "interval": interval, "tested": share, "trials": trials}


def judged_together(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Judge the statistical checks among ``rows`` (those with an ``interval``) together: each at
    1 - (1 - FAMILY_CONFIDENCE) / m for m checks (Bonferroni), so that a correct model passes them all with a
    probability of at least ``FAMILY_CONFIDENCE``. Each row gets its interval, its verdict and what it tolerated."""
    checks = sum("interval" in row for row in rows)
    level = 1 - (1 - FAMILY_CONFIDENCE) / max(checks, 1)
    judged = []
    for row in rows:
        row = dict(row)
        interval = row.pop("interval", None)
        if interval is not None:
            tested, trials = row.pop("tested"), row.pop("trials", None)
            low, high = interval(level)
            what = f"the binomial interval of the rate (n={trials})" if trials else "the t interval of the mean"
            row |= {"ci_low": low, "ci_high": high, "passed": bool(low <= tested <= high),
                    "tolerance": f"{'share' if trials else 'theory'} inside {what} at {level:.4%} "
                                 f"({FAMILY_CONFIDENCE:.0%} for the {checks} statistical checks together)"}
        judged.append(row)
    return judged


def exact(quantity: str, theory: float, observed: float) -> dict[str, object]:
    """An identity that must hold to floating-point precision."""
    passed = math.isclose(observed, theory, rel_tol=1e-9, abs_tol=1e-9)
    return {"quantity": quantity, "theory": theory, "simulated": observed, "ci_low": observed, "ci_high": observed,
            "relative_error": _relative(observed, theory), "tolerance": "exact", "passed": passed}


def _relative(value: float, theory: float) -> float:
    return (value - theory) / theory if theory else value - theory


def erlang_c(servers: int, offered: float) -> float:
    """Probability that an arrival waits in an M/M/c queue with ``offered`` erlangs (Erlang C)."""
    top = offered**servers / math.factorial(servers) * servers / (servers - offered)
    return top / (sum(offered**k / math.factorial(k) for k in range(servers)) + top)


def cobham_waits(servers: int, rates: Sequence[float], service_mean: float) -> list[float]:
    """Mean wait of each class (highest priority first) in a non-preemptive priority M/M/c queue.

    With equal exponential service for all classes, W_k = C(c, a) / (c mu (1 - s_{k-1})(1 - s_k)),
    where a is the total offered load and s_k the utilisation of classes 1..k (Cobham, 1954).
    """
    mu = 1 / service_mean
    offered = sum(rates) * service_mean
    wait_any = erlang_c(servers, offered) / (servers * mu)
    cumulative = np.cumsum([0.0, *[r / (servers * mu) for r in rates]])
    return [wait_any / ((1 - cumulative[k]) * (1 - cumulative[k + 1])) for k in range(len(rates))]


# --- families -----------------------------------------------------------------------------------


def _arrival_rate(scenario: Scenario, group: str) -> float:
    buyers = scenario.buyers[group]
    return buyers.count / buyers.inventory.interval_days.expected_value()


def _waits(records: Records, priority: int | None = None) -> np.ndarray:
    apps = records.applications
    counted = (apps["t_applied"] >= records.warmup_days) & ~np.isnan(apps["t_started"])
    if priority is not None:
        counted &= apps["priority"] == priority
    return (apps["t_started"] - apps["t_applied"])[counted]


def _mmc_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    waits = _waits(records)
    apps, start, end = records.applications, records.warmup_days, records.horizon_days
    # Little's law over the measured window: every application's wait clipped to [warm-up, horizon]
    # (those still waiting at the horizon included), summed, over the window's length.
    began = np.where(np.isnan(apps["t_started"]), end, apps["t_started"])
    clipped = np.clip(np.minimum(began, end) - np.maximum(apps["t_applied"], start), 0, None)
    return {"wait": waits.mean(), "waited": (waits > 0).mean(), "queue_length": records.queue_length_mean,
            "arrival_rate_times_wait": clipped.sum() / (end - start)}


def _mmc_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    servers = scenario.authority.reviewers
    service = scenario.licence_types.per_shipment.review_days.expected_value()
    rate = _arrival_rate(scenario, "firm")
    p_wait = erlang_c(servers, rate * service)
    wait = p_wait * service / (servers - rate * service)
    return [statistical("mean wait for a reviewer (days)", wait, sample["wait"]),
            statistical("probability of waiting", p_wait, sample["waited"]),
            exact("Little: time-average number waiting (L)", float(sample["arrival_rate_times_wait"].mean()),
                  float(sample["queue_length"].mean()))]


def _priority_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    return {"green": _waits(records, 0).mean(), "standard": _waits(records, 1).mean()}


def _priority_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    service = scenario.licence_types.per_shipment.review_days.expected_value()
    rates = [_arrival_rate(scenario, "green"), _arrival_rate(scenario, "standard")]
    green, standard = cobham_waits(scenario.authority.reviewers, rates, service)
    return [statistical("green channel mean wait (days)", green, sample["green"]),
            statistical("standard mean wait (days)", standard, sample["standard"])]


def _inventory_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    counted = records.interval_start_days >= records.warmup_days
    demand = records.stock_demand_kg[:, counted].sum()
    shortfall = records.stock_unmet_kg[:, counted].sum()
    return {"shortfall": float(records.stock_unmet_kg.sum()), "fraction": float(shortfall / demand)}


def _inventory_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    lead = scenario.supply.transit_days
    if lead.dist != "exponential":  # a fixed lead time under the reorder cover: no shortfall, ever
        return [exact("shortfall, kg (all replications)", 0.0, float(sample["shortfall"].sum()))]
    return [statistical("shortfall fraction (renewal-reward)", lost_sales_shortfall(scenario), sample["fraction"])]


def lost_sales_shortfall(scenario: Scenario) -> float:
    """Shortfall fraction of continuous-review (s, S) with lost sales, constant demand, exponential lead time.

    A cycle runs from one order to the next; with Q = S - s >= s only one order is outstanding.
    With tau = s / d the cover at the reorder point and L ~ Exp(mean m): demand lost in a cycle is
    d (L - tau)+, the cycle lasts Q / d + (L - tau)+, so the shortfall fraction is
    E(L - tau)+ / (Q / d + E(L - tau)+) = m exp(-tau/m) / (Q/d + m exp(-tau/m)).
    """
    group = next(iter(scenario.buyers.values()))
    policy, mean = group.inventory, scenario.supply.transit_days.expected_value()
    if policy.order_up_to_days - policy.reorder_point_days < policy.reorder_point_days:
        raise ValueError("the closed form needs Q >= s (one order outstanding at a time)")
    lost = mean * math.exp(-policy.reorder_point_days / mean)
    return lost / (policy.order_up_to_days - policy.reorder_point_days + lost)


def _stages(records: Records) -> dict[str, np.ndarray]:
    """Each delivered need's delay and its parts: time lost to failed attempts, licence wait, vetting,
    production, transit."""
    o = records.needs
    d = o["status"] == DELIVERED

    def span(start: str, end: str) -> np.ndarray:
        return (o[end] - o[start])[d]

    return {"delay": span("t_ordered", "t_delivered"), "lost": span("t_ordered", "t_attempt"),
            "wait": span("t_attempt", "t_licensed"),
            "vetting": span("t_licensed", "t_vetted"), "production": span("t_vetted", "t_exported"),
            "transit": span("t_exported", "t_delivered"), "licence": o["licence"][d], "attempts": o["attempts"][d]}


def _semantics_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    kinds = scenario.licence_types
    supply = scenario.supply
    production, transit = supply.production_days.expected_value(), supply.transit_days.expected_value()
    s = _stages(records)
    wait, delay = s["wait"], s["delay"]
    per_shipment = s["licence"] == KIND_CODE["per_shipment"]
    six_month = s["licence"] == KIND_CODE["six_month"]
    general = s["licence"] == KIND_CODE["general"]
    stages = production + transit
    six_month_firms = scenario.buyers["trusted"].count
    return {
        "per_shipment_error": float(np.abs(delay[per_shipment] - kinds.per_shipment.review_days.expected_value()
                                           - stages).max(initial=0)),
        "six_month_waits": float((wait[six_month] > 0).sum() - six_month_firms),
        "six_month_error": float(np.abs(np.where(wait[six_month] > 0, wait[six_month] - kinds.six_month.review_days
                                                 .expected_value(), 0)).max(initial=0)),
        "general_vetting_error": float(np.abs(s["vetting"][general] - kinds.general.vetting_days.expected_value())
                                       .max(initial=0)),
        "stages_error": float(np.abs(delay - s["lost"] - wait - s["vetting"] - s["production"] - s["transit"])
                              .max(initial=0)),
        "kinds_seen": float(len(set(s["licence"].tolist()) - {-1})),
    }


def _semantics_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [
        exact("per-shipment delay - (review + production + transit), max |days|", 0.0,
              sample["per_shipment_error"].max()),
        exact("six-month orders that waited for a licence, beyond each firm's first", 0.0,
              sample["six_month_waits"].abs().max()),
        exact("six-month first wait - review time, max |days|", 0.0, sample["six_month_error"].max()),
        exact("general-licence vetting - configured vetting, max |days|", 0.0, sample["general_vetting_error"].max()),
        exact("delay - (lost + licence wait + vetting + production + transit), max |days|", 0.0,
              sample["stages_error"].max()),
        exact("licence kinds delivered under", float(len(LICENCE_KINDS)), sample["kinds_seen"].min()),
    ]


def _retry_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    review = scenario.licence_types.per_shipment.review_days.expected_value()
    retry = next(iter(scenario.buyers.values())).retry_days
    once = review + scenario.supply.production_days.expected_value() + scenario.supply.transit_days.expected_value()
    s = _stages(records)
    failed = s["attempts"] - 1
    return {"error": float(np.abs(s["delay"] - failed * (review + retry) - once).max(initial=0)),
            "most_failures": float(failed.max(initial=0))}


def _retry_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [exact("delay - (k (review + retry) + review + production + transit), max |days|", 0.0,
                  sample["error"].max()),
            exact("needs refused at least twice before delivery (some, so that k > 1 is tested)", 1.0,
                  float(sample["most_failures"].max() >= 2))]


def _thaw_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    thaw = scenario.calendar.day(next(iter(scenario.policy.values())).date)
    o, a = records.needs, records.applications
    review = scenario.licence_types.per_shipment.review_days.expected_value()
    waiting = (o["t_attempt"] < thaw) & (o["t_attempt"] + review > thaw)  # still under review on the day
    released = waiting & (o["t_licensed"] == thaw) & (o["licence"] == -1)
    withdrawn = ((a["reason"] == REASON_CODE["withdrawn"]) & (a["t_decided"] == thaw)
                 & (a["licence"] == KIND_CODE["per_shipment"]))
    return {"waiting": float(waiting.sum()), "released": float(released.sum()), "withdrawn": float(withdrawn.sum())}


def _thaw_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    waiting = float(sample["waiting"].sum())
    return [exact("needs waiting for a licence on the day controls are lifted, released that day without one",
                  waiting, float(sample["released"].sum())),
            exact("their applications, withdrawn that day", waiting, float(sample["withdrawn"].sum())),
            exact("needs waiting on the day (some, so that the release is tested)", 1.0, float(waiting > 0))]


def _veu_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    veu_day = scenario.calendar.day(scenario.veu.date)
    military = np.array([g.military for g in scenario.buyers.values()])[records.firm_group]
    o = records.needs
    firm = records.stock_firm[o["stock"]]
    after = (o["t_exported"] >= veu_day) & military[firm]
    failures = records.failures
    veu = failures["reason"] == REASON_CODE["veu"]
    stock = o["stock"][failures["need"]]
    first_listed = np.full(len(records.stock_firm), np.inf)
    np.minimum.at(first_listed, stock[veu], failures["t_failed"][veu])
    after_listed = (o["t_attempt"] > first_listed[o["stock"]]).sum() + (
        failures["t_attempt"] > first_listed[stock]).sum()
    return {"civilian_flagged": float(records.firm_flagged[~military].sum()), "civilian": float((~military).sum()),
            "military_exports_after": float(after.sum()), "attempts_after_listed": float(after_listed),
            "listed_stocks": float(np.isfinite(first_listed).sum())}


def _veu_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    rate = scenario.veu.false_positive_rate
    return [
        binomial("share of civilian firms flagged (false positives)", rate, int(sample["civilian"].sum()),
                 int(sample["civilian_flagged"].sum())),
        exact("exports to military firms after the VEU date", 0.0, sample["military_exports_after"].sum()),
        exact("attempts by a firm after it was refused under the rule (it knows it is listed)", 0.0,
              sample["attempts_after_listed"].sum()),
        exact("firm-material stocks refused under the rule (some, so that the listing is tested)", 1.0,
              float(sample["listed_stocks"].sum() > 0)),
    ]


def _holiday_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Each reviewed application: whether its decision came at the midnight ending the n-th working day of the
    authority's calendar after it started (n the review time), counted with the holidays package itself."""
    a = records.applications
    start, work = scenario.calendar.start, scenario.licence_types.per_shipment.review_days.expected_value()
    calendar = holidays.country_holidays(scenario.authority.calendar, years=range(start.year, start.year + 2))
    reviewed = ~np.isnan(a["t_decided"]) & ~np.isnan(a["t_started"])
    wrong, over_days_off = 0, 0
    for began, decided in zip(a["t_started"][reviewed], a["t_decided"][reviewed], strict=True):
        first, end = start + dt.timedelta(days=int(began)), start + dt.timedelta(days=int(decided))
        counted = calendar.get_working_days_count(first, end - dt.timedelta(days=1))
        wrong += int(decided != int(decided) or began != int(began) or counted != work)
        over_days_off += int(any(not calendar.is_working_day(first + dt.timedelta(days=d))
                                 for d in range((end - first).days)))
    return {"wrong": float(wrong), "over_days_off": float(over_days_off)}


def _holiday_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [exact("reviews whose decision is not the midnight ending their n-th working day", 0.0,
                  sample["wrong"].sum()),
            exact("reviews that spanned a holiday or weekend (some, so that the calendar is tested)", 1.0,
                  float(sample["over_days_off"].sum() > 0))]


def _treatment_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Each application's review time and decision against what the case's treatments say it must be: a US civilian
    review under way when the expediting order comes goes on at the new pace for the work it has left."""
    a = records.applications
    groups = list(scenario.buyers)
    group = np.array(groups)[records.firm_group[a["firm"]]]
    material = np.array(records.materials)[a["material"]]
    expedited = scenario.calendar.day(scenario.policy["us_expedited"].date)
    review = scenario.licence_types.per_shipment.review_days.expected_value()
    done_before = np.clip(expedited - a["t_started"], 0.0, review)  # work done at the old pace (scale 1)
    duration = np.where(group == "eu_green", 0.5 * review, np.where(
        group == "us_civil", done_before + 0.25 * (review - done_before), review))
    granted = (group != "us_military") & (material != "Sm")
    decided = ~np.isnan(a["t_decided"])
    straddled = decided & (group == "us_civil") & (a["t_started"] < expedited) & (a["t_decided"] > expedited)
    return {"review_error": float(np.abs((a["t_decided"] - a["t_started"] - duration)[decided]).max(initial=0)),
            "straddled": float(straddled.sum()),
            "wrong_decisions": float((a["approved"] != granted)[decided].sum()),
            "groups_seen": float(len(set(group[decided])))}


def _treatment_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [exact("review time - 10 days x the treatment's scale (the work left at the new pace), max |days|", 0.0,
                  sample["review_error"].max()),
            exact("US civilian reviews under way when the expediting order came (some, so that it is tested)", 1.0,
                  float(sample["straddled"].min() > 0)),
            exact("decisions other than the treatments say (military and samarium refused)", 0.0,
                  sample["wrong_decisions"].sum()),
            exact("buyer groups with decided applications", 3.0, sample["groups_seen"].min())]


def _record_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """General applications against the track record each firm had when it filed: approved per-shipment
    licences of the same material within the window."""
    a = records.applications
    general, per_shipment = a["licence"] == KIND_CODE["general"], a["licence"] == KIND_CODE["per_shipment"]
    spec, materials = scenario.licence_types.general, np.array(records.materials)
    unqualified = 0
    for firm, material, applied in zip(a["firm"][general], a["material"][general], a["t_applied"][general],
                                       strict=True):
        approvals = a["t_decided"][per_shipment & a["approved"] & (a["firm"] == firm) & (a["material"] == material)]
        unqualified += int(((approvals >= applied - spec.track_record_days) & (approvals <= applied)).sum()
                           < spec.track_record)
    dy, ga = materials[a["material"]] == "Dy", materials[a["material"]] == "Ga"
    return {"unqualified": float(unqualified), "first_general_dy": float(a["t_applied"][general & dy].min()),
            "general_ga": float((general & ga).sum()), "approvals_ga": float((per_shipment & ga & a["approved"]).sum())}


def _record_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    spec, review = scenario.licence_types.general, scenario.licence_types.per_shipment.review_days.expected_value()
    interval = scenario.buyers["firm"].demand["Dy"].inventory.interval_days.expected_value()
    third_approval = spec.track_record * interval + review  # orders from day `interval`, one review each
    return [exact("general applications filed without the track record in the window", 0.0,
                  sample["unqualified"].sum()),
            exact("day of Dy's first general application: the order after its third approval",
                  math.floor(third_approval / interval + 1) * interval, sample["first_general_dy"].max()),
            exact("general applications for Ga (never three approvals within the window)", 0.0,
                  sample["general_ga"].sum()),
            exact("Ga approvals that a record without a window would count (at least the track record)", 1.0,
                  float(sample["approvals_ga"].min() >= spec.track_record))]


def _renewal_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Each order against the six-month licences in force when its attempt began (a renewal starts when the
    licence it renews ends, or when it is granted, if later)."""
    a, o = records.applications, records.needs
    validity = scenario.licence_types.six_month.validity_days
    review = scenario.licence_types.per_shipment.review_days.expected_value()
    granted = np.sort(a["t_decided"][(a["licence"] == KIND_CODE["six_month"]) & a["approved"]])
    spans, end = [], -math.inf
    for decided in granted:
        start = max(decided, end)
        spans.append((start, start + validity))
        end = start + validity
    covered = np.array([any(s <= t < e for s, e in spans) for t in o["t_attempt"]])
    wait = o["t_licensed"] - o["t_attempt"]
    gaps = ~covered & (o["t_attempt"] >= spans[0][1]) if spans else np.zeros(len(wait), bool)
    return {"covered_not_used": float((covered & ((o["licence"] != KIND_CODE["six_month"]) | (wait != 0))).sum()),
            "gap_not_per_shipment": float((~covered & ((o["licence"] != KIND_CODE["per_shipment"])
                                                       | (wait != review))).sum()),
            "gap_orders": float(gaps.sum())}


def _renewal_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [exact("orders placed under a six-month licence in force that did not use it at once", 0.0,
                  sample["covered_not_used"].sum()),
            exact("orders placed with no licence in force not shipped under a per-shipment licence after one review",
                  0.0, sample["gap_not_per_shipment"].sum()),
            exact("orders placed between an expiry and its renewal (some, so that the fall-back is tested)", 1.0,
                  float(sample["gap_orders"].sum() > 0))]


def _output_kg(scenario: Scenario, capacity_kg_per_month: float, day: float) -> float:
    """Kilograms a line of this capacity (every calendar month's) makes from day 0 to ``day``: the theory of
    ``sim.model.exporters``, worked out month by month from the calendar."""
    start, made, month = scenario.calendar.start, 0.0, dt.date(scenario.calendar.start.year,
                                                                scenario.calendar.start.month, 1)
    while (month - start).days < day:
        following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
        first, last = max((month - start).days, 0), min((following - start).days, day)
        made += capacity_kg_per_month * (last - first) / (following - month).days
        month = following
    return made


def _capacity_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Orders booked on the day controls are lifted against a D/D/1 queue at the line's rate; exports by month."""
    thaw = scenario.calendar.day(next(iter(scenario.policy.values())).date)
    capacity = next(iter(scenario.exporters.values())).capacity_kg_per_month
    p, o = records.production, records.needs
    burst = p["t_booked"] == thaw
    made_by = _output_kg(scenario, capacity, thaw) + np.cumsum(p["quantity_kg"][burst])  # in booking order
    late = [abs(_output_kg(scenario, capacity, t) - kg) > 1e-6 for t, kg in zip(p["t_made"][burst], made_by,
                                                                              strict=True)]
    exported = ~np.isnan(o["t_exported"])
    dates = [scenario.calendar.start + dt.timedelta(days=float(t)) for t in o["t_exported"][exported]]
    by_month = pd.Series(o["quantity_kg"][exported]).groupby([f"{d:%Y-%m}" for d in dates]).sum()
    largest = o["quantity_kg"].max()  # an order leaves once made: its month may get all of one begun the month before
    return {"off_schedule": float(sum(late)), "months_over": float((by_month > capacity + largest + 1e-9).sum()),
            "burst_months": float(p["quantity_kg"][burst].sum() / capacity),
            "idle_before": float(((p["t_booked"] < thaw) & (p["t_made"] > thaw)).sum())}


def _capacity_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    return [exact("orders booked the day controls are lifted not made when the line has made them and those booked "
                  "before them, at its capacity from that day (D/D/1)", 0.0, sample["off_schedule"].sum()),
            exact("months whose exports exceed the exporter's capacity by more than an order (one begun the month "
                  "before leaves when made)", 0.0, sample["months_over"].sum()),
            exact("orders on the line when the burst is booked (none: it starts idle)", 0.0,
                  sample["idle_before"].sum()),
            exact("bursts of more than a month's capacity (every replication's, so that the queue is tested)", 1.0,
                  float((sample["burst_months"] > 1).all()))]


def _grant_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Each need against the exporter-held licences: which customers they name, when, and the revocation."""
    granted, revoked = (scenario.calendar.day(scenario.policy[n].date) for n in ("grant_x", "revoke_x"))
    expires = granted + (scenario.policy["grant_y"].validity_days or scenario.licence_types.general.validity_days)
    o, f = records.needs, records.failures
    group = np.array(records.groups)[records.firm_group[records.stock_firm[o["stock"]]]]
    general = o["licence"] == KIND_CODE["general"]
    at_once = general & (o["t_licensed"] == np.maximum(o["t_attempt"], granted))
    attempt = o["t_attempt"]
    review = scenario.licence_types.per_shipment.review_days.expected_value()
    waiting = (attempt < granted) & (attempt + review > granted)  # still under review on the day of the grant
    revoked_group = group[f["need"][(f["reason"] == REASON_CODE["revoked"]) & f["at_export"]]]
    named = (group == "a") & (attempt < revoked) & ((attempt >= granted) | waiting)
    return {"named_missed": float((named & ~at_once).sum()), "named": float(named.sum()),
            "unnamed_served": float((general & (group == "b")).sum()),
            "other_missed": float(((group == "c") & ((attempt >= granted) | waiting) & (attempt < expires)
                                   & ~at_once).sum()),
            "after_revocation": float((general & (group == "a") & (attempt >= revoked)).sum()),
            "revoked_a": float((revoked_group == "a").sum()), "revoked_others": float((revoked_group != "a").sum())}


def _grant_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    total = sample.sum()
    return [exact("needs of x's named customers, attempted or waiting once it was granted, not shipped under it at "
                  "once", 0.0, total["named_missed"]),
            exact("needs of x's customers it does not name shipped under it", 0.0, total["unnamed_served"]),
            exact("needs of y's customers, attempted or waiting once its licence was granted, not shipped under it at "
                  "once (x's revocation does not reach it)", 0.0, total["other_missed"]),
            exact("needs of x's named customers attempted after the revocation shipped under it", 0.0,
                  total["after_revocation"]),
            exact("shipments stopped at export by the revocation that were not under x's licence", 0.0,
                  total["revoked_others"]),
            exact("shipments under x's licence stopped at export (some, so that the revocation is tested)", 1.0,
                  float(total["revoked_a"] > 0)),
            exact("needs of x's named customers served by the licence (some)", 1.0, float(total["named"] > 0))]


def _partial_measure(scenario: Scenario, records: Records) -> dict[str, float]:
    """Each remainder refused after a partial grant against the need licensed at the same attempt."""
    share = scenario.licence_types.per_shipment.granted_share.expected_value()
    o, f = records.needs, records.failures
    licensed = np.flatnonzero(o["licence"] == KIND_CODE["per_shipment"])
    granted = {(o["stock"][n], o["t_ordered"][n], o["t_attempt"][n]): o["quantity_kg"][n] for n in licensed}
    rest = f["reason"] == REASON_CODE["partial"]
    parts = f["need"][rest]
    keys = zip(o["stock"][parts], o["t_ordered"][parts], f["t_attempt"][rest], strict=True)
    asked = [granted.get(key, math.nan) + kg for key, kg in zip(keys, f["quantity_kg"][rest], strict=True)]
    off = np.abs(np.asarray(asked) * (1 - share) - f["quantity_kg"][rest]) > 1e-9 * np.asarray(asked)
    return {"remainders": float(rest.sum()), "off_share": float(np.sum(off | np.isnan(asked))),
            "licensed": float(len(licensed)), "unpaired": float(len(licensed) - len(set(granted)))}


def _partial_judge(scenario: Scenario, sample: pd.DataFrame) -> list[dict[str, object]]:
    total = sample.sum()
    return [exact("remainders not the share refused of what was asked at their attempt (or with no need licensed "
                  "for the rest)", 0.0, total["off_share"]),
            exact("needs licensed per shipment that left no remainder", 0.0, total["licensed"] - total["remainders"]),
            exact("licensed needs sharing a first request and attempt", 0.0, total["unpaired"]),
            exact("remainders refused (some, so that the split is tested)", 1.0, float(total["remainders"] > 0))]


Measure = Callable[[Scenario, Records], dict[str, float]]
Judge = Callable[[Scenario, pd.DataFrame], list[dict[str, object]]]
FAMILIES: dict[str, tuple[Measure, Judge]] = {
    "mmc": (_mmc_measure, _mmc_judge),
    "priority": (_priority_measure, _priority_judge),
    "inventory": (_inventory_measure, _inventory_judge),
    "semantics": (_semantics_measure, _semantics_judge),
    "veu": (_veu_measure, _veu_judge),
    "retry": (_retry_measure, _retry_judge),
    "thaw": (_thaw_measure, _thaw_judge),
    "holiday": (_holiday_measure, _holiday_judge),
    "treatment": (_treatment_measure, _treatment_judge),
    "record": (_record_measure, _record_judge),
    "renewal": (_renewal_measure, _renewal_judge),
    "capacity": (_capacity_measure, _capacity_judge),
    "grant": (_grant_measure, _grant_judge),
    "partial": (_partial_measure, _partial_judge),
}
