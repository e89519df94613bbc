"""A password a profile names by environment variable is never written anywhere: nothing
ShelfOps writes to the database — sync log, file ledger, error messages — holds it,
whether the login works or fails. (Stored credentials are encrypted; their tests are in
tests/integrations/test_credentials.py.) Checked by reading every column of every table
raw, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations.config import SftpTransport
from shelfops.integrations.polling import poll_source
from shelfops.kit.db import engine_scope
from shelfops.models import Base
from tests.conftest import Tenant
from tests.ingest.helpers import STORES
from tests.integrations.sftp_server import SftpServer, sftp_server
from tests.integrations.test_polling import Profile, canonical_import
from tests.integrations.test_sftp import put, transport

PASSWORD = "s3cret-sftp-pass-" + uuid.uuid4().hex


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """A real SFTP server accepting PASSWORD."""
    root, keys = tmp_path / "root", tmp_path / "keys"
    (root / "outbox").mkdir(parents=True)
    keys.mkdir()
    async with sftp_server(root, keys, password=PASSWORD) as running:
        yield running


async def raw_values(settings: Settings, customer_id: uuid.UUID) -> list[tuple[str, Any]]:
    """(table.column, value) of every row the tenant has, read as the schema owner."""
    found: list[tuple[str, Any]] = []
    async with (
        engine_scope(settings, url=settings.resolved_migration_url, as_app_role=False) as engine,
        engine.connect() as connection,
    ):
        for table in Base.metadata.sorted_tables:
            if "customer_id" not in table.c:
                continue
            rows = await connection.execute(select(table).where(table.c.customer_id == customer_id))
            for row in rows.mappings():
                found += [(f"{table.name}.{name}", value) for name, value in row.items()]
    return found


async def test_no_sftp_password_reaches_the_database(
    server: SftpServer,
    tmp_path: Path,
    migrated: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_a: Tenant,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    variable = f"SHELFOPS_TEST_SFTP_PASSWORD_{uuid.uuid4().hex[:8].upper()}"
    config = transport(server, tmp_path, private_key=None, password_env=variable)
    put(server, "stores.csv", STORES)

    async def poll() -> Any:
        return await poll_source(
            sessionmaker,
            migrated,
            customer_id=tenant_a.customer_id,
            profile=Profile("acme-sftp", config),
            handler=canonical_import,
        )

    monkeypatch.setenv(variable, PASSWORD[::-1])  # a wrong password: the failure is logged
    failed = await poll()
    assert failed.error is not None
    monkeypatch.setenv(variable, PASSWORD)
    imported = await poll()
    assert [f.status for f in imported.files] == ["imported"]

    values = await raw_values(migrated, tenant_a.customer_id)
    tables = {column.split(".")[0] for column, _ in values}
    # The run really wrote: the store rows, the file ledger and the sync log (with the
    # failed attempt), so the scan below looks where a leaked password would be.
    assert {"stores", "integration_files", "integration_sync_log"} <= tables
    assert any(variable in str(value) for _, value in values)  # the variable's *name* only
    for column, value in values:
        assert PASSWORD not in str(value), column
        assert PASSWORD[::-1] not in str(value), column


def test_a_profile_cannot_carry_a_password_inline() -> None:
    with pytest.raises(ValidationError, match="password"):
        SftpTransport.model_validate(
            {
                "host": "sftp.example.com",
                "username": "partner",
                "known_hosts": "/etc/ssh/known_hosts",
                "password": PASSWORD,
            }
        )
