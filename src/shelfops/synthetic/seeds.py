"""Independent, reproducible random streams.

Every random draw comes from a `numpy.random.Generator` seeded from the user's seed plus
a fixed stream id and indices (store, product block). Streams never share state, so a
store's data depends only on (seed, store index, config) and not on how many stores were
generated before it or in which order; and no global random state is ever touched.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """Stream ids. Never renumber: that would change every generated data set."""

    CATALOG = 1
    STORE_META = 2
    STORE_DAYS = 3
    STORE_BLOCK = 4


def rng_for(seed: int, stream: Stream, *indices: int) -> np.random.Generator:
    """A generator for `(seed, stream, *indices)`; equal inputs give equal streams."""
    return np.random.default_rng([seed, int(stream), *indices])
