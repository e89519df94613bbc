"""TimescaleDB for the tables that grow by the day, when the PostgreSQL server has it.

Migration 0006 calls :func:`apply` (and :func:`remove` on downgrade). On SQLite, and on a
PostgreSQL server without the ``timescaledb`` extension, nothing changes: the tables stay
plain and one log line says so. With the extension, ``sales``, ``inventory_snapshots`` and
``demand_forecasts`` become hypertables partitioned by their date column, and get the
retention (and, where the server allows it, compression) policies of the settings.

Three things the schema needs for that, and why:

* every unique index of a hypertable must contain the partitioning column. ``sales`` and
  ``inventory_snapshots`` already have the date in their primary key; ``demand_forecasts``
  was keyed by ``forecast_id`` alone, so its primary key becomes
  ``(forecast_id, forecast_date)`` (``forecast_id`` still comes from its sequence, and the
  natural key ``uq_demand_forecasts_…`` already contains ``forecast_date``);
* chunks are tables of their own that inherit the hypertable's grants but not its
  row-level security policy, so the application role could read every tenant by naming a
  chunk. They therefore live in the schema ``shelfops_chunks`` on which the application
  role has no ``USAGE``: it reaches the rows only through the hypertable, where the
  tenant policy applies;
* TimescaleDB refuses compression on a table with row-level security ("compression cannot
  be used on table with row security"). Tenant isolation wins: the compression settings
  are tried in a savepoint and, when the server refuses them, the table stays
  uncompressed and a warning says why.

All statements are built from :class:`~shelfops.config.Settings` by pure functions, so
what would run on a TimescaleDB server can be read (and tested) without one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from shelfops.config import Settings

logger = logging.getLogger(__name__)

EXTENSION = "timescaledb"
CHUNK_SCHEMA = "shelfops_chunks"
NOT_AVAILABLE = "TimescaleDB not available; tables stay plain"
CREATE_EXTENSION = f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}"
# SQLSTATE feature_not_supported: what TimescaleDB raises when it refuses compression on a
# table with row security, or a policy under its Apache-only build.
_FEATURE_NOT_SUPPORTED = "0A000"


@dataclass(frozen=True)
class SeriesTable:
    """One time-growing table and how it is partitioned, compressed and retained."""

    name: str
    time_column: str
    # Compressed rows are grouped per segment; per-series reads filter on the order-by
    # columns' min/max instead. A store's products together (not one segment per series)
    # give segments of thousands of rows, which is where compression pays off: one series
    # has only ``chunk_days`` rows in a chunk.
    segment_by: tuple[str, ...]
    order_by: tuple[str, ...]
    retention_days: int


def series_tables(settings: Settings) -> tuple[SeriesTable, ...]:
    """The three hypertables, with the retention of ``settings`` (0 = keep forever)."""
    return (
        SeriesTable(
            name="sales",
            time_column="sale_date",
            segment_by=("customer_id", "store_id"),
            order_by=("product_id", "sale_date DESC"),
            retention_days=settings.timescale_sales_retention_days,
        ),
        SeriesTable(
            name="inventory_snapshots",
            time_column="snapshot_date",
            segment_by=("customer_id", "store_id"),
            order_by=("product_id", "snapshot_date DESC"),
            retention_days=settings.timescale_inventory_retention_days,
        ),
        SeriesTable(
            name="demand_forecasts",
            time_column="forecast_date",
            segment_by=("customer_id", "store_id"),
            order_by=("product_id", "forecast_date DESC", "issue_date DESC"),
            retention_days=settings.timescale_forecast_retention_days,
        ),
    )


def _days(days: int) -> str:
    return f"INTERVAL '{int(days)} days'"


def prepare_statements() -> list[str]:
    """Create the chunk schema and give ``demand_forecasts`` a primary key that contains
    its partitioning column (idempotent, so upgrade can run again after a downgrade)."""
    return [
        f"CREATE SCHEMA IF NOT EXISTS {CHUNK_SCHEMA}",
        # A new schema grants nothing to PUBLIC; said explicitly because the chunks'
        # tenant isolation rests on it.
        f"REVOKE ALL ON SCHEMA {CHUNK_SCHEMA} FROM PUBLIC",
        """DO $$
BEGIN
    IF NOT EXISTS (
        SELECT FROM pg_constraint c
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.conrelid = 'demand_forecasts'::regclass AND c.contype = 'p'
          AND a.attname = 'forecast_date'
    ) THEN
        ALTER TABLE demand_forecasts
            DROP CONSTRAINT pk_demand_forecasts,
            ADD CONSTRAINT pk_demand_forecasts PRIMARY KEY (forecast_id, forecast_date);
    END IF;
END $$""",
    ]


def hypertable_statement(table: SeriesTable, settings: Settings) -> str:
    """``create_hypertable`` for ``table``: existing rows move into chunks, no extra
    index (each table already has its own on the date), chunks in the chunk schema."""
    return (
        f"SELECT create_hypertable('{table.name}', '{table.time_column}', "
        f"chunk_time_interval => {_days(settings.timescale_chunk_days)}, "
        f"associated_schema_name => '{CHUNK_SCHEMA}', "
        "create_default_indexes => false, if_not_exists => true, migrate_data => true)"
    )


def compression_statements(table: SeriesTable, settings: Settings) -> list[str]:
    """Compression settings and policy for ``table`` (none when compression is off)."""
    if not settings.timescale_compress_after_days:
        return []
    return [
        f"ALTER TABLE {table.name} SET (timescaledb.compress, "
        f"timescaledb.compress_segmentby = '{', '.join(table.segment_by)}', "
        f"timescaledb.compress_orderby = '{', '.join(table.order_by)}')",
        f"SELECT add_compression_policy('{table.name}', "
        f"compress_after => {_days(settings.timescale_compress_after_days)}, "
        "if_not_exists => true)",
    ]


def retention_statements(table: SeriesTable) -> list[str]:
    """The retention policy of ``table`` (none when it keeps its rows forever)."""
    if not table.retention_days:
        return []
    return [
        f"SELECT add_retention_policy('{table.name}', "
        f"drop_after => {_days(table.retention_days)}, if_not_exists => true)"
    ]


def removal_statements(table: SeriesTable, *, compressed: bool) -> list[str]:
    """Undo the policies and compression of ``table``; it stays a hypertable."""
    statements = [
        f"SELECT remove_retention_policy('{table.name}', if_exists => true)",
        f"SELECT remove_compression_policy('{table.name}', if_exists => true)",
    ]
    if compressed:
        statements += [
            f"SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('{table.name}') c",
            f"ALTER TABLE {table.name} SET (timescaledb.compress = false)",
        ]
    return statements


def is_available(bind: Connection) -> bool:
    """Whether this server can install TimescaleDB (always false on SQLite)."""
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(
        text("SELECT 1 FROM pg_available_extensions WHERE name = :name"), {"name": EXTENSION}
    ).first()
    return found is not None


def _execute(bind: Connection, statements: Sequence[str]) -> None:
    for statement in statements:
        bind.execute(text(statement))


def _refused(bind: Connection, statements: Sequence[str]) -> str | None:
    """Run ``statements`` in a savepoint; the server's reason if it does not support them."""
    if not statements:
        return None
    try:
        with bind.begin_nested():
            _execute(bind, statements)
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) != _FEATURE_NOT_SUPPORTED:
            raise
        return str(exc.orig).strip()
    return None


def apply(bind: Connection, settings: Settings) -> bool:
    """Turn the time-growing tables into hypertables when TimescaleDB is available.

    Returns whether it did. Without the extension (or on SQLite) nothing changes.
    """
    if not is_available(bind):
        logger.info(NOT_AVAILABLE)
        return False
    try:
        with bind.begin_nested():
            _execute(bind, [CREATE_EXTENSION])
    except DBAPIError as exc:
        # Installed but not usable here (not preloaded, or the migration role may not
        # create it): the plain schema still works, so say why and carry on.
        logger.warning("%s: %s", NOT_AVAILABLE, str(exc.orig).strip())
        return False
    _execute(bind, prepare_statements())
    for table in series_tables(settings):
        _execute(bind, [hypertable_statement(table, settings)])
        reason = _refused(bind, compression_statements(table, settings))
        if reason:
            logger.warning("TimescaleDB refused compression on %s (%s)", table.name, reason)
        reason = _refused(bind, retention_statements(table))
        if reason:
            logger.warning("TimescaleDB refused a retention policy on %s (%s)", table.name, reason)
    logger.info("TimescaleDB hypertables: %s", ", ".join(t.name for t in series_tables(settings)))
    return True


def remove(bind: Connection, settings: Settings) -> None:
    """Remove the policies and compression :func:`apply` added.

    The tables stay hypertables: TimescaleDB cannot turn one back into a plain table in
    place, and as hypertables they keep working for the schema before 0006.
    """
    if bind.dialect.name != "postgresql" or not _installed(bind):
        return
    rows = bind.execute(
        text(
            "SELECT hypertable_name, compression_enabled "
            "FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'"
        )
    )
    compressed = {row.hypertable_name: bool(row.compression_enabled) for row in rows}
    kept = [t for t in series_tables(settings) if t.name in compressed]
    for table in kept:
        _execute(bind, removal_statements(table, compressed=compressed[table.name]))
    if kept:
        logger.warning(
            "TimescaleDB policies removed; %s stay hypertables", ", ".join(t.name for t in kept)
        )


def _installed(bind: Connection) -> bool:
    found = bind.execute(
        text("SELECT 1 FROM pg_extension WHERE extname = :name"), {"name": EXTENSION}
    ).first()
    return found is not None
