"""The commands a user types, one module each, between the command line and the library.

A command checks where its results go and what its run will cost, calls the analysis (which returns results
and knows no folder), writes the results through ``sim.io`` (files whole or not at all) and renders them
through ``sim.report`` (plots and pages, from the tables written) and ``sim.commands.text`` (what the terminal
shows).
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.runs.execute import default_workers
from sim.runs.limits import check_cost
from sim.scenario.schema import Scenario


def check_affordable(scenarios: Sequence[Scenario], replications: int, workers: int | None, *,
                     allow_large: bool = False) -> None:
    """Refuse, before any work, ``replications`` of each scenario estimated past this machine's limits
    (``sim.runs.limits.check_cost``), unless ``allow_large``."""
    if not allow_large:
        check_cost(scenarios, replications, workers or default_workers(replications * len(scenarios)))
