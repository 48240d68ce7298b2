"""Replications chosen by precision: the stop is exactly a run of that many replications, narrow as asked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.runs.execute import run
from sim.runs.precision import Precision, run_to_precision, widest_half_width
from tests.conftest import small


def test_a_run_to_precision_is_the_run_of_the_replications_it_stopped_at_and_as_narrow_as_asked():
    scenario = small()
    pilot = run(scenario, 20, seed=5, workers=1)
    pilot_half = widest_half_width(pilot.summary, "delay_days", ("all", "sector:defence"))
    target = pilot_half / 2  # about four times the pilot's replications
    result, stopping = run_to_precision(scenario, Precision(target, "delay_days"),
                                        groups=("all", "sector:defence"), seed=5, workers=1)
    assert stopping.reached and stopping.half_width <= target and len(stopping.stages) >= 2
    assert stopping.stages[0] == 20 and stopping.replications == result.replications
    again = run(scenario, stopping.replications, seed=5, workers=2)
    np.testing.assert_array_equal(result.values, again.values)
    before = run(scenario, stopping.stages[-2], seed=5, workers=1)
    assert widest_half_width(before.summary, "delay_days", ("all", "sector:defence")) > target
    assert f"no wider than ±{target:.3g} days" in str(stopping) and "cap" not in str(stopping)


def test_a_run_to_precision_stops_at_its_cap_and_says_it_fell_short():
    result, stopping = run_to_precision(small(), Precision(1e-9, cap=24), seed=5, workers=1)
    assert result.replications == 24 and stopping.stages == (20, 24) and not stopping.reached
    assert "stopped at the cap of 24" in str(stopping) and "±1e-07 points" in str(stopping)


def test_a_group_with_fewer_than_two_values_is_infinitely_wide():
    summary = pd.DataFrame({"metric": ["delay_days"] * 2, "group": ["all", "buyer:x"], "sd": [1.0, math.nan],
                            "n": [10, 1]})
    assert widest_half_width(summary, "delay_days", ("all",)) < 1
    assert widest_half_width(summary, "delay_days", ("all", "buyer:x")) == math.inf
