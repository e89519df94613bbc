"""Hand-made forecasts and scored rows with chosen write times, for the SLO tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import DemandForecast, ForecastAccuracy, Product, Store
from tests.conftest import Tenant

Sessions = async_sessionmaker[AsyncSession]


async def add_forecast(
    sessionmaker: Sessions,
    tenant: Tenant,
    *,
    written_at: dt.datetime,
    scored_at: dt.datetime | None = None,
) -> dt.date:
    """One store × product forecast for tomorrow issued today and written at
    ``written_at``, plus (with ``scored_at``) a scored forecast of yesterday scored then.
    Returns the issue date."""
    issue = written_at.date()
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        store = Store(customer_id=tenant.customer_id, store_code="S1", name="Store One")
        product = Product(
            customer_id=tenant.customer_id,
            product_code="P1",
            name="Milk",
            category="dairy",
            department="fresh",
            unit_cost=1.0,
            unit_price=2.0,
        )
        session.add_all([store, product])
        await session.flush()
        session.add(
            DemandForecast(
                customer_id=tenant.customer_id,
                store_id=store.store_id,
                product_id=product.product_id,
                issue_date=issue,
                forecast_date=issue + dt.timedelta(days=1),
                model_version="v1",
                forecasted_demand=4.0,
                created_at=written_at,
            )
        )
        if scored_at is not None:
            session.add(
                ForecastAccuracy(
                    customer_id=tenant.customer_id,
                    store_id=store.store_id,
                    product_id=product.product_id,
                    issue_date=issue - dt.timedelta(days=2),
                    forecast_date=issue - dt.timedelta(days=1),
                    model_version="v1",
                    forecasted_demand=4.0,
                    actual_demand=5.0,
                    absolute_error=1.0,
                    evaluated_at=scored_at,
                )
            )
    return issue
