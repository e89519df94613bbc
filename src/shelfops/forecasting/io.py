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

from collections.abc import Mapping
from pathlib import Path

import polars as pl

from shelfops.forecasting.errors import ForecastInputError
from shelfops.kit.limits import EARLIEST_DAY, LATEST_DAY, date_range_message

CANONICAL_COLUMNS = ("date", "store_code", "product_code", "quantity")
_NUMERIC = ("y", "price", "promo_flag", "discount_pct", "is_holiday")
#: Numeric columns of the canonical file that are read only to derive another column.
_CANONICAL_NUMERIC = ("on_hand_close",)
_STRINGS = ("unique_id", "store_id", "product_id", "category")
SERIES_SEPARATOR = "|"
#: Canonical column behind each typed column, so errors name what the file calls it.
_CANONICAL_SOURCE = {"ds": "date", "y": "quantity", "price": "unit_price"}


def read_input(path: Path) -> pl.DataFrame:
    """Read ``path`` (generic or canonical layout) into a typed long frame.

    Columns: ``unique_id`` (str), ``ds`` (date), ``y`` (float), ``_line`` (source line)
    and whichever optional columns the file has. Raises :class:`ForecastInputError`.
    """
    header = _read_header(path, "input file")
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
    _require_text(raw, ("unique_id",), path.name)
    frame = raw.select(
        pl.col("_line"),
        *[pl.col(c) for c in header if c in (*_STRINGS, "ds", "in_stock", *_NUMERIC)],
    )
    return _typed(frame, path.name)


def read_future(path: Path) -> pl.DataFrame:
    """The future covariates file (``--future``) as written, dates parsed; a missing,
    empty or unreadable file raises :class:`ForecastInputError` as :func:`read_input` does
    (its columns are checked by ``validate_prediction_input``)."""
    _read_header(path, "future file")
    try:
        return pl.read_csv(path, try_parse_dates=True)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise ForecastInputError(f"{path.name} is not a readable CSV file: {error}") from None


def _read_header(path: Path, what: str) -> list[str]:
    """The column names of the CSV file ``path``; raises :class:`ForecastInputError` when it
    is missing, not a file, empty or unreadable."""
    if not path.is_file():
        found = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise ForecastInputError(f"{what} {path} {found}")
    try:
        header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    except pl.exceptions.NoDataError:
        raise ForecastInputError(f"{path.name} is empty: expected a header row") from None
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise ForecastInputError(f"{path.name} is not a readable CSV file: {error}") from None
    if not header:
        raise ForecastInputError(f"{path.name} is empty: expected a header row")
    return header


def _require_text(raw: pl.DataFrame, columns: tuple[str, ...], name: str) -> None:
    """Key columns must be non-empty on every row: an empty id would merge unrelated rows."""
    for column in columns:
        empty = raw[column].is_null() | (raw[column].str.strip_chars() == "")
        if empty.any():
            index = int(empty.arg_true()[0])
            raise ForecastInputError(
                f"{name} line {raw['_line'][index]}: column {column!r} is empty "
                f"({int(empty.sum())} such rows); every row needs a series key"
            )


#: Types the fast path asks the CSV reader for directly (other columns stay text).
_FAST_TYPES: dict[str, pl.DataType] = {
    **{c: pl.Date() for c in ("ds", "date")},
    **{c: pl.Boolean() for c in ("promo_flag", "in_stock")},
    **{
        c: pl.Float64()
        for c in ("y", "quantity", "price", "unit_price", "discount_pct", "on_hand_close")
    },
}
_REQUIRED = ("y", "quantity", "ds", "date")


def _read_fast(path: Path) -> pl.DataFrame | None:
    """Typed read of a clean file (the common case), or None to take the careful path.

    Parsing numbers and dates in the reader avoids materialising every value as text,
    which halves peak memory on tens of millions of rows. Any parse failure, or a blank
    required value, returns None: the text path then names the offending line.
    """
    header = pl.read_csv(path, n_rows=0, infer_schema=False).columns
    overrides = {c: t for c, t in _FAST_TYPES.items() if c in header}
    try:
        frame = pl.read_csv(path, infer_schema=False, schema_overrides=overrides)
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    if frame.height == 0 or any(frame[c].null_count() for c in _REQUIRED if c in header):
        return None
    return frame.with_row_index("_line", offset=2)


def _read_text(path: Path) -> pl.DataFrame:
    fast = _read_fast(path)
    if fast is not None:
        return fast
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
    _require_text(raw, ("store_code", "product_code"), path.name)
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
        columns.append(pl.col("on_hand_close"))
    frame = _typed(raw.select(columns), path.name, _CANONICAL_SOURCE)
    if "on_hand_close" in frame.columns:
        # Zero stock at close means the day sold out: quantity understates demand. An
        # empty on_hand_close means "not recorded": the day is taken as in stock.
        on_hand = pl.col("on_hand_close")
        frame = frame.with_columns((on_hand.is_null() | (on_hand != 0)).alias("in_stock")).drop(
            "on_hand_close"
        )
    return _with_categories(frame, path.parent / "products.csv")


def _with_categories(frame: pl.DataFrame, products: Path) -> pl.DataFrame:
    """Join each product's ``category`` from the ``products.csv`` beside the sales file."""
    if not products.is_file():
        return frame
    try:
        catalog = pl.read_csv(products, infer_schema=False)
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        raise ForecastInputError(f"{products.name} could not be parsed as CSV: {error}") from None
    if not {"product_code", "category"} <= set(catalog.columns):
        return frame
    # A product listed twice would duplicate every one of its sales rows in the join.
    repeated = ~catalog["product_code"].is_first_distinct()
    if repeated.any():
        index = int(repeated.arg_true()[0])
        raise ForecastInputError(
            f"{products.name} line {index + 2}: product_code "
            f"{catalog['product_code'][index]!r} is listed more than once"
        )
    # A mapping adds one column; a join would copy the whole (possibly huge) frame.
    mapping = dict(
        zip(catalog["product_code"].to_list(), catalog["category"].to_list(), strict=True)
    )
    return frame.with_columns(
        pl.col("product_id")
        .replace_strict(mapping, default=None, return_dtype=pl.String)
        .alias("category")
    )


_BOOLEAN_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _typed(frame: pl.DataFrame, name: str, source: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Cast text columns to their types; the first unparseable value is an error.

    ``source`` maps a typed column to the file's own column name for error messages.
    """
    label = dict(source or {})
    casts: list[pl.Expr] = []
    for column in frame.columns:
        if frame.schema[column] == pl.Boolean and column in _NUMERIC:
            casts.append(pl.col(column).cast(pl.Float64))  # true/false read as booleans
        elif frame.schema[column] != pl.String:
            casts.append(pl.col(column))  # already typed by the fast reader
        elif column in _NUMERIC:
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
        elif column in _CANONICAL_NUMERIC:
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
        if column in ("_line", *_STRINGS) or frame.schema[column] != pl.String:
            # A typed column's nulls are blank optional values: the fast reader hands
            # blank required ones to the text path.
            continue
        missing = typed[column].is_null()
        if not missing.any():
            continue  # every value parsed: the common case costs one null count
        # Blank (or whitespace-only) text is an absent value: allowed in optional
        # columns, an error in the required ``y`` and ``ds``.
        present = (frame[column].str.strip_chars().str.len_chars() > 0).fill_null(False)
        bad = missing & present
        if column in ("y", "ds"):
            bad = bad | ~present
        if bad.any():
            index = int(bad.arg_true()[0])
            value = frame[column][index]
            expected = {
                "ds": "a date (YYYY-MM-DD)",
                "in_stock": "true or false",
                "promo_flag": "a number or true/false",
                "is_holiday": "a number or true/false",
            }.get(column, "a number")
            shown = f"= {value!r} is not" if present[index] else "is empty; expected"
            where = f"{name} line {frame['_line'][index]}: column {label.get(column, column)!r}"
            raise ForecastInputError(f"{where} {shown} {expected} ({int(bad.sum())} such rows)")
    for column in ("y", "price"):
        if column in typed.columns:
            nan = typed[column].is_nan()
            if nan.any():
                index = int(nan.arg_true()[0])
                where = f"{name} line {typed['_line'][index]}"
                raise ForecastInputError(
                    f"{where}: column {label.get(column, column)!r} is NaN; expected a number"
                )
    if "ds" in typed.columns:
        # The sales days' range (kit.limits): a forecast past the end of the calendar
        # would write dates no reader accepts.
        outside = ((typed["ds"] < EARLIEST_DAY) | (typed["ds"] > LATEST_DAY)).fill_null(False)
        if outside.any():
            index = int(outside.arg_true()[0])
            raise ForecastInputError(
                f"{name} line {typed['_line'][index]}: column {label.get('ds', 'ds')!r} = "
                f"{typed['ds'][index]} {date_range_message(EARLIEST_DAY, LATEST_DAY)} "
                f"({int(outside.sum())} such rows)"
            )
    return typed
