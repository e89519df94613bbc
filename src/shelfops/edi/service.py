"""Importing one EDI X12 interchange: parse, read, apply all or nothing, acknowledge, log.

:func:`import_edi_file` is a transaction edge (like :mod:`shelfops.ingest.runs`): it
reads and parses the file outside any transaction, applies the facts in one tenant
transaction together with the sync-log row, and returns the result with the 997. A
rejected interchange (any problem in the envelope, a transaction set, or a code the
tenant does not know) writes nothing: the transaction is rolled back and the rejection
is then logged in a transaction of its own. It does not raise for a rejected
interchange — the result says so — only for an unreadable path (``BadRequest``) or a
failure of the database (logged as ``failed``, then re-raised).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shelfops.edi import persist, repository, x810, x846, x852, x856
from shelfops.edi.document import Interchange, Problem, TransactionSet
from shelfops.edi.facts import Facts
from shelfops.edi.parser import parse
from shelfops.edi.schemas import EdiImportResult, EdiProblem, EdiSetSummary
from shelfops.edi.syntax import X12Error
from shelfops.edi.x997 import write_997
from shelfops.kit.db import tenant_transaction
from shelfops.kit.errors import BadRequest
from shelfops.models.base import utcnow

log = logging.getLogger(__name__)

READERS: dict[str, Callable[[TransactionSet, Facts], None]] = {
    "846": x846.read,
    "852": x852.read,
    "856": x856.read,
    "810": x810.read,
}
# How many problems a rejected run keeps in its sync-log metadata.
_LOGGED_PROBLEMS = 20


@dataclass
class ReadInterchange:
    """A parsed interchange and the facts read from its transaction sets; ``fatal`` when
    the ISA header could not be read (then there is no interchange)."""

    interchange: Interchange | None
    facts: Facts = field(default_factory=Facts)
    fatal: X12Error | None = None

    @property
    def ok(self) -> bool:
        """Parsed and read without any problem."""
        return self.interchange is not None and self.interchange.ok


def read_interchange(data: bytes | str) -> ReadInterchange:
    """Parse ``data`` and read every supported transaction set into facts. Never raises
    for malformed input: problems are on the interchange (or in ``fatal``)."""
    try:
        interchange = parse(data)
    except X12Error as error:
        return ReadInterchange(interchange=None, fatal=error)
    read = ReadInterchange(interchange=interchange)
    for ts in interchange.transaction_sets:
        reader = READERS.get(ts.id_code)
        if reader is not None:
            reader(ts, read.facts)
    return read


async def import_edi_file(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    customer_id: uuid.UUID,
    path: Path,
    source_name: str,
    file_name: str | None = None,
) -> EdiImportResult:
    """Import the interchange in ``path`` for the tenant, all or nothing.

    Returns the result: ``imported`` (with rows written per table) or ``rejected``
    (nothing written; every problem with its segment, position and what was expected),
    the 997 acknowledging it, and the ``integration_sync_log`` row (type
    ``enterprise_edi``, name ``source_name``; records received = item records read,
    records synced = rows inserted or changed). Importing the same interchange again
    writes nothing (natural-key upserts).
    """
    started_at = utcnow()
    name = file_name or path.name
    try:
        data = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise BadRequest(
            {"file": str(path), "message": f"cannot read the EDI file: {error.strerror}"}
        ) from None
    read = await asyncio.to_thread(read_interchange, data)
    run = _Run(
        customer_id=customer_id,
        source_name=source_name,
        file_name=name,
        read=read,
        started_at=started_at,
    )
    if not read.ok:
        return await run.reject(sessionmaker)
    try:
        async with tenant_transaction(sessionmaker, customer_id) as session:
            applied = await persist.apply_facts(session, customer_id=customer_id, facts=read.facts)
            result = run.result(applied=applied)
            result.sync_id = await repository.add_sync_log(
                session,
                customer_id=customer_id,
                source_name=source_name,
                status="success",
                received=result.records_received,
                # Every record was accepted; an unchanged one (a re-sent file) needs no
                # write but is no rejection either, as in a canonical ingest's log.
                synced=result.records_received,
                started_at=started_at,
                completed_at=result.completed_at,
                error_message=None,
                metadata=run.metadata(result, applied),
            )
            return result
    except persist.FactsRejected:
        return await run.reject(sessionmaker)
    except Exception as error:
        await run.record_failure(sessionmaker, error)
        raise


@dataclass
class _Run:
    customer_id: uuid.UUID
    source_name: str
    file_name: str
    read: ReadInterchange
    started_at: dt.datetime

    def result(self, *, applied: persist.Applied | None) -> EdiImportResult:
        """The result: imported when ``applied`` (what was written) is given."""
        interchange = self.read.interchange
        accepted = applied is not None
        now = utcnow()
        ack = write_997(interchange, accepted=accepted, now=now) if interchange else ""
        sets: list[EdiSetSummary] = []
        if interchange is not None:
            for group in interchange.groups:
                for ts in group.sets:
                    sets.append(
                        EdiSetSummary(
                            group=group.label,
                            transaction_set=ts.id_code,
                            control=ts.control,
                            records=self.read.facts.records[ts.label],
                            status="accepted" if accepted else "rejected",
                        )
                    )
        return EdiImportResult(
            status="imported" if accepted else "rejected",
            source_name=self.source_name,
            file_name=self.file_name,
            sync_id=None,
            interchange_control=interchange.control if interchange else None,
            sender=_party(interchange.sender_qualifier, interchange.sender_id)
            if interchange
            else None,
            receiver=_party(interchange.receiver_qualifier, interchange.receiver_id)
            if interchange
            else None,
            transaction_sets=sets,
            records_received=self.read.facts.record_count,
            records_written=applied.total if applied else 0,
            written=dict(applied.written) if applied else {},
            ignored=dict(sorted(self.read.facts.ignored.items())),
            notes=list(interchange.notes) if interchange else [],
            problems=self.problems(),
            ack_997=ack,
            started_at=self.started_at,
            completed_at=now,
        )

    def problems(self) -> list[EdiProblem]:
        interchange, fatal = self.read.interchange, self.read.fatal
        if interchange is None:
            assert fatal is not None
            return [
                EdiProblem(
                    segment=fatal.segment,
                    segment_index=fatal.segment_index,
                    offset=fatal.position,
                    message=fatal.message,
                )
            ]
        found = [_problem(p, None, None) for p in interchange.problems]
        for group in interchange.groups:
            found += [_problem(p, group.label, None) for p in group.problems]
            for ts in group.sets:
                found += [_problem(p, group.label, ts.label) for p in ts.problems]
        return sorted(
            found,
            key=lambda p: (
                p.segment_index if p.segment_index is not None else 1 << 62,
                p.element or 0,
            ),
        )

    def metadata(self, result: EdiImportResult, applied: persist.Applied | None) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "file_name": self.file_name,
            "interchange_control": result.interchange_control,
            "sender": result.sender,
            "receiver": result.receiver,
            "transaction_sets": [s.model_dump() for s in result.transaction_sets],
            "records_by_set": dict(self.read.facts.records),
            "written": result.written,
            "ignored": result.ignored,
            "notes": result.notes,
            "ack_997": result.ack_997,
        }
        if applied is not None:
            metadata.update(applied.metadata)
        if result.problems:
            metadata["problem_count"] = len(result.problems)
            metadata["problems"] = [
                p.model_dump(mode="json") for p in result.problems[:_LOGGED_PROBLEMS]
            ]
        return metadata

    async def reject(self, sessionmaker: async_sessionmaker[AsyncSession]) -> EdiImportResult:
        """The rejected result, logged in a transaction of its own (best effort: a
        logging failure never hides the rejection)."""
        result = self.result(applied=None)
        first = result.problems[0] if result.problems else None
        summary = f"; first: {_describe(first)}" if first else ""
        try:
            async with tenant_transaction(sessionmaker, self.customer_id) as session:
                result.sync_id = await repository.add_sync_log(
                    session,
                    customer_id=self.customer_id,
                    source_name=self.source_name,
                    status="rejected",
                    received=result.records_received,
                    synced=0,
                    started_at=self.started_at,
                    completed_at=result.completed_at,
                    error_message=(
                        f"rejected, nothing written: {len(result.problems)} problem(s){summary}"
                    )[:2000],
                    metadata=self.metadata(result, None),
                )
        except Exception:
            log.exception("could not record the rejected EDI run %s", self.file_name)
        return result

    async def record_failure(
        self, sessionmaker: async_sessionmaker[AsyncSession], error: BaseException
    ) -> None:
        """Log a run that crashed (only the error's type: messages can carry SQL)."""
        try:
            async with tenant_transaction(sessionmaker, self.customer_id) as session:
                await repository.add_sync_log(
                    session,
                    customer_id=self.customer_id,
                    source_name=self.source_name,
                    status="failed",
                    received=self.read.facts.record_count,
                    synced=0,
                    started_at=self.started_at,
                    completed_at=utcnow(),
                    error_message=(
                        f"failed with {type(error).__name__}; nothing written (see server logs)"
                    ),
                    metadata={"file_name": self.file_name, "error_type": type(error).__name__},
                )
        except Exception:
            log.exception("could not record the failed EDI run %s", self.file_name)


def _party(qualifier: str, identifier: str) -> str:
    return f"{qualifier}:{identifier}"


def _problem(problem: Problem, group: str | None, transaction_set: str | None) -> EdiProblem:
    return EdiProblem(
        segment=problem.segment_id,
        segment_index=problem.segment_index,
        offset=problem.offset,
        element=problem.element,
        value=problem.value,
        message=problem.message,
        group=group,
        transaction_set=transaction_set,
    )


def _describe(problem: EdiProblem) -> str:
    where = (
        f"segment {problem.segment_index} ({problem.segment})"
        if problem.segment_index is not None
        else "interchange"
    )
    if problem.element is not None:
        where += f" element {problem.segment}{problem.element:02d}"
    return f"{where}: {problem.message}"
