"""Polling file sources: fetch what is new, import it, remember it, archive it.

:func:`poll_source` works through one contract profile that has a ``transport`` (an SFTP
server or a local inbox folder):

1. list the waiting files (regular files matching the pattern, oldest first);
2. for each, download a private copy and hash it (SHA-256);
3. look the (name, hash) up in the ledger (:mod:`shelfops.integrations.ledger`) and
   skip what was already processed;
4. otherwise hand the copy to the import — ``shelfops.edi.service.import_edi_file`` for an
   ``enterprise_edi`` profile, ``shelfops.onboarding.service.onboard_file`` for the
   others — which commits its data and its ``integration_sync_log`` row;
5. record the outcome in the ledger (a transaction of its own, after the import's);
6. only then, if ``archive_dir`` is set, move the file to the archive.

Every file gets its own outcome; one bad file does not stop the others. A poll writes no
sync-log row of its own when it reaches its transport (each import writes one); when it
cannot (unknown host key, refused connection, missing folder …) it records one ``failed``
row with ``sync_type`` ``poll``, so the failure shows up in sync health.

An SFTP transport that names stored credentials (``password_credential``,
``private_key_credential``) has them decrypted from the tenant's store
(:mod:`shelfops.integrations.credentials`) at the start of each poll; a missing or
unreadable one stops the poll like any transport error (``credential_missing``,
``credential_unreadable``), naming the credential.

The import is injectable (``handler``): tests and tools can pass any coroutine with the
:class:`FileHandler` signature.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import tempfile
import uuid
from collections.abc import Awaitable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations import credentials, ledger
from shelfops.integrations.cipher import CredentialUnreadable
from shelfops.integrations.config import InboxTransport, SftpTransport
from shelfops.integrations.credentials import CredentialMissing
from shelfops.integrations.inbox import (
    CONNECTION_LOST,
    FileEntry,
    FileSource,
    TransportError,
    open_inbox,
)
from shelfops.integrations.schemas import CredentialKind
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import (
    BadRequest,
    NotFound,
    ServiceUnavailable,
    ShelfOpsError,
    ValidationFailed,
)
from shelfops.models.base import utcnow

log = logging.getLogger(__name__)

FileStatus = Literal["imported", "rejected", "failed", "skipped"]
EDI_SOURCE_TYPE = "enterprise_edi"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# ---------------------------------------------------------------------------------------
# What a poll reports
# ---------------------------------------------------------------------------------------


class FileOutcome(BaseModel):
    """What became of one listed file."""

    file_name: str
    status: FileStatus
    reason: str | None = Field(default=None, description="why it was rejected, failed or skipped")
    content_sha256: str | None = None
    size_bytes: int | None = None
    sync_id: uuid.UUID | None = Field(
        default=None, description="the integration_sync_log row of its import"
    )
    records_written: int = 0
    archived_to: str | None = Field(default=None, description="where the file was moved")
    note: str | None = Field(default=None, description="e.g. why it was not archived")
    report_dir: str | None = Field(default=None, description="the import's artifacts")


class PollReport(BaseModel):
    """One poll of one source: an outcome per file, or the transport error."""

    source_name: str
    source_type: str
    transport: Literal["sftp", "inbox"]
    where: str = Field(description="sftp://user@host:port/dir or the inbox folder")
    started_at: dt.datetime
    completed_at: dt.datetime
    files: list[FileOutcome] = Field(default_factory=list)
    error: str | None = Field(default=None, description="why the poll stopped, if it did")
    problem: str | None = Field(default=None, description="short code of the error")
    sync_id: uuid.UUID | None = Field(
        default=None, description="the sync-log row recording a failed poll"
    )

    def count(self, status: FileStatus) -> int:
        """How many files ended with ``status``."""
        return sum(1 for f in self.files if f.status == status)

    @property
    def ok(self) -> bool:
        """No transport error, and no file rejected or failed."""
        return self.error is None and not any(
            f.status in {"rejected", "failed"} for f in self.files
        )


# ---------------------------------------------------------------------------------------
# What a poll needs: a profile with a transport, and an import
# ---------------------------------------------------------------------------------------


class PolledProfile(Protocol):
    """The part of a contract profile polling reads (``onboarding.profiles.ContractProfile``
    has it)."""

    @property
    def source_name(self) -> str: ...

    @property
    def source_type(self) -> str: ...

    @property
    def transport(self) -> SftpTransport | InboxTransport | None: ...


@dataclass(frozen=True)
class HandlerResult:
    """What an import did with one file."""

    status: Literal["imported", "rejected"]
    sync_id: uuid.UUID | None = None
    records_written: int = 0
    reason: str | None = None
    report_dir: Path | None = None


class FileHandler(Protocol):
    """Imports one fetched file in its own transaction(s) and says how it went.

    It returns a rejection rather than raising one; an exception counts as ``failed``
    (a :class:`~shelfops.kit.errors.ValidationFailed` as ``rejected``).
    """

    def __call__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        customer_id: uuid.UUID,
        profile: Any,
        path: Path,
        file_name: str,
    ) -> Awaitable[HandlerResult]: ...


async def import_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    profile: Any,
    path: Path,
    file_name: str,
) -> HandlerResult:
    """The default import: EDI interchanges to ``edi.service.import_edi_file``, every
    other source through its contract profile (``onboarding.service.onboard_file``).

    The artifacts of the run (validation report, lineage, …; for EDI the 997
    acknowledgement) go to ``<var_dir>/sync-reports/<tenant>/<source>/<time>-<file>/``.
    """
    report_dir = _report_dir(settings, customer_id, str(profile.source_name), file_name)
    if str(profile.source_type) == EDI_SOURCE_TYPE:
        from shelfops.edi.service import import_edi_file

        edi = await import_edi_file(
            sessionmaker,
            customer_id=customer_id,
            path=path,
            source_name=profile.source_name,
            file_name=file_name,
        )
        if edi.ack_997:
            # Kept for the partner: the poller has no outbound folder to send it to.
            report_dir.mkdir(parents=True, exist_ok=True)
            (report_dir / "997.edi").write_text(edi.ack_997, encoding="utf-8")
        return HandlerResult(
            status="imported" if edi.status == "imported" else "rejected",
            sync_id=edi.sync_id,
            records_written=edi.records_written,
            reason=None
            if edi.status == "imported"
            else _summarise(
                [
                    f"segment {q.segment} #{q.segment_index}: {q.message}"
                    if q.segment
                    else q.message
                    for q in edi.problems
                ]
            ),
            report_dir=report_dir if edi.ack_997 else None,
        )

    from shelfops.onboarding.service import onboard_file

    onboarded = await onboard_file(
        sessionmaker,
        customer_id=customer_id,
        profile=profile,
        source=path,
        dry_run=False,
        report_dir=report_dir,
        file_name=file_name,
    )
    if onboarded.status == "imported":
        return HandlerResult(
            status="imported",
            sync_id=onboarded.sync_id,
            records_written=onboarded.records_written,
            report_dir=report_dir,
        )
    if onboarded.status in {"rejected", "requires_custom_adapter"}:
        reason = onboarded.reason or _summarise(
            [
                f"row {q.row}: {q.message}" if q.row else q.message
                for q in onboarded.problems
                if q.severity == "error"
            ]
        )
        if onboarded.status == "requires_custom_adapter":
            reason = f"requires a custom adapter: {reason}"
        return HandlerResult(
            status="rejected", sync_id=onboarded.sync_id, reason=reason, report_dir=report_dir
        )
    # "validated" means nothing was imported although dry_run was False: a bug.
    raise RuntimeError(f"onboard_file returned status {onboarded.status!r} for an import")


# ---------------------------------------------------------------------------------------
# Polling
# ---------------------------------------------------------------------------------------


async def poll_source(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    customer_id: uuid.UUID,
    profile: PolledProfile,
    handler: FileHandler | None = None,
    retry_failed: bool = False,
) -> PollReport:
    """Fetch the new files of one profile's transport, import each, record each in the
    ledger, archive each when configured.

    A transport that cannot be used (host key, credentials, network, missing folder)
    does not raise: the report carries the error and a ``failed`` sync-log row records
    it. ``retry_failed`` processes files the ledger holds as rejected or failed again.
    """
    transport = profile.transport
    if transport is None:
        raise BadRequest(f"source {profile.source_name!r} has no transport to poll")
    poll = _Poll(
        sessionmaker=sessionmaker,
        settings=settings,
        customer_id=customer_id,
        profile=profile,
        handler=handler or import_file,
        retry_failed=retry_failed,
    )
    started_at = utcnow()
    files: list[FileOutcome] = []
    where = _where(transport)
    failure: TransportError | None = None
    try:
        stored = await _stored_credentials(poll, transport)
        async with _open(transport, stored) as source:
            where = source.where
            entries = await source.list_files()
            with tempfile.TemporaryDirectory(prefix="shelfops-poll-") as scratch:
                # Names in one folder are unique: each copy can sit directly in scratch.
                for entry in entries:
                    outcome, failure = await poll.process_file(source, entry, Path(scratch))
                    files.append(outcome)
                    if failure is not None:
                        break
    except TransportError as exc:
        failure = exc
    report = PollReport(
        source_name=profile.source_name,
        source_type=str(profile.source_type),
        transport=transport.kind,
        where=where,
        started_at=started_at,
        completed_at=utcnow(),
        files=files,
    )
    if failure is not None:
        report.error = failure.message
        report.problem = failure.problem
        report.sync_id = await _record_failure(poll, report, failure)
    _log(report)
    return report


async def poll_tenant(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    customer_id: uuid.UUID,
    tenant_slug: str,
    *,
    source_name: str | None = None,
    handler: FileHandler | None = None,
    retry_failed: bool = False,
    profiles: Sequence[PolledProfile] | None = None,
) -> list[PollReport]:
    """Poll every profile of a tenant that has a transport (or only ``source_name``).

    Profiles are read from ``<contracts_dir>/<tenant_slug>/`` unless given. A source
    that fails unexpectedly is reported (and logged) and the others are still polled.
    """
    if profiles is None:
        from shelfops.onboarding.profiles import tenant_profiles

        profiles = tenant_profiles(settings, tenant_slug)
    polled = [p for p in profiles if p.transport is not None]
    if source_name is not None:
        polled = [p for p in polled if p.source_name == source_name]
        if not polled:
            raise NotFound(
                f"tenant {tenant_slug!r} has no source {source_name!r} with a transport "
                f"(profiles in {settings.contracts_dir / tenant_slug})"
            )
    reports: list[PollReport] = []
    for profile in polled:
        try:
            reports.append(
                await poll_source(
                    sessionmaker,
                    settings,
                    customer_id=customer_id,
                    profile=profile,
                    handler=handler,
                    retry_failed=retry_failed,
                )
            )
        except Exception as exc:
            log.exception("polling source %s of tenant %s failed", profile.source_name, tenant_slug)
            transport = profile.transport
            assert transport is not None
            now = utcnow()
            reports.append(
                PollReport(
                    source_name=profile.source_name,
                    source_type=str(profile.source_type),
                    transport=transport.kind,
                    where=_where(transport),
                    started_at=now,
                    completed_at=now,
                    error=f"the poll failed with {type(exc).__name__} (see server logs)",
                    problem="internal_error",
                )
            )
    return reports


@dataclass(frozen=True)
class _Poll:
    """The fixed parts of one poll, so the per-file step reads as the algorithm."""

    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    customer_id: uuid.UUID
    profile: PolledProfile
    handler: FileHandler
    retry_failed: bool

    async def process_file(
        self, source: FileSource, entry: FileEntry, directory: Path
    ) -> tuple[FileOutcome, TransportError | None]:
        """One file, start to end; returns its outcome and, when the connection broke,
        the error that ends the poll."""
        outcome = FileOutcome(file_name=entry.name, status="failed", size_bytes=entry.size)
        limit = self.settings.ingest_max_upload_bytes
        if entry.size > limit:
            # Not fetched and not recorded: it stays visible, as failed, on every poll.
            outcome.reason = (
                f"{entry.size:,} bytes exceeds the size limit of {limit:,} "
                "(SHELFOPS_INGEST_MAX_UPLOAD_BYTES); not fetched"
            )
            return outcome, None
        try:
            local = await source.fetch(entry, directory)
            current = await source.stat(entry.name)
        except TransportError as exc:
            # Not recorded (nothing was read): the next poll tries again.
            outcome.reason = exc.message
            return outcome, exc if exc.problem == CONNECTION_LOST else None
        if not _unchanged(entry, current) or local.stat().st_size != entry.size:
            outcome.status = "skipped"
            outcome.reason = (
                "the file changed while it was fetched (still being written?); "
                "it is taken at a later poll"
            )
            local.unlink()
            return outcome, None
        outcome.content_sha256 = await asyncio.to_thread(ledger.sha256_of, local)
        async with tenant_transaction(self.sessionmaker, self.customer_id) as session:
            existing = await ledger.find(
                session,
                customer_id=self.customer_id,
                source_name=self.profile.source_name,
                file_name=entry.name,
                content_sha256=outcome.content_sha256,
            )
            skip = ledger.skip_reason(existing, retry_failed=self.retry_failed)
        if skip is not None:
            outcome.status = "skipped"
            outcome.reason = skip
        else:
            await self.run_import(local, entry, outcome)
        local.unlink()
        # Archived whatever the outcome, once it is recorded: also a skipped file, which
        # is still here if an earlier poll stopped between its ledger row and the move.
        if source.archives:
            return outcome, await self.archive(source, entry, outcome)
        return outcome, None

    async def run_import(self, local: Path, entry: FileEntry, outcome: FileOutcome) -> None:
        """Run the handler, then record its outcome in the ledger (after its commit)."""
        status: ledger.LedgerStatus
        try:
            result = await self.handler(
                self.sessionmaker,
                self.settings,
                customer_id=self.customer_id,
                profile=self.profile,
                path=local,
                file_name=entry.name,
            )
        except ValidationFailed as exc:
            status, outcome.reason = "rejected", _describe(exc)
        except ShelfOpsError as exc:
            status, outcome.reason = "failed", _describe(exc)
        except Exception as exc:
            log.exception("importing %s of source %s failed", entry.name, self.profile.source_name)
            status = "failed"
            outcome.reason = f"the import failed with {type(exc).__name__} (see server logs)"
        else:
            status = result.status
            outcome.reason = result.reason
            outcome.sync_id = result.sync_id
            outcome.records_written = result.records_written
            outcome.report_dir = str(result.report_dir) if result.report_dir else None
        outcome.status = status
        assert outcome.content_sha256 is not None
        async with tenant_transaction(self.sessionmaker, self.customer_id) as session:
            await ledger.record(
                session,
                customer_id=self.customer_id,
                source_name=self.profile.source_name,
                file_name=entry.name,
                content_sha256=outcome.content_sha256,
                size_bytes=entry.size,
                status=status,
                sync_id=outcome.sync_id,
                detail=outcome.reason,
            )

    async def archive(
        self, source: FileSource, entry: FileEntry, outcome: FileOutcome
    ) -> TransportError | None:
        """Move the file to the archive unless it changed since it was listed; returns
        the error that ends the poll when the connection broke."""
        try:
            current = await source.stat(entry.name)
            if current is None:
                outcome.note = "not archived: the file was gone"
                return None
            if not _unchanged(entry, current):
                # Moving it now could take new, unread content away: leave it.
                outcome.note = (
                    "not archived: the file changed after it was fetched; the next poll "
                    "takes the new content"
                )
                return None
            outcome.archived_to = await source.archive(entry.name)
        except TransportError as exc:
            outcome.note = f"not archived: {exc.message}"
            return exc if exc.problem == CONNECTION_LOST else None
        return None


def _unchanged(listed: FileEntry, current: FileEntry | None) -> bool:
    return current is not None and current.size == listed.size and current.mtime == listed.mtime


def _open(
    transport: SftpTransport | InboxTransport, stored: dict[str, str]
) -> AbstractAsyncContextManager[FileSource]:
    if isinstance(transport, InboxTransport):
        return open_inbox(transport)
    try:
        from shelfops.integrations.sftp import open_sftp
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise _no_asyncssh() from exc
    return open_sftp(transport, stored=stored)


async def _stored_credentials(
    poll: _Poll, transport: SftpTransport | InboxTransport
) -> dict[str, str]:
    """The decrypted secrets of the credentials an SFTP transport names, by kind, read
    from the tenant's store now (so a replaced password is used at the next poll). A
    credential that is missing or unreadable stops the poll with an error naming it."""
    if isinstance(transport, InboxTransport) or not transport.stored_credentials:
        return {}
    stored: dict[str, str] = {}
    async with tenant_transaction(poll.sessionmaker, poll.customer_id) as session:
        for kind, name in transport.stored_credentials.items():
            field = f"{kind}_credential"
            try:
                stored[kind] = await credentials.reveal(
                    session, settings=poll.settings, name=name, kind=CredentialKind(kind)
                )
            except CredentialMissing as exc:
                raise TransportError(
                    where=_where(transport),
                    problem="credential_missing",
                    message=f"{exc.detail} ({field} of source {poll.profile.source_name!r}); "
                    f"store it with PUT /api/v1/integrations/credentials/{name} or "
                    f"`shelfops credentials set {name}`",
                ) from None
            except CredentialUnreadable as exc:
                raise TransportError(
                    where=_where(transport),
                    problem="credential_unreadable",
                    message=f"{exc.detail} ({field} of source {poll.profile.source_name!r})",
                ) from None
    return stored


def _where(transport: SftpTransport | InboxTransport) -> str:
    if isinstance(transport, InboxTransport):
        return str(transport.path)
    try:
        from shelfops.integrations.sftp import where
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise _no_asyncssh() from exc
    return where(transport)


def _no_asyncssh() -> ServiceUnavailable:
    # asyncssh comes with the "api" extra; only SFTP sources need it.
    return ServiceUnavailable("SFTP sources need asyncssh: install shelfops with the 'api' extra")


async def _record_failure(poll: _Poll, report: PollReport, failure: TransportError) -> uuid.UUID:
    async with tenant_transaction(poll.sessionmaker, poll.customer_id) as session:
        return await ledger.record_poll_failure(
            session,
            customer_id=poll.customer_id,
            integration_type=report.source_type,
            source_name=report.source_name,
            started_at=report.started_at,
            message=report.error or failure.problem,
            metadata={
                "where": report.where,
                "problem": failure.problem,
                "files_done": len(report.files),
            },
        )


def _report_dir(settings: Settings, customer_id: uuid.UUID, source: str, file_name: str) -> Path:
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%fZ")
    return (
        settings.var_dir
        / "sync-reports"
        / str(customer_id)
        / _UNSAFE.sub("_", source)
        / f"{stamp}-{_UNSAFE.sub('_', file_name)}"
    )


def _summarise(messages: Sequence[str], limit: int = 3) -> str:
    """The first few problems of a rejection as one line."""
    if not messages:
        return "rejected (no problem listed)"
    shown = "; ".join(messages[:limit])
    more = f" (+{len(messages) - limit} more)" if len(messages) > limit else ""
    return f"{len(messages)} problem(s): {shown}{more}"


def _describe(exc: ShelfOpsError, limit: int = 500) -> str:
    detail = exc.detail
    text = (
        str(detail["message"]) if isinstance(detail, dict) and "message" in detail else str(detail)
    )
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"{exc.name}: {text}"


def _log(report: PollReport) -> None:
    counts = ", ".join(
        f"{status} {report.count(status)}"
        for status in ("imported", "rejected", "failed", "skipped")
        if report.count(status)
    )
    if report.error:
        # The error names the location already.
        log.warning("poll of %s stopped: %s", report.source_name, report.error)
    log.info("polled %s (%s): %s", report.source_name, report.where, counts or "nothing new")
