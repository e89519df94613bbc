"""The event-stream consumer: sale and inventory-adjustment events from Redis Streams.

One run of :func:`consume` reads a source's stream through a consumer group, batch by
batch (``config.batch_size`` entries):

1. the consumer's own *pending* entries first — read before a crash but never
   acknowledged — then entries other consumers left pending for longer than
   ``claim_idle_ms`` (``XAUTOCLAIM``), then new entries (``>``);
2. each entry is parsed (``event_schemas``); a malformed one is set aside with its
   reason;
3. the well-formed events are applied in ONE database transaction together with their
   ``integration_events`` ledger rows and the run's ``integration_sync_log`` row; an
   event whose id the ledger holds is skipped, and one that cannot be applied (unknown
   code, …) is set aside like a malformed one (``event_apply``);
4. only after the commit: the set-aside entries are copied to the dead-letter stream
   (their original fields plus ``reason`` and ``source_entry_id``), then every entry of
   the batch is acknowledged.

If the transaction fails nothing is acknowledged and nothing is dead-lettered: the whole
batch is delivered again on the next run, and the ledger makes that safe. A crash after
the commit but before the acknowledgement is the same case. So every event is applied
exactly once, however often the stream is replayed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from rich.table import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.config import Settings
from shelfops.integrations import event_apply
from shelfops.integrations.config import EventStreamConfig
from shelfops.integrations.event_apply import StreamEvent
from shelfops.integrations.event_schemas import (
    EntryFields,
    MalformedEvent,
    SaleEvent,
    parse_entry,
)
from shelfops.kit.db import sessionmaker_scope, tenant_transaction
from shelfops.kit.errors import NotFound, ServiceUnavailable
from shelfops.models.base import utcnow
from shelfops.tenants import admin as tenant_admin

log = logging.getLogger(__name__)

#: Entries another consumer has held unacknowledged this long are taken over (ms).
DEFAULT_CLAIM_IDLE_MS = 5 * 60 * 1000
#: Attempts at committing one batch before the run gives up (see _commit_with_retries).
BATCH_ATTEMPTS = 3
_RETRY_PAUSE_S = 0.2
#: Dead letters listed in a report (all are counted).
MAX_LISTED_DEAD_LETTERS = 50


class DeadLetter(BaseModel):
    """An entry sent to the dead-letter stream, and why."""

    entry_id: str
    event_id: str | None = None
    reason: str


class ConsumeReport(BaseModel):
    """What one consumer run did with one source's stream."""

    source_name: str
    stream: str
    group: str
    consumer: str
    status: Literal["idle", "success", "failed"] = Field(
        description="idle: nothing to read; failed: a batch could not be committed or the "
        "broker failed (that batch stays pending and is delivered again)"
    )
    received: int = Field(
        default=0, description="entries read and processed (their outcome committed)"
    )
    redelivered: int = Field(
        default=0, description="of those, entries read before (pending after a crash)"
    )
    applied: int = 0
    applied_by_type: dict[str, int] = Field(default_factory=dict)
    duplicates: int = Field(default=0, description="events the ledger already held (skipped)")
    dead_lettered: int = 0
    dead_letters: list[DeadLetter] = Field(
        default_factory=list, description=f"the first {MAX_LISTED_DEAD_LETTERS} dead letters"
    )
    sync_id: uuid.UUID | None = Field(
        default=None, description="the integration_sync_log row of this run (None if idle)"
    )
    error: str | None = None
    started_at: dt.datetime
    completed_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        """Whether the run did not fail (idle counts as fine)."""
        return self.status != "failed"


@dataclass(frozen=True)
class _Entry:
    entry_id: str
    fields: EntryFields
    redelivered: bool


@dataclass
class _Triage:
    """One batch split into events to apply and entries to dead-letter."""

    events: list[tuple[_Entry, StreamEvent]] = field(default_factory=list)
    dead: list[tuple[_Entry, DeadLetter]] = field(default_factory=list)


async def consume(
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
    *,
    customer_id: uuid.UUID,
    source_name: str,
    config: EventStreamConfig,
    consumer: str,
    max_events: int | None = None,
    block_ms: int = 0,
    claim_idle_ms: int = DEFAULT_CLAIM_IDLE_MS,
) -> ConsumeReport:
    """Read and apply a source's events until its stream has nothing new (or
    ``max_events`` entries were read); see the module docstring for the guarantees.

    ``consumer`` names this reader inside the group; a restarted process that reuses its
    name re-reads its own pending entries at once. ``block_ms`` > 0 waits that long for
    new entries before ending the run (0: do not wait). The consumer group is created
    when missing, from the start of the stream (``MKSTREAM``).

    Never raises for a failed batch or an unreachable broker: the report says
    ``failed`` (with the error) and an ``integration_sync_log`` row records it.
    """
    report = ConsumeReport(
        source_name=source_name,
        stream=config.stream,
        group=config.group,
        consumer=consumer,
        status="idle",
        started_at=utcnow(),
    )
    reader = _Reader(redis, config, consumer, block_ms=block_ms, claim_idle_ms=claim_idle_ms)
    sync_id = uuid.uuid4()
    unacknowledged = 0  # entries of a committed batch whose acknowledgement is due
    try:
        await _ensure_group(redis, config)
        while max_events is None or report.received < max_events:
            count = config.batch_size
            if max_events is not None:
                count = min(count, max_events - report.received)
            entries = await reader.next(count)
            if not entries:
                break
            triage = _triage(entries)
            outcome = await _commit_with_retries(
                sessionmaker,
                customer_id=customer_id,
                sync_id=sync_id,
                report=report,
                triage=triage,
                config=config,
            )
            # Counted once committed: the report and the sync-log row describe the
            # database, whatever happens to the acknowledgement.
            _count(report, entries, outcome)
            report.sync_id = sync_id
            unacknowledged = len(entries)
            await _acknowledge(redis, config, entries, outcome.dead)
            unacknowledged = 0
    except Exception as exc:
        # A failed batch is neither acknowledged nor dead-lettered: it stays pending and
        # is delivered again, so the run just stops here and says so.
        log.exception("event consumer %s of %s failed", consumer, config.stream)
        report.status = "failed"
        report.error = f"{type(exc).__name__}: {_first_line(exc)}"
        report.sync_id = await _record_failure(
            sessionmaker,
            customer_id=customer_id,
            sync_id=sync_id,
            report=report,
            config=config,
            error=exc,
            committed_unacknowledged=unacknowledged,
        )
    else:
        report.status = "success" if report.received else "idle"
    report.completed_at = utcnow()
    log.info(
        "event consumer %s of %s: %s, %d received, %d applied, %d duplicate(s), %d dead-lettered",
        consumer,
        config.stream,
        report.status,
        report.received,
        report.applied,
        report.duplicates,
        report.dead_lettered,
    )
    return report


def default_consumer_name() -> str:
    """This process's consumer name: host and pid, so that concurrent workers never share
    pending entries (a dead worker's are taken over after ``claim_idle_ms``)."""
    return f"{socket.gethostname()}-{os.getpid()}"


async def consume_tenant(
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
    customer_id: uuid.UUID,
    tenant_slug: str,
    *,
    source: str | None = None,
    max_events: int | None = None,
    consumer: str | None = None,
) -> list[ConsumeReport]:
    """Consume every stream of a tenant's contract profiles (those with a ``stream``
    section; only ``source`` if given), one report per source.

    The broker (``settings.broker_url``) is the Redis the streams live on; without one
    there is nothing to read and the result is empty.
    """
    if not settings.broker_url:
        log.info("no broker configured: event streams of tenant %s not consumed", tenant_slug)
        return []
    sources = stream_sources(settings, tenant_slug, source=source)
    if not sources:
        return []
    # Timeouts so that a hung broker fails the run instead of the worker (no read blocks).
    redis = Redis.from_url(settings.broker_url, socket_connect_timeout=5, socket_timeout=60)
    try:
        return [
            await consume(
                sessionmaker,
                redis,
                customer_id=customer_id,
                source_name=source_name,
                config=config,
                consumer=consumer or default_consumer_name(),
                max_events=max_events,
            )
            for source_name, config in sources
        ]
    finally:
        await redis.aclose()


def stream_sources(
    settings: Settings, tenant_slug: str, *, source: str | None = None
) -> list[tuple[str, EventStreamConfig]]:
    """``(source_name, stream config)`` of the tenant's profiles that have a stream."""
    # Imported here: profiles belong to onboarding, which imports integrations.config.
    from shelfops.onboarding.profiles import tenant_profiles

    return [
        (profile.source_name, profile.stream)
        for profile in tenant_profiles(settings, tenant_slug)
        if profile.stream is not None and (source is None or profile.source_name == source)
    ]


async def consume_command(
    settings: Settings,
    *,
    tenant_ref: str | None,
    source: str | None = None,
    max_events: int | None = None,
) -> list[ConsumeReport]:
    """What ``shelfops sync consume`` runs: drain the tenant's event streams once.

    Unlike the scheduled run it insists: no broker, or no stream source (named
    ``source``), is an error rather than an empty result.
    """
    if not settings.broker_url:
        raise ServiceUnavailable("no broker configured: set SHELFOPS_BROKER_URL to a Redis URL")
    customer = await tenant_admin.resolve_tenant(settings, tenant_ref)
    if not stream_sources(settings, customer.slug, source=source):
        what = f"source {source!r} with a stream" if source else "source with a stream"
        raise NotFound(f"tenant {customer.slug!r} has no contract profile for a {what}")
    async with sessionmaker_scope(settings) as sessionmaker:
        return await consume_tenant(
            sessionmaker,
            settings,
            customer.customer_id,
            customer.slug,
            source=source,
            max_events=max_events,
        )


def report_table(reports: Sequence[ConsumeReport]) -> Table:
    """The reports as a ``rich`` table (one line per source)."""
    table = Table(title="Event streams")
    columns = ("source", "status", "received", "applied", "duplicates", "dead-lettered")
    for name in columns:
        table.add_column(name, justify="left" if name in ("source", "status") else "right")
    for report in reports:
        table.add_row(
            report.source_name,
            report.status if not report.error else f"{report.status}: {report.error}",
            f"{report.received:,}",
            f"{report.applied:,}",
            f"{report.duplicates:,}",
            f"{report.dead_lettered:,}",
        )
    return table


# ---------------------------------------------------------------------------------------
# Redis
# ---------------------------------------------------------------------------------------


async def _ensure_group(redis: Redis, config: EventStreamConfig) -> None:
    """Create the consumer group (and the stream) if missing, reading from the start."""
    try:
        await redis.xgroup_create(config.stream, config.group, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


class _Reader:
    """Hands out entries: own pending ones, then idle ones of others, then new ones."""

    def __init__(
        self,
        redis: Redis,
        config: EventStreamConfig,
        consumer: str,
        *,
        block_ms: int,
        claim_idle_ms: int,
    ) -> None:
        self.redis = redis
        self.config = config
        self.consumer = consumer
        self.block_ms = block_ms
        self.claim_idle_ms = claim_idle_ms
        self.pending_after: str | None = "0"  # None once own pending entries are done
        self.claim_cursor: str | None = "0-0"  # None once the claim scan is done

    async def next(self, count: int) -> list[_Entry]:
        """Up to ``count`` entries, or none when the stream has nothing more for us."""
        if self.pending_after is not None:
            entries = await self._read(self.pending_after, count, redelivered=True)
            if entries:
                self.pending_after = entries[-1].entry_id
                return entries
            self.pending_after = None
        while self.claim_cursor is not None:
            entries = await self._claim(count)
            if entries:
                return entries
        return await self._read(">", count, redelivered=False)

    async def _read(self, start: str, count: int, *, redelivered: bool) -> list[_Entry]:
        # BLOCK 0 would wait forever; only new entries are worth waiting for.
        block = self.block_ms if self.block_ms > 0 and start == ">" else None
        reply: Any = await self.redis.xreadgroup(
            self.config.group,
            self.consumer,
            {self.config.stream: start},
            count=count,
            block=block,
        )
        # RESP2 answers [[stream, entries]], RESP3 {stream: entries}.
        streams = reply.values() if isinstance(reply, dict) else [s[1] for s in reply or []]
        return [
            _Entry(_text(entry_id), fields or {}, redelivered)
            for entries in streams
            for entry_id, fields in entries
        ]

    async def _claim(self, count: int) -> list[_Entry]:
        # redis-py types this reply as a union of every XCLAIM shape; it is
        # [next cursor, [(id, fields), …], [deleted ids]].
        reply: Any = await self.redis.xautoclaim(
            self.config.stream,
            self.config.group,
            self.consumer,
            min_idle_time=self.claim_idle_ms,
            start_id=self.claim_cursor or "0-0",
            count=count,
        )
        cursor, entries = reply[0], reply[1]
        next_cursor = _text(cursor)
        self.claim_cursor = None if next_cursor == "0-0" else next_cursor
        # Entries deleted from the stream are dropped from the group by XAUTOCLAIM itself.
        return [_Entry(_text(entry_id), fields or {}, True) for entry_id, fields in entries]


async def _acknowledge(
    redis: Redis,
    config: EventStreamConfig,
    entries: Sequence[_Entry],
    dead: Sequence[tuple[_Entry, DeadLetter]],
) -> None:
    """Dead-letter the refused entries, then acknowledge the whole batch.

    Two steps, not one ``MULTI``: Redis does not roll a transaction back when one command
    fails (a dead-letter key of the wrong type, say), so an atomic pair could acknowledge
    an entry whose dead letter was never written. In this order a failure leaves the
    batch pending; after a crash between the steps a dead letter may appear twice.
    """
    if dead:
        async with redis.pipeline(transaction=False) as pipe:
            for entry, letter in dead:
                fields = {_bytes(k): _bytes(v) for k, v in entry.fields.items()}
                fields[b"reason"] = letter.reason.encode()
                fields[b"source_entry_id"] = entry.entry_id.encode()
                pipe.xadd(config.dead_letters, fields)  # type: ignore[arg-type]
            await pipe.execute()
    await redis.xack(config.stream, config.group, *(entry.entry_id for entry in entries))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else value


# ---------------------------------------------------------------------------------------
# Batches
# ---------------------------------------------------------------------------------------


def _triage(entries: Sequence[_Entry]) -> _Triage:
    triage = _Triage()
    for entry in entries:
        try:
            event = parse_entry(entry.fields)
        except MalformedEvent as bad:
            letter = DeadLetter(entry_id=entry.entry_id, event_id=bad.event_id, reason=bad.reason)
            triage.dead.append((entry, letter))
        else:
            triage.events.append((entry, StreamEvent(entry.entry_id, event)))
    return triage


@dataclass(frozen=True)
class _Outcome:
    applied_by_type: dict[str, int]
    duplicates: int
    dead: list[tuple[_Entry, DeadLetter]]


async def _commit_with_retries(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    sync_id: uuid.UUID,
    report: ConsumeReport,
    triage: _Triage,
    config: EventStreamConfig,
) -> _Outcome:
    """:func:`_commit_batch`, tried again after a database error.

    Consumers of one stream race when their batches touch the same day's row: one
    inserts it while the other does too (a unique violation), or they lock rows in
    opposite orders (a deadlock), or SQLite refuses the second writer. A fresh attempt
    a moment later sees the winner's rows and succeeds; a lasting failure is raised
    after the last attempt (the batch then stays pending).
    """
    for attempt in range(1, BATCH_ATTEMPTS + 1):
        try:
            return await _commit_batch(
                sessionmaker,
                customer_id=customer_id,
                sync_id=sync_id,
                report=report,
                triage=triage,
                config=config,
            )
        except DBAPIError:
            if attempt == BATCH_ATTEMPTS:
                raise
            log.warning(
                "batch of %s failed (attempt %d of %d); trying again",
                config.stream,
                attempt,
                BATCH_ATTEMPTS,
                exc_info=True,
            )
            await asyncio.sleep(_RETRY_PAUSE_S * attempt)
    raise AssertionError("unreachable")


async def _commit_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    sync_id: uuid.UUID,
    report: ConsumeReport,
    triage: _Triage,
    config: EventStreamConfig,
) -> _Outcome:
    """Apply one batch and update the run's sync-log row in one transaction."""
    async with tenant_transaction(sessionmaker, customer_id) as session:
        outcomes = await event_apply.apply_events(
            session,
            customer_id=customer_id,
            source_name=report.source_name,
            events=[event for _, event in triage.events],
        )
        applied_by_type: dict[str, int] = {}
        duplicates = 0
        dead = list(triage.dead)
        for (entry, item), outcome in zip(triage.events, outcomes, strict=True):
            if outcome.status == "applied":
                kind = _type_name(item)
                applied_by_type[kind] = applied_by_type.get(kind, 0) + 1
            elif outcome.status == "duplicate":
                duplicates += 1
            else:
                letter = DeadLetter(
                    entry_id=entry.entry_id,
                    event_id=item.event.event_id,
                    reason=outcome.reason or "refused",
                )
                dead.append((entry, letter))
        dead.sort(key=lambda pair: _entry_order(pair[0].entry_id))
        applied = sum(applied_by_type.values())
        received = report.received + len(triage.events) + len(triage.dead)
        await event_apply.save_run(
            session,
            customer_id=customer_id,
            sync_id=sync_id,
            source_name=report.source_name,
            status="success",
            received=received,
            # Duplicates were synced by an earlier run: accepted, not rejected.
            synced=report.applied + applied + report.duplicates + duplicates,
            started_at=report.started_at,
            error_message=None,
            metadata=_metadata(
                report,
                config,
                rejected=report.dead_lettered + len(dead),
                duplicates=report.duplicates + duplicates,
                applied_by_type=_merge(report.applied_by_type, applied_by_type),
            ),
        )
    return _Outcome(applied_by_type=applied_by_type, duplicates=duplicates, dead=dead)


def _type_name(item: StreamEvent) -> str:
    return "sale" if isinstance(item.event, SaleEvent) else "inventory_adjustment"


def _entry_order(entry_id: str) -> tuple[int, int]:
    millis, _, sequence = entry_id.partition("-")
    return int(millis), int(sequence or 0)


def _merge(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {key: a.get(key, 0) + b.get(key, 0) for key in sorted({*a, *b})}


def _metadata(
    report: ConsumeReport,
    config: EventStreamConfig,
    *,
    rejected: int,
    duplicates: int,
    applied_by_type: dict[str, int],
) -> dict[str, Any]:
    return {
        "stream": config.stream,
        "group": config.group,
        "consumer": report.consumer,
        "dead_letter_stream": config.dead_letters,
        "rejected": rejected,
        "duplicates": duplicates,
        "applied_by_type": applied_by_type,
    }


def _count(report: ConsumeReport, entries: Sequence[_Entry], outcome: _Outcome) -> None:
    """Add a committed and acknowledged batch to the report."""
    report.received += len(entries)
    report.redelivered += sum(entry.redelivered for entry in entries)
    report.applied_by_type = _merge(report.applied_by_type, outcome.applied_by_type)
    report.applied = sum(report.applied_by_type.values())
    report.duplicates += outcome.duplicates
    report.dead_lettered += len(outcome.dead)
    room = MAX_LISTED_DEAD_LETTERS - len(report.dead_letters)
    report.dead_letters.extend(letter for _, letter in outcome.dead[: max(room, 0)])


async def _record_failure(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    sync_id: uuid.UUID,
    report: ConsumeReport,
    config: EventStreamConfig,
    error: BaseException,
    committed_unacknowledged: int,
) -> uuid.UUID | None:
    """Mark the run failed in the sync log, in a fresh transaction (best effort: the
    database may be what failed). Only the error's type is stored; its message can carry
    SQL and values."""
    if committed_unacknowledged:
        fate = (
            f"the last {committed_unacknowledged} entries were committed but not "
            "acknowledged: they will be delivered again and skipped as already applied"
        )
    else:
        fate = "the current batch was not applied and will be delivered again"
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            await event_apply.save_run(
                session,
                customer_id=customer_id,
                sync_id=sync_id,
                source_name=report.source_name,
                status="failed",
                received=report.received,
                synced=report.applied + report.duplicates,
                started_at=report.started_at,
                error_message=f"failed with {type(error).__name__} after {report.received} "
                f"entries; {fate} (see server logs)",
                metadata={
                    **_metadata(
                        report,
                        config,
                        rejected=report.dead_lettered,
                        duplicates=report.duplicates,
                        applied_by_type=report.applied_by_type,
                    ),
                    "error_type": type(error).__name__,
                },
            )
    except Exception:
        log.exception("could not record the failed consumer run of %s", report.stream)
        return None
    return sync_id


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""
