"""The emulator: Sobol indices of an analytic function inside their intervals, noise kept out of the fit,
validation that refuses a poor emulator, and agreement with a direct Sobol analysis of the model."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import qmc

from sim.analysis.emulator import Emulator, emulate
from sim.analysis.parameters import Parameter
from sim.analysis.sweep import MemoryPoints, plan, study
from tests.conftest import small

ISHIGAMI = [Parameter(f"x{i}", "number", -np.pi, np.pi) for i in range(3)]
# Ishigami and Homma (1990), a = 7, b = 0.1: first-order and total indices in closed form
TRUE_S1, TRUE_ST = np.array([0.3139, 0.4424, 0.0]), np.array([0.5576, 0.4424, 0.2437])


def ishigami(points: int, noise_sd: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A Latin hypercube of the Ishigami function, each value observed with Gaussian noise of known sd (as a
    point's mean over replications is)."""
    unit = qmc.LatinHypercube(3, rng=np.random.default_rng(seed)).random(points)
    x = -np.pi + 2 * np.pi * unit
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    errors = np.full(points, noise_sd)
    return unit, y + np.random.default_rng(seed + 1).normal(0, 1, points) * errors, errors


@pytest.mark.parametrize("noise_sd", [0.0, 0.5])
def test_emulated_indices_of_the_ishigami_function_contain_the_truth(noise_sd):
    unit, y, errors = ishigami(200, noise_sd)
    found = emulate(ISHIGAMI, unit, means=y, errors=errors, samples=512, seed=3)
    assert found.validation.passed, (found.validation.q2, found.validation.coverage)
    for index, truth in (("S1", TRUE_S1), ("ST", TRUE_ST)):
        low = found.indices[index] - found.indices[f"{index}_conf"]
        high = found.indices[index] + found.indices[f"{index}_conf"]
        assert ((low <= truth) & (truth <= high)).all(), (index, found.indices)


def test_the_replications_noise_is_smoothed_not_interpolated():
    unit = qmc.LatinHypercube(2, rng=np.random.default_rng(4)).random(150)
    truth = 3 * np.sin(2 * np.pi * unit[:, 0]) + 2 * unit[:, 1] ** 2  # smooth: the emulator's error is the noise's
    errors = np.ones(150)
    y = truth + np.random.default_rng(5).normal(0, 1, 150)
    noisy = Emulator(unit, y, errors, seed=1).predict(unit)[0]
    exact = Emulator(unit, y, np.zeros_like(errors), seed=1).predict(unit)[0]
    assert np.abs(exact - y).max() < 0.05  # told the means are exact, it passes through them
    rms = lambda v: float(np.sqrt(np.mean(v**2)))  # noqa: E731
    # told their noise (sd 1), it does not follow it: far closer to the function than the observations are
    assert rms(noisy - y) > 0.7 and rms(noisy - truth) < 0.5 * rms(y - truth)


def test_an_emulator_on_too_few_points_fails_validation_and_reports_no_indices():
    unit, y, errors = ishigami(30, 0.5)
    found = emulate(ISHIGAMI, unit, means=y, errors=errors, samples=64, seed=3)
    assert not found.validation.passed and found.indices is None
    assert found.validation.q2 < 0.8 and len(found.validation.predictions) == 30


def test_on_the_model_emulated_and_direct_sobol_indices_agree():
    """Three parameters of the small scenario: a direct Saltelli analysis (320 points) against the emulator on
    40; every index agrees within the two intervals combined."""
    scenario = small()
    params = ["--param", "authority.reviewers=1:12", "--param",
              "licence_types.per_shipment.approval_probability=0.3:1", "--param",
              "buyers.auto.inventory.reorder_point_days=20:60"]
    texts = params[1::2]
    direct = study(scenario, plan(scenario, params=texts, method="sobol", samples=64, replications=4),
                   store=MemoryPoints(), workers=2).indices
    emulated = study(scenario, plan(scenario, params=texts, method="sobol", samples=64, replications=4,
                                    emulator="gp", design_points=40), store=MemoryPoints(), workers=2)
    assert emulated.emulated.validation.passed
    assert emulated.replications_saved == (160, 1280)
    for index in ("S1", "ST"):
        gap = np.abs(emulated.indices[index] - direct[index])
        allowed = np.hypot(emulated.indices[f"{index}_conf"], direct[f"{index}_conf"])
        assert (gap <= allowed).all(), (index, emulated.indices, direct)
