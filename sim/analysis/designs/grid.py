"""Full factorial: every combination of every parameter's levels."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.analysis.parameters import Parameter
from sim.scenario.schema import Scenario


class Grid:
    """Full factorial design; no indices, tipping points along every line of the grid."""

    name = "grid"
    summary = "full factorial, the default"
    lines = True

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        """Any levels will do."""

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        paths = [p.path for p in params]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(p.levels() for p in params))]

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> None:
        return None

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("sweep_lines", "sweep_heatmap") if len(params) == 2 else ("sweep_lines",)
