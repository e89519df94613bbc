"""The quantile levels of a forecast issue are read from a row that has quantiles, never
from a row without (stored as JSON ``null``), whichever the table happens to return
first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.kit.db import tenant_transaction
from shelfops.models import DemandForecast
from shelfops.replenishment import repository
from tests.conftest import Tenant
from tests.replenishment import db_helpers as h

ISSUE = h.AS_OF + dt.timedelta(days=30)


async def test_levels_skip_rows_without_quantiles(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant
) -> None:
    chain = await h.build_chain(sessionmaker, tenant_a)
    cid = tenant_a.customer_id
    rows = [
        # Written first, so a plain LIMIT 1 would return it: a series without a band.
        (chain.stores["S1"], None),
        (chain.stores["S2"], {"0.1": 1.0, "0.5": 2.0, "0.9": 4.0, "mean": 2.2}),
    ]
    async with tenant_transaction(sessionmaker, cid) as session:
        for store_id, quantiles in rows:
            session.add(
                DemandForecast(
                    customer_id=cid,
                    store_id=store_id,
                    product_id=chain.products["P1"],
                    issue_date=ISSUE,
                    forecast_date=ISSUE,
                    model_version=h.VERSION,
                    forecasted_demand=2.0,
                    quantiles=quantiles,
                )
            )
            await session.flush()

    async with tenant_transaction(sessionmaker, cid) as session:
        levels = await repository.quantile_levels(
            session,
            customer_id=cid,
            model_name="demand_forecast",
            model_version=h.VERSION,
            issue_date=ISSUE,
        )

    assert levels == ["0.1", "0.5", "0.9"]
