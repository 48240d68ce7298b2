"""Export-licence regime simulator: scenario YAML -> SimPy model -> Monte Carlo -> results.

For a notebook: ``load_scenario`` a file, then ``run`` it, ``compare`` variants or ``sweep`` its parameters
(in memory, nothing written), or ``open`` a folder the command line wrote. The names below are loaded on first
use, so that ``import sim.scenario`` or ``import sim.report`` does not load the model and the process pool.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "Comparison": "sim.analysis.compare",
    "RunResult": "sim.runs.execute",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.load",
    "SweepResult": "sim.analysis.sweep",
    "compare": "sim.analysis.compare",
    "load_scenario": "sim.scenario.load",
    "open": "sim.io:open_results",
    "run": "sim.runs.execute",
    "sweep": "sim.analysis.sweep",
}
"""Each public name's module (``module:name`` where the name there differs)."""

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, _, attribute = _HOMES[name].partition(":")
    return getattr(import_module(module), attribute or name)


def __dir__() -> list[str]:
    return list(__all__)
