"""Test fixtures. Every database test runs twice: on SQLite and on the real PostgreSQL.

Each test session creates its own databases (a SQLite file, and a PostgreSQL database
named ``shelfops_test_<random>``), migrates them to head, and drops them at the end, so
parallel runs never collide. Tests isolate from each other by creating their own tenants
(fresh UUIDs), which is also how production isolates customers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shelfops.api.app import create_app
from shelfops.config import Environment, Settings
from shelfops.kit import migrate
from shelfops.kit.db import create_engine, create_sessionmaker, tenant_transaction
from shelfops.models import Role
from shelfops.tenants import service as tenants

PG_ADMIN_DSN = os.environ.get(
    "SHELFOPS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = os.environ.get("SHELFOPS_TEST_BACKENDS", "sqlite,postgres").split(",")


def _pg_url(dsn: str, database: str) -> str:
    base = dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend under test: ``sqlite`` or ``postgres``."""
    return str(request.param)


@contextmanager
def new_database(backend: str, var_dir: Path) -> Iterator[Settings]:
    """A fresh, empty database of ``backend`` (dropped afterwards) and settings for it."""
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{var_dir / f'test-{uuid.uuid4().hex[:8]}.db'}"
        yield Settings(env=Environment.TEST, var_dir=var_dir, database_url=url)
        return
    name = f"shelfops_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(
            env=Environment.TEST, var_dir=var_dir, database_url=_pg_url(PG_ADMIN_DSN, name)
        )
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings pointing at this session's own database of ``backend`` (not yet migrated)."""
    with new_database(backend, tmp_path_factory.mktemp(f"var-{backend}")) as settings:
        yield settings


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[Settings]:
    """A brand-new empty database for one test (migration tests)."""
    with new_database(backend, tmp_path) as settings:
        yield settings


@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> Settings:
    """The database migrated to head."""
    await migrate.upgrade(settings)
    return settings


@pytest.fixture(scope="session")
async def engine(migrated: Settings) -> AsyncIterator[AsyncEngine]:
    """The application engine (on PostgreSQL it acts as the RLS-bound app role)."""
    engine = create_engine(migrated)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory bound to the test database."""
    return create_sessionmaker(engine)


@dataclass(frozen=True)
class Tenant:
    """A test tenant with one API key per role."""

    customer_id: uuid.UUID
    slug: str
    keys: dict[Role, str]

    def headers(self, role: Role = Role.ADMIN) -> dict[str, str]:
        """Authorization headers for the key of ``role``."""
        return {"Authorization": f"Bearer {self.keys[role]}"}


async def make_tenant(sessionmaker: async_sessionmaker[AsyncSession], label: str = "t") -> Tenant:
    """Create a tenant with a key for every role."""
    customer_id = uuid.uuid4()
    slug = f"{label}-{customer_id.hex[:10]}"
    keys: dict[Role, str] = {}
    async with tenant_transaction(sessionmaker, customer_id) as session:
        await tenants.create_customer(
            session, name=f"Tenant {slug}", slug=slug, customer_id=customer_id
        )
        for role in Role:
            _, keys[role] = await tenants.issue_api_key(
                session, customer_id=customer_id, name=f"{role.value} key", role=role
            )
    return Tenant(customer_id=customer_id, slug=slug, keys=keys)


@pytest.fixture
async def tenant_a(sessionmaker: async_sessionmaker[AsyncSession]) -> Tenant:
    """A fresh tenant."""
    return await make_tenant(sessionmaker, "a")


@pytest.fixture
async def tenant_b(sessionmaker: async_sessionmaker[AsyncSession]) -> Tenant:
    """Another fresh tenant, to prove isolation."""
    return await make_tenant(sessionmaker, "b")


@pytest.fixture(scope="session")
async def client(migrated: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the real app (lifespan included) in-process."""
    app = create_app(migrated)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A scratch directory for files a test writes."""
    return tmp_path
