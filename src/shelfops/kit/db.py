"""Database engines and sessions, with the tenant bound to every transaction.

A session knows its tenant through ``session.info["customer_id"]``. On PostgreSQL each
transaction starts with ``set_config('app.current_customer_id', …, true)`` so that the
row-level security policies (migration 0002) see the tenant; services additionally filter
by ``customer_id`` themselves, so isolation holds on SQLite too.

Engines are built per process (never shared across a fork) by whoever owns the process:
the API's lifespan, a CLI command or a worker's init hook.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Result
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.pool import NullPool
from sqlalchemy.sql import Executable

from shelfops.config import Settings

TENANT_SETTING = "app.current_customer_id"
#: ``session.info`` flag: the next transaction's first statement sets the tenant itself
#: (see :func:`first_statement_binds_tenant`).
_FIRST_STATEMENT_BINDS = "first_statement_binds_tenant"


def create_engine(
    settings: Settings, *, url: str | None = None, as_app_role: bool = True
) -> AsyncEngine:
    """Build an async engine for ``url`` (default: the application database).

    On PostgreSQL with ``as_app_role`` every new connection runs ``SET ROLE`` to the
    application role, so row-level security applies even when the login role owns the
    tables. Migrations pass ``as_app_role=False``.
    """
    url = url or settings.resolved_database_url
    if url.startswith("sqlite"):
        engine = create_async_engine(url, poolclass=NullPool, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url,
        pool_size=settings.db_pool_size,
        # No overflow: a connection opened past the pool is closed again as soon as it is
        # returned to a full pool, so under load every few requests paid for a new
        # PostgreSQL backend (300-400 connections a minute against 42 with a fixed pool
        # of the same maximum, bench/api_load.py).
        max_overflow=0,
        # No pool_pre_ping: the asyncpg dialect's ping is BEGIN, an empty statement and
        # ROLLBACK, three round trips before every request's own, which under load cost
        # more than any query (bench/api_load.py). _refuse_closed_connection catches
        # what the ping was for without a round trip.
    )
    event.listen(engine.sync_engine, "checkout", _refuse_closed_connection)
    if as_app_role and settings.db_app_role:
        role = settings.db_app_role

        def _set_role(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f'SET ROLE "{role}"')
            cursor.close()
            # The driver opened a transaction for the statement; commit it now. Left
            # open, it would become the first request's transaction, and a rollback
            # there would undo SET ROLE: the connection would go on as the login role,
            # outside row-level security, for the rest of its life in the pool.
            dbapi_connection.commit()

        event.listen(engine.sync_engine, "connect", _set_role)
    return engine


def _refuse_closed_connection(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Hand out no pooled connection whose server side has gone.

    A backend that PostgreSQL ended while the connection sat idle in the pool (a restart,
    ``pg_terminate_backend``, an idle timeout) closed its socket, and the driver saw that
    at once: ``is_closed()`` knows it without asking the server. Raising
    ``DisconnectionError`` makes the pool drop the connection and open a fresh one. A peer
    that vanished without closing (a cut network) is caught by the first statement
    instead, which fails as a clean 503 and makes the pool replace every connection
    opened before it (see ``api/errors.py``).
    """
    driver_connection = record.driver_connection
    if driver_connection is not None and driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers and one writer coexist.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class TenantSession(Session):
    """Sync session class behind our ``AsyncSession``; binds the tenant per transaction."""


@event.listens_for(TenantSession, "do_orm_execute")
def _sqlite_lock_for_update(state: ORMExecuteState) -> None:
    """Give ``FOR UPDATE`` a meaning on SQLite, which ignores it.

    The sqlite3 driver opens a transaction only at the first write, so every read before
    it sees the newest data (like PostgreSQL's READ COMMITTED) and a write waits for the
    lock rather than failing. A read-modify-write that PostgreSQL serialises with a row
    lock would lose a concurrent update here, though: both read, both write. So a
    ``FOR UPDATE`` read outside a transaction first takes SQLite's write lock
    (``BEGIN IMMEDIATE``, waiting out the busy timeout), and the second writer reads only
    after the first has committed.
    """
    if getattr(state.statement, "_for_update_arg", None) is None:
        return
    connection = state.session.connection()
    if connection.dialect.name == "sqlite":
        take_sqlite_write_lock(connection)


def take_sqlite_write_lock(connection: Connection) -> None:
    """Open the SQLite connection's transaction with the database's write lock now
    (``BEGIN IMMEDIATE``, waiting out the busy timeout), unless its transaction is
    already open: then it has written, so it holds the write lock already."""
    dbapi_connection: Any = connection.connection.dbapi_connection
    # aiosqlite's adapter keeps the sqlite3 connection's state on its ``_connection``.
    driver = getattr(dbapi_connection, "_connection", dbapi_connection)
    if not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@event.listens_for(TenantSession, "after_begin")
def _bind_tenant(session: Session, _tx: SessionTransaction, connection: Connection) -> None:
    customer_id = session.info.get("customer_id")
    if connection.dialect.name != "postgresql" or session.info.pop(_FIRST_STATEMENT_BINDS, False):
        return
    # is_local=true: the setting dies with the transaction, so a pooled connection
    # never carries one tenant's id into another tenant's request.
    connection.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": TENANT_SETTING, "value": str(customer_id) if customer_id else ""},
    )


@contextmanager
def first_statement_binds_tenant(session: AsyncSession) -> Iterator[None]:
    """Within this block, a transaction that begins is not bound by a statement of its
    own, because its first statement sets the tenant itself (migration 0010's
    ``shelfops_authenticate``); that saves a round trip on every API request.

    Only for a session outside a transaction, and only around one statement that does set
    ``app.current_customer_id`` to the session's tenant. The flag never outlives the block,
    so no later transaction goes unbound (and one that did would see no rows at all).
    """
    if session.in_transaction():
        yield
        return
    session.info[_FIRST_STATEMENT_BINDS] = True
    try:
        yield
    finally:
        session.info.pop(_FIRST_STATEMENT_BINDS, None)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """A session factory whose sessions bind their tenant on every transaction."""
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=TenantSession)


@asynccontextmanager
async def tenant_transaction(
    sessionmaker: async_sessionmaker[AsyncSession], customer_id: uuid.UUID | None
) -> AsyncIterator[AsyncSession]:
    """One unit of work for one tenant: commits on success, rolls back on any error.

    This is the edge where commits happen (API request, CLI command, task); services
    only flush.
    """
    async with sessionmaker() as session:
        session.info["customer_id"] = customer_id
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


async def read_rows(
    session: AsyncSession, statement: Executable, params: Mapping[str, Any] | None = None
) -> Result[Any]:
    """Run ``statement``, a read of plain columns (no ORM objects), on the session's
    connection, in its transaction.

    ``session.execute`` sends every statement through the ORM's execution path (its
    compile state, the loading of result rows into the ORM's row types), which for such a
    read changes nothing but cost 0.15-0.2 ms a statement in-process on a 50-row list
    page (a fifth of the statement's client CPU; measured against ``bench/api_load.py``'s
    tenant). Like ``session.execute``, pending changes are flushed first."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        await session.flush()
    connection = await session.connection()
    return await connection.execute(statement, params)


def tenant_of(session: AsyncSession) -> uuid.UUID:
    """The tenant bound to ``session``; raises if none is (a programming error)."""
    customer_id = session.info.get("customer_id")
    if not isinstance(customer_id, uuid.UUID):
        raise RuntimeError("session has no tenant bound")
    return customer_id


@asynccontextmanager
async def engine_scope(
    settings: Settings, *, url: str | None = None, as_app_role: bool = True
) -> AsyncIterator[AsyncEngine]:
    """An engine for the length of one command or task, disposed afterwards."""
    engine = create_engine(settings, url=url, as_app_role=as_app_role)
    try:
        yield engine
    finally:
        await engine.dispose()


@asynccontextmanager
async def sessionmaker_scope(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on its own engine, for one command or task."""
    async with engine_scope(settings) as engine:
        yield create_sessionmaker(engine)
