"""One store x one product block: draw its demand and run its stock simulation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shelfops.synthetic.catalog import Catalog
from shelfops.synthetic.demand import ChainBlock, draw_demand, store_affinity
from shelfops.synthetic.inventory import (
    PLANNING_HORIZON_DAYS,
    InventoryResult,
    draw_lead_times,
    forward_mean,
    replenishment_policy,
    simulate_inventory,
)

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PROMO_ANTICIPATION = 0.4
"""Share of a promotion's lift the store plans for: promotions often run out of stock."""


@dataclass(frozen=True)
class StoreBlock:
    """Everything the writers need for one store and products `chain.lo:chain.hi`."""

    chain: ChainBlock
    demand: IntArray
    """True (uncensored) demand; not written, kept for checks."""
    inventory: InventoryResult


def simulate_store_block(
    catalog: Catalog,
    chain: ChainBlock,
    store_scale: float,
    safety_bias: float,
    day_noise: FloatArray,
    rng: np.random.Generator,
) -> StoreBlock:
    """Draw demand for one store and one product block and simulate its inventory.

    `rng` must be the stream of this (store, block); `day_noise` is the store's shared
    daily shock (drawn once per store so every block of the store sees the same days).
    """
    products = catalog.products
    lo, hi = chain.lo, chain.hi
    rows = hi - lo
    supplier = products.supplier[lo:hi]
    lead_mean = catalog.suppliers.lead_time_mean[supplier]
    lead_std = catalog.suppliers.lead_time_std[supplier]
    pack = products.pack_size[lo:hi]

    local = store_scale * store_affinity(rng, rows)[:, None]
    expected = chain.baseline * chain.promo_lift * local * day_noise[None, :]
    demand = draw_demand(rng, expected, chain.dispersion)

    # The store's plan knows the seasonality and holidays but only part of the promotion
    # lift, and the safety factor varies by item: together they give a modest, uneven
    # stock-out rate concentrated on promotions and fast sellers.
    planned = chain.baseline * local * (1.0 + PROMO_ANTICIPATION * (chain.promo_lift - 1.0))
    plan_rate = forward_mean(planned, PLANNING_HORIZON_DAYS)
    safety_z = np.clip(rng.normal(safety_bias, 0.7, size=rows), -1.0, 3.0)
    cover_low, cover_high = catalog.products.cover_days_range(lo, hi)
    cover_days = rng.uniform(cover_low, cover_high)
    policy = replenishment_policy(
        plan_rate, lead_mean, lead_std, products.dispersion[lo:hi], safety_z, cover_days, pack
    )
    lead_days = draw_lead_times(rng, lead_mean, lead_std, chain.baseline.shape[1])
    # Start each established item somewhere in its (s, S] band, as mid-cycle stock.
    low, high = policy.reorder_point[:, 0], policy.order_up_to[:, 0]
    initial = low + 1 + (rng.random(rows) * (high - low)).astype(np.int64)

    inventory = simulate_inventory(
        demand=demand,
        active=chain.active,
        launch_day=products.launch_day[lo:hi],
        policy=policy,
        pack_size=pack,
        min_order_qty=catalog.suppliers.min_order_qty[supplier],
        lead_days=lead_days,
        initial_on_hand=initial,
    )
    return StoreBlock(chain=chain, demand=demand, inventory=inventory)
