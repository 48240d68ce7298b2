"""The 2025 replay: the model's counterpart of each published figure, fitted or held out, with its CI and gap.

Published figures come from a CSV (``data/observed_2025.csv``: quantity, period, value, unit, note,
source); nothing observed is written into code. Flows are compared as ratios between months, since
the model's buyers are a panel, not every importer: magnet exports in any month (or year) against
January 2025, those to the US against June 2025 (June itself against May). Approval shares are
compared as the share of applications filed since the April controls that were granted by the date.
A figure is *fitted* when the scenario's ``calibration`` section lists it, *held out* otherwise; the
replay scores the two sets apart.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.records import KIND_CODE, REASON_CODE, Records
from sim.model.world import simulate
from sim.runs.execute import parallel_map
from sim.runs.streams import streams
from sim.runs.summarise import mean_interval
from sim.scenario.events import ControlsEvent
from sim.scenario.schema import Scenario
from sim.scenario.sections import BuyerGroup

MAGNETS = "NdFeB"
CONTROLS_DATE = dt.date(2025, 4, 4)
REVIEWS_FROM, REVIEWS_UNTIL = dt.date(2025, 1, 1), dt.date(2025, 9, 30)
"""The per-shipment applications whose reviews are compared with the reports of September 2025: those filed in
2025 up to the reports' month."""
TOLERANCE = 0.25
"""A published figure is matched when the model's mean lies within this share of it (``within``)..."""
OBSERVED_COLUMNS = ("quantity", "period", "value", "unit", "note", "source")
EXPORTS = re.compile(r"magnet_exports_([a-z]+)")
"""Monthly (or yearly) magnet exports, in total or to one destination (its code in lower case)."""
BASE_MONTHS = {"total": "2025-01", "us": "2025-06"}
"""The month each export series is indexed on (January 2025 unless listed); the base month itself is
compared with the month before it where that is published (US June 2025: +660 % on May)."""

COMPARED, LIMIT, BASE, INPUT, NOT_COMPARABLE = "compared", "limit", "base of a ratio", "input", "not comparable"
"""What a published row is to the replay: a figure compared, a limit the model must stay under (...)."""
FITTED, HELD_OUT = "fitted", "held out"
"""Whether a compared figure was among those the scenario's parameters were fitted to."""


class ReplayError(ValueError):
    """Observed figures or a scenario the replay cannot use."""


@dataclass(frozen=True)
class Figure:
    """A published figure as the replay compares it: the value compared, and the model quantity beside it,
    the sum of ``numerator`` columns of the per-replication table over its ``denominator`` column (if any)."""

    quantity: str
    period: str
    role: str
    how: str
    observed: float = np.nan
    numerator: tuple[str, ...] = ()
    denominator: str | None = None
    dated: dt.date | None = None
    """The last day of model time the comparison looks at (figures are split by it: ``--fit-until``)."""
    since: dt.date | None = None
    """The first day of model time it looks at."""
    bounds: tuple[float, float] = (0.0, np.inf)
    """The range the model quantity can take (shares within [0, 1]; indices, days and counts not below 0)."""

    @property
    def label(self) -> str:
        return f"{self.quantity}:{self.period}"

    def sample(self, per_rep: pd.DataFrame) -> pd.Series:
        """The model quantity in each replication (NaN where undefined, e.g. a ratio to an empty month); all NaN
        if the run does not have it (a month outside the replayed period)."""
        missing = [c for c in (*self.numerator, self.denominator) if c is not None and c not in per_rep]
        if not self.numerator or missing:
            return pd.Series(np.nan, index=per_rep.index, name=self.label)
        value = per_rep[list(self.numerator)].sum(axis=1, min_count=len(self.numerator))
        if self.denominator is not None:
            base = per_rep[self.denominator]
            value = value / base.where(base > 0)
        return value.rename(self.label)


def read_observed(path: Path) -> pd.DataFrame:
    """The published figures, checked: known columns, and quantities the replay knows or lists as inputs."""
    try:
        table = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError) as exc:
        raise ReplayError(f"cannot read {path}: {exc}") from None
    missing = [c for c in OBSERVED_COLUMNS if c not in table.columns]
    if missing:
        raise ReplayError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(OBSERVED_COLUMNS)}")
    unknown = sorted(q for q in set(table["quantity"]) if _comparison(q) is None and q not in INPUTS)
    if unknown:
        raise ReplayError(f"{path}: unknown quantities {', '.join(unknown)}; known: magnet_exports_total, "
                          f"magnet_exports_<destination>, {', '.join(sorted(set(COMPARISONS) | set(INPUTS)))}")
    for row in table.itertuples():
        expected = "t" if EXPORTS.fullmatch(row.quantity) else UNITS.get(row.quantity)
        if expected is not None and row.unit != expected:
            raise ReplayError(f"{path}: {row.quantity} {row.period} is in {row.unit!r}; expected {expected!r}")
        if EXPORTS.fullmatch(row.quantity) and not re.fullmatch(r"\d{4}(-\d{2})?", str(row.period)):
            raise ReplayError(f"{path}: {row.quantity} {row.period!r}: an export figure's period is a month "
                              "YYYY-MM or a year YYYY")
    return table


def comparisons(observed: pd.DataFrame) -> list[Figure]:
    """Every published row as the replay compares it, in the file's order."""
    return [_comparison(row.quantity)(row, observed) if row.quantity not in INPUTS
            else Figure(row.quantity, row.period, INPUT, INPUTS[row.quantity]) for row in observed.itertuples()]


def compared(observed: pd.DataFrame, scenario: Scenario | None = None) -> list[Figure]:
    """The figures the model is compared with (not the inputs, bases or limits), of those a run of ``scenario``
    measures if given: what a calibration can fit."""
    return [f for f in comparisons(observed) if f.role == COMPARED and np.isfinite(f.observed)
            and (scenario is None or measured(f, scenario))]


def measured(figure: Figure, scenario: Scenario) -> bool:
    """Whether a run of the scenario measures what the figure is compared with: its days after the warm-up and
    before the horizon, and, for exports to a destination, buyers there."""
    calendar = scenario.calendar
    first = calendar.start + dt.timedelta(days=calendar.warmup_days)
    if figure.since is None or figure.since < first or figure.dated >= calendar.end:
        return False
    series = EXPORTS.fullmatch(figure.quantity)
    destinations = {g.destination.lower() for g in scenario.buyers.values()}
    return series is None or series.group(1) in {"total", *destinations}


def replay(scenario: Scenario, observed: pd.DataFrame, *, replications: int, seed: int,
           workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per published figure (observed and model counterparts, the model's 95 % CI, the gap, fitted or
    held out), and the per-replication model quantities behind them."""
    per_rep = measure(scenario, replications, seed=seed, workers=workers)
    return figures(observed, per_rep, fitted_figures(scenario)), per_rep


def fitted_figures(scenario: Scenario) -> set[str]:
    """The figures (``QUANTITY:PERIOD``) the scenario says its fitted parameters were set to reproduce."""
    return set(scenario.calibration.figures) if scenario.calibration else set()


def figures(observed: pd.DataFrame, per_rep: pd.DataFrame, fitted: Collection[str] = ()) -> pd.DataFrame:
    """The replay table: each published figure beside the model's counterpart in ``per_rep``; ``fitted`` names
    the figures fitted to (``QUANTITY:PERIOD``), every other compared figure is held out."""
    return pd.DataFrame([_row(figure, observed, per_rep, fitted) for figure in comparisons(observed)])


def _row(figure: Figure, observed: pd.DataFrame, per_rep: pd.DataFrame, fitted: Collection[str]) -> dict:
    published = observed[(observed["quantity"] == figure.quantity) & (observed["period"] == figure.period)].iloc[0]
    judged = figure.role in (COMPARED, LIMIT)
    out = {"quantity": figure.quantity, "period": figure.period, "published": published["value"],
           "unit": published["unit"], "compared_as": figure.how, "observed": figure.observed if judged else np.nan,
           "model": np.nan, "ci_low": np.nan, "ci_high": np.nan, "gap": np.nan, "relative_gap": np.nan,
           "within": pd.NA, "role": figure.role,
           "split": (FITTED if figure.label in fitted else HELD_OUT) if judged else "",
           "dated": figure.dated.isoformat() if figure.dated else "", "source": published["source"]}
    sample = figure.sample(per_rep).dropna()
    if len(sample) > 1:
        mean, low, high = mean_interval(sample.to_numpy(dtype=float), bounds=figure.bounds)
        out.update(model=mean, ci_low=low, ci_high=high)
        if judged and np.isfinite(figure.observed):
            target = figure.observed
            out.update(gap=mean - target, relative_gap=(mean - target) / abs(target),
                       within=bool(mean <= target if figure.role == LIMIT
                                   else abs(mean - target) <= TOLERANCE * abs(target)))
    elif judged:
        out.update(role=NOT_COMPARABLE, split="", compared_as=f"{figure.how} (no model value in this run: "
                   "outside its measured months, or no buyers on the report's base)")
    return out


def scores(table: pd.DataFrame) -> pd.DataFrame:
    """In-sample and out-of-sample scores of a replay (or calibration) table: for the fitted figures and the held-out
    ones, how many, how many within the tolerance, and the root mean square of the relative gaps (limits counted
    in ``within`` only: a model far under a limit is not wrong)."""
    rows = []
    for split in (FITTED, HELD_OUT):
        chosen = table[(table["split"] == split) & table["within"].notna()]
        gaps = chosen.loc[chosen["role"] == COMPARED, "relative_gap"].to_numpy(dtype=float)
        rows.append({"split": split, "figures": len(chosen), "within": int(chosen["within"].astype(bool).sum()),
                     "rms_relative_gap": float(np.sqrt(np.mean(gaps ** 2))) if gaps.size else np.nan})
    return pd.DataFrame(rows)


# --- the model's side ---------------------------------------------------------------------------


def check_replayable(scenario: Scenario) -> None:
    """Refuse a scenario the published figures cannot be compared with: one without magnets or US buyers."""
    if MAGNETS not in scenario.materials or "US" not in {b.destination for b in scenario.buyers.values()}:
        raise ReplayError(f"scenario {scenario.name!r} has no {MAGNETS} material or no US buyers to replay 2025 with")


def measure(scenario: Scenario, replications: int, *, seed: int, workers: int | None = None) -> pd.DataFrame:
    """The model's quantities that published figures are compared with, one row per replication."""
    check_replayable(scenario)
    tasks = [(scenario, seed, rep) for rep in range(replications)]
    return pd.DataFrame(parallel_map(_measure, tasks, workers))


def _measure(task: tuple[Scenario, int, int]) -> dict[str, float]:
    scenario, seed, rep = task
    records = simulate(scenario, streams(seed, rep))
    return {**_exports(scenario, records), **_applications(scenario, records), **_stoppages(scenario, records)}


def _exports(scenario: Scenario, r: Records) -> dict[str, float]:
    """NdFeB kilograms exported in each month after the warm-up, to all destinations and to each one."""
    o = r.needs
    done = ~np.isnan(o["t_exported"])
    stock = o["stock"][done]
    magnets = r.stock_material[stock] == r.materials.index(MAGNETS)
    destination = np.array([g.destination.lower() for g in scenario.buyers.values()])[r.firm_group[r.stock_firm[stock]]]
    month = r.interval_month[np.searchsorted(r.interval_start_days, o["t_exported"][done], side="right") - 1]
    measured = sorted(set(r.interval_month[r.interval_start_days >= r.warmup_days]))
    out = {}
    for series in ("total", *sorted(set(destination))):
        chosen = magnets & (destination == series) if series != "total" else magnets
        kg = np.bincount(month[chosen], o["quantity_kg"][done][chosen], len(r.months))
        out.update({f"exports_{series}_{r.months[i]}": kg[i] for i in measured})
    return out


def april_materials(scenario: Scenario) -> set[str]:
    """The materials the scenario puts under licence on 4 April 2025: the rare earths the reports on
    approvals and stoppages are about."""
    return {m for e in scenario.policy.values() if isinstance(e, ControlsEvent) and e.active
            and e.date == CONTROLS_DATE for m in e.materials}


BASES: dict[str, Callable[[BuyerGroup], bool]] = {
    "clepa": lambda g: g.destination == "EU" and g.sector == "automotive" and not g.military,
    "chamber": lambda g: g.destination == "EU" and g.sector != "automotive" and not g.military,
    "eu": lambda g: g.destination == "EU",
}
"""Whose applications and stoppages each report counts, among the panel's buyer groups: CLEPA's figures are
European auto suppliers'; the EU Chamber's are its members', here the EU civilian firms outside the auto
suppliers (whom CLEPA covers); the Straits Times' are every EU application."""
DATES = {"clepa": ("2025-06-04", "2025-06-30"), "chamber": ("2025-09-15",), "eu": ("2025-11-05",)}


def _applications(scenario: Scenario, r: Records) -> dict[str, float]:
    """Applications for the April materials since the April controls granted (and still pending) by the
    reports' dates, each report's applicants; review times in 2025."""
    a = r.applications
    groups = list(scenario.buyers.values())
    group_of = r.firm_group[a["firm"]]
    april = np.isin(np.array(r.materials)[a["material"]], sorted(april_materials(scenario)))
    since = scenario.calendar.day(CONTROLS_DATE)
    out = {}
    for base, dates in DATES.items():
        members = np.array([BASES[base](g) for g in groups])[group_of] & april
        for date in dates:
            day = scenario.calendar.day(dt.date.fromisoformat(date))
            filed = members & (a["t_applied"] >= since) & (a["t_applied"] < day)
            decided = filed & (a["t_decided"] < day)
            withdrawn = a["reason"] == REASON_CODE["withdrawn"]
            total = filed.sum() if filed.any() else np.nan
            out[f"granted_share_{base}_{date}"] = (decided & a["approved"]).sum() / total
            out[f"pending_share_{base}_{date}"] = (filed & ~decided & ~withdrawn).sum() / total
    window = (a["t_applied"] >= scenario.calendar.day(REVIEWS_FROM)) & (
        a["t_applied"] <= scenario.calendar.day(REVIEWS_UNTIL))
    reviewed = (window & (a["licence"] == KIND_CODE["per_shipment"]) & ~np.isnan(a["t_decided"])
                & ~np.isnan(a["t_started"]) & (a["reason"] != REASON_CODE["withdrawn"]))
    review = (a["t_decided"] - a["t_applied"])[reviewed]
    for q in (5, 50, 95):
        out[f"review_p{q}"] = float(np.percentile(review, q)) if review.size else np.nan
    return out


def _stoppages(scenario: Scenario, r: Records) -> dict[str, float]:
    """Of the EU Chamber's firms (``BASES``) stocked out of an April material in August or September 2025, the
    share already stocked out in August: the report's own base (7 stoppages in August, 46 more expected in
    September)."""
    if not {"2025-08", "2025-09"} <= set(r.months):
        return {"stopped_share_chamber_2025-08": np.nan}
    april = np.isin(np.array(r.materials)[r.stock_material], sorted(april_materials(scenario)))
    chamber = np.array([BASES["chamber"](g) for g in scenario.buyers.values()])[r.firm_group[r.stock_firm]] & april
    stopped = {}
    for month in ("2025-08", "2025-09"):
        out_days = r.stock_stockout_days[:, r.interval_month == r.months.index(month)].sum(axis=1)
        stopped[month] = set(np.unique(r.stock_firm[(out_days > 0) & chamber]))
    either = stopped["2025-08"] | stopped["2025-09"]
    return {"stopped_share_chamber_2025-08": len(stopped["2025-08"]) / len(either) if either else np.nan}


# --- the published side -------------------------------------------------------------------------


def _value(observed: pd.DataFrame, quantity: str, period: str) -> float:
    found = observed[(observed["quantity"] == quantity) & (observed["period"] == period)]
    return float(found["value"].iloc[0]) if len(found) else np.nan


def _month_end(period: str) -> dt.date:
    """The last day of a period ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""
    parts = [int(p) for p in period.split("-")]
    if len(parts) == 3:
        return dt.date(*parts)
    year, month = parts[0], parts[1] if len(parts) == 2 else 12
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _previous_month(period: str) -> str:
    year, month = (int(p) for p in period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _months(period: str) -> tuple[str, ...]:
    """The months of a period ``YYYY-MM`` or ``YYYY``."""
    return (period,) if "-" in period else tuple(f"{period}-{m:02d}" for m in range(1, 13))


def _exports_row(row, observed: pd.DataFrame) -> Figure:
    """A month's (or a year's) exports, in total or to one destination, against the series' base month; the base
    month itself against the month before it, where that is published."""
    series = EXPORTS.fullmatch(row.quantity).group(1)
    base = BASE_MONTHS.get(series, "2025-01")
    where = "in total" if series == "total" else f"to {series.upper()}"
    period, value = str(row.period), float(row.value)
    if period == base:
        before = _previous_month(base)
        if np.isnan(_value(observed, row.quantity, before)):
            return Figure(row.quantity, period, BASE, f"the month exports {where} are indexed on")
        base = before
    elif period == _previous_month(base):
        return Figure(row.quantity, period, BASE, f"the base of {base}'s ratio to the month before")
    reference = _value(observed, row.quantity, base)
    if np.isnan(reference):
        return Figure(row.quantity, period, NOT_COMPARABLE, f"its base month, {base}, is not published")
    what = "the year's" if "-" not in period else "the month's"
    months = _months(period)
    return Figure(row.quantity, period, COMPARED, f"{what} exports {where} / those of {base}", value / reference,
                  tuple(f"exports_{series}_{m}" for m in months), f"exports_{series}_{base}", _month_end(period),
                  dt.date.fromisoformat(f"{min(base, months[0])}-01"))


def _approval(row, observed):
    base = "clepa" if row.quantity == "approval_share_clepa" else "eu"
    whose = {"clepa": "EU auto suppliers'", "eu": "EU"}[base]
    return Figure(row.quantity, row.period, COMPARED, f"share of {whose} applications for the April materials since "
                  "4 Apr 2025 granted by the date", float(row.value) / 100, (f"granted_share_{base}_{row.period}",),
                  dated=_month_end(row.period), since=CONTROLS_DATE, bounds=(0.0, 1.0))


def _eu_chamber(row, observed):
    approved = float(str(row.note).split(" approved")[0])
    return Figure(row.quantity, row.period, COMPARED, "share of EU Chamber firms' applications (EU civilian, not auto "
                  "suppliers) for the April materials since 4 Apr 2025 granted by mid-September",
                  approved / float(row.value), ("granted_share_chamber_2025-09-15",), dated=dt.date(2025, 9, 15),
                  since=CONTROLS_DATE, bounds=(0.0, 1.0))


def _review_statutory(row, observed):
    return Figure(row.quantity, row.period, LIMIT, "median per-shipment review, filed January to September 2025, "
                  "calendar days, against the statutory limit in calendar days", float(row.value) * 7 / 5,
                  ("review_p50",), dated=REVIEWS_UNTIL, since=REVIEWS_FROM)


def _review_range(row, observed):
    return Figure(row.quantity, row.period, COMPARED, "5th percentile of per-shipment reviews filed January to "
                  "September 2025, days, against the shortest reported (EU Chamber, September)",
                  float(str(row.value).split(" to ")[0]), ("review_p5",), dated=REVIEWS_UNTIL, since=REVIEWS_FROM)


def _stoppages_row(row, observed):
    later = float(str(row.note).split(";")[1].split(" more")[0])
    return Figure(row.quantity, row.period, COMPARED, "of EU Chamber firms (EU civilian, not auto suppliers) stopped "
                  "by September, the share stopped in August", float(row.value) / (float(row.value) + later),
                  ("stopped_share_chamber_2025-08",), dated=dt.date(2025, 9, 30), since=dt.date(2025, 8, 1),
                  bounds=(0.0, 1.0))


COMPARISONS: dict[str, Callable] = {
    "approval_share_clepa": _approval,
    "approval_share_eu": _approval,
    "applications_eu_chamber": _eu_chamber,
    "review_time_statutory": _review_statutory,
    "review_time_reported_range": _review_range,
    "production_stoppages_eu": _stoppages_row,
}
INPUTS = {
    "us_rare_earth_imports_change": "not comparable: the base month is not stated",
    "us_magnet_imports_change": "not comparable: the base month is not stated",
    "alt_magnet_capacity_mp": "input: alternative magnet capacity, scaled to the panel",
    "alt_magnet_capacity_neo": "input: alternative magnet capacity (from 2026)",
    "western_magnet_use": "input: scales alternative capacity to the panel's demand",
    "new_capacity_lead_time": "input: why only plants already built ramp up within the horizon",
}
UNITS = {"approval_share_clepa": "%", "approval_share_eu": "%", "review_time_statutory": "working days",
         "review_time_reported_range": "days"}


def _comparison(quantity: str) -> Callable | None:
    """How a quantity's rows are compared (``None`` for a quantity the replay does not know)."""
    return _exports_row if EXPORTS.fullmatch(quantity) else COMPARISONS.get(quantity)


def monthly_index(per_rep: pd.DataFrame, series: str) -> pd.DataFrame:
    """A series' monthly exports in each replication as an index of its base month (``BASE_MONTHS``), months as
    columns; empty where the base month is not in the run."""
    prefix = f"exports_{series}_"
    base = per_rep.get(prefix + BASE_MONTHS.get(series, "2025-01"))
    columns = [c for c in per_rep if c.startswith(prefix)]
    if base is None:
        return pd.DataFrame(index=per_rep.index)
    index = per_rep[columns].div(base.where(base > 0), axis=0)
    return index.set_axis([c.removeprefix(prefix) for c in columns], axis=1)

