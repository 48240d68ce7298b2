"""Sobol variance decomposition: Saltelli's sample and SALib's first-order and total indices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from SALib.analyze import sobol as analyze
from SALib.sample import sobol as sample

from sim.analysis.parameters import Parameter, SweepError, from_unit_rows, require_ranges, unit_problem
from sim.scenario.schema import Scenario


class Sobol:
    """``samples`` (a power of 2) base points; S1 and ST with their 95 % intervals per parameter."""

    name = "sobol"
    summary = "variance-based indices on a Saltelli sample"
    lines = True

    def check(self, params: Sequence[Parameter], samples: int) -> None:
        require_ranges(params, self.name)
        if samples < 4 or samples & (samples - 1):
            raise SweepError("sobol needs --samples a power of 2, at least 4 (the Saltelli base sample)")

    def points(self, params: Sequence[Parameter], samples: int, seed: int, scenario: Scenario) -> list[dict[str, Any]]:
        unit = sample.sample(unit_problem(params), samples, calc_second_order=False, seed=seed)
        return from_unit_rows(params, unit)

    def indices(self, params: Sequence[Parameter], samples: int, seed: int, outcomes: np.ndarray) -> pd.DataFrame:
        result = analyze.analyze(unit_problem(params), outcomes, calc_second_order=False, seed=seed)
        return pd.DataFrame({"parameter": [p.path for p in params], "S1": result["S1"], "S1_conf": result["S1_conf"],
                             "ST": result["ST"], "ST_conf": result["ST_conf"]})

    def plots(self, params: Sequence[Parameter]) -> tuple[str, ...]:
        return ("sobol",)


DESIGNS = (Sobol(),)
"""The sweep methods of this module (``sim.analysis.designs.DESIGNS``)."""
