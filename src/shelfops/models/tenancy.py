"""Tenants, their API keys (with roles) and the audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, BigIntPK, TenantMixin, Timestamped, one_of, utcnow


class Role(StrEnum):
    """What an API key may do; each role includes the ones before it."""

    VIEWER = "viewer"
    PLANNER = "planner"
    ML_MANAGER = "ml_manager"
    ADMIN = "admin"


class CustomerStatus(StrEnum):
    """Only active and trial tenants get scheduled work."""

    ACTIVE = "active"
    TRIAL = "trial"
    SUSPENDED = "suspended"


class Customer(Timestamped, Base):
    """A tenant: one retailer."""

    __tablename__ = "customers"
    __table_args__ = (one_of("status", [s.value for s in CustomerStatus]),)

    customer_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CustomerStatus.ACTIVE.value)


class ApiKey(TenantMixin, Base):
    """An API key of one tenant. Only a SHA-256 hash of the key is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (one_of("role", [r.value for r in Role]),)

    api_key_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # The first characters of the secret, shown in listings so people can tell keys apart.
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class AuditLog(TenantMixin, Base):
    """Who did what, when, with the state before and after (admin and ML actions)."""

    __tablename__ = "audit_log"
    __tenant_index__ = False
    __table_args__ = (Index("ix_audit_log_customer_created", "customer_id", "created_at"),)

    audit_id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    actor_api_key_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("api_keys.api_key_id", ondelete="SET NULL")
    )
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    resource_type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[str | None] = mapped_column(String(100))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
