"""Sweep methods, one module each (as SALib keeps them): the points a method visits, what it refuses,
the indices it computes and the plots it asks the report for.

A module's ``DESIGNS`` are found here by its being in this package; the schema's
``SweepDefinition.method`` names the methods a scenario may ask for, in the order the command line
lists them, and each must have exactly one design.
"""

from __future__ import annotations

import importlib
import pkgutil
import typing
from collections.abc import Iterable, Sequence
from types import ModuleType
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.analysis.parameters import Parameter
from sim.scenario.schema import Scenario
from sim.scenario.sections import SweepDefinition


class Design(Protocol):
    """A sweep method."""

    name: str
    summary: str
    """What it is, in a few words (the command line's help)."""
    lines: bool
    """Whether the design holds lines along which one parameter varies, the others fixed (where ``sim sweep``
    looks for tipping points)."""

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        """Raise ``SweepError`` if the method cannot answer with these parameters and sample size."""

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        """The points of the design, in a fixed order: one mapping of parameter path to value each."""

    def indices(self, params: Sequence[Parameter], samples: int, seed: int,
                outcomes: np.ndarray) -> pd.DataFrame | None:
        """Sensitivity indices of the outcomes at the points, or None if the method has none."""

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        """The sweep plots to draw (names in ``sim.report.SWEEP_PLOTS``)."""


METHODS: tuple[str, ...] = typing.get_args(SweepDefinition.model_fields["method"].annotation)
"""The methods a scenario may ask for (the schema's)."""


def collect(modules: Iterable[ModuleType], methods: Sequence[str]) -> dict[str, Design]:
    """The designs of ``modules`` by name, in the order of ``methods``: refused unless each method has exactly one."""
    found: dict[str, Design] = {}
    for module in modules:
        for design in module.DESIGNS:
            if design.name in found:
                raise ImportError(f"two sweep methods are named {design.name!r} (one in {module.__name__})")
            found[design.name] = design
    if unknown := sorted(set(found) - set(methods)):
        raise ImportError(f"sweep method {unknown[0]!r} is not in the schema's SweepDefinition.method: add it there")
    if missing := [name for name in methods if name not in found]:
        raise ImportError(f"the schema's sweep method {missing[0]!r} has no design in {__name__}")
    return {name: found[name] for name in methods}


DESIGNS: dict[str, Design] = collect(
    (importlib.import_module(f"{__name__}.{module.name}") for module in pkgutil.iter_modules(__path__)), METHODS)
"""Every sweep method by name."""
