"""Store master data and each store's hidden traits (size, inventory discipline)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfops.synthetic.config import GenerationConfig
from shelfops.synthetic.seeds import Stream, rng_for
from shelfops.synthetic.taxonomy import CITIES

_CITY_WEIGHTS = np.array([c.weight for c in CITIES]) / sum(c.weight for c in CITIES)


@dataclass(frozen=True)
class Stores:
    """Store master data; arrays are indexed by store."""

    codes: list[str]
    names: list[str]
    regions: list[str]
    cities: list[str]
    timezones: list[str]
    opened_on: list[datetime.date]
    scale: npt.NDArray[np.float64]
    """Demand multiplier of the store (its size and footfall); mean about 1."""
    safety_bias: npt.NDArray[np.float64]
    """How generously the store sets safety stock (in standard deviations)."""

    def __len__(self) -> int:
        return len(self.codes)


def build_stores(config: GenerationConfig) -> Stores:
    """Draw the chain's stores.

    Each store comes from its own stream, so store k is the same whether 5 or 500 stores
    are generated (only the ordinal in its name depends on the stores before it).
    """
    width = max(4, len(str(config.stores)))
    codes, names, regions, cities, timezones, opened = [], [], [], [], [], []
    scale = np.empty(config.stores, dtype=np.float64)
    safety = np.empty(config.stores, dtype=np.float64)
    per_city: dict[str, int] = {}
    for i in range(config.stores):
        rng = rng_for(config.seed, Stream.STORE_META, i)
        city = CITIES[int(rng.choice(len(CITIES), p=_CITY_WEIGHTS))]
        per_city[city.name] = per_city.get(city.name, 0) + 1
        codes.append(f"S{i + 1:0{width}d}")
        names.append(f"{city.name} #{per_city[city.name]}")
        regions.append(city.region)
        cities.append(city.name)
        timezones.append(city.timezone)
        # All stores trade for the whole window; they opened 1-25 years before it.
        opened.append(config.start - datetime.timedelta(days=int(rng.integers(365, 9000))))
        # Log-normal with mean 1: a few large flagship stores, many average ones.
        scale[i] = float(rng.lognormal(-0.5 * 0.35**2, 0.35))
        safety[i] = float(rng.normal(0.1, 0.3))
    return Stores(codes, names, regions, cities, timezones, opened, scale, safety)
