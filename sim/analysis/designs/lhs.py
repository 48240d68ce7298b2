"""Latin hypercube: a space-filling sample of the ranges (scipy.stats.qmc), the design scenario discovery
and emulators are built on. Optionally optimised for a low centred discrepancy (scipy's ``random-cd``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.analysis.parameters import Parameter, SweepError, from_unit_rows, require_ranges
from sim.scenario.schema import Scenario


class LatinHypercube:
    """``samples`` points, each parameter's range cut into ``samples`` strata and every stratum used once."""

    lines = False

    def __init__(self, name: str, summary: str, optimization: str | None = None) -> None:
        self.name, self.summary = name, summary
        self.optimization = optimization

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        require_ranges(params, self.name)
        if samples < 2:
            raise SweepError(f"{self.name} needs --samples of at least 2 points")

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        design = qmc.LatinHypercube(len(params), optimization=self.optimization, rng=np.random.default_rng(seed))
        return from_unit_rows(params, design.random(samples))

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> None:
        return None

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("sweep_scatter",)


DESIGNS = (LatinHypercube("lhs", "Latin hypercube"),
           LatinHypercube("lhs_optimised", "Latin hypercube of low centred discrepancy", "random-cd"))
"""The sweep methods of this module (``sim.analysis.designs.DESIGNS``)."""
