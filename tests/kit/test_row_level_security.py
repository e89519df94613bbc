"""Row-level security on PostgreSQL: the application role cannot cross tenants, even with
hand-written SQL. The role is neither superuser nor owner of the tables."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.kit.db import create_engine, tenant_transaction
from shelfops.models import Role, Store
from shelfops.tenants import service as tenants
from tests.conftest import Tenant


@pytest.fixture
def app_role_dsn(migrated: Settings, backend: str) -> str:
    """A libpq DSN that logs in *as* the application role itself."""
    if backend != "postgres":
        pytest.skip("row-level security exists only on PostgreSQL")
    url = make_url(migrated.resolved_database_url)
    return f"postgresql://{migrated.db_app_role}@{url.host}:{url.port or 5432}/{url.database}"


async def _add_store(
    sessionmaker: async_sessionmaker[AsyncSession], tenant: Tenant, code: str
) -> None:
    async with tenant_transaction(sessionmaker, tenant.customer_id) as session:
        session.add(
            Store(customer_id=tenant.customer_id, store_code=code, name=code, timezone="UTC")
        )


async def test_app_role_is_not_superuser_and_owns_nothing(app_role_dsn: str) -> None:
    with psycopg.connect(app_role_dsn) as conn:
        row = conn.execute(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        owned = conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname='public' AND tableowner=current_user"
        ).fetchone()
    assert row == (False, False)
    assert owned == (0,)


async def test_a_new_connection_keeps_the_app_role_after_its_first_transaction_rolls_back(
    migrated: Settings, backend: str
) -> None:
    # SET ROLE runs when the pool opens a connection. Once, it ran inside the transaction
    # the driver opened for it, so the first request's rollback undid it and the pooled
    # connection went on as the login role (a superuser here), outside row-level security.
    if backend != "postgres":
        pytest.skip("row-level security exists only on PostgreSQL")
    engine = create_engine(migrated)
    backends = set()
    try:
        for _ in range(2):
            async with engine.connect() as connection:
                role, backend_pid = (
                    await connection.execute(text("SELECT current_user, pg_backend_pid()"))
                ).one()
                assert role == migrated.db_app_role
                backends.add(backend_pid)
                await connection.rollback()
        assert len(backends) == 1  # the same pooled connection both times
    finally:
        await engine.dispose()


async def test_hand_written_sql_cannot_read_or_change_another_tenant(
    app_role_dsn: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    await _add_store(sessionmaker, tenant_a, "A-1")
    await _add_store(sessionmaker, tenant_b, "B-1")
    a, b = str(tenant_a.customer_id), str(tenant_b.customer_id)

    with psycopg.connect(app_role_dsn) as conn:
        # No tenant bound: nothing is visible at all.
        assert conn.execute("SELECT count(*) FROM stores").fetchone() == (0,)
        conn.rollback()

        conn.execute("SELECT set_config('app.current_customer_id', %s, false)", (a,))
        codes = [r[0] for r in conn.execute("SELECT store_code FROM stores").fetchall()]
        assert codes == ["A-1"]
        assert conn.execute(
            "SELECT count(*) FROM stores WHERE customer_id = %s", (b,)
        ).fetchone() == (0,)
        assert (
            conn.execute("UPDATE stores SET name = 'hacked' WHERE customer_id = %s", (b,)).rowcount
            == 0
        )
        assert conn.execute("DELETE FROM stores WHERE customer_id = %s", (b,)).rowcount == 0
        assert conn.execute("DELETE FROM customers WHERE customer_id = %s", (b,)).rowcount == 0
        conn.commit()

        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(
                "INSERT INTO stores (customer_id, store_code, name, timezone, is_active,"
                " created_at, updated_at) VALUES (%s, 'B-evil', 'x', 'UTC', true, now(), now())",
                (b,),
            )
        conn.rollback()
        conn.execute("SELECT set_config('app.current_customer_id', %s, false)", (a,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE stores SET customer_id = %s WHERE customer_id = %s", (b, a))
        conn.rollback()

    # Tenant B's row is exactly as it was.
    async with tenant_transaction(sessionmaker, tenant_b.customer_id) as session:
        names = (await session.execute(text("SELECT store_code, name FROM stores"))).all()
    assert [tuple(r) for r in names] == [("B-1", "B-1")]


async def test_application_sessions_are_bound_to_their_tenant(
    migrated: Settings,
    backend: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    """Even a query that forgets the tenant filter sees only its own tenant's rows."""
    if backend != "postgres":
        pytest.skip("row-level security exists only on PostgreSQL")
    await _add_store(sessionmaker, tenant_a, "A-2")
    await _add_store(sessionmaker, tenant_b, "B-2")
    async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
        rows = (await session.execute(text("SELECT DISTINCT customer_id FROM stores"))).all()
        role = (await session.execute(text("SELECT current_user"))).scalar_one()
    assert {str(r[0]) for r in rows} == {str(tenant_a.customer_id)}
    assert role == migrated.db_app_role


async def test_authentication_binds_the_tenant_in_its_one_statement(
    backend: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    tenant_b: Tenant,
) -> None:
    """The key lookup is the transaction's only binding statement on PostgreSQL (migration
    0010), and what follows in that transaction still sees only the key's tenant."""
    await _add_store(sessionmaker, tenant_a, "A-3")
    await _add_store(sessionmaker, tenant_b, "B-3")
    statements: list[str] = []

    def _record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = sessionmaker.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", _record)
    try:
        async with tenant_transaction(sessionmaker, tenant_a.customer_id) as session:
            principal = await tenants.authenticate(session, tenant_a.keys[Role.VIEWER])
            rows = (await session.execute(text("SELECT DISTINCT customer_id FROM stores"))).all()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", _record)
    assert principal.customer_id == tenant_a.customer_id
    assert principal.role is Role.VIEWER
    if backend == "postgres":
        # No set_config of its own before the lookup: the lookup set the tenant.
        assert len(statements) == 2 and "shelfops_authenticate" in statements[0], statements
        assert {str(r[0]) for r in rows} == {str(tenant_a.customer_id)}
    else:
        assert "set_config" not in " ".join(statements)


async def test_a_key_presented_in_another_tenants_session_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    """Binding B's session to A's tenant through A's key would be a programming error."""
    async with tenant_transaction(sessionmaker, tenant_b.customer_id) as session:
        with pytest.raises(RuntimeError, match="another tenant"):
            await tenants.authenticate(session, tenant_a.keys[Role.VIEWER])
