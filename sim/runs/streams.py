"""Random streams: one independent numpy Generator per (replication, stochastic source).

Stream ``(seed, replication, source)`` is the same whatever else the scenario contains and
however replications are spread over workers, so that policy variants run with the same seed
share their random numbers source by source (common random numbers).
"""

from __future__ import annotations

import numpy as np

from sim.model.world import SOURCES


def streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """The named generators of one replication."""
    return {
        source: np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(replication, index))))
        for index, source in enumerate(SOURCES)
    }
