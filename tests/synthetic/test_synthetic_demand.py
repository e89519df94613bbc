"""The demand patterns a forecaster should find are really in the generated sales."""

from __future__ import annotations

import datetime
from pathlib import Path

import polars as pl

from shelfops.synthetic import GenerationConfig, generate_dataset

from .conftest import Dataset, number

NOT_STOCKED_OUT = pl.col("on_hand_close") > 0


def test_promotions_lift_sales_of_the_same_products(dataset: Dataset) -> None:
    # Stock-out days are left out: there the quantity is censored, not demand.
    per_product = (
        dataset.sales.filter(NOT_STOCKED_OUT)
        .group_by("product_code")
        .agg(
            pl.col("quantity").filter(pl.col("promo_flag")).mean().alias("promo"),
            pl.col("quantity").filter(~pl.col("promo_flag")).mean().alias("regular"),
            pl.col("promo_flag").sum().alias("promo_days"),
        )
        .filter((pl.col("promo_days") >= 20) & (pl.col("regular") > 0))
        .with_columns((pl.col("promo") / pl.col("regular")).alias("lift"))
    )
    assert per_product.height >= 20, "too few promoted products to judge"
    median_lift = number(per_product["lift"].median())
    assert median_lift > 1.3
    # Deeper discounts lift more (price elasticity).
    by_depth = (
        dataset.sales.filter(NOT_STOCKED_OUT & pl.col("promo_flag"))
        .join(
            dataset.sales.filter(NOT_STOCKED_OUT & ~pl.col("promo_flag"))
            .group_by("store_code", "product_code")
            .agg(pl.col("quantity").mean().alias("base")),
            on=["store_code", "product_code"],
        )
        .filter(pl.col("base") > 1)
        .group_by(pl.col("discount_pct") >= 0.3)
        .agg((pl.col("quantity") / pl.col("base")).mean().alias("lift"))
        .sort("discount_pct")
    )
    shallow, deep = by_depth["lift"].to_list()
    assert deep > shallow * 1.15


def test_weekly_seasonality_weekend_peak(dataset: Dataset) -> None:
    means = (
        dataset.sales.group_by(pl.col("date").dt.weekday().alias("weekday"))  # 1 = Monday
        .agg(pl.col("quantity").mean())
        .sort("weekday")["quantity"]
        .to_list()
    )
    monday, tuesday, _, _, friday, saturday, _ = means
    assert saturday == max(means)
    assert saturday > 1.25 * tuesday
    assert friday > 1.1 * monday


def _clean_sales(dataset: Dataset) -> pl.DataFrame:
    """Uncensored, unpromoted sales of products on sale for the whole window.

    Seasonal and holiday effects are measured on these so that promotions, stock-outs
    and launches do not blur them.
    """
    steady = dataset.products.filter(
        (pl.col("launched_on") < dataset.config.start) & pl.col("discontinued_on").is_null()
    )
    return dataset.sales.filter(NOT_STOCKED_OUT & ~pl.col("promo_flag")).join(
        steady.select("product_code", "category"), on="product_code"
    )


def _mean_in_months(sales: pl.DataFrame, category: str, months: list[int]) -> float:
    value = sales.filter(
        (pl.col("category") == category)
        & pl.col("date").dt.month().is_in(months)
        & (pl.col("date").dt.year() == 2024)
    )["quantity"].mean()
    assert isinstance(value, float), f"no {category} sales in months {months}"
    return value


def test_yearly_seasonality_depends_on_category(dataset: Dataset) -> None:
    sales = _clean_sales(dataset)

    def ratio(category: str, high: list[int], low: list[int]) -> float:
        return _mean_in_months(sales, category, high) / _mean_in_months(sales, category, low)

    spring, autumn = [4, 5, 6], [10, 11, 12]
    assert ratio("Garden & Outdoor", spring, autumn) > 1.8  # garden sells in spring
    assert ratio("Toys & Games", autumn, spring) > 1.8  # toys sell before Christmas
    assert ratio("Cold & Flu", [1, 2], [7, 8]) > 1.5  # cold remedies sell in winter
    # Staples are nearly flat over the year.
    assert 0.8 < ratio("Paper Goods", spring, autumn) < 1.25


def test_shoppers_stock_up_before_thanksgiving_and_christmas(dataset: Dataset) -> None:
    daily = _clean_sales(dataset).group_by("date").agg(pl.col("quantity").mean())

    def mean_on(day: datetime.date) -> float:
        return float(daily.filter(pl.col("date") == day)["quantity"].item())

    def same_weekday_norm(day: datetime.date) -> float:
        # The same weekday 2-4 weeks earlier: same weekly pattern, no holiday.
        return sum(mean_on(day - datetime.timedelta(weeks=w)) for w in (2, 3, 4)) / 3

    eve_of_thanksgiving = datetime.date(2024, 11, 27)
    christmas_eve = datetime.date(2024, 12, 24)
    assert mean_on(eve_of_thanksgiving) > 1.2 * same_weekday_norm(eve_of_thanksgiving)
    assert mean_on(christmas_eve) > 1.2 * same_weekday_norm(christmas_eve)


def test_intermittent_slow_movers_exist(dataset: Dataset) -> None:
    per_product = dataset.sales.group_by("product_code").agg(
        pl.col("quantity").mean().alias("mean"),
        (pl.col("quantity") == 0).mean().alias("zero_share"),
    )
    slow = per_product.filter(pl.col("mean") < 1)
    share = slow.height / per_product.height
    assert 0.15 <= share <= 0.40
    # Their sales are intermittent: most days sell nothing.
    median_zero_share = number(slow["zero_share"].median())
    assert median_zero_share > 0.5


def test_regular_prices_change_over_time(dataset: Dataset) -> None:
    regular_prices = (
        dataset.sales.filter(~pl.col("promo_flag"))
        .group_by("product_code")
        .agg(pl.col("unit_price").n_unique().alias("prices"))
    )
    changed = number((regular_prices["prices"] >= 2).mean())
    assert 0.3 < changed < 1.0


def test_products_trend_up_or_down_over_two_years(tmp_path: Path) -> None:
    config = GenerationConfig(stores=2, products=90, days=730, seed=5)
    generate_dataset(config, tmp_path)
    sales = pl.read_csv(tmp_path / "sales.csv", schema_overrides={"date": pl.Date})
    products = pl.read_csv(tmp_path / "products.csv", schema_overrides={"launched_on": pl.Date})
    steady = products.filter(
        (pl.col("launched_on") < config.start) & pl.col("discontinued_on").is_null()
    )["product_code"]
    # Same calendar months in both years, so the annual curve cancels out; fast movers
    # only, so that sampling noise (a few %) is small next to the trends.
    growth = (
        sales.filter(NOT_STOCKED_OUT & pl.col("product_code").is_in(steady.implode()))
        .group_by("product_code")
        .agg(
            pl.col("quantity").filter(pl.col("date").dt.year() == 2024).mean().alias("first"),
            pl.col("quantity").filter(pl.col("date").dt.year() == 2025).mean().alias("second"),
        )
        .filter(pl.col("first") >= 2)
        .with_columns((pl.col("second") / pl.col("first")).alias("growth"))
    )["growth"]
    assert growth.len() >= 20
    # Each product has its own mild trend: some clearly grow, some clearly shrink,
    # none explodes.
    assert number((growth > 1.06).mean()) >= 0.1
    assert number((growth < 0.94).mean()) >= 0.1
    assert number(growth.min()) > 0.6
    assert number(growth.max()) < 1.6
