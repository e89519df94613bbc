"""TimescaleDB (migration 0006): plain tables without the extension, hypertables with it.

The server this suite normally runs on has no TimescaleDB, so the hypertable path is
checked twice: by reading the SQL it would run (built from settings, no server needed),
and end to end by ``test_timescaledb_server_gets_hypertables_and_policies``, which runs
against ``SHELFOPS_TEST_TIMESCALE_DSN`` (default: the suite's own PostgreSQL) and is
skipped, saying why, when that server has no TimescaleDB.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import psycopg
import pytest
from pydantic import ValidationError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from shelfops.config import Environment, Settings, get_settings
from shelfops.kit import migrate, timescale
from shelfops.kit.db import create_engine
from tests.conftest import PG_ADMIN_DSN, _pg_url

TIMESCALE_DSN = os.environ.get("SHELFOPS_TEST_TIMESCALE_DSN", PG_ADMIN_DSN)
LOGGER = "shelfops.kit.timescale"
T = TypeVar("T")


def _timescale_on(dsn: str) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
        ).fetchone()
    return row is not None


async def _owner_read(settings: Settings, fn: Callable[[Connection], T]) -> T:
    engine = create_engine(settings, url=settings.resolved_migration_url, as_app_role=False)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


# --- (a) without the extension: the same plain schema, and a log line saying so ----------


async def test_without_timescaledb_tables_stay_plain_and_the_log_says_so(
    empty_database: Settings, backend: str, caplog: pytest.LogCaptureFixture
) -> None:
    if backend == "postgres" and _timescale_on(PG_ADMIN_DSN):
        pytest.skip("this PostgreSQL has TimescaleDB; the hypertable test covers it")
    caplog.set_level(logging.INFO, logger=LOGGER)

    await migrate.upgrade(empty_database)

    assert timescale.NOT_AVAILABLE in [r.getMessage() for r in caplog.records]
    assert timescale.NOT_AVAILABLE == "TimescaleDB not available; tables stay plain"

    def _read(sync: Connection) -> dict[str, object]:
        found: dict[str, object] = {
            "pk": inspect(sync).get_pk_constraint("demand_forecasts")["constrained_columns"]
        }
        if sync.dialect.name == "postgresql":
            found["extensions"] = sync.execute(
                text("SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")
            ).scalar_one()
            found["schemas"] = sync.execute(
                text(
                    "SELECT count(*) FROM pg_namespace "
                    "WHERE nspname = :chunks OR nspname LIKE '\\_timescaledb%'"
                ),
                {"chunks": timescale.CHUNK_SCHEMA},
            ).scalar_one()
        return found

    found = await _owner_read(empty_database, _read)
    assert found["pk"] == ["forecast_id"]  # the model's key, unchanged
    if backend == "postgres":
        assert found["extensions"] == 0
        assert found["schemas"] == 0


# --- (b) the SQL the TimescaleDB path runs, from settings --------------------------------


def _settings(**values: int) -> Settings:
    return Settings(env=Environment.TEST, **values)  # type: ignore[arg-type]


def test_hypertables_are_partitioned_by_date_into_the_chunk_schema() -> None:
    settings = _settings(timescale_chunk_days=7)
    statements = [
        timescale.hypertable_statement(t, settings) for t in timescale.series_tables(settings)
    ]
    assert statements == [
        "SELECT create_hypertable('sales', 'sale_date', chunk_time_interval => "
        "INTERVAL '7 days', associated_schema_name => 'shelfops_chunks', "
        "create_default_indexes => false, if_not_exists => true, migrate_data => true)",
        "SELECT create_hypertable('inventory_snapshots', 'snapshot_date', chunk_time_interval => "
        "INTERVAL '7 days', associated_schema_name => 'shelfops_chunks', "
        "create_default_indexes => false, if_not_exists => true, migrate_data => true)",
        "SELECT create_hypertable('demand_forecasts', 'forecast_date', chunk_time_interval => "
        "INTERVAL '7 days', associated_schema_name => 'shelfops_chunks', "
        "create_default_indexes => false, if_not_exists => true, migrate_data => true)",
    ]


def test_the_chunk_schema_is_closed_and_forecasts_get_a_key_with_their_date() -> None:
    prepare = timescale.prepare_statements()
    assert prepare[:2] == [
        "CREATE SCHEMA IF NOT EXISTS shelfops_chunks",
        "REVOKE ALL ON SCHEMA shelfops_chunks FROM PUBLIC",
    ]
    assert "PRIMARY KEY (forecast_id, forecast_date)" in prepare[2]
    assert "DROP CONSTRAINT pk_demand_forecasts" in prepare[2]


async def test_preparation_runs_on_postgresql_and_can_run_again(
    empty_database: Settings, backend: str
) -> None:
    """The statements that prepare the tables need no TimescaleDB, so they are run for
    real: the forecasts' key gains its date, and a second run (upgrade after a
    downgrade) changes nothing."""
    if backend != "postgres":
        pytest.skip("hypertables exist only on PostgreSQL")
    await migrate.upgrade(empty_database)

    def _prepare_twice(sync: Connection) -> list[list[str]]:
        keys = []
        for _ in range(2):
            for statement in timescale.prepare_statements():
                sync.execute(text(statement))
            keys.append(inspect(sync).get_pk_constraint("demand_forecasts")["constrained_columns"])
        return keys

    engine = create_engine(
        empty_database, url=empty_database.resolved_migration_url, as_app_role=False
    )
    try:
        async with engine.begin() as connection:
            keys = await connection.run_sync(_prepare_twice)
    finally:
        await engine.dispose()
    assert keys == [["forecast_id", "forecast_date"]] * 2


def test_compression_segments_by_tenant_and_store_and_orders_by_date() -> None:
    settings = _settings(timescale_compress_after_days=60)
    sales, _, forecasts = timescale.series_tables(settings)
    assert timescale.compression_statements(sales, settings) == [
        "ALTER TABLE sales SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'customer_id, store_id', "
        "timescaledb.compress_orderby = 'product_id, sale_date DESC')",
        "SELECT add_compression_policy('sales', compress_after => INTERVAL '60 days', "
        "if_not_exists => true)",
    ]
    assert timescale.compression_statements(forecasts, settings)[0] == (
        "ALTER TABLE demand_forecasts SET (timescaledb.compress, "
        "timescaledb.compress_segmentby = 'customer_id, store_id', "
        "timescaledb.compress_orderby = 'product_id, forecast_date DESC, issue_date DESC')"
    )
    off = _settings(timescale_compress_after_days=0)
    assert timescale.compression_statements(sales, off) == []


def test_retention_keeps_sales_by_default_and_drops_old_forecasts() -> None:
    defaults = _settings()
    sales, inventory, forecasts = timescale.series_tables(defaults)
    assert timescale.retention_statements(sales) == []
    assert timescale.retention_statements(inventory) == []
    assert timescale.retention_statements(forecasts) == [
        "SELECT add_retention_policy('demand_forecasts', drop_after => INTERVAL '730 days', "
        "if_not_exists => true)"
    ]
    custom = _settings(
        timescale_sales_retention_days=1000,
        timescale_inventory_retention_days=90,
        timescale_forecast_retention_days=0,
    )
    sales, inventory, forecasts = timescale.series_tables(custom)
    assert timescale.retention_statements(sales) == [
        "SELECT add_retention_policy('sales', drop_after => INTERVAL '1000 days', "
        "if_not_exists => true)"
    ]
    assert timescale.retention_statements(inventory) == [
        "SELECT add_retention_policy('inventory_snapshots', drop_after => INTERVAL '90 days', "
        "if_not_exists => true)"
    ]
    assert timescale.retention_statements(forecasts) == []


def test_downgrade_removes_policies_and_decompresses_only_compressed_tables() -> None:
    sales = timescale.series_tables(_settings())[0]
    assert timescale.removal_statements(sales, compressed=False) == [
        "SELECT remove_retention_policy('sales', if_exists => true)",
        "SELECT remove_compression_policy('sales', if_exists => true)",
    ]
    assert timescale.removal_statements(sales, compressed=True)[2:] == [
        "SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('sales') c",
        "ALTER TABLE sales SET (timescaledb.compress = false)",
    ]


def test_sales_retention_shorter_than_the_training_history_is_refused() -> None:
    with pytest.raises(ValidationError, match="SHELFOPS_TIMESCALE_SALES_RETENTION_DAYS=365"):
        _settings(timescale_sales_retention_days=365, retrain_history_days=730)
    assert _settings(timescale_sales_retention_days=730).timescale_sales_retention_days == 730


# --- (c) on a server with TimescaleDB ------------------------------------------------------


@pytest.fixture
def timescale_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A fresh database on a TimescaleDB server, with the policies' settings in the
    environment (migrations read ``get_settings()``)."""
    try:
        available = _timescale_on(TIMESCALE_DSN)
    except psycopg.OperationalError as exc:
        pytest.skip(f"cannot reach SHELFOPS_TEST_TIMESCALE_DSN's server: {exc}")
    if not available:
        pytest.skip(
            "the PostgreSQL at SHELFOPS_TEST_TIMESCALE_DSN (default SHELFOPS_TEST_PG_DSN) has "
            "no timescaledb extension; point it at a TimescaleDB server to run this test"
        )
    for name, value in {
        "SHELFOPS_TIMESCALE_CHUNK_DAYS": "14",
        "SHELFOPS_TIMESCALE_COMPRESS_AFTER_DAYS": "60",
        "SHELFOPS_TIMESCALE_FORECAST_RETENTION_DAYS": "400",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    name = f"shelfops_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(TIMESCALE_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Settings(
            env=Environment.TEST, var_dir=tmp_path, database_url=_pg_url(TIMESCALE_DSN, name)
        )
    finally:
        get_settings.cache_clear()
        with psycopg.connect(TIMESCALE_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _dsn(settings: Settings) -> str:
    return settings.resolved_database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def test_timescaledb_server_gets_hypertables_and_policies(
    timescale_database: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    tenant_a, tenant_b = str(uuid.uuid4()), str(uuid.uuid4())
    await migrate.upgrade(timescale_database, "0005")
    dsn, role = _dsn(timescale_database), timescale_database.db_app_role
    with psycopg.connect(dsn) as owner:  # rows from before 0006 move into chunks
        owner.execute(
            "INSERT INTO sales (customer_id, store_id, product_id, sale_date, quantity,"
            " unit_price, promo_flag, discount_pct) VALUES"
            " (%s, 1, 1, DATE '2026-01-05', 3, 2.5, false, 0),"
            " (%s, 1, 1, DATE '2026-01-05', 4, 2.5, false, 0)",
            (tenant_a, tenant_b),
        )
    await migrate.upgrade(timescale_database)

    with psycopg.connect(dsn, autocommit=True) as owner:
        hypertables: dict[str, bool] = dict(
            owner.execute(
                "SELECT hypertable_name, compression_enabled"
                " FROM timescaledb_information.hypertables"
            ).fetchall()
        )
        intervals = set(
            owner.execute(
                "SELECT DISTINCT time_interval FROM timescaledb_information.dimensions"
            ).fetchall()
        )
        chunk_schemas = {
            r[0] for r in owner.execute("SELECT chunk_schema FROM timescaledb_information.chunks")
        }
        jobs = {
            (r[0], r[1]): r[2]
            for r in owner.execute(
                "SELECT hypertable_name, proc_name, config FROM timescaledb_information.jobs"
                " WHERE hypertable_name IS NOT NULL"
            )
        }
        rls: dict[str, bool] = dict(
            owner.execute(
                "SELECT relname, relrowsecurity FROM pg_class"
                " WHERE relname IN ('sales', 'inventory_snapshots', 'demand_forecasts')"
            ).fetchall()
        )
        chunk = owner.execute(
            "SELECT chunk_schema || '.' || chunk_name FROM timescaledb_information.chunks"
            " WHERE hypertable_name = 'sales' LIMIT 1"
        ).fetchone()
    assert set(hypertables) == {"sales", "inventory_snapshots", "demand_forecasts"}
    assert intervals == {(dt.timedelta(days=14),)}
    assert chunk_schemas == {timescale.CHUNK_SCHEMA}
    assert jobs[("demand_forecasts", "policy_retention")]["drop_after"] == "400 days"
    assert ("sales", "policy_retention") not in jobs  # sales history is kept for training
    assert all(rls.values()), rls  # tenant isolation is still on
    for table, enabled in hypertables.items():
        if enabled:
            assert jobs[(table, "policy_compression")]["compress_after"] == "60 days"
        else:  # refused because of row-level security: said in the log
            assert any(f"refused compression on {table}" in r.getMessage() for r in caplog.records)

    # The application role sees only its tenant through the hypertable, writes new chunks
    # through it, and cannot name a chunk to get around the tenant policy.
    with psycopg.connect(dsn) as app:
        app.execute(f'SET ROLE "{role}"')
        app.execute("SELECT set_config('app.current_customer_id', %s, false)", (tenant_a,))
        app.execute(
            "INSERT INTO sales (customer_id, store_id, product_id, sale_date, quantity,"
            " unit_price, promo_flag, discount_pct) VALUES (%s, 1, 1, DATE '2026-06-01',"
            " 5, 2.5, false, 0) ON CONFLICT (customer_id, store_id, product_id, sale_date)"
            " DO UPDATE SET quantity = excluded.quantity",
            (tenant_a,),
        )
        assert app.execute("SELECT DISTINCT customer_id::text FROM sales").fetchall() == [
            (tenant_a,)
        ]
        assert app.execute("SELECT count(*) FROM sales").fetchone() == (2,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(
                "INSERT INTO sales (customer_id, store_id, product_id, sale_date, quantity,"
                " unit_price, promo_flag, discount_pct) VALUES (%s, 1, 2, DATE '2026-06-01',"
                " 1, 1, false, 0)",
                (tenant_b,),
            )
        app.rollback()
        app.execute(f'SET ROLE "{role}"')
        assert chunk is not None
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute(f"SELECT count(*) FROM {chunk[0]}")

    # Below 0006: the policies go, the hypertables stay; up again: the policies return.
    await migrate.downgrade(timescale_database, "0005")
    with psycopg.connect(dsn, autocommit=True) as owner:
        left = owner.execute(
            "SELECT count(*) FROM timescaledb_information.jobs WHERE hypertable_name IS NOT NULL"
        ).fetchone()
    assert left == (0,)
    await migrate.upgrade(timescale_database)
    with psycopg.connect(dsn, autocommit=True) as owner:
        back = owner.execute(
            "SELECT count(*) FROM timescaledb_information.jobs"
            " WHERE hypertable_name = 'demand_forecasts' AND proc_name = 'policy_retention'"
        ).fetchone()
    assert back == (1,)
