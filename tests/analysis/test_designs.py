"""Sweep designs: what each method refuses, the points it visits, the indices it computes (SALib, scipy) on
functions whose indices are known."""

from __future__ import annotations

import math
import typing
from types import SimpleNamespace

import numpy as np
import pytest

from sim.analysis.designs import DESIGNS, collect
from sim.analysis.parameters import Parameter, SweepError, parse_param
from sim.analysis.sweep import Sweep, check
from sim.scenario.sections import SweepDefinition
from tests.conftest import small


@pytest.mark.parametrize(
    ("method", "samples", "message"),
    [("sobol", 6, "power of 2"), ("morris", 1, "at least 2"), ("magic", 8, "unknown method")],
)
def test_too_few_samples_or_unknown_method(method, samples, message):
    parameter = Parameter("authority.reviewers", "integer", 1, 5)
    with pytest.raises(SweepError, match=message):
        check(Sweep((parameter,), method, samples))


def test_the_designs_are_the_modules_of_the_package_and_the_methods_those_of_the_schema():
    assert tuple(DESIGNS) == typing.get_args(SweepDefinition.model_fields["method"].annotation)
    grid = SimpleNamespace(__name__="grid", DESIGNS=(SimpleNamespace(name="grid"),))
    spiral = SimpleNamespace(__name__="spiral", DESIGNS=(SimpleNamespace(name="spiral"),))
    assert list(collect([spiral, grid], ["grid", "spiral"])) == ["grid", "spiral"]  # in the schema's order
    with pytest.raises(ImportError, match="'spiral' is not in the schema's SweepDefinition.method"):
        collect([grid, spiral], ["grid"])
    with pytest.raises(ImportError, match="'spiral' has no design"):
        collect([grid], ["grid", "spiral"])
    with pytest.raises(ImportError, match="two sweep methods are named 'grid'"):
        collect([grid, grid], ["grid"])


def test_grid_and_oat_designs():
    scenario = small(authority={"reviewers": 3})
    a = parse_param("authority.reviewers=2:4:3", scenario)
    b = parse_param("licence_types.per_shipment.approval_probability=0.5,0.9", scenario)
    grid = Sweep((a, b), "grid").points(scenario)
    assert len(grid) == 6 and grid[0] == {a.path: 2, b.path: 0.5}
    oat = Sweep((a, b), "oat").points(scenario)
    assert oat[0] == {a.path: 3, b.path: 0.9}  # the base scenario first
    assert len(oat) == 1 + 2 + 1  # reviewers 2 and 4; approval 0.5 (0.9 is the base)


def ishigami(x1, x2, x3, a=7.0, b=0.1):
    return math.sin(x1) + a * math.sin(x2) ** 2 + b * x3**4 * math.sin(x1)


def unit_params(names):
    return tuple(Parameter(n, "number", -math.pi, math.pi) for n in names)


def test_sobol_indices_of_the_ishigami_function_contain_the_known_values():
    """Known: S1 = 0.314, 0.442, 0; ST = 0.558, 0.442, 0.244 (Ishigami and Homma, a=7, b=0.1)."""
    sweep = Sweep(unit_params(["x1", "x2", "x3"]), "sobol", samples=2048, seed=3)
    outcomes = np.array([ishigami(*p.values()) for p in sweep.points(small())])
    found = sweep.indices(outcomes).set_index("parameter")
    for name, s1, st in (("x1", 0.3139, 0.5576), ("x2", 0.4424, 0.4424), ("x3", 0.0, 0.2437)):
        row = found.loc[name]
        assert abs(row["S1"] - s1) <= row["S1_conf"]
        assert abs(row["ST"] - st) <= row["ST_conf"]


def test_morris_ranks_the_ishigami_inputs():
    sweep = Sweep(unit_params(["x1", "x2", "x3"]), "morris", samples=60, seed=3)
    outcomes = np.array([ishigami(*p.values()) for p in sweep.points(small())])
    found = sweep.indices(outcomes).set_index("parameter")
    assert (found["mu_star"] > 0).all()
    linear = Sweep(unit_params(["x", "y"]), "morris", samples=20, seed=1)
    effects = linear.indices(np.array([3 * p["x"] + 0 * p["y"] for p in linear.points(small())]))
    # a linear function: every elementary effect of x is 3 per unit, i.e. 3 * 2pi over the full range
    assert effects.set_index("parameter").loc["x", "mu_star"] == pytest.approx(3 * 2 * math.pi)
    assert effects.set_index("parameter").loc["y", "mu_star"] == 0


@pytest.mark.parametrize("method", ["lhs", "lhs_optimised"])
def test_a_latin_hypercube_uses_every_stratum_of_every_range_once(method):
    params = [parse_param("authority.tension.initial=0:1", small()),
              parse_param("licence_types.per_shipment.approval_probability=0.5:1", small())]
    samples = 16
    points = DESIGNS[method].points(params, samples, 7, small())
    for p in params:
        units = np.array([p.to_unit(point[p.path]) for point in points])
        assert sorted((units * samples).astype(int)) == list(range(samples))
    assert points == DESIGNS[method].points(params, samples, 7, small())  # the seed fixes the design
    assert points != DESIGNS[method].points(params, samples, 8, small())
