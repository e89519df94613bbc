"""Reorder policies, purchase orders with their lines and decisions, and stock alerts."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Computed,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, TenantMixin, Timestamped, one_of, utcnow


class POStatus(StrEnum):
    """suggested → approved | edited | rejected → received."""

    SUGGESTED = "suggested"
    APPROVED = "approved"
    EDITED = "edited"
    REJECTED = "rejected"
    RECEIVED = "received"


class AlertStatus(StrEnum):
    """Stock alert status flow."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


#: How stock alerts are ranked, most severe first (``list_alerts`` sorts by it descending).
#: Plain SQL with literals, not bound parameters, so that PostgreSQL matches the query's
#: sort key to the expression of ``ix_alerts_customer_status_rank``.
SEVERITY_RANK_SQL = (
    "(\nCASE severity\n    WHEN 'critical' THEN 3\n    WHEN 'warning' THEN 2\n"
    "    WHEN 'info' THEN 1\n    ELSE 0\nEND)"
)


#: ``reorder_policies.on_hand``: the number at ``details.on_hand`` (NULL when absent), the
#: same expression on PostgreSQL (jsonb) and SQLite (3.38+, which has ``->>``).
ON_HAND_SQL = "CAST(details ->> 'on_hand' AS FLOAT)"
#: The on hand a value sort orders by (no count values as zero), highest first.
STOCK_DESC_SQL = "coalesce(on_hand, 0.0) DESC"


class ReorderPolicy(TenantMixin, Timestamped, Base):
    """The current replenishment parameters of one store × product."""

    __tablename__ = "reorder_policies"
    __table_args__ = (
        UniqueConstraint("store_id", "product_id"),
        CheckConstraint("service_level > 0 AND service_level < 1", name="service_level"),
        # The inventory list's default order (fewest days of supply first, nulls last,
        # then policy id): a page is the first rows of this index, not a sort of the
        # tenant's million policies.
        Index(
            "ix_reorder_policies_customer_id_days_of_supply",
            "customer_id",
            "days_of_supply",
            "policy_id",
        ),
        # The same order within one store, the dashboard's most frequent inventory page.
        Index(
            "ix_reorder_policies_customer_id_store_id_days_of_supply",
            "customer_id",
            "store_id",
            "days_of_supply",
            "policy_id",
        ),
        # The inventory list by category and on-hand value: the category's products'
        # policies with their on-hand, read from the index alone (value = on hand × the
        # product's unit cost).
        Index(
            "ix_reorder_policies_customer_id_product_id_on_hand",
            "customer_id",
            "product_id",
            "on_hand",
            "policy_id",
        ),
        # The inventory list by on-hand value, highest first: each product's policies in
        # that order (value = on hand × the product's one unit cost), so a page takes the
        # first rows of each product instead of sorting all of them. On PostgreSQL it
        # carries ``on_hand`` too, so those rows come from the index alone (migration 0012).
        Index(
            "ix_reorder_policies_customer_id_product_id_stock_desc",
            "customer_id",
            "product_id",
            text(STOCK_DESC_SQL),
            "policy_id",
            postgresql_include=["on_hand"],
        ),
    )

    policy_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.product_id", ondelete="CASCADE"))
    service_level: Mapped[float] = mapped_column(Float, default=0.95)
    service_level_kind: Mapped[str] = mapped_column(String(16), default="cycle")
    service_level_overridden: Mapped[bool] = mapped_column(default=False)
    lead_time_days: Mapped[float | None] = mapped_column(Float)
    safety_stock: Mapped[float | None] = mapped_column(Float)
    reorder_point: Mapped[float | None] = mapped_column(Float)
    order_up_to: Mapped[float | None] = mapped_column(Float)
    economic_order_qty: Mapped[float | None] = mapped_column(Float)
    min_order_qty: Mapped[int | None]
    pack_size: Mapped[int | None]
    model_version: Mapped[str | None] = mapped_column(String(32))
    computed_at: Mapped[dt.datetime | None]
    # The state the policy was computed from and what it recommends (inventory list).
    inventory_position: Mapped[float | None] = mapped_column(Float)
    lead_time_demand_mean: Mapped[float | None] = mapped_column(Float)
    lead_time_demand_std: Mapped[float | None] = mapped_column(Float)
    days_of_supply: Mapped[float | None] = mapped_column(Float)
    recommended_quantity: Mapped[float | None] = mapped_column(Float)
    stock_status: Mapped[str | None] = mapped_column(String(16))
    # Inputs and intermediate numbers of the computation (for explanations).
    details: Mapped[dict[str, Any] | None]
    # ``details.on_hand`` as a column the database keeps in step (never written by us),
    # so the inventory list can sort by on-hand value from an index.
    on_hand: Mapped[float | None] = mapped_column(Float, Computed(ON_HAND_SQL, persisted=True))


# Kept verbatim in sync with migration 0013.
PRODUCT_TARGET_SQL = "product_id IS NOT NULL"
CATEGORY_TARGET_SQL = "category IS NOT NULL AND product_id IS NULL"


class ServiceLevelTarget(TenantMixin, Base):
    """A planner's service-level target for a whole category or one product (all stores).
    The most specific wins: store × product override, then product, then category, then
    the tenant default."""

    __tablename__ = "service_level_targets"
    __table_args__ = (
        UniqueConstraint("customer_id", "category", "product_id"),
        # The constraint above never fires for a target, whose category or product_id
        # is NULL (NULLs are never equal): one target per product and per category is
        # kept by these partial indexes (migration 0013).
        Index(
            "uq_service_level_targets_product",
            "customer_id",
            "product_id",
            unique=True,
            postgresql_where=text(PRODUCT_TARGET_SQL),
            sqlite_where=text(PRODUCT_TARGET_SQL),
        ),
        Index(
            "uq_service_level_targets_category",
            "customer_id",
            "category",
            unique=True,
            postgresql_where=text(CATEGORY_TARGET_SQL),
            sqlite_where=text(CATEGORY_TARGET_SQL),
        ),
        CheckConstraint("service_level > 0 AND service_level < 1", name="service_level"),
        CheckConstraint("category IS NOT NULL OR product_id IS NOT NULL", name="scope"),
        one_of("kind", ["cycle", "fill_rate"]),
    )

    target_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    category: Mapped[str | None] = mapped_column(String(100))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.product_id", ondelete="CASCADE")
    )
    service_level: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(16), default="cycle")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PurchaseOrder(TenantMixin, Timestamped, Base):
    """An order to one supplier for one store; lines carry the products."""

    __tablename__ = "purchase_orders"
    __tenant_index__ = False
    __table_args__ = (
        one_of("status", [s.value for s in POStatus]),
        Index("ix_purchase_orders_customer_status", "customer_id", "status"),
        UniqueConstraint("customer_id", "po_number"),
    )

    po_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    # Human-readable order number (X12 850 BEG03), unique per tenant.
    po_number: Mapped[str | None] = mapped_column(String(32))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.supplier_id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=POStatus.SUGGESTED.value)
    source: Mapped[str] = mapped_column(String(16), default="suggested")
    order_date: Mapped[dt.date | None]
    expected_delivery_date: Mapped[dt.date | None]
    received_date: Mapped[dt.date | None]
    total_cost: Mapped[float | None] = mapped_column(Float)


class PurchaseOrderLine(TenantMixin, Base):
    """One product on a purchase order: suggested, ordered and received quantities."""

    __tablename__ = "purchase_order_lines"
    __table_args__ = (
        UniqueConstraint("po_id", "product_id"),
        CheckConstraint("quantity >= 0", name="quantity"),
    )

    line_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    po_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchase_orders.po_id", ondelete="CASCADE"), index=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.product_id", ondelete="CASCADE"))
    suggested_quantity: Mapped[float | None] = mapped_column(Float)
    quantity: Mapped[float] = mapped_column(Float)
    unit_cost: Mapped[float | None] = mapped_column(Float)
    received_quantity: Mapped[float | None] = mapped_column(Float)


class PODecision(TenantMixin, Base):
    """A person's decision on a purchase order: who, what, why."""

    __tablename__ = "po_decisions"
    __table_args__ = (one_of("decision", [s.value for s in POStatus if s != POStatus.SUGGESTED]),)

    decision_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    po_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("purchase_orders.po_id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str] = mapped_column(String(200))
    reason_code: Mapped[str | None] = mapped_column(String(64))
    notes: Mapped[str | None] = mapped_column(Text)
    # Quantities per line before and after, and receiving discrepancies.
    changes: Mapped[dict[str, Any] | None]
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Alert(TenantMixin, Base):
    """A stock alert (predicted stock-out, reorder recommended, phantom stock, …)."""

    __tablename__ = "alerts"
    __tenant_index__ = False
    __table_args__ = (
        one_of("status", [s.value for s in AlertStatus]),
        Index("ix_alerts_customer_status", "customer_id", "status"),
        # The alert list's order (most severe, then newest) within one status, and the
        # store and severity filters: a page reads the first matching index entries.
        Index(
            "ix_alerts_customer_status_rank",
            "customer_id",
            "status",
            text(SEVERITY_RANK_SQL),
            "created_at",
        ),
        Index("ix_alerts_customer_id_store_id", "customer_id", "store_id"),
        Index(
            "ix_alerts_customer_severity_created",
            "customer_id",
            "severity",
            "created_at",
        ),
        # An open (or acknowledged) alert is never duplicated by the daily job.
        Index(
            "uq_alerts_open_dedupe_key",
            "customer_id",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status IN ('open', 'acknowledged') AND dedupe_key IS NOT NULL"),
            postgresql_where=text("status IN ('open', 'acknowledged') AND dedupe_key IS NOT NULL"),
        ),
    )

    alert_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("stores.store_id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(
        ForeignKey("products.product_id", ondelete="CASCADE")
    )
    alert_type: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)
    alert_metadata: Mapped[dict[str, Any] | None]
    # What the alert is about (e.g. "stockout_predicted:<store>:<product>").
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN.value)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[dt.datetime | None]
    resolved_at: Mapped[dt.datetime | None]
