"""The time series: daily sales and periodic inventory snapshots.

Primary keys lead with (customer_id, store_id, product_id, date) so that the common
read — one series over a date range — is a single index range scan; a second index on
(customer_id, date) serves "all series for these days" reads.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, TenantMixin


class Sale(TenantMixin, Base):
    """Units sold of one product in one store on one day (zero days included)."""

    __tablename__ = "sales"
    __tenant_index__ = False
    __table_args__ = (
        CheckConstraint("quantity >= 0", name="quantity"),
        CheckConstraint("discount_pct >= 0 AND discount_pct < 1", name="discount"),
        Index("ix_sales_customer_date", "customer_id", "sale_date"),
    )

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.product_id", ondelete="CASCADE"), primary_key=True
    )
    sale_date: Mapped[dt.date] = mapped_column(primary_key=True)
    quantity: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[float] = mapped_column(Float)
    promo_flag: Mapped[bool] = mapped_column(default=False)
    discount_pct: Mapped[float] = mapped_column(Float, default=0.0)
    # Units on hand at close; 0 means a stock-out (quantity is censored demand).
    on_hand_close: Mapped[float | None] = mapped_column(Float)


class InventorySnapshot(TenantMixin, Base):
    """A stock count of one product in one store at the close of a day."""

    __tablename__ = "inventory_snapshots"
    __tenant_index__ = False
    __table_args__ = (
        CheckConstraint("on_hand >= 0 AND on_order >= 0", name="non_negative"),
        Index("ix_inventory_snapshots_customer_date", "customer_id", "snapshot_date"),
    )

    store_id: Mapped[int] = mapped_column(
        ForeignKey("stores.store_id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.product_id", ondelete="CASCADE"), primary_key=True
    )
    snapshot_date: Mapped[dt.date] = mapped_column(primary_key=True)
    on_hand: Mapped[float] = mapped_column(Float)
    on_order: Mapped[float] = mapped_column(Float, default=0.0)
