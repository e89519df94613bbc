"""SQL of the monitoring jobs: forecast accuracy, shadow scoring, backtest results and the
samples the drift job compares. Every statement filters by ``customer_id``; on
PostgreSQL row-level security holds as well.

Scoring is set-based (``INSERT … SELECT`` and a correlated ``UPDATE``), so a day's
millions of forecast rows are compared with the sales inside the database instead of
travelling to Python and back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import (
    BacktestResult,
    DemandForecast,
    ForecastAccuracy,
    Sale,
    ShadowPrediction,
)

#: Rows fetched per round trip when streaming sales values.
PARTITION_ROWS = 50_000

_NO_SYNC = {"synchronize_session": False}


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


# --- accuracy -----------------------------------------------------------------------------


async def insert_accuracy(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    evaluated_at: dt.datetime,
    since: dt.date | None = None,
) -> int:
    """Score every stored forecast of the tenant whose day has a sales row and that has no
    ``forecast_accuracy`` row yet (forecast dates from ``since`` on, when given). Returns
    the rows inserted.

    ``absolute_error = |forecast − quantity|``; ``percentage_error = absolute_error /
    quantity`` (NULL when quantity is 0); ``within_interval = lower ≤ quantity ≤ upper``;
    ``stockout = on_hand_close = 0`` (an unrecorded stock count is not a stock-out).
    """
    f, s, a = DemandForecast, Sale, ForecastAccuracy
    error = func.abs(f.forecasted_demand - s.quantity)
    already = exists().where(
        a.customer_id == f.customer_id,
        a.store_id == f.store_id,
        a.product_id == f.product_id,
        a.forecast_date == f.forecast_date,
        a.issue_date == f.issue_date,
        a.model_version == f.model_version,
    )
    query = (
        select(
            f.customer_id,
            f.store_id,
            f.product_id,
            f.issue_date,
            f.forecast_date,
            f.model_version,
            f.forecasted_demand,
            s.quantity,
            error,
            case((s.quantity == 0, None), else_=error / s.quantity),
            and_(f.lower_bound <= s.quantity, s.quantity <= f.upper_bound),
            case((s.on_hand_close == 0, true()), else_=false()),
            literal(evaluated_at, type_=a.evaluated_at.type),
        )
        .select_from(f)
        .join(
            s,
            and_(
                s.customer_id == f.customer_id,
                s.store_id == f.store_id,
                s.product_id == f.product_id,
                s.sale_date == f.forecast_date,
            ),
        )
        .where(f.customer_id == customer_id, s.customer_id == customer_id, ~already)
    )
    if since is not None:
        query = query.where(f.forecast_date >= since)
    columns = [
        "customer_id",
        "store_id",
        "product_id",
        "issue_date",
        "forecast_date",
        "model_version",
        "forecasted_demand",
        "actual_demand",
        "absolute_error",
        "percentage_error",
        "within_interval",
        "stockout",
        "evaluated_at",
    ]
    result = await session.execute(
        insert(a).from_select(columns, query, include_defaults=False), execution_options=_NO_SYNC
    )
    return _count(result)


async def score_shadow(session: AsyncSession, *, customer_id: uuid.UUID) -> int:
    """Fill ``actual_demand``, ``champion_error`` and ``challenger_error`` (absolute
    errors) of the tenant's shadow predictions still unscored whose day has a sales row.
    Returns the rows updated."""
    sp, s = ShadowPrediction, Sale
    matching = (
        s.customer_id == sp.customer_id,
        s.store_id == sp.store_id,
        s.product_id == sp.product_id,
        s.sale_date == sp.forecast_date,
    )
    actual = select(s.quantity).where(*matching).scalar_subquery()
    result = await session.execute(
        update(sp)
        .where(
            sp.customer_id == customer_id,
            sp.actual_demand.is_(None),
            exists().where(*matching),
        )
        .values(
            actual_demand=actual,
            champion_error=func.abs(sp.champion_prediction - actual),
            challenger_error=func.abs(sp.challenger_prediction - actual),
        ),
        execution_options=_NO_SYNC,
    )
    return _count(result)


# --- daily backtest -----------------------------------------------------------------------


async def latest_scored_date(
    session: AsyncSession, *, customer_id: uuid.UUID, model_version: str
) -> dt.date | None:
    """The latest forecast date with accuracy rows for ``model_version``."""
    latest: dt.date | None = await session.scalar(
        select(func.max(ForecastAccuracy.forecast_date)).where(
            ForecastAccuracy.customer_id == customer_id,
            ForecastAccuracy.model_version == model_version,
        )
    )
    return latest


async def scored_points(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    model_version: str,
    forecast_date: dt.date,
) -> list[dict[str, Any]]:
    """The version's scored forecasts of ``forecast_date``, one per store × product: the
    one issued last (the shortest horizon), with its interval, quantiles and the day's
    selling price. Stock-out rows are included, flagged by ``stockout``."""
    a, f, s = ForecastAccuracy, DemandForecast, Sale
    base = (
        a.customer_id == customer_id,
        a.model_version == model_version,
        a.forecast_date == forecast_date,
    )
    newest = (
        select(a.store_id, a.product_id, func.max(a.issue_date).label("issue_date"))
        .where(*base)
        .group_by(a.store_id, a.product_id)
        .subquery()
    )
    query = (
        select(
            a.store_id,
            a.product_id,
            a.issue_date,
            a.forecasted_demand,
            a.actual_demand,
            a.stockout,
            f.lower_bound,
            f.upper_bound,
            f.quantiles,
            s.unit_price,
        )
        .join(
            newest,
            and_(
                newest.c.store_id == a.store_id,
                newest.c.product_id == a.product_id,
                newest.c.issue_date == a.issue_date,
            ),
        )
        .join(
            f,
            and_(
                f.customer_id == a.customer_id,
                f.store_id == a.store_id,
                f.product_id == a.product_id,
                f.forecast_date == a.forecast_date,
                f.issue_date == a.issue_date,
                f.model_version == a.model_version,
                f.model_name == model_name,
            ),
        )
        .outerjoin(
            s,
            and_(
                s.customer_id == a.customer_id,
                s.store_id == a.store_id,
                s.product_id == a.product_id,
                s.sale_date == a.forecast_date,
            ),
        )
        .where(*base)
        .order_by(a.store_id, a.product_id)
    )
    result = await session.execute(query)
    return [dict(row._mapping) for row in result]


# --- backtest results ---------------------------------------------------------------------


async def delete_backtests(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_id: uuid.UUID,
    kind: str,
    forecast_dates: Sequence[dt.date],
) -> int:
    """Remove a version's ``kind`` backtest rows of ``forecast_dates`` (before rewriting)."""
    if not forecast_dates:
        return 0
    result = await session.execute(
        delete(BacktestResult).where(
            BacktestResult.customer_id == customer_id,
            BacktestResult.model_id == model_id,
            BacktestResult.backtest_kind == kind,
            BacktestResult.forecast_date.in_(list(forecast_dates)),
        ),
        execution_options=_NO_SYNC,
    )
    return _count(result)


async def insert_backtests(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``backtest_results`` rows (dicts of column values)."""
    if rows:
        await session.execute(insert(BacktestResult), list(rows))
    return len(rows)


async def backtests_of(
    session: AsyncSession, *, customer_id: uuid.UUID, model_id: uuid.UUID, kind: str
) -> Sequence[BacktestResult]:
    """A version's ``kind`` backtest rows, by forecast date."""
    rows = await session.scalars(
        select(BacktestResult)
        .where(
            BacktestResult.customer_id == customer_id,
            BacktestResult.model_id == model_id,
            BacktestResult.backtest_kind == kind,
        )
        .order_by(BacktestResult.forecast_date)
    )
    return rows.all()


# --- drift samples ------------------------------------------------------------------------


def _sales_window(customer_id: uuid.UUID, start: dt.date, end: dt.date) -> tuple[Any, ...]:
    return (Sale.customer_id == customer_id, Sale.sale_date >= start, Sale.sale_date <= end)


async def count_sales(
    session: AsyncSession, *, customer_id: uuid.UUID, start: dt.date, end: dt.date
) -> int:
    """Sales rows of the tenant from ``start`` to ``end`` (inclusive)."""
    count = await session.scalar(
        select(func.count()).select_from(Sale).where(*_sales_window(customer_id, start, end))
    )
    return int(count or 0)


async def sales_values(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    columns: Sequence[str],
    every: int = 1,
) -> dict[str, npt.NDArray[np.float64]]:
    """The values of sales ``columns`` from ``start`` to ``end`` (inclusive), as arrays.

    ``every > 1`` keeps a deterministic sample of whole series (those whose
    ``(store_id · 7919 + product_id) mod every`` is 0): the same series in every window,
    so two windows stay comparable while a very large tenant is read in bounded memory.
    """
    selected = [getattr(Sale, name) for name in columns]
    query = select(*selected).where(*_sales_window(customer_id, start, end))
    if every > 1:
        query = query.where((Sale.store_id * 7919 + Sale.product_id) % every == 0)
    parts: list[npt.NDArray[np.float64]] = []
    result = await session.stream(query.execution_options(yield_per=PARTITION_ROWS))
    async for partition in result.partitions():
        parts.append(np.asarray([tuple(row) for row in partition], dtype=np.float64))
    if not parts:
        return {name: np.empty(0, dtype=np.float64) for name in columns}
    matrix = np.concatenate(parts).reshape(-1, len(columns))
    return {name: matrix[:, i].copy() for i, name in enumerate(columns)}
