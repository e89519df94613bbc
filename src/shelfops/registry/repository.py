"""SQL for model versions, decisions and the retraining log. Every query filters by the
tenant explicitly (PostgreSQL's row-level security is the second line of defence)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import (
    BacktestResult,
    DecisionAction,
    ForecastAccuracy,
    ModelDecision,
    ModelRetrainingLog,
    ModelStatus,
    ModelVersion,
    RunStatus,
    ShadowPrediction,
)

_VERSION = re.compile(r"^v(\d+)$")


def _locked(query: Select[ModelVersion]) -> Select[ModelVersion]:
    # Row-locked, and read afresh: a version this session loaded before it waited for the
    # lock may have changed status meanwhile (the session's pending changes are flushed
    # before the query, so none is lost).
    return query.with_for_update().execution_options(populate_existing=True)


async def get_version(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    version: str,
    for_update: bool = False,
) -> ModelVersion | None:
    """One version of one model of the tenant (row-locked on PostgreSQL when it is about
    to change, so two people's decisions serialise)."""
    query = select(ModelVersion).where(
        ModelVersion.customer_id == customer_id,
        ModelVersion.model_name == model_name,
        ModelVersion.version == version,
    )
    return await session.scalar(_locked(query) if for_update else query)


async def versions_with_status(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_name: str,
    status: ModelStatus,
    for_update: bool = False,
) -> Sequence[ModelVersion]:
    """Versions in ``status``, newest first (normally at most one champion)."""
    query = (
        select(ModelVersion)
        .where(
            ModelVersion.customer_id == customer_id,
            ModelVersion.model_name == model_name,
            ModelVersion.status == status.value,
        )
        .order_by(ModelVersion.created_at.desc())
    )
    rows = await session.scalars(_locked(query) if for_update else query)
    return rows.all()


async def list_versions(
    session: AsyncSession, *, customer_id: uuid.UUID, model_name: str, limit: int, offset: int
) -> tuple[Sequence[ModelVersion], int]:
    """Versions newest first, and how many there are."""
    base = select(ModelVersion).where(
        ModelVersion.customer_id == customer_id, ModelVersion.model_name == model_name
    )
    rows = await session.scalars(
        base.order_by(ModelVersion.created_at.desc()).limit(limit).offset(offset)
    )
    total = await session.scalar(select(func.count()).select_from(base.subquery()))
    return rows.all(), int(total or 0)


async def next_version(session: AsyncSession, *, customer_id: uuid.UUID, model_name: str) -> str:
    """``v<n+1>`` where n is the tenant's highest version number of ``model_name``."""
    names = await session.scalars(
        select(ModelVersion.version).where(
            ModelVersion.customer_id == customer_id, ModelVersion.model_name == model_name
        )
    )
    numbers = [int(m.group(1)) for name in names if (m := _VERSION.match(name))]
    return f"v{max(numbers, default=0) + 1}"


async def decisions_for(
    session: AsyncSession, *, customer_id: uuid.UUID, model_name: str, versions: Sequence[str]
) -> Sequence[ModelDecision]:
    """Every decision about ``versions``, oldest first."""
    rows = await session.scalars(
        select(ModelDecision)
        .where(
            ModelDecision.customer_id == customer_id,
            ModelDecision.model_name == model_name,
            ModelDecision.version.in_(list(versions)),
        )
        .order_by(ModelDecision.created_at)
    )
    return rows.all()


async def last_promotion(
    session: AsyncSession, *, customer_id: uuid.UUID, model_name: str, version: str
) -> ModelDecision | None:
    """The decision that made ``version`` champion most recently."""
    return await session.scalar(
        select(ModelDecision)
        .where(
            ModelDecision.customer_id == customer_id,
            ModelDecision.model_name == model_name,
            ModelDecision.version == version,
            # A promotion, not a rollback: a rollback's "previous champion" is the version
            # just left, and walking back must never return to it.
            ModelDecision.action == DecisionAction.PROMOTED.value,
        )
        .order_by(ModelDecision.created_at.desc())
        .limit(1)
    )


# --- the retraining log -----------------------------------------------------------------


async def get_retrain(
    session: AsyncSession, *, customer_id: uuid.UUID, retrain_id: uuid.UUID
) -> ModelRetrainingLog | None:
    """One retraining log row."""
    return await session.scalar(
        select(ModelRetrainingLog).where(
            ModelRetrainingLog.customer_id == customer_id,
            ModelRetrainingLog.retrain_id == retrain_id,
        )
    )


async def running_retrain(
    session: AsyncSession, *, customer_id: uuid.UUID, model_name: str
) -> ModelRetrainingLog | None:
    """The tenant's running retrain of ``model_name``, if any."""
    return await session.scalar(
        select(ModelRetrainingLog).where(
            ModelRetrainingLog.customer_id == customer_id,
            ModelRetrainingLog.model_name == model_name,
            ModelRetrainingLog.status == RunStatus.RUNNING.value,
        )
    )


async def fail_stale_retrains(
    session: AsyncSession, *, customer_id: uuid.UUID, model_name: str, older_than: dt.datetime
) -> int:
    """Mark running retrains started before ``older_than`` failed (their worker is gone)."""
    result = await session.execute(
        update(ModelRetrainingLog)
        .where(
            ModelRetrainingLog.customer_id == customer_id,
            ModelRetrainingLog.model_name == model_name,
            ModelRetrainingLog.status == RunStatus.RUNNING.value,
            ModelRetrainingLog.started_at < older_than,
        )
        .values(
            status=RunStatus.FAILED.value,
            completed_at=dt.datetime.now(dt.UTC),
            error_message="abandoned: still 'running' past the stale limit (worker lost)",
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def recent_retrains(
    session: AsyncSession, *, customer_id: uuid.UUID, limit: int
) -> Sequence[ModelRetrainingLog]:
    """The latest retraining events, newest first."""
    rows = await session.scalars(
        select(ModelRetrainingLog)
        .where(ModelRetrainingLog.customer_id == customer_id)
        .order_by(ModelRetrainingLog.started_at.desc())
        .limit(limit)
    )
    return rows.all()


async def all_versions(session: AsyncSession, *, customer_id: uuid.UUID) -> Sequence[ModelVersion]:
    """Every version of every model of the tenant (for the registry files)."""
    rows = await session.scalars(
        select(ModelVersion)
        .where(ModelVersion.customer_id == customer_id)
        .order_by(ModelVersion.model_name, ModelVersion.created_at)
    )
    return rows.all()


# --- live accuracy (for /models/health) ---------------------------------------------------


async def accuracy_window(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    model_version: str,
    end: dt.date | None = None,
    days: int = 7,
) -> tuple[float | None, int, dt.date | None]:
    """(MAE, points, last date) of a version's evaluated forecasts over the ``days``
    forecast dates ending at ``end`` (default: its latest evaluated date). Stock-out days
    are left out: their actual understates demand."""
    base = (
        ForecastAccuracy.customer_id == customer_id,
        ForecastAccuracy.model_version == model_version,
        ForecastAccuracy.stockout.is_(False),
    )
    if end is None:
        end = await session.scalar(select(func.max(ForecastAccuracy.forecast_date)).where(*base))
        if end is None:
            return None, 0, None
    start = end - dt.timedelta(days=days - 1)
    row = (
        await session.execute(
            select(func.avg(ForecastAccuracy.absolute_error), func.count()).where(
                *base,
                ForecastAccuracy.forecast_date >= start,
                ForecastAccuracy.forecast_date <= end,
            )
        )
    ).one()
    mae = float(row[0]) if row[0] is not None else None
    return mae, int(row[1]), end


async def shadow_window(
    session: AsyncSession, *, customer_id: uuid.UUID, challenger_version: str, days: int = 7
) -> tuple[float | None, float | None, int]:
    """(challenger MAE, champion MAE on the same rows, points) over the challenger's last
    ``days`` scored shadow forecast dates."""
    base = (
        ShadowPrediction.customer_id == customer_id,
        ShadowPrediction.challenger_version == challenger_version,
        ShadowPrediction.challenger_error.is_not(None),
        ShadowPrediction.champion_error.is_not(None),
    )
    end = await session.scalar(select(func.max(ShadowPrediction.forecast_date)).where(*base))
    if end is None:
        return None, None, 0
    start = end - dt.timedelta(days=days - 1)
    row = (
        await session.execute(
            select(
                func.avg(ShadowPrediction.challenger_error),
                func.avg(ShadowPrediction.champion_error),
                func.count(),
            ).where(*base, ShadowPrediction.forecast_date >= start)
        )
    ).one()
    return (
        float(row[0]) if row[0] is not None else None,
        float(row[1]) if row[1] is not None else None,
        int(row[2]),
    )


async def backtest_points(
    session: AsyncSession, *, customer_id: uuid.UUID, model_version: str, days: int
) -> Sequence[BacktestResult]:
    """A version's backtest results over the ``days`` days up to its latest one."""
    base = (
        BacktestResult.customer_id == customer_id,
        BacktestResult.model_version == model_version,
    )
    end = await session.scalar(select(func.max(BacktestResult.forecast_date)).where(*base))
    if end is None:
        return []
    rows = await session.scalars(
        select(BacktestResult)
        .where(*base, BacktestResult.forecast_date > end - dt.timedelta(days=days))
        .order_by(BacktestResult.forecast_date, BacktestResult.backtest_kind)
    )
    return rows.all()
