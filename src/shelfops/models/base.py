"""Declarative base, shared column types and the tenant mixin."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    TypeDecorator,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

# Stable constraint names so Alembic migrations are reproducible on both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (so ``metrics->>'mae'`` works and can be indexed), JSON elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on every dialect.

    PostgreSQL keeps the zone (timestamptz); SQLite stores text without one, so values
    are normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: timestamps must carry a timezone")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    """Timezone-aware now, the default for every timestamp column."""
    return dt.datetime.now(dt.UTC)


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A CHECK constraint restricting ``column`` to ``values`` (status columns)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")


class Base(DeclarativeBase):
    """Base of every table; one metadata for Alembic."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 - SQLAlchemy reads this class attr
        dict[str, Any]: JSONType,
        dt.datetime: UTCDateTime(),
    }


class TenantMixin:
    """Every tenant-owned row carries ``customer_id`` (and RLS keys on it).

    Tables whose composite indexes already lead with ``customer_id`` set
    ``__tenant_index__ = False`` so bulk loads do not maintain a redundant index. The
    high-volume fact tables set ``__tenant_fk__ = False`` too (see ``models/sales.py``).
    """

    __tenant_index__: bool = True
    __tenant_fk__: bool = True

    @declared_attr
    def customer_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr receives the class
        if not cls.__tenant_fk__:
            return mapped_column(nullable=False, index=cls.__tenant_index__)
        return mapped_column(
            ForeignKey("customers.customer_id", ondelete="CASCADE"),
            nullable=False,
            index=cls.__tenant_index__,
        )


# Columns that refer to another table without a database foreign key (the fact tables,
# where a per-row FK check would dominate bulk loads). Code that must know every
# reference — "may this product be deleted?" — reads these alongside the real FKs.
SOFT_REFERENCES = "soft_references"


class Timestamped:
    """``created_at`` / ``updated_at`` maintained by the ORM."""

    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
