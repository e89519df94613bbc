"""``compute_accuracy``: score stored forecasts against the sales that arrived since.

For every ``demand_forecasts`` row of the tenant whose forecast day now has a sales row
and that was not scored yet, one ``forecast_accuracy`` row is inserted:

=====================  ==============================================================
``actual_demand``      the day's ``quantity``
``absolute_error``     ``|forecasted_demand − actual|``
``percentage_error``   ``absolute_error / actual``; NULL when the actual is 0
``within_interval``    ``lower_bound ≤ actual ≤ upper_bound`` (the 80 % interval)
``stockout``           ``on_hand_close = 0``: the actual understates demand, so accuracy
                       statistics (7-day MAE, daily backtest) leave the row out
=====================  ==============================================================

Shadow predictions still unscored get ``actual_demand`` and the absolute errors of the
champion's and the challenger's prediction. Both steps run in the database (set-based),
in one transaction; a second run finds nothing new and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import tenant_transaction
from shelfops.kit.locks import FORECASTS, hold_tenant_lock
from shelfops.models.base import utcnow
from shelfops.monitoring import jobs_repository as repository


@dataclass
class AccuracyReport:
    """What one ``compute_accuracy`` run scored."""

    customer_id: uuid.UUID
    accuracy_rows: int = 0
    """``forecast_accuracy`` rows inserted."""
    shadow_rows: int = 0
    """``shadow_predictions`` rows scored."""
    since: dt.date | None = None
    skipped: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON form (dates and ids as strings)."""
        plain: dict[str, Any] = json.loads(json.dumps(asdict(self), default=str))
        return plain


async def compute_accuracy(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    since: dt.date | None = None,
) -> AccuracyReport:
    """Score the tenant's forecasts and shadow predictions whose actuals have arrived.

    ``since`` limits the forecasts considered to forecast dates from that day on (a bound
    for very large tenants; by default every unscored forecast is considered, so late
    sales are scored whenever they arrive).
    """
    report = AccuracyReport(customer_id=customer_id, since=since)
    async with tenant_transaction(sessionmaker, customer_id) as session:
        # Scoring takes turns with other scoring runs (each would insert the same unscored
        # rows) and with forecast runs (which replace forecasts and their scores).
        await hold_tenant_lock(session, customer_id, FORECASTS)
        report.accuracy_rows = await repository.insert_accuracy(
            session, customer_id=customer_id, evaluated_at=utcnow(), since=since
        )
        report.shadow_rows = await repository.score_shadow(session, customer_id=customer_id)
    if report.accuracy_rows == 0 and report.shadow_rows == 0:
        report.skipped = "no actuals since the last run for any stored forecast"
    return report
