"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('active', 'trial', 'suspended')", name=op.f("ck_customers_status_valid")
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customers")),
        sa.UniqueConstraint("slug", name=op.f("uq_customers_slug")),
    )
    op.create_table(
        "api_keys",
        sa.Column("api_key_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "role IN ('viewer', 'planner', 'ml_manager', 'admin')",
            name=op.f("ck_api_keys_role_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_api_keys_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("api_key_id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_customer_id"), "api_keys", ["customer_id"], unique=False)

    op.create_table(
        "integration_sync_log",
        sa.Column("sync_id", sa.Uuid(), nullable=False),
        sa.Column("integration_type", sa.String(length=32), nullable=False),
        sa.Column("integration_name", sa.String(length=200), nullable=False),
        sa.Column("sync_type", sa.String(length=32), nullable=False),
        sa.Column("sync_status", sa.String(length=16), nullable=False),
        sa.Column("records_received", sa.Integer(), nullable=False),
        sa.Column("records_synced", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column(
            "sync_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "sync_status IN ('running', 'success', 'failed', 'rejected')",
            name=op.f("ck_integration_sync_log_sync_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_integration_sync_log_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sync_id", name=op.f("pk_integration_sync_log")),
    )
    op.create_index(
        "ix_integration_sync_log_customer_started",
        "integration_sync_log",
        ["customer_id", "started_at"],
        unique=False,
    )

    op.create_table(
        "ml_alerts",
        sa.Column("ml_alert_id", sa.Uuid(), nullable=False),
        sa.Column("alert_type", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "alert_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("action_url", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actioned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actioned_by", sa.String(length=200), nullable=True),
        sa.Column("action_notes", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('info', 'warning', 'critical')", name=op.f("ck_ml_alerts_severity_valid")
        ),
        sa.CheckConstraint(
            "status IN ('unread', 'read', 'actioned', 'dismissed')",
            name=op.f("ck_ml_alerts_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_ml_alerts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ml_alert_id", name=op.f("pk_ml_alerts")),
    )
    op.create_index(
        "ix_ml_alerts_customer_status", "ml_alerts", ["customer_id", "status"], unique=False
    )

    op.create_table(
        "model_experiments",
        sa.Column("experiment_id", sa.Uuid(), nullable=False),
        sa.Column("experiment_name", sa.String(length=200), nullable=False),
        sa.Column("hypothesis", sa.Text(), nullable=False),
        sa.Column("experiment_type", sa.String(length=64), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("approval_rationale", sa.Text(), nullable=True),
        sa.Column("baseline_version", sa.String(length=32), nullable=True),
        sa.Column("experimental_version", sa.String(length=32), nullable=True),
        sa.Column(
            "results",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("decision_rationale", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'in_progress', 'shadow_testing', 'completed')",
            name=op.f("ck_model_experiments_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_model_experiments_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("experiment_id", name=op.f("pk_model_experiments")),
    )
    op.create_index(
        "ix_model_experiments_customer_status",
        "model_experiments",
        ["customer_id", "status"],
        unique=False,
    )

    op.create_table(
        "model_retraining_log",
        sa.Column("retrain_id", sa.Uuid(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("trigger_type", sa.String(length=32), nullable=False),
        sa.Column(
            "trigger_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("version_produced", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('running', 'completed', 'failed', 'skipped')",
            name=op.f("ck_model_retraining_log_status_valid"),
        ),
        sa.CheckConstraint(
            "trigger_type IN ('scheduled', 'manual', 'drift_detected', 'new_data')",
            name=op.f("ck_model_retraining_log_trigger_type_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_model_retraining_log_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("retrain_id", name=op.f("pk_model_retraining_log")),
    )
    op.create_index(
        "ix_model_retraining_log_customer_started",
        "model_retraining_log",
        ["customer_id", "started_at"],
        unique=False,
    )

    op.create_table(
        "model_versions",
        sa.Column("model_id", sa.Uuid(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("feature_tier", sa.String(length=32), nullable=True),
        sa.Column("dataset", sa.String(length=100), nullable=True),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "params",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("artifact_path", sa.Text(), nullable=True),
        sa.Column("mlflow_run_id", sa.String(length=64), nullable=True),
        sa.Column("training_window_start", sa.Date(), nullable=True),
        sa.Column("training_window_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "promotion_decision",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('candidate', 'champion', 'challenger', 'shadow', 'archived')",
            name=op.f("ck_model_versions_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_model_versions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint(
            "customer_id",
            "model_name",
            "version",
            name=op.f("uq_model_versions_customer_id_model_name_version"),
        ),
    )
    op.create_index(
        "ix_model_versions_customer_model_status",
        "model_versions",
        ["customer_id", "model_name", "status"],
        unique=False,
    )

    op.create_table(
        "stores",
        sa.Column(
            "store_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_stores_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("store_id", name=op.f("pk_stores")),
        sa.UniqueConstraint(
            "customer_id", "store_code", name=op.f("uq_stores_customer_id_store_code")
        ),
    )
    op.create_table(
        "suppliers",
        sa.Column(
            "supplier_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("supplier_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_time_days", sa.Float(), nullable=False),
        sa.Column("lead_time_std_days", sa.Float(), nullable=False),
        sa.Column("min_order_qty", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "lead_time_days >= 0 AND lead_time_std_days >= 0", name=op.f("ck_suppliers_lead_time")
        ),
        sa.CheckConstraint("min_order_qty >= 0", name=op.f("ck_suppliers_min_order_qty")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_suppliers_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("supplier_id", name=op.f("pk_suppliers")),
        sa.UniqueConstraint(
            "customer_id", "supplier_code", name=op.f("uq_suppliers_customer_id_supplier_code")
        ),
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "audit_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("actor_api_key_id", sa.Uuid(), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=100), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=False),
        sa.Column("resource_id", sa.String(length=100), nullable=True),
        sa.Column(
            "before",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "after",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_api_key_id"],
            ["api_keys.api_key_id"],
            name=op.f("fk_audit_log_actor_api_key_id_api_keys"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_audit_log_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("audit_id", name=op.f("pk_audit_log")),
    )
    op.create_index(
        "ix_audit_log_customer_created", "audit_log", ["customer_id", "created_at"], unique=False
    )

    op.create_table(
        "backtest_results",
        sa.Column(
            "backtest_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("model_id", sa.Uuid(), nullable=True),
        sa.Column("model_version", sa.String(length=32), nullable=True),
        sa.Column("backtest_kind", sa.String(length=16), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("mae", sa.Float(), nullable=True),
        sa.Column("mape", sa.Float(), nullable=True),
        sa.Column("stockout_miss_rate", sa.Float(), nullable=True),
        sa.Column("overstock_rate", sa.Float(), nullable=True),
        sa.Column(
            "metrics",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_backtest_results_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["model_versions.model_id"],
            name=op.f("fk_backtest_results_model_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("backtest_id", name=op.f("pk_backtest_results")),
    )
    op.create_index(
        "ix_backtest_results_customer_forecast_date",
        "backtest_results",
        ["customer_id", "forecast_date"],
        unique=False,
    )
    op.create_index(
        op.f("ix_backtest_results_model_id"), "backtest_results", ["model_id"], unique=False
    )

    op.create_table(
        "products",
        sa.Column(
            "product_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("product_code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column(
            "supplier_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("unit_cost", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("launched_on", sa.Date(), nullable=True),
        sa.Column("discontinued_on", sa.Date(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("pack_size >= 1", name=op.f("ck_products_pack_size")),
        sa.CheckConstraint("unit_cost >= 0 AND unit_price >= 0", name=op.f("ck_products_money")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_products_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.supplier_id"],
            name=op.f("fk_products_supplier_id_suppliers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_products")),
        sa.UniqueConstraint(
            "customer_id", "product_code", name=op.f("uq_products_customer_id_product_code")
        ),
    )
    op.create_index(op.f("ix_products_supplier_id"), "products", ["supplier_id"], unique=False)

    op.create_table(
        "purchase_orders",
        sa.Column("po_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "supplier_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("order_date", sa.Date(), nullable=True),
        sa.Column("expected_delivery_date", sa.Date(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("total_cost", sa.Float(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "status IN ('suggested', 'approved', 'edited', 'rejected', 'received')",
            name=op.f("ck_purchase_orders_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_purchase_orders_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_purchase_orders_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["supplier_id"],
            ["suppliers.supplier_id"],
            name=op.f("fk_purchase_orders_supplier_id_suppliers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("po_id", name=op.f("pk_purchase_orders")),
    )
    op.create_index(
        "ix_purchase_orders_customer_status",
        "purchase_orders",
        ["customer_id", "status"],
        unique=False,
    )

    op.create_table(
        "alerts",
        sa.Column("alert_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("alert_type", sa.String(length=64), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column(
            "alert_metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'acknowledged', 'resolved', 'dismissed')",
            name=op.f("ck_alerts_status_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_alerts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_alerts_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_alerts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_customer_status", "alerts", ["customer_id", "status"], unique=False)

    op.create_table(
        "demand_forecasts",
        sa.Column(
            "forecast_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("forecasted_demand", sa.Float(), nullable=False),
        sa.Column("lower_bound", sa.Float(), nullable=True),
        sa.Column("upper_bound", sa.Float(), nullable=True),
        sa.Column(
            "quantiles",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_demand_forecasts_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_demand_forecasts_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_demand_forecasts_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forecast_id", name=op.f("pk_demand_forecasts")),
        sa.UniqueConstraint(
            "store_id",
            "product_id",
            "forecast_date",
            "issue_date",
            "model_version",
            name=op.f(
                "uq_demand_forecasts_store_id_product_id_forecast_date_issue_date_model_version"
            ),
        ),
    )
    op.create_index(
        "ix_demand_forecasts_customer_forecast_date",
        "demand_forecasts",
        ["customer_id", "forecast_date"],
        unique=False,
    )

    op.create_table(
        "forecast_accuracy",
        sa.Column(
            "accuracy_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("model_version", sa.String(length=32), nullable=False),
        sa.Column("forecasted_demand", sa.Float(), nullable=False),
        sa.Column("actual_demand", sa.Float(), nullable=False),
        sa.Column("absolute_error", sa.Float(), nullable=False),
        sa.Column("percentage_error", sa.Float(), nullable=True),
        sa.Column("within_interval", sa.Boolean(), nullable=True),
        sa.Column("stockout", sa.Boolean(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_forecast_accuracy_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_forecast_accuracy_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_forecast_accuracy_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("accuracy_id", name=op.f("pk_forecast_accuracy")),
        sa.UniqueConstraint(
            "store_id",
            "product_id",
            "forecast_date",
            "issue_date",
            "model_version",
            name=op.f(
                "uq_forecast_accuracy_store_id_product_id_forecast_date_issue_date_model_version"
            ),
        ),
    )
    op.create_index(
        "ix_forecast_accuracy_customer_forecast_date",
        "forecast_accuracy",
        ["customer_id", "forecast_date"],
        unique=False,
    )

    # The fact tables: one B-tree (the primary key, tenant first), a BRIN index on the
    # date, and no foreign keys (checked by ingestion; see models/sales.py).
    op.create_table(
        "inventory_snapshots",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("snapshot_date", sa.Date(), nullable=False),
        sa.Column("on_hand", sa.Float(), nullable=False),
        sa.Column("on_order", sa.Float(), nullable=False),
        sa.CheckConstraint(
            "on_hand >= 0 AND on_order >= 0", name=op.f("ck_inventory_snapshots_non_negative")
        ),
        sa.PrimaryKeyConstraint(
            "customer_id",
            "store_id",
            "product_id",
            "snapshot_date",
            name=op.f("pk_inventory_snapshots"),
        ),
    )
    op.create_index(
        "ix_inventory_snapshots_snapshot_date",
        "inventory_snapshots",
        ["snapshot_date"],
        unique=False,
        postgresql_using="brin",
    )

    op.create_table(
        "po_decisions",
        sa.Column(
            "decision_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("po_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('approved', 'edited', 'rejected', 'received')",
            name=op.f("ck_po_decisions_decision_valid"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_po_decisions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["purchase_orders.po_id"],
            name=op.f("fk_po_decisions_po_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_po_decisions")),
    )
    op.create_index(
        op.f("ix_po_decisions_customer_id"), "po_decisions", ["customer_id"], unique=False
    )
    op.create_index(op.f("ix_po_decisions_po_id"), "po_decisions", ["po_id"], unique=False)

    op.create_table(
        "purchase_order_lines",
        sa.Column(
            "line_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("po_id", sa.Uuid(), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("suggested_quantity", sa.Float(), nullable=True),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit_cost", sa.Float(), nullable=True),
        sa.Column("received_quantity", sa.Float(), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_purchase_order_lines_quantity")),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_purchase_order_lines_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["po_id"],
            ["purchase_orders.po_id"],
            name=op.f("fk_purchase_order_lines_po_id_purchase_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_purchase_order_lines_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_purchase_order_lines")),
        sa.UniqueConstraint(
            "po_id", "product_id", name=op.f("uq_purchase_order_lines_po_id_product_id")
        ),
    )
    op.create_index(
        op.f("ix_purchase_order_lines_customer_id"),
        "purchase_order_lines",
        ["customer_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_purchase_order_lines_po_id"), "purchase_order_lines", ["po_id"], unique=False
    )

    op.create_table(
        "reorder_policies",
        sa.Column(
            "policy_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("service_level", sa.Float(), nullable=False),
        sa.Column("service_level_kind", sa.String(length=16), nullable=False),
        sa.Column("service_level_overridden", sa.Boolean(), nullable=False),
        sa.Column("lead_time_days", sa.Float(), nullable=True),
        sa.Column("safety_stock", sa.Float(), nullable=True),
        sa.Column("reorder_point", sa.Float(), nullable=True),
        sa.Column("order_up_to", sa.Float(), nullable=True),
        sa.Column("economic_order_qty", sa.Float(), nullable=True),
        sa.Column("min_order_qty", sa.Integer(), nullable=True),
        sa.Column("pack_size", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(length=32), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "service_level > 0 AND service_level < 1",
            name=op.f("ck_reorder_policies_service_level"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_reorder_policies_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_reorder_policies_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_reorder_policies_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("policy_id", name=op.f("pk_reorder_policies")),
        sa.UniqueConstraint(
            "store_id", "product_id", name=op.f("uq_reorder_policies_store_id_product_id")
        ),
    )
    op.create_index(
        op.f("ix_reorder_policies_customer_id"), "reorder_policies", ["customer_id"], unique=False
    )

    # The fact tables: one B-tree (the primary key, tenant first), a BRIN index on the
    # date, and no foreign keys (checked by ingestion; see models/sales.py).
    op.create_table(
        "sales",
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.BigInteger(), nullable=False),
        sa.Column("product_id", sa.BigInteger(), nullable=False),
        sa.Column("sale_date", sa.Date(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit_price", sa.Float(), nullable=False),
        sa.Column("promo_flag", sa.Boolean(), nullable=False),
        sa.Column("discount_pct", sa.Float(), nullable=False),
        sa.Column("on_hand_close", sa.Float(), nullable=True),
        sa.CheckConstraint(
            "discount_pct >= 0 AND discount_pct < 1", name=op.f("ck_sales_discount")
        ),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_sales_quantity")),
        sa.PrimaryKeyConstraint(
            "customer_id", "store_id", "product_id", "sale_date", name=op.f("pk_sales")
        ),
    )
    op.create_index(
        "ix_sales_sale_date", "sales", ["sale_date"], unique=False, postgresql_using="brin"
    )

    op.create_table(
        "shadow_predictions",
        sa.Column(
            "shadow_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("model_name", sa.String(length=100), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=False),
        sa.Column("forecast_date", sa.Date(), nullable=False),
        sa.Column("champion_version", sa.String(length=32), nullable=False),
        sa.Column("challenger_version", sa.String(length=32), nullable=False),
        sa.Column("champion_prediction", sa.Float(), nullable=False),
        sa.Column("challenger_prediction", sa.Float(), nullable=False),
        sa.Column("actual_demand", sa.Float(), nullable=True),
        sa.Column("champion_error", sa.Float(), nullable=True),
        sa.Column("challenger_error", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.customer_id"],
            name=op.f("fk_shadow_predictions_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.product_id"],
            name=op.f("fk_shadow_predictions_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.store_id"],
            name=op.f("fk_shadow_predictions_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("shadow_id", name=op.f("pk_shadow_predictions")),
        sa.UniqueConstraint(
            "store_id",
            "product_id",
            "forecast_date",
            "issue_date",
            "challenger_version",
            name=op.f(
                "uq_shadow_predictions_store_id_product_id_forecast_date_issue_date_challenger_version"
            ),
        ),
    )
    op.create_index(
        "ix_shadow_predictions_customer_forecast_date",
        "shadow_predictions",
        ["customer_id", "forecast_date"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_shadow_predictions_customer_forecast_date", table_name="shadow_predictions")

    op.drop_table("shadow_predictions")
    op.drop_index("ix_sales_sale_date", table_name="sales")

    op.drop_table("sales")
    op.drop_index(op.f("ix_reorder_policies_customer_id"), table_name="reorder_policies")

    op.drop_table("reorder_policies")
    op.drop_index(op.f("ix_purchase_order_lines_po_id"), table_name="purchase_order_lines")
    op.drop_index(op.f("ix_purchase_order_lines_customer_id"), table_name="purchase_order_lines")

    op.drop_table("purchase_order_lines")
    op.drop_index(op.f("ix_po_decisions_po_id"), table_name="po_decisions")
    op.drop_index(op.f("ix_po_decisions_customer_id"), table_name="po_decisions")

    op.drop_table("po_decisions")
    op.drop_index("ix_inventory_snapshots_snapshot_date", table_name="inventory_snapshots")

    op.drop_table("inventory_snapshots")
    op.drop_index("ix_forecast_accuracy_customer_forecast_date", table_name="forecast_accuracy")

    op.drop_table("forecast_accuracy")
    op.drop_index("ix_demand_forecasts_customer_forecast_date", table_name="demand_forecasts")

    op.drop_table("demand_forecasts")
    op.drop_index("ix_alerts_customer_status", table_name="alerts")

    op.drop_table("alerts")
    op.drop_index("ix_purchase_orders_customer_status", table_name="purchase_orders")

    op.drop_table("purchase_orders")
    op.drop_index(op.f("ix_products_supplier_id"), table_name="products")

    op.drop_table("products")
    op.drop_index(op.f("ix_backtest_results_model_id"), table_name="backtest_results")
    op.drop_index("ix_backtest_results_customer_forecast_date", table_name="backtest_results")

    op.drop_table("backtest_results")
    op.drop_index("ix_audit_log_customer_created", table_name="audit_log")

    op.drop_table("audit_log")
    op.drop_table("suppliers")
    op.drop_table("stores")
    op.drop_index("ix_model_versions_customer_model_status", table_name="model_versions")

    op.drop_table("model_versions")
    op.drop_index("ix_model_retraining_log_customer_started", table_name="model_retraining_log")

    op.drop_table("model_retraining_log")
    op.drop_index("ix_model_experiments_customer_status", table_name="model_experiments")

    op.drop_table("model_experiments")
    op.drop_index("ix_ml_alerts_customer_status", table_name="ml_alerts")

    op.drop_table("ml_alerts")
    op.drop_index("ix_integration_sync_log_customer_started", table_name="integration_sync_log")

    op.drop_table("integration_sync_log")
    op.drop_index(op.f("ix_api_keys_customer_id"), table_name="api_keys")

    op.drop_table("api_keys")
    op.drop_table("customers")
