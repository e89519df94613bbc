"""New products start selling on launch; discontinued ones stop; others sell throughout."""

from __future__ import annotations

import datetime

import polars as pl

from .conftest import Dataset


def _sales_span(dataset: Dataset) -> pl.DataFrame:
    return (
        dataset.sales.group_by("store_code", "product_code")
        .agg(
            pl.col("date").min().alias("first"),
            pl.col("date").max().alias("last"),
            pl.len().alias("rows"),
        )
        .join(dataset.products, on="product_code")
    )


def test_new_products_launch_mid_history_and_have_no_earlier_rows(dataset: Dataset) -> None:
    start, end = dataset.config.start, dataset.config.end
    new = dataset.products.filter(pl.col("launched_on") > start)
    assert new.height >= 5
    assert (new["launched_on"] <= end).all()
    spans = _sales_span(dataset).filter(pl.col("launched_on") > start)
    assert spans.height == new.height * dataset.config.stores
    # Zero-sales days are rows too, so the first row is exactly the launch day.
    assert (spans["first"] == spans["launched_on"]).all()
    early_counts = dataset.inventory.join(new, on="product_code").filter(
        pl.col("date") < pl.col("launched_on")
    )
    assert early_counts.height == 0


def test_discontinued_products_have_no_rows_from_discontinuation(dataset: Dataset) -> None:
    gone = dataset.products.filter(pl.col("discontinued_on").is_not_null())
    assert gone.height >= 3
    assert (gone["discontinued_on"] > dataset.config.start).all()
    assert (gone["discontinued_on"] <= dataset.config.end).all()
    spans = _sales_span(dataset).filter(pl.col("discontinued_on").is_not_null())
    last_day = spans["discontinued_on"] - datetime.timedelta(days=1)
    assert (spans["last"] == last_day).all()
    late_counts = dataset.inventory.join(gone, on="product_code").filter(
        pl.col("date") >= pl.col("discontinued_on")
    )
    assert late_counts.height == 0


def test_other_products_have_a_row_every_day(dataset: Dataset) -> None:
    spans = _sales_span(dataset).filter(
        (pl.col("launched_on") <= dataset.config.start) & pl.col("discontinued_on").is_null()
    )
    assert spans.height > 0
    assert (spans["rows"] == dataset.config.days).all()
