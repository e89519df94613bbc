"""One statement that binds the tenant and finds the API key (issue 8).

``shelfops_authenticate(tenant, digest)`` sets ``app.current_customer_id`` for the
transaction, as every transaction's first statement otherwise does, and then returns
the tenant's unrevoked key with that SHA-256 digest, provided the tenant is not
suspended. An API request so authenticates in one round trip instead of two.

The function is ``SECURITY INVOKER`` (the default): its query runs as the caller, under
the row-level security policies, and sees the tenant it has just set because PL/pgSQL
plans and runs each statement after the previous one. PostgreSQL only; on SQLite, which
has no tenant setting, the upgrade and downgrade do nothing.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Kept in sync with ``shelfops.kit.db.TENANT_SETTING`` and ``CustomerStatus.SUSPENDED``.
CREATE = """
CREATE FUNCTION shelfops_authenticate(tenant uuid, digest text)
RETURNS TABLE (api_key_id uuid, name varchar, role varchar, key_hash varchar)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM set_config('app.current_customer_id', tenant::text, true);
    RETURN QUERY
        SELECT k.api_key_id, k.name, k.role, k.key_hash
        FROM api_keys AS k
        JOIN customers AS c ON c.customer_id = k.customer_id
        WHERE k.customer_id = tenant
          AND k.key_hash = digest
          AND k.revoked_at IS NULL
          AND c.status <> 'suspended';
END
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION shelfops_authenticate(uuid, text)")
