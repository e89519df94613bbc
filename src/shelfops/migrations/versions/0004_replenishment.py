"""Replenishment: policy state, category/product service-level targets, open-alert dedupe,
purchase-order numbers, reserved stock.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from shelfops.config import get_settings

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY = "tenant_isolation"
TENANT_PREDICATE = (
    "customer_id = NULLIF(current_setting('app.current_customer_id', true), '')::uuid"
)
OPEN_WITH_KEY = sa.text("status IN ('open', 'acknowledged') AND dedupe_key IS NOT NULL")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
POLICY_COLUMNS = [
    ("inventory_position", sa.Float()),
    ("lead_time_demand_mean", sa.Float()),
    ("lead_time_demand_std", sa.Float()),
    ("days_of_supply", sa.Float()),
    ("recommended_quantity", sa.Float()),
    ("stock_status", sa.String(length=16)),
    ("details", JSON),
]


def upgrade() -> None:
    op.create_table(
        "service_level_targets",
        sa.Column(
            "target_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
            autoincrement=True,
        ),
        sa.Column("category", sa.String(length=100), nullable=True),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("service_level", sa.Float(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "service_level > 0 AND service_level < 1",
            name=op.f("ck_service_level_targets_service_level"),
        ),
        sa.CheckConstraint(
            "category IS NOT NULL OR product_id IS NOT NULL",
            name=op.f("ck_service_level_targets_scope"),
        ),
        sa.CheckConstraint(
            "kind IN ('cycle', 'fill_rate')", name=op.f("ck_service_level_targets_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_service_level_targets_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_service_level_targets_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("target_id", name=op.f("pk_service_level_targets")),
        sa.UniqueConstraint(
            "customer_id",
            "category",
            "product_id",
            name=op.f("uq_service_level_targets_customer_id_category_product_id"),
        ),
    )
    op.create_index(
        op.f("ix_service_level_targets_customer_id"),
        "service_level_targets",
        ["customer_id"],
        unique=False,
    )
    with op.batch_alter_table("reorder_policies") as batch:
        for name, type_ in POLICY_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("inventory_snapshots") as batch:
        batch.add_column(sa.Column("reserved", sa.Float(), server_default="0", nullable=False))
    with op.batch_alter_table("purchase_orders") as batch:
        batch.add_column(sa.Column("po_number", sa.String(length=32), nullable=True))
        batch.create_unique_constraint(
            op.f("uq_purchase_orders_customer_id_po_number"), ["customer_id", "po_number"]
        )
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("dedupe_key", sa.String(length=200), nullable=True))
    op.create_index(
        "uq_alerts_open_dedupe_key",
        "alerts",
        ["customer_id", "dedupe_key"],
        unique=True,
        sqlite_where=OPEN_WITH_KEY,
        postgresql_where=OPEN_WITH_KEY,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE service_level_targets ENABLE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {POLICY} ON service_level_targets "
            f"USING ({TENANT_PREDICATE}) WITH CHECK ({TENANT_PREDICATE})"
        )
        role = get_settings().db_app_role
        op.execute(f'GRANT SELECT, INSERT, UPDATE, DELETE ON service_level_targets TO "{role}"')
        op.execute(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"')


def downgrade() -> None:
    op.drop_index("uq_alerts_open_dedupe_key", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("dedupe_key")
    with op.batch_alter_table("purchase_orders") as batch:
        batch.drop_constraint(op.f("uq_purchase_orders_customer_id_po_number"), type_="unique")
        batch.drop_column("po_number")
    with op.batch_alter_table("inventory_snapshots") as batch:
        batch.drop_column("reserved")
    with op.batch_alter_table("reorder_policies") as batch:
        for name, _ in reversed(POLICY_COLUMNS):
            batch.drop_column(name)
    op.drop_index(op.f("ix_service_level_targets_customer_id"), table_name="service_level_targets")
    op.drop_table("service_level_targets")
