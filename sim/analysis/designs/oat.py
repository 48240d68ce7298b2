"""One at a time: each parameter through its levels, the others at the scenario's own values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from sim.analysis.parameters import Parameter, base_value
from sim.scenario.schema import Scenario


class OneAtATime:
    """The base point first, then each parameter's arm; a tornado of the extremes."""

    name = "oat"
    summary = "one at a time around the scenario"
    lines = True

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        """Any levels will do."""

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        base = {p.path: base_value(scenario, p) for p in params}
        points = [dict(base)]
        for p in params:
            points += [{**base, p.path: level} for level in p.levels() if level != base[p.path]]
        return points

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> None:
        return None

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("sweep_lines", "tornado")


DESIGNS = (OneAtATime(),)
"""The sweep methods of this module (``sim.analysis.designs.DESIGNS``)."""
