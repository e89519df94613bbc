"""Run Alembic migrations programmatically on an async engine (both dialects)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from shelfops.config import Settings
from shelfops.kit.db import engine_scope


def alembic_config() -> Config:
    """Alembic configuration pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", "shelfops:migrations")
    return config


async def upgrade(settings: Settings, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` as the schema owner."""
    await _run(settings, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(settings: Settings, revision: str) -> None:
    """Downgrade the schema to ``revision`` (e.g. ``-1``)."""
    await _run(settings, lambda cfg: command.downgrade(cfg, revision))


async def _run(settings: Settings, action: object) -> None:
    def _sync(sync_connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = sync_connection
        action(config)  # type: ignore[operator]

    async with (
        engine_scope(settings, url=settings.resolved_migration_url, as_app_role=False) as engine,
        engine.begin() as connection,
    ):
        await connection.run_sync(_sync)
