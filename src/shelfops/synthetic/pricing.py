"""Regular price paths and promotion calendars, expanded to per-day arrays.

The catalog stores prices compactly (a start price plus a few dated price steps, and a
list of promotion events per product); these functions expand a block of products into
(products x days) arrays when a store needs them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def charm_price(raw: FloatArray) -> FloatArray:
    """Round prices up to retail price points: x.x9 below $20, x.99 from $20 on."""
    raw = np.maximum(raw, 0.49)
    # The small epsilon keeps an exact $3.40 at $3.39 instead of jumping to $3.49.
    below_20 = np.ceil(raw * 10.0 - 1e-9) / 10.0 - 0.01
    from_20 = np.ceil(raw - 1e-9) - 0.01
    return np.asarray(np.round(np.where(raw < 20.0, below_20, from_20), 2), dtype=np.float64)


def regular_prices(
    base_price: FloatArray,
    change_day: IntArray,
    change_log: FloatArray,
    day_index: IntArray,
) -> FloatArray:
    """Regular shelf price of each product (rows) on each of `day_index` (columns).

    `change_day[p, k]` is the day a price step of `exp(change_log[p, k])` takes effect
    (-1 for an unused slot). The steps are summed in slot order for every day, so the
    price of the last day computed alone equals the last column of the full matrix,
    bit for bit (products.csv shows that current price).
    """
    log_path = np.zeros((base_price.shape[0], day_index.shape[0]), dtype=np.float64)
    for k in range(change_day.shape[1]):
        day = change_day[:, k : k + 1]
        in_effect = (day >= 0) & (day_index[None, :] >= day)
        log_path += np.where(in_effect, change_log[:, k : k + 1], 0.0)
    return charm_price(base_price[:, None] * np.exp(log_path))


def discount_percents(
    promo_start: IntArray,
    promo_end: IntArray,
    promo_pct: IntArray,
    days: int,
) -> IntArray:
    """Promotional discount in whole percent per product and day (0 = no promotion).

    Event k of product p runs on days `[promo_start[p, k], promo_end[p, k])`; events of
    one product never overlap, so a difference array plus a cumulative sum expands them
    exactly (integers, so no float residue is left after an event ends).
    """
    products, events = promo_start.shape
    diff = np.zeros((products, days + 1), dtype=np.int64)
    rows = np.arange(products)
    for k in range(events):
        used = (promo_pct[:, k] > 0) & (promo_start[:, k] < days)
        r = rows[used]
        # Indices within one slot are unique per row, so plain fancy `+=` is exact.
        diff[r, promo_start[used, k]] += promo_pct[used, k]
        diff[r, np.minimum(promo_end[used, k], days)] -= promo_pct[used, k]
    return np.asarray(np.cumsum(diff[:, :days], axis=1), dtype=np.int64)


def shelf_prices(regular: FloatArray, discount_pct: IntArray) -> FloatArray:
    """Price actually charged: regular price x (1 - discount), rounded to cents."""
    promoted = np.round(regular * (1.0 - discount_pct / 100.0), 2)
    return np.asarray(np.where(discount_pct > 0, promoted, regular), dtype=np.float64)
