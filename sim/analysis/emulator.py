"""A Gaussian-process emulator of a sweep's metric, validated before it is trusted, and Sobol indices computed on
it with intervals that include the emulator's own uncertainty.

The emulator (scikit-learn's ``GaussianProcessRegressor``, a Matern 5/2 kernel with a length scale per
parameter) is trained on the points of a space-filling design, each point's mean with its Monte Carlo variance
as known noise (the replications are not interpolated as if exact). It is cross-validated (Q² and the coverage
of its 95 % predictive intervals on held-out points) and refused if either falls short. The Sobol indices are
those of realisations of the emulator's posterior on a Saltelli sample (SALib), as Marrel et al. (2009) do: the
spread across realisations is the emulator's uncertainty, SALib's bootstrap the sampling's, and the interval
adds the two.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from SALib.analyze import sobol as analyze
from SALib.sample import sobol as sample

from sim.analysis.parameters import Parameter, unit_problem
from sim.runs.summarise import Z95

Q2_MIN = 0.8
"""Least cross-validated Q² (share of the variance between points that held-out predictions explain)."""
COVERAGE_MIN = 0.85
"""Least share of held-out points inside their 95 % predictive interval."""
FOLDS = 5
REALISATIONS = 100
MAX_EMULATED_POINTS = 8192
"""Most points of a Saltelli sample the emulator draws jointly (a dense covariance: 8,192 points, ~2 GB)."""
NOISE_FLOOR = 0.1
"""Least noise variance of a point, as a share of the mean over points: a point whose few replications
happened to agree is not exact."""
POINTS_PER_PARAMETER = 10
"""Design points the emulator needs per parameter (Loeppky, Sacks and Welch, 2009: n = 10 d)."""


@dataclass(frozen=True)
class Validation:
    """Cross-validation of the emulator: held-out predictions against the simulator's means."""

    q2: float
    coverage: float
    folds: int
    points: int
    predictions: pd.DataFrame
    """Per design point: simulated mean, its standard error, held-out prediction and predictive sd."""

    @property
    def passed(self) -> bool:
        return self.q2 >= Q2_MIN and self.coverage >= COVERAGE_MIN


@dataclass(frozen=True)
class Emulated:
    """What the emulator gave: its validation and, if it passed, the Sobol indices."""

    validation: Validation
    indices: pd.DataFrame | None
    kernel: str


def emulate(params: Sequence[Parameter], unit: np.ndarray, *, means: np.ndarray, errors: np.ndarray, samples: int,
            seed: int) -> Emulated:
    """Train on the design (``unit``: points scaled to [0, 1], ``means`` and their standard ``errors``), validate,
    and if valid compute first-order and total Sobol indices on ``samples`` Saltelli base samples."""
    validation = cross_validate(unit, means, errors, seed)
    model = Emulator(unit, means, errors, seed)
    indices = sobol_indices(model, params, samples, seed) if validation.passed else None
    return Emulated(validation, indices, model.kernel)


class Emulator:
    """A Gaussian process on the unit cube, trained on standardised means with their Monte Carlo noise."""

    def __init__(self, unit: np.ndarray, means: np.ndarray, errors: np.ndarray, seed: int) -> None:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern

        self.centre, self.scale = float(means.mean()), float(means.std()) or 1.0
        variance = (errors / self.scale) ** 2  # the replications' noise, in standardised units
        noise = np.maximum(variance, max(NOISE_FLOOR * variance.mean(), 1e-10))
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(unit.shape[1], 0.5), (1e-2, 1e2), nu=2.5)
        self.gp = GaussianProcessRegressor(kernel, alpha=noise, n_restarts_optimizer=3, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # length scales at a bound: the parameter does not matter
            self.gp.fit(unit, (means - self.centre) / self.scale)
        self.kernel = str(self.gp.kernel_)

    def predict(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation of the metric's mean at the points (the function, not noise)."""
        mean, sd = self.gp.predict(unit, return_std=True)
        return self.centre + self.scale * mean, self.scale * sd

    def realisations(self, unit: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        """``count`` joint draws of the metric's mean at the points from the posterior, one row each."""
        mean, cov = self.gp.predict(unit, return_cov=True)
        try:  # a jitter on the scale of the prior's variance, as the posterior's can be smaller than rounding
            factor = np.linalg.cholesky(cov + 1e-9 * self.gp.kernel_.k1.constant_value * np.eye(len(unit)))
        except np.linalg.LinAlgError:  # singular to rounding all the same: its square root by eigenvalues
            values, vectors = np.linalg.eigh(cov)
            factor = vectors * np.sqrt(np.clip(values, 0.0, None))
        draws = mean + rng.standard_normal((count, len(unit))) @ factor.T
        return self.centre + self.scale * draws


def cross_validate(unit: np.ndarray, means: np.ndarray, errors: np.ndarray, seed: int) -> Validation:
    """K-fold cross-validation: Q² of the held-out predictions, and how many simulated means fall inside their
    95 % predictive interval (the emulator's uncertainty and the mean's own Monte Carlo error together)."""
    order = np.random.default_rng(seed).permutation(len(means))
    predicted, sd = np.empty(len(means)), np.empty(len(means))
    for fold in np.array_split(order, FOLDS):
        train = np.setdiff1d(order, fold)
        model = Emulator(unit[train], means[train], errors[train], seed)
        predicted[fold], sd[fold] = model.predict(unit[fold])
    total_sd = np.sqrt(sd**2 + errors**2)
    q2 = 1 - float(np.sum((means - predicted) ** 2) / np.sum((means - means.mean()) ** 2))
    coverage = float(np.mean(np.abs(means - predicted) <= Z95 * total_sd))
    table = pd.DataFrame({"simulated": means, "standard_error": errors, "predicted": predicted,
                          "predictive_sd": total_sd})
    return Validation(q2, coverage, FOLDS, len(means), table)


def sobol_indices(model: Emulator, params: Sequence[Parameter], samples: int, seed: int) -> pd.DataFrame:
    """S1 and ST of the emulated metric, each with a 95 % interval from the spread of the posterior realisations
    and SALib's bootstrap of the Saltelli sample."""
    problem = unit_problem(params)
    points = sample.sample(problem, samples, calc_second_order=False, seed=seed)
    draws = model.realisations(points, REALISATIONS, np.random.default_rng(seed))
    found = {key: [] for key in ("S1", "S1_conf", "ST", "ST_conf")}
    for draw in draws:
        result = analyze.analyze(problem, draw, calc_second_order=False, seed=seed)
        for key in found:
            found[key].append(result[key])
    out = {"parameter": [p.path for p in params]}
    for index in ("S1", "ST"):
        values, conf = np.array(found[index]), np.array(found[f"{index}_conf"])
        # emulator's variance (across realisations) plus the sampling's (SALib's 95 % half-width / 1.96)
        spread = np.sqrt(values.var(axis=0, ddof=1) + np.mean((conf / Z95) ** 2, axis=0))
        out[index] = values.mean(axis=0)
        out[f"{index}_conf"] = Z95 * spread
    return pd.DataFrame(out)
