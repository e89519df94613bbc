"""The integration sync log: every ingest, upload or transport run and how it ended."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, TenantMixin, one_of, utcnow


class IntegrationSyncLog(TenantMixin, Base):
    """One run of one integration (CSV ingest, SFTP pull, EDI, event stream)."""

    __tablename__ = "integration_sync_log"
    __tenant_index__ = False
    __table_args__ = (
        one_of("sync_status", ["running", "success", "failed", "rejected"]),
        Index("ix_integration_sync_log_customer_started", "customer_id", "started_at"),
    )

    sync_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    integration_type: Mapped[str] = mapped_column(String(32))
    integration_name: Mapped[str] = mapped_column(String(200))
    sync_type: Mapped[str] = mapped_column(String(32))
    sync_status: Mapped[str] = mapped_column(String(16), default="running")
    records_received: Mapped[int] = mapped_column(Integer, default=0)
    records_synced: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[dt.datetime | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    sync_metadata: Mapped[dict[str, Any] | None]
