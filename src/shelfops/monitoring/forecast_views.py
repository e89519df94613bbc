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
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    CompoundSelect,
    Date,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import read_rows, tenant_of
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

    Two queries: the names with the tenant's latest sales date, then the history, the
    scored forecasts and the champion's latest forecast as one ``UNION ALL`` (its window
    ends at that date). This is the dashboard's most frequent read, so it is cheap under
    load (``bench/api_load.py``): both statements are built once with bound parameters
    (:func:`_series_statements`), so a request neither rebuilds them nor recomputes their
    cache keys, and the rows are plain tuples, not ORM objects."""
    statements = _series_statements()
    ids = {"customer_id": tenant_of(session), "store_id": store_id, "product_id": product_id}
    header = (await read_rows(session, statements.header, ids)).first()
    if header is None:
        raise NotFound(f"no store {store_id} for this tenant")
    if header.sku is None:
        raise NotFound(f"no product {product_id} for this tenant")
    end: dt.date | None = header.latest_sale
    start = end - dt.timedelta(days=history_days - 1) if end is not None else None
    if start is None:
        query, params = statements.forecast, {**ids, "model_name": model_name}
    else:
        query = statements.everything
        params = {**ids, "model_name": model_name, "start": start, "end": end}
    rows = (await read_rows(session, query, params)).all()
    forecast = [row for row in rows if row.part == _FORECAST]
    history = _history([row for row in rows if row.part == _HISTORY], start, end)
    return ForecastSeries(
        store_id=store_id,
        product_id=product_id,
        store_name=header.store_name,
        product_name=header.product_name,
        sku=header.sku,
        store_code=header.store_code,
        model_name=model_name,
        model_version=forecast[0].model_version if forecast else None,
        issue_date=forecast[0].issue_date if forecast else None,
        history_start=start,
        history_end=end,
        history=history,
        forecast=[_forecast_point(row) for row in forecast],
        actuals=[_actual_point(row) for row in rows if row.part == _ACTUAL],
    )


# The bound parameters of the series read's statements.
_CUSTOMER: BindParameter[uuid.UUID] = bindparam("customer_id")
_STORE: BindParameter[int] = bindparam("store_id")
_PRODUCT: BindParameter[int] = bindparam("product_id")
_MODEL: BindParameter[str] = bindparam("model_name")
_START: BindParameter[dt.date] = bindparam("start")
_END: BindParameter[dt.date] = bindparam("end")


@dataclass(frozen=True)
class _SeriesStatements:
    header: Select[str, str, str, str, dt.date]
    forecast: CompoundSelect[*tuple[Any, ...]]
    everything: CompoundSelect[*tuple[Any, ...]]


@cache
def _series_statements() -> _SeriesStatements:
    """The series read's statements, built on first use and then reused: the header (the
    store's and product's names and the tenant's latest sales date; no row: no such
    store, no ``sku``: no such product), and the champion's forecast alone or with the
    window's history and scored forecasts."""
    latest_sale = select(func.max(Sale.sale_date)).where(Sale.customer_id == _CUSTOMER)
    header = (
        select(
            Store.name.label("store_name"),
            Store.store_code,
            Product.name.label("product_name"),
            Product.product_code.label("sku"),
            latest_sale.scalar_subquery().label("latest_sale"),
        )
        .select_from(Store)
        .outerjoin(Product, and_(Product.customer_id == _CUSTOMER, Product.product_id == _PRODUCT))
        .where(Store.customer_id == _CUSTOMER, Store.store_id == _STORE)
    )
    order = ("part", "day", "model_version")
    return _SeriesStatements(
        header=header,
        forecast=union_all(_forecast_rows()).order_by(*order),
        everything=union_all(_forecast_rows(), _history_rows(), _actual_rows()).order_by(*order),
    )


# The parts of the series read's ``UNION ALL``, told apart by its ``part`` column. Each
# part's select has the same columns: part, day, issue_date, model_version, three
# numbers (x1–x3), within_interval, stockout, quantiles. A column a part does not have
# is a NULL cast to the column's type, since PostgreSQL resolves a union's column types
# pair by pair and two untyped NULLs would become text.
_FORECAST, _HISTORY, _ACTUAL = 0, 1, 2


def _part_columns(part: int, day: Any, **given: Any) -> list[Any]:
    """The union's columns for one part, in order and labelled: ``given`` names the
    columns the part has; every other one is a typed NULL."""
    types = {
        "issue_date": Date,
        "model_version": String,
        "x1": Float,
        "x2": Float,
        "x3": Float,
        "within_interval": Boolean,
        "stockout": Boolean,
        "quantiles": DemandForecast.quantiles.type,
    }
    unknown = set(given) - set(types)
    if unknown:
        raise TypeError(f"not columns of the series union: {sorted(unknown)}")
    return [
        literal_column(str(part), Integer).label("part"),
        day.label("day"),
        *(
            (given[name] if name in given else cast(null(), kind)).label(name)
            for name, kind in types.items()
        ),
    ]


def _forecast_rows() -> Select[Any]:
    """The champion's latest forecasts of the series: x1–x3 are mean, lower and upper.

    The champion (the newest version in that status, as
    :func:`shelfops.registry.service.champion` picks it) and its latest issue are
    subqueries, so none of it costs a round trip of its own."""
    v, f = ModelVersion, DemandForecast
    champion = (
        select(v.version)
        .where(
            v.customer_id == _CUSTOMER,
            v.model_name == _MODEL,
            v.status == ModelStatus.CHAMPION.value,
        )
        .order_by(v.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    base = (
        f.customer_id == _CUSTOMER,
        f.store_id == _STORE,
        f.product_id == _PRODUCT,
        f.model_name == _MODEL,
        f.model_version == champion,
    )
    latest_issue = select(func.max(f.issue_date)).where(*base).scalar_subquery()
    columns = _part_columns(
        _FORECAST,
        f.forecast_date,
        issue_date=f.issue_date,
        model_version=f.model_version,
        x1=f.forecasted_demand,
        x2=f.lower_bound,
        x3=f.upper_bound,
        quantiles=f.quantiles,
    )
    return select(*columns).where(*base, f.issue_date == latest_issue)


def _history_rows() -> Select[Any]:
    """The series' sales rows of ``[start, end]``: x1 is the quantity, x2 the close."""
    s = Sale
    columns = _part_columns(_HISTORY, s.sale_date, x1=s.quantity, x2=s.on_hand_close)
    return select(*columns).where(
        s.customer_id == _CUSTOMER,
        s.store_id == _STORE,
        s.product_id == _PRODUCT,
        s.sale_date >= _START,
        s.sale_date <= _END,
    )


def _versions_of(model_name: str | BindParameter[str]) -> Select[str]:
    """The version names of ``model_name`` (for rows that carry only a version)."""
    return select(ModelVersion.version).where(ModelVersion.model_name == model_name)


def _actual_rows() -> Select[Any]:
    """Scored forecasts of the window's days, the latest issue per day: x1–x3 are the
    forecast, the actual and the absolute error."""
    a = ForecastAccuracy
    base = (
        a.customer_id == _CUSTOMER,
        a.store_id == _STORE,
        a.product_id == _PRODUCT,
        a.forecast_date >= _START,
        a.forecast_date <= _END,
        a.model_version.in_(_versions_of(_MODEL).where(ModelVersion.customer_id == _CUSTOMER)),
    )
    newest = (
        select(a.forecast_date, func.max(a.issue_date).label("issue_date"))
        .where(*base)
        .group_by(a.forecast_date)
        .subquery()
    )
    return (
        select(
            *_part_columns(
                _ACTUAL,
                a.forecast_date,
                issue_date=a.issue_date,
                model_version=a.model_version,
                x1=a.forecasted_demand,
                x2=a.actual_demand,
                x3=a.absolute_error,
                within_interval=a.within_interval,
                stockout=a.stockout,
            )
        )
        .join(
            newest,
            and_(newest.c.forecast_date == a.forecast_date, newest.c.issue_date == a.issue_date),
        )
        .where(*base)
    )


def _history(
    rows: list[Any], start: dt.date | None, end: dt.date | None
) -> list[SeriesHistoryPoint]:
    """One point per day of ``[start, end]``; a day without a row sold 0. A stock-out is a
    close with nothing on hand (``on_hand_close = 0``, the same rule the accuracy job
    scores with)."""
    if start is None or end is None:
        return []
    by_day = {row.day: (row.x1, row.x2) for row in rows}
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


def _forecast_point(row: Any) -> SeriesForecastPoint:
    return SeriesForecastPoint(
        date=row.day,
        mean=row.x1,
        lower=row.x2,
        upper=row.x3,
        quantiles={k: float(x) for k, x in (row.quantiles or {}).items() if x is not None},
    )


def _actual_point(row: Any) -> SeriesActualPoint:
    return SeriesActualPoint(
        date=row.day,
        issue_date=row.issue_date,
        model_version=row.model_version,
        forecast=row.x1,
        actual=row.x2,
        absolute_error=row.x3,
        within_interval=row.within_interval,
        stockout=row.stockout,
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
