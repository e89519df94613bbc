"""SQL of the replenishment daily job and of the inventory, policy, target and stock-alert
APIs. Every query takes the tenant explicitly and filters on ``customer_id`` (the
isolation on SQLite; PostgreSQL's row-level security is the second line of defence).

The job's reads are tenant-wide and return columnar polars frames (one row per store ×
product, aggregated in the database where possible): a tenant can have a million series,
so rows never become ORM objects on that path. The job's writes are executemany batches
of plain dicts.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import polars as pl
from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Bundle

from shelfops.kit.db import read_rows
from shelfops.kit.totals import recent_totals
from shelfops.models import (
    Alert,
    AlertStatus,
    DemandForecast,
    ForecastAccuracy,
    InventorySnapshot,
    POStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderPolicy,
    Sale,
    ServiceLevelTarget,
    Store,
    Supplier,
)
from shelfops.models.base import Base
from shelfops.models.replenishment import SEVERITY_RANK_SQL

# The generic "query → typed polars frame" reader of the sales time series (``COPY`` on
# PostgreSQL, streamed partitions on SQLite); reused so both stay one implementation.
from shelfops.sales.repository import _frame as query_frame

Query = Select[*tuple[Any, ...]]
#: The tenant a statement reads: its id, or a bound parameter for a statement built once.
Tenant = uuid.UUID | BindParameter[uuid.UUID]
#: A single store × product the reads are narrowed to (a policy recomputed on its own).
Series = tuple[int, int] | None

OPEN_ALERT_STATUSES = (AlertStatus.OPEN.value, AlertStatus.ACKNOWLEDGED.value)
# The predicate of the partial unique index ``uq_alerts_open_dedupe_key``; repeating it in
# ``ON CONFLICT`` is how both databases pick that index as the conflict target.
_OPEN_WITH_KEY = text("status IN ('open', 'acknowledged') AND dedupe_key IS NOT NULL")
# Approved orders not yet received: their quantities are already on the way.
OPEN_ORDER_STATUSES = (POStatus.APPROVED.value, POStatus.EDITED.value)
#: ``purchase_orders.source`` of the orders the daily job suggests.
SUGGESTED_SOURCE = "suggested"
# Bulk statements: no ORM objects of these rows are loaded, so nothing to synchronise.
_NO_SYNC = {"synchronize_session": False}
#: Rows per executemany batch of the job's writes.
WRITE_CHUNK = 5_000
#: Pairs per ``IN`` list of the targeted (phantom candidate) reads.
IN_CHUNK = 500

# The very expression of the index ``ix_alerts_customer_status_rank`` (literals, not
# bound parameters): PostgreSQL then reads a page of alerts in index order.
_SEVERITY_RANK: ColumnElement[Any] = literal_column(SEVERITY_RANK_SQL)


def _insert(session: AsyncSession) -> Any:
    """The dialect's INSERT (both support ``ON CONFLICT``)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _narrow(query: Query, store: Any, product: Any, series: Series) -> Query:
    if series is not None:
        query = query.where(store == series[0], product == series[1])
    return query


async def _total(session: AsyncSession, query: Query) -> int:
    total = await session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return int(total or 0)


async def _recent_total(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    key: tuple[Any, ...],
    count: Query,
    params: dict[str, Any],
) -> int:
    """The value of the ``count`` query with ``params``, or a recent one of the same
    tenant, list and filters when it is large (see :mod:`shelfops.kit.totals`)."""

    async def counted() -> int:
        return int((await read_rows(session, count, params)).scalar() or 0)

    # The engine's URL names the database (a hashable value, compared, never rendered).
    database = session.get_bind().engine.url
    return await recent_totals.total(
        database=database, customer_id=customer_id, key=key, count=counted
    )


# --- the daily job: reads ---------------------------------------------------------------


async def latest_issue_date(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    model_version: str,
    on_or_before: dt.date,
) -> dt.date | None:
    """The newest issue date of a model version's stored forecasts, up to ``on_or_before``."""
    latest: dt.date | None = await session.scalar(
        select(func.max(DemandForecast.issue_date)).where(
            DemandForecast.customer_id == customer_id,
            DemandForecast.model_name == model_name,
            DemandForecast.model_version == model_version,
            DemandForecast.issue_date <= on_or_before,
        )
    )
    return latest


async def quantile_levels(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    model_version: str,
    issue_date: dt.date,
) -> list[str]:
    """The quantile keys (``"0.1"``, …) of one issue of forecasts, read from one row that
    has quantiles: the forecast job writes the same levels on every such row of an issue.

    A row without quantiles holds JSON ``null`` (not SQL NULL: the ORM writes ``None``
    as JSON), so it is excluded by its text; otherwise which row ``LIMIT 1`` returns —
    and so whether the levels are found — would depend on the table's physical order."""
    sample = await session.scalar(
        select(DemandForecast.quantiles)
        .where(
            DemandForecast.customer_id == customer_id,
            DemandForecast.model_name == model_name,
            DemandForecast.model_version == model_version,
            DemandForecast.issue_date == issue_date,
            DemandForecast.quantiles.is_not(None),
            cast(DemandForecast.quantiles, String) != "null",
        )
        .limit(1)
    )
    if not isinstance(sample, dict):
        return []
    levels = []
    for key in sample:
        try:
            level = float(key)
        except ValueError:
            continue
        if 0.0 < level < 1.0:
            levels.append(key)
    return sorted(levels, key=float)


def quantile_column(key: str) -> str:
    """The frame column holding quantile ``key`` (``"0.9"`` → ``q0.9``)."""
    return f"q{key}"


async def forecast_frame(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    model_version: str,
    issue_date: dt.date,
    start: dt.date,
    levels: Sequence[str],
    series: Series = None,
) -> pl.DataFrame:
    """One issue of a version's forecasts from ``start`` on: ``store_id, product_id,
    forecast_date, mean`` and one float column per quantile level (null where missing).

    Quantiles are extracted from the JSON column in the database, so the frame is all
    numbers (no JSON decoded per row in Python)."""
    f = DemandForecast
    columns: list[Any] = [f.store_id, f.product_id, f.forecast_date, f.forecasted_demand]
    columns += [f.quantiles[key].as_float() for key in levels]
    query = select(*columns).where(
        f.customer_id == customer_id,
        f.model_name == model_name,
        f.model_version == model_version,
        f.issue_date == issue_date,
        f.forecast_date >= start,
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "forecast_date": pl.Date(),
        "mean": pl.Float64(),
    }
    schema |= {quantile_column(key): pl.Float64() for key in levels}
    return await query_frame(session, _narrow(query, f.store_id, f.product_id, series), schema)


async def sales_stats(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    start: dt.date,
    recent_start: dt.date,
    end: dt.date,
    series: Series = None,
) -> pl.DataFrame:
    """Per series with sales rows in ``[start, end]``: the first row's date, the last day
    with units sold (null if none), and the sum and sum of squares of the quantities
    from ``recent_start`` on (days without a row are zero sales)."""
    s = Sale
    recent = s.sale_date >= recent_start
    query = (
        select(
            s.store_id,
            s.product_id,
            func.min(s.sale_date),
            func.max(case((s.quantity > 0, s.sale_date), else_=None)),
            func.sum(case((recent, s.quantity), else_=0.0)),
            func.sum(case((recent, s.quantity * s.quantity), else_=0.0)),
        )
        .where(s.customer_id == customer_id, s.sale_date >= start, s.sale_date <= end)
        .group_by(s.store_id, s.product_id)
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "first_date": pl.Date(),
        "last_sale": pl.Date(),
        "recent_sum": pl.Float64(),
        "recent_sumsq": pl.Float64(),
    }
    return await query_frame(session, _narrow(query, s.store_id, s.product_id, series), schema)


async def store_data_end(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    series: Series = None,
) -> pl.DataFrame:
    """Per store, the latest sales date in ``[start, end]``: the last day its feed
    reported (a store whose feed stalls must not look like it stopped selling).
    ``series`` narrows the read to that series' store."""
    query = (
        select(Sale.store_id, func.max(Sale.sale_date))
        .where(Sale.customer_id == customer_id, Sale.sale_date >= start, Sale.sale_date <= end)
        .group_by(Sale.store_id)
    )
    if series is not None:
        query = query.where(Sale.store_id == series[0])
    return await query_frame(session, query, {"store_id": pl.Int64(), "store_end": pl.Date()})


async def error_stats(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_version: str,
    start: dt.date,
    end: dt.date,
    series: Series = None,
) -> pl.DataFrame:
    """Per series, the count, sum and sum of squares of the signed daily forecast error
    ``actual − forecast`` of one version over forecast dates ``[start, end]``; stock-out
    days (censored actuals) are left out."""
    a = ForecastAccuracy
    error = a.actual_demand - a.forecasted_demand
    query = (
        select(a.store_id, a.product_id, func.count(), func.sum(error), func.sum(error * error))
        .where(
            a.customer_id == customer_id,
            a.model_version == model_version,
            a.forecast_date >= start,
            a.forecast_date <= end,
            a.stockout.is_(False),
        )
        .group_by(a.store_id, a.product_id)
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "error_n": pl.Int64(),
        "error_sum": pl.Float64(),
        "error_sumsq": pl.Float64(),
    }
    return await query_frame(session, _narrow(query, a.store_id, a.product_id, series), schema)


async def latest_snapshots(
    session: AsyncSession, *, customer_id: uuid.UUID, before: dt.date, series: Series = None
) -> pl.DataFrame:
    """Per series, its newest inventory snapshot dated before ``before``: ``snapshot_date,
    on_hand, on_order, reserved``."""
    i = InventorySnapshot
    newest = _narrow(
        select(i.store_id, i.product_id, func.max(i.snapshot_date).label("day"))
        .where(i.customer_id == customer_id, i.snapshot_date < before)
        .group_by(i.store_id, i.product_id),
        i.store_id,
        i.product_id,
        series,
    ).subquery()
    query = select(
        i.store_id, i.product_id, i.snapshot_date, i.on_hand, i.on_order, i.reserved
    ).join(
        newest,
        and_(
            i.customer_id == customer_id,
            i.store_id == newest.c.store_id,
            i.product_id == newest.c.product_id,
            i.snapshot_date == newest.c.day,
        ),
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "snapshot_date": pl.Date(),
        "snapshot_on_hand": pl.Float64(),
        "snapshot_on_order": pl.Float64(),
        "snapshot_reserved": pl.Float64(),
    }
    return await query_frame(session, query, schema)


async def latest_on_hand_close(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    start: dt.date,
    before: dt.date,
    series: Series = None,
) -> pl.DataFrame:
    """Per series, the newest sales row in ``[start, before)`` that recorded its on-hand
    at close: ``close_date, close_on_hand``."""
    s = Sale
    newest = _narrow(
        select(s.store_id, s.product_id, func.max(s.sale_date).label("day"))
        .where(
            s.customer_id == customer_id,
            s.sale_date >= start,
            s.sale_date < before,
            s.on_hand_close.is_not(None),
        )
        .group_by(s.store_id, s.product_id),
        s.store_id,
        s.product_id,
        series,
    ).subquery()
    query = select(s.store_id, s.product_id, s.sale_date, s.on_hand_close).join(
        newest,
        and_(
            s.customer_id == customer_id,
            s.store_id == newest.c.store_id,
            s.product_id == newest.c.product_id,
            s.sale_date == newest.c.day,
        ),
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "close_date": pl.Date(),
        "close_on_hand": pl.Float64(),
    }
    return await query_frame(session, query, schema)


async def open_order_quantities(
    session: AsyncSession, *, customer_id: uuid.UUID, series: Series = None
) -> pl.DataFrame:
    """Per series, the units on approved (or edited) purchase orders not yet received."""
    o, line = PurchaseOrder, PurchaseOrderLine
    query = (
        select(o.store_id, line.product_id, func.sum(line.quantity))
        .join(o, and_(o.po_id == line.po_id, o.customer_id == customer_id))
        # Not ``IN (…)``: an expanding parameter cannot go through ``COPY`` (query_frame).
        .where(line.customer_id == customer_id, or_(*(o.status == s for s in OPEN_ORDER_STATUSES)))
        .group_by(o.store_id, line.product_id)
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "open_po_qty": pl.Float64(),
    }
    return await query_frame(session, _narrow(query, o.store_id, line.product_id, series), schema)


async def received_quantities(
    session: AsyncSession, *, customer_id: uuid.UUID, since: dt.date, series: Series = None
) -> pl.DataFrame:
    """Per series, the units received on purchase orders on or after ``since``."""
    o, line = PurchaseOrder, PurchaseOrderLine
    query = (
        select(o.store_id, line.product_id, func.sum(line.received_quantity))
        .join(o, and_(o.po_id == line.po_id, o.customer_id == customer_id))
        .where(
            line.customer_id == customer_id,
            o.status == POStatus.RECEIVED.value,
            o.received_date >= since,
        )
        .group_by(o.store_id, line.product_id)
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "received_qty": pl.Float64(),
    }
    return await query_frame(session, _narrow(query, o.store_id, line.product_id, series), schema)


async def active_products(
    session: AsyncSession, *, customer_id: uuid.UUID, series: Series = None
) -> pl.DataFrame:
    """The tenant's active products with their supplier's lead time and minimum order
    (null when the product has no supplier) and the day they stop being sold."""
    p, v = Product, Supplier
    query = (
        select(
            p.product_id,
            p.product_code,
            p.category,
            p.discontinued_on,
            p.unit_cost,
            p.pack_size,
            p.supplier_id,
            v.lead_time_days,
            v.lead_time_std_days,
            v.min_order_qty,
        )
        .outerjoin(v, and_(v.supplier_id == p.supplier_id, v.customer_id == customer_id))
        .where(p.customer_id == customer_id, p.is_active.is_(True))
    )
    if series is not None:
        query = query.where(p.product_id == series[1])
    schema: dict[str, pl.DataType] = {
        "product_id": pl.Int64(),
        "product_code": pl.String(),
        "category": pl.String(),
        "discontinued_on": pl.Date(),
        "unit_cost": pl.Float64(),
        "pack_size": pl.Float64(),
        "supplier_id": pl.Int64(),
        "lead_time_days": pl.Float64(),
        "lead_time_std_days": pl.Float64(),
        "min_order_qty": pl.Float64(),
    }
    return await query_frame(session, query, schema)


async def active_stores(
    session: AsyncSession, *, customer_id: uuid.UUID, series: Series = None
) -> pl.DataFrame:
    """The tenant's active stores: ``store_id, store_code``."""
    query = select(Store.store_id, Store.store_code).where(
        Store.customer_id == customer_id, Store.is_active.is_(True)
    )
    if series is not None:
        query = query.where(Store.store_id == series[0])
    return await query_frame(session, query, {"store_id": pl.Int64(), "store_code": pl.String()})


async def service_level_targets(
    session: AsyncSession, *, customer_id: uuid.UUID
) -> list[ServiceLevelTarget]:
    """Every service-level target of the tenant (a few per category or product)."""
    rows = await session.scalars(
        select(ServiceLevelTarget).where(ServiceLevelTarget.customer_id == customer_id)
    )
    return list(rows)


async def policy_overrides(
    session: AsyncSession, *, customer_id: uuid.UUID, series: Series = None
) -> pl.DataFrame:
    """The store × product service levels a planner set on a policy."""
    r = ReorderPolicy
    query = select(r.store_id, r.product_id, r.service_level, r.service_level_kind).where(
        r.customer_id == customer_id, r.service_level_overridden.is_(True)
    )
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "override_level": pl.Float64(),
        "override_kind": pl.String(),
    }
    return await query_frame(session, _narrow(query, r.store_id, r.product_id, series), schema)


async def sales_of_series(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    pairs: Sequence[tuple[int, int]],
    start: dt.date,
    end: dt.date,
) -> pl.DataFrame:
    """The sales rows of a few series (phantom-stock candidates) in ``[start, end]``:
    ``store_id, product_id, sale_date, quantity``.

    One query per store, ``store_id = … AND product_id IN (…)``: both are index
    conditions on the primary key, so the cost follows the candidates. (A list of
    ``(store_id, product_id)`` pairs is not: measured on PostgreSQL under row-level
    security, it scanned the tenant's whole date range.)"""
    s = Sale
    by_store: dict[int, list[int]] = {}
    for store_id, product_id in pairs:
        by_store.setdefault(store_id, []).append(product_id)
    rows: list[tuple[Any, ...]] = []
    for store_id, products in sorted(by_store.items()):
        for chunk in range(0, len(products), IN_CHUNK):
            result = await session.execute(
                select(s.store_id, s.product_id, s.sale_date, s.quantity).where(
                    s.customer_id == customer_id,
                    s.store_id == store_id,
                    s.product_id.in_(products[chunk : chunk + IN_CHUNK]),
                    s.sale_date >= start,
                    s.sale_date <= end,
                )
            )
            rows.extend(tuple(row) for row in result)
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "sale_date": pl.Date(),
        "quantity": pl.Float64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


async def forecasts_issued_on(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    keys: Sequence[tuple[int, int, dt.date]],
) -> pl.DataFrame:
    """For each ``(store_id, product_id, issue_date)``, the forecasts of that series
    issued that day (by whichever version was champion then; averaged over versions if
    several were stored): ``store_id, product_id, issue_date, forecast_date, mean``."""
    f = DemandForecast
    rows: list[tuple[Any, ...]] = []
    for chunk in range(0, len(keys), IN_CHUNK):
        result = await session.execute(
            select(
                f.store_id,
                f.product_id,
                f.issue_date,
                f.forecast_date,
                func.avg(f.forecasted_demand),
            )
            .where(
                f.customer_id == customer_id,
                f.model_name == model_name,
                tuple_(f.store_id, f.product_id, f.issue_date).in_(
                    list(keys[chunk : chunk + IN_CHUNK])
                ),
            )
            .group_by(f.store_id, f.product_id, f.issue_date, f.forecast_date)
        )
        rows.extend(tuple(row) for row in result)
    schema: dict[str, pl.DataType] = {
        "store_id": pl.Int64(),
        "product_id": pl.Int64(),
        "issue_date": pl.Date(),
        "forecast_date": pl.Date(),
        "mean": pl.Float64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


# --- the daily job: writes --------------------------------------------------------------

#: Policy columns the job computes (everything but the planner's override).
POLICY_COMPUTED = (
    "lead_time_days",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "economic_order_qty",
    "min_order_qty",
    "pack_size",
    "model_version",
    "computed_at",
    "inventory_position",
    "lead_time_demand_mean",
    "lead_time_demand_std",
    "days_of_supply",
    "recommended_quantity",
    "stock_status",
    "details",
    "updated_at",
)


def _keep_override(column: str, incoming: Any) -> Any:
    """``SET column = …`` that keeps the stored value when a planner overrode it."""
    table = ReorderPolicy.__table__
    return case((table.c.service_level_overridden.is_(True), table.c[column]), else_=incoming)


async def upsert_policies(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert or update ``reorder_policies`` rows (dicts with the same columns, one per
    store × product). A planner's override is kept: a row marked
    ``service_level_overridden`` keeps its service level and kind even if the job read
    it before the planner changed it.

    PostgreSQL: the rows are copied (``COPY``, binary) into a temporary table and
    upserted from it in one statement — about six times faster than an executemany
    ``INSERT … ON CONFLICT`` at tens of thousands of rows. SQLite: executemany."""
    if not rows:
        return 0
    names = list(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        await _upsert_policies_by_copy(session, rows, names)
        return len(rows)
    statement = sqlite.insert(ReorderPolicy)
    changes: dict[str, Any] = {name: statement.excluded[name] for name in POLICY_COMPUTED}
    for column in ("service_level", "service_level_kind"):
        changes[column] = _keep_override(column, statement.excluded[column])
    statement = statement.on_conflict_do_update(
        index_elements=[ReorderPolicy.store_id, ReorderPolicy.product_id], set_=changes
    )
    for start in range(0, len(rows), WRITE_CHUNK):
        await session.execute(statement, list(rows[start : start + WRITE_CHUNK]))
    return len(rows)


async def _upsert_policies_by_copy(
    session: AsyncSession, rows: Sequence[dict[str, Any]], names: list[str]
) -> None:
    stage_name = f"reorder_policies_stage_{uuid.uuid4().hex[:12]}"
    listed = ", ".join(names)
    # Same column types, no constraints or defaults; dropped with the transaction.
    await session.execute(
        text(
            f"CREATE TEMPORARY TABLE {stage_name} ON COMMIT DROP AS "
            f"SELECT {listed} FROM reorder_policies WITH NO DATA"
        )
    )
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    records = [
        tuple(json.dumps(row[n]) if n == "details" else row[n] for n in names) for row in rows
    ]
    await driver.copy_records_to_table(stage_name, records=records, columns=names)
    stage = sa_table(stage_name, *(sa_column(n) for n in names))
    statement = postgresql.insert(ReorderPolicy).from_select(names, select(*stage.c))
    changes: dict[str, Any] = {name: statement.excluded[name] for name in POLICY_COMPUTED}
    for column in ("service_level", "service_level_kind"):
        changes[column] = _keep_override(column, statement.excluded[column])
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[ReorderPolicy.store_id, ReorderPolicy.product_id], set_=changes
        )
    )


class OpenAlert(NamedTuple):
    """What the job needs of an open (or acknowledged) alert."""

    alert_id: uuid.UUID
    alert_type: str
    dedupe_key: str | None
    store_id: int | None
    product_id: int | None
    severity: str
    message: str
    metadata: dict[str, Any] | None


async def open_alerts(
    session: AsyncSession, *, customer_id: uuid.UUID, alert_types: Sequence[str]
) -> list[OpenAlert]:
    """The tenant's open and acknowledged alerts of these types."""
    rows = await session.execute(
        select(
            Alert.alert_id,
            Alert.alert_type,
            Alert.dedupe_key,
            Alert.store_id,
            Alert.product_id,
            Alert.severity,
            Alert.message,
            Alert.alert_metadata,
        ).where(
            Alert.customer_id == customer_id,
            Alert.alert_type.in_(alert_types),
            Alert.status.in_(OPEN_ALERT_STATUSES),
        )
    )
    return [OpenAlert(*row) for row in rows]


async def insert_alerts_unless_open(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert alerts (dicts of columns) except those whose ``dedupe_key`` the tenant
    already has open: ``INSERT … ON CONFLICT DO NOTHING`` on the partial unique index over
    open alerts, so a job racing another never duplicates an alert nor aborts."""
    if not rows:
        return
    statement = _insert(session)(Alert).on_conflict_do_nothing(
        index_elements=[Alert.customer_id, Alert.dedupe_key], index_where=_OPEN_WITH_KEY
    )
    for start in range(0, len(rows), WRITE_CHUNK):
        await session.execute(statement, list(rows[start : start + WRITE_CHUNK]))


async def update_alerts(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    *,
    only_if_status: Sequence[str] | None = None,
) -> None:
    """Bulk update of alerts by primary key (each dict: ``alert_id`` and the columns to
    set). ``only_if_status``: leave a row alone unless its status is still one of these
    (a person may have moved it since it was read)."""
    statement = update(Alert)
    if only_if_status is not None:
        # SQLAlchemy cannot mirror a conditional bulk update into loaded objects; the
        # callers do not read those objects again.
        # (An OR of equalities: an IN list cannot be used in an executemany.)
        still = or_(*(Alert.status == status for status in only_if_status))
        statement = statement.where(still).execution_options(synchronize_session=None)
    for start in range(0, len(rows), WRITE_CHUNK):
        await session.execute(statement, list(rows[start : start + WRITE_CHUNK]))


async def delete_suggested_orders(
    session: AsyncSession, *, customer_id: uuid.UUID, order_date: dt.date
) -> int:
    """Remove the job's own still-suggested orders of ``order_date`` and earlier days (and
    their lines): today's plan supersedes suggestions nobody acted on, so a planner's
    worklist never holds stale duplicates. Orders a person approved, edited, rejected or
    received are never touched."""
    o = PurchaseOrder
    theirs = (
        o.customer_id == customer_id,
        o.order_date <= order_date,
        o.status == POStatus.SUGGESTED.value,
        o.source == SUGGESTED_SOURCE,
    )
    await session.execute(
        delete(PurchaseOrderLine).where(
            PurchaseOrderLine.customer_id == customer_id,
            PurchaseOrderLine.po_id.in_(select(o.po_id).where(*theirs)),
        ),
        execution_options=_NO_SYNC,
    )
    result = await session.execute(delete(o).where(*theirs), execution_options=_NO_SYNC)
    return _count(result)


async def po_numbers_with_prefix(
    session: AsyncSession, *, customer_id: uuid.UUID, prefix: str
) -> list[str]:
    """The tenant's order numbers starting with ``prefix``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = await session.scalars(
        select(PurchaseOrder.po_number).where(
            PurchaseOrder.customer_id == customer_id,
            PurchaseOrder.po_number.like(f"{escaped}%", escape="\\"),
        )
    )
    return [row for row in rows if row is not None]


async def insert_orders(
    session: AsyncSession,
    orders: Sequence[dict[str, Any]],
    lines: Sequence[dict[str, Any]],
) -> None:
    """Insert purchase orders and their lines (dicts of columns)."""
    if orders:
        await session.execute(insert(PurchaseOrder), list(orders))
    for start in range(0, len(lines), WRITE_CHUNK):
        await session.execute(insert(PurchaseOrderLine), list(lines[start : start + WRITE_CHUNK]))


# --- policies and targets (API) ---------------------------------------------------------

PolicyRow = tuple[ReorderPolicy, str, str, str, str, float]
"""A policy with its store code, product code, product name, category and unit cost."""


def _columns_of(entity: type[Base]) -> Bundle[Any]:
    """Every mapped column of ``entity`` as one bundle: a read-only row per result row
    with the entity's attribute names.

    For the list pages, which only read. An ORM object costs an identity-map entry, an
    instance state and attribute instrumentation per row; on a 50-row page that is the
    largest Python cost of the request, under load (``bench/api_load.py``)."""
    return Bundle(
        entity.__name__, *(getattr(entity, column.key) for column in inspect(entity).column_attrs)
    )


def _with_names(policy: Any) -> tuple[Any, ...]:
    """``policy`` (the entity or its columns) and a :data:`PolicyRow`'s other columns."""
    p = Product
    return (policy, Store.store_code, p.product_code, p.name, p.category, p.unit_cost)


#: What a page of ``/reorder-policies`` reads: a :data:`PolicyRow` whose policy is a
#: read-only row with the entity's attribute names.
POLICY_PAGE = _with_names(_columns_of(ReorderPolicy))

#: What a page of ``/inventory`` reads, named as the fields of its items: only the two
#: numbers it shows of ``details`` (which also holds the computation's inputs).
INVENTORY_PAGE = (
    ReorderPolicy.policy_id,
    ReorderPolicy.store_id,
    Store.store_code,
    ReorderPolicy.product_id,
    Product.product_code,
    Product.name.label("product_name"),
    Product.category,
    ReorderPolicy.stock_status,
    ReorderPolicy.on_hand,
    ReorderPolicy.details["on_order"].as_float().label("on_order"),
    ReorderPolicy.details["reserved"].as_float().label("reserved"),
    ReorderPolicy.inventory_position,
    ReorderPolicy.days_of_supply,
    ReorderPolicy.lead_time_days,
    ReorderPolicy.safety_stock,
    ReorderPolicy.reorder_point,
    ReorderPolicy.order_up_to,
    ReorderPolicy.recommended_quantity,
    Product.unit_cost,
    (ReorderPolicy.on_hand * Product.unit_cost).label("on_hand_value"),
    ReorderPolicy.computed_at,
)


def _policy_rows(customer_id: Tenant, columns: Sequence[Any]) -> Query:
    """``columns`` of the tenant's policies joined to their store and product."""
    r, s, p = ReorderPolicy, Store, Product
    return (
        select(*columns)
        .select_from(r)
        .join(s, and_(s.store_id == r.store_id, s.customer_id == customer_id))
        .join(p, and_(p.product_id == r.product_id, p.customer_id == customer_id))
        .where(r.customer_id == customer_id)
    )


#: The deepest page (offset + limit) of the value sort read product by product.
VALUE_TOP_MAX = 5_000


def _stock() -> ColumnElement[Any]:
    # ``on_hand`` is the database's copy of ``details.on_hand`` (a generated column); no
    # count is valued as nothing. The very expression of ix_reorder_policies_customer_
    # id_product_id_stock_desc.
    return func.coalesce(ReorderPolicy.on_hand, 0.0)


def _value() -> ColumnElement[Any]:
    return _stock() * Product.unit_cost


def _highest_values(
    customer_id: Tenant,
    product_filters: Sequence[ColumnElement[bool]],
    top: int | BindParameter[int],
) -> Any:
    """``policy_id, value, stock`` of candidates holding every one of the ``top``
    policies of highest value (then on hand, then lowest id) among the matching
    products (PostgreSQL: ``LATERAL``).

    A unit cost is one per product and never negative (a check constraint). For a
    product that costs something, value order is on-hand order, so its first ``top``
    rows of ix_reorder_policies_customer_id_product_id_stock_desc hold all of its
    policies that can be on the page: ``top`` rows per product instead of every row. The
    policies of products that cost nothing are all worth 0 and are ordered by on hand
    among themselves, so their first ``top`` are read as one set."""
    r, p = ReorderPolicy, Product
    stock = _stock()
    per_product = (
        select(r.policy_id, stock.label("stock"))
        .where(r.customer_id == customer_id, r.product_id == p.product_id)
        .order_by(stock.desc(), r.policy_id)
        .limit(top)
        .lateral("per_product")
    )
    costing = (
        select(
            per_product.c.policy_id,
            (per_product.c.stock * p.unit_cost).label("value"),
            per_product.c.stock,
        )
        .select_from(p)
        .join(per_product, literal(True))
        .where(p.customer_id == customer_id, p.unit_cost > 0, *product_filters)
    )
    free = (
        select(r.policy_id, literal(0.0).label("value"), stock.label("stock"))
        .join(p, and_(p.product_id == r.product_id, p.customer_id == customer_id))
        .where(r.customer_id == customer_id, p.unit_cost <= 0, *product_filters)
        .order_by(stock.desc(), r.policy_id)
        .limit(top)
    )
    return costing.union_all(free).subquery("candidates")


# The bound parameters of the list pages' statements, which are built once per shape
# (which filters are given, the sort) and reused by every request of that shape. Built
# per request, with their cache keys, they took about a sixth of a page request's CPU
# (0.4 ms of 2.5 ms, in-process against bench/api_load.py's tenant).
_CUSTOMER: BindParameter[uuid.UUID] = bindparam("customer_id")
_STATUS: BindParameter[str] = bindparam("status")
_STORE: BindParameter[int] = bindparam("store_id")
_PRODUCT: BindParameter[int] = bindparam("product_id")
_CATEGORY: BindParameter[str] = bindparam("category")
_PATTERN: BindParameter[str] = bindparam("pattern")
_TYPE: BindParameter[str] = bindparam("alert_type")
_SEVERITY: BindParameter[str] = bindparam("severity")
_STATUSES: BindParameter[list[str]] = bindparam("statuses", expanding=True)
# SQL's LIMIT and OFFSET are 64-bit (the API accepts offsets up to 2**63 - 1).
_LIMIT: BindParameter[int] = bindparam("limit", type_=BigInteger)
_OFFSET: BindParameter[int] = bindparam("offset", type_=BigInteger)
_TOP: BindParameter[int] = bindparam("top", type_=BigInteger)

#: The policy list pages: ``/reorder-policies`` and ``/inventory``.
PolicyPage = Literal["policies", "inventory"]
#: The columns each policy list page reads.
POLICY_PAGES: dict[PolicyPage, tuple[Any, ...]] = {
    "policies": POLICY_PAGE,
    "inventory": INVENTORY_PAGE,
}


@dataclass(frozen=True)
class _PolicyPageShape:
    """What a policy page's statements depend on besides the bound values."""

    page: PolicyPage
    status: bool
    store: bool
    product: bool
    overridden: bool | None
    category: bool
    search: bool
    sort: str
    descending: bool
    value_top: bool  # the value sort's candidates read product by product (PostgreSQL)


@functools.lru_cache(maxsize=1024)
def _policy_page_statements(shape: _PolicyPageShape) -> tuple[Query, Query]:
    """The count and the page statement of one shape (see :func:`list_policies`)."""
    r, p = ReorderPolicy, Product
    filters: list[ColumnElement[bool]] = []
    if shape.status:
        filters.append(r.stock_status == _STATUS)
    if shape.store:
        filters.append(r.store_id == _STORE)
    if shape.product:
        filters.append(r.product_id == _PRODUCT)
    if shape.overridden is not None:
        filters.append(r.service_level_overridden.is_(shape.overridden))
    product_filters: list[ColumnElement[bool]] = []
    if shape.category:
        product_filters.append(p.category == _CATEGORY)
    if shape.search:
        product_filters.append(
            p.product_code.ilike(_PATTERN, escape="\\") | p.name.ilike(_PATTERN, escape="\\")
        )
    count = _count_policies(_CUSTOMER, filters=filters, product_filters=product_filters)
    keys: dict[str, Any] = {
        "days_of_supply": r.days_of_supply,
        "value": _value(),
        "product_code": p.product_code,
    }
    key = keys[shape.sort]
    # Nulls last (the same order as ``key IS NULL, key``), spelled so that the default
    # order, days of supply ascending then policy id, is the order of the index
    # ix_reorder_policies_customer_id_days_of_supply: a page is its first rows.
    ordered = [(key.desc() if shape.descending else key.asc()).nulls_last(), r.policy_id]
    query = _policy_rows(_CUSTOMER, POLICY_PAGES[shape.page])
    if shape.sort != "value":
        page = query.where(*filters, *product_filters).order_by(*ordered)
        return count, page.limit(_LIMIT).offset(_OFFSET)
    # Equal values are ordered by on hand (the unit cost only scales it), so that within
    # one product the order is that of its on hand.
    ordered.insert(1, _stock().desc() if shape.descending else _stock().asc())
    # Pick the page's policy ids first, from the policies' indexes and the products (unit
    # cost) alone, then read those rows: sorting by value otherwise reads every matching
    # policy's whole row. The store join never drops a policy (see _count_policies), so
    # the page is the same.
    if shape.value_top:
        candidates = _highest_values(_CUSTOMER, product_filters, _TOP)
        ids = select(candidates.c.policy_id).order_by(
            candidates.c.value.desc(), candidates.c.stock.desc(), candidates.c.policy_id
        )
    else:
        ids = (
            select(r.policy_id)
            .join(p, and_(p.product_id == r.product_id, p.customer_id == _CUSTOMER))
            .where(r.customer_id == _CUSTOMER, *filters, *product_filters)
            .order_by(*ordered)
        )
    page_ids = ids.limit(_LIMIT).offset(_OFFSET).scalar_subquery()
    return count, query.where(r.policy_id.in_(page_ids)).order_by(*ordered)


async def list_policies(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    page: PolicyPage,
    status: str | None = None,
    store_id: int | None = None,
    product_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
    overridden: bool | None = None,
    sort: str,
    descending: bool,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """One page of the columns of ``page`` (see :data:`POLICY_PAGES`) of the matching
    policies, and the number matching (a large number may be a few seconds old:
    :mod:`shelfops.kit.totals`).

    Sorted by ``sort`` (``days_of_supply``, ``value`` = on hand × unit cost, or
    ``product_code``; nulls last either way; equal values by on hand), then by policy id
    so pages are stable."""
    shape = _PolicyPageShape(
        page=page,
        status=status is not None,
        store=store_id is not None,
        product=product_id is not None,
        overridden=overridden,
        category=category is not None,
        search=bool(q),
        sort=sort,
        descending=descending,
        value_top=(
            sort == "value"
            and descending
            and all(f is None for f in (status, store_id, product_id, overridden))
            and offset + limit <= VALUE_TOP_MAX
            and session.get_bind().dialect.name == "postgresql"
        ),
    )
    count, statement = _policy_page_statements(shape)
    given = {"status": status, "store_id": store_id, "product_id": product_id, "category": category}
    params: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    params.update(customer_id=customer_id, limit=limit, offset=offset)
    if shape.value_top:
        params["top"] = offset + limit
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params["pattern"] = f"%{escaped}%"
    total = await _recent_total(
        session,
        customer_id=customer_id,
        key=("policies", status, store_id, product_id, category, q, overridden),
        count=count,
        params=params,
    )
    if page == "policies":
        # Its rows carry the policy as a Bundle, which only the ORM's execution builds.
        return list(await session.execute(statement, params)), total
    return list(await read_rows(session, statement, params)), total


def row_dicts(rows: Sequence[Row[Any]]) -> list[dict[str, Any]]:
    """``rows`` (of one statement) as dicts of their column names, for one pydantic
    validation of a whole page. Zipping with the names once costs a fraction of each
    row's ``_mapping``."""
    if not rows:
        return []
    names = rows[0]._fields
    return [dict(zip(names, row, strict=True)) for row in rows]


def _count_policies(
    customer_id: Tenant,
    *,
    filters: Sequence[ColumnElement[bool]],
    product_filters: Sequence[ColumnElement[bool]],
) -> Query:
    """The count of the tenant's matching policies, on ``reorder_policies`` (joined to
    products only when a product column filters).

    The list joins each policy to its store and product for their codes. Those joins
    never drop a policy: the foreign keys guarantee both exist, and the daily job writes
    policies only for the tenant's own stores and products. Counting without them gives
    the same number far cheaper: on a million policies an index-only scan instead of a
    hash join of every policy with both catalogs."""
    r, p = ReorderPolicy, Product
    query = select(func.count()).select_from(r)
    if product_filters:
        query = query.join(p, and_(p.product_id == r.product_id, p.customer_id == customer_id))
    return query.where(r.customer_id == customer_id, *filters, *product_filters)


async def inventory_summary(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    store_id: int | None,
    category: str | None,
) -> tuple[dict[str | None, int], float, int, dt.datetime | None]:
    """Policies per stock status, total on-hand value, how many are at or below their
    reorder point, and when the newest was computed."""
    r, p = ReorderPolicy, Product
    filters: list[ColumnElement[bool]] = [r.customer_id == customer_id]
    if store_id is not None:
        filters.append(r.store_id == store_id)
    if category is not None:
        filters.append(p.category == category)
    joined = and_(p.product_id == r.product_id, p.customer_id == customer_id)
    counts = await session.execute(
        select(r.stock_status, func.count())
        .join(p, joined)
        .where(*filters)
        .group_by(r.stock_status)
    )
    totals = (
        await session.execute(
            select(
                func.coalesce(func.sum(_value()), 0.0),
                func.coalesce(
                    func.sum(case((r.inventory_position <= r.reorder_point, 1), else_=0)), 0
                ),
                func.max(r.computed_at),
            )
            .join(p, joined)
            .where(*filters)
        )
    ).one()
    by_status = {status: int(count) for status, count in counts}
    return by_status, float(totals[0]), int(totals[1]), totals[2]


async def get_policy(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    policy_id: int,
    for_update: bool = False,
    refresh: bool = False,
) -> PolicyRow | None:
    """The tenant's policy with this id and its store and product, or None.

    ``for_update`` locks the policy until the transaction ends (PostgreSQL); ``refresh``
    re-reads a policy the session already holds (after a bulk upsert changed it)."""
    query = _policy_rows(customer_id, _with_names(ReorderPolicy)).where(
        ReorderPolicy.policy_id == policy_id
    )
    if for_update:
        query = query.with_for_update(of=ReorderPolicy)
    if for_update or refresh:
        query = query.execution_options(populate_existing=True)
    row = (await session.execute(query)).first()
    return tuple(row) if row is not None else None


async def list_targets(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    category: str | None,
    product_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[ServiceLevelTarget, str | None]], int]:
    """One page of targets (categories first, then products by code) with the product's
    code, and the number matching."""
    t, p = ServiceLevelTarget, Product
    query = (
        select(t, p.product_code)
        .outerjoin(p, and_(p.product_id == t.product_id, p.customer_id == customer_id))
        .where(t.customer_id == customer_id)
    )
    if category is not None:
        query = query.where(t.category == category)
    if product_id is not None:
        query = query.where(t.product_id == product_id)
    total = await _total(session, query)
    rows = await session.execute(
        query.order_by(t.product_id.is_not(None), t.category, p.product_code, t.target_id)
        .limit(limit)
        .offset(offset)
    )
    return [(target, code) for target, code in rows], total


async def find_target(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    category: str | None,
    product_id: int | None,
) -> ServiceLevelTarget | None:
    """The tenant's target for exactly this category or product (NULLs never collide in
    a unique constraint, so the scope is looked up rather than upserted)."""
    t = ServiceLevelTarget
    query = select(t).where(t.customer_id == customer_id)
    query = query.where(t.category.is_(None) if category is None else t.category == category)
    query = query.where(
        t.product_id.is_(None) if product_id is None else t.product_id == product_id
    )
    return await session.scalar(query.with_for_update())


async def get_target(
    session: AsyncSession, *, customer_id: uuid.UUID, target_id: int
) -> ServiceLevelTarget | None:
    """The tenant's target with this id, or None."""
    return await session.scalar(
        select(ServiceLevelTarget).where(
            ServiceLevelTarget.customer_id == customer_id,
            ServiceLevelTarget.target_id == target_id,
        )
    )


async def get_product(
    session: AsyncSession, *, customer_id: uuid.UUID, product_id: int
) -> Product | None:
    """The tenant's product with this id, or None."""
    return await session.scalar(
        select(Product).where(Product.customer_id == customer_id, Product.product_id == product_id)
    )


async def category_exists(session: AsyncSession, *, customer_id: uuid.UUID, category: str) -> bool:
    """Whether any product of the tenant is in ``category``."""
    found = await session.scalar(
        select(literal(1))
        .where(Product.customer_id == customer_id, Product.category == category)
        .limit(1)
    )
    return found is not None


async def add(session: AsyncSession, row: Any) -> None:
    """Insert ``row`` (flushed, so its id is known)."""
    session.add(row)
    await session.flush()


async def remove(session: AsyncSession, row: Any) -> None:
    """Delete ``row``."""
    await session.delete(row)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Send pending changes."""
    await session.flush()


# --- stock alerts (API) -----------------------------------------------------------------

AlertRow = tuple[Alert, str | None, str | None, str | None]
"""An alert with its store code, product code and product name."""

#: What a page of ``/alerts`` reads, named as the fields of its items.
ALERT_PAGE = (
    Alert.alert_id,
    Alert.alert_type,
    Alert.severity,
    Alert.status,
    Alert.message,
    Alert.alert_metadata.label("metadata"),
    Alert.dedupe_key,
    Alert.store_id,
    Store.store_code,
    Alert.product_id,
    Product.product_code,
    Product.name.label("product_name"),
    Alert.created_at,
    Alert.acknowledged_at,
    Alert.resolved_at,
)


def _alert_rows(customer_id: Tenant, columns: Sequence[Any]) -> Query:
    """``columns`` of the tenant's alerts joined to their store and product, if any."""
    return (
        select(*columns)
        .select_from(Alert)
        .outerjoin(Store, and_(Store.store_id == Alert.store_id, Store.customer_id == customer_id))
        .outerjoin(
            Product,
            and_(Product.product_id == Alert.product_id, Product.customer_id == customer_id),
        )
        .where(Alert.customer_id == customer_id)
    )


def _with_alert_names(alert: Any) -> tuple[Any, ...]:
    """``alert`` (the entity or its columns) and an :data:`AlertRow`'s other columns."""
    return (alert, Store.store_code, Product.product_code, Product.name)


@dataclass(frozen=True)
class _AlertPageShape:
    """What an alert page's statements depend on besides the bound values."""

    statuses: bool
    alert_type: bool
    severity: bool
    store: bool
    product: bool


@functools.lru_cache(maxsize=64)
def _alert_page_statements(shape: _AlertPageShape) -> tuple[Query, Query]:
    """The count and the page statement of one shape (see :func:`list_alerts`)."""
    filters: list[ColumnElement[bool]] = [Alert.customer_id == _CUSTOMER]
    if shape.statuses:
        filters.append(Alert.status.in_(_STATUSES))
    if shape.alert_type:
        filters.append(Alert.alert_type == _TYPE)
    if shape.severity:
        filters.append(Alert.severity == _SEVERITY)
    if shape.store:
        filters.append(Alert.store_id == _STORE)
    if shape.product:
        filters.append(Alert.product_id == _PRODUCT)
    # Counted on alerts alone: the store and product are outer joins on primary keys, so
    # they never add or drop a row, and without them the count reads only an index.
    count = select(func.count()).select_from(Alert).where(*filters)
    # With one severity asked for, its rank is the same on every row: ordering by it
    # changes nothing, and leaving it out lets ix_alerts_customer_severity_created serve.
    ranked = [] if shape.severity else [_SEVERITY_RANK.desc()]
    page = (
        _alert_rows(_CUSTOMER, ALERT_PAGE)
        .where(*filters)
        .order_by(*ranked, Alert.created_at.desc(), Alert.alert_id)
        .limit(_LIMIT)
        .offset(_OFFSET)
    )
    return count, page


async def list_alerts(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    statuses: Sequence[str] | None,
    alert_type: str | None,
    severity: str | None,
    store_id: int | None,
    product_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[Row[Any]], int]:
    """One page of stock alerts (:data:`ALERT_PAGE`), most severe first, then newest, and
    the number matching (a large number may be a few seconds old:
    :mod:`shelfops.kit.totals`)."""
    given = {
        "statuses": list(statuses) if statuses else None,
        "alert_type": alert_type,
        "severity": severity,
        "store_id": store_id,
        "product_id": product_id,
    }
    params: dict[str, Any] = {key: value for key, value in given.items() if value is not None}
    shape = _AlertPageShape(
        statuses="statuses" in params,
        alert_type="alert_type" in params,
        severity="severity" in params,
        store="store_id" in params,
        product="product_id" in params,
    )
    count, statement = _alert_page_statements(shape)
    params.update(customer_id=customer_id, limit=limit, offset=offset)
    total = await _recent_total(
        session,
        customer_id=customer_id,
        key=("alerts", tuple(statuses or ()), alert_type, severity, store_id, product_id),
        count=count,
        params=params,
    )
    return list(await read_rows(session, statement, params)), total


async def get_alert(
    session: AsyncSession, *, customer_id: uuid.UUID, alert_id: uuid.UUID, for_update: bool = False
) -> AlertRow | None:
    """The tenant's alert with this id and its store and product, or None.

    ``for_update`` locks the alert until the transaction ends (PostgreSQL), so two people
    acting at once are serialised and the second sees the first's result."""
    query = _alert_rows(customer_id, _with_alert_names(Alert)).where(Alert.alert_id == alert_id)
    if for_update:
        query = query.with_for_update(of=Alert).execution_options(populate_existing=True)
    row = (await session.execute(query)).first()
    return tuple(row) if row is not None else None


async def list_open_alerts_by_score(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    alert_type: str,
    store_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[AlertRow], int]:
    """One page of the tenant's open (or acknowledged) alerts of ``alert_type``, highest
    ``metadata.score`` first, and the number matching."""
    query = _alert_rows(customer_id, _with_alert_names(_columns_of(Alert))).where(
        Alert.alert_type == alert_type, Alert.status.in_(OPEN_ALERT_STATUSES)
    )
    if store_id is not None:
        query = query.where(Alert.store_id == store_id)
    total = await _total(session, query)
    score = Alert.alert_metadata["score"].as_float()
    rows = await session.execute(
        query.order_by(score.is_(None), score.desc(), Alert.created_at.desc(), Alert.alert_id)
        .limit(limit)
        .offset(offset)
    )
    return [tuple(row) for row in rows], total
