"""``read_input`` on small CSV files written to ``tmp_path``, and on generated data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfops.forecasting.errors import ForecastInputError
from shelfops.forecasting.io import read_input
from shelfops.forecasting.panel import build_panel
from shelfops.synthetic import GenerationConfig, generate_dataset

SALES_HEADER = (
    "date,store_code,product_code,quantity,unit_price,promo_flag,discount_pct,on_hand_close"
)


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ForecastInputError) as raised:
        read_input(path)
    return str(raised.value)


# -- generic layout --------------------------------------------------------------------------


def test_generic_layout_is_typed_and_keeps_source_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path / "long.csv",
        "unique_id,ds,y,price,promo_flag,discount_pct,is_holiday,in_stock,store_id,category,note",
        "a,2024-01-01,3,2.50,0,0,1,true,S1,Dairy,ignored",
        "a,2024-01-02,0,2.00,true,0.2,0,false,S1,Dairy,ignored",
        "b, 2024-01-01 ,1.5,4,FALSE,0,0,,S2,,ignored",
    )
    frame = read_input(path)
    assert frame["_line"].to_list() == [2, 3, 4]  # line 1 is the header
    assert frame["unique_id"].to_list() == ["a", "a", "b"]
    assert frame["ds"].dtype == pl.Date
    assert frame["ds"].to_list() == [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 1)]
    assert frame["y"].to_list() == [3.0, 0.0, 1.5]
    assert frame["price"].to_list() == [2.5, 2.0, 4.0]
    assert frame["promo_flag"].to_list() == [0.0, 1.0, 0.0]
    assert frame["discount_pct"].to_list() == [0.0, 0.2, 0.0]
    assert frame["is_holiday"].to_list() == [1.0, 0.0, 0.0]
    assert frame["in_stock"].to_list() == [True, False, None]
    assert frame["store_id"].to_list() == ["S1", "S1", "S2"]
    assert frame["category"].to_list() == ["Dairy", "Dairy", None]
    assert "note" not in frame.columns  # unknown columns are not carried along


def test_in_stock_accepts_true_false_one_zero_in_any_case(tmp_path: Path) -> None:
    values = ["true", "FALSE", "1", "0", "True"]
    lines = [f"a,2024-01-0{i + 1},1,{v}" for i, v in enumerate(values)]
    frame = read_input(write(tmp_path / "s.csv", "unique_id,ds,y,in_stock", *lines))
    assert frame["in_stock"].to_list() == [True, False, True, False, True]


def test_datetime_looking_dates_parse_to_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path / "dt.csv",
        "unique_id,ds,y",
        "a,2024-01-01 00:00:00,1",
        "a,2024-01-02 00:00:00,2",
        "a,2024-01-03,3",
    )
    frame = read_input(path)
    assert frame["ds"].dtype == pl.Date
    assert frame["ds"].to_list() == [dt.date(2024, 1, d) for d in (1, 2, 3)]
    assert build_panel(frame).n_periods == 3


# -- canonical sales layout ------------------------------------------------------------------


def test_canonical_sales_file_becomes_store_product_series(tmp_path: Path) -> None:
    sales = write(
        tmp_path / "sales.csv",
        SALES_HEADER,
        "2024-01-01,S1,P1,4,2.50,false,0.00,10",
        "2024-01-02,S1,P1,2,2.00,true,0.20,0",
        "2024-01-01,S2,P1,1,2.50,0,0.00,",
        "2024-01-02,S2,P1,0,2.50,0,0.00,0.0",
        "2024-01-01,S1,P2,7,1.00,1,0.10,3",
        "2024-01-02,S1,P2,5,1.10,FALSE,0.00,1",
    )
    write(tmp_path / "products.csv", "product_code,name,category", "P1,Milk,Dairy")
    frame = read_input(sales)
    assert frame["_line"].to_list() == [2, 3, 4, 5, 6, 7]
    assert frame["unique_id"].to_list() == ["S1|P1", "S1|P1", "S2|P1", "S2|P1", "S1|P2", "S1|P2"]
    assert frame["store_id"].to_list() == ["S1", "S1", "S2", "S2", "S1", "S1"]
    assert frame["product_id"].to_list() == ["P1", "P1", "P1", "P1", "P2", "P2"]
    assert frame["y"].to_list() == [4.0, 2.0, 1.0, 0.0, 7.0, 5.0]
    assert frame["price"].to_list() == [2.5, 2.0, 2.5, 2.5, 1.0, 1.1]
    assert frame["promo_flag"].to_list() == [0.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    assert frame["discount_pct"].to_list() == [0.0, 0.2, 0.0, 0.0, 0.1, 0.0]
    # Stocked out exactly where on_hand_close is 0; an empty on_hand_close is in stock.
    assert frame["in_stock"].to_list() == [True, False, True, False, True, True]
    # P2 is not in products.csv: no category rather than a dropped row.
    assert frame["category"].to_list() == ["Dairy"] * 4 + [None, None]

    panel = build_panel(frame)
    assert panel.ids.tolist() == ["S1|P1", "S1|P2", "S2|P1"]
    assert panel.statics["store_id"].tolist() == ["S1", "S1", "S2"]
    assert panel.statics["category"].tolist() == ["Dairy", "", "Dairy"]
    assert panel.censored.tolist() == [[False, True], [False, False], [False, True]]


def test_canonical_sales_file_without_products_csv_has_no_category(tmp_path: Path) -> None:
    frame = read_input(write(tmp_path / "sales.csv", SALES_HEADER, "2024-01-01,S1,P1,4,2,0,0,1"))
    assert "category" not in frame.columns


def test_generated_sales_file_reads_and_builds(tmp_path: Path) -> None:
    generate_dataset(GenerationConfig(stores=2, products=5, days=60, seed=1), tmp_path)
    raw = pl.read_csv(tmp_path / "sales.csv", infer_schema=False)
    panel = build_panel(read_input(tmp_path / "sales.csv"))
    assert panel.n_series == 10
    assert panel.n_periods == 60
    assert set(panel.covariates) == {"price", "promo_flag", "discount_pct"}
    assert set(panel.statics) == {"store_id", "product_id", "category"}
    assert (panel.statics["category"] != "").all()

    # Oracle: the (series, day) cells whose CSV row has on_hand_close == 0.
    start = dt.date.fromisoformat(str(panel.dates[0]))
    stocked_out = raw.filter(pl.col("on_hand_close").cast(pl.Float64) == 0)
    expected = np.zeros((10, 60), dtype=bool)
    ids = panel.ids.tolist()
    for date, store, product in stocked_out.select("date", "store_code", "product_code").rows():
        day = (dt.date.fromisoformat(date) - start).days
        expected[ids.index(f"{store}|{product}"), day] = True
    assert expected.any()  # the generator does censor some days
    np.testing.assert_array_equal(panel.censored, expected)
    # Every sold quantity lands in its cell.
    assert np.nansum(panel.y) == pytest.approx(raw["quantity"].cast(pl.Float64).sum())


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "expected"),
    [
        ("a,2024-01-02,abc", r"line 3: column 'y' = 'abc' is not a number"),
        ("a,2024-13-01,1", r"line 3: column 'ds' = '2024-13-01' is not a date"),
        ("a,not a date,1", r"line 3: column 'ds' = 'not a date' is not a date"),
        ("a,2024-01-02,", r"line 3: column 'y' is empty"),
        ("a,,1", r"line 3: column 'ds' is empty"),
        ("a,2024-01-02,NaN", r"line 3: column 'y' is NaN"),
        (",2024-01-02,1", r"line 3: column 'unique_id' is empty"),
    ],
    ids=["y-text", "bad-month", "date-text", "empty-y", "empty-ds", "nan-y", "empty-id"],
)
def test_a_bad_value_names_its_line_and_column(tmp_path: Path, bad_row: str, expected: str) -> None:
    path = write(
        tmp_path / "bad.csv", "unique_id,ds,y", "a,2024-01-01,1", bad_row, "a,2024-01-03,1"
    )
    with pytest.raises(ForecastInputError, match=rf"^bad\.csv {expected}"):
        read_input(path)


def test_a_bad_in_stock_value_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.csv", "unique_id,ds,y,in_stock", "a,2024-01-01,1,true", "a,2024-01-02,1,maybe"
    )
    assert "line 3: column 'in_stock' = 'maybe' is not true or false" in error_of(path)


def test_a_bad_promo_flag_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", "unique_id,ds,y,promo_flag", "a,2024-01-01,1,yes")
    assert "line 2: column 'promo_flag' = 'yes'" in error_of(path)


def test_canonical_errors_name_the_files_own_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sales.csv",
        SALES_HEADER,
        "2024-01-01,S1,P1,4,2,0,0,1",
        "2024-01-02,S1,P1,four,2,0,0,1",
        "2024-01-03,S1,P1,4,nan,0,0,1",
    )
    assert "sales.csv line 3: column 'quantity' = 'four' is not a number" in error_of(path)
    path = write(tmp_path / "sales.csv", SALES_HEADER, "2024-01-01,S1,P1,4,nan,0,0,1")
    assert "sales.csv line 2: column 'unit_price' is NaN" in error_of(path)
    path = write(tmp_path / "sales.csv", SALES_HEADER, "Jan 1,S1,P1,4,2,0,0,1")
    assert "sales.csv line 2: column 'date' = 'Jan 1' is not a date" in error_of(path)


def test_a_bad_on_hand_close_is_an_error_not_in_stock(tmp_path: Path) -> None:
    path = write(tmp_path / "sales.csv", SALES_HEADER, "2024-01-01,S1,P1,4,2,0,0,lots")
    assert "line 2: column 'on_hand_close' = 'lots' is not a number" in error_of(path)


def test_an_empty_store_code_names_its_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sales.csv",
        SALES_HEADER,
        "2024-01-01,S1,P1,4,2,0,0,1",
        "2024-01-01,,P1,4,2,0,0,1",
    )
    assert "line 3: column 'store_code' is empty" in error_of(path)


def test_a_product_listed_twice_in_products_csv_is_an_error(tmp_path: Path) -> None:
    sales = write(tmp_path / "sales.csv", SALES_HEADER, "2024-01-01,S1,P1,4,2,0,0,1")
    write(tmp_path / "products.csv", "product_code,category", "P1,Dairy", "P2,Bakery", "P1,Bakery")
    assert "products.csv line 4: product_code 'P1' is listed more than once" in error_of(sales)


def test_missing_columns_are_named_with_both_accepted_layouts(tmp_path: Path) -> None:
    message = error_of(write(tmp_path / "x.csv", "series,ds,sales", "a,2024-01-01,1"))
    assert "missing column(s) unique_id, y" in message
    assert "unique_id, ds, y" in message
    assert "date, store_code, product_code, quantity" in message


def test_an_empty_file_asks_for_a_header(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    assert error_of(path) == "empty.csv is empty: expected a header row"


def test_a_header_only_file_has_no_rows(tmp_path: Path) -> None:
    assert "has a header but no rows" in error_of(write(tmp_path / "h.csv", "unique_id,ds,y"))


def test_a_file_that_does_not_exist(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert error_of(missing) == f"input file {missing} does not exist"


def test_a_folder_is_not_an_input_file(tmp_path: Path) -> None:
    assert error_of(tmp_path) == f"input file {tmp_path} is a folder, not a file"


@pytest.mark.parametrize("day", ["9999-12-31", "1900-01-01"])
def test_a_date_outside_the_sales_days_range_is_refused(tmp_path: Path, day: str) -> None:
    # A history ending on 9999-12-31 used to give forecasts dated +10000-01-01.
    path = write(tmp_path / "far.csv", "unique_id,ds,y", "a,2024-01-01,1", f"a,{day},2")
    assert error_of(path) == (
        f"far.csv line 3: column 'ds' = {day} must be between 1971-01-01 and 2199-12-31 "
        "(1 such rows)"
    )
