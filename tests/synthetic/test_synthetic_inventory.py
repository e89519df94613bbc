"""Stock-outs censor sales; replenishment and weekly counts come from one simulation."""

from __future__ import annotations

import numpy as np
import polars as pl

from shelfops.synthetic.inventory import Policy, draw_lead_times, simulate_inventory

from .conftest import Dataset, number


def _with_previous_close(sales: pl.DataFrame) -> pl.DataFrame:
    return sales.sort("store_code", "product_code", "date").with_columns(
        pl.col("on_hand_close").shift(1).over("store_code", "product_code").alias("prev_close")
    )


def test_stockouts_happen_at_a_modest_rate(dataset: Dataset) -> None:
    stocked_out = dataset.sales["on_hand_close"] == 0
    share = number(stocked_out.mean())
    assert 0.005 <= share <= 0.10
    # Spread over many items, not one item that is never stocked.
    items = dataset.sales.filter(stocked_out).select("store_code", "product_code").n_unique()
    assert items >= 0.25 * dataset.sales.select("store_code", "product_code").n_unique()


def test_sales_stop_while_the_shelf_is_empty(sales_with_product: pl.DataFrame) -> None:
    rows = _with_previous_close(sales_with_product).filter(pl.col("prev_close").is_not_null())
    # Units received overnight = close - previous close + sold; never negative, and
    # always whole cases (orders are placed in cases).
    received = rows["on_hand_close"] - rows["prev_close"] + rows["quantity"]
    assert (received >= 0).all()
    assert ((received % rows["pack_size"]) == 0).all()
    # Empty yesterday and nothing delivered today → nothing can be sold today.
    empty = rows.filter((pl.col("prev_close") == 0) & (received == 0))
    assert empty.height > 0
    assert (empty["quantity"] == 0).all()


def test_stockout_days_sell_less_than_the_items_usual_demand(dataset: Dataset) -> None:
    # A stock-out day has its quantity cut short: on days that start empty and get no
    # delivery the item sells nothing although it normally sells every day.
    rows = _with_previous_close(dataset.sales)
    usual = rows.group_by("store_code", "product_code").agg(
        pl.col("quantity").filter(pl.col("on_hand_close") > 0).mean().alias("usual")
    )
    fast = usual.filter(pl.col("usual") >= 5)
    censored = rows.join(fast, on=["store_code", "product_code"]).filter(
        (pl.col("prev_close") == 0) & (pl.col("on_hand_close") == 0)
    )
    assert censored.height > 0
    ratio = number(censored["quantity"].mean())
    assert ratio < 0.5 * number(fast["usual"].mean())


def test_simulation_sells_min_of_demand_and_stock() -> None:
    rng = np.random.default_rng(1)
    products, days = 40, 120
    demand = rng.poisson(rng.uniform(0.2, 12, size=(products, 1)), size=(products, days))
    active = np.ones((products, days), dtype=np.bool_)
    reorder = np.full((products, days), 10, dtype=np.int64)
    policy = Policy(reorder_point=reorder, order_up_to=reorder + 30)
    pack = rng.choice([1, 6, 12], size=products).astype(np.int64)
    lead_mean = rng.uniform(2, 8, size=products)
    lead_std = rng.uniform(0.5, 2, size=products)
    lead = draw_lead_times(rng, lead_mean, lead_std, days)
    result = simulate_inventory(
        demand=demand,
        active=active,
        launch_day=np.zeros(products, dtype=np.int64),
        policy=policy,
        pack_size=pack,
        min_order_qty=np.zeros(products, dtype=np.int64),
        lead_days=lead,
        initial_on_hand=np.full(products, 25, dtype=np.int64),
    )
    available = result.opening_on_hand + result.received
    np.testing.assert_array_equal(result.sales, np.minimum(demand, available))
    np.testing.assert_array_equal(result.on_hand_close, available - result.sales)
    # Some demand was lost to stock-outs, and exactly on the days the shelf emptied.
    lost = demand > result.sales
    assert lost.any()
    assert (result.on_hand_close[lost] == 0).all()
    # Stock only ever arrives in whole cases and on-order never goes negative.
    assert (result.received % pack[:, None] == 0).all()
    assert (result.on_order_close >= 0).all()


def test_lead_times_vary_around_the_supplier_mean() -> None:
    rng = np.random.default_rng(7)
    mean = np.array([3.0, 10.0])
    std = np.array([1.0, 3.0])
    lead = draw_lead_times(rng, mean, std, 20_000)
    assert lead.min() >= 1
    np.testing.assert_allclose(lead.mean(axis=1), mean, atol=0.1)
    np.testing.assert_allclose(lead.std(axis=1), std, rtol=0.1)


def test_weekly_counts_are_sundays_from_the_same_simulation(dataset: Dataset) -> None:
    inventory = dataset.inventory
    assert (inventory["date"].dt.weekday() == 7).all()  # ISO weekday 7 = Sunday
    joined = inventory.join(dataset.sales, on=["store_code", "product_code", "date"])
    assert joined.height == inventory.height  # every count matches a sales row
    assert (joined["on_hand"] == joined["on_hand_close"]).all()
    assert (inventory["on_order"] >= 0).all()
    on_order_share = number((inventory["on_order"] > 0).mean())
    assert 0.05 < on_order_share < 0.9
    # Every item on sale on a Sunday is counted.
    sunday_sales = dataset.sales.filter(pl.col("date").dt.weekday() == 7)
    assert sunday_sales.height == inventory.height
