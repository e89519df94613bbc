"""Queries behind the dashboard's forecast reads (``/api/v1/forecasts/…``).

Every query filters by the session tenant's ``customer_id`` (on PostgreSQL row-level
security holds as well). Scored forecasts (``forecast_accuracy``) have no model name of
their own: they belong to ``model_name`` through their version, so the reads keep the
rows whose version is one of that model's versions. Where a day was forecast by several
issues, the latest issue (the shortest horizon) counts, as in the daily backtest.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import tenant_of
from shelfops.kit.errors import NotFound
from shelfops.models import DemandForecast, ForecastAccuracy, ModelVersion, Product, Sale, Store
from shelfops.models.base import utcnow
from shelfops.models.registry import ModelStatus
from shelfops.monitoring.forecast_views_schemas import (
    AccuracyPoint,
    ForecastFreshness,
    ForecastSeries,
    SeriesActualPoint,
    SeriesForecastPoint,
    SeriesHistoryPoint,
)
from shelfops.sales import repository as sales


async def forecast_series(
    session: AsyncSession,
    *,
    store_id: int,
    product_id: int,
    history_days: int,
    model_name: str,
) -> ForecastSeries:
    """History, latest champion forecast and scored forecasts of one store × product.

    Four queries: the names with the latest sales date, the history, the scored
    forecasts and the champion's latest forecast. This is the dashboard's most frequent
    read, so each round trip and each ORM row it saves counts under load
    (``bench/api_load.py``)."""
    customer_id = tenant_of(session)
    header = await _series_header(session, store_id, product_id)
    end: dt.date | None = header.latest_sale
    start = end - dt.timedelta(days=history_days - 1) if end is not None else None
    history: list[SeriesHistoryPoint] = []
    actuals: list[SeriesActualPoint] = []
    if start is not None and end is not None:
        history = await _history(session, store_id, product_id, start, end)
        actuals = await _actuals(session, store_id, product_id, start, end, model_name)
    version, issue, forecast = await _latest_forecast(
        session, store_id, product_id, model_name, customer_id
    )
    return ForecastSeries(
        store_id=store_id,
        product_id=product_id,
        store_name=header.store_name,
        product_name=header.product_name,
        sku=header.sku,
        store_code=header.store_code,
        model_name=model_name,
        model_version=version,
        issue_date=issue,
        history_start=start,
        history_end=end,
        history=history,
        forecast=forecast,
        actuals=actuals,
    )


@dataclass(frozen=True)
class _SeriesHeader:
    store_name: str
    store_code: str
    product_name: str
    sku: str
    latest_sale: dt.date | None


async def _series_header(session: AsyncSession, store_id: int, product_id: int) -> _SeriesHeader:
    """The store's and product's names and the tenant's latest sales date, in one query;
    :class:`NotFound` naming whichever of the two the tenant does not have."""
    customer_id = tenant_of(session)
    latest_sale = (
        select(func.max(Sale.sale_date)).where(Sale.customer_id == customer_id).scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                Store.name.label("store_name"),
                Store.store_code,
                Product.name.label("product_name"),
                Product.product_code.label("sku"),
                latest_sale.label("latest_sale"),
            )
            .select_from(Store)
            .outerjoin(
                Product,
                and_(Product.customer_id == customer_id, Product.product_id == product_id),
            )
            .where(Store.customer_id == customer_id, Store.store_id == store_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no store {store_id} for this tenant")
    if row.sku is None:
        raise NotFound(f"no product {product_id} for this tenant")
    return _SeriesHeader(*row)


async def _history(
    session: AsyncSession, store_id: int, product_id: int, start: dt.date, end: dt.date
) -> list[SeriesHistoryPoint]:
    """One point per day of ``[start, end]``; a stock-out is a close with nothing on hand
    (``on_hand_close = 0``, the same rule the accuracy job scores with)."""
    rows = await session.execute(
        select(Sale.sale_date, Sale.quantity, Sale.on_hand_close).where(
            Sale.customer_id == tenant_of(session),
            Sale.store_id == store_id,
            Sale.product_id == product_id,
            Sale.sale_date >= start,
            Sale.sale_date <= end,
        )
    )
    by_day = {day: (quantity, on_hand) for day, quantity, on_hand in rows}
    points = []
    for offset in range((end - start).days + 1):
        day = start + dt.timedelta(days=offset)
        quantity, on_hand = by_day.get(day, (0.0, None))
        points.append(
            SeriesHistoryPoint(
                date=day, quantity=float(quantity), stockout=on_hand is not None and on_hand == 0
            )
        )
    return points


def _versions_of(model_name: str) -> Select[str]:
    """The version names of ``model_name`` (for rows that carry only a version)."""
    return select(ModelVersion.version).where(ModelVersion.model_name == model_name)


async def _actuals(
    session: AsyncSession,
    store_id: int,
    product_id: int,
    start: dt.date,
    end: dt.date,
    model_name: str,
) -> list[SeriesActualPoint]:
    """Scored forecasts of the window's days, the latest issue per day."""
    customer_id = tenant_of(session)
    a = ForecastAccuracy
    base = (
        a.customer_id == customer_id,
        a.store_id == store_id,
        a.product_id == product_id,
        a.forecast_date >= start,
        a.forecast_date <= end,
        a.model_version.in_(
            _versions_of(model_name).where(ModelVersion.customer_id == customer_id)
        ),
    )
    newest = (
        select(a.forecast_date, func.max(a.issue_date).label("issue_date"))
        .where(*base)
        .group_by(a.forecast_date)
        .subquery()
    )
    rows = await session.execute(
        select(
            a.forecast_date,
            a.issue_date,
            a.model_version,
            a.forecasted_demand,
            a.actual_demand,
            a.absolute_error,
            a.within_interval,
            a.stockout,
        )
        .join(
            newest,
            and_(newest.c.forecast_date == a.forecast_date, newest.c.issue_date == a.issue_date),
        )
        .where(*base)
        .order_by(a.forecast_date, a.model_version)
    )
    return [
        SeriesActualPoint(
            date=row.forecast_date,
            issue_date=row.issue_date,
            model_version=row.model_version,
            forecast=row.forecasted_demand,
            actual=row.actual_demand,
            absolute_error=row.absolute_error,
            within_interval=row.within_interval,
            stockout=row.stockout,
        )
        for row in rows
    ]


async def _latest_forecast(
    session: AsyncSession,
    store_id: int,
    product_id: int,
    model_name: str,
    customer_id: uuid.UUID,
) -> tuple[str | None, dt.date | None, list[SeriesForecastPoint]]:
    """The champion's version, its latest issue date and that issue's forecasts of the
    series, by date (``None, None, []`` without a champion or its forecasts).

    One query: the champion (the newest version in that status, as
    :func:`shelfops.registry.service.champion` picks it) and its latest issue are
    subqueries of the forecast read."""
    v, f = ModelVersion, DemandForecast
    champion = (
        select(v.version)
        .where(
            v.customer_id == customer_id,
            v.model_name == model_name,
            v.status == ModelStatus.CHAMPION.value,
        )
        .order_by(v.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    base = (
        f.customer_id == customer_id,
        f.store_id == store_id,
        f.product_id == product_id,
        f.model_name == model_name,
        f.model_version == champion,
    )
    latest_issue = select(func.max(f.issue_date)).where(*base).scalar_subquery()
    rows = (
        await session.execute(
            select(
                f.model_version,
                f.issue_date,
                f.forecast_date,
                f.forecasted_demand,
                f.lower_bound,
                f.upper_bound,
                f.quantiles,
            )
            .where(*base, f.issue_date == latest_issue)
            .order_by(f.forecast_date)
        )
    ).all()
    if not rows:
        return None, None, []
    return (
        rows[0].model_version,
        rows[0].issue_date,
        [
            SeriesForecastPoint(
                date=row.forecast_date,
                mean=row.forecasted_demand,
                lower=row.lower_bound,
                upper=row.upper_bound,
                quantiles={k: float(x) for k, x in (row.quantiles or {}).items() if x is not None},
            )
            for row in rows
        ],
    )


async def accuracy_trend(
    session: AsyncSession, *, days: int, model_name: str
) -> list[AccuracyPoint]:
    """Per forecast date (the last ``days`` that have scored rows, oldest first): MAE,
    WAPE, bias and interval coverage over the latest issue of every scored series."""
    customer_id = tenant_of(session)
    a = ForecastAccuracy
    versions = _versions_of(model_name).where(ModelVersion.customer_id == customer_id)
    scoped = (a.customer_id == customer_id, a.model_version.in_(versions))
    recent = (
        select(a.forecast_date)
        .where(*scoped)
        .distinct()
        .order_by(a.forecast_date.desc())
        .limit(days)
        .subquery()
    )
    first: dt.date | None = await session.scalar(select(func.min(recent.c.forecast_date)))
    if first is None:
        return []
    base = (*scoped, a.forecast_date >= first)
    newest = (
        select(
            a.store_id, a.product_id, a.forecast_date, func.max(a.issue_date).label("issue_date")
        )
        .where(*base)
        .group_by(a.store_id, a.product_id, a.forecast_date)
        .subquery()
    )
    error = a.absolute_error
    inside = case((a.within_interval.is_(True), 1), else_=0)
    query = (
        select(
            a.forecast_date,
            func.count().label("series"),
            func.avg(error).label("mae"),
            func.sum(error).label("error_sum"),
            func.sum(a.actual_demand).label("actual_sum"),
            func.avg(a.forecasted_demand - a.actual_demand).label("bias"),
            func.sum(inside).label("inside"),
            func.count(a.within_interval).label("with_interval"),
            func.sum(case((a.stockout.is_(True), 1), else_=0)).label("stockouts"),
        )
        .join(
            newest,
            and_(
                newest.c.store_id == a.store_id,
                newest.c.product_id == a.product_id,
                newest.c.forecast_date == a.forecast_date,
                newest.c.issue_date == a.issue_date,
            ),
        )
        .where(*base)
        .group_by(a.forecast_date)
        .order_by(a.forecast_date)
    )
    result = await session.execute(query)
    return [_accuracy_point(dict(row._mapping)) for row in result]


def _accuracy_point(row: dict[str, Any]) -> AccuracyPoint:
    actual_sum = float(row["actual_sum"] or 0.0)
    with_interval = int(row["with_interval"] or 0)
    return AccuracyPoint(
        date=row["forecast_date"],
        series=int(row["series"]),
        mae=float(row["mae"]),
        wape=float(row["error_sum"]) / actual_sum if actual_sum > 0 else None,
        bias=float(row["bias"]),
        coverage=int(row["inside"] or 0) / with_interval if with_interval else None,
        stockout_days=int(row["stockouts"] or 0),
    )


async def freshness(session: AsyncSession) -> ForecastFreshness:
    """The latest sales date, forecast issue and day, and scored forecast day."""
    customer_id = tenant_of(session)
    latest_issue, latest_forecast = (
        await session.execute(
            select(
                func.max(DemandForecast.issue_date), func.max(DemandForecast.forecast_date)
            ).where(DemandForecast.customer_id == customer_id)
        )
    ).one()
    latest_accuracy = await session.scalar(
        select(func.max(ForecastAccuracy.forecast_date)).where(
            ForecastAccuracy.customer_id == customer_id
        )
    )
    return ForecastFreshness(
        latest_sales_date=await sales.latest_sale_date(session, customer_id=customer_id),
        latest_issue_date=latest_issue,
        latest_forecast_date=latest_forecast,
        latest_accuracy_date=latest_accuracy,
        checked_at=utcnow(),
    )
