"""Full factorial: every combination of every parameter's levels."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.analysis.parameters import Parameter, SweepError
from sim.scenario.schema import Scenario

MOST_POINTS = 100_000
"""The most points a full factorial may have."""


class Grid:
    """Full factorial design; no indices, tipping points along every line of the grid."""

    name = "grid"
    summary = "full factorial, the default"
    lines = True

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        """Any levels will do, up to ``MOST_POINTS`` combinations."""
        points = math.prod(len(p.values) if p.values is not None else p.steps or 5 for p in params)
        if points > MOST_POINTS:
            raise SweepError(f"grid: {points:,} combinations of the parameters' levels, over the {MOST_POINTS:,} a "
                             "sweep may have; fewer steps, or --method lhs")

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        paths = [p.path for p in params]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(p.levels() for p in params))]

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> None:
        return None

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("sweep_lines", "sweep_heatmap") if len(params) == 2 else ("sweep_lines",)


DESIGNS = (Grid(),)
"""The sweep methods of this module (``sim.analysis.designs.DESIGNS``)."""
