"""Integration credentials: a tenant's SFTP passwords and private keys, stored only as
Fernet tokens (``shelfops.integrations.cipher``), under row-level security like every
tenant table.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shelfops.config import get_settings

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "customer_id = NULLIF(current_setting('app.current_customer_id', true), '')::uuid"
)
TABLE = "integration_credentials"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("credential_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('password', 'private_key')",
            name=op.f("ck_integration_credentials_kind_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_integration_credentials_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("credential_id", name=op.f("pk_integration_credentials")),
        sa.UniqueConstraint(
            "customer_id", "name", name=op.f("uq_integration_credentials_customer_id_name")
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        role = get_settings().db_app_role
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON {TABLE} "
            f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {TABLE} TO "{role}"')


def downgrade() -> None:
    op.drop_table(TABLE)
