"""SQL for experiments. Every query takes the tenant explicitly and filters on
``customer_id`` (the isolation on SQLite; PostgreSQL's row-level security is the second
line of defence)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.models import ModelExperiment


async def list_experiments(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    statuses: Sequence[str] | None,
    limit: int,
    offset: int,
) -> tuple[list[ModelExperiment], int]:
    """One page of the tenant's experiments, newest first, and the number matching."""
    query = select(ModelExperiment).where(ModelExperiment.customer_id == customer_id)
    if statuses:
        query = query.where(ModelExperiment.status.in_(statuses))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(
        # The id breaks ties so that pages never overlap or skip a row.
        query.order_by(ModelExperiment.created_at.desc(), ModelExperiment.experiment_id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


async def get_experiment(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    experiment_id: uuid.UUID,
    for_update: bool = False,
) -> ModelExperiment | None:
    """The tenant's experiment with this id, or None (also when another tenant owns it).

    ``for_update`` locks the row until the transaction ends (PostgreSQL), so that two
    managers deciding at once cannot both move it from the same status.
    """
    query = select(ModelExperiment).where(
        ModelExperiment.customer_id == customer_id,
        ModelExperiment.experiment_id == experiment_id,
    )
    if for_update:
        # populate_existing: a row already in the session is re-read under the lock.
        query = query.with_for_update().execution_options(populate_existing=True)
    return await session.scalar(query)


async def add(session: AsyncSession, experiment: ModelExperiment) -> None:
    """Insert ``experiment`` (flushed, so its defaults are filled in)."""
    session.add(experiment)
    await session.flush()


async def flush(session: AsyncSession) -> None:
    """Send pending changes."""
    await session.flush()
