"""Governance loop: the decision log, the per-tenant retrain lock, open-alert dedupe.

* ``model_decisions`` records every promotion-gate verdict and every human promotion,
  rollback, shadowing and archiving, with its inputs and reasons (``/models/history``).
* A partial unique index on ``model_retraining_log`` allows one ``running`` retrain per
  tenant and model: the database itself refuses a second concurrent retrain.
* ``ml_alerts.dedupe_key`` with a partial unique index over open alerts (unread or read):
  a drift alert is never raised twice while one is open.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shelfops.config import get_settings

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "customer_id = NULLIF(current_setting('app.current_customer_id', true), '')::uuid"
)
RUNNING = sa.text("status = 'running'")
OPEN_WITH_KEY = sa.text("status IN ('unread', 'read') AND dedupe_key IS NOT NULL")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "model_decisions",
        sa.Column("decision_id", sa.Uuid(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("status_after", sa.String(length=16), nullable=False),
        sa.Column("previous_champion", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("trigger_type", sa.String(length=32), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("inputs", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "action IN ('promoted', 'kept_as_challenger', 'rejected', 'shadowed', 'archived', "
            "'rolled_back')",
            name=op.f("ck_model_decisions_action_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_model_decisions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_model_decisions")),
    )
    op.create_index(
        "ix_model_decisions_customer_created",
        "model_decisions",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "uq_model_retraining_log_running",
        "model_retraining_log",
        ["customer_id", "model_name"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.add_column("ml_alerts", sa.Column("dedupe_key", sa.String(length=200), nullable=True))
    op.create_index(
        "uq_ml_alerts_open_dedupe_key",
        "ml_alerts",
        ["customer_id", "dedupe_key"],
        unique=True,
        sqlite_where=OPEN_WITH_KEY,
        postgresql_where=OPEN_WITH_KEY,
    )
    if op.get_bind().dialect.name == "postgresql":
        # Privileges come from migration 0002's default privileges; the policy is per table.
        op.execute("ALTER TABLE model_decisions ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON model_decisions "
            f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        role = get_settings().db_app_role
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON model_decisions TO "{role}"')


def downgrade() -> None:
    op.drop_index("uq_ml_alerts_open_dedupe_key", table_name="ml_alerts")
    with op.batch_alter_table("ml_alerts") as batch:
        batch.drop_column("dedupe_key")
    op.drop_index("uq_model_retraining_log_running", table_name="model_retraining_log")
    op.drop_index("ix_model_decisions_customer_created", table_name="model_decisions")
    op.drop_table("model_decisions")
