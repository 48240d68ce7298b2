"""The 2025 replay: the model's counterpart of each published figure, with its CI and the gap.

Published figures come from a CSV (``data/observed_2025.csv``: quantity, period, value, unit,
note, source); nothing observed is written into code. Flows are compared as ratios between
months, since the model's buyers are a panel, not every importer: magnet exports in April, May
and June 2025 against January, US magnet exports month on month. Approval shares are compared as
the share of applications filed since the April controls that were granted by the date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.io import check_writable, write_table
from sim.model.records import KIND_CODE, REASONS, Records
from sim.model.world import simulate
from sim.report.pages import replay_page
from sim.runs.execute import parallel_map
from sim.runs.streams import streams
from sim.runs.summarise import mean_interval
from sim.scenario.load import resolved_dict
from sim.scenario.schema import BuyerGroup, ControlsEvent, Scenario

MAGNETS = "NdFeB"
CONTROLS_DATE = dt.date(2025, 4, 4)
INDEX_BASE = "base of the index"
TOLERANCE = 0.25
"""A published figure is matched when the model's mean lies within this share of it (``within``)..."""
LIMITS = {"review_time_statutory"}
"""... or, for a statutory limit, when the model's mean stays under it."""
OBSERVED_COLUMNS = ("quantity", "period", "value", "unit", "note", "source")


class ReplayError(ValueError):
    """Observed figures or a scenario the replay cannot use."""


def read_observed(path: Path) -> pd.DataFrame:
    """The published figures, checked: known columns, and quantities the replay knows or lists as inputs."""
    try:
        table = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError) as exc:
        raise ReplayError(f"cannot read {path}: {exc}") from None
    missing = [c for c in OBSERVED_COLUMNS if c not in table.columns]
    if missing:
        raise ReplayError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(OBSERVED_COLUMNS)}")
    unknown = sorted(set(table["quantity"]) - set(COMPARISONS) - set(INPUTS))
    if unknown:
        raise ReplayError(f"{path}: unknown quantities {', '.join(unknown)}; known: "
                          f"{', '.join(sorted(set(COMPARISONS) | set(INPUTS)))}")
    for row in table.itertuples():
        if row.quantity in UNITS and row.unit != UNITS[row.quantity]:
            raise ReplayError(f"{path}: {row.quantity} {row.period} is in {row.unit!r}; "
                              f"expected {UNITS[row.quantity]!r}")
    return table


def replay(scenario: Scenario, observed: pd.DataFrame, replications: int, seed: int,
           workers: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per published figure (observed and model counterparts, the model's 95 % CI, the gap),
    and the per-replication model quantities behind them."""
    per_rep = measure(scenario, replications, seed, workers)
    return figures(observed, per_rep), per_rep


def replay_folder(out: Path, scenario: Scenario, source: str, observed: pd.DataFrame, replications: int, seed: int,
                  workers: int | None = None) -> pd.DataFrame:
    """Replay a scenario (see ``replay``) into ``out``: ``replay.csv``, its page and plot."""
    check_writable(out)
    table, per_rep = replay(scenario, observed, replications, seed, workers)
    write_table(table, out / "replay.csv")
    replay_page(out, table, per_rep, resolved_dict(scenario), source, replications, seed)
    return table


def measure(scenario: Scenario, replications: int, seed: int, workers: int | None = None) -> pd.DataFrame:
    """The model's quantities that published figures are compared with, one row per replication."""
    if MAGNETS not in scenario.materials or "US" not in {b.destination for b in scenario.buyers.values()}:
        raise ReplayError(f"scenario {scenario.name!r} has no {MAGNETS} material or no US buyers to replay 2025 with")
    tasks = [(scenario, seed, rep) for rep in range(replications)]
    return model_index(pd.DataFrame(parallel_map(_measure, tasks, workers)))


def figures(observed: pd.DataFrame, per_rep: pd.DataFrame) -> pd.DataFrame:
    """The replay table: each published figure beside the model's counterpart in ``per_rep``."""
    rows = []
    for row in observed.itertuples():
        if row.quantity in INPUTS:
            rows.append(_row(row, "input", None, None, INPUTS[row.quantity]))
            continue
        target, model_column, basis, how = counterpart(row, observed)
        rows.append(_row(row, basis, target, per_rep.get(model_column), how))
    return pd.DataFrame(rows)


def counterpart(row, observed: pd.DataFrame) -> tuple[float | None, str, str, str]:
    """For one published figure: the value compared, the model column it is compared with, whether
    the baseline was fitted to it, and how the two are compared."""
    return COMPARISONS[row.quantity](row, observed)


def _row(row, basis: str, target: float | None, sample: pd.Series | None, how: str) -> dict[str, object]:
    out = {"quantity": row.quantity, "period": row.period, "published": row.value, "unit": row.unit,
           "compared_as": how, "observed": target, "model": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "gap": np.nan, "relative_gap": np.nan, "within": pd.NA, "basis": basis, "source": row.source}
    if sample is not None and sample.notna().sum() > 1:
        bounds = (0.0, 1.0) if "share" in str(sample.name) else (0.0, np.inf)  # shares; indices, days, counts
        mean, low, high = mean_interval(sample.dropna().to_numpy(dtype=float), bounds=bounds)
        out.update(model=mean, ci_low=low, ci_high=high)
        if target is not None and basis != INDEX_BASE:
            out.update(gap=mean - target, relative_gap=(mean - target) / abs(target),
                       within=bool(mean <= target if row.quantity in LIMITS
                                   else abs(mean - target) <= TOLERANCE * abs(target)))
    return out


# --- the model's side ---------------------------------------------------------------------------


def _measure(task: tuple[Scenario, int, int]) -> dict[str, float]:
    scenario, seed, rep = task
    records = simulate(scenario, streams(seed, rep))
    return {**_exports(scenario, records), **_applications(scenario, records), **_stoppages(scenario, records)}


def _exports(scenario: Scenario, r: Records) -> dict[str, float]:
    """NdFeB kilograms exported per month, to all destinations and to the US."""
    o = r.orders
    done = ~np.isnan(o["t_exported"])
    stock = o["stock"][done]
    magnets = r.stock_material[stock] == r.materials.index(MAGNETS)
    us = np.array([g.destination == "US" for g in scenario.buyers.values()])[r.firm_group[r.stock_firm[stock]]]
    month = r.interval_month[np.searchsorted(r.interval_start_days, o["t_exported"][done], side="right") - 1]
    out = {}
    for label, chosen in (("total", magnets), ("us", magnets & us)):
        kg = np.bincount(month[chosen], o["quantity_kg"][done][chosen], len(r.months))
        out.update({f"exports_{label}_{m}": kg[i] for i, m in enumerate(r.months)})
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
            withdrawn = a["reason"] == REASONS.index("withdrawn")
            total = filed.sum() if filed.any() else np.nan
            out[f"granted_share_{base}_{date}"] = (decided & a["approved"]).sum() / total
            out[f"pending_share_{base}_{date}"] = (filed & ~decided & ~withdrawn).sum() / total
    year = (a["t_applied"] >= scenario.calendar.day(dt.date(2025, 1, 1))) & (
        a["t_applied"] < scenario.calendar.day(dt.date(2026, 1, 1)))
    reviewed = (year & (a["licence"] == KIND_CODE["per_shipment"]) & ~np.isnan(a["t_decided"])
                & ~np.isnan(a["t_started"]) & (a["reason"] != REASONS.index("withdrawn")))
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


FITTED = "fitted"
"""The basis of the figures ``scenarios/baseline_2025.yaml`` was calibrated to (its header says with what)."""


def _total_index(row, observed):
    base = _value(observed, "magnet_exports_total", "2025-01")
    if row.period == "2025-01":
        return 1.0, "index_total_2025-01", INDEX_BASE, "index of January 2025 (the base)"
    return (float(row.value) / base, f"index_total_{row.period}", FITTED,
            "exports in the month / January 2025")


def _us_ratio(row, observed):
    previous = {"2025-06": "2025-05", "2025-09": "2025-06"}.get(row.period)
    if previous is None:
        return None, "", "not comparable", "no month of the replayed period to compare with"
    base = _value(observed, "magnet_exports_us", previous)
    return (float(row.value) / base, f"ratio_us_{row.period}_{previous}", FITTED,
            f"US exports in the month / {previous}")


def _approval(row, observed):
    base = "clepa" if row.quantity == "approval_share_clepa" else "eu"
    whose = {"clepa": "EU auto suppliers'", "eu": "EU"}[base]
    return (float(row.value) / 100, f"granted_share_{base}_{row.period}", FITTED,
            f"share of {whose} applications for the April materials since 4 Apr 2025 granted by the date")


def _eu_chamber(row, observed):
    approved = float(str(row.note).split(" approved")[0])
    return (approved / float(row.value), "granted_share_chamber_2025-09-15", FITTED,
            "share of EU Chamber firms' applications (EU civilian, not auto suppliers) for the April materials "
            "since 4 Apr 2025 granted by mid-September")


def _review_statutory(row, observed):
    return (float(row.value) * 7 / 5, "review_p50", "not fitted (a limit)",
            "median per-shipment review, calendar days, against the statutory limit in calendar days")


def _review_range(row, observed):
    return (float(str(row.value).split(" to ")[0]), "review_p5", FITTED,
            "5th percentile of per-shipment review, days, against the shortest reported")


def _stoppages_row(row, observed):
    later = float(str(row.note).split(";")[1].split(" more")[0])
    return (float(row.value) / (float(row.value) + later), "stopped_share_chamber_2025-08", FITTED,
            "of EU Chamber firms (EU civilian, not auto suppliers) stopped by September, the share stopped in August")


COMPARISONS: dict[str, Callable] = {
    "magnet_exports_total": _total_index,
    "magnet_exports_us": _us_ratio,
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
UNITS = {"magnet_exports_total": "t", "magnet_exports_us": "t", "approval_share_clepa": "%",
         "approval_share_eu": "%", "review_time_statutory": "working days", "review_time_reported_range": "days"}


def model_index(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Derived model columns: export indices against January 2025 and US month-on-month ratios
    (left out of a replication whose base month exported nothing to the US)."""
    out = per_rep.copy()
    january = out["exports_total_2025-01"]
    for column in [c for c in out if c.startswith("exports_total_")]:
        out[f"index_total_{column.removeprefix('exports_total_')}"] = out[column] / january
    for month, previous in (("2025-06", "2025-05"), ("2025-09", "2025-06")):
        base = out[f"exports_us_{previous}"].where(out[f"exports_us_{previous}"] > 0)  # no ratio to an empty month
        out[f"ratio_us_{month}_{previous}"] = out[f"exports_us_{month}"] / base
    return out
