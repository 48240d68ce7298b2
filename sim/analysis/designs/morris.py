"""Morris screening (elementary effects), sampled and analysed by SALib on the unit cube of the ranges,
so that mu* is in the metric's units per full range of a parameter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import morris as analyze
from SALib.sample import morris as sample

from sim.analysis.parameters import Parameter, SweepError, from_unit_rows, require_ranges, unit_problem
from sim.scenario.schema import Scenario

LEVELS = 4


class Morris:
    """``samples`` trajectories; mu*, its 95 % interval and sigma per parameter."""

    name = "morris"
    summary = "elementary effects along trajectories"
    lines = True

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        require_ranges(params, self.name)
        if samples < 2:
            raise SweepError("morris needs --samples of at least 2 trajectories")

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        return from_unit_rows(params, self._unit_sample(params, samples, seed))

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> pd.DataFrame:
        unit = self._unit_sample(params, samples, seed)
        result = analyze.analyze(unit_problem(params), unit, outcomes, num_levels=LEVELS, seed=seed)
        return pd.DataFrame({"parameter": [p.path for p in params], "mu_star": result["mu_star"],
                             "mu_star_conf": result["mu_star_conf"], "sigma": result["sigma"]})

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("morris",)

    def _unit_sample(self, params: Sequence[Parameter], samples: int, seed: int) -> np.ndarray:
        return sample.sample(unit_problem(params), samples, num_levels=LEVELS, seed=seed)


DESIGNS = (Morris(),)
"""The sweep methods of this module (``sim.analysis.designs.DESIGNS``)."""
