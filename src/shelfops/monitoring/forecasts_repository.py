"""SQL for stored forecasts: ``demand_forecasts`` and ``shadow_predictions``.

Forecast rows are written in bulk: each chunk is one executemany of plain dicts through
``insert(<table>)`` (batched into multi-row ``INSERT … VALUES`` by SQLAlchemy's
insertmanyvalues), never one ORM object per row. Every statement filters by
``customer_id``; on PostgreSQL row-level security holds as well.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import DemandForecast, ForecastAccuracy, ShadowPrediction

# Bulk statements: no ORM objects of these rows are loaded, so nothing to synchronise.
_NO_SYNC = {"synchronize_session": False}


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_forecasts(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    model_version: str,
    issue_date: dt.date,
) -> tuple[int, int]:
    """Remove a version's forecasts issued on ``issue_date`` and the accuracy rows scored
    from them (a re-issued forecast is scored afresh). Returns (forecasts, scores) removed.
    """
    scores = await session.execute(
        delete(ForecastAccuracy).where(
            ForecastAccuracy.customer_id == customer_id,
            ForecastAccuracy.model_version == model_version,
            ForecastAccuracy.issue_date == issue_date,
        ),
        execution_options=_NO_SYNC,
    )
    forecasts = await session.execute(
        delete(DemandForecast).where(
            DemandForecast.customer_id == customer_id,
            DemandForecast.model_name == model_name,
            DemandForecast.model_version == model_version,
            DemandForecast.issue_date == issue_date,
        ),
        execution_options=_NO_SYNC,
    )
    return _count(forecasts), _count(scores)


async def insert_forecasts(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``demand_forecasts`` rows (dicts of column values, ``customer_id`` included)."""
    if rows:
        await session.execute(insert(DemandForecast), list(rows))
    return len(rows)


async def delete_shadow(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    challenger_version: str,
    issue_date: dt.date,
) -> int:
    """Remove a challenger's shadow predictions issued on ``issue_date``."""
    result = await session.execute(
        delete(ShadowPrediction).where(
            ShadowPrediction.customer_id == customer_id,
            ShadowPrediction.model_name == model_name,
            ShadowPrediction.challenger_version == challenger_version,
            ShadowPrediction.issue_date == issue_date,
        ),
        execution_options=_NO_SYNC,
    )
    return _count(result)


async def insert_shadow(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``shadow_predictions`` rows (dicts of column values)."""
    if rows:
        await session.execute(insert(ShadowPrediction), list(rows))
    return len(rows)
