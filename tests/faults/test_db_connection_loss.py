"""The database drops the API's connections (PostgreSQL ``pg_terminate_backend``, what a
server restart or failover does): no request ever answers 500. A connection lost while
idle is replaced at checkout (``kit/db.py``, without a round trip); one lost in the
middle of a request answers a clean 503 with ``Retry-After``, and the retry succeeds
(runbook: "Database restart or connection loss").

Only this test session's own database is touched; the shared server keeps running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from shelfops.api.app import create_app
from shelfops.api.errors import install_error_handlers
from shelfops.config import Settings
from shelfops.models import Role
from tests.conftest import PG_ADMIN_DSN, Tenant


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("connection loss is a PostgreSQL fault (SQLite has no server)")


@pytest.fixture
def database_name(migrated: Settings) -> str:
    return migrated.resolved_database_url.rsplit("/", 1)[1]


def _connect(database: str, *, autocommit: bool) -> psycopg.Connection:
    """A superuser connection to the test's own database (never to another one)."""
    return psycopg.connect(PG_ADMIN_DSN.rsplit("/", 1)[0] + f"/{database}", autocommit=autocommit)


@pytest.fixture
def admin(postgres_only: None, database_name: str) -> Iterator[psycopg.Connection]:
    """Autocommit, so every look at ``pg_stat_activity`` is fresh (a transaction would
    keep seeing its first snapshot)."""
    with _connect(database_name, autocommit=True) as connection:
        yield connection


@pytest.fixture
async def api(migrated: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with its own engine (lifespan included), in this process."""
    app = create_app(migrated)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def _terminate(admin: psycopg.Connection, database: str, *, waiting_only: bool = False) -> int:
    """Terminate the backends of ``database`` other than ``admin``'s own; how many."""
    query = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE datname = %s AND pid <> pg_backend_pid()"
    )
    if waiting_only:
        query += " AND wait_event_type = 'Lock'"
    row = admin.execute(query, (database,)).fetchone()
    return int(row[0]) if row else 0


def _assert_clean_503(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": "ServiceUnavailable",
        "detail": "the database is not reachable; retry",
    }
    assert int(response.headers["Retry-After"]) > 0


async def test_connections_dropped_between_requests_are_replaced(
    api: httpx.AsyncClient, admin: psycopg.Connection, database_name: str, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers(Role.VIEWER)
    # Several requests at once, so the pool holds more than one connection to lose.
    first = await asyncio.gather(*(api.get("/api/v1/stores", headers=headers) for _ in range(4)))
    assert [response.status_code for response in first] == [200] * 4
    assert _terminate(admin, database_name) > 0
    for _ in range(100):  # until the terminated backends have exited
        if _backends(admin, database_name) == 0:
            break
        await asyncio.sleep(0.05)
    else:
        pytest.fail("the terminated backends never exited")
    await asyncio.sleep(0.05)  # the event loop reads the closed sockets

    # Not one 503: every pooled connection was closed, and none is handed out.
    again = await asyncio.gather(*(api.get("/api/v1/stores", headers=headers) for _ in range(4)))
    assert [response.status_code for response in again] == [200] * 4, again[0].text
    assert (await api.get("/health")).json()["database"]["status"] == "ok"


def _backends(admin: psycopg.Connection, database: str) -> int:
    """Backends of ``database`` other than ``admin``'s own."""
    row = admin.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        (database,),
    ).fetchone()
    return int(row[0]) if row else 0


async def test_a_connection_lost_mid_request_is_a_clean_503_and_the_retry_succeeds(
    api: httpx.AsyncClient, admin: psycopg.Connection, database_name: str, tenant_a: Tenant
) -> None:
    headers = tenant_a.headers(Role.VIEWER)
    # Hold the stores table so the request is provably inside its query when its
    # connection is cut.
    with _connect(database_name, autocommit=False) as locker:
        locker.execute("LOCK TABLE stores IN ACCESS EXCLUSIVE MODE")
        request = asyncio.create_task(api.get("/api/v1/stores", headers=headers))
        for _ in range(300):
            row = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
                (database_name,),
            ).fetchone()
            if row and row[0]:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the request never reached the locked table")
        assert _terminate(admin, database_name, waiting_only=True) == 1
        locker.rollback()  # releases the lock
    _assert_clean_503(await request)

    retry = await api.get("/api/v1/stores", headers=headers)
    assert retry.status_code == 200, retry.text


@pytest.mark.parametrize(
    "error",
    [
        # SQLite's busy timeout ran out while another writer held the database.
        sa_exc.OperationalError("INSERT …", {}, Exception("database is locked")),
        # asyncpg's "connection was closed in the middle of operation" (a plain DBAPIError).
        sa_exc.DBAPIError("SELECT …", {}, Exception("closed"), connection_invalidated=True),
        # A new connection refused while the server restarts.
        ConnectionRefusedError(111, "Connection refused"),
    ],
    ids=["sqlite-locked", "connection-invalidated", "connection-refused"],
)
async def test_every_kind_of_unavailable_database_maps_to_503(error: Exception) -> None:
    # The driver-level errors of faults this suite cannot cause cheaply on every backend,
    # raised through the real error handlers.
    from fastapi import FastAPI

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/boom")
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "ServiceUnavailable"
    assert int(response.headers["Retry-After"]) > 0


async def test_a_statement_error_is_still_a_500_not_a_retry() -> None:
    from fastapi import FastAPI

    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise sa_exc.ProgrammingError("SELECT nope", {}, Exception("syntax error"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "InternalError", "detail": "an unexpected error occurred"}
    assert "Retry-After" not in response.headers
