"""Alembic environment. Runs with the connection handed over by ``shelfops.kit.migrate``
(async engines) or, from the ``alembic`` command line, builds one from settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from shelfops.config import get_settings
from shelfops.kit.db import engine_scope
from shelfops.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most constraints; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    settings = get_settings()
    async with (
        engine_scope(settings, url=settings.resolved_migration_url, as_app_role=False) as engine,
        engine.connect() as connection,
    ):
        await connection.run_sync(_run)


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_online())
