"""Per-tenant transaction locks for work that must not interleave.

On PostgreSQL these are advisory locks held until the transaction ends
(``pg_advisory_xact_lock``), keyed by a name and the tenant, so one tenant's work never
waits for another's. On SQLite, which has one write lock for the whole database, taking
any of them opens the transaction with that write lock (``BEGIN IMMEDIATE``): a second
writer then waits before its first read, not only before its first write.

Names in use:

* :data:`CATALOG` — held *shared* by everything that resolves store, product or supplier
  codes into rows it writes (ingestion, catalog writes that name a supplier, EDI and
  event imports), and *exclusively* by a catalog delete. A delete then waits for those
  writers (and sees what they wrote when it checks for references), and they wait for
  it (and find the code gone), so no row is written for a deleted store or product.
* ``ingest:<table>`` — one load into a tenant's table at a time (see ``ingest``).
* ``registry:<model>`` (:func:`registry_lock`) — one change of a model's statuses at a
  time (promotion, rollback, the gate's verdict, shadowing, archiving), so that two
  promotions cannot each crown a champion.
* :data:`SERVICE_LEVEL_TARGETS`, :data:`CREDENTIALS`, :data:`BACKTESTS` — one writer of
  those at a time; :data:`FORECASTS` — one writer of forecasts and their scores.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.kit.db import take_sqlite_write_lock

CATALOG = "catalog"
SERVICE_LEVEL_TARGETS = "service-level-targets"
FORECASTS = "forecasts"
CREDENTIALS = "credentials"
BACKTESTS = "backtests"


def registry_lock(model_name: str) -> str:
    """The lock name of one registry model's statuses."""
    return f"registry:{model_name}"


async def hold_tenant_lock(
    session: AsyncSession, customer_id: uuid.UUID, name: str, *, shared: bool = False
) -> None:
    """Wait for, then hold until the transaction ends, the tenant's lock ``name``
    (``shared``: alongside other shared holders, but not with an exclusive one; SQLite
    has no shared form). Taking it again in the same transaction returns at once."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await connection.run_sync(take_sqlite_write_lock)
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await session.execute(
        text(f"SELECT {function}(hashtextextended(:key, 0))"),
        {"key": f"shelfops.{name}:{customer_id}"},
    )
