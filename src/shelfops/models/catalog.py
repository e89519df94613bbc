"""Stores, suppliers and products. Each has the retailer's own code as natural key
(unique per tenant) and an internal integer id used by the time-series tables."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, TenantMixin, Timestamped


class Store(TenantMixin, Timestamped, Base):
    """A physical or online store."""

    __tablename__ = "stores"
    __tenant_index__ = False
    __table_args__ = (UniqueConstraint("customer_id", "store_code"),)

    store_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    store_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    opened_on: Mapped[dt.date | None]
    closed_on: Mapped[dt.date | None]
    is_active: Mapped[bool] = mapped_column(default=True)


class Supplier(TenantMixin, Timestamped, Base):
    """A vendor with its lead time (mean and variability) and minimum order."""

    __tablename__ = "suppliers"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint("customer_id", "supplier_code"),
        CheckConstraint("lead_time_days >= 0 AND lead_time_std_days >= 0", name="lead_time"),
        CheckConstraint("min_order_qty >= 0", name="min_order_qty"),
    )

    supplier_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    supplier_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lead_time_days: Mapped[float] = mapped_column(Float)
    lead_time_std_days: Mapped[float] = mapped_column(Float, default=0.0)
    min_order_qty: Mapped[int] = mapped_column(Integer, default=0)


class Product(TenantMixin, Timestamped, Base):
    """A SKU with its regular price, cost, pack size and life cycle."""

    __tablename__ = "products"
    __tenant_index__ = False
    __table_args__ = (
        UniqueConstraint("customer_id", "product_code"),
        CheckConstraint("unit_cost >= 0 AND unit_price >= 0", name="money"),
        CheckConstraint("pack_size >= 1", name="pack_size"),
    )

    product_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    product_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    department: Mapped[str] = mapped_column(String(100))
    supplier_id: Mapped[int | None] = mapped_column(
        ForeignKey("suppliers.supplier_id", ondelete="SET NULL"), index=True
    )
    unit_cost: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[float] = mapped_column(Float)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    launched_on: Mapped[dt.date | None]
    discontinued_on: Mapped[dt.date | None]
    is_active: Mapped[bool] = mapped_column(default=True)
