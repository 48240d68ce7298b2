"""Export-licence regime simulator: scenario YAML -> SimPy model -> Monte Carlo -> results.

The names below are loaded on first use, so that ``import sim.scenario`` or ``import sim.report``
does not load the model and the process pool.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "RunResult": "sim.runs.execute",
    "run": "sim.runs.execute",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.load",
    "load_scenario": "sim.scenario.load",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
