"""Migrations run on both dialects: upgrade to head, down one step and up again."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker

from shelfops.config import Settings
from shelfops.kit import migrate
from shelfops.kit.db import create_engine
from shelfops.models import Base, Customer, Product, ServiceLevelTarget

HEAD = "0013"
# The revision one step below head.
BEFORE_HEAD = "0012"
# Tables the head revision creates (each with its own row-level security policy): 0013
# only adds two indexes.
TABLES_IN_HEAD = 0


async def _tables_and_head(settings: Settings) -> tuple[set[str], str | None]:
    engine = create_engine(settings, url=settings.resolved_migration_url, as_app_role=False)
    try:
        async with engine.connect() as connection:

            def _read(sync: Connection) -> tuple[set[str], str | None]:
                names = set(inspect(sync).get_table_names())
                head = None
                if "alembic_version" in names:
                    head = sync.execute(text("SELECT version_num FROM alembic_version")).scalar()
                return names, head

            return await connection.run_sync(_read)
    finally:
        await engine.dispose()


async def _policies(settings: Settings) -> int:
    engine = create_engine(settings, url=settings.resolved_migration_url, as_app_role=False)
    try:
        async with engine.connect() as connection:
            return int(
                (
                    await connection.execute(
                        text("SELECT count(*) FROM pg_policies WHERE policyname='tenant_isolation'")
                    )
                ).scalar_one()
            )
    finally:
        await engine.dispose()


async def test_upgrade_creates_every_table_then_downgrade_and_upgrade_again(
    empty_database: Settings, backend: str
) -> None:
    await migrate.upgrade(empty_database)
    tables, head = await _tables_and_head(empty_database)
    assert set(Base.metadata.tables) <= tables
    assert head == HEAD
    if backend == "postgres":
        assert await _policies(empty_database) == len(Base.metadata.tables)

    await migrate.downgrade(empty_database, "-1")
    _, head = await _tables_and_head(empty_database)
    assert head == BEFORE_HEAD
    if backend == "postgres":
        assert await _policies(empty_database) == len(Base.metadata.tables) - TABLES_IN_HEAD

    await migrate.upgrade(empty_database)
    _, head = await _tables_and_head(empty_database)
    assert head == HEAD
    if backend == "postgres":
        assert await _policies(empty_database) == len(Base.metadata.tables)


async def _index_definition(settings: Settings, index: str) -> str:
    engine = create_engine(settings, url=settings.resolved_migration_url, as_app_role=False)
    try:
        async with engine.connect() as connection:
            definition = await connection.execute(
                text("SELECT pg_get_indexdef(CAST(:index AS regclass))"), {"index": index}
            )
            return str(definition.scalar_one())
    finally:
        await engine.dispose()


async def test_value_sort_index_carries_on_hand_on_postgres(
    empty_database: Settings, backend: str
) -> None:
    """0012 adds ``INCLUDE (on_hand)`` (the value-sorted page's index-only scan); its
    downgrade builds the index as 0009 did."""
    if backend != "postgres":
        pytest.skip("INCLUDE columns are PostgreSQL's")
    index = "ix_reorder_policies_customer_id_product_id_stock_desc"
    await migrate.upgrade(empty_database)
    assert (await _index_definition(empty_database, index)).endswith(" INCLUDE (on_hand)")
    await migrate.downgrade(empty_database, "0011")
    assert "INCLUDE" not in await _index_definition(empty_database, index)
    await migrate.upgrade(empty_database)
    assert (await _index_definition(empty_database, index)).endswith(" INCLUDE (on_hand)")


async def test_0013_keeps_the_newest_target_per_scope_and_refuses_another(
    empty_database: Settings,
) -> None:
    """Duplicate service-level targets stored before 0013 (the unique constraint let them
    through, as NULLs are never equal) are reduced to the newest per scope; afterwards a
    second target for the same category or product is refused by the database."""
    await migrate.upgrade(empty_database, "0012")
    engine = create_engine(
        empty_database, url=empty_database.resolved_migration_url, as_app_role=False
    )
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions.begin() as session:
            customer = Customer(name="Migrating", slug="migrating")
            session.add(customer)
            await session.flush()
            product = Product(
                customer_id=customer.customer_id,
                product_code="P1",
                name="Milk",
                category="Dairy",
                department="Grocery",
                unit_cost=1.0,
                unit_price=2.0,
            )
            session.add(product)
            await session.flush()
            for level in (0.9, 0.95, 0.97):
                session.add_all(
                    [
                        ServiceLevelTarget(
                            customer_id=customer.customer_id, category="Dairy", service_level=level
                        ),
                        ServiceLevelTarget(
                            customer_id=customer.customer_id,
                            product_id=product.product_id,
                            service_level=level,
                        ),
                    ]
                )
                await session.flush()
        await migrate.upgrade(empty_database)
        async with sessions() as session:
            kept = (await session.execute(select(ServiceLevelTarget))).scalars().all()
            by_scope = {(t.category, t.product_id): t.service_level for t in kept}
            assert len(kept) == 2
            assert by_scope == {("Dairy", None): 0.97, (None, product.product_id): 0.97}
        for duplicate in (
            {"category": "Dairy"},
            {"product_id": product.product_id},
        ):
            with pytest.raises(IntegrityError):
                async with sessions.begin() as session:
                    session.add(
                        ServiceLevelTarget(
                            customer_id=customer.customer_id, service_level=0.5, **duplicate
                        )
                    )
    finally:
        await engine.dispose()


async def test_downgrade_to_base_removes_every_table(empty_database: Settings) -> None:
    await migrate.upgrade(empty_database)
    await migrate.downgrade(empty_database, "base")
    tables, _ = await _tables_and_head(empty_database)
    assert not (set(Base.metadata.tables) & tables)


async def test_models_and_migrations_agree(migrated: Settings) -> None:
    """Alembic autogenerate finds nothing to do: the migrations build exactly the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = create_engine(migrated, url=migrated.resolved_migration_url, as_app_role=False)
    try:
        async with engine.connect() as connection:

            def _diff(sync: Connection) -> list[object]:
                context = MigrationContext.configure(sync, opts={"compare_type": True})
                return list(compare_metadata(context, Base.metadata))

            diff = await connection.run_sync(_diff)
    finally:
        await engine.dispose()
    assert diff == [], diff


SEED_TENANT = "00000000-0000-0000-0000-000000000001"

# The five queries of seed 003, verbatim.
SEED_003_QUERIES = {
    "retraining": """
SELECT
    model_name,
    trigger_type,
    version_produced,
    status,
    started_at,
    completed_at
FROM model_retraining_log
WHERE customer_id = '00000000-0000-0000-0000-000000000001'
ORDER BY started_at DESC
LIMIT 10;""",
    "champion": """
SELECT
    version,
    metrics->>'mae' AS mae,
    metrics->>'mape' AS mape,
    metrics->>'tier' AS tier,
    promoted_at
FROM model_versions
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND model_name = 'demand_forecast'
    AND status = 'champion';""",
    "backtest": """
SELECT
    forecast_date,
    mae,
    mape,
    stockout_miss_rate,
    overstock_rate
FROM backtest_results
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND forecast_date >= CURRENT_DATE - INTERVAL '30 days'
ORDER BY forecast_date ASC;""",
    "ml_alerts": """
SELECT
    alert_type,
    severity,
    title,
    message,
    action_url,
    created_at
FROM ml_alerts
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND status = 'unread'
ORDER BY severity DESC, created_at DESC;""",
    "experiments": """
SELECT
    experiment_name,
    hypothesis,
    status,
    proposed_by,
    approved_by,
    created_at
FROM model_experiments
WHERE
    customer_id = '00000000-0000-0000-0000-000000000001'
    AND status IN ('proposed', 'approved', 'in_progress', 'shadow_testing')
ORDER BY created_at DESC;""",
}

SEED_ROWS = f"""
INSERT INTO customers (customer_id, name, slug, status)
    VALUES ('{SEED_TENANT}', 'Seed', 'seed-003', 'active');
INSERT INTO model_retraining_log (retrain_id, customer_id, model_name, trigger_type, status,
    version_produced, started_at, completed_at)
    VALUES (gen_random_uuid(), '{SEED_TENANT}', 'demand_forecast', 'scheduled', 'completed',
    'v2', now() - interval '1 hour', now());
INSERT INTO model_versions (model_id, customer_id, model_name, version, status, metrics, params,
    created_at, promoted_at)
    VALUES (gen_random_uuid(), '{SEED_TENANT}', 'demand_forecast', 'v2', 'champion',
    '{{"mae": 12.3, "mape": 0.18, "tier": "cold_start"}}', '{{}}', now(), now());
INSERT INTO backtest_results (customer_id, backtest_kind, forecast_date, mae, mape,
    stockout_miss_rate, overstock_rate, evaluated_at)
    VALUES ('{SEED_TENANT}', 'daily', CURRENT_DATE - 1, 11.0, 0.2, 0.05, 0.1, now());
INSERT INTO ml_alerts (ml_alert_id, customer_id, alert_type, severity, title, message, status,
    created_at)
    VALUES (gen_random_uuid(), '{SEED_TENANT}', 'drift_detected', 'critical', 'Drift',
    'MAE up 20%', 'unread', now());
INSERT INTO model_experiments (experiment_id, customer_id, experiment_name, hypothesis,
    experiment_type, model_name, status, proposed_by, created_at)
    VALUES (gen_random_uuid(), '{SEED_TENANT}', 'Tiered', 'Better MAE', 'segmentation',
    'demand_forecast', 'proposed', 'jane@example.com', now());
"""


async def test_seed_003_sql_runs_verbatim_on_postgres(
    empty_database: Settings, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("seed 003's SQL is PostgreSQL SQL (->> and INTERVAL)")
    await migrate.upgrade(empty_database)
    engine = create_engine(
        empty_database, url=empty_database.resolved_migration_url, as_app_role=False
    )
    try:
        async with engine.begin() as connection:
            for statement in SEED_ROWS.strip().split(";\n"):
                await connection.execute(text(statement))
            results = {
                name: (await connection.execute(text(sql))).mappings().all()
                for name, sql in SEED_003_QUERIES.items()
            }
    finally:
        await engine.dispose()
    assert results["champion"][0]["mae"] == "12.3"
    assert results["champion"][0]["tier"] == "cold_start"
    assert results["retraining"][0]["version_produced"] == "v2"
    assert results["backtest"][0]["stockout_miss_rate"] == 0.05
    assert results["ml_alerts"][0]["severity"] == "critical"
    assert results["experiments"][0]["status"] == "proposed"
