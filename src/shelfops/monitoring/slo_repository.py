"""SQL of the freshness objectives: when the newest forecast issue was written and when
the newest scored day was scored. Both filter by ``customer_id`` and stay inside the
``(customer_id, forecast_date)`` index range of the day they look at."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import DemandForecast, ForecastAccuracy


async def issue_written_at(
    session: AsyncSession, *, customer_id: uuid.UUID, issue_date: dt.date
) -> dt.datetime | None:
    """When the tenant's forecasts issued on ``issue_date`` were last written."""
    f = DemandForecast
    written: dt.datetime | None = await session.scalar(
        select(func.max(f.created_at)).where(
            f.customer_id == customer_id,
            # An issue forecasts from its issue date on: this keeps the index range small.
            f.forecast_date >= issue_date,
            f.issue_date == issue_date,
        )
    )
    return written


async def day_scored_at(
    session: AsyncSession, *, customer_id: uuid.UUID, forecast_date: dt.date
) -> dt.datetime | None:
    """When the tenant's forecasts of ``forecast_date`` were last scored."""
    a = ForecastAccuracy
    scored: dt.datetime | None = await session.scalar(
        select(func.max(a.evaluated_at)).where(
            a.customer_id == customer_id, a.forecast_date == forecast_date
        )
    )
    return scored
