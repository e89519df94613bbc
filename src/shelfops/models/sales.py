"""The time series: daily sales and periodic inventory snapshots.

These are the tables that grow to hundreds of millions of rows, so they are shaped for
bulk loads and per-series reads:

* the primary key ``(customer_id, store_id, product_id, date)`` is the only B-tree: one
  tenant's rows are one index range, and one series over a date range is a single range
  scan;
* "every series on these days" reads use a BRIN index on the date (a few pages, nearly
  free to maintain) on PostgreSQL;
* "the tenant's latest sales date" (asked by every forecast series read, the daily
  replenishment run, drift and accuracy jobs) is a B-tree on ``(customer_id,
  sale_date)``: one index probe instead of a scan of all the tenant's rows (the primary
  key leads with the store, and the BRIN cannot answer ``max`` per tenant);
* no database foreign keys: measured on 10 M rows, the three per-row FK checks took
  about 70 % of a bulk load. Integrity is kept by ingestion instead (every code is
  resolved against the tenant's own catalog before a row is written), and deleting a
  store or product that has history is refused by the catalog service, which reads the
  ``soft_references`` declared here.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, CheckConstraint, Float, Index, PrimaryKeyConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import SOFT_REFERENCES, Base, TenantMixin

_REFERENCES = {
    "info": {
        SOFT_REFERENCES: {
            "customer_id": "customers.customer_id",
            "store_id": "stores.store_id",
            "product_id": "products.product_id",
        }
    }
}


class Sale(TenantMixin, Base):
    """Units sold of one product in one store on one day (zero days included)."""

    __tablename__ = "sales"
    __tenant_index__ = False
    __tenant_fk__ = False
    __table_args__ = (
        PrimaryKeyConstraint("customer_id", "store_id", "product_id", "sale_date"),
        CheckConstraint("quantity >= 0", name="quantity"),
        CheckConstraint("discount_pct >= 0 AND discount_pct < 1", name="discount"),
        Index("ix_sales_sale_date", "sale_date", postgresql_using="brin"),
        Index("ix_sales_customer_id_sale_date", "customer_id", "sale_date"),
        _REFERENCES,
    )

    store_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    sale_date: Mapped[dt.date]
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
    __tenant_fk__ = False
    __table_args__ = (
        PrimaryKeyConstraint("customer_id", "store_id", "product_id", "snapshot_date"),
        CheckConstraint("on_hand >= 0 AND on_order >= 0", name="non_negative"),
        Index("ix_inventory_snapshots_snapshot_date", "snapshot_date", postgresql_using="brin"),
        _REFERENCES,
    )

    store_id: Mapped[int] = mapped_column(BigInteger)
    product_id: Mapped[int] = mapped_column(BigInteger)
    snapshot_date: Mapped[dt.date]
    on_hand: Mapped[float] = mapped_column(Float)
    on_order: Mapped[float] = mapped_column(Float, default=0.0)
    # Units promised to customers but still on the shelf (click-and-collect, layaways);
    # the canonical inventory file has no column for it yet, so it is 0 unless set.
    reserved: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
