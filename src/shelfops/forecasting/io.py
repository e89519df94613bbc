"""Reading forecast input files into a typed long frame.

Two layouts are accepted:

* **generic long CSV**: ``unique_id, ds, y`` plus optional covariates ``price,
  promo_flag, discount_pct, is_holiday``, optional ``in_stock`` (false = the value is
  censored by a stock-out) and optional statics ``store_id, product_id, category``;
* **the canonical sales file** of ``shelfops generate`` / ``shelfops ingest``
  (``date, store_code, product_code, quantity, unit_price, promo_flag, discount_pct,
  on_hand_close``): one series per store × product, ``on_hand_close = 0`` marks a
  stock-out day (censored), and a ``products.csv`` beside it adds the category.

Types are strict: a value that does not parse is an error naming its line (1 = header),
column and value — never a silent null. Rows may come in any order (documented: the
panel does not depend on row order).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shelfops.forecasting.errors import ForecastInputError

CANONICAL_COLUMNS = ("date", "store_code", "product_code", "quantity")
_NUMERIC = ("y", "price", "promo_flag", "discount_pct", "is_holiday")
_STRINGS = ("unique_id", "store_id", "product_id", "category")
SERIES_SEPARATOR = "|"


def read_input(path: Path) -> pl.DataFrame:
    """Read ``path`` (generic or canonical layout) into a typed long frame.

    Columns: ``unique_id`` (str), ``ds`` (date), ``y`` (float), ``_line`` (source line)
    and whichever optional columns the file has. Raises :class:`ForecastInputError`.
    """
    if not path.is_file():
        raise ForecastInputError(f"input file {path} does not exist")
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise ForecastInputError(f"{path.name} is not a readable CSV file: {error}") from None
    if not header:
        raise ForecastInputError(f"{path.name} is empty: expected a header row")
    if set(CANONICAL_COLUMNS) <= set(header):
        return _canonical(path, header)
    missing = [c for c in ("unique_id", "ds", "y") if c not in header]
    if missing:
        raise ForecastInputError(
            f"{path.name}: missing column(s) {', '.join(missing)}; expected either the "
            "generic layout (unique_id, ds, y, …) or the canonical sales file "
            "(date, store_code, product_code, quantity, …)"
        )
    raw = _read_text(path)
    frame = raw.select(
        pl.col("_line"),
        *[pl.col(c) for c in header if c in (*_STRINGS, "ds", "in_stock", *_NUMERIC)],
    )
    return _typed(frame, path.name)


def _read_text(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise ForecastInputError(f"{path.name} could not be parsed as CSV: {error}") from None
    if frame.height == 0:
        raise ForecastInputError(f"{path.name} has a header but no rows")
    # Line 1 is the header, so data row i (0-based) is on line i + 2.
    return frame.with_row_index("_line", offset=2)


def _canonical(path: Path, header: list[str]) -> pl.DataFrame:
    raw = _read_text(path)
    columns = [
        pl.col("_line"),
        pl.concat_str(
            [pl.col("store_code"), pl.col("product_code")], separator=SERIES_SEPARATOR
        ).alias("unique_id"),
        pl.col("date").alias("ds"),
        pl.col("quantity").alias("y"),
        pl.col("store_code").alias("store_id"),
        pl.col("product_code").alias("product_id"),
    ]
    if "unit_price" in header:
        columns.append(pl.col("unit_price").alias("price"))
    for name in ("promo_flag", "discount_pct"):
        if name in header:
            columns.append(pl.col(name))
    if "on_hand_close" in header:
        # An empty on_hand_close means "not recorded": the day is taken as in stock.
        on_hand = pl.col("on_hand_close").cast(pl.Float64, strict=False)
        columns.append(
            pl.when(pl.col("on_hand_close").is_null() | (pl.col("on_hand_close") == ""))
            .then(pl.lit("true"))
            .when(on_hand == 0)
            .then(pl.lit("false"))
            .otherwise(pl.lit("true"))
            .alias("in_stock")
        )
    frame = _typed(raw.select(columns), path.name)
    return _with_categories(frame, path.parent / "products.csv")


def _with_categories(frame: pl.DataFrame, products: Path) -> pl.DataFrame:
    if not products.is_file():
        return frame
    catalog = pl.read_csv(products, infer_schema=False)
    if not {"product_code", "category"} <= set(catalog.columns):
        return frame
    lookup = catalog.select(pl.col("product_code").alias("product_id"), "category")
    return frame.join(lookup, on="product_id", how="left")


_BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _typed(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """Cast text columns to their types; the first unparseable value is an error."""
    casts: list[pl.Expr] = []
    for column in frame.columns:
        if column in _NUMERIC:
            if column in ("promo_flag", "is_holiday"):
                text = pl.col(column).str.strip_chars().str.to_lowercase()
                casts.append(
                    text.replace_strict(
                        {"true": "1", "false": "0"}, default=text, return_dtype=pl.String
                    )
                    .cast(pl.Float64, strict=False)
                    .alias(column)
                )
            else:
                casts.append(pl.col(column).str.strip_chars().cast(pl.Float64, strict=False))
        elif column == "ds":
            text = pl.col("ds").str.strip_chars()
            casts.append(
                pl.coalesce(
                    text.str.to_date("%Y-%m-%d", strict=False),
                    text.str.to_datetime(strict=False).dt.date(),
                ).alias("ds")
            )
        elif column == "in_stock":
            casts.append(
                pl.col(column)
                .str.strip_chars()
                .str.to_lowercase()
                .replace_strict(_BOOLEAN_TEXT, default=None, return_dtype=pl.Boolean)
            )
        else:
            casts.append(pl.col(column))
    typed = frame.with_columns(casts)
    for column in frame.columns:
        if column in ("_line", *_STRINGS):
            continue
        bad = typed[column].is_null() & frame[column].is_not_null()
        if column in ("y", "ds"):
            bad = bad | frame[column].is_null()
        if column == "in_stock":
            bad = bad & (frame[column].str.strip_chars() != "")
        if bad.any():
            index = int(bad.arg_true()[0])
            value = frame[column][index]
            expected = {
                "ds": "a date (YYYY-MM-DD)",
                "in_stock": "true or false",
            }.get(column, "a number")
            raise ForecastInputError(
                f"{name} line {frame['_line'][index]}: column {column!r} = {value!r} is not "
                f"{expected} ({int(bad.sum())} such rows)"
            )
    for column in ("y", "price"):
        if column in typed.columns:
            nan = typed[column].is_nan()
            if nan.any():
                index = int(nan.arg_true()[0])
                raise ForecastInputError(
                    f"{name} line {typed['_line'][index]}: column {column!r} is NaN; "
                    "expected a number"
                )
    return typed
