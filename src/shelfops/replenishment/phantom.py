"""Phantom inventory ("ghost stock"): the system shows units on hand, but the item stopped
selling although it was expected to sell. Usually the units are not on the shelf (theft,
damage, misplaced, a receiving error) and the replenishment policy, trusting the count,
never reorders. A cycle count settles it.

**Candidates.** Active store × products with ``on_hand > 0`` (the count the policy used),
a last day with units sold within the job's 56-day sales window, and at least
:data:`MIN_SILENT_DAYS` days since then up to the last day the *store's* feed reported
(a store whose feed stalled does not look silent).

**Expected units** over the ``k`` silent days, ``Λ = Σ λ_d``:

* ``forecast``: the forecast issued the day after the last sale (any version that was
  champion then) — made before the silence, so not dragged down by it. Silent days past
  that forecast's horizon count at the mean of its days;
* ``recent_sales`` otherwise: the average daily sales of the 28 days up to the last sale
  (from the series' first row in that window, for a new item) times ``k``.

**Probability.** With Poisson demand, ``P(no sale in k days) = exp(−Λ)``, so
``probability = 1 − exp(−Λ)``: how surprising the silence is if the stock were really
there. **Value** ``= on_hand × unit cost``. A series is flagged when ``probability ≥``
``settings.phantom_probability_threshold`` (0.95 by default, i.e. ``Λ ≥ 3``): a
``phantom_stock`` alert (warning) whose metadata — ``probability, value, score
(= value × probability), days_without_sales, on_hand, expected_units, last_sale_date,
expected_from`` — is the cycle-count recommendation. ``GET /phantom-stock`` lists the
open ones by score, each to be counted today. When sales come back or the count shows
zero on hand, the next run resolves the alert.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.models import AlertStatus
from shelfops.models.base import utcnow
from shelfops.replenishment import repository
from shelfops.replenishment.alerts_service import PHANTOM_STOCK
from shelfops.replenishment.schemas import PhantomFilters, PhantomPage, PhantomStockItem

#: Fewer silent days than this are never called phantom, however fast the item sells
#: (a day or two without a sale happens to fast sellers too: a delivery, a shelf reset).
MIN_SILENT_DAYS = 3
#: Days of sales before the silence that estimate the expected rate.
PRE_SILENCE_DAYS = 28

EXPECTED_FROM_FORECAST = "forecast"
EXPECTED_FROM_SALES = "recent_sales"


def candidates(series: pl.DataFrame, *, min_silent_days: int = MIN_SILENT_DAYS) -> pl.DataFrame:
    """The series that may hold phantom stock (rules in the module docstring).

    ``series`` needs ``store_id, product_id, on_hand, last_sale, store_end``; the result
    adds ``days_without_sales``."""
    return (
        series.filter(
            pl.col("on_hand").is_not_null()
            & (pl.col("on_hand") > 0)
            & pl.col("last_sale").is_not_null()
            & pl.col("store_end").is_not_null()
        )
        .with_columns(
            days_without_sales=(pl.col("store_end") - pl.col("last_sale")).dt.total_days()
        )
        .filter(pl.col("days_without_sales") >= min_silent_days)
    )


def expected_units(
    found: pl.DataFrame, *, sales: pl.DataFrame, forecasts: pl.DataFrame
) -> pl.DataFrame:
    """``found`` (from :func:`candidates`) with ``expected_units`` and ``expected_from``.

    ``sales``: the candidates' rows ``store_id, product_id, sale_date, quantity`` around
    the last sale; ``forecasts``: ``store_id, product_id, issue_date, forecast_date,
    mean`` issued the day after each candidate's last sale."""
    keys = ["store_id", "product_id"]
    window = (
        sales.join(found.select(*keys, "last_sale"), on=keys)
        .filter(
            (pl.col("sale_date") <= pl.col("last_sale"))
            & (pl.col("sale_date") > pl.col("last_sale") - pl.duration(days=PRE_SILENCE_DAYS))
        )
        .group_by(keys)
        .agg(
            pl.col("quantity").sum().alias("pre_sum"),
            pl.col("sale_date").min().alias("pre_first"),
        )
    )
    ahead = (
        forecasts.join(found.select(*keys, "last_sale", "store_end"), on=keys)
        .filter(
            (pl.col("issue_date") == pl.col("last_sale") + pl.duration(days=1))
            & (pl.col("forecast_date") > pl.col("last_sale"))
        )
        .group_by(keys)
        .agg(
            pl.col("mean")
            .filter(pl.col("forecast_date") <= pl.col("store_end"))
            .sum()
            .alias("fc_sum"),
            (pl.col("forecast_date") <= pl.col("store_end")).sum().alias("fc_days"),
            pl.col("mean").mean().alias("fc_rate"),
        )
    )
    out = found.join(window, on=keys, how="left").join(ahead, on=keys, how="left")
    k = pl.col("days_without_sales").cast(pl.Float64)
    pre_days = ((pl.col("last_sale") - pl.col("pre_first")).dt.total_days() + 1).cast(pl.Float64)
    from_forecast = pl.col("fc_rate").is_not_null()
    return out.with_columns(
        expected_units=pl.when(from_forecast)
        .then(pl.col("fc_sum") + (k - pl.col("fc_days")).clip(lower_bound=0) * pl.col("fc_rate"))
        .otherwise((pl.col("pre_sum").fill_null(0.0) / pre_days).fill_null(0.0) * k),
        expected_from=pl.when(from_forecast)
        .then(pl.lit(EXPECTED_FROM_FORECAST))
        .otherwise(pl.lit(EXPECTED_FROM_SALES)),
    ).drop("pre_sum", "pre_first", "fc_sum", "fc_days", "fc_rate")


def probability_of_phantom(expected: np.ndarray) -> np.ndarray:
    """``1 − exp(−Λ)`` for each expected number of units ``Λ`` (``-expm1`` keeps the
    digits near 1, e.g. ``1 − e^{−20}``)."""
    return np.asarray(-np.expm1(-np.maximum(np.asarray(expected, dtype=np.float64), 0.0)))


def score(found: pl.DataFrame, *, threshold: float) -> pl.DataFrame:
    """``found`` (with ``expected_units``, ``on_hand``, ``unit_cost``) plus
    ``probability``, ``value``, ``score`` and ``flagged`` (probability ≥ threshold)."""
    probability = probability_of_phantom(found["expected_units"].to_numpy())
    return found.with_columns(
        probability=pl.Series(probability, dtype=pl.Float64),
        value=pl.col("on_hand") * pl.col("unit_cost"),
    ).with_columns(
        score=pl.col("value") * pl.col("probability"),
        flagged=pl.col("probability") >= threshold,
    )


# --- API ----------------------------------------------------------------------------------


def _number(metadata: dict[str, object], key: str) -> float:
    value = metadata.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


async def list_phantom_stock(session: AsyncSession, *, filters: PhantomFilters) -> PhantomPage:
    """Open (and acknowledged) phantom-stock alerts as cycle-count recommendations, highest
    value × probability first, each to be counted today."""
    rows, total = await repository.list_open_alerts_by_score(
        session,
        customer_id=tenant_of(session),
        alert_type=PHANTOM_STOCK,
        store_id=filters.store_id,
        limit=filters.limit,
        offset=filters.offset,
    )
    today = utcnow().date()
    items = []
    for alert, store_code, product_code, product_name in rows:
        meta = dict(alert.alert_metadata or {})
        last = meta.get("last_sale_date")
        items.append(
            PhantomStockItem(
                alert_id=alert.alert_id,
                status=AlertStatus(alert.status),
                store_id=alert.store_id,
                store_code=store_code,
                product_id=alert.product_id,
                product_code=product_code,
                product_name=product_name,
                probability=_number(meta, "probability"),
                value=_number(meta, "value"),
                score=_number(meta, "score"),
                on_hand=_number(meta, "on_hand"),
                days_without_sales=int(_number(meta, "days_without_sales")),
                expected_units=_number(meta, "expected_units"),
                last_sale_date=dt.date.fromisoformat(last) if isinstance(last, str) else None,
                expected_from=str(meta["expected_from"]) if "expected_from" in meta else None,
                recommended_count_date=today,
                created_at=alert.created_at,
            )
        )
    return PhantomPage.build(items, total=total, params=filters)
