"""Random streams of one replication, derived from the root seed.

Each stochastic source has a stream of its own, and so does each (source, stock) pair where a
stock's applications and orders draw: the k-th review time of a firm's licence for a material is
the same number in every policy variant run with the same seed, however many applications other
firms file. That is what makes common random numbers work across variants; and since a stream
depends only on (seed, replication, source, stock), results do not depend on how replications
are spread over workers.
"""

from __future__ import annotations

import numpy as np
from numpy.random.bit_generator import ISeedSequence

from sim.model.world import SOURCES


class PhiloxKey(ISeedSequence):
    """A Philox key given outright, in place of a seed sequence.

    ``Philox(key=...)`` still gathers OS entropy for a seed sequence it then ignores, which made
    an entity stream cost ~20 us; a generator is made for thousands of entities a replication.
    """

    __slots__ = ("words",)

    def __init__(self, *words: int) -> None:
        self.words = words

    def generate_state(self, n_words: int, dtype: type = np.uint32) -> np.ndarray:
        if n_words != len(self.words) or dtype != np.uint64:
            raise ValueError(f"a Philox key is {len(self.words)} 64-bit words")
        return np.array(self.words, dtype=np.uint64)


class Streams:
    """The streams of replication ``replication`` under root seed ``seed``."""

    def __init__(self, seed: int, replication: int) -> None:
        self._sequences = {
            source: np.random.SeedSequence(seed, spawn_key=(replication, index)) for index, source in enumerate(SOURCES)
        }
        self._keys: dict[tuple[str, int], int] = {}
        self._blocks = np.random.Philox(PhiloxKey(0, 0))
        self._block_generator = np.random.Generator(self._blocks)
        self._counter, self._key_words = [0, 0, 0, 0], [0, 0]  # lists: read faster than arrays when set
        self._block_state = {
            "bit_generator": "Philox", "state": {"counter": self._counter, "key": self._key_words},
            "buffer": [0, 0, 0, 0], "buffer_pos": 4, "has_uint32": 0, "uinteger": 0,
        }

    def shared(self, source: str) -> np.random.Generator:
        """The stream of a source drawn by the world as a whole (monthly demand, VEU flags, revocations...)."""
        return np.random.Generator(np.random.PCG64(self._sequences[source]))

    def entity(self, source: str, index: int, substream: int = 0) -> np.random.Generator:
        """The stream of one entity (a firm's stock of a material) for one source, and one of its substreams
        (say, one licence kind's review times): a counter-based generator keyed by (source, substream) and
        the entity, independent of every other key."""
        return np.random.Generator(np.random.Philox(PhiloxKey(self._key(source, substream), index)))

    def entity_block(self, source: str, index: int, substream: int, block: int) -> np.random.Generator:
        """Block ``block`` of the stream ``entity(source, index, substream)``: its numbers from the
        ``block * 2**130``-th on (block 0: from its first), far beyond what a replication draws from a block.

        The generator is one this replication shares, set to the block at each call (and valid until the next
        call): a replication draws from thousands of entity streams, most of them a handful of numbers, and a
        generator of their own was a tenth of its cost.
        """
        self._counter[2] = block
        self._key_words[:] = self._key(source, substream), index
        self._blocks.state = self._block_state  # copied in: the lists are reused
        return self._block_generator

    def _key(self, source: str, substream: int) -> int:
        """The first Philox key word of (source, substream): from the source's seed sequence, or for a
        substream other than 0 from a child of it."""
        key = self._keys.get((source, substream))
        if key is None:
            sequence = self._sequences[source]
            if substream:
                sequence = np.random.SeedSequence(sequence.entropy, spawn_key=(*sequence.spawn_key, substream))
            key = self._keys[(source, substream)] = int(sequence.generate_state(1, np.uint64)[0])
        return key


def streams(seed: int, replication: int) -> Streams:
    """The random streams of one replication."""
    return Streams(seed, replication)
