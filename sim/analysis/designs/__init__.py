"""Sweep methods, one module each (as SALib keeps them): the points a method visits, what it refuses,
the indices it computes and the plots it asks the report for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sim.analysis.designs.grid import Grid
from sim.analysis.designs.lhs import LatinHypercube
from sim.analysis.designs.morris import Morris
from sim.analysis.designs.oat import OneAtATime
from sim.analysis.designs.sobol import Sobol
from sim.analysis.parameters import Parameter
from sim.scenario.schema import Scenario


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


DESIGNS: dict[str, Design] = {design.name: design for design in (
    Grid(), OneAtATime(), Morris(), Sobol(), LatinHypercube("lhs", "Latin hypercube"),
    LatinHypercube("lhs_optimised", "Latin hypercube of low centred discrepancy", "random-cd"))}
"""Every sweep method by name (the schema's ``SweepDefinition.method``)."""
