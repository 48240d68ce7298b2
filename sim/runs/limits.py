"""Refusing, before it starts, a run this machine cannot hold or would take hours to finish: its cost is estimated
from the scenarios' counts and horizons (``sim.model.cost``), and the caller may lift the limits knowingly."""

from __future__ import annotations

import os
from collections.abc import Sequence

from sim.model.cost import RunawayError, estimate
from sim.runs.metrics import EXPORTER_COLUMNS, layout
from sim.scenario.schema import Scenario

EVENTS_PER_REPLICATION_LIMIT = 50_000_000
"""The most events a replication may be estimated at: about a quarter of an hour (``EVENTS_PER_SECOND``)."""
EVENTS_LIMIT = 2_000_000_000
"""The most events a whole run may be estimated at: about five hours on two cores."""
MEMORY_SHARE = 0.5
"""The share of the machine's memory a run may be estimated to hold (every worker's replication, the parent's
tables)."""
EVENTS_PER_SECOND = 60_000
"""Events a core simulates a second on the baseline (``benchmarks/run.py``), to put the estimate in hours."""


class CostError(ValueError):
    """A run estimated past a limit: refused before it starts."""


__all__ = ["CostError", "RunawayError", "check_cost"]  # RunawayError: what a run that went past its budget raises

def check_cost(scenarios: Sequence[Scenario], replications: int, workers: int) -> None:
    """Raise ``CostError``, with the estimate, if running ``replications`` of each scenario on ``workers`` processes
    is estimated past ``EVENTS_PER_REPLICATION_LIMIT``, ``EVENTS_LIMIT`` or ``MEMORY_SHARE`` of the memory."""
    costs = [estimate(s) for s in scenarios]
    largest = max(range(len(costs)), key=lambda k: costs[k].events)
    name, cost = scenarios[largest].name, costs[largest]
    events = sum(c.events for c in costs) * replications
    held = max(c.memory_bytes for c in costs) * min(workers, replications * len(costs)) + sum(
        _kept_bytes(s) for s in scenarios) * replications
    memory = _machine_bytes()
    seconds = events / (EVENTS_PER_SECOND * workers)
    took = f"{seconds / 3600:,.1f} hours" if seconds >= 3600 else f"{max(1, round(seconds / 60))} minute(s)"
    whole = f"about {took} on {workers} worker(s) and {_size(held)} of memory"
    if cost.events > EVENTS_PER_REPLICATION_LIMIT:
        why = (f"a replication of {name} is estimated at {cost.events:,} events, past the limit of "
               f"{EVENTS_PER_REPLICATION_LIMIT:,} ({replications:,} replication(s): {whole})")
    elif events > EVENTS_LIMIT:
        why = (f"{replications:,} replication(s) of {name if len(costs) == 1 else f'{len(costs)} scenarios'} are "
               f"estimated at {events:,} events, past the limit of {EVENTS_LIMIT:,} ({whole})")
    elif held > MEMORY_SHARE * memory:
        why = (f"{replications:,} replication(s) of {name if len(costs) == 1 else f'{len(costs)} scenarios'} are "
               f"estimated to hold {_size(held)}, over {MEMORY_SHARE:.0%} of this machine's {_size(memory)} ({whole})")
    else:
        return
    group = cost.largest()
    if cost.backlogs and max(cost.backlogs.values()) > group.attempts:
        event = max(cost.backlogs, key=cost.backlogs.__getitem__)
        raise CostError(f"{why}; most of it is the applications from outside the panel of policy.{event} "
                        f"({cost.backlogs[event]:,}; {len(cost.backlogs)} backlog event(s) in all)")
    raise CostError(
        f"{why}; most of it is buyer group {group.group}: {group.stocks:,} firm(s) buying {group.material}, about "
        f"{group.attempts_per_stock:,.0f} orders each over {cost.horizon_days:,} days (buyers.{group.group}.count, "
        f"and {group.cycle_key}, set them)")


def _kept_bytes(scenario: Scenario) -> int:
    """What the parent keeps of each replication in memory: its metric values, delays by day and exporters'
    months (the monthly series go to a temporary file)."""
    shape = layout(scenario)
    return (8 * len(shape.keys) + 4 * (scenario.calendar.horizon_days + 1)
            + 4 * len(shape.months) * len(scenario.exporters) * len(EXPORTER_COLUMNS))


def _machine_bytes() -> int:
    """The machine's physical memory (8 GiB where the platform does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * 2**30


def _size(n: float) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.0f} MiB"
