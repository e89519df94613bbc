"""Request, response and filter models of the integration APIs
(``/api/v1/integrations/…``): sync health, sync log, credentials."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from shelfops.kit.pagination import Page, PageParams

NAME_LENGTH = 200
"""Longest source name (``integration_sync_log.integration_name``)."""


class SyncStatus(StrEnum):
    """Status of one run in ``integration_sync_log``."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    REJECTED = "rejected"


class Freshness(StrEnum):
    """Where a source stands against its SLA: ``ok`` (its last successful sync is within
    the SLA), ``breached`` (older than the SLA), ``never_synced`` (no successful sync that
    delivered records, ever)."""

    OK = "ok"
    BREACHED = "breached"
    NEVER_SYNCED = "never_synced"


class OverallStatus(StrEnum):
    """The tenant's sync health in one word: the worst of its sources (``breached`` before
    ``never_synced`` before ``ok``), or ``no_sources`` when nothing is configured or
    logged."""

    OK = "ok"
    BREACHED = "breached"
    NEVER_SYNCED = "never_synced"
    NO_SOURCES = "no_sources"


class SlaOrigin(StrEnum):
    """Where a source's SLA comes from: its contract profile's ``sla_hours``, or the
    default of its source type (settings ``sla_pos_hours`` / ``sla_file_hours`` /
    ``sla_event_hours``)."""

    PROFILE = "profile"
    DEFAULT = "default"


class SyncCounts(BaseModel):
    """What a source's runs did over a window (runs that *started* in it)."""

    runs: int = Field(default=0, ge=0, description="Runs started, whatever their outcome.")
    failed: int = Field(default=0, ge=0, description="Runs that crashed (nothing written).")
    rejected: int = Field(
        default=0, ge=0, description="Runs refused by validation (nothing written)."
    )
    records_in: int = Field(default=0, ge=0, description="Records received.")
    records_written: int = Field(
        default=0,
        ge=0,
        description="Records accepted: written, or already stored (an unchanged re-sent "
        "file, a replayed event).",
    )
    records_rejected: int = Field(
        default=0,
        ge=0,
        description="Records received but not written, over finished runs "
        "(received − written; a rejected file counts all its records).",
    )


class SourceHealth(BaseModel):
    """One source's freshness against its SLA and its recent runs."""

    source_name: str = Field(description="`integration_name` in the sync log.")
    integration_type: str = Field(
        description="smb_csv, smb_sftp, enterprise_edi, enterprise_sftp, enterprise_event, "
        "or csv (a canonical file sent to POST /ingest or `shelfops ingest`)."
    )
    configured: bool = Field(description="Whether a contract profile of the tenant names it.")
    status: Freshness
    sla_hours: float = Field(description="Largest accepted age of the last successful sync.")
    sla_origin: SlaOrigin
    last_success_at: dt.datetime | None = Field(
        description="When the last successful run that delivered records completed."
    )
    freshness_hours: float | None = Field(
        description="Hours since `last_success_at` (none when never synced)."
    )
    hours_over_sla: float | None = Field(
        description="How far past the SLA (`freshness_hours − sla_hours`) when breached."
    )
    last_run_at: dt.datetime | None = Field(description="When the latest run started.")
    last_run_status: SyncStatus | None = Field(description="Outcome of the latest run.")
    last_error: str | None = Field(description="Message of the latest failed or rejected run.")
    last_error_at: dt.datetime | None = Field(description="When that run started.")
    last_24h: SyncCounts = Field(description="Runs that started in the last 24 hours.")


class SyncHealthRead(BaseModel):
    """The tenant's sources, worst first (breached, most overdue first; never synced;
    ok), and an overall status."""

    status: OverallStatus
    checked_at: dt.datetime = Field(description="The instant freshness was measured at.")
    sources: list[SourceHealth]
    profile_errors: list[str] = Field(
        default_factory=list,
        description="Why the tenant's contract profiles could not be read (sources then "
        "show the default SLAs of their types, and configured-only sources are missing).",
    )


class SyncLogFilters(PageParams):
    """Filters of ``GET /integrations/sync-log``."""

    source: str | None = Field(
        default=None,
        min_length=1,
        max_length=NAME_LENGTH,
        description="Only runs of this source (`integration_name`, exact).",
    )
    type: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="Only runs of this integration type (e.g. smb_sftp, csv).",
    )
    status: SyncStatus | None = Field(default=None, description="Only runs with this outcome.")


class SyncRunRead(BaseModel):
    """One run of one integration, as ``integration_sync_log`` recorded it."""

    LOG_COLUMNS: ClassVar[tuple[str, ...]] = (
        "sync_id",
        "integration_type",
        "integration_name",
        "sync_type",
        "sync_status",
        "records_received",
        "records_synced",
        "started_at",
        "completed_at",
        "error_message",
    )

    sync_id: uuid.UUID
    integration_type: str
    integration_name: str = Field(description="The source's name.")
    sync_type: str = Field(description="What the run did (e.g. sales, file, events, edi).")
    sync_status: SyncStatus
    records_received: int
    records_synced: int = Field(description="Records written.")
    started_at: dt.datetime
    completed_at: dt.datetime | None
    error_message: str | None
    metadata: dict[str, Any] | None = Field(description="Run details (`sync_metadata`).")


class SyncRunPage(Page[SyncRunRead]):
    """A page of sync runs, newest first."""


# --- integration credentials ------------------------------------------------------------

MAX_SECRET_CHARS = 16_384
"""Longest secret accepted (an OpenSSH RSA-4096 private key is about 3.4 kB)."""


class CredentialKind(StrEnum):
    """What a stored credential holds: an SFTP ``password``, or an unencrypted OpenSSH or
    PEM ``private_key``."""

    PASSWORD = "password"  # noqa: S105 - the kind's name, not a password
    PRIVATE_KEY = "private_key"


class CredentialPut(BaseModel):
    """A credential to store (or replace). The secret is encrypted before it is stored
    and is never returned, logged or audited."""

    model_config = ConfigDict(extra="forbid")

    kind: CredentialKind
    secret: SecretStr = Field(
        min_length=1,
        max_length=MAX_SECRET_CHARS,
        description="The password, or the private key's text (PEM/OpenSSH, unencrypted).",
    )


class CredentialRead(BaseModel):
    """A stored credential as the API shows it: never its secret."""

    model_config = ConfigDict(from_attributes=True)

    name: str = Field(description="What profiles call it (password_credential, …).")
    kind: CredentialKind
    created_at: dt.datetime
    updated_at: dt.datetime = Field(description="When the secret was last set.")
    created_by: str = Field(description="API key name (or `cli`) that first stored it.")
    updated_by: str = Field(description="API key name (or `cli`) that last set it.")
