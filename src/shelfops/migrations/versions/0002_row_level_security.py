"""Row-level security: the application role and one tenant policy per table.

On PostgreSQL the application acts as a role that is neither superuser nor table owner,
so the policies below bind it: a row is visible and writable only when its customer_id
equals the transaction's ``app.current_customer_id`` (set by ``shelfops.kit.db``). An
unset tenant sees nothing. SQLite has no RLS; there the services' own tenant filters hold.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

from shelfops.config import get_settings

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "customer_id = NULLIF(current_setting('app.current_customer_id', true), '')::uuid"
)
# Tables as of this revision (frozen here on purpose); later migrations add their own.
TABLES = [
    "customers",
    "alerts",
    "api_keys",
    "audit_log",
    "backtest_results",
    "demand_forecasts",
    "forecast_accuracy",
    "integration_sync_log",
    "inventory_snapshots",
    "ml_alerts",
    "model_experiments",
    "model_retraining_log",
    "model_versions",
    "po_decisions",
    "products",
    "purchase_order_lines",
    "purchase_orders",
    "reorder_policies",
    "sales",
    "shadow_predictions",
    "stores",
    "suppliers",
]


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if not _is_postgres():
        return
    role = get_settings().db_app_role
    # Roles are cluster-wide; another database (or a parallel test run) may have made it.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        """
    )
    # A non-superuser schema owner must be a member to SET ROLE to the app role.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
               AND NOT pg_has_role(current_user, '{role}', 'MEMBER') THEN
                EXECUTE 'GRANT "{role}" TO ' || quote_ident(current_user);
            END IF;
        END $$;
        """
    )
    op.execute(f'GRANT USAGE ON SCHEMA public TO "{role}"')
    op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"')
    op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')
    op.execute(f'REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM "{role}"')
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "{role}"'
    )
    op.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "{role}"'
    )
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {table} "
            f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )


def downgrade() -> None:
    if not _is_postgres():
        return
    role = get_settings().db_app_role
    for table in TABLES:
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f'REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM "{role}"'
    )
    op.execute(
        f'ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM "{role}"'
    )
    op.execute(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"')
    op.execute(f'REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}"')
    op.execute(f'REVOKE USAGE ON SCHEMA public FROM "{role}"')
