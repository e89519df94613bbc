"""A tenant's sales history from the database, as the forecasting library's input.

The frame built here is, column for column, what
:func:`shelfops.forecasting.io.read_input` makes of the canonical ``sales.csv`` (with
``products.csv`` beside it), less the ``_line`` column a file has and a table has not:

=================  ==========================================================
``unique_id``      ``store_code + "|" + product_code`` (the series id)
``ds``, ``y``      sale date, quantity
``store_id``       the store **code** (as in the file), not the database id
``product_id``     the product **code**
``price``          unit price
``promo_flag``     0.0 / 1.0
``discount_pct``   discount share
``in_stock``       False when ``on_hand_close`` is 0 (a stock-out censors demand);
                   True when it is positive or not recorded
``category``       the product's category
=================  ==========================================================

So a model trained from a directory of canonical files and one trained from the database
see the same series ids and static values, and either can forecast the other's data.
:attr:`TenantHistory.series_keys` maps each series id back to the database ids, so that
forecasts can be written against stores and products.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.forecasting.frequency import Freq
from shelfops.forecasting.io import SERIES_SEPARATOR
from shelfops.forecasting.panel import Panel, build_panel
from shelfops.forecasting.validation import validate_training_frame
from shelfops.kit.db import tenant_of
from shelfops.kit.errors import BadRequest, Conflict
from shelfops.sales import repository


class NoSalesHistory(BadRequest):
    """The tenant has no sales in the requested dates, so there is nothing to forecast from."""


@dataclass(frozen=True)
class TenantHistory:
    """A tenant's daily sales as a long frame and as a panel, with the way back to ids."""

    frame: pl.DataFrame
    """The long frame (layout in the module docstring), sorted by ``unique_id, ds``."""
    panel: Panel
    """``build_panel(frame, Freq.DAY)`` after the training-data gate."""
    series_keys: dict[str, tuple[int, int]]
    """Series id → (database ``store_id``, ``product_id``)."""
    start: dt.date
    """First date with sales in the window (the panel's first period)."""
    end: dt.date
    """Last date with sales in the window (the panel's last period; forecasts start the
    day after)."""


async def load_history(
    session: AsyncSession, *, end: dt.date | None = None, days: int | None = None
) -> TenantHistory:
    """Read the session tenant's sales up to ``end`` (inclusive) as a forecasting panel.

    ``end`` defaults to the tenant's latest sales date; ``days`` keeps only the last
    ``days`` calendar days up to ``end`` (default: the whole history). The panel ends on
    the last date that has sales rows: days after it are not yet known, not zero sales.
    Raises :class:`NoSalesHistory` when the window holds no sales, a
    :class:`~shelfops.forecasting.errors.ForecastInputError` when the rows fail the
    training-data gate, and :class:`~shelfops.kit.errors.Conflict` when a sale refers to
    a store or product missing from the catalog.
    """
    customer_id = tenant_of(session)
    if days is not None and days < 1:
        raise BadRequest(f"days must be at least 1, got {days}")
    if end is None:
        end = await repository.latest_sale_date(session, customer_id=customer_id)
        if end is None:
            raise NoSalesHistory("the tenant has no sales yet; ingest a sales file first")
    start = None if days is None else end - dt.timedelta(days=days - 1)
    sales = await repository.sales_frame(session, customer_id=customer_id, start=start, end=end)
    if sales.height == 0:
        since = f"between {start} and {end}" if start else f"up to {end}"
        raise NoSalesHistory(f"the tenant has no sales {since}")
    _check_catalog(sales)
    frame = forecast_frame(sales)
    panel = build_panel(validate_training_frame(frame), Freq.DAY)
    return TenantHistory(
        frame=frame,
        panel=panel,
        series_keys=_series_keys(sales),
        start=_day(panel.dates[0]),
        end=_day(panel.dates[-1]),
    )


def _day(value: np.datetime64) -> dt.date:
    day = value.astype("datetime64[D]").item()
    assert isinstance(day, dt.date)
    return day


def forecast_frame(sales: pl.DataFrame) -> pl.DataFrame:
    """The forecasting layout (module docstring) of :func:`repository.sales_frame` rows."""
    on_hand = pl.col("on_hand_close")
    return sales.select(
        pl.concat_str(
            [pl.col("store_code"), pl.col("product_code")], separator=SERIES_SEPARATOR
        ).alias("unique_id"),
        pl.col("sale_date").alias("ds"),
        pl.col("quantity").alias("y"),
        pl.col("store_code").alias("store_id"),
        pl.col("product_code").alias("product_id"),
        pl.col("unit_price").alias("price"),
        pl.col("promo_flag").cast(pl.Float64),
        pl.col("discount_pct"),
        # Zero stock at close: the day sold out and quantity understates demand. Not
        # recorded: taken as in stock, as the file reader does.
        (on_hand.is_null() | (on_hand != 0)).alias("in_stock"),
        pl.col("category"),
    ).sort("unique_id", "ds")


def _check_catalog(sales: pl.DataFrame) -> None:
    """Refuse sales whose store or product is not in the catalog (never drop them)."""
    for key, code in (("store_id", "store_code"), ("product_id", "product_code")):
        orphans = sales.filter(pl.col(code).is_null())[key].unique().sort()
        if orphans.len():
            shown = ", ".join(str(v) for v in orphans.head(5).to_list())
            raise Conflict(
                f"{orphans.len()} {key} value(s) in sales have no catalog row ({shown}); "
                "restore the catalog rows before forecasting"
            )


def _series_keys(sales: pl.DataFrame) -> dict[str, tuple[int, int]]:
    """Series id → database (store_id, product_id); one id must mean one pair."""
    pairs = (
        sales.select(
            pl.concat_str(
                [pl.col("store_code"), pl.col("product_code")], separator=SERIES_SEPARATOR
            ).alias("unique_id"),
            "store_id",
            "product_id",
        )
        .unique()
        .sort("unique_id", "store_id", "product_id")
    )
    clash = pairs.filter(pl.col("unique_id").is_duplicated())
    if clash.height:
        # "A|B" + "C" and "A" + "B|C" name the same series: forecasts could not be told apart.
        raise Conflict(
            f"series id {clash['unique_id'][0]!r} stands for more than one store and "
            f"product; store and product codes must not contain {SERIES_SEPARATOR!r}"
        )
    return {uid: (store, product) for uid, store, product in pairs.iter_rows()}
