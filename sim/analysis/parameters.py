"""Scenario parameters that sweeps and calibrations vary: a dotted path, its kind, and its range or values."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.scenario.load import leaves, resolved_dict
from sim.scenario.schema import Scenario


class SweepError(ValueError):
    """A sweep (or calibration) that cannot run, and why; raised before any work starts."""


MOST_STEPS = 1_000
"""The most levels a swept range may be cut into."""


@dataclass(frozen=True)
class Parameter:
    """One varied parameter: a scenario path and its range (``low``..``high``) or listed values."""

    path: str
    kind: str  # "integer", "number" or "date"
    low: Any = None
    high: Any = None
    steps: int | None = None
    values: tuple[Any, ...] | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Parameter:
        """A parameter as a sweep's manifest records it (its fields, dates as ISO strings)."""
        kind, values = record["kind"], record.get("values")
        return cls(record["path"], kind, _value(kind, str(record["low"])), _value(kind, str(record["high"])),
                   record.get("steps"), None if values is None else tuple(_value(kind, str(v)) for v in values))

    def saved(self, value: Any) -> Any:
        """A value as a point was saved with it (``plain_values``: a date as its ISO string), in its own type."""
        return dt.date.fromisoformat(value) if self.kind == "date" else value

    def levels(self) -> list[Any]:
        """The values a grid or one-at-a-time sweep visits."""
        if self.values is not None:
            return list(self.values)
        return [self.from_unit(u) for u in np.linspace(0, 1, self.steps or 5)]

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1] of the range."""
        if self.kind == "date":
            return self.low + dt.timedelta(days=round(u * (self.high - self.low).days))
        value = self.low + u * (self.high - self.low)
        return round(value) if self.kind == "integer" else float(value)

    def to_unit(self, value: Any) -> float:
        """The position in [0, 1] of ``value`` in the range (the inverse of ``from_unit``)."""
        low = self.as_number(self.low)
        return (self.as_number(value) - low) / (self.as_number(self.high) - low)

    def as_number(self, value: Any) -> float:
        """A value on a numeric axis (dates as days since the low end) for plots and analysis."""
        return float((value - self.low).days) if self.kind == "date" else float(value)

    def from_number(self, x: float) -> Any:
        """The inverse of ``as_number``, for reporting (a date as an ISO string, a number to 6 decimals)."""
        if self.kind == "date":
            return (self.low + dt.timedelta(days=round(x))).isoformat()
        return round(x, 6)


def parse_param(text: str, scenario: Scenario) -> Parameter:
    """``PATH=LOW:HIGH[:STEPS]`` or ``PATH=V1,V2,...``, checked against the scenario and its schema."""
    path, sep, spec = text.partition("=")
    path = path.strip()
    if not sep or not spec:
        raise SweepError(f"--param {text!r}: expected PATH=LOW:HIGH[:STEPS] or PATH=V1,V2,...")
    paths = leaves(resolved_dict(scenario))
    if path not in paths:
        close = difflib.get_close_matches(path, list(paths), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SweepError(f"--param {path}: not a parameter of scenario {scenario.name!r}{hint}")
    kind = _kind(path, paths[path])
    try:
        if ":" in spec:
            parts = spec.split(":")
            if len(parts) not in (2, 3):
                raise ValueError("expected LOW:HIGH or LOW:HIGH:STEPS")
            low, high = (_value(kind, p) for p in parts[:2])
            steps = int(parts[2]) if len(parts) == 3 else None
            if not low < high:
                raise ValueError(f"LOW must be below HIGH, got {parts[0]} and {parts[1]}")
            if steps is not None and not 2 <= steps <= MOST_STEPS:
                raise ValueError(f"STEPS must be from 2 to {MOST_STEPS:,}, got {steps:,}")
            distinct = (high - low).days + 1 if kind == "date" else high - low + 1 if kind == "integer" else None
            if steps is not None and distinct is not None and steps > distinct:
                unit = "days" if kind == "date" else "whole numbers"
                raise ValueError(f"{parts[0]}:{parts[1]} holds {distinct} {unit}, not {steps} steps: give at most "
                                 f"{distinct}")
            parameter = Parameter(path, kind, low, high, steps)
        else:
            values = tuple(_value(kind, v) for v in spec.split(","))
            parameter = Parameter(path, kind, min(values), max(values), values=values)
    except ValueError as exc:
        raise SweepError(f"--param {path}: {exc}") from None
    for end in (parameter.low, parameter.high) if parameter.values is None else parameter.values:
        variant(scenario, {path: end})  # refuses values outside the schema's bounds, before any work
    return parameter


def require_ranges(params: Sequence[Parameter], method: str) -> None:
    """Refuse listed values where a method samples ranges."""
    if any(p.values is not None for p in params):
        raise SweepError(f"{method} samples ranges: give every --param as PATH=LOW:HIGH")


def unit_problem(params: Sequence[Parameter]) -> dict[str, Any]:
    """SALib's problem on the unit cube: every parameter is sampled as a share of its range."""
    return {"num_vars": len(params), "names": [p.path for p in params], "bounds": [[0.0, 1.0]] * len(params)}


def from_unit_rows(params: Sequence[Parameter], rows: np.ndarray) -> list[dict[str, Any]]:
    """Points of a design sampled on the unit cube, one mapping of path to value per row."""
    return [{p.path: p.from_unit(u) for p, u in zip(params, row, strict=True)} for row in rows]


def plain_values(values: dict[str, Any]) -> dict[str, Any]:
    """Parameter values as JSON-ready data (dates as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def variant(scenario: Scenario, values: dict[str, Any]) -> Scenario:
    """The scenario with parameters set by dotted path, validated by the schema."""
    data = resolved_dict(scenario)
    for path, value in plain_values(values).items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = value
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SweepError(f"{', '.join(f'{k}={v}' for k, v in values.items())}: {where}: {first['msg']}") from None


def base_value(scenario: Scenario, p: Parameter) -> Any:
    """The scenario's own value of a parameter (a date as a date)."""
    value = leaves(resolved_dict(scenario))[p.path]
    return dt.date.fromisoformat(value) if p.kind == "date" else value


def _kind(path: str, base: Any) -> str:
    if isinstance(base, bool) or not isinstance(base, (int, float, str)):
        raise SweepError(f"--param {path}: only numbers and dates can be swept (it is {base!r})")
    if isinstance(base, str):
        try:
            dt.date.fromisoformat(base)
        except ValueError:
            raise SweepError(f"--param {path}: only numbers and dates can be swept (it is {base!r})") from None
        return "date"
    return "integer" if isinstance(base, int) else "number"


def _value(kind: str, text: str) -> Any:
    text = text.strip()
    if kind == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date as YYYY-MM-DD (e.g. 2026-03-02); give LOW:HIGH or "
                             "V1,V2,...") from None
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number; give a range as LOW:HIGH or LOW:HIGH:STEPS (e.g. 50:300 or "
                         "50:300:6), or values as V1,V2,... (e.g. 50,100,300)") from None
    if not math.isfinite(number):
        raise ValueError(f"{text} is not a finite number")
    if kind == "integer":
        if number != int(number):
            raise ValueError(f"{text} is not a whole number")
        return int(number)
    return number
