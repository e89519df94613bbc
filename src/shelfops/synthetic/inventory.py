"""Store inventory simulation: (s, S) replenishment, stochastic lead times, lost sales.

One store and a block of products at a time: the loop runs over days and every step is
vectorised over the products. Each day

1. orders due today arrive in the morning (a new product gets its first fill on launch),
2. sales = min(demand, on hand) — demand beyond the stock is lost, not back-ordered,
   which is exactly the censoring a forecaster must cope with,
3. at close, any product whose inventory position (on hand + on order) is at or below
   its reorder point s orders up to S (at least the supplier's minimum, in whole
   cases); the order arrives after a lead time drawn around the supplier's mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

PLANNING_HORIZON_DAYS = 14
"""The store plans on the mean expected demand of the next two weeks."""


@dataclass(frozen=True)
class Policy:
    """Reorder point s and order-up-to level S per product (rows) and day (columns)."""

    reorder_point: IntArray
    order_up_to: IntArray


@dataclass(frozen=True)
class InventoryResult:
    """Daily outcome per product (rows) and day (columns)."""

    sales: IntArray
    on_hand_close: IntArray
    on_order_close: IntArray
    received: IntArray
    opening_on_hand: IntArray
    """On hand at the start of the day, before that day's receipts."""


def forward_mean(rate: FloatArray, horizon: int) -> FloatArray:
    """Mean of `rate[:, t : t + horizon]` for every t (shorter windows at the end)."""
    days = rate.shape[1]
    cumulative = np.zeros((rate.shape[0], days + 1), dtype=np.float64)
    np.cumsum(rate, axis=1, out=cumulative[:, 1:])
    start = np.arange(days)
    stop = np.minimum(start + horizon, days)
    return np.asarray(
        (cumulative[:, stop] - cumulative[:, start]) / (stop - start), dtype=np.float64
    )


def replenishment_policy(
    plan_rate: FloatArray,
    lead_mean: FloatArray,
    lead_std: FloatArray,
    dispersion: FloatArray,
    safety_z: FloatArray,
    cover_days: FloatArray,
    pack_size: IntArray,
) -> Policy:
    """Textbook (s, S) levels from the planned daily rate.

    s covers the mean demand over lead time plus one review day, plus `safety_z`
    standard deviations of it (demand noise of a negative binomial plus lead-time
    noise); S adds a cycle stock of `cover_days` of demand, at least one case.
    All per-product arguments have shape (rows,).
    """
    protection = lead_mean[:, None] + 1.0
    mean = plan_rate * protection
    variance = mean * (1.0 + plan_rate / dispersion[:, None]) + (plan_rate * lead_std[:, None]) ** 2
    reorder = np.ceil(mean + safety_z[:, None] * np.sqrt(variance))
    reorder = np.maximum(reorder, 0.0)
    cycle = np.maximum(pack_size[:, None], np.ceil(plan_rate * cover_days[:, None]))
    return Policy(
        reorder_point=reorder.astype(np.int64), order_up_to=(reorder + cycle).astype(np.int64)
    )


def ring_size(lead_mean: FloatArray, lead_std: FloatArray) -> int:
    """Slots of the in-transit ring buffer: longer than any lead time that can be drawn."""
    if lead_mean.size == 0:
        return 2
    return math.ceil(float(np.max(lead_mean + 4.0 * lead_std))) + 2


def draw_lead_times(
    rng: np.random.Generator, lead_mean: FloatArray, lead_std: FloatArray, days: int
) -> IntArray:
    """Lead time (whole days, >= 1) of an order placed by each product on each day."""
    ring = ring_size(lead_mean, lead_std)
    noise = rng.standard_normal((lead_mean.shape[0], days))
    lead = np.rint(lead_mean[:, None] + lead_std[:, None] * noise)
    return np.clip(lead, 1, ring - 1).astype(np.int64)


def simulate_inventory(
    demand: IntArray,
    active: BoolArray,
    launch_day: IntArray,
    policy: Policy,
    pack_size: IntArray,
    min_order_qty: IntArray,
    lead_days: IntArray,
    initial_on_hand: IntArray,
) -> InventoryResult:
    """Run the daily stock simulation for one store and a block of products.

    `demand`, `active` and `lead_days` are (rows, days); `launch_day` is the first
    selling day per product (<= 0 for products already on sale, which start with
    `initial_on_hand`); new products receive S units on their launch morning.
    """
    products, days = demand.shape
    # Work day-major so that each day's slice is contiguous memory.
    demand_t = np.ascontiguousarray(demand.T)
    active_t = np.ascontiguousarray(active.T)
    reorder_t = np.ascontiguousarray(policy.reorder_point.T)
    up_to_t = np.ascontiguousarray(policy.order_up_to.T)
    lead_t = np.ascontiguousarray(lead_days.T)

    ring = int(lead_days.max(initial=0)) + 1
    pipeline = np.zeros((ring, products), dtype=np.int64)
    on_hand = np.where(launch_day <= 0, initial_on_hand, 0).astype(np.int64)
    on_order = np.zeros(products, dtype=np.int64)
    launches: dict[int, IntArray] = {}
    for day in np.unique(launch_day[(launch_day > 0) & (launch_day < days)]):
        launches[int(day)] = np.flatnonzero(launch_day == day)

    sales = np.empty((days, products), dtype=np.int64)
    close = np.empty((days, products), dtype=np.int64)
    on_order_close = np.empty((days, products), dtype=np.int64)
    received = np.empty((days, products), dtype=np.int64)
    opening = np.empty((days, products), dtype=np.int64)

    for t in range(days):
        opening[t] = on_hand
        slot = t % ring
        arriving = pipeline[slot].copy()
        pipeline[slot] = 0
        on_hand += arriving
        on_order -= arriving
        new = launches.get(t)
        if new is not None:
            # The listing fill for a new product, delivered (in whole cases) before it
            # goes on sale.
            fill = -(-up_to_t[t, new] // pack_size[new]) * pack_size[new]
            arriving[new] += fill
            on_hand[new] += fill
        received[t] = arriving

        sold = np.minimum(demand_t[t], on_hand)
        on_hand -= sold
        sales[t] = sold
        close[t] = on_hand

        position = on_hand + on_order
        ordering = np.flatnonzero(active_t[t] & (position <= reorder_t[t]))
        if ordering.size:
            shortfall = up_to_t[t, ordering] - position[ordering]
            quantity = np.maximum(shortfall, min_order_qty[ordering])
            cases = -(-quantity // pack_size[ordering])  # round up to whole cases
            quantity = cases * pack_size[ordering]
            due = (t + lead_t[t, ordering]) % ring
            pipeline[due, ordering] += quantity
            on_order[ordering] += quantity
        # Counted after ordering: an order placed today is on order tonight already.
        on_order_close[t] = on_order

    return InventoryResult(
        sales=np.ascontiguousarray(sales.T),
        on_hand_close=np.ascontiguousarray(close.T),
        on_order_close=np.ascontiguousarray(on_order_close.T),
        received=np.ascontiguousarray(received.T),
        opening_on_hand=np.ascontiguousarray(opening.T),
    )
