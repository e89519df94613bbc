"""Integration bookkeeping: the sync log of every run, the ledger of fetched files, the
ledger of applied stream events, and the tenant's encrypted integration credentials."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shelfops.models.base import Base, TenantMixin, Timestamped, one_of, utcnow


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


class IntegrationFile(TenantMixin, Base):
    """A file an integration fetched (SFTP, EDI inbox) and what became of it.

    The ledger is how a poller remembers what it processed: a file whose name and
    content hash are recorded as ``imported`` is never imported again.
    """

    __tablename__ = "integration_files"
    __tenant_index__ = False
    __table_args__ = (
        one_of("status", ["imported", "rejected", "failed"]),
        UniqueConstraint("customer_id", "source_name", "file_name", "content_sha256"),
    )

    file_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source_name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(500))
    content_sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    sync_id: Mapped[uuid.UUID | None]
    detail: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IntegrationEvent(TenantMixin, Base):
    """A stream event whose data was committed; replaying the stream skips it.

    Written in the same transaction as the event's data, so "recorded here" and
    "applied to the domain tables" are one fact.
    """

    __tablename__ = "integration_events"
    __tenant_index__ = False
    __table_args__ = (UniqueConstraint("customer_id", "source_name", "event_id"),)

    record_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    source_name: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(32))
    stream_entry_id: Mapped[str | None] = mapped_column(String(64))
    # The validated event as received (e.g. an adjustment's reason, which no domain
    # column holds): nothing a consumer parsed is thrown away.
    payload: Mapped[dict[str, Any] | None]
    processed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


CREDENTIAL_KINDS = ("password", "private_key")


class IntegrationCredential(TenantMixin, Timestamped, Base):
    """A secret an integration logs in with (an SFTP password or private key), stored
    only as a Fernet token (``shelfops.integrations.cipher``) bound to its tenant and
    name. Profiles refer to it by ``name``; the plaintext is never stored.
    """

    __tablename__ = "integration_credentials"
    __tenant_index__ = False
    __table_args__ = (
        one_of("kind", CREDENTIAL_KINDS),
        UniqueConstraint("customer_id", "name"),
    )

    credential_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    ciphertext: Mapped[str] = mapped_column(Text)
    # Who wrote it: the API key's name, or "cli" for `shelfops credentials`.
    created_by: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(200))
