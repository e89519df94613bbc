"""SQL for ML alerts. Every query takes the tenant explicitly and filters on
``customer_id`` (row-level security on PostgreSQL is the second line of defence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, case, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import MLAlert, MLAlertStatus, ModelRetrainingLog, Severity

OPEN_STATUSES = (MLAlertStatus.UNREAD.value, MLAlertStatus.READ.value)
# The predicate of the partial unique index ``uq_ml_alerts_open_dedupe_key``; repeating it
# in ``ON CONFLICT`` is how both databases pick that index as the conflict target.
_OPEN_WITH_KEY = text("status IN ('unread', 'read') AND dedupe_key IS NOT NULL")

# The real order of severities. Sorting the text column (as seed 003's SQL does) would
# put 'warning' before 'info' before 'critical'.
_SEVERITY_RANK: ColumnElement[Any] = case(
    {Severity.CRITICAL.value: 3, Severity.WARNING.value: 2, Severity.INFO.value: 1},
    value=MLAlert.severity,
    else_=0,
)


async def list_alerts(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    status: str | None,
    severity: str | None,
    limit: int,
    offset: int,
) -> tuple[list[MLAlert], int]:
    """One page of the tenant's alerts, most severe first, then newest first, and the
    number of alerts matching the filters."""
    query = select(MLAlert).where(MLAlert.customer_id == customer_id)
    if status is not None:
        query = query.where(MLAlert.status == status)
    if severity is not None:
        query = query.where(MLAlert.severity == severity)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        # The id last makes pages stable when two alerts share severity and timestamp.
        query.order_by(_SEVERITY_RANK.desc(), MLAlert.created_at.desc(), MLAlert.ml_alert_id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def get_alert(
    session: AsyncSession, *, customer_id: uuid.UUID, alert_id: uuid.UUID, for_update: bool = False
) -> MLAlert | None:
    """The tenant's alert with this id, or None (also when another tenant owns it).

    ``for_update`` locks the row on PostgreSQL until the transaction ends, so that two
    people acting on the same alert at once are serialised: the second sees the first's
    result instead of acting (and promoting) twice.
    """
    query = select(MLAlert).where(
        MLAlert.customer_id == customer_id, MLAlert.ml_alert_id == alert_id
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def get_open_alert_by_dedupe_key(
    session: AsyncSession, *, customer_id: uuid.UUID, dedupe_key: str
) -> MLAlert | None:
    """The tenant's open (unread or read) alert with this dedupe key, or None."""
    return await session.scalar(
        select(MLAlert).where(
            MLAlert.customer_id == customer_id,
            MLAlert.dedupe_key == dedupe_key,
            MLAlert.status.in_(OPEN_STATUSES),
        )
    )


async def insert_alert_unless_open(
    session: AsyncSession, *, values: dict[str, Any]
) -> MLAlert | None:
    """Insert an alert (``values`` are its columns) unless the tenant already has an open
    alert with the same ``dedupe_key``; None when it has.

    One ``INSERT … ON CONFLICT DO NOTHING`` on the partial unique index over open alerts:
    the database decides, so of two jobs racing to raise the same alert exactly one
    inserts, the other waits for it and then inserts nothing, and neither transaction is
    aborted (PostgreSQL and SQLite both support this form).
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(MLAlert)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[MLAlert.customer_id, MLAlert.dedupe_key], index_where=_OPEN_WITH_KEY
        )
        .returning(MLAlert)
    )
    return (await session.scalars(statement)).one_or_none()


async def count_by_status_and_severity(
    session: AsyncSession, *, customer_id: uuid.UUID
) -> Sequence[tuple[str, str, int]]:
    """``(status, severity, count)`` for every combination the tenant has."""
    rows = await session.execute(
        select(MLAlert.status, MLAlert.severity, func.count())
        .where(MLAlert.customer_id == customer_id)
        .group_by(MLAlert.status, MLAlert.severity)
    )
    return [(status, severity, int(count)) for status, severity, count in rows]


async def get_retrain(
    session: AsyncSession, *, customer_id: uuid.UUID, retrain_id: uuid.UUID
) -> ModelRetrainingLog | None:
    """The tenant's retrain run with this id, or None."""
    return await session.scalar(
        select(ModelRetrainingLog).where(
            ModelRetrainingLog.customer_id == customer_id,
            ModelRetrainingLog.retrain_id == retrain_id,
        )
    )
