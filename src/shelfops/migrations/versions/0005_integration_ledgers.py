"""Integrations: the ledger of fetched files (SFTP, EDI inbox) and of applied stream
events, so pollers and consumers never import the same thing twice.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shelfops.config import get_settings

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "customer_id = NULLIF(current_setting('app.current_customer_id', true), '')::uuid"
)
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TABLES = ("integration_files", "integration_events")


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["customer_id"],
        ["customers.customer_id"],
        name=op.f(f"fk_{table}_customer_id_customers"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "integration_files",
        sa.Column("file_id", sa.Uuid(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sync_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('imported', 'rejected', 'failed')",
            name=op.f("ck_integration_files_status_valid"),
        ),
        _tenant_fk("integration_files"),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_integration_files")),
        sa.UniqueConstraint(
            "customer_id",
            "source_name",
            "file_name",
            "content_sha256",
            name=op.f("uq_integration_files_customer_id_source_name_file_name_content_sha256"),
        ),
    )
    op.create_table(
        "integration_events",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("stream_entry_id", sa.String(length=64), nullable=True),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        _tenant_fk("integration_events"),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_integration_events")),
        sa.UniqueConstraint(
            "customer_id",
            "source_name",
            "event_id",
            name=op.f("uq_integration_events_customer_id_source_name_event_id"),
        ),
    )
    if op.get_bind().dialect.name == "postgresql":
        role = get_settings().db_app_role
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(
                f"CREATE POLICY {POLICY} ON {table} "
                f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
            )
            op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
