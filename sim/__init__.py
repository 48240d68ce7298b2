"""Export-licence regime simulator: scenario YAML -> SimPy model -> Monte Carlo -> results."""

from sim.runs.execute import RunResult, run
from sim.scenario.load import ScenarioError, load_scenario
from sim.scenario.schema import Scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
