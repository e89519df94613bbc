"""All SQL of ingestion: catalog code lookups, catalog upserts, the staging table for the
time series and its merge, and the sync log.

The time series (sales, inventory) are loaded through a TEMP staging table: PostgreSQL
refuses ``COPY FROM`` into a table with row-level security for a role subject to it, and
staging lets one set-based statement pair do the upsert. On PostgreSQL rows reach the stage
by ``COPY`` (CSV written by polars); on SQLite by ``executemany``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import polars as pl
from sqlalchemy import (
    Column,
    MetaData,
    Table,
    and_,
    exists,
    insert,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from shelfops.ingest.schemas import SPECS, FileSpec, IngestKind
from shelfops.ingest.validate import Lookup
from shelfops.kit.locks import hold_tenant_lock
from shelfops.models import IntegrationSyncLog
from shelfops.models.base import utcnow

# Memory PostgreSQL may use for the merge's sort and hash joins, for this transaction only
# (the server default of 4MB sends a multi-million-row sort to disk).
_MERGE_WORK_MEM = "256MB"

StagePayload = bytes | list[tuple[Any, ...]]


async def dialect_name(session: AsyncSession) -> str:
    """``postgresql`` or ``sqlite``."""
    connection = await session.connection()
    return connection.dialect.name


def load_lock(spec: FileSpec) -> str:
    """The name of the tenant lock that one load into ``spec``'s table holds at a time."""
    return f"ingest:{_table(spec).name}"


def _table(spec: FileSpec) -> Table:
    table = spec.model.__table__
    assert isinstance(table, Table)
    return table


# ---------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------


async def lookup(session: AsyncSession, *, customer_id: uuid.UUID, kind: IngestKind) -> Lookup:
    """The tenant's codes of catalog ``kind`` with their ids (another tenant's codes are
    not there, so they are unknown to this tenant)."""
    spec = SPECS[kind]
    table = _table(spec)
    code_column = table.c[spec.key[0]]
    id_column = next(iter(table.primary_key.columns))
    result = await session.execute(
        select(code_column, id_column).where(table.c.customer_id == customer_id)
    )
    return Lookup.of([(code, id_) for code, id_ in result])


async def upsert_catalog(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    spec: FileSpec,
    frame: pl.DataFrame,
) -> int:
    """Insert new rows and update changed ones, keyed on (tenant, code).

    Unchanged rows are not rewritten (``DO UPDATE … WHERE`` some column ``IS DISTINCT
    FROM`` the stored one). Returns how many rows were inserted or updated.
    """
    table = _table(spec)
    values = spec.value_targets
    rows = frame.to_dicts()
    for row in rows:
        row["customer_id"] = customer_id
    dialect = await dialect_name(session)
    base = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    excluded = base.excluded
    stmt = base.on_conflict_do_update(
        index_elements=[table.c.customer_id, table.c[spec.key[0]]],
        set_={**{name: excluded[name] for name in values}, "updated_at": utcnow()},
        where=or_(*(table.c[name].is_distinct_from(excluded[name]) for name in values)),
    ).returning(table.c[spec.key[0]])
    written = 0
    # RETURNING yields only rows actually inserted or updated (not the skipped ones).
    for start in range(0, len(rows), 5_000):
        result = await session.execute(stmt, rows[start : start + 5_000])
        written += len(result.all())
    return written


# ---------------------------------------------------------------------------------------
# Time series: stage, load, merge
# ---------------------------------------------------------------------------------------


def stage_table(spec: FileSpec) -> Table:
    """The TEMP staging table of ``spec`` (its own metadata, never part of the schema)."""
    target = _table(spec)
    columns = [Column(c.target, target.c[c.target].type) for c in spec.columns]
    return Table(
        f"ingest_stage_{spec.kind.value}",
        MetaData(),
        *columns,
        prefixes=["TEMPORARY"],
        # A safety net: the service drops it itself, but a failed run still leaves nothing.
        postgresql_on_commit="DROP",
    )


async def create_stage(session: AsyncSession, spec: FileSpec) -> Table:
    """Create an empty staging table for ``spec`` on the session's connection."""
    stage = stage_table(spec)
    await drop_stage(session, stage)
    connection = await session.connection()
    await connection.run_sync(stage.create)
    return stage


async def drop_stage(session: AsyncSession, stage: Table) -> None:
    """Drop the staging table (if it exists)."""
    await session.execute(text(f"DROP TABLE IF EXISTS {stage.name}"))


def encode_stage_rows(dialect: str, frame: pl.DataFrame) -> StagePayload:
    """Rows of a typed chunk in the form :func:`load_stage` sends (CPU-bound: run it off
    the event loop). PostgreSQL: CSV bytes for COPY; SQLite: tuples for executemany."""
    if dialect == "postgresql":
        # polars writes floats in shortest round-trip form, dates as ISO, nulls as empty
        # (COPY's CSV null), booleans as true/false.
        return frame.write_csv(None, include_header=False).encode()
    # SQLAlchemy stores dates on SQLite as ISO text and booleans as 0/1; match that.
    converted = frame.with_columns(
        pl.col(pl.Date).dt.to_string("%Y-%m-%d"), pl.col(pl.Boolean).cast(pl.Int8)
    )
    return converted.rows()


async def load_stage(session: AsyncSession, stage: Table, payload: StagePayload) -> None:
    """Append encoded rows to the staging table, inside the session's transaction."""
    connection = await session.connection()
    names = [column.name for column in stage.columns]
    if isinstance(payload, bytes):
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        # A memoryview, because asyncpg would take plain bytes for a file path.
        await driver.copy_to_table(
            stage.name, source=memoryview(payload), columns=names, format="csv"
        )
        return
    if payload:
        placeholders = ", ".join("?" for _ in names)
        await connection.exec_driver_sql(
            f"INSERT INTO {stage.name} ({', '.join(names)}) VALUES ({placeholders})", payload
        )


async def merge_stage(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    spec: FileSpec,
    stage: Table,
    first_date: dt.date,
    last_date: dt.date,
) -> tuple[int, int]:
    """Upsert the staged rows into the real table; returns (inserted, updated).

    Two set-based statements instead of one ``INSERT … ON CONFLICT``: an ``UPDATE … FROM``
    of the rows whose values changed, then an ``INSERT … SELECT`` of the keys not stored
    yet, sorted by the primary key so the index is filled in order. This avoids
    speculative insertion for every row, gives exact inserted/updated counts from the row
    counts, and leaves unchanged rows untouched. The stored rows are narrowed to the tenant
    and the file's date range, so a small file does not scan a tenant's whole history.
    The stage must hold no duplicate keys (validation guarantees it).
    """
    table = _table(spec)
    dialect = await dialect_name(session)
    # Serialise concurrent loads of the same table for the same tenant, so the anti-join
    # below cannot race another transaction inserting the same keys.
    await hold_tenant_lock(session, customer_id, load_lock(spec))
    if dialect == "postgresql":
        await session.execute(text(f"SET LOCAL work_mem = '{_MERGE_WORK_MEM}'"))
        # Temp tables are never auto-analysed; the join plans need row counts.
        await session.execute(text(f"ANALYZE {stage.name}"))

    keys = spec.key_targets
    values = spec.value_targets
    date_column = table.c[spec.column("date").target]
    same_key = and_(*(table.c[name] == stage.c[name] for name in keys))
    in_scope = and_(table.c.customer_id == customer_id, date_column.between(first_date, last_date))
    changed = update(table).where(
        in_scope,
        same_key,
        or_(*(table.c[name].is_distinct_from(stage.c[name]) for name in values)),
    )
    updated = await session.execute(changed.values({name: stage.c[name] for name in values}))
    new_rows = (
        select(
            literal(customer_id, table.c.customer_id.type),
            *(stage.c[name] for name in [*keys, *values]),
        )
        .where(~exists().where(in_scope, same_key))
        .order_by(*(stage.c[name] for name in keys))
    )
    inserted = await session.execute(
        insert(table).from_select(["customer_id", *keys, *values], new_rows)
    )
    return _rowcount(inserted), _rowcount(updated)


def _rowcount(result: Any) -> int:
    count = result.rowcount
    return int(count) if count is not None and count >= 0 else 0


# ---------------------------------------------------------------------------------------
# Sync log
# ---------------------------------------------------------------------------------------


async def add_sync_log(
    session: AsyncSession,
    *,
    customer_id: uuid.UUID,
    name: str,
    sync_type: str,
    status: str,
    received: int,
    synced: int,
    started_at: dt.datetime,
    completed_at: dt.datetime,
    error_message: str | None,
    metadata: dict[str, Any],
    integration_type: str = "csv",
) -> uuid.UUID:
    """Record one run in ``integration_sync_log``; returns its id. ``integration_type``
    is ``csv`` for a canonical ingest, the source type for an onboarded source."""
    entry = IntegrationSyncLog(
        customer_id=customer_id,
        integration_type=integration_type,
        integration_name=name,
        sync_type=sync_type,
        sync_status=status,
        records_received=received,
        records_synced=synced,
        started_at=started_at,
        completed_at=completed_at,
        error_message=error_message,
        sync_metadata=metadata,
    )
    session.add(entry)
    await session.flush()
    return entry.sync_id
