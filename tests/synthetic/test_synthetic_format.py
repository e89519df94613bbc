"""The files follow docs/canonical-format.md: columns, types, references, keys, order."""

from __future__ import annotations

import re
import zoneinfo

import polars as pl

from .conftest import Dataset, number

# Copied from docs/canonical-format.md on purpose (not imported from the writer), so a
# change to the writer that breaks the documented format fails here.
EXPECTED_COLUMNS = {
    "suppliers.csv": [
        "supplier_code",
        "name",
        "lead_time_days",
        "lead_time_std_days",
        "min_order_qty",
    ],
    "stores.csv": ["store_code", "name", "region", "city", "timezone", "opened_on", "closed_on"],
    "products.csv": [
        "product_code",
        "name",
        "category",
        "department",
        "supplier_code",
        "unit_cost",
        "unit_price",
        "pack_size",
        "launched_on",
        "discontinued_on",
    ],
    "sales.csv": [
        "date",
        "store_code",
        "product_code",
        "quantity",
        "unit_price",
        "promo_flag",
        "discount_pct",
        "on_hand_close",
    ],
    "inventory.csv": ["date", "store_code", "product_code", "on_hand", "on_order"],
}


def test_exactly_the_five_canonical_files_with_their_columns(dataset: Dataset) -> None:
    assert sorted(p.name for p in dataset.out_dir.iterdir()) == sorted(EXPECTED_COLUMNS)
    for name, columns in EXPECTED_COLUMNS.items():
        with (dataset.out_dir / name).open(encoding="utf-8") as handle:
            assert handle.readline() == ",".join(columns) + "\n", name


def test_row_counts_match_the_summary(dataset: Dataset) -> None:
    summary = dataset.summary
    assert summary.suppliers.rows == dataset.suppliers.height
    assert summary.stores.rows == dataset.stores.height == dataset.config.stores
    assert summary.products.rows == dataset.products.height == dataset.config.products
    assert summary.sales.rows == dataset.sales.height
    assert summary.inventory.rows == dataset.inventory.height
    assert summary.stockout_rows == dataset.sales.filter(pl.col("on_hand_close") == 0).height


def test_sales_lines_are_formatted_as_documented(dataset: Dataset) -> None:
    line = re.compile(r"\d{4}-\d{2}-\d{2},S\d{4},P\d{5},\d+,\d+\.\d{2},(true|false),0\.\d{2},\d+")
    with (dataset.out_dir / "sales.csv").open(encoding="utf-8") as handle:
        next(handle)
        for number, text in enumerate(handle):
            assert line.fullmatch(text.rstrip("\n")), text
            if number > 20_000:
                break


def test_codes_referenced_exist_in_master_data(dataset: Dataset) -> None:
    stores = set(dataset.stores["store_code"])
    products = set(dataset.products["product_code"])
    suppliers = set(dataset.suppliers["supplier_code"])
    assert set(dataset.sales["store_code"]) == stores
    assert set(dataset.sales["product_code"]) == products
    assert set(dataset.inventory["store_code"]) <= stores
    assert set(dataset.inventory["product_code"]) <= products
    assert set(dataset.products["supplier_code"]) <= suppliers


def test_natural_keys_are_unique(dataset: Dataset) -> None:
    assert dataset.suppliers["supplier_code"].is_unique().all()
    assert dataset.stores["store_code"].is_unique().all()
    assert dataset.products["product_code"].is_unique().all()
    key = ["store_code", "product_code", "date"]
    assert not dataset.sales.select(key).is_duplicated().any()
    assert not dataset.inventory.select(key).is_duplicated().any()


def test_sales_are_sorted_by_store_product_date(dataset: Dataset) -> None:
    key = ["store_code", "product_code", "date"]
    assert dataset.sales.select(key).equals(dataset.sales.select(key).sort(key))
    assert dataset.inventory.select(key).equals(dataset.inventory.select(key).sort(key))


def test_sales_values_are_in_range(dataset: Dataset) -> None:
    sales = dataset.sales
    assert sales.schema["quantity"] == pl.Int64
    assert sales.schema["on_hand_close"] == pl.Int64
    assert sales.schema["promo_flag"] == pl.Boolean
    assert sales["quantity"].min() == 0  # zero-sales days are rows too
    assert (sales["on_hand_close"] >= 0).all()
    assert (sales["unit_price"] > 0).all()
    assert ((sales["discount_pct"] >= 0) & (sales["discount_pct"] < 1)).all()
    # promo_flag is set exactly when there is a discount.
    assert sales["promo_flag"].equals(sales["discount_pct"] > 0, check_names=False)
    dates = sales["date"]
    assert dates.min() == dataset.config.start
    assert dates.max() == dataset.config.end


def test_promotional_price_is_regular_price_times_one_minus_discount(dataset: Dataset) -> None:
    # The regular price of a promoted day is the non-promoted price of the same product
    # on the closest earlier day (regular prices only change in occasional steps).
    rows = (
        dataset.sales.filter(pl.col("store_code") == "S0001")
        .sort("product_code", "date")
        .with_columns(
            pl.when(~pl.col("promo_flag"))
            .then(pl.col("unit_price"))
            .forward_fill()
            .over("product_code")
            .alias("regular")
        )
        .filter(pl.col("promo_flag") & pl.col("regular").is_not_null())
    )
    assert rows.height > 100
    expected = (rows["regular"] * (1 - rows["discount_pct"])).round(2)
    matches = number(((rows["unit_price"] - expected).abs() <= 0.011).mean())
    # A regular price step that falls inside a promotion breaks the comparison for the
    # rest of that promotion; that is rare.
    assert matches > 0.95


def test_master_data_is_plausible(dataset: Dataset) -> None:
    products = dataset.products
    assert (products["unit_cost"] > 0).all()
    assert (products["unit_cost"] < products["unit_price"]).all()  # positive margins
    assert (products["pack_size"] >= 1).all()
    assert products["category"].n_unique() >= 12
    assert 3 <= products["department"].n_unique() <= 6
    suppliers = dataset.suppliers
    assert (suppliers["lead_time_days"] >= 1).all()
    assert (suppliers["lead_time_std_days"] > 0).all()
    assert (suppliers["min_order_qty"] >= 0).all()
    for timezone in dataset.stores["timezone"]:
        zoneinfo.ZoneInfo(timezone)  # raises for an invalid IANA name
    assert dataset.stores["closed_on"].null_count() == dataset.stores.height
    assert (dataset.stores["opened_on"] < dataset.config.start).all()
