"""Random streams: each (source, substream, entity) has its own stream, a function of the seed and replication only."""

from __future__ import annotations

import numpy as np
import pytest

from sim.runs.streams import PhiloxKey, streams


def test_an_entity_stream_is_philox_keyed_by_source_and_entity():
    s = streams(3, 4)
    key = np.random.SeedSequence(3, spawn_key=(4, 1)).generate_state(1, np.uint64)[0]  # "review" is source 1
    expected = np.random.Generator(np.random.Philox(key=np.array([key, 17], dtype=np.uint64))).random(8)
    np.testing.assert_array_equal(s.entity("review", 17).random(8), expected)


def test_a_substream_is_keyed_by_a_child_of_the_source_seed_sequence():
    s = streams(3, 4)
    key = np.random.SeedSequence(3, spawn_key=(4, 1, 2)).generate_state(1, np.uint64)[0]
    expected = np.random.Generator(np.random.Philox(key=np.array([key, 17], dtype=np.uint64))).random(8)
    np.testing.assert_array_equal(s.entity("review", 17, 2).random(8), expected)


def test_entity_streams_differ_by_entity_source_substream_and_replication_and_repeat_exactly():
    first = streams(3, 4).entity("review", 17).random(4)
    np.testing.assert_array_equal(streams(3, 4).entity("review", 17).random(4), first)
    for other in (streams(3, 4).entity("review", 18), streams(3, 4).entity("transit", 17),
                  streams(3, 4).entity("review", 17, 1), streams(3, 4).entity("review", 4 * 17 + 1),
                  streams(3, 5).entity("review", 17)):
        assert not np.allclose(other.random(4), first)


def test_a_philox_key_is_two_64_bit_words():
    with pytest.raises(ValueError, match="2 64-bit words"):
        PhiloxKey(1, 2).generate_state(4, np.uint32)


def test_a_block_of_an_entity_stream_starts_where_the_stream_does_and_blocks_do_not_overlap():
    s = streams(3, 4)
    first = s.entity("review", 17, 2).random(8)
    np.testing.assert_array_equal(s.entity_block("review", 17, 2, 0).random(8), first)
    later = s.entity_block("review", 17, 2, 1).random(8)
    np.testing.assert_array_equal(s.entity_block("review", 17, 2, 1).random(8), later)  # set anew at each call
    assert not np.isin(later, first).any()
    np.testing.assert_array_equal(s.entity_block("review", 17, 2, 0).random(8), first)
